#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "runnel/error.h"
#include "store/pg_store.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace runnel {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_store::sample_pipeline_run;
using testing_store::sample_step_run;
using testing_store::TempDir;

// Runs `fn`, expecting runnel::Error with `code`; returns its message.
template <typename Fn>
std::string error_of(Fn&& fn, ErrorCode code) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected runnel::Error(" << error_code_name(code) << ")";
  return {};
}

template <typename Record>
std::vector<std::string> ids_of(const std::vector<Record>& records) {
  std::vector<std::string> ids;
  for (const Record& r : records) ids.push_back(r.id);
  return ids;
}

// The whole suite, once per backend (store_test_util.h says when PostgreSQL runs).
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      std::string why;
      base_url_ = testing_store::test_pg_url(&why);
      if (base_url_.empty()) {
        if (testing_store::pg_required()) FAIL() << why;
        GTEST_SKIP() << why;
      }
    }
    db_ = std::make_unique<testing_store::TestDatabase>(GetParam(), base_url_);
    store_ = db_->open();
  }

  std::string base_url_;
  std::unique_ptr<testing_store::TestDatabase> db_;
  std::unique_ptr<MetadataStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST_P(StoreTest, CreatesAndReopensAtTheCurrentSchemaVersion) {
  EXPECT_EQ(store_->schema_version(), db_->current_version());
  store_->set_value("k", "v");
  store_.reset();
  auto reopened = db_->open();
  EXPECT_EQ(reopened->schema_version(), db_->current_version());
  EXPECT_EQ(reopened->get_value("k"), "v");
}

TEST_P(StoreTest, MigratesAnOlderDatabaseAndKeepsItsData) {
  store_->set_value("k", "v");
  store_.reset();
  auto migrated = db_->open_with_extra({"ALTER TABLE kv ADD COLUMN note TEXT NOT NULL DEFAULT ''"});
  EXPECT_EQ(migrated->schema_version(), db_->current_version() + 1);
  EXPECT_EQ(migrated->get_value("k"), "v");
}

TEST_P(StoreTest, FailedMigrationLeavesTheOldVersion) {
  store_->set_value("k", "v");
  store_.reset();
  error_of([&] { db_->open_with_extra({"CREATE TABLE broken ("}); }, ErrorCode::kInternal);
  auto reopened = db_->open();
  EXPECT_EQ(reopened->schema_version(), db_->current_version());
  EXPECT_EQ(reopened->get_value("k"), "v");
}

TEST_P(StoreTest, RefusesADatabaseFromANewerRunnel) {
  store_.reset();
  db_->open_with_extra({"CREATE TABLE future (x INTEGER)"});
  std::string msg = error_of([&] { db_->open(); }, ErrorCode::kCorruption);
  EXPECT_THAT(msg, HasSubstr("Upgrade runnel"));
  EXPECT_THAT(msg, HasSubstr(db_->shown_name()));
}

TEST_P(StoreTest, ConcurrentFirstOpensMigrateOnce) {
  // A second database of the same backend, opened by four threads at once.
  testing_store::TestDatabase fresh(GetParam(), base_url_);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::string errors;
  std::mutex mu;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      try {
        auto s = fresh.open();
        if (s->schema_version() == fresh.current_version()) ++ok;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> l(mu);
        errors += e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, "");
  EXPECT_EQ(ok.load(), 4);
}

TEST(SqliteStoreOpenTest, NonDatabaseFileGivesAClearError) {
  TempDir dir;
  std::string path = dir.file("metadata.db");
  {
    std::ofstream out(path);
    for (int i = 0; i < 200; ++i) out << "this is a text file, not a database\n";
  }
  std::string msg = error_of([&] { open_sqlite_store(path); }, ErrorCode::kCorruption);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("not a"));
}

