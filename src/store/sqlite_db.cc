#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <utility>

#include "runnel/error.h"

namespace runnel::internal {

SqliteStmt::~SqliteStmt() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

SqliteStmt& SqliteStmt::bind(int index, const std::string& value) {
  int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK)
    db_->fail(rc, "bind ?" + std::to_string(index) + " of " + describe_sql(sqlite3_sql(stmt_)));
  return *this;
}

SqliteStmt& SqliteStmt::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK)
    db_->fail(rc, "bind ?" + std::to_string(index) + " of " + describe_sql(sqlite3_sql(stmt_)));
  return *this;
}

SqliteStmt& SqliteStmt::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK)
    db_->fail(rc, "bind ?" + std::to_string(index) + " of " + describe_sql(sqlite3_sql(stmt_)));
  return *this;
}

bool SqliteStmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(rc, describe_sql(sqlite3_sql(stmt_)));
}

int SqliteStmt::exec() {
  while (step()) {
  }
  return sqlite3_changes(sqlite3_db_handle(stmt_));
}

std::string SqliteStmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

int64_t SqliteStmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

bool SqliteStmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string describe_sql(const std::string& sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= 60) {
      out += "...";
      break;
    }
  }
  return out;
}

SqliteDb::SqliteDb(std::string path) : path_(std::move(path)) {
  int rc =
      sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    // sqlite3_open_v2 hands back a handle even on failure; fail() reads its message.
    try {
      fail(rc, "open");
    } catch (...) {
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw;
    }
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // journal_mode=WAL is persistent in the file; the first connection switches it.
    // Readers then never block the writer and vice versa; synchronous=NORMAL in WAL
    // mode syncs only at checkpoints (a power cut may lose the last commits, never
    // consistency).
    set_wal_mode();
    exec_script("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", "set pragmas");
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

void SqliteDb::set_wal_mode() {
  // Switching a new file to WAL needs an exclusive lock, and SQLite reports SQLITE_BUSY
  // at once (without the busy handler) while another process opens the same new file;
  // so wait here, as the busy timeout would.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) {
      fail(rc, "set journal_mode=WAL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

SqliteStmt SqliteDb::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return SqliteStmt(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, "prepare " + describe_sql(sql));
  cache_.emplace(sql, stmt);
  return SqliteStmt(this, stmt);
}

void SqliteDb::exec_script(const std::string& sql, const std::string& what) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, what);
}

int64_t SqliteDb::pragma_int(const std::string& name) {
  SqliteStmt stmt = prepare("PRAGMA " + name);
  return stmt.step() ? stmt.int64(0) : 0;
}

void SqliteDb::begin_immediate() {
  for (int attempt = 1;; ++attempt) {
    int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY || attempt >= kBeginAttempts) fail(rc, "BEGIN IMMEDIATE");
    // The busy handler already waited kBusyTimeoutMs; some BUSY results (WAL recovery by
    // another process) skip it, so pause briefly before the next attempt.
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
  }
}

void SqliteDb::commit() { exec_script("COMMIT", "COMMIT"); }

void SqliteDb::rollback_quietly() noexcept {
  if (db_ != nullptr && !sqlite3_get_autocommit(db_)) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

bool SqliteDb::in_transaction() const { return !sqlite3_get_autocommit(db_); }

void SqliteDb::fail(int rc, const std::string& op) const {
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string msg = "metadata store " + path_ + ": " + op + " failed: " + detail + " (" +
                    sqlite3_errstr(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw unavailable(msg + "; another runnel process holds the database (runnel waits up to " +
                        std::to_string(kBusyTimeoutMs / 1000) +
                        " s for it); retry when that process has finished");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw corruption(msg + "; " + path_ +
                       " is not a usable runnel metadata database. Restore it from a backup, "
                       "or move it away and runnel starts a new, empty one");
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
        throw already_exists(msg);
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        throw not_found(msg + "; the record refers to a run or experiment that is not recorded");
      throw invalid_argument(msg);
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      throw internal_error(msg);
    case SQLITE_CANTOPEN:
      throw io_error(msg + "; check that the folder exists and is writable");
    default:
      throw io_error(msg);
  }
}

}  // namespace runnel::internal
