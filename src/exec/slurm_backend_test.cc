// Tests of SlurmBackend against a fake Slurm (always run): batching, queueing,
// rejection, vanished jobs, Slurm not answering, timeouts. The real-cluster
// tests are in slurm_cluster_test.cc.
#include "exec/slurm_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/fs.h"
#include "exec/slurm_test_util.h"
#include "runnel/error.h"

namespace runnel {
namespace {

using namespace testing_slurm;

// A Slurm that lives in memory. States are set by the test; sbatch starts jobs
// RUNNING.
class FakeSlurm : public CommandRunner {
 public:
  std::map<std::string, std::string> state;  // slurm id -> state
  std::map<std::string, int> wait_status;
  std::string sbatch_error;  // non-empty: sbatch fails with this stderr
  bool down = false;         // every command fails as if slurmctld were gone
  bool forget_jobs = false;  // squeue/scontrol know no job (vanished)
  std::string sacct_out;     // non-empty: accounting is on and sacct prints this
  std::string scontrol_out;  // non-empty: what `scontrol -o show job` prints
  int next_id = 100;
  std::vector<std::vector<std::string>> calls;

  CommandResult run(const std::vector<std::string>& argv, milliseconds) override {
    calls.push_back(argv);
    CommandResult r;
    r.exit_code = 0;
    if (down) {
      r.exit_code = 1;
      r.err = argv[0] + ": error: Unable to contact slurm controller (connect failure)\n";
      return r;
    }
    if (argv[0] == "sbatch") {
      if (!sbatch_error.empty()) {
        r.exit_code = 1;
        r.err = "sbatch: error: " + sbatch_error + "\n";
        return r;
      }
      std::string id = std::to_string(next_id++);
      int tasks = 0;  // --array=0-N: a job array, its tasks "ID_0".."ID_N" (pending at first)
      for (const auto& a : argv)
        if (a.rfind("--array=0-", 0) == 0) tasks = std::stoi(a.substr(10)) + 1;
      if (tasks > 0) {
        state[id + "_[0-" + std::to_string(tasks - 1) + "]"] = "PENDING";
      } else {
        state[id] = "RUNNING";
      }
      r.out = id + "\n";
    } else if (argv[0] == "squeue") {
      std::string ids = argv[5];
      std::stringstream in(ids);
      std::string id;
      while (std::getline(in, id, ',')) {
        if (forget_jobs) continue;
        for (const auto& [sid, st] : state) {  // the job, or every element of the array
          if (sid == id || sid.rfind(id + "_", 0) == 0)
            r.out += sid + "|" + st + "|None|" + std::to_string(wait_status[sid]) + "|\n";
        }
      }
      if (r.out.empty()) {
        r.exit_code = 1;
        r.err = "slurm_load_jobs error: Invalid job id specified\n";
      }
    } else if (argv[0] == "scancel") {
      for (size_t i = 1; i < argv.size(); ++i) {
        for (auto& [sid, st] : state) {  // an array's id cancels its tasks that have not ended
          bool active = st == "RUNNING" || st == "PENDING";
          if (sid == argv[i] || (sid.rfind(argv[i] + "_", 0) == 0 && active)) st = "CANCELLED";
        }
      }
    } else if (argv[0] == "sacct" && !sacct_out.empty()) {
      r.out = sacct_out;
    } else if (argv[0] == "sacct") {
      r.exit_code = 1;
      r.err = "Slurm accounting storage is disabled\n";
    } else if (argv[0] == "scontrol" && !scontrol_out.empty()) {
      r.out = scontrol_out;
    } else if (argv[0] == "scontrol") {
      r.exit_code = 1;
      r.err = "slurm_load_jobs error: Invalid job id specified\n";
    }
    return r;
  }
  int count(const std::string& cmd) const {
    int n = 0;
    for (const auto& c : calls) n += c[0] == cmd;
    return n;
  }
};

SlurmConfig fast_config() {
  SlurmConfig c;
  c.poll_interval_ms = 20;
  c.unresponsive_timeout_ms = 300;
  c.vanish_grace_ms = 200;
  return c;
}

// ---- against the fake
// ---------------------------------------------------------------

TEST(SlurmBackendFake, OneSqueuePerPollForAllJobs) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  FakeSlurm* f = fake.get();
  SlurmBackend b(fast_config(), std::move(fake));
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    ids.insert("j" + std::to_string(i));
    b.launch(spec_in(dir, "j" + std::to_string(i), "true"));
  }
  EXPECT_EQ(f->count("sbatch"), 50);
  auto first = b.poll(milliseconds(500));
  EXPECT_EQ(first.size(), 50u);  // all reported running after one squeue
  EXPECT_EQ(f->count("squeue"), 1);
  for (auto& [id, st] : f->state) st = id == "100" ? "FAILED" : "COMPLETED";
  f->wait_status["100"] = 7 << 8;
  auto ended = wait_all(b, ids, seconds(10));
  EXPECT_EQ(ended.size(), 50u);
  EXPECT_EQ(f->count("squeue"), 2);
  EXPECT_EQ(ended["j0"].state, JobState::kFailed);
  EXPECT_EQ(ended["j0"].exit_code, 7);
  EXPECT_EQ(ended["j0"].backend_job_id, "100");
  EXPECT_EQ(ended["j1"].state, JobState::kFinished);
  EXPECT_EQ(b.slurm_calls(), 52);
  EXPECT_EQ(b.slurm_calls_by_command().at("squeue"), 2);
  // The job script landed in the working folder.
  EXPECT_TRUE(fs::exists(dir.str() + "/.runnel-slurm-j3.sh"));
}