TEST(SqliteStoreOpenTest, AnotherProgramsSqliteFileIsRefused) {
  TempDir dir;
  std::string path = dir.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE contacts (name TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  std::string msg = error_of([&] { open_sqlite_store(path); }, ErrorCode::kCorruption);
  EXPECT_THAT(msg, HasSubstr("another program"));
}

TEST(SqliteStoreOpenTest, MissingFolderIsAnIoErrorNamingThePath) {
  TempDir dir;
  std::string path = dir.file("no/such/folder/metadata.db");
  std::string msg = error_of([&] { open_sqlite_store(path); }, ErrorCode::kIo);
  EXPECT_THAT(msg, HasSubstr(path));
}

TEST_P(StoreTest, PipelineRunRoundTripAndUpdate) {
  PipelineRunRecord r = sample_pipeline_run("p1", 1000, "Compare_Models_Exp");
  r.source_file = "/w/pipeline.yml";
  r.spec_json = R"({"jobs":{}})";
  r.options_json = R"({"regenerate_outputs":true})";
  r.git_json = R"({"commit":"abc"})";
  r.tags_json = R"({"k":"v"})";
  r.started_at = 1001;
  store_->create_pipeline_run(r);
  EXPECT_THAT(store_->list_experiments(), ElementsAre("Compare_Models_Exp"));

  r.status = RunStatus::kFailed;
  r.error = "step train failed";
  r.ended_at = 2000;
  store_->update_pipeline_run(r);
  auto got = store_->get_pipeline_run("p1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->experiment, r.experiment);
  EXPECT_EQ(got->status, RunStatus::kFailed);
  EXPECT_EQ(got->display_name, r.display_name);
  EXPECT_EQ(got->source_file, r.source_file);
  EXPECT_EQ(got->spec_json, r.spec_json);
  EXPECT_EQ(got->options_json, r.options_json);
  EXPECT_EQ(got->git_json, r.git_json);
  EXPECT_EQ(got->tags_json, r.tags_json);
  EXPECT_EQ(got->error, r.error);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->started_at, 1001);
  EXPECT_EQ(got->ended_at, 2000);
}

TEST_P(StoreTest, PipelineRunErrors) {
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  error_of([&] { store_->create_pipeline_run(sample_pipeline_run("p1", 2)); },
           ErrorCode::kAlreadyExists);
  error_of([&] { store_->update_pipeline_run(sample_pipeline_run("nope", 2)); },
           ErrorCode::kNotFound);
  EXPECT_FALSE(store_->get_pipeline_run("nope"));
  EXPECT_FALSE(store_->get_pipeline_run(""));
}

TEST_P(StoreTest, ListsPipelineRunsNewestFirstByExperiment) {
  store_->create_pipeline_run(sample_pipeline_run("a", 10, "x"));
  store_->create_pipeline_run(sample_pipeline_run("b", 30, "y"));
  store_->create_pipeline_run(sample_pipeline_run("c", 20, "x"));
  EXPECT_THAT(ids_of(store_->list_pipeline_runs("", 0)), ElementsAre("b", "c", "a"));
  EXPECT_THAT(ids_of(store_->list_pipeline_runs("x", 0)), ElementsAre("c", "a"));
  EXPECT_THAT(ids_of(store_->list_pipeline_runs("", 2)), ElementsAre("b", "c"));
  EXPECT_THAT(store_->list_experiments(), ElementsAre("x", "y"));
}

// Six runs for the run-list query: two experiments, every kind of status, tags, two
// created at the same time (the one recorded later is listed first).
void add_query_runs(MetadataStore& store) {
  auto add = [&](const std::string& id, int64_t created, const std::string& exp, RunStatus st,
                 const std::string& tags) {
    PipelineRunRecord r = sample_pipeline_run(id, created, exp);
    r.status = st;
    r.tags_json = tags;
    r.spec_json = R"({"jobs":{"big":"spec"}})";
    r.options_json = R"({"max_parallel":2})";
    r.git_json = R"({"commit":"abc"})";
    r.error = st == RunStatus::kFailed ? "step a failed" : "";
    r.started_at = created + 1;
    store.create_pipeline_run(r);
  };
  add("r1", 100, "x", RunStatus::kFinished, R"({"team":"a","size":"1"})");
  add("r2", 200, "y", RunStatus::kFailed, R"({"team":"b"})");
  add("r3", 300, "x", RunStatus::kRunning, "");
  add("r4", 300, "x", RunStatus::kFinished, R"({"team":"a","n":"2"})");
  add("r5", 400, "y", RunStatus::kFinished, R"({"team":"a","num":"7"})");
  add("r6", 500, "x", RunStatus::kCanceled, R"({"k.with \"odd\" key":"v"})");
}

