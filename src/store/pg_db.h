// store/pg_db.h: one PostgreSQL connection (libpq) with parameter binding, result rows and
// the single place where PostgreSQL errors (SQLSTATE) become runnel::Error.
//
// Parameters are sent as text ($1, $2, ...; NULL for bind_null); results come back as
// text and are read with text()/int64(). Connection strings are libpq's: a URI
// (postgresql://user@host:port/db?sslmode=...) or key=value pairs. A password in the
// string is never printed: errors name the database by redact_db_url().
//
// Thread-safety: none. PgStore serializes every use of a PgDb with its mutex. A PgDb must
// not cross a fork(): the child opens its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct pg_conn;
struct pg_result;

namespace runnel::internal {

// True for the URLs the PostgreSQL store takes: postgresql://... or postgres://...
bool is_postgres_url(const std::string& url);

// The connection string with the password (and any other secret field) left out, for
// logs and errors: "postgresql://user@host:port/db". Strings libpq cannot parse give
// "postgresql://(unparsable connection string)".
std::string redact_db_url(const std::string& conninfo);

// The keyword/value connection string of `conninfo` with its database replaced by `db`
// (for tests that create a database per case). Throws Error(kInvalidArgument) if libpq
// cannot parse `conninfo`.
std::string conninfo_with_database(const std::string& conninfo, const std::string& db);

// The advisory lock every write transaction takes (pg_advisory_xact_lock, PgDb::begin_write):
// writers of one database are serialized as SQLite's BEGIN IMMEDIATE serializes them,
// which is what makes read-then-write transactions (claims, version numbers) exactly-once
// across processes and machines. Schema migrations take it too.
constexpr int64_t kPgWriteLock = 0x72756e6e656c;  // "runnel"

// The parameters of one statement.
class PgParams {
 public:
  PgParams& bind(int index, const std::string& value);
  PgParams& bind(int index, int64_t value) { return bind(index, std::to_string(value)); }
  PgParams& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  PgParams& bind(int index, const char* value) { return bind(index, std::string(value)); }
  PgParams& bind_null(int index);

  std::vector<const char*> pointers() const;
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::optional<std::string>> values_;
};

// The rows of one result; row(i) reads row i through the Row interface of store/records.h.
class PgResult {
 public:
  explicit PgResult(pg_result* res) : res_(res) {}
  ~PgResult();
  PgResult(PgResult&& o) noexcept : res_(o.res_) { o.res_ = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  int affected() const;  // rows changed by INSERT/UPDATE/DELETE

  class Row {
   public:
    Row(const PgResult* r, int i) : r_(r), i_(i) {}
    std::string text(int col) const;  // "" for NULL
    int64_t int64(int col) const;     // 0 for NULL
    bool is_null(int col) const;

   private:
    const PgResult* r_;
    int i_;
  };
  Row row(int i) const { return Row(this, i); }

 private:
  pg_result* res_;
};

class PgDb {
 public:
  // Connects; throws Error(kUnavailable) naming the redacted URL when the server does not
  // answer or refuses the login.
  explicit PgDb(std::string conninfo);
  ~PgDb();
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  // The redacted connection string (safe to print).
  const std::string& name() const { return name_; }

  // Runs one statement with parameters; throws runnel::Error (see fail()). A connection
  // that was lost is re-established once when no transaction is open.
  PgResult exec(const std::string& sql, const PgParams& params = PgParams());
  // Runs SQL without parameters (may hold several statements: migrations).
  void exec_script(const std::string& sql, const std::string& what);

  // BEGIN, then the advisory lock that serializes writers (store/pg_schema.h).
  void begin_write();
  void commit() { exec_script("COMMIT", "COMMIT"); }
  bool in_transaction() const;
  void rollback_quietly() noexcept;

 private:
  [[noreturn]] void fail(pg_result* res, const std::string& sql) const;
  void reconnect_if_lost();

  std::string conninfo_;
  std::string name_;
  pg_conn* conn_ = nullptr;
};

}  // namespace runnel::internal

namespace runnel::internal {

// A connection of its own that LISTENs on `channel` and counts the notifications that
// arrive (PostgreSQL delivers them after the notifying transaction commits, to every
// listening session of every process). A background thread waits on the socket; a lost
// connection is retried every second. version() is nullopt until the first LISTEN
// succeeds and while the connection is down; each (re)connection counts as a change,
// since anything may have been written meanwhile. Thread-safe.
class PgChangeListener {
 public:
  PgChangeListener(std::string conninfo, std::string channel);
  ~PgChangeListener();
  PgChangeListener(const PgChangeListener&) = delete;
  PgChangeListener& operator=(const PgChangeListener&) = delete;

  std::optional<uint64_t> version() const;

 private:
  void loop();
  bool wait(int fd, int timeout_ms);  // false when asked to stop

  std::string conninfo_;
  std::string channel_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::atomic<uint64_t> count_{0};
  std::thread thread_;
};

}  // namespace runnel::internal