TEST(SlurmBackendFake, QueuesBeyondMaxConcurrentJobs) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  FakeSlurm* f = fake.get();
  SlurmConfig c = fast_config();
  c.max_concurrent_jobs = 2;
  SlurmBackend b(c, std::move(fake));
  EXPECT_EQ(b.capacity(), 2);
  for (int i = 0; i < 5; ++i) b.launch(spec_in(dir, "q" + std::to_string(i), "true"));
  EXPECT_EQ(f->count("sbatch"), 2);
  b.cancel("q4");  // still waiting: ends without ever reaching Slurm
  auto ev = b.poll(milliseconds(200));
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].id, "q4");
  EXPECT_EQ(ev[0].state, JobState::kCanceled);
  f->state["100"] = "COMPLETED";
  std::set<std::string> ended;
  auto stop = Clock::now() + seconds(10);
  while (ended.size() < 4 && Clock::now() < stop) {
    for (const JobEvent& e : b.poll(milliseconds(100))) {
      if (e.state == JobState::kFinished) ended.insert(e.id);
    }
    for (auto& [id, st] : f->state) {
      if (st == "RUNNING") st = "COMPLETED";
    }
    int running = 0;
    for (auto& [id, st] : f->state) running += st == "RUNNING";
    EXPECT_LE(running, 2);
  }
  EXPECT_EQ(ended.size(), 4u);
  EXPECT_EQ(f->count("sbatch"), 4);  // q4 never submitted
}

TEST(SlurmBackendFake, SbatchRejectionIsAFailedJob) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  fake->sbatch_error = "Batch job submission failed: Invalid partition name specified";
  SlurmBackend b(fast_config(), std::move(fake));
  b.launch(spec_in(dir, "r", "true"));
  auto ev = b.poll(milliseconds(100));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, JobState::kFailed);
  EXPECT_EQ(ev[0].reason,
            "sbatch rejected the job: Batch job submission "
            "failed: Invalid partition name "
            "specified");
}

