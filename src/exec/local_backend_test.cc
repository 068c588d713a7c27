// Tests of the local backend with real processes. No assertion depends on timing: where a
// test must wait for something (a file a job writes, a group to vanish) it waits in a
// bounded loop and then asserts the state.
#include "exec/local_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "exec/process.h"
#include "exec/sandbox.h"
#include "gtest/gtest.h"
#include "runnel/error.h"

namespace runnel {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

bool is_end(JobState s) {
  return s == JobState::kFinished || s == JobState::kFailed || s == JobState::kCanceled;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Sleeps in small steps until `cond` holds or about 20 s have passed; returns cond().
template <typename Cond>
bool eventually(Cond cond) {
  for (int i = 0; i < 2000 && !cond(); ++i) std::this_thread::sleep_for(milliseconds(10));
  return cond();
}

class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel_exec_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  LaunchSpec spec(const std::string& id, const std::string& command) {
    LaunchSpec s;
    s.id = id;
    s.job_name = "test/" + id;
    s.command = command;
    s.working_dir = dir_.string();
    s.stdout_path = (dir_ / (id + ".out")).string();
    s.stderr_path = (dir_ / (id + ".err")).string();
    return s;
  }

  // Polls until `ends` jobs have ended; returns every event seen, per job id, in order.
  std::map<std::string, std::vector<JobEvent>> drive(LocalBackend& b, int ends,
                                                     int* max_running = nullptr) {
    std::map<std::string, std::vector<JobEvent>> seen;
    for (int i = 0; i < 10000 && ends > 0; ++i) {
      for (JobEvent& e : b.poll(milliseconds(10000))) {
        if (is_end(e.state)) --ends;
        seen[e.id].push_back(std::move(e));
      }
      if (max_running) *max_running = std::max(*max_running, b.running_count());
    }
    EXPECT_EQ(ends, 0) << "jobs did not end";
    return seen;
  }

  JobEvent run_one(LocalBackend& b, const LaunchSpec& s) {
    b.launch(s);
    auto seen = drive(b, 1);
    EXPECT_FALSE(seen[s.id].empty());
    return seen[s.id].empty() ? JobEvent{} : seen[s.id].back();
  }

  fs::path dir_;
};

TEST(JobStateTest, Names) {
  EXPECT_STREQ(to_string(JobState::kQueued), "Queued");
  EXPECT_STREQ(to_string(JobState::kRunning), "Running");
  EXPECT_STREQ(to_string(JobState::kFinished), "Finished");
  EXPECT_STREQ(to_string(JobState::kFailed), "Failed");
  EXPECT_STREQ(to_string(JobState::kCanceled), "Canceled");
}

TEST_F(LocalBackendTest, ExitZeroFinishesAfterOneRunningEvent) {
  LocalBackend b(2);
  EXPECT_EQ(b.type(), "local");
  EXPECT_EQ(b.capacity(), 2);
  b.launch(spec("ok", "exit 0"));
  auto seen = drive(b, 1);
  const auto& ev = seen["ok"];
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].state, JobState::kRunning);
  EXPECT_FALSE(ev[0].backend_job_id.empty());
  EXPECT_EQ(ev[1].state, JobState::kFinished);
  EXPECT_EQ(ev[1].exit_code, 0);
  EXPECT_EQ(ev[1].signal, 0);
  EXPECT_EQ(ev[1].backend_job_id, ev[0].backend_job_id);
  // Reaped: no zombie is left behind.
  pid_t pid = std::stoi(ev[1].backend_job_id);
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(b.running_count(), 0);
}