RunQuery all_runs_query() {
  RunQuery q;
  q.limit = 0;
  return q;
}

TEST_P(StoreTest, QueryRunsNewestFirstWithPagingAndTotal) {
  add_query_runs(*store_);
  RunPage all = store_->query_pipeline_runs(all_runs_query());
  EXPECT_THAT(ids_of(all.runs), ElementsAre("r6", "r5", "r4", "r3", "r2", "r1"));
  EXPECT_EQ(all.total, 6);

  RunQuery q = all_runs_query();
  q.limit = 2;
  q.offset = 1;
  RunPage page = store_->query_pipeline_runs(q);
  EXPECT_THAT(ids_of(page.runs), ElementsAre("r5", "r4"));
  EXPECT_EQ(page.total, 6);
  q.offset = 5;
  EXPECT_THAT(ids_of(store_->query_pipeline_runs(q).runs), ElementsAre("r1"));
  q.offset = 10;
  page = store_->query_pipeline_runs(q);
  EXPECT_TRUE(page.runs.empty());
  EXPECT_EQ(page.total, 6);

  // Summary columns only: the large JSON columns are left out, the rest is read.
  const PipelineRunRecord& r2 = all.runs[4];
  EXPECT_EQ(r2.id, "r2");
  EXPECT_EQ(r2.experiment, "y");
  EXPECT_EQ(r2.status, RunStatus::kFailed);
  EXPECT_EQ(r2.display_name, "run r2");
  EXPECT_EQ(r2.tags_json, R"({"team":"b"})");
  EXPECT_EQ(r2.error, "step a failed");
  EXPECT_EQ(r2.created_at, 200);
  EXPECT_EQ(r2.started_at, 201);
  EXPECT_EQ(r2.spec_json, "");
  EXPECT_EQ(r2.options_json, "");
  EXPECT_EQ(r2.git_json, "");
}

TEST_P(StoreTest, QueryRunsFiltersByExperimentStatusAndTime) {
  add_query_runs(*store_);
  RunQuery q = all_runs_query();
  q.experiment = "x";
  RunPage page = store_->query_pipeline_runs(q);
  EXPECT_THAT(ids_of(page.runs), ElementsAre("r6", "r4", "r3", "r1"));
  EXPECT_EQ(page.total, 4);

  q = all_runs_query();
  q.statuses = {RunStatus::kFinished, RunStatus::kFailed};
  EXPECT_THAT(ids_of(store_->query_pipeline_runs(q).runs), ElementsAre("r5", "r4", "r2", "r1"));
  q.statuses = {RunStatus::kNotStarted};
  EXPECT_EQ(store_->query_pipeline_runs(q).total, 0);

  q = all_runs_query();
  q.created_from = 300;    // at or after
  q.created_before = 500;  // before
  EXPECT_THAT(ids_of(store_->query_pipeline_runs(q).runs), ElementsAre("r5", "r4", "r3"));

  q = all_runs_query();
  q.experiment = "x";
  q.statuses = {RunStatus::kFinished};
  q.tags = {{"team", "a"}};
  q.limit = 1;
  page = store_->query_pipeline_runs(q);
  EXPECT_THAT(ids_of(page.runs), ElementsAre("r4"));
  EXPECT_EQ(page.total, 2);
}

