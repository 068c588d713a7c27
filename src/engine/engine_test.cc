// engine/engine_test.cc: one Engine driving many runs at once on the fake backend: 200
// pipelines finish, an idle engine uses no CPU, identical concurrent runs execute each step
// exactly once, and a store that fails mid-run ends the run Failed instead of aborting.
#include "engine/engine.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "engine/executor.h"
#include "engine/workspace_impl.h"
#include "exec/compute_backend.h"
#include "runnel/error.h"
#include "testing/failing_store.h"
#include "testing/fake_backend.h"

namespace runnel {
namespace {

namespace fs = std::filesystem;
using Outcome = FakeBackend::Outcome;

struct TempDir {
  fs::path path =
      fs::temp_directory_path() / ("runnel-engine2-" + std::to_string(std::random_device{}()) +
                                   "-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Forwards to a FakeBackend that the test owns (the engine destroys its backends).
class Handle : public ComputeBackend {
 public:
  explicit Handle(FakeBackend* f) : f_(f) {}
  std::string type() const override { return f_->type(); }
  int capacity() const override { return f_->capacity(); }
  void launch(const LaunchSpec& s) override { f_->launch(s); }
  std::vector<JobEvent> poll(std::chrono::milliseconds w) override { return f_->poll(w); }
  void cancel(const std::string& id) override { f_->cancel(id); }
  void wakeup() override { f_->wakeup(); }
  int event_fd() const override { return f_->event_fd(); }

 private:
  FakeBackend* f_;
};

// The same, without an event fd: polled on a timer, as the Slurm backend is.
class TimerPolledHandle : public Handle {
 public:
  using Handle::Handle;
  int event_fd() const override { return -1; }
  std::chrono::milliseconds poll_interval() const override { return std::chrono::milliseconds(10); }
};

StepSpec step(const std::string& name, const std::string& after = "") {
  StepSpec s;
  s.name = name;
  s.command = "echo run-" + name + ";";
  StepOutput o;
  o.name = "out";
  o.type = DataType::kUriFolder;
  s.outputs.push_back(o);
  if (!after.empty()) {
    StepInput in;
    in.name = "in";
    in.type = DataType::kUriFolder;
    in.source = InputSource{.kind = InputSource::Kind::kStepOutput, .step = after, .output = "out"};
    s.inputs.push_back(in);
  }
  return s;
}

PipelineSpec chain(int n, const std::string& tag = "") {
  PipelineSpec p;
  p.name = "chain";
  for (int i = 0; i < n; ++i) {
    StepSpec s = step("s" + std::to_string(i), i ? "s" + std::to_string(i - 1) : "");
    s.command += tag;
    p.steps.push_back(s);
  }
  return p;
}

Outcome writes_output(int ticks = 1) {
  Outcome o;
  o.duration_ticks = ticks;
  o.on_end = [](const LaunchSpec& ls) {
    std::ofstream(ls.env.at("AZUREML_DATAREFERENCE_out") + "/data.txt")
        << ls.job_name.substr(ls.job_name.find('.'));
  };
  return o;
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class EngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<PipelineExecution> submit(PipelineSpec p, FakeBackend* fake, Engine* engine,
                                            ExecutionOptions o = {}) {
    return PipelineExecution::submit(
        ws_, std::move(p), o, nullptr,
        [fake](const std::string&, int) -> std::unique_ptr<ComputeBackend> {
          return std::make_unique<Handle>(fake);
        },
        engine);
  }
  TempDir dir_;
  Workspace ws_ = Workspace::create((dir_.path / "ws").string());
};

TEST_F(EngineTest, TwoHundredPipelinesAtOnceAllFinish) {
  Engine engine;
  std::vector<std::unique_ptr<FakeBackend>> fakes;
  std::vector<std::unique_ptr<PipelineExecution>> runs;
  for (int r = 0; r < 200; ++r) {
    fakes.push_back(std::make_unique<FakeBackend>(2));
    fakes.back()->set_default_outcome(writes_output());
    // Distinct commands: no run reuses another's steps.
    runs.push_back(submit(chain(3, " run " + std::to_string(r)), fakes.back().get(), &engine));
  }
  for (auto& run : runs) EXPECT_EQ(run->wait(), RunStatus::kFinished) << run->run_id();
  for (auto& run : runs)
    for (const StepState& s : run->steps()) EXPECT_EQ(s.status, StepStatus::kFinished) << s.name;
  for (auto& f : fakes) EXPECT_EQ(f->launched().size(), 3u);
  runs.clear();
  EXPECT_EQ(engine.run_count(), 0u);
}

// A backend with no event fd is polled every poll_interval(), from its first job on. (The
// first poll used to be due at time_point::min(), which the wait computation overflowed into
// a one-day sleep: Slurm runs hung until something else woke the engine.)
TEST_F(EngineTest, BackendWithoutEventFdIsPolledOnItsInterval) {
  Engine engine;
  FakeBackend fake(2);
  fake.set_default_outcome(writes_output());
  auto run = PipelineExecution::submit(
      ws_, chain(3, " timer-polled"), {}, nullptr,
      [&fake](const std::string&, int) -> std::unique_ptr<ComputeBackend> {
        return std::make_unique<TimerPolledHandle>(&fake);
      },
      &engine);
  ASSERT_TRUE(run->wait_for(std::chrono::seconds(20)))
      << "the run did not end within 20 s: the timer-polled backend was not polled";
  EXPECT_EQ(run->wait(), RunStatus::kFinished);
  EXPECT_EQ(fake.launched().size(), 3u);
}

TEST_F(EngineTest, IdleEngineUsesNoCpu) {
  Engine engine;
  std::vector<std::unique_ptr<FakeBackend>> fakes;
  std::vector<std::unique_ptr<PipelineExecution>> runs;
  for (int r = 0; r < 200; ++r) {
    fakes.push_back(std::make_unique<FakeBackend>(1));
    fakes.back()->set_default_outcome(Outcome{.duration_ticks = -1});  // until canceled
    runs.push_back(submit(chain(1, " idle " + std::to_string(r)), fakes.back().get(), &engine));
  }
  // Every step running: the engine has nothing to do but wait.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (auto& run : runs)
    while (run->steps()[0].status != StepStatus::kRunning &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double before = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  double used = cpu_seconds() - before;
  EXPECT_LT(used, 0.05) << "CPU seconds used by an idle engine in 1 s";
  for (auto& run : runs) run->cancel();
  for (auto& run : runs) EXPECT_EQ(run->wait(), RunStatus::kCanceled);
}

// Issue 10 #4: identical runs started together execute every step exactly once; the others
// reuse it, whether one engine drives them all or each has its own.
TEST_F(EngineTest, EightIdenticalConcurrentRunsExecuteEachStepOnce) {
  for (bool one_engine : {true, false}) {
    SCOPED_TRACE(one_engine ? "one engine" : "an engine per run");
    std::string tag = one_engine ? " shared" : " separate";
    Engine shared;
    std::vector<std::unique_ptr<Engine>> own;
    std::vector<std::unique_ptr<FakeBackend>> fakes;
    std::vector<std::unique_ptr<PipelineExecution>> runs(8);
    std::vector<std::thread> threads;
    for (int r = 0; r < 8; ++r) {
      fakes.push_back(std::make_unique<FakeBackend>(2));
      fakes.back()->set_default_outcome(writes_output(3));
      own.push_back(std::make_unique<Engine>());
    }
    for (int r = 0; r < 8; ++r)
      threads.emplace_back([&, r] {
        runs[r] = submit(chain(3, tag), fakes[r].get(), one_engine ? &shared : own[r].get());
      });
    for (auto& t : threads) t.join();
    size_t launches = 0;
    for (int r = 0; r < 8; ++r) {
      EXPECT_EQ(runs[r]->wait(), RunStatus::kFinished);
      launches += fakes[r]->launched().size();
    }
    EXPECT_EQ(launches, 3u)
        << "each of the 3 steps must execute exactly once over 8 identical runs";
    runs.clear();
  }
}

// Two steps of one run with the same fingerprint (one pipeline component used twice with
// the same inputs): one executes, the other waits for it and reuses its result; a third
// that reads the second still runs after it.
TEST_F(EngineTest, IdenticalStepsInOneRunExecuteOnce) {
  FakeBackend fake(4);
  fake.set_default_outcome(writes_output(3));
  Engine engine;
  PipelineSpec p;
  p.name = "twins";
  StepSpec a = step("a/train"), b = step("b/train");
  a.command = b.command = "echo train;";  // the name is not part of what a step runs
  StepSpec c = step("compare", "b/train");
  p.steps = {a, b, c};
  auto run = submit(p, &fake, &engine);
  ASSERT_EQ(run->wait(), RunStatus::kFinished);
  EXPECT_EQ(fake.launched().size(), 2u) << "a/train and compare; b/train is reused";
  std::map<std::string, StepStatus> st;
  for (const auto& s : internal::store_of(ws_).list_step_runs(run->run_id())) st[s.name] = s.status;
  EXPECT_EQ(st["compare"], StepStatus::kFinished);
  std::set<StepStatus> twins = {st["a/train"], st["b/train"]};
  EXPECT_EQ(twins, (std::set<StepStatus>{StepStatus::kFinished, StepStatus::kReused}));
}

// Issue 9 #5: a store that starts failing mid-run (a full disk) ends the run Failed; the
// process never aborts, and the reason is recorded once the store works again.
TEST_F(EngineTest, FailingStoreEndsTheRunFailedWithoutAborting) {
  FailingStore& store = FailingStore::install(ws_);
  Engine engine;
  for (int after = 0; after < 40; after += 3) {
    SCOPED_TRACE("writes fail after " + std::to_string(after));
    FakeBackend fake(2);
    fake.set_default_outcome(writes_output());
    const int failures_before = store.failures();
    auto run = submit(chain(4, " fail " + std::to_string(after)), &fake, &engine);
    store.fail_writes_after(after, ErrorCode::kIo, "database or disk is full");
    RunStatus st = run->wait();
    store.heal();
    if (store.failures() == failures_before) continue;  // the run ended before the store failed
    std::string seen = std::to_string(store.failures() - failures_before) + " injected failure(s);";
    for (const StepState& s : run->steps())
      seen += " " + s.name + "=" + to_string(s.status) + " (" + s.reason + ")";
    EXPECT_EQ(st, RunStatus::kFailed) << seen;  // says which write failed, should it flake again
    for (const StepState& s : run->steps()) EXPECT_TRUE(is_final(s.status)) << s.name;
  }
  // Reads fail too: the same.
  FakeBackend fake(2);
  fake.set_default_outcome(writes_output());
  auto run = submit(chain(4, " reads"), &fake, &engine);
  store.fail_all_after(5, ErrorCode::kUnavailable, "database is locked");
  EXPECT_EQ(run->wait(), RunStatus::kFailed);
  store.heal();
}

}  // namespace
}  // namespace runnel