TEST(SlurmBackendFake, BadWorkingDirAndEnvNameFailTheJob) {
  TempDir dir;
  SlurmBackend b(fast_config(), std::make_unique<FakeSlurm>());
  LaunchSpec s = spec_in(dir, "w", "true");
  s.working_dir = dir.str() + "/missing";
  b.launch(s);
  LaunchSpec e = spec_in(dir, "e", "true");
  e.env["NOT-OK"] = "1";
  b.launch(e);
  auto ev = b.poll(milliseconds(100));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_NE(ev[0].reason.find("working folder does not exist"), std::string::npos);
  EXPECT_NE(ev[1].reason.find("NOT-OK"), std::string::npos);
  EXPECT_THROW(b.launch(spec_in(dir, "w2", "true")); b.launch(spec_in(dir, "w2", "true")), Error);
}

TEST(SlurmBackendFake, VanishedJobFailsAfterGrace) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  FakeSlurm* f = fake.get();
  SlurmBackend b(fast_config(), std::move(fake));
  b.launch(spec_in(dir, "v", "true"));
  f->forget_jobs = true;
  auto ended = wait_all(b, {"v"}, seconds(10));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended["v"].state, JobState::kFailed);
  EXPECT_EQ(ended["v"].reason, "job 100 vanished from Slurm");
  EXPECT_GE(f->count("scontrol"), 1);
}

TEST(SlurmBackendFake, PurgedJobUsesExitCodeFile) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  FakeSlurm* f = fake.get();
  SlurmBackend b(fast_config(), std::move(fake));
  b.launch(spec_in(dir, "p", "true"));
  f->forget_jobs = true;
  std::ofstream(dir.str() + "/.runnel-slurm-p.exitcode") << "5\n";
  auto ended = wait_all(b, {"p"}, seconds(10));
  EXPECT_EQ(ended["p"].state, JobState::kFailed);
  EXPECT_EQ(ended["p"].exit_code, 5);
}

// Polls until `id` is reported kRunning (true) or a few seconds pass (false).
bool reported_running(SlurmBackend& b, const std::string& id) {
  for (int k = 0; k < 50; ++k)
    for (const JobEvent& e : b.poll(milliseconds(50)))
      if (e.id == id && e.state == JobState::kRunning) return true;
  return false;
}

// ---- job arrays (a ParallelRunStep: LaunchSpec::array_tasks) --------------------------

// A backend on the fake Slurm with job "par" launched as an array of `tasks` tasks.
class SlurmArrayFake : public ::testing::Test {
 protected:
  void launch(int tasks, SlurmConfig c = fast_config()) {
    auto fake = std::make_unique<FakeSlurm>();
    f = fake.get();
    b = std::make_unique<SlurmBackend>(c, std::move(fake));
    LaunchSpec s = spec_in(dir, "par", "python -m runnel.parallel_run ...");
    s.array_tasks = tasks;
    b->launch(s);
  }
  // What squeue shows next (the array's elements), replacing what it showed.
  void slurm_shows(std::map<std::string, std::string> states) { f->state = std::move(states); }
  // The array's end once squeue shows `states`.
  JobEvent end_when(std::map<std::string, std::string> states) {
    slurm_shows(std::move(states));
    auto ended = wait_all(*b, {"par"}, seconds(10));
    EXPECT_EQ(ended.size(), 1u);
    return ended["par"];
  }
  TempDir dir;
  FakeSlurm* f = nullptr;
  std::unique_ptr<SlurmBackend> b;
};

// Polls until `id` reports something; returns the events seen.
std::vector<JobEvent> poll_for(SlurmBackend& b, const std::string& id, int rounds = 50) {
  for (int k = 0; k < rounds; ++k) {
    auto ev = b.poll(milliseconds(50));
    std::vector<JobEvent> mine;
    for (const JobEvent& e : ev)
      if (e.id == id) mine.push_back(e);
    if (!mine.empty()) return mine;
  }
  return {};
}