TEST_F(LocalBackendTest, DefaultSlotsIsTheNumberOfCores) {
  LocalBackend b;
  EXPECT_EQ(b.capacity(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST_F(LocalBackendTest, NonZeroExitFails) {
  LocalBackend b(1);
  JobEvent e = run_one(b, spec("bad", "exit 3"));
  EXPECT_EQ(e.state, JobState::kFailed);
  EXPECT_EQ(e.exit_code, 3);
  EXPECT_EQ(e.reason, "exit code 3");
  EXPECT_FALSE(e.timed_out);
}

TEST_F(LocalBackendTest, KilledBySignalFails) {
  LocalBackend b(1);
  JobEvent e = run_one(b, spec("sig", "kill -9 $$"));
  EXPECT_EQ(e.state, JobState::kFailed);
  EXPECT_EQ(e.signal, SIGKILL);
  EXPECT_EQ(e.exit_code, -1);
  EXPECT_EQ(e.reason, "killed by signal SIGKILL (9)");
}

TEST_F(LocalBackendTest, LogsAreCapturedAndTruncated) {
  LocalBackend b(1);
  LaunchSpec s = spec("logs", "echo to-out; echo to-err >&2");
  std::ofstream(s.stdout_path) << "old content that must go\n";
  s.stderr_path = (dir_ / "sub" / "dir" / "logs.err").string();  // parent folders are made
  EXPECT_EQ(run_one(b, s).state, JobState::kFinished);
  EXPECT_EQ(read_file(s.stdout_path), "to-out\n");
  EXPECT_EQ(read_file(s.stderr_path), "to-err\n");
}

TEST_F(LocalBackendTest, SameFileForStdoutAndStderrKeepsBoth) {
  LocalBackend b(1);
  LaunchSpec s = spec("both", "echo one; echo two >&2; echo three");
  s.stderr_path = s.stdout_path;
  EXPECT_EQ(run_one(b, s).state, JobState::kFinished);
  EXPECT_EQ(read_file(s.stdout_path), "one\ntwo\nthree\n");
}

TEST_F(LocalBackendTest, EnvironmentAndWorkingDirAreApplied) {
  ::setenv("RUNNEL_TEST_INHERITED", "from-parent", 1);
  ::setenv("RUNNEL_TEST_OVERRIDDEN", "parent-value", 1);
  fs::create_directory(dir_ / "work");
  LocalBackend b(1);
  LaunchSpec s = spec("env", "pwd; echo $RUNNEL_TEST_INHERITED $RUNNEL_TEST_OVERRIDDEN $NEW_VAR");
  s.working_dir = (dir_ / "work").string();
  s.env = {{"RUNNEL_TEST_OVERRIDDEN", "step-value"}, {"NEW_VAR", "new"}};
  EXPECT_EQ(run_one(b, s).state, JobState::kFinished);
  EXPECT_EQ(read_file(s.stdout_path),
            fs::canonical(dir_ / "work").string() + "\nfrom-parent step-value new\n");
}

TEST_F(LocalBackendTest, StdinIsDevNullAndNoDescriptorLeaks) {
  int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 0);
  LocalBackend b(1);
  EXPECT_EQ(run_one(b, spec("fds", "cat; ls /proc/$$/fd; true")).state, JobState::kFinished);
  EXPECT_EQ(read_file(dir_ / "fds.out"), "0\n1\n2\n");
  ::close(leaky);
}

TEST_F(LocalBackendTest, MissingWorkingDirFailsWithReason) {
  LocalBackend b(1);
  LaunchSpec s = spec("nodir", "true");
  s.working_dir = (dir_ / "missing").string();
  b.launch(s);
  auto seen = drive(b, 1);
  ASSERT_EQ(seen["nodir"].size(), 1u);  // no kRunning: it never ran
  const JobEvent& e = seen["nodir"][0];
  EXPECT_EQ(e.state, JobState::kFailed);
  EXPECT_EQ(e.reason, "working directory " + s.working_dir + " does not exist");
}

TEST_F(LocalBackendTest, UnwritableLogFailsWithReason) {
  LocalBackend b(1);
  LaunchSpec s = spec("nolog", "true");
  s.stdout_path = (dir_ / "a-file").string() + "/x.out";
  std::ofstream(dir_ / "a-file") << "not a folder";
  JobEvent e = run_one(b, s);
  EXPECT_EQ(e.state, JobState::kFailed);
  EXPECT_NE(e.reason.find("cannot open stdout file " + s.stdout_path), std::string::npos)
      << e.reason;
}

TEST_F(LocalBackendTest, DuplicateIdThrows) {
  LocalBackend b(1);
  b.launch(spec("dup", "sleep 1000"));
  EXPECT_THROW(b.launch(spec("dup", "true")), Error);
  b.cancel("dup");
  b.cancel("no-such-job");  // ignored
  EXPECT_EQ(drive(b, 1)["dup"].back().state, JobState::kCanceled);
}

// Each job writes its start and end time (ns); at no instant may more than 2 overlap.
TEST_F(LocalBackendTest, CapacityIsRespected) {
  LocalBackend b(2);
  for (int i = 0; i < 4; ++i) {
    std::string id = "j" + std::to_string(i);
    b.launch(spec(id, "date +%s%N > " + id + ".start; sleep 0.3; date +%s%N > " + id + ".end"));
  }
  EXPECT_EQ(b.queued_count(), 2);
  int max_running = 0;
  auto seen = drive(b, 4, &max_running);
  EXPECT_LE(max_running, 2);
  EXPECT_EQ(seen["j2"].front().state, JobState::kQueued);
  EXPECT_EQ(seen["j3"].front().state, JobState::kQueued);
  std::vector<std::pair<long long, long long>> spans;
  for (int i = 0; i < 4; ++i) {
    std::string id = "j" + std::to_string(i);
    EXPECT_EQ(seen[id].back().state, JobState::kFinished);
    spans.emplace_back(std::stoll(read_file(dir_ / (id + ".start"))),
                       std::stoll(read_file(dir_ / (id + ".end"))));
  }
  for (const auto& [start, end] : spans) {
    int overlapping = 0;
    for (const auto& [s2, e2] : spans) overlapping += (s2 <= start && start < e2);
    EXPECT_LE(overlapping, 2);
  }
}

TEST_F(LocalBackendTest, WideJobTakesSeveralSlotsAndIsCappedAtCapacity) {
  LocalBackend b(2);
  b.launch(spec("narrow", "sleep 0.1"));
  LaunchSpec wide = spec("wide", "true");
  wide.resources.cpus = 16;  // more than the pool: capped at 2, so it can still run
  b.launch(wide);
  EXPECT_EQ(b.queued_count(), 1);
  auto seen = drive(b, 2);
  EXPECT_EQ(seen["wide"].front().state, JobState::kQueued);
  EXPECT_EQ(seen["wide"].back().state, JobState::kFinished);
}

TEST_F(LocalBackendTest, CancelQueuedJob) {
  LocalBackend b(1);
  b.launch(spec("first", "sleep 1000"));
  b.launch(spec("second", "true"));
  b.cancel("second");
  b.cancel("first");
  auto seen = drive(b, 2);
  ASSERT_EQ(seen["second"].size(), 2u);
  EXPECT_EQ(seen["second"][0].state, JobState::kQueued);
  EXPECT_EQ(seen["second"][1].state, JobState::kCanceled);
  EXPECT_EQ(seen["first"].back().state, JobState::kCanceled);
}

// The job's own shell dies on SIGTERM but leaves a grandchild that ignores SIGTERM; cancel
// must still leave nothing of the group alive.
TEST_F(LocalBackendTest, CancelKillsTheWholeTree) {
  // Orphans are re-parented to us rather than to a PID 1 that may never reap them, so that
  // a killed grandchild vanishes from its group once we reap it below.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  LocalBackend b(1);
  b.launch(spec("tree", "sh -c 'trap \"\" TERM; sleep 1000' & touch ready; wait"));
  std::vector<JobEvent> started = b.poll(milliseconds(0));
  ASSERT_EQ(started.size(), 1u);
  ASSERT_EQ(started[0].state, JobState::kRunning);
  pid_t pgid = std::stoi(started[0].backend_job_id);
  ASSERT_TRUE(eventually([this] { return fs::exists(dir_ / "ready"); }));
  ASSERT_EQ(::kill(-pgid, 0), 0);
  b.cancel("tree");
  auto ended = drive(b, 1);
  EXPECT_EQ(ended["tree"].back().state, JobState::kCanceled);
  EXPECT_EQ(ended["tree"].back().reason, "canceled");
  bool gone = eventually([pgid] {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    return ::kill(-pgid, 0) == -1 && errno == ESRCH;
  });
  EXPECT_TRUE(gone);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST_F(LocalBackendTest, CancelEscalatesToSigkillAfterGrace) {
  LocalBackend b(LocalBackend::Options{.slots = 1, .kill_grace = milliseconds(100)});
  b.launch(spec("stubborn", "trap '' TERM; touch ready; sleep 1000"));
  ASSERT_TRUE(eventually([this] { return fs::exists(dir_ / "ready"); }));
  b.cancel("stubborn");
  JobEvent e = drive(b, 1)["stubborn"].back();
  EXPECT_EQ(e.state, JobState::kCanceled);
  EXPECT_EQ(e.signal, SIGKILL);
}

TEST_F(LocalBackendTest, TimeoutKillsAndFails) {
  LocalBackend b(LocalBackend::Options{.slots = 1, .kill_grace = milliseconds(100)});
  LaunchSpec s = spec("slow", "trap '' TERM; sleep 1000");
  s.timeout_s = 1;
  JobEvent e = run_one(b, s);
  EXPECT_EQ(e.state, JobState::kFailed);
  EXPECT_TRUE(e.timed_out);
  EXPECT_EQ(e.reason, "timed out after 1 s");
  EXPECT_EQ(e.signal, SIGKILL);
}

TEST_F(LocalBackendTest, WakeupReturnsPollEarly) {
  LocalBackend b(1);
  b.launch(spec("long", "sleep 1000"));
  EXPECT_EQ(b.poll(milliseconds(0)).size(), 1u);  // kRunning
  std::thread waker([&b] {
    std::this_thread::sleep_for(milliseconds(50));
    b.wakeup();
  });
  // Without wakeup() this would block for an hour (and the test would hang, not pass).
  EXPECT_TRUE(b.poll(std::chrono::hours(1)).empty());
  waker.join();
  EXPECT_EQ(b.running_count(), 1);
}

TEST_F(LocalBackendTest, CancelFromAnotherThreadEndsABlockedPoll) {
  LocalBackend b(LocalBackend::Options{.slots = 1, .kill_grace = milliseconds(100)});
  b.launch(spec("victim", "trap '' TERM; touch ready; sleep 1000"));
  EXPECT_EQ(b.poll(milliseconds(0)).size(), 1u);  // kRunning
  ASSERT_TRUE(eventually([this] { return fs::exists(dir_ / "ready"); }));
  std::thread canceler([&b] { b.cancel("victim"); });
  // The poll must notice the kill deadline that cancel() set while it was blocked.
  std::vector<JobEvent> events;
  while (events.empty()) events = b.poll(std::chrono::hours(1));
  canceler.join();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, JobState::kCanceled);
  EXPECT_EQ(events[0].signal, SIGKILL);
}

TEST_F(LocalBackendTest, DestructorKillsRunningJobs) {
  pid_t pid = -1;
  {
    LocalBackend b(1);
    b.launch(spec("left", "sleep 1000"));
    auto events = b.poll(milliseconds(0));
    ASSERT_EQ(events.size(), 1u);
    pid = std::stoi(events[0].backend_job_id);
    ASSERT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1);  // killed and reaped, not a zombie
  EXPECT_EQ(errno, ESRCH);
}

// The program that started a step is SIGKILLed (no destructor, no signal handler runs):
// the step's whole group, grandchildren included, must still end (the watchdog), not run on
// as an orphan that a later run would duplicate.
TEST_F(LocalBackendTest, StepsDieWithAKilledEngine) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);  // the orphans come back to us to be reaped
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t engine = ::fork();
  ASSERT_GE(engine, 0);
  if (engine == 0) {
    ::close(p[0]);
    LocalBackend b(1);
    b.launch(spec("orphan", "sh -c 'sleep 1000' & touch ready; wait"));
    std::vector<JobEvent> started = b.poll(milliseconds(0));
    pid_t pgid = started.size() == 1 ? std::stoi(started[0].backend_job_id) : -1;
    for (int i = 0; i < 2000 && !fs::exists(dir_ / "ready"); ++i)
      std::this_thread::sleep_for(milliseconds(10));
    if (::write(p[1], &pgid, sizeof pgid) != sizeof pgid) ::_exit(3);
    ::raise(SIGKILL);
  }
  ::close(p[1]);
  pid_t pgid = -1;
  ASSERT_EQ(::read(p[0], &pgid, sizeof pgid), static_cast<ssize_t>(sizeof pgid));
  ::close(p[0]);
  ASSERT_GT(pgid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(engine, &status, 0), engine);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  bool gone = eventually([pgid] {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    return ::kill(-pgid, 0) == -1 && errno == ESRCH;
  });
  EXPECT_TRUE(gone) << "step group " << pgid << " outlived its SIGKILLed engine";
  if (!gone) ::kill(-pgid, SIGKILL);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

// A step's child that left the step's group (setsid, as a daemon does) is not in any group
// the watchdog lists; it still dies with a SIGKILLed engine (the watchdog's tag in its
// environment). The same covers a step started but not yet listed when the engine died.
TEST_F(LocalBackendTest, AStepsChildThatLeftItsGroupDiesWithAKilledEngine) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  pid_t engine = ::fork();
  ASSERT_GE(engine, 0);
  if (engine == 0) {
    LocalBackend b(1);
    b.launch(spec("daemon",
                  "setsid sh -c 'echo $$ > daemon.pid.tmp; mv daemon.pid.tmp daemon.pid;"
                  " exec sleep 1000' & wait"));
    b.poll(milliseconds(0));
    for (int i = 0; i < 2000 && !fs::exists(dir_ / "daemon.pid"); ++i)
      std::this_thread::sleep_for(milliseconds(10));
    ::raise(SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(engine, &status, 0), engine);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  std::ifstream in(dir_ / "daemon.pid");
  pid_t daemon = -1;
  in >> daemon;
  ASSERT_GT(daemon, 1) << "the step did not write its daemon's pid";
  ASSERT_NE(::getpgid(daemon), ::getpgid(0));
  bool gone = eventually([daemon] {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    return ::kill(daemon, 0) == -1 && errno == ESRCH;
  });
  EXPECT_TRUE(gone) << "process " << daemon << ", which left its step's group, outlived the engine";
  if (!gone) ::kill(daemon, SIGKILL);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

// A backend that is destroyed normally leaves no watchdog behind.
TEST_F(LocalBackendTest, WatchdogEndsWithItsBackend) {
  pid_t watchdog = -1;
  {
    internal::Watchdog w;
    watchdog = w.pid();
    ASSERT_GT(watchdog, 0);
    ASSERT_EQ(::kill(watchdog, 0), 0);
  }
  EXPECT_EQ(::kill(watchdog, 0), -1);  // ended and reaped
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(LocalBackendTest, ManyTrivialJobsLeakNoDescriptors) {
  auto count_fds = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  auto before = count_fds();
  {
    LocalBackend b(2);
    for (int i = 0; i < 200; ++i) b.launch(spec("t" + std::to_string(i), "true"));
    auto seen = drive(b, 200);
    int finished = 0;
    for (const auto& [id, ev] : seen) finished += ev.back().state == JobState::kFinished;
    EXPECT_EQ(finished, 200);
  }
  EXPECT_EQ(count_fds(), before);
}

// A read-only input must not change what the command means: the sandboxed command runs in
// the same shell as any step (bash, as Azure ML's command jobs), so bash-isms still work
// (they failed with "[[: not found" when bwrap ran /bin/sh, which is dash on Debian).
TEST_F(LocalBackendTest, ASandboxedStepRunsInTheSameShell) {
  if (!internal::sandbox_problem().empty()) GTEST_SKIP() << internal::sandbox_problem();
  if (std::string(internal::step_shell()) != "/bin/bash") GTEST_SKIP() << "no /bin/bash here";
  fs::create_directories(dir_ / "in");
  std::ofstream(dir_ / "in" / "f.txt") << "x";
  LocalBackend b(1);
  LaunchSpec s = spec("bashism", "[[ -f " + (dir_ / "in" / "f.txt").string() +
                                     " ]] && echo \"$BASH_VERSION\" > shell.txt && ! touch " +
                                     (dir_ / "in" / "new.txt").string() + " 2>/dev/null");
  s.read_only_paths = {(dir_ / "in").string()};
  JobEvent e = run_one(b, s);
  EXPECT_EQ(e.state, JobState::kFinished) << e.reason;
  std::ifstream in(dir_ / "shell.txt");
  std::string version;
  std::getline(in, version);
  EXPECT_FALSE(version.empty()) << "the command did not run under bash";
  EXPECT_FALSE(fs::exists(dir_ / "in" / "new.txt")) << "the input was not read-only";
}

// A join over 1,000 step outputs, each in its own folder, asks for 1,000 read-only paths:
// the sandbox binds their common folder instead, so the command stays within Linux's
// 128 KiB limit for one exec argument, and the job starts (it failed with E2BIG).
TEST_F(LocalBackendTest, ManyReadOnlyFoldersStillStart) {
  if (!internal::sandbox_problem().empty()) GTEST_SKIP() << internal::sandbox_problem();
  std::vector<std::string> ro;
  for (int i = 0; i < 1000; ++i) {
    fs::path d = dir_ / "runs" / ("step-run-with-a-long-identifier-" + std::to_string(i)) / "out";
    fs::create_directories(d);
    std::ofstream(d / "f.txt") << i;
    ro.push_back(d.string());
  }
  fs::create_directories(dir_ / "work");
  auto wrapped = internal::sandbox_command("true", ro, {(dir_ / "work").string()});
  ASSERT_TRUE(wrapped.sandboxed);
  EXPECT_LT(wrapped.command.size(), 32u * 1024) << "binds were not merged";
  EXPECT_NE(wrapped.command.find("--ro-bind " + (dir_ / "runs").string() + " "), std::string::npos)
      << wrapped.command.substr(0, 400);
  LocalBackend b(1);
  LaunchSpec s =
      spec("join", "cat " + ro[7] + "/f.txt && ! touch " + ro[3] + "/new.txt 2>/dev/null");
  s.read_only_paths = ro;
  s.writable_paths = {(dir_ / "work").string()};
  JobEvent e = run_one(b, s);
  EXPECT_EQ(e.state, JobState::kFinished) << e.reason;
  EXPECT_FALSE(fs::exists(ro[3] + "/new.txt")) << "the inputs stayed read-only";
}

}  // namespace
}  // namespace runnel