TEST_P(StoreTest, QueryRunsFiltersByTags) {
  add_query_runs(*store_);
  auto ids_with = [&](std::vector<std::pair<std::string, std::optional<std::string>>> tags) {
    RunQuery q = all_runs_query();
    q.tags = std::move(tags);
    RunPage page = store_->query_pipeline_runs(q);
    EXPECT_EQ(page.total, static_cast<int64_t>(page.runs.size()));
    return ids_of(page.runs);
  };
  EXPECT_THAT(ids_with({{"team", "a"}}), ElementsAre("r5", "r4", "r1"));
  EXPECT_THAT(ids_with({{"team", std::nullopt}}), ElementsAre("r5", "r4", "r2", "r1"));
  EXPECT_THAT(ids_with({{"team", "a"}, {"n", std::nullopt}}), ElementsAre("r4"));
  EXPECT_THAT(ids_with({{"team", "a"}, {"team", "b"}}), ElementsAre());
  EXPECT_THAT(ids_with({{"num", "7"}}), ElementsAre("r5"));
  EXPECT_THAT(ids_with({{"num", "8"}}), ElementsAre());
  EXPECT_THAT(ids_with({{"k.with \"odd\" key", "v"}}), ElementsAre("r6"));
  EXPECT_THAT(ids_with({{"missing", std::nullopt}}), ElementsAre());
  // A value is matched whole, not as a prefix or a pattern.
  EXPECT_THAT(ids_with({{"team", "%"}}), ElementsAre());
  EXPECT_THAT(ids_with({{"team", ""}}), ElementsAre());
}

TEST_P(StoreTest, CountsPipelineRunsByExperimentAndStatus) {
  add_query_runs(*store_);
  std::vector<std::string> got;
  for (const RunCount& c : store_->count_pipeline_runs())
    got.push_back(c.experiment + "/" + to_string(c.status) + "=" + std::to_string(c.count));
  EXPECT_THAT(got, ElementsAre("x/Canceled=1", "x/Finished=2", "x/Running=1", "y/Failed=1",
                               "y/Finished=1"));
}

TEST_P(StoreTest, CountsStepRunsByStatusOfSeveralRunsAtOnce) {
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  store_->create_pipeline_run(sample_pipeline_run("p2", 2));
  store_->create_pipeline_run(sample_pipeline_run("p3", 3));
  store_->create_step_run(sample_step_run("s1", "p1", "a", 5));
  store_->create_step_run(sample_step_run("s2", "p1", "b", 5));
  StepRunRecord done = sample_step_run("s3", "p1", "c", 5);
  done.status = StepStatus::kFinished;
  store_->create_step_run(done);
  done = sample_step_run("s4", "p2", "a", 6);
  done.status = StepStatus::kReused;
  store_->create_step_run(done);
  auto counts = store_->count_step_runs({"p1", "p2", "p3", "nope"});
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts["p1"], (std::map<std::string, int64_t>{{"Finished", 1}, {"Queued", 2}}));
  EXPECT_EQ(counts["p2"], (std::map<std::string, int64_t>{{"Reused", 1}}));
  EXPECT_TRUE(store_->count_step_runs({}).empty());
  EXPECT_EQ(store_->count_step_runs({"p2"}).size(), 1u);
}