TEST_F(SlurmArrayFake, JobArrayIsOneSbatchAndEndsWhenEveryTaskHas) {
  launch(3);
  ASSERT_EQ(f->count("sbatch"), 1);
  const auto& sbatch = f->calls[0];
  EXPECT_EQ(std::count(sbatch.begin(), sbatch.end(), "--array=0-2"), 1);
  // All pending as one range record: queued, nothing reported yet.
  EXPECT_TRUE(poll_for(*b, "par", 4).empty());
  // Task 0 starts (split off the pending range): the array runs, reported once.
  slurm_shows({{"100_0", "RUNNING"}, {"100_[1-2]", "PENDING"}});
  auto ev = poll_for(*b, "par");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, JobState::kRunning);
  EXPECT_EQ(ev[0].backend_job_id, "100");
  // Two of three done, one running: still running, no second kRunning.
  slurm_shows({{"100_0", "COMPLETED"}, {"100_1", "RUNNING"}, {"100_2", "COMPLETED"}});
  EXPECT_TRUE(poll_for(*b, "par", 4).empty());
  // Each task's logs (Slurm writes them through -o PATH.task-%a) reach the step's log.
  for (int t = 0; t < 3; ++t) {
    std::ofstream(dir.str() + "/par.out.task-" + std::to_string(t)) << "out of task " << t;
    std::ofstream(dir.str() + "/par.err.task-" + std::to_string(t)) << "err of task " << t << "\n";
  }
  f->state["100_1"] = "COMPLETED";
  auto ended = wait_all(*b, {"par"}, seconds(10));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended["par"].state, JobState::kFinished);
  EXPECT_EQ(ended["par"].exit_code, 0);
  EXPECT_EQ(ended["par"].backend_job_id, "100");
  EXPECT_EQ(f->count("sbatch"), 1);
  EXPECT_EQ(f->count("scancel"), 0);
  const std::string text = read_file(dir.str() + "/par.out");
  for (int t = 0; t < 3; ++t) {
    const std::string n = std::to_string(t);
    EXPECT_NE(text.find("==== array task " + n + " of 3 (Slurm job 100_" + n + ") ====\n[task " +
                        n + "] out of task " + n + "\n"),
              std::string::npos)
        << text;
  }
  EXPECT_NE(text.find("runnel: Slurm job array 100 of 3 tasks"), std::string::npos) << text;
  EXPECT_NE(read_file(dir.str() + "/par.err").find("[task 2] err of task 2\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.str() + "/par.out.task-1"));  // copied, then removed
}

// While the array runs, each poll copies the lines the tasks have written so far (whole
// lines only, each with its task) into the step's log; at the end only what is new is
// added, never a line twice.
TEST_F(SlurmArrayFake, TaskLogsStreamIntoTheStepLogWhileTheArrayRuns) {
  launch(2);
  slurm_shows({{"100_0", "RUNNING"}, {"100_1", "RUNNING"}});
  ASSERT_EQ(poll_for(*b, "par").at(0).state, JobState::kRunning);
  const std::string t0 = dir.str() + "/par.out.task-0", t1 = dir.str() + "/par.out.task-1";
  std::ofstream(t0) << "planned 4 mini-batches\nmini-batch 0 do";  // a line half written
  std::ofstream(t1) << "claimed mini-batch 1\n";
  for (int k = 0; k < 5; ++k) b->poll(milliseconds(30));
  std::string live = read_file(dir.str() + "/par.out");
  EXPECT_NE(live.find("==== array task 0 of 2 (Slurm job 100_0) ====\n[task 0] planned 4 "
                      "mini-batches\n"),
            std::string::npos)
      << live;
  EXPECT_NE(live.find("[task 1] claimed mini-batch 1\n"), std::string::npos) << live;
  EXPECT_EQ(live.find("mini-batch 0 do"), std::string::npos) << "half a line: " << live;
  std::ofstream(t0, std::ios::app) << "ne\n";
  for (int k = 0; k < 5; ++k) b->poll(milliseconds(30));
  EXPECT_NE(read_file(dir.str() + "/par.out").find("[task 0] mini-batch 0 done\n"),
            std::string::npos);
  std::ofstream(t1, std::ios::app) << "wrote the output";  // the last line, unterminated
  slurm_shows({{"100_0", "COMPLETED"}, {"100_1", "COMPLETED"}});
  auto ended = wait_all(*b, {"par"}, seconds(10));
  EXPECT_EQ(ended["par"].state, JobState::kFinished);
  const std::string text = read_file(dir.str() + "/par.out");
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("planned 4 mini-batches"), 1u) << text;
  EXPECT_EQ(count("claimed mini-batch 1"), 1u) << text;
  EXPECT_EQ(count("==== array task 0 of 2"), 1u) << text;
  EXPECT_EQ(count("[task 1] wrote the output\n"), 1u) << text;
  EXPECT_FALSE(fs::exists(t0));
}

