// store/sqlite_db.h: one SQLite connection with a prepared-statement cache, the write
// transaction primitives and the single place where SQLite result codes become
// runnel::Error.
//
// Thread-safety: none. SqliteStore serializes every use of a SqliteDb with its mutex.
// A SqliteDb must not cross a fork(): the child opens its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace runnel::internal {

class SqliteDb;

// A cached prepared statement while it is in use. Its destructor resets the statement
// and clears its bindings, so the next user of the same SQL starts clean. Bound text is
// copied (SQLITE_TRANSIENT), so temporaries may be bound.
class SqliteStmt {
 public:
  SqliteStmt(const SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  SqliteStmt& bind(int index, const std::string& value);
  SqliteStmt& bind(int index, int64_t value);
  SqliteStmt& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  SqliteStmt& bind_null(int index);

  // Advances; true when a row is ready, false when done. Throws runnel::Error on failure.
  bool step();
  // Steps to completion (for INSERT/UPDATE/DELETE); returns the number of rows changed.
  int exec();

  std::string text(int col) const;  // "" for NULL
  int64_t int64(int col) const;     // 0 for NULL
  bool is_null(int col) const;

 private:
  const SqliteDb* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // How long one statement waits for another process's lock before SQLITE_BUSY.
  static constexpr int kBusyTimeoutMs = 10'000;
  // BEGIN IMMEDIATE attempts (each waits up to kBusyTimeoutMs) before kUnavailable.
  static constexpr int kBeginAttempts = 3;

  // Opens (creating if absent) the file at `path` and sets WAL, synchronous=NORMAL,
  // foreign_keys and the busy timeout. Throws Error naming the path: kIo when the file
  // cannot be opened or created, kCorruption when it is not a SQLite database.
  explicit SqliteDb(std::string path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  const std::string& path() const { return path_; }

  // The statement for `sql`, compiled once per connection and reused afterwards.
  // At most one SqliteStmt per SQL text may be alive at a time.
  SqliteStmt prepare(const std::string& sql);
  // Runs SQL without results (schema changes, pragmas, savepoints); not cached.
  void exec_script(const std::string& sql, const std::string& what);
  // An integer PRAGMA's value (user_version, application_id).
  int64_t pragma_int(const std::string& name);

  // BEGIN IMMEDIATE: takes the write lock now, retrying on SQLITE_BUSY; throws
  // Error(kUnavailable) when another process keeps the lock past all attempts.
  void begin_immediate();
  void begin_write() { begin_immediate(); }  // the name store/records.h uses
  // COMMIT; throws on failure (the transaction is then still open; roll it back).
  void commit();
  // ROLLBACK if a transaction is open; never throws.
  void rollback_quietly() noexcept;
  bool in_transaction() const;

  // Throws runnel::Error for SQLite result `rc` during `op`, with the database path,
  // SQLite's message and what to do. The one place where SQLite codes are converted.
  [[noreturn]] void fail(int rc, const std::string& op) const;

 private:
  void set_wal_mode();

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// The first words of `sql` with whitespace collapsed, to name an operation in errors.
std::string describe_sql(const std::string& sql);

}  // namespace runnel::internal