TEST_P(StoreTest, ChangeVersionFollowsRunWritesOfEveryConnection) {
  // PostgreSQL: the first call opens the listening connection and answers nullopt until
  // it listens; other connections' commits arrive as notifications, a moment later.
  auto eventually = [&](auto pred) {
    for (int i = 0; i < 500 && !pred(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return pred();
  };
  auto v0 = store_->change_version();
  if (db_->is_pg()) {
    ASSERT_TRUE(eventually([&] { return store_->change_version().has_value(); }));
  }
  v0 = store_->change_version();
  ASSERT_TRUE(v0);
  EXPECT_EQ(store_->change_version(), v0);
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  auto v1 = store_->change_version();  // the store's own write: at once
  EXPECT_NE(v1, v0);
  store_->create_step_run(sample_step_run("s1", "p1", "a", 2));
  auto v2 = store_->change_version();
  EXPECT_NE(v2, v1);
  if (db_->is_pg()) {  // let this store's own notifications arrive before the next check
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    v2 = store_->change_version();
  }
  // Another connection (another process) writing is seen too.
  db_->open()->create_pipeline_run(sample_pipeline_run("p2", 3));
  EXPECT_TRUE(eventually([&] { return store_->change_version() != v2; }));
  if (db_->is_pg()) {  // only writes of runs notify (SQLite's data_version counts them all)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto v3 = store_->change_version();
    db_->open()->set_value("k", "v");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(store_->change_version(), v3) << "a kv write invalidated the run lists";
  }
}

TEST_P(StoreTest, StepRunRoundTripAndUpdate) {
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  StepRunRecord r = sample_step_run("s1", "p1", "train", 5);
  store_->create_step_run(r);
  auto fresh = store_->get_step_run("s1");
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(fresh->exit_code.has_value());
  EXPECT_TRUE(fresh->outputs.empty());

  r.status = StepStatus::kFinished;
  r.exit_code = 0;
  r.signal = 9;
  r.error = "none";
  r.run_dir = "/w/.runnel/runs/s1";
  r.compute = "local";
  r.backend_job_id = "4242";
  r.fingerprint = "f00d";
  r.fingerprint_json = R"({"code":"c1"})";
  r.reused_run_id = "s0";
  r.outputs = {{"model", "/w/out/model"}, {"report", "/w/out/report"}};
  r.tags_json = R"({"t":"1"})";
  r.attempt = 2;
  r.started_at = 6;
  r.ended_at = 7;
  store_->update_step_run(r);
  auto got = store_->get_step_run("s1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->pipeline_run_id, "p1");
  EXPECT_EQ(got->name, "train");
  EXPECT_EQ(got->status, StepStatus::kFinished);
  EXPECT_EQ(got->exit_code, 0);
  EXPECT_EQ(got->signal, 9);
  EXPECT_EQ(got->error, r.error);
  EXPECT_EQ(got->run_dir, r.run_dir);
  EXPECT_EQ(got->compute, r.compute);
  EXPECT_EQ(got->backend_job_id, r.backend_job_id);
  EXPECT_EQ(got->fingerprint, r.fingerprint);
  EXPECT_EQ(got->fingerprint_json, r.fingerprint_json);
  EXPECT_EQ(got->reused_run_id, r.reused_run_id);
  EXPECT_EQ(got->outputs, r.outputs);
  EXPECT_EQ(got->tags_json, r.tags_json);
  EXPECT_EQ(got->attempt, 2);
  EXPECT_EQ(got->created_at, 5);
  EXPECT_EQ(got->started_at, 6);
  EXPECT_EQ(got->ended_at, 7);
}

TEST_P(StoreTest, StepRunErrors) {
  error_of([&] { store_->create_step_run(sample_step_run("s1", "missing", "a", 1)); },
           ErrorCode::kNotFound);
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  store_->create_step_run(sample_step_run("s1", "p1", "a", 1));
  error_of([&] { store_->create_step_run(sample_step_run("s1", "p1", "a", 1)); },
           ErrorCode::kAlreadyExists);
  error_of([&] { store_->update_step_run(sample_step_run("s2", "p1", "a", 1)); },
           ErrorCode::kNotFound);
}

TEST_P(StoreTest, LooksUpRunsByUniqueIdPrefix) {
  store_->create_pipeline_run(sample_pipeline_run("pabc", 1));
  store_->create_pipeline_run(sample_pipeline_run("pabd", 2));
  for (const char* id : {"abc1", "abc123", "abc789", "abd456"}) {
    store_->create_step_run(sample_step_run(id, "pabc", "a", 1));
  }
  EXPECT_EQ(store_->get_step_run("abd")->id, "abd456");
  EXPECT_EQ(store_->get_step_run("abc7")->id, "abc789");
  EXPECT_EQ(store_->get_step_run("abc1")->id, "abc1");  // exact beats longer ids
  EXPECT_FALSE(store_->get_step_run("abe"));
  std::string msg = error_of([&] { store_->get_step_run("abc"); }, ErrorCode::kInvalidArgument);
  EXPECT_THAT(msg, HasSubstr("abc123"));
  EXPECT_THAT(msg, HasSubstr("abc789"));
  EXPECT_EQ(store_->get_pipeline_run("pabd")->id, "pabd");
  error_of([&] { store_->get_pipeline_run("pab"); }, ErrorCode::kInvalidArgument);
}

TEST_P(StoreTest, ListsStepRunsInCreationOrder) {
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  store_->create_pipeline_run(sample_pipeline_run("p2", 1));
  store_->create_step_run(sample_step_run("z", "p1", "prep", 5));
  store_->create_step_run(sample_step_run("a", "p1", "train", 5));
  store_->create_step_run(sample_step_run("m", "p1", "score", 3));
  store_->create_step_run(sample_step_run("other", "p2", "prep", 4));
  EXPECT_THAT(ids_of(store_->list_step_runs("p1")), ElementsAre("m", "z", "a"));
}

TEST_P(StoreTest, ReuseIndexHasOnlyFinishedRunsNewestFirst) {
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  auto add = [&](const std::string& id, const std::string& fp, StepStatus status, int64_t created) {
    StepRunRecord r = sample_step_run(id, "p1", "train", created);
    r.fingerprint = fp;
    r.status = status;
    store_->create_step_run(r);
  };
  add("old", "fp", StepStatus::kFinished, 10);
  add("reused", "fp", StepStatus::kReused, 30);
  add("failed", "fp", StepStatus::kFailed, 40);
  add("new", "fp", StepStatus::kFinished, 20);
  add("elsewhere", "fp2", StepStatus::kFinished, 50);
  EXPECT_THAT(ids_of(store_->find_by_fingerprint("fp")), ElementsAre("new", "old"));
  EXPECT_TRUE(store_->find_by_fingerprint("unknown").empty());

  // previous_step_runs: all statuses, before the given time, newest first, limited.
  EXPECT_THAT(ids_of(store_->previous_step_runs("train", 45, 0)),
              ElementsAre("failed", "reused", "new", "old"));
  EXPECT_THAT(ids_of(store_->previous_step_runs("train", 30, 1)), ElementsAre("new"));
  EXPECT_TRUE(store_->previous_step_runs("prep", 100, 0).empty());
}

TEST_P(StoreTest, MetricsComeBackInLoggingOrder) {
  store_->create_pipeline_run(sample_pipeline_run("p1", 1));
  store_->add_metrics({{"s1", "p1", "loss", "scalar", "0.5", 1, 200},
                       {"s1", "p1", "loss", "scalar", "0.9", 0, 100},
                       {"s2", "p1", "acc", "scalar", "0.7", 0, 150},
                       {"s1", "p1", "cm", "table", R"({"a":[1]})", 0, 200}});
  std::vector<std::string> values;
  for (const MetricRecord& m : store_->get_metrics("p1", "s1")) values.push_back(m.value_json);
  EXPECT_THAT(values, ElementsAre("0.9", "0.5", R"({"a":[1]})"));

  auto all = store_->get_metrics("p1", "");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[1].run_id, "s2");
  EXPECT_EQ(all[1].name, "acc");
  EXPECT_EQ(all[1].kind, "scalar");
  EXPECT_EQ(all[1].logged_at, 150);
  EXPECT_EQ(all[3].kind, "table");
  EXPECT_TRUE(store_->get_metrics("p2", "").empty());
}

TEST_P(StoreTest, EnvironmentsGetANewVersionPerPut) {
  EnvironmentRecord e;
  e.name = "sklearn";
  e.python = "/usr/bin/python3";
  e.variables = {{"OMP_NUM_THREADS", "1"}};
  e.description = "first";
  store_->put_environment(e);
  e.python = "/opt/py/bin/python3";
  e.description = "second";
  e.version = 7;  // ignored: the store numbers versions
  store_->put_environment(e);
  EnvironmentRecord other;
  other.name = "torch";
  store_->put_environment(other);

  auto latest = store_->get_environment("sklearn", 0);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->python, "/opt/py/bin/python3");
  EXPECT_EQ(latest->variables, e.variables);
  auto first = store_->get_environment("sklearn", 1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->description, "first");
  EXPECT_FALSE(store_->get_environment("sklearn", 3));
  EXPECT_FALSE(store_->get_environment("nope", 0));

  auto list = store_->list_environments();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "sklearn");
  EXPECT_EQ(list[0].version, 2);
  EXPECT_EQ(list[1].name, "torch");
  EXPECT_EQ(list[1].version, 1);
}