// The driver's array state (RUNNEL_ARRAY_STATE): where its results are, its mini-batches,
// and once written, the verdict of the task that wrote the output.
void write_array_state(const TempDir& dir, const std::string& verdict,
                       const std::vector<int>& done = {}) {
  const std::string pull = dir.str() + "/pull";
  fs::create_directories(pull + "/results");
  for (int n : done) std::ofstream(pull + "/results/" + std::to_string(n) + "-ok.json") << "{}";
  std::ofstream(dir.str() + "/.runnel-slurm-par.exitcode.array.json")
      << R"({"pull_dir": ")" << pull << R"(", "mini_batches": [{"n": 0, "first": "f00.txt"},
         {"n": 1, "first": "f02.txt"}, {"n": 2, "first": "f04.txt"}, {"n": 3, "first": "f06.txt"}],
         "verdict": )"
      << verdict << "}";
}

// A task killed (or failed) while others run does not end the step and nothing is
// canceled: the others take over its mini-batch; the verdict decides the step.
TEST_F(SlurmArrayFake, AFailedTaskLeavesTheOthersRunningAndTheVerdictDecides) {
  for (int code : {0, 1}) {
    launch(3);
    f->wait_status["100_1"] = 137 << 8;
    slurm_shows({{"100_0", "RUNNING"}, {"100_1", "FAILED"}, {"100_2", "RUNNING"}});
    auto ev = poll_for(*b, "par");
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].state, JobState::kRunning);
    EXPECT_TRUE(poll_for(*b, "par", 6).empty()) << "the array went on";
    EXPECT_EQ(f->count("scancel"), 0);
    write_array_state(dir, R"({"exit_code": )" + std::to_string(code) + R"(, "by": 2})");
    f->wait_status["100_2"] = code << 8;
    JobEvent end = end_when(
        {{"100_0", "COMPLETED"}, {"100_1", "FAILED"}, {"100_2", code ? "FAILED" : "COMPLETED"}});
    EXPECT_EQ(end.state, code ? JobState::kFailed : JobState::kFinished) << end.reason;
    EXPECT_EQ(end.exit_code, code);
    if (code) {
      EXPECT_EQ(end.reason, "array task 2 of 3 (Slurm job 100_2): exit code 1");
    }
    EXPECT_EQ(f->count("scancel"), 0);
  }
}

// `scancel 100_2` (an admin, a preemption) while the others run: the same.
TEST_F(SlurmArrayFake, ATaskCanceledInSlurmLeavesTheOthersRunning) {
  launch(3);
  slurm_shows({{"100_0", "RUNNING"}, {"100_1", "RUNNING"}, {"100_2", "CANCELLED"}});
  EXPECT_EQ(poll_for(*b, "par").at(0).state, JobState::kRunning);
  EXPECT_TRUE(poll_for(*b, "par", 6).empty());
  EXPECT_EQ(f->count("scancel"), 0);
  write_array_state(dir, R"({"exit_code": 0, "by": 0})");
  JobEvent end = end_when({{"100_0", "COMPLETED"}, {"100_1", "COMPLETED"}, {"100_2", "CANCELLED"}});
  EXPECT_EQ(end.state, JobState::kFinished) << end.reason;
}

