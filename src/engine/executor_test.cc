// engine/executor_test.cc: tests of the scheduler (PipelineExecution) on the fake backend of
// testing/fake_backend.h. No process runs: every step is a scripted job, matched by the
// marker "run-<name>;" in its command. The fake never blocks, so every test is a handful of
// scheduler iterations; waits on the listener only guard against hangs.
#include "engine/executor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include "exec/compute_backend.h"
#include "runnel/error.h"
#include "runnel/workspace.h"
#include "store/metadata_store.h"
#include "testing/fake_backend.h"

namespace runnel {
namespace {

namespace fs = std::filesystem;
using Outcome = FakeBackend::Outcome;
using Names = std::vector<std::string>;

struct TempDir {
  fs::path path =
      fs::temp_directory_path() / ("runnel-engine-" + std::to_string(std::random_device{}()) + "-" +
                                   std::to_string(std::random_device{}()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The engine destroys its backends when a run ends; this handle forwards to a FakeBackend
// the test owns, so the test can still read it afterwards. `poll_error_at` > 0 makes that
// poll (1-based) throw, to simulate a backend that breaks mid-run.
class FakeHandle : public ComputeBackend {
 public:
  FakeHandle(FakeBackend* fake, int poll_error_at) : fake_(fake), poll_error_at_(poll_error_at) {}
  std::string type() const override { return fake_->type(); }
  int capacity() const override { return fake_->capacity(); }
  void launch(const LaunchSpec& spec) override { fake_->launch(spec); }
  std::vector<JobEvent> poll(std::chrono::milliseconds max_wait) override {
    if (++polls_ == poll_error_at_) throw unavailable("fake backend: the cluster went away");
    return fake_->poll(max_wait);
  }
  void cancel(const std::string& id) override { fake_->cancel(id); }
  void wakeup() override { fake_->wakeup(); }
  int event_fd() const override { return fake_->event_fd(); }

 private:
  FakeBackend* fake_;
  int poll_error_at_;
  int polls_ = 0;
};

// Records what the listener receives and lets a test wait for a step's status. The public
// fields are read after wait() returned (the scheduler thread is joined by then).
class Recorder : public RunListener {
 public:
  void on_submitted(const std::string& run_id, const std::vector<StepState>& steps) override {
    std::lock_guard<std::mutex> lock(mu_);
    submitted_run_id = run_id;
    submitted = steps;
    submit_calls_before_steps = events.empty() ? submit_calls_before_steps + 1 : -100;
  }
  void on_step(const StepState& step) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events.push_back(step);
    }
    cv_.notify_all();
  }
  void on_finished(RunStatus status) override {
    std::lock_guard<std::mutex> lock(mu_);
    finished.push_back(to_string(status));
    events_at_finish = static_cast<int>(events.size());
  }

  // Blocks until `step` reported `status`; false after 20 s (a hang guard, not a timing check).
  bool wait_for(const std::string& step, const std::string& status) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20),
                        [&] { return index_locked(step, status) >= 0; });
  }
  Names statuses(const std::string& step) const {
    std::lock_guard<std::mutex> lock(mu_);
    Names out;
    for (const auto& e : events)
      if (e.name == step) out.push_back(to_string(e.status));
    return out;
  }
  // Position of the first on_step(step, status) call, or -1.
  int index_of(const std::string& step, const std::string& status) const {
    std::lock_guard<std::mutex> lock(mu_);
    return index_locked(step, status);
  }

  std::string submitted_run_id;
  std::vector<StepState> submitted;
  int submit_calls_before_steps = 0;
  std::vector<StepState> events;
  Names finished;
  int events_at_finish = -1;