TEST_P(StoreTest, EnvironmentsAtAnExactVersion) {
  EnvironmentRecord e;
  e.name = "pinned";
  e.version = 7;  // a v2 file's `version: 7`
  e.description = "seven";
  store_->put_environment(e, /*exact_version=*/true);
  auto got = store_->get_environment("pinned", 0);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->version, 7);
  EXPECT_FALSE(store_->get_environment("pinned", 1));
  EXPECT_THROW(store_->put_environment(e, true), Error);  // that version exists
  e.description = "next";
  store_->put_environment(e);  // without one: after the highest
  EXPECT_EQ(store_->get_environment("pinned", 0)->version, 8);
  EXPECT_EQ(store_->get_environment("pinned", 7)->description, "seven");
}

TEST_P(StoreTest, ComputesRefuseDuplicateNames) {
  store_->put_compute({"local", "local", R"({"slots":4})", 0});
  store_->put_compute({"cluster", "slurm", R"({"partition":"gpu"})", 0});
  std::string msg = error_of(
      [&] {
        store_->put_compute({"local", "slurm", "", 0});
      },
      ErrorCode::kAlreadyExists);
  EXPECT_THAT(msg, HasSubstr("'local'"));
  auto got = store_->get_compute("cluster");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, "slurm");
  EXPECT_EQ(got->config_json, R"({"partition":"gpu"})");
  EXPECT_GT(got->created_at, 0);
  ASSERT_EQ(store_->list_computes().size(), 2u);
  EXPECT_EQ(store_->list_computes()[0].name, "cluster");
  store_->delete_compute("cluster");
  EXPECT_FALSE(store_->get_compute("cluster"));
  error_of([&] { store_->delete_compute("cluster"); }, ErrorCode::kNotFound);
}