// Every task died before the output was written: the step fails naming the mini-batches
// that have no result.
TEST_F(SlurmArrayFake, EveryTaskDeadFailsNamingTheUnfinishedMiniBatches) {
  launch(2);
  write_array_state(dir, "null", {0, 1});
  f->wait_status["100_0"] = 137 << 8;
  JobEvent end = end_when({{"100_0", "FAILED"}, {"100_1", "CANCELLED"}});
  EXPECT_EQ(end.state, JobState::kFailed);
  EXPECT_EQ(end.exit_code, 137);
  EXPECT_EQ(end.reason,
            "array task 0 of 2 (Slurm job 100_0): exit code 137; every array task has ended and "
            "2 of 4 mini-batches have no result: 2 (f04.txt), 3 (f06.txt) (a retry reuses the "
            "finished ones)");
}

// Once the verdict is written, tasks still pending (more tasks than mini-batches, a busy
// cluster) are canceled: they would find nothing to do. The step still finishes.
TEST_F(SlurmArrayFake, PendingTasksAreCanceledOnceTheVerdictIsWritten) {
  launch(4);
  slurm_shows({{"100_0", "RUNNING"}, {"100_1", "RUNNING"}, {"100_[2-3%2]", "PENDING"}});
  EXPECT_EQ(poll_for(*b, "par").at(0).state, JobState::kRunning);
  EXPECT_TRUE(poll_for(*b, "par", 4).empty());
  EXPECT_EQ(f->count("scancel"), 0);
  write_array_state(dir, R"({"exit_code": 0, "by": 1})");
  slurm_shows({{"100_0", "COMPLETED"}, {"100_1", "RUNNING"}, {"100_[2-3%2]", "PENDING"}});
  for (int k = 0; k < 200 && f->count("scancel") == 0; ++k) b->poll(milliseconds(10));
  ASSERT_EQ(f->count("scancel"), 1);
  for (const auto& c : f->calls)
    if (c[0] == "scancel") {
      EXPECT_EQ(c, (std::vector<std::string>{"scancel", "100_[2-3]"}));
    }
  JobEvent end =
      end_when({{"100_0", "COMPLETED"}, {"100_1", "COMPLETED"}, {"100_[2-3]", "CANCELLED"}});
  EXPECT_EQ(end.state, JobState::kFinished) << end.reason;
  EXPECT_NE(read_file(dir.str() + "/par.out").find("[task 3] (no output: the task did not start)"),
            std::string::npos);
}

TEST_F(SlurmArrayFake, CancelingAJobArrayCancelsEveryTask) {
  launch(4);
  slurm_shows({{"100_0", "RUNNING"}, {"100_1", "COMPLETED"}, {"100_[2-3]", "PENDING"}});
  ASSERT_EQ(poll_for(*b, "par").at(0).state, JobState::kRunning);
  b->cancel("par");
  auto ended = wait_all(*b, {"par"}, seconds(10));
  EXPECT_EQ(ended["par"].state, JobState::kCanceled);
  EXPECT_EQ(ended["par"].reason, "canceled");
  EXPECT_EQ(f->state["100_[2-3]"], "CANCELLED");
  EXPECT_EQ(f->state["100_1"], "COMPLETED");
}

// The whole array canceled in Slurm (`scancel 100`) is the step canceled, as for a plain job.
TEST_F(SlurmArrayFake, TheWholeArrayCanceledInSlurmIsTheStepCanceled) {
  launch(3);
  JobEvent end = end_when({{"100_0", "CANCELLED"}, {"100_1", "COMPLETED"}, {"100_2", "CANCELLED"}});
  EXPECT_EQ(end.state, JobState::kCanceled);
  EXPECT_EQ(end.reason, "array task 0 of 3 (Slurm job 100_0): canceled in Slurm");
  EXPECT_EQ(f->count("scancel"), 0);
}

// An array squeue forgot, with accounting on: sacct's lines of its tasks settle it.
TEST_F(SlurmArrayFake, VanishedJobArrayIsSettledBySacct) {
  launch(2);
  f->forget_jobs = true;
  f->sacct_out = "100_0|COMPLETED|0:0|None\n100_1|FAILED|2:0|NonZeroExitCode\n";
  auto ended = wait_all(*b, {"par"}, seconds(10));
  EXPECT_EQ(ended["par"].state, JobState::kFailed);
  EXPECT_EQ(ended["par"].exit_code, 2);
  EXPECT_EQ(ended["par"].reason, "array task 1 of 2 (Slurm job 100_1): exit code 2");
  EXPECT_GE(f->count("sacct"), 2);  // the accounting probe, then the array's tasks
}

