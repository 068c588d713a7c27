#include "store/pg_db.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>

#include "runnel/error.h"
#include "store/sqlite_db.h"  // describe_sql

namespace runnel::internal {

namespace {

// The parsed fields of a connection string that are set; nullopt if libpq cannot parse it.
std::optional<std::map<std::string, std::string>> parse_conninfo(const std::string& conninfo,
                                                                 bool with_secrets) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    if (err != nullptr) PQfreemem(err);
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    // dispchar "*" marks a secret (password); "D" a debug option.
    if (!with_secrets && o->dispchar != nullptr && std::strchr(o->dispchar, '*') != nullptr)
      continue;
    out[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  return out;
}

}  // namespace

bool is_postgres_url(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

std::string redact_db_url(const std::string& conninfo) {
  auto f = parse_conninfo(conninfo, /*with_secrets=*/false);
  if (!f) return "postgresql://(unparsable connection string)";
  auto get = [&](const char* k) {
    auto it = f->find(k);
    return it == f->end() ? std::string() : it->second;
  };
  std::string out = "postgresql://";
  if (!get("user").empty()) out += get("user") + "@";
  out += get("host").empty() ? get("hostaddr") : get("host");
  if (!get("port").empty()) out += ":" + get("port");
  out += "/" + get("dbname");
  return out;
}

std::string conninfo_with_database(const std::string& conninfo, const std::string& db) {
  auto f = parse_conninfo(conninfo, /*with_secrets=*/true);
  if (!f)
    throw invalid_argument("cannot parse the PostgreSQL connection string " +
                           redact_db_url(conninfo));
  (*f)["dbname"] = db;
  std::string out;
  for (const auto& [k, v] : *f) {
    std::string quoted;
    for (char c : v) {
      if (c == '\'' || c == '\\') quoted += '\\';
      quoted += c;
    }
    out += (out.empty() ? "" : " ") + k + "='" + quoted + "'";
  }
  return out;
}

// ---- parameters and results ------------------------------------------------------------

PgParams& PgParams::bind(int index, const std::string& value) {
  if (static_cast<int>(values_.size()) < index) values_.resize(index);
  values_[index - 1] = value;
  return *this;
}

PgParams& PgParams::bind_null(int index) {
  if (static_cast<int>(values_.size()) < index) values_.resize(index);
  values_[index - 1].reset();
  return *this;
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> p;
  for (const auto& v : values_) p.push_back(v ? v->c_str() : nullptr);
  return p;
}

PgResult::~PgResult() {
  if (res_ != nullptr) PQclear(res_);
}

int PgResult::rows() const { return PQntuples(res_); }

int PgResult::affected() const {
  const char* n = PQcmdTuples(res_);
  return n != nullptr && *n != '\0' ? std::atoi(n) : 0;
}

std::string PgResult::Row::text(int col) const {
  if (PQgetisnull(r_->res_, i_, col)) return {};
  return std::string(PQgetvalue(r_->res_, i_, col), PQgetlength(r_->res_, i_, col));
}

int64_t PgResult::Row::int64(int col) const {
  if (PQgetisnull(r_->res_, i_, col)) return 0;
  return std::strtoll(PQgetvalue(r_->res_, i_, col), nullptr, 10);
}

bool PgResult::Row::is_null(int col) const { return PQgetisnull(r_->res_, i_, col) != 0; }

// ---- the connection ----------------------------------------------------------------------

PgDb::PgDb(std::string conninfo) : conninfo_(std::move(conninfo)), name_(redact_db_url(conninfo_)) {
  conn_ = PQconnectdb(conninfo_.c_str());
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    std::string detail = conn_ != nullptr ? PQerrorMessage(conn_) : "out of memory";
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    throw unavailable("metadata store " + name_ + ": cannot connect to PostgreSQL: " + detail +
                      "; check that the server is up and the URL (--db, RUNNEL_DB or the "
                      "workspace's \"db\") is right");
  }
  // Notices (e.g. "relation already exists, skipping") are not for the user's terminal.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgDb::~PgDb() {
  if (conn_ != nullptr) PQfinish(conn_);
}

void PgDb::reconnect_if_lost() {
  if (PQstatus(conn_) == CONNECTION_OK) return;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw unavailable("metadata store " + name_ +
                      ": lost the connection to PostgreSQL and cannot "
                      "reconnect: " +
                      std::string(PQerrorMessage(conn_)));
}

PgResult PgDb::exec(const std::string& sql, const PgParams& params) {
  bool retry = !in_transaction();
  for (int attempt = 0;; ++attempt) {
    if (retry) reconnect_if_lost();
    std::vector<const char*> p = params.pointers();
    PGresult* res =
        PQexecParams(conn_, sql.c_str(), params.size(), nullptr, p.data(), nullptr, nullptr, 0);
    ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return PgResult(res);
    if (retry && attempt == 0 && PQstatus(conn_) != CONNECTION_OK) {
      if (res != nullptr) PQclear(res);
      continue;  // the server went away between statements: reconnect and send it again
    }
    fail(res, sql);
  }
}

void PgDb::exec_script(const std::string& sql, const std::string& what) {
  PGresult* res = PQexec(conn_, sql.c_str());
  ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    PQclear(res);
    return;
  }
  fail(res, what);
}

