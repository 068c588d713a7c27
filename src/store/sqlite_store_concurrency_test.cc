// Several threads and several processes writing to one metadata database.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "runnel/error.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace runnel {
namespace {

using testing_store::sample_pipeline_run;
using testing_store::sample_step_run;
using testing_store::TempDir;

constexpr int kStepsPerWriter = 150;

// What one engine does per step: create, finish (in one transaction), then log metrics.
void record_steps(MetadataStore& store, const std::string& prefix) {
  store.create_pipeline_run(sample_pipeline_run(prefix, 1));
  for (int i = 0; i < kStepsPerWriter; ++i) {
    std::string id = prefix + "-" + std::to_string(i);
    store.transaction([&] {
      store.create_step_run(sample_step_run(id, prefix, "step" + std::to_string(i), i + 1));
      StepRunRecord r = *store.get_step_run(id);
      r.status = StepStatus::kFinished;
      r.fingerprint = "fp" + std::to_string(i);
      r.outputs = {{"out", "/w/" + id}};
      store.update_step_run(r);
    });
    store.add_metrics({{id, prefix, "loss", "scalar", std::to_string(i), 0, i}});
    store.set_value("last-" + prefix, id);
  }
}

void expect_recorded(MetadataStore& store, const std::string& prefix) {
  auto steps = store.list_step_runs(prefix);
  ASSERT_EQ(steps.size(), static_cast<size_t>(kStepsPerWriter)) << prefix;
  for (const StepRunRecord& s : steps) {
    EXPECT_EQ(s.status, StepStatus::kFinished);
    EXPECT_EQ(s.outputs.at("out"), "/w/" + s.id);
  }
  EXPECT_EQ(store.get_metrics(prefix, "").size(), static_cast<size_t>(kStepsPerWriter));
  EXPECT_EQ(store.get_value("last-" + prefix), prefix + "-" + std::to_string(kStepsPerWriter - 1));
}

TEST(SqliteStoreConcurrencyTest, TwoThreadsShareOneStore) {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("metadata.db"));
  std::string errors[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      try {
        record_steps(*store, "t" + std::to_string(t));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  expect_recorded(*store, "t0");
  expect_recorded(*store, "t1");
}

TEST(SqliteStoreConcurrencyTest, ThreadsWithTheirOwnConnectionsToOneFile) {
  TempDir dir;
  std::string path = dir.file("metadata.db");
  std::string errors[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto store = open_sqlite_store(path);
        record_steps(*store, "c" + std::to_string(t));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  auto store = open_sqlite_store(path);
  expect_recorded(*store, "c0");
  expect_recorded(*store, "c1");
}

// The children create the database together (racing on creation and migration), then
// write at the same time; a pipe held by the parent releases them at once.
TEST(SqliteStoreConcurrencyTest, ProcessesWriteToOneFileWithoutLockErrors) {
  TempDir dir;
  std::string path = dir.file("metadata.db");
  constexpr int kProcesses = 3;
  int gate[2];
  ASSERT_EQ(pipe(gate), 0);
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(gate[1]);
      char c;
      while (read(gate[0], &c, 1) > 0) {
      }
      int code = 0;
      try {
        auto store = open_sqlite_store(path);
        record_steps(*store, "proc" + std::to_string(p));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", p, e.what());
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  close(gate[0]);
  close(gate[1]);  // releases every child
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a child failed; its error is on stderr";
  }
  auto store = open_sqlite_store(path);
  for (int p = 0; p < kProcesses; ++p) expect_recorded(*store, "proc" + std::to_string(p));
}

}  // namespace
}  // namespace runnel