// Without accounting: `scontrol -o show job 100` prints one line per task.
TEST_F(SlurmArrayFake, VanishedJobArrayIsSettledByScontrol) {
  launch(2);
  f->forget_jobs = true;
  f->scontrol_out =
      "JobId=101 ArrayJobId=100 ArrayTaskId=0 JobName=x JobState=COMPLETED Reason=None "
      "ExitCode=0:0\n"
      "JobId=100 ArrayJobId=100 ArrayTaskId=1 JobName=x JobState=TIMEOUT Reason=TimeLimit "
      "ExitCode=0:15\n";
  auto ended = wait_all(*b, {"par"}, seconds(10));
  EXPECT_EQ(ended["par"].state, JobState::kFailed);
  EXPECT_TRUE(ended["par"].timed_out);
  EXPECT_EQ(ended["par"].reason,
            "array task 1 of 2 (Slurm job 100_1): Slurm time limit reached (TIMEOUT)");
}

// Tasks that ended and that squeue forgot (MinJobAge): their exit-code files tell.
TEST_F(SlurmArrayFake, PurgedJobArrayUsesEachTasksExitCodeFile) {
  SlurmConfig c = fast_config();
  c.vanish_grace_ms = 60000;  // the test is about the files, not the grace
  launch(2, c);
  f->forget_jobs = true;
  std::ofstream(dir.str() + "/.runnel-slurm-par.exitcode.task-0") << "0\n";
  auto none = poll_for(*b, "par", 3);  // task 1 unknown: neither ended nor vanished yet
  EXPECT_TRUE(none.empty());
  std::ofstream(dir.str() + "/.runnel-slurm-par.exitcode.task-1") << "4\n";
  auto ended = wait_all(*b, {"par"}, seconds(10));
  EXPECT_EQ(ended["par"].state, JobState::kFailed);
  EXPECT_EQ(ended["par"].exit_code, 4);
  EXPECT_EQ(ended["par"].reason, "array task 1 of 2 (Slurm job 100_1): exit code 4");
}

// A restarted engine takes over a job an earlier one submitted: no sbatch, the job's
// end is reported under the new id with the Slurm job id. The same for a job array, whose
// tasks that ended meanwhile (and that squeue forgot) count through their exit-code files,
// named after the id it was launched under.
TEST(SlurmBackendFake, AttachFollowsARunningJobWithoutSubmitting) {
  for (int tasks : {0, 2}) {
    TempDir dir;
    auto fake = std::make_unique<FakeSlurm>();
    FakeSlurm* f = fake.get();
    const std::string shown = tasks ? "777_1" : "777";
    f->state[shown] = "RUNNING";
    if (tasks) std::ofstream(dir.str() + "/.runnel-slurm-old.exitcode.task-0") << "0\n";
    SlurmBackend b(fast_config(), std::move(fake));
    LaunchSpec s = spec_in(dir, "new", "");
    s.array_tasks = tasks;
    ASSERT_TRUE(b.attach(s, "777", "old"));
    EXPECT_TRUE(reported_running(b, "new")) << tasks;
    f->state[shown] = "COMPLETED";
    auto ended = wait_all(b, {"new"}, seconds(10));
    EXPECT_EQ(ended["new"].state, JobState::kFinished) << tasks;
    EXPECT_EQ(ended["new"].backend_job_id, "777");
    EXPECT_EQ(f->count("sbatch"), 0);
    EXPECT_FALSE(b.attach(spec_in(dir, "bad", ""), "not-a-job-id", "old"));
  }
}

