// store/store_test_util.h: helpers shared by the store's tests (a temporary folder, a
// fresh database per test on either backend, sample records). Test-only; not part of
// runnel_store.
//
// The suite is parameterized by backend: "sqlite" always runs; "postgresql" runs against
// the server named by RUNNEL_TEST_PG_URL (a libpq URL, e.g. the one printed by
// scripts/services/postgres-up.sh), creating and dropping one database per test. Without
// the variable the PostgreSQL cases are a visible skip, except when RUNNEL_TEST_PG=1
// (scripts/test.sh started the server): then they fail.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/metadata_store.h"
#include "store/open_store.h"
#include "store/pg_db.h"
#include "store/pg_schema.h"
#include "store/pg_store.h"
#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_store.h"

namespace runnel::testing_store {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path() / "runnel-store-XXXXXX";
    char* made = mkdtemp(base.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed for " + base);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// RUNNEL_TEST_PG_URL, or "" with `why` set to the reason the PostgreSQL cases cannot run.
inline std::string test_pg_url(std::string* why) {
  const char* url = std::getenv("RUNNEL_TEST_PG_URL");
  if (url != nullptr && *url != '\0') return url;
  const char* must = std::getenv("RUNNEL_TEST_PG");
  *why = (must != nullptr && std::string(must) == "1")
             ? "RUNNEL_TEST_PG=1 but RUNNEL_TEST_PG_URL is not set"
             : "RUNNEL_TEST_PG_URL is not set (start a server with "
               "scripts/services/postgres-up.sh and export the URL it prints)";
  return {};
}
inline bool pg_required() {
  const char* must = std::getenv("RUNNEL_TEST_PG");
  return must != nullptr && std::string(must) == "1";
}

// One empty database for one test: a file in a temporary folder (sqlite) or a database
// created on the test server and dropped afterwards (postgresql).
class TestDatabase {
 public:
  // `base_url` is RUNNEL_TEST_PG_URL; unused for sqlite.
  TestDatabase(std::string backend, const std::string& base_url) : backend_(std::move(backend)) {
    if (backend_ != "postgresql") {
      location_ = dir_.file("metadata.db");
      return;
    }
    static std::atomic<int> counter{0};
    db_name_ = "runnel_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    admin_ = std::make_unique<internal::PgDb>(base_url);
    admin_->exec_script("DROP DATABASE IF EXISTS " + db_name_, "DROP DATABASE");
    admin_->exec_script("CREATE DATABASE " + db_name_, "CREATE DATABASE");
    location_ = internal::conninfo_with_database(base_url, db_name_);
  }
  ~TestDatabase() {
    if (!admin_) return;
    try {
      admin_->exec_script("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)", "DROP DATABASE");
    } catch (...) {
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool is_pg() const { return backend_ == "postgresql"; }
  // The SQLite path or the PostgreSQL connection string.
  const std::string& location() const { return location_; }

  std::unique_ptr<MetadataStore> open() const {
    return is_pg() ? open_pg_store(location_) : open_sqlite_store(location_);
  }
  // The backend's real schema plus `extra` migrations.
  std::unique_ptr<MetadataStore> open_with_extra(const std::vector<std::string>& extra) const {
    std::vector<std::string> m =
        is_pg() ? internal::pg_schema_migrations() : internal::schema_migrations();
    m.insert(m.end(), extra.begin(), extra.end());
    if (is_pg()) return std::make_unique<PgStore>(location_, m);
    return std::make_unique<SqliteStore>(location_, m);
  }
  int current_version() const {
    return static_cast<int>(is_pg() ? internal::pg_schema_migrations().size()
                                    : internal::schema_migrations().size());
  }
  // What errors call the database: the SQLite path, or the PostgreSQL database's name.
  const std::string& shown_name() const { return is_pg() ? db_name_ : location_; }
  // Runs SQL on the database directly (to plant another program's tables).
  void exec_raw(const std::string& sql) const {
    if (is_pg()) {
      internal::PgDb(location_).exec_script(sql, "test SQL");
    } else {
      internal::SqliteDb(location_).exec_script(sql, "test SQL");
    }
  }

 private:
  std::string backend_;
  TempDir dir_;
  std::string db_name_;
  std::unique_ptr<internal::PgDb> admin_;
  std::string location_;
};

inline PipelineRunRecord sample_pipeline_run(const std::string& id, int64_t created_at,
                                             const std::string& experiment = "exp") {
  PipelineRunRecord r;
  r.id = id;
  r.experiment = experiment;
  r.status = RunStatus::kRunning;
  r.display_name = "run " + id;
  r.created_at = created_at;
  return r;
}

inline StepRunRecord sample_step_run(const std::string& id, const std::string& pipeline_run_id,
                                     const std::string& name, int64_t created_at) {
  StepRunRecord r;
  r.id = id;
  r.pipeline_run_id = pipeline_run_id;
  r.name = name;
  r.status = StepStatus::kQueued;
  r.created_at = created_at;
  return r;
}

}  // namespace runnel::testing_store
