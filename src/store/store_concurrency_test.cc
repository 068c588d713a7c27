// Several threads and several processes writing to one metadata database, on each
// backend (store_test_util.h says when PostgreSQL runs).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
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

class StoreConcurrencyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string base;
    if (GetParam() == "postgresql") {
      std::string why;
      base = testing_store::test_pg_url(&why);
      if (base.empty()) {
        if (testing_store::pg_required()) FAIL() << why;
        GTEST_SKIP() << why;
      }
    }
    db_ = std::make_unique<testing_store::TestDatabase>(GetParam(), base);
  }

  // Forks `n` children that wait on a pipe, then run `body(store, index)` on a store of
  // their own at the same moment; expects each to exit 0.
  template <typename Body>
  void in_processes(int n, Body body) {
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::vector<pid_t> children;
    for (int p = 0; p < n; ++p) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        close(gate[1]);
        char c;
        while (read(gate[0], &c, 1) > 0) {
        }
        int code = 0;
        try {
          auto store = db_->open();
          body(*store, p);
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
  }

  std::unique_ptr<testing_store::TestDatabase> db_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreConcurrencyTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST_P(StoreConcurrencyTest, TwoThreadsShareOneStore) {
  auto store = db_->open();
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

TEST_P(StoreConcurrencyTest, ThreadsWithTheirOwnConnections) {
  std::string errors[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto store = db_->open();
        record_steps(*store, "c" + std::to_string(t));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  auto store = db_->open();
  expect_recorded(*store, "c0");
  expect_recorded(*store, "c1");
}

// The children create the database together (racing on creation and migration), then
// write at the same time.
TEST_P(StoreConcurrencyTest, ProcessesWriteToOneDatabaseWithoutLockErrors) {
  constexpr int kProcesses = 3;
  in_processes(kProcesses, [](MetadataStore& store, int p) {
    record_steps(store, "proc" + std::to_string(p));
  });
  auto store = db_->open();
  for (int p = 0; p < kProcesses; ++p) expect_recorded(*store, "proc" + std::to_string(p));
}

// What a step's claim does (engine/reuse.cc): read a key, decide, write it, in one
// transaction(). Four processes take 50 "claims" each on one counter; every one must
// see the value the previous one wrote (no lost update, no claim taken twice).
TEST_P(StoreConcurrencyTest, ReadThenWriteTransactionsAreExactlyOnceAcrossProcesses) {
  constexpr int kProcesses = 4, kEach = 50;
  in_processes(kProcesses, [](MetadataStore& store, int p) {
    for (int i = 0; i < kEach; ++i) {
      store.transaction([&] {
        auto v = store.get_value("counter");
        int n = v ? std::stoi(*v) : 0;
        store.set_value("counter", std::to_string(n + 1));
        // Who took claim number n: a second taker of the same n would overwrite it.
        auto taken = store.get_value("claim:" + std::to_string(n));
        if (taken) throw std::runtime_error("claim " + std::to_string(n) + " taken twice");
        store.set_value("claim:" + std::to_string(n), std::to_string(p));
      });
    }
  });
  auto store = db_->open();
  EXPECT_EQ(store->get_value("counter"), std::to_string(kProcesses * kEach));
  for (int n = 0; n < kProcesses * kEach; ++n)
    EXPECT_TRUE(store->get_value("claim:" + std::to_string(n))) << n;
}

}  // namespace
}  // namespace runnel