// A job that ended (and that Slurm forgot) while no engine watched: its exit code file,
// named after the id it was launched under, gives the result.
TEST(SlurmBackendFake, AttachToAJobThatEndedMeanwhileReadsItsExitCodeFile) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  FakeSlurm* f = fake.get();
  f->forget_jobs = true;
  std::ofstream(dir.str() + "/.runnel-slurm-old.exitcode") << "3\n";
  SlurmBackend b(fast_config(), std::move(fake));
  ASSERT_TRUE(b.attach(spec_in(dir, "new", ""), "778", "old"));
  auto ended = wait_all(b, {"new"}, seconds(10));
  EXPECT_EQ(ended["new"].state, JobState::kFailed);
  EXPECT_EQ(ended["new"].exit_code, 3);
  EXPECT_EQ(f->count("sbatch"), 0);
}

TEST(SlurmBackendFake, SlurmNotAnsweringFailsEveryJob) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  FakeSlurm* f = fake.get();
  SlurmConfig c = fast_config();
  c.max_concurrent_jobs = 1;
  SlurmBackend b(c, std::move(fake));
  b.launch(spec_in(dir, "a", "sleep 100"));
  b.launch(spec_in(dir, "b", "true"));  // waits for a slot
  f->down = true;
  auto ended = wait_all(b, {"a", "b"}, seconds(10));
  ASSERT_EQ(ended.size(), 2u);
  for (auto& [id, e] : ended) {
    EXPECT_EQ(e.state, JobState::kFailed);
    EXPECT_EQ(e.reason.rfind("Slurm does not answer: ", 0), 0u) << e.reason;
  }
  // A launch that cannot reach Slurm at all is an error of the backend, not of
  // the job.
  EXPECT_THROW(b.launch(spec_in(dir, "c", "true")), Error);
}

TEST(SlurmBackendFake, BackendTimeoutCancelsAndReportsTimeout) {
  TempDir dir;
  auto fake = std::make_unique<FakeSlurm>();
  FakeSlurm* f = fake.get();
  SlurmBackend b(fast_config(), std::move(fake));
  LaunchSpec s = spec_in(dir, "t", "sleep 100");
  s.timeout_s = 1;
  b.launch(s);
  auto ended = wait_all(b, {"t"}, seconds(10));
  EXPECT_EQ(ended["t"].state, JobState::kFailed);
  EXPECT_TRUE(ended["t"].timed_out);
  EXPECT_EQ(ended["t"].reason, "timeout");
  EXPECT_EQ(f->count("scancel"), 1);
}

TEST(SlurmBackendFake, WakeupReturnsEarly) {
  SlurmBackend b(fast_config(), std::make_unique<FakeSlurm>());
  b.wakeup();
  auto t0 = Clock::now();
  EXPECT_TRUE(b.poll(seconds(30)).empty());
  EXPECT_LT(Clock::now() - t0,
            seconds(20));  // not a timing check: 30 s would mean no wakeup
}

TEST(SlurmStatus, UnreachableReportSaysSo) {
  FakeSlurm fake;
  fake.down = true;
  auto j = nlohmann::json::parse(slurm_status_report("debug", {}, &fake));
  EXPECT_FALSE(j["reachable"].get<bool>());
  EXPECT_NE(j["error"].get<std::string>().find("Unable to contact"), std::string::npos);
}

TEST(SlurmSharedPath, NodesNotSeeingThePathIsAClearError) {
  TempDir dir;
  struct NodeWithoutPath : CommandRunner {
    CommandResult run(const std::vector<std::string>& argv, milliseconds) override {
      EXPECT_EQ(argv[0], "srun");
      EXPECT_EQ(argv[argv.size() - 2], "-d");
      CommandResult r;
      r.exit_code = 1;  // `test -d` says no, silently
      return r;
    }
  } runner;
  try {
    check_shared_path_visible(dir.str(), {}, &runner);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("shared with the compute nodes"), std::string::npos);
  }
  FakeSlurm down;
  down.down = true;
  try {
    check_shared_path_visible(dir.str(), {}, &down);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  }
}

}  // namespace
}  // namespace runnel