TEST_P(StoreTest, DatasetVersions) {
  DatasetRecord d;
  d.name = "iris";
  d.version = 1;
  d.kind = "tabular";
  d.definition_json = R"({"paths":["data/iris.csv"]})";
  d.manifest_json = R"([{"path":"iris.csv","size":10,"digest":"aa"}])";
  d.digest = "d1";
  d.description = "the iris data";
  d.tags_json = R"({"src":"uci"})";
  d.created_at = 100;
  store_->put_dataset(d);
  d.version = 2;
  d.digest = "d2";
  store_->put_dataset(d);
  error_of([&] { store_->put_dataset(d); }, ErrorCode::kAlreadyExists);
  d.version = 0;
  error_of([&] { store_->put_dataset(d); }, ErrorCode::kInvalidArgument);
  DatasetRecord other;
  other.name = "mnist";
  other.version = 1;
  other.kind = "file";
  store_->put_dataset(other);

  auto latest = store_->get_dataset("iris", 0);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->digest, "d2");
  auto v1 = store_->get_dataset("iris", 1);
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->kind, "tabular");
  EXPECT_EQ(v1->definition_json, d.definition_json);
  EXPECT_EQ(v1->manifest_json, d.manifest_json);
  EXPECT_EQ(v1->digest, "d1");
  EXPECT_EQ(v1->description, d.description);
  EXPECT_EQ(v1->tags_json, d.tags_json);
  EXPECT_EQ(v1->created_at, 100);
  EXPECT_FALSE(store_->get_dataset("iris", 3));

  auto versions = store_->list_dataset_versions("iris");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 1);
  EXPECT_EQ(versions[1].version, 2);
  auto all = store_->list_datasets();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "iris");
  EXPECT_EQ(all[0].version, 2);
  EXPECT_EQ(all[1].name, "mnist");
}