 private:
  int index_locked(const std::string& step, const std::string& status) const {
    for (size_t i = 0; i < events.size(); ++i)
      if (events[i].name == step && to_string(events[i].status) == status)
        return static_cast<int>(i);
    return -1;
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
};

std::string marker(const std::string& name) { return "run-" + name + ";"; }

StepSpec make_step(const std::string& name, Names run_after = {}) {
  StepSpec s;
  s.name = name;
  s.command = "echo " + marker(name);
  s.run_after = std::move(run_after);
  return s;
}

void produce(StepSpec& s, const std::string& output, DataType type = DataType::kUriFolder) {
  if (s.find_output(output)) return;
  StepOutput o;
  o.name = output;
  o.type = type;
  s.outputs.push_back(o);
}

// `to` reads output `output` of `from` as its input "from_<from>".
void link(StepSpec& from, StepSpec& to, const std::string& output = "out",
          DataType type = DataType::kUriFolder) {
  produce(from, output, type);
  StepInput in;
  in.name = "from_" + from.name;
  in.type = type;
  in.source =
      InputSource{.kind = InputSource::Kind::kStepOutput, .step = from.name, .output = output};
  to.inputs.push_back(in);
}

PipelineSpec pipeline(std::vector<StepSpec> steps) {
  PipelineSpec p;
  p.name = "sched_test";
  p.steps = std::move(steps);
  return p;
}

// An on_end hook writing `text` to output `name`: data.txt inside a folder output, or the
// uri_file itself.
std::function<void(const LaunchSpec&)> write_output(const std::string& name,
                                                    const std::string& text, bool is_file = false) {
  return [=](const LaunchSpec& ls) {
    std::string p = ls.env.at("AZUREML_DATAREFERENCE_" + name);
    std::ofstream(is_file ? p : p + "/data.txt") << text;
  };
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ExecutorTest : public ::testing::Test {
 protected:
  void use_capacity(int n) { fake_ = std::make_unique<FakeBackend>(n); }
  void script(const std::string& step, Outcome o) {
    fake_->set_outcome_for_command(marker(step), std::move(o));
  }

  void submit(PipelineSpec p, ExecutionOptions o = {}) {
    exec_ = PipelineExecution::submit(
        ws_, std::move(p), o, &rec_,
        [this](const std::string& compute, int max_parallel) -> std::unique_ptr<ComputeBackend> {
          factory_calls_.push_back(compute + "/" + std::to_string(max_parallel));
          return std::make_unique<FakeHandle>(fake_.get(), poll_error_at_);
        });
  }
  std::string run(PipelineSpec p, ExecutionOptions o = {}) {
    submit(std::move(p), o);
    return to_string(exec_->wait());
  }
  std::string run_continuing(PipelineSpec p) {
    ExecutionOptions o;
    o.continue_on_step_failure = true;
    return run(std::move(p), o);
  }

  // Step names in launch order (the fake's job_name is "<run id>.<step>").
  Names launched() const {
    Names out;
    for (const LaunchSpec& s : fake_->launched())
      out.push_back(s.job_name.substr(exec_->run_id().size() + 1));
    return out;
  }
  StepState step(const std::string& name) const {
    for (const StepState& s : exec_->steps())
      if (s.name == name) return s;
    ADD_FAILURE() << "no step " << name;
    return {};
  }
  Names statuses(const Names& names) const {
    Names out;
    for (const auto& n : names) out.push_back(to_string(step(n).status));
    return out;
  }
  StepRunRecord record(const std::string& name) const {
    return ws_.store().get_step_run(step(name).step_run_id).value_or(StepRunRecord{});
  }
  PipelineRunRecord run_record() const {
    return ws_.store().get_pipeline_run(exec_->run_id()).value_or(PipelineRunRecord{});
  }
  std::string datastore() const { return ws_.get_default_datastore().root(); }
  // Neither a staging folder nor a committed one remains for `step`.
  void expect_nothing_kept(const std::string& name) const {
    EXPECT_FALSE(fs::exists(datastore() + "/.staging/" + step(name).step_run_id)) << name;
    EXPECT_FALSE(fs::exists(datastore() + "/runs/" + step(name).step_run_id)) << name;
  }
  Names ids(const Names& names) const {
    Names out;
    for (const auto& n : names) out.push_back(step(n).step_run_id);
    return out;
  }

  // Every step that started waited for the end of each step it depends on.
  void expect_dependencies_respected(const PipelineSpec& p) const {
    for (const StepSpec& s : p.steps) {
      int queued = rec_.index_of(s.name, "Queued");
      if (queued < 0) continue;
      Names deps = s.run_after;
      for (const auto& in : s.inputs) deps.push_back(in.source->step);
      for (const auto& d : deps) {
        int done = rec_.index_of(d, "Finished");
        EXPECT_GE(done, 0) << s.name << " started although " << d << " did not finish";
        EXPECT_LT(done, queued) << s.name << " was launched before " << d << " finished";
      }
    }
  }

  TempDir dir_;
  Workspace ws_ = Workspace::create((dir_.path / "ws").string());
  std::unique_ptr<FakeBackend> fake_ = std::make_unique<FakeBackend>(4);
  int poll_error_at_ = 0;
  Recorder rec_;
  Names factory_calls_;
  std::unique_ptr<PipelineExecution> exec_;  // last: destroyed (joined) first
};

TEST_F(ExecutorTest, ConsumerRunsAfterProducerFinishedAndReadsItsCommittedOutput) {
  StepSpec a = make_step("a"), b = make_step("b");
  link(a, b);
  size_t launched_when_a_ended = 99;
  std::string b_read;
  script("a", {.duration_ticks = 3, .on_end = [&](const LaunchSpec& ls) {
                 launched_when_a_ended = fake_->launched().size();
                 write_output("out", "hello")(ls);
               }});
  script("b", {.on_end = [&](const LaunchSpec& ls) {
           b_read = read_text(ls.env.at("AZUREML_DATAREFERENCE_from_a") + "/data.txt");
         }});
  ASSERT_EQ(run(pipeline({a, b})), "Finished");
  EXPECT_EQ(launched(), (Names{"a", "b"}));
  EXPECT_EQ(launched_when_a_ended, 1u);
  EXPECT_EQ(b_read, "hello");
  EXPECT_EQ(fake_->find_launched(step("b").step_run_id)->env.at("AZUREML_DATAREFERENCE_from_a"),
            step("a").outputs.at("out"));
  EXPECT_LT(rec_.index_of("a", "Finished"), rec_.index_of("b", "Queued"));
  EXPECT_EQ(factory_calls_, (Names{"local/0"}));
}

class CapacityTest : public ExecutorTest, public ::testing::WithParamInterface<int> {};

TEST_P(CapacityTest, FanOutOfTenFillsButNeverExceedsCapacity) {
  use_capacity(GetParam());
  std::vector<StepSpec> steps = {make_step("root")};
  for (int i = 0; i < 10; ++i) {
    StepSpec c = make_step("child" + std::to_string(i));
    link(steps[0], c);
    script(c.name, {.duration_ticks = 1 + i % 3});
    steps.push_back(c);
  }
  ExecutionOptions o;
  o.max_parallel = 3;
  ASSERT_EQ(run(pipeline(steps), o), "Finished");
  EXPECT_EQ(fake_->max_concurrency(), GetParam());
  EXPECT_EQ(fake_->running_count(), 0);
  Names order = launched();
  ASSERT_EQ(order.size(), 11u);
  EXPECT_EQ(order[0], "root");
  for (const StepState& s : exec_->steps()) EXPECT_EQ(s.status, StepStatus::kFinished) << s.name;
  EXPECT_EQ(factory_calls_, (Names{"local/3"}));
}

INSTANTIATE_TEST_SUITE_P(Capacities, CapacityTest, ::testing::Values(1, 2, 4));

TEST_F(ExecutorTest, FailureCancelsDependentsAndRunningStepsAndFailsTheRun) {
  StepSpec a = make_step("a"), b = make_step("b"), c = make_step("c"), d = make_step("d");
  link(a, b);
  link(c, d);
  script("a", {.exit_code = 3, .duration_ticks = 2});
  script("c", {.duration_ticks = -1});  // runs until canceled
  ASSERT_EQ(run(pipeline({a, b, c, d})), "Failed");
  EXPECT_EQ(launched(), (Names{"a", "c"}));
  EXPECT_EQ(fake_->cancel_requests(), ids({"c"}));
  EXPECT_EQ(statuses({"a", "b", "c", "d"}), (Names{"Failed", "Canceled", "Canceled", "Canceled"}));
  EXPECT_EQ(step("a").exit_code, 3);
  EXPECT_EQ(step("a").reason, "exit code 3");
  EXPECT_NE(step("b").reason.find("step 'a' failed"), std::string::npos) << step("b").reason;
  EXPECT_TRUE(step("b").backend_job_id.empty());
  EXPECT_EQ(run_record().status, RunStatus::kFailed);
  EXPECT_EQ(run_record().error, "step 'a' failed");
  EXPECT_EQ(rec_.finished, (Names{"Failed"}));
}

TEST_F(ExecutorTest, ContinueOnStepFailureLetsAnIndependentBranchFinish) {
  StepSpec a = make_step("a"), b = make_step("b"), e = make_step("e", {"b"});
  StepSpec c = make_step("c"), d = make_step("d");
  link(a, b);
  link(c, d);
  script("a", {.exit_code = 1});
  script("c", {.duration_ticks = 3});
  PipelineSpec p = pipeline({a, b, e, c, d});
  ASSERT_EQ(run_continuing(p), "Failed");
  EXPECT_EQ(launched(), (Names{"a", "c", "d"}));
  EXPECT_TRUE(fake_->cancel_requests().empty());
  EXPECT_EQ(statuses({"a", "b", "e", "c", "d"}),
            (Names{"Failed", "Canceled", "Canceled", "Finished", "Finished"}));
  EXPECT_EQ(step("b").reason, "not started: upstream step 'a' failed");
  expect_dependencies_respected(p);
}

TEST_F(ExecutorTest, OptionOverridesThePipelinesContinueOnStepFailure) {
  script("a", {.exit_code = 1});
  script("c", {.duration_ticks = -1});
  PipelineSpec p = pipeline({make_step("a"), make_step("c")});
  p.continue_on_step_failure = true;
  ExecutionOptions o;
  o.continue_on_step_failure = false;
  ASSERT_EQ(run(p, o), "Failed");
  EXPECT_EQ(step("c").status, StepStatus::kCanceled);
  EXPECT_EQ(fake_->cancel_requests(), ids({"c"}));
}

TEST_F(ExecutorTest, CancelMidRunStopsRunningStepsAndLaunchesNothingMore) {
  use_capacity(2);
  StepSpec a = make_step("a"), b = make_step("b"), c = make_step("c"), d = make_step("d");
  link(a, d);
  script("a", {.duration_ticks = -1});
  script("b", {.duration_ticks = -1});
  submit(pipeline({a, b, c, d}));
  ASSERT_TRUE(rec_.wait_for("a", "Running"));
  ASSERT_TRUE(rec_.wait_for("b", "Running"));
  exec_->cancel();
  EXPECT_EQ(exec_->wait(), RunStatus::kCanceled);
  EXPECT_EQ(exec_->status(), RunStatus::kCanceled);
  EXPECT_EQ(launched(), (Names{"a", "b"}));  // c waited for a slot, d for a
  EXPECT_EQ(fake_->cancel_requests(), ids({"a", "b"}));
  EXPECT_EQ(statuses({"a", "b", "c", "d"}), Names(4, "Canceled"));
  EXPECT_EQ(step("c").reason, "not started: the run was canceled");
  EXPECT_EQ(record("c").status, StepStatus::kCanceled);
  EXPECT_EQ(run_record().status, RunStatus::kCanceled);
  EXPECT_EQ(rec_.finished, (Names{"Canceled"}));
}

TEST_F(ExecutorTest, SignalTimeoutAndStartErrorAreRecorded) {
  StepSpec a = make_step("a"), t = make_step("t"), s = make_step("s"), after = make_step("after");
  t.timeout_s = 7;
  link(s, after);
  script("a", {.signal = 9});
  script("t", {.timed_out = true});
  script("s", {.start_error = "no such partition 'gpu'"});
  ASSERT_EQ(run_continuing(pipeline({a, t, s, after})), "Failed");
  EXPECT_EQ(statuses({"a", "t", "s", "after"}),
            (Names{"Failed", "Canceled", "Failed", "Canceled"}));
  EXPECT_EQ(step("a").signal, 9);
  EXPECT_EQ(step("a").reason, "killed by signal SIGKILL (9)");
  EXPECT_FALSE(step("a").exit_code.has_value());
  EXPECT_EQ(record("a").signal, 9);
  EXPECT_EQ(record("a").error, "killed by signal SIGKILL (9)");
  EXPECT_EQ(step("t").reason, "canceled: ran longer than its timeout of 7 s");
  EXPECT_EQ(step("s").reason, "no such partition 'gpu'");
  EXPECT_EQ(launched().size(), 3u);
}

// Azure ML cancels a job that runs past limits.timeout; the run fails because of it, its
// dependents do not start, and it is not retried.
TEST_F(ExecutorTest, ATimedOutStepIsCanceledAndFailsTheRun) {
  StepSpec t = make_step("t"), after = make_step("after"), other = make_step("other");
  t.timeout_s = 7;
  t.max_retries = 2;
  link(t, after);
  script("t", {.timed_out = true});
  PipelineSpec p = pipeline({t, after, other});
  p.source_file = "/somewhere/pipeline.yml";  // a YAML pipeline names the key
  ASSERT_EQ(run(p), "Failed");
  EXPECT_EQ(statuses({"t", "after"}), (Names{"Canceled", "Canceled"}));
  EXPECT_EQ(step("t").reason, "canceled: ran longer than its limits.timeout of 7 s");
  EXPECT_EQ(step("after").reason, "not started: canceled because step 't' timed out");
  EXPECT_EQ(record("t").status, StepStatus::kCanceled);
  EXPECT_EQ(run_record().error, "step 't' canceled: ran longer than its limits.timeout of 7 s");
  EXPECT_EQ(launched(), (Names{"t", "other"}));  // no second attempt
}

// settings.on_finalize (PipelineSpec::finalize_steps): last, whatever happened before.
PipelineSpec with_finalize(std::vector<StepSpec> steps, const std::string& fin) {
  for (auto& s : steps)
    if (s.name == fin)
      for (const auto& o : steps)
        if (o.name != fin) s.run_after.push_back(o.name);
  PipelineSpec p = pipeline(std::move(steps));
  p.finalize_steps = {fin};
  return p;
}

TEST_F(ExecutorTest, FinalizeStepRunsLastWhenAllSucceed) {
  StepSpec a = make_step("a"), b = make_step("b", {"a"}), fin = make_step("fin");
  ASSERT_EQ(run(with_finalize({fin, a, b}, "fin")), "Finished");
  EXPECT_EQ(launched(), (Names{"a", "b", "fin"}));
}

TEST_F(ExecutorTest, FinalizeStepRunsAfterAFailureAndTheRunStillFails) {
  StepSpec init = make_step("init"), a = make_step("a", {"init"}), b = make_step("b", {"init"}),
           fin = make_step("fin");
  script("init", {.exit_code = 3});
  ASSERT_EQ(run(with_finalize({init, a, b, fin}, "fin")), "Failed");
  EXPECT_EQ(launched(), (Names{"init", "fin"}));
  EXPECT_EQ(statuses({"init", "a", "b", "fin"}),
            (Names{"Failed", "Canceled", "Canceled", "Finished"}));
  EXPECT_EQ(step("a").reason, "not started: canceled because step 'init' failed");
  EXPECT_EQ(run_record().error, "step 'init' failed");
}

TEST_F(ExecutorTest, FinalizeWaitsForRunningStepsAfterAFailure) {
  // b fails while a is still running: a is canceled, then fin runs.
  StepSpec a = make_step("a"), b = make_step("b"), fin = make_step("fin");
  script("a", {.duration_ticks = 5});
  script("b", {.exit_code = 1});
  ASSERT_EQ(run(with_finalize({a, b, fin}, "fin")), "Failed");
  EXPECT_EQ(statuses({"a", "b", "fin"}), (Names{"Canceled", "Failed", "Finished"}));
  EXPECT_LT(rec_.index_of("a", "Canceled"), rec_.index_of("fin", "Running"));
}

TEST_F(ExecutorTest, FinalizeRunsAfterContinuedFailures) {
  StepSpec a = make_step("a"), b = make_step("b", {"a"}), c = make_step("c"),
           fin = make_step("fin");
  script("a", {.exit_code = 1});
  ASSERT_EQ(run_continuing(with_finalize({a, b, c, fin}, "fin")), "Failed");
  EXPECT_EQ(statuses({"a", "b", "c", "fin"}),
            (Names{"Failed", "Canceled", "Finished", "Finished"}));
  EXPECT_EQ(launched().back(), "fin");
}

TEST_F(ExecutorTest, ACanceledRunDoesNotStartItsFinalizeStep) {
  StepSpec a = make_step("a"), fin = make_step("fin");
  script("a", {.duration_ticks = -1});
  submit(with_finalize({a, fin}, "fin"));
  ASSERT_TRUE(rec_.wait_for("a", "Running"));
  exec_->cancel();
  ASSERT_EQ(to_string(exec_->wait()), "Canceled");
  EXPECT_EQ(statuses({"a", "fin"}), (Names{"Canceled", "Canceled"}));
  EXPECT_EQ(launched(), (Names{"a"}));
}

TEST_F(ExecutorTest, FinishedStepOutputsAreCommittedIntoTheDatastore) {
  StepSpec a = make_step("a");
  produce(a, "model");
  produce(a, "score", DataType::kUriFile);
  script("a", {.on_end = [](const LaunchSpec& ls) {
           write_output("model", "weights")(ls);
           write_output("score", "0.9", /*is_file=*/true)(ls);
         }});
  ASSERT_EQ(run(pipeline({a})), "Finished");
  const StepState s = step("a");
  const std::string root = datastore() + "/runs/" + s.step_run_id;
  ASSERT_EQ(s.outputs.size(), 2u);
  EXPECT_EQ(s.outputs.at("model"), root + "/model");
  EXPECT_EQ(s.outputs.at("score"), root + "/score");
  EXPECT_TRUE(fs::is_directory(root + "/model"));
  EXPECT_EQ(read_text(root + "/model/data.txt"), "weights");
  EXPECT_EQ(read_text(root + "/score"), "0.9");
  EXPECT_FALSE(fs::exists(datastore() + "/.staging/" + s.step_run_id));
  EXPECT_EQ(record("a").outputs, s.outputs);
}

TEST_F(ExecutorTest, FailedStepStagingIsRemovedAndNothingCommitted) {
  StepSpec a = make_step("a");
  produce(a, "model");
  std::string staged;
  script("a", {.exit_code = 1, .on_end = [&](const LaunchSpec& ls) {
                 write_output("model", "half-written")(ls);
                 staged = ls.env.at("AZUREML_DATAREFERENCE_model");
               }});
  ASSERT_EQ(run(pipeline({a})), "Failed");
  const StepState s = step("a");
  EXPECT_EQ(staged, datastore() + "/.staging/" + s.step_run_id + "/model");
  expect_nothing_kept("a");
  EXPECT_TRUE(s.outputs.empty());
  EXPECT_TRUE(record("a").outputs.empty());
}

TEST_F(ExecutorTest, UnwrittenUriFileOutputFailsTheStep) {
  StepSpec a = make_step("a"), b = make_step("b");
  link(a, b, "report", DataType::kUriFile);
  ASSERT_EQ(run(pipeline({a, b})), "Failed");
  const StepState s = step("a");
  EXPECT_EQ(s.status, StepStatus::kFailed);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_NE(s.reason.find("output 'report' (uri_file) was not written"), std::string::npos)
      << s.reason;
  EXPECT_NE(s.reason.find(datastore() + "/.staging/" + s.step_run_id + "/report"),
            std::string::npos);
  expect_nothing_kept("a");
  EXPECT_EQ(step("b").status, StepStatus::kCanceled);
  EXPECT_EQ(launched(), (Names{"a"}));
}

TEST_F(ExecutorTest, RunAfterOrdersStepsWithoutData) {
  script("a", {.duration_ticks = 3});
  // Declared out of order on purpose; d is independent.
  PipelineSpec p =
      pipeline({make_step("c", {"b"}), make_step("b", {"a"}), make_step("a"), make_step("d")});
  ASSERT_EQ(run(p), "Finished");
  EXPECT_EQ(launched(), (Names{"a", "d", "b", "c"}));
  expect_dependencies_respected(p);
}

TEST_F(ExecutorTest, StoreRecordsHoldStatusExitCodeAndTimes) {
  StepSpec a = make_step("a"), b = make_step("b"), c = make_step("c");
  link(b, c);
  script("b", {.exit_code = 2, .duration_ticks = 2});
  ASSERT_EQ(run(pipeline({a, b, c})), "Failed");
  std::vector<StepRunRecord> recs = ws_.store().list_step_runs(exec_->run_id());
  ASSERT_EQ(recs.size(), 3u);
  const StepRunRecord &ra = recs[0], &rb = recs[1], &rc = recs[2];
  EXPECT_EQ((Names{ra.name, rb.name, rc.name}), (Names{"a", "b", "c"}));
  EXPECT_EQ((Names{to_string(ra.status), to_string(rb.status), to_string(rc.status)}),
            (Names{"Finished", "Failed", "Canceled"}));
  EXPECT_EQ(ra.exit_code, 0);
  EXPECT_EQ(ra.error, "");
  EXPECT_EQ(ra.backend_job_id, "fake-1");
  EXPECT_EQ(ra.attempt, 1);
  EXPECT_GT(ra.created_at, 0);
  EXPECT_GE(ra.started_at, ra.created_at);
  EXPECT_GE(ra.ended_at, ra.started_at);
  EXPECT_EQ(rb.exit_code, 2);
  EXPECT_EQ(rb.error, "exit code 2");
  EXPECT_GT(rb.started_at, 0);
  EXPECT_GE(rb.ended_at, rb.started_at);
  EXPECT_FALSE(rc.exit_code.has_value());
  EXPECT_EQ(rc.started_at, 0);
  EXPECT_GT(rc.ended_at, 0);
  EXPECT_NE(rc.error.find("not started"), std::string::npos);
  const PipelineRunRecord pr = run_record();
  EXPECT_EQ(pr.status, RunStatus::kFailed);
  EXPECT_GT(pr.started_at, 0);
  EXPECT_GE(pr.ended_at, pr.started_at);
}

TEST_F(ExecutorTest, ListenerSeesSubmissionEveryStepChangeAndTheEnd) {
  ASSERT_EQ(run(pipeline({make_step("a"), make_step("b", {"a"})})), "Finished");
  EXPECT_EQ(rec_.submit_calls_before_steps, 1);
  EXPECT_EQ(rec_.submitted_run_id, exec_->run_id());
  ASSERT_EQ(rec_.submitted.size(), 2u);
  EXPECT_EQ(rec_.submitted[0].name, "a");
  EXPECT_EQ(rec_.submitted[0].status, StepStatus::kNotStarted);
  EXPECT_EQ(rec_.submitted[0].step_run_id, step("a").step_run_id);
  EXPECT_EQ(rec_.submitted[1].name, "b");
  const Names want = {"Queued", "Running", "Finished"};
  EXPECT_EQ(rec_.statuses("a"), want);
  EXPECT_EQ(rec_.statuses("b"), want);
  for (const auto& e : rec_.events) EXPECT_EQ(e.step_run_id, step(e.name).step_run_id);
  EXPECT_EQ(rec_.finished, (Names{"Finished"}));
  EXPECT_EQ(rec_.events_at_finish, static_cast<int>(rec_.events.size()));  // nothing after
}

TEST_F(ExecutorTest, DiamondLaunchesInTopologicalOrder) {
  StepSpec a = make_step("a"), b = make_step("b"), c = make_step("c"), d = make_step("d");
  link(a, b);
  link(a, c);
  link(b, d);
  link(c, d);
  script("b", {.duration_ticks = 3});
  PipelineSpec p = pipeline({d, c, b, a});
  ASSERT_EQ(run(p), "Finished");
  Names order = launched();
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order.front(), "a");
  EXPECT_EQ(order.back(), "d");
  expect_dependencies_respected(p);
  EXPECT_EQ(fake_->max_concurrency(), 2);  // b and c side by side
}

TEST_F(ExecutorTest, RandomDagRespectsEveryDependencyAndCapacity) {
  use_capacity(3);
  std::mt19937 rng(12345);  // fixed seed: the same graph every time
  std::vector<StepSpec> steps;
  for (int i = 0; i < 25; ++i) {
    StepSpec s = make_step("s" + std::to_string(i));
    for (int j = 0; j < i; ++j) {
      if (rng() % 6 != 0) continue;
      if (rng() % 2)
        s.run_after.push_back(steps[j].name);
      else
        link(steps[j], s);
    }
    script(s.name, {.duration_ticks = static_cast<int>(rng() % 4)});
    steps.push_back(s);
  }
  PipelineSpec p = pipeline(steps);
  ASSERT_EQ(run(p), "Finished");
  EXPECT_EQ(launched().size(), 25u);
  EXPECT_LE(fake_->max_concurrency(), 3);
  expect_dependencies_respected(p);
}

TEST_F(ExecutorTest, BackendErrorMidRunFailsTheRun) {
  poll_error_at_ = 2;  // the first poll reports a running, the second throws
  script("a", {.duration_ticks = 5});
  ASSERT_EQ(run(pipeline({make_step("a")})), "Failed");
  EXPECT_EQ(step("a").status, StepStatus::kCanceled);
  EXPECT_EQ(step("a").reason,
            "canceled by an engine error: polling the compute backend: fake backend: the cluster "
            "went away");
  EXPECT_EQ(fake_->cancel_requests(), ids({"a"}));
  EXPECT_EQ(run_record().status, RunStatus::kFailed);
  EXPECT_NE(run_record().error.find(
                "engine error: polling the compute backend: fake backend: the cluster went away"),
            std::string::npos)
      << run_record().error;
}

// After an engine error the steps' ends are recorded and the listener hears of them.
TEST_F(ExecutorTest, BackendErrorMidRunRecordsStepEnds) {
  poll_error_at_ = 2;
  script("a", {.duration_ticks = 5});
  ASSERT_EQ(run(pipeline({make_step("a")})), "Failed");
  EXPECT_EQ(record("a").status, StepStatus::kCanceled);
  EXPECT_GT(record("a").ended_at, 0);
  EXPECT_EQ(rec_.statuses("a").back(), "Canceled");
}

// A destination written in place (DataTransferStep's DataReference): the step is reused while
// the destination holds what it wrote; deleted or altered there, it runs again and says why.
TEST_F(ExecutorTest, DestinationDeletedOrAlteredSinceItWasWrittenRerunsTheStep) {
  StepSpec a = make_step("a");
  std::string ds = ws_.get_default_datastore().name();
  a.destinations = {{ds, "copied"}};
  std::string dest = datastore() + "/copied";
  int writes = 0;
  script("a", {.on_end = [&](const LaunchSpec&) {
           ++writes;
           fs::create_directories(dest);
           std::ofstream(dest + "/x.txt") << "copy";
         }});
  ASSERT_EQ(run(pipeline({a})), "Finished");
  std::string first = step("a").step_run_id;
  EXPECT_NE(record("a").fingerprint_json.find("destination_states"), std::string::npos);
  ASSERT_EQ(run(pipeline({a})), "Finished");
  EXPECT_EQ(statuses({"a"}), (Names{"Reused"}));

  std::ofstream(dest + "/x.txt") << "altered";
  ASSERT_EQ(run(pipeline({a})), "Finished");
  EXPECT_EQ(statuses({"a"}), (Names{"Finished"}));
  EXPECT_NE(step("a").decision.find("destination 'copied' on datastore '" + ds +
                                    "' changed since run " + first + " wrote it"),
            std::string::npos)
      << step("a").decision;
  EXPECT_EQ(read_text(dest + "/x.txt"), "copy");

  fs::remove_all(dest);
  ASSERT_EQ(run(pipeline({a})), "Finished");
  EXPECT_EQ(statuses({"a"}), (Names{"Finished"}));
  EXPECT_NE(step("a").decision.find("was deleted since"), std::string::npos) << step("a").decision;
  EXPECT_EQ(writes, 3);
  ASSERT_EQ(run(pipeline({a})), "Finished");
  EXPECT_EQ(statuses({"a"}), (Names{"Reused"}));
}

// The destination is part of the fingerprint: the same command writing elsewhere runs.
TEST_F(ExecutorTest, AnotherDestinationIsAnotherStep) {
  StepSpec a = make_step("a");
  std::string ds = ws_.get_default_datastore().name();
  a.destinations = {{ds, "one"}};
  ASSERT_EQ(run(pipeline({a})), "Finished");
  a.destinations = {{ds, "two"}};
  ASSERT_EQ(run(pipeline({a})), "Finished");
  EXPECT_EQ(statuses({"a"}), (Names{"Finished"}));
}

// Azure ML's run variables: a step script builds its MLClient or Workspace from them.
TEST_F(ExecutorTest, StepsGetAzureRunVariablesNamingTheirWorkspaceAndExperiment) {
  ASSERT_EQ(run(pipeline({make_step("a")})), "Finished");
  const auto env = fake_->find_launched(step("a").step_run_id).value().env;
  EXPECT_EQ(env.at("AZUREML_ARM_SUBSCRIPTION"), "local");
  EXPECT_EQ(env.at("AZUREML_ARM_RESOURCEGROUP"), "local");
  EXPECT_EQ(env.at("AZUREML_ARM_WORKSPACE_NAME"), ws_.name());
  EXPECT_EQ(env.at("AZUREML_ARM_PROJECT_NAME"), run_record().experiment);
  EXPECT_EQ(env.at("AZUREML_RUN_ID"), step("a").step_run_id);
}

TEST_F(ExecutorTest, AzureRunVariablesComeFromTheWorkspacesConfigFile) {
  fs::create_directories(fs::path(ws_.root()) / ".azureml");
  std::ofstream(fs::path(ws_.root()) / ".azureml" / "config.json")
      << R"({"subscription_id": "sub-1", "resource_group": "rg-1", "workspace_name": "ml-ws"})";
  ASSERT_EQ(run(pipeline({make_step("a")})), "Finished");
  const auto env = fake_->find_launched(step("a").step_run_id).value().env;
  EXPECT_EQ(env.at("AZUREML_ARM_SUBSCRIPTION"), "sub-1");
  EXPECT_EQ(env.at("AZUREML_ARM_RESOURCEGROUP"), "rg-1");
  EXPECT_EQ(env.at("AZUREML_ARM_WORKSPACE_NAME"), "ml-ws");
}

}  // namespace
}  // namespace runnel