void PgDb::begin_write() {
  exec_script("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kPgWriteLock) + ")", "BEGIN");
}

bool PgDb::in_transaction() const {
  PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

void PgDb::rollback_quietly() noexcept {
  if (conn_ == nullptr || !in_transaction()) return;
  PGresult* res = PQexec(conn_, "ROLLBACK");
  if (res != nullptr) PQclear(res);
}

void PgDb::fail(PGresult* res, const std::string& sql) const {
  std::string state, detail;
  if (res != nullptr) {
    const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char* m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (s != nullptr) state = s;
    if (m != nullptr) detail = m;
    PQclear(res);
  }
  if (detail.empty()) {
    detail = PQerrorMessage(conn_);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  }
  std::string msg = "metadata store " + name_ + ": " + describe_sql(sql) + " failed: " + detail +
                    (state.empty() ? "" : " (SQLSTATE " + state + ")");
  std::string cls = state.substr(0, 2);
  if (state == "23505") throw already_exists(msg);
  if (state == "23503")
    throw not_found(msg + "; the record refers to a run or experiment that is not recorded");
  if (cls == "23" || cls == "22") throw invalid_argument(msg);
  if (state.empty() || cls == "08" || cls == "57" || cls == "53" || cls == "40")
    throw unavailable(msg + "; check that the PostgreSQL server is up, then retry");
  if (cls == "42" || cls == "XX") throw internal_error(msg);
  throw io_error(msg);
}

}  // namespace runnel::internal

namespace runnel::internal {

// ---- change notifications ----------------------------------------------------------------

PgChangeListener::PgChangeListener(std::string conninfo, std::string channel)
    : conninfo_(std::move(conninfo)), channel_(std::move(channel)) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return;  // no listener: version() stays nullopt
  thread_ = std::thread([this] { loop(); });
}

PgChangeListener::~PgChangeListener() {
  stop_ = true;
  if (wake_[1] >= 0) {
    char c = 1;
    (void)!::write(wake_[1], &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

std::optional<uint64_t> PgChangeListener::version() const {
  if (!listening_) return std::nullopt;
  return count_.load();
}

bool PgChangeListener::wait(int fd, int timeout_ms) {
  pollfd fds[2] = {{wake_[0], POLLIN, 0}, {fd, POLLIN, 0}};
  int n = ::poll(fds, fd >= 0 ? 2 : 1, timeout_ms);
  (void)n;
  return !stop_;
}

void PgChangeListener::loop() {
  while (!stop_) {
    // connect_timeout keeps a stop (the destructor) from waiting on an unreachable host.
    const char* keys[] = {"dbname", "connect_timeout", nullptr};
    const char* values[] = {conninfo_.c_str(), "5", nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn != nullptr && PQstatus(conn) == CONNECTION_OK) {
      PQsetNoticeProcessor(
          conn, [](void*, const char*) {}, nullptr);
      std::string listen = "LISTEN \"" + channel_ + "\"";
      PGresult* res = PQexec(conn, listen.c_str());
      bool ok = res != nullptr && PQresultStatus(res) == PGRES_COMMAND_OK;
      if (res != nullptr) PQclear(res);
      if (ok) {
        ++count_;  // anything may have changed while no one listened
        listening_ = true;
        while (wait(PQsocket(conn), -1)) {
          if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) break;
          while (PGnotify* n = PQnotifies(conn)) {
            ++count_;
            PQfreemem(n);
          }
        }
        listening_ = false;
      }
    }
    if (conn != nullptr) PQfinish(conn);
    if (!wait(-1, 1000)) break;  // retry in a second
  }
}

}  // namespace runnel::internal