TEST_P(StoreTest, KeyValues) {
  EXPECT_FALSE(store_->get_value("stat_cache"));
  store_->set_value("stat_cache", "/a");
  store_->set_value("stat_cache", "/b");
  EXPECT_EQ(store_->get_value("stat_cache"), "/b");
}

TEST_P(StoreTest, TransactionCommitsAndRollsBackOnException) {
  store_->transaction([&] {
    store_->create_pipeline_run(sample_pipeline_run("kept", 1));
    store_->create_step_run(sample_step_run("s1", "kept", "a", 1));
  });
  EXPECT_TRUE(store_->get_step_run("s1"));

  EXPECT_THROW(store_->transaction([&] {
    store_->create_pipeline_run(sample_pipeline_run("lost", 2));
    store_->set_value("k", "lost");
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_FALSE(store_->get_pipeline_run("lost"));
  EXPECT_FALSE(store_->get_value("k"));
  // The store is usable afterwards.
  store_->set_value("k", "after");
  EXPECT_EQ(store_->get_value("k"), "after");
}

TEST_P(StoreTest, NestedTransactionThatThrowsUndoesOnlyItsOwnWrites) {
  store_->transaction([&] {
    store_->set_value("outer", "1");
    try {
      store_->transaction([&] {
        store_->set_value("inner", "1");
        throw std::runtime_error("inner failed");
      });
    } catch (const std::runtime_error&) {
    }
    store_->transaction([&] { store_->set_value("inner2", "1"); });
  });
  EXPECT_EQ(store_->get_value("outer"), "1");
  EXPECT_FALSE(store_->get_value("inner"));
  EXPECT_EQ(store_->get_value("inner2"), "1");
}

TEST(PgStoreOpenTest, UnreachableServerIsUnavailableAndHidesThePassword) {
  std::string msg = error_of([&] { open_pg_store("postgresql://bob:s3cret-pw@127.0.0.1:1/runs"); },
                             ErrorCode::kUnavailable);
  EXPECT_THAT(msg, HasSubstr("postgresql://bob@127.0.0.1:1/runs"));
  EXPECT_THAT(msg, Not(HasSubstr("s3cret-pw")));
}

TEST(PgStoreOpenTest, RedactsPasswordsInEveryForm) {
  EXPECT_EQ(redact_db_url("postgresql://u:pw1@db.example:5432/meta?sslmode=require"),
            "postgresql://u@db.example:5432/meta");
  EXPECT_EQ(redact_db_url("postgresql://db.example/meta?user=u&password=pw2"),
            "postgresql://u@db.example/meta");
  EXPECT_EQ(redact_db_url("host=h dbname=d password=pw3"), "postgresql://h/d");
  EXPECT_THAT(redact_db_url("postgresql://u:pw4@h:notaport/d%"), Not(HasSubstr("pw4")));
}

TEST(OpenStoreTest, UnknownUrlSchemeIsBadInputWithoutEchoingIt) {
  TempDir dir;
  std::string msg =
      error_of([&] { open_store("mysql://u:pw5@h/d", dir.file("m.db"), "RUNNEL_DB"); },
               ErrorCode::kInvalidArgument);
  EXPECT_THAT(msg, HasSubstr("RUNNEL_DB"));
  EXPECT_THAT(msg, HasSubstr("postgresql://"));
  EXPECT_THAT(msg, Not(HasSubstr("pw5")));
  EXPECT_EQ(open_store("", dir.file("m.db"), "RUNNEL_DB")->schema_version(),
            static_cast<int>(internal::schema_migrations().size()));
}

TEST(PgStoreOpenTest, AnotherProgramsDatabaseIsRefused) {
  std::string why;
  std::string base = testing_store::test_pg_url(&why);
  if (base.empty()) {
    if (testing_store::pg_required()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  testing_store::TestDatabase db("postgresql", base);
  db.exec_raw("CREATE TABLE contacts (name TEXT)");
  std::string msg = error_of([&] { db.open(); }, ErrorCode::kCorruption);
  EXPECT_THAT(msg, HasSubstr("another program"));
}

}  // namespace
}  // namespace runnel
