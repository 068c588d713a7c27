// Tests of the fake backend's scripting and bookkeeping, which the scheduler's tests trust.
#include "testing/fake_backend.h"

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "runnel/error.h"

namespace runnel {
namespace {

using std::chrono::milliseconds;

LaunchSpec job(const std::string& id, const std::string& command = "true") {
  LaunchSpec s;
  s.id = id;
  s.command = command;
  return s;
}

TEST(FakeBackendTest, DefaultJobRunsThenFinishesAtTheNextPoll) {
  FakeBackend fake(3);
  EXPECT_EQ(fake.type(), "fake");
  EXPECT_EQ(fake.capacity(), 3);
  fake.launch(job("a"));
  auto first = fake.poll(milliseconds(0));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].state, JobState::kRunning);
  EXPECT_EQ(first[0].backend_job_id, "fake-1");
  auto second = fake.poll(milliseconds(0));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].state, JobState::kFinished);
  EXPECT_EQ(second[0].exit_code, 0);
  EXPECT_TRUE(fake.poll(milliseconds(0)).empty());
  EXPECT_EQ(fake.tick(), 3);
}

TEST(FakeBackendTest, OutcomesByIdAndByCommand) {
  FakeBackend fake;
  fake.set_outcome("bad", {.exit_code = 2});
  fake.set_outcome_for_command("crash", {.signal = SIGKILL});
  fake.set_outcome_for_command("slow", {.duration_ticks = 5, .timed_out = true});
  fake.set_outcome("broken", {.start_error = "working directory /x does not exist"});
  fake.launch(job("bad", "crash here too"));  // the id wins over the command
  fake.launch(job("k", "python crash.py"));
  LaunchSpec slow = job("s", "slow thing");
  slow.timeout_s = 7;
  fake.launch(slow);
  fake.launch(job("broken"));
  std::map<std::string, JobEvent> ends;
  for (int i = 0; i < 10; ++i)
    for (const JobEvent& e : fake.poll(milliseconds(0)))
      if (e.state != JobState::kRunning) ends[e.id] = e;
  EXPECT_EQ(ends["bad"].state, JobState::kFailed);
  EXPECT_EQ(ends["bad"].reason, "exit code 2");
  EXPECT_EQ(ends["k"].signal, SIGKILL);
  EXPECT_EQ(ends["k"].reason, "killed by signal SIGKILL (9)");
  EXPECT_TRUE(ends["s"].timed_out);
  EXPECT_EQ(ends["s"].reason, "timed out after 7 s");
  EXPECT_EQ(ends["broken"].state, JobState::kFailed);
  EXPECT_EQ(ends["broken"].reason, "working directory /x does not exist");
  EXPECT_EQ(fake.launch_order(), (std::vector<std::string>{"bad", "k", "s", "broken"}));
}

TEST(FakeBackendTest, DurationsOrderEndsDeterministically) {
  FakeBackend fake;
  fake.set_outcome("long", {.duration_ticks = 3});
  fake.set_outcome("short", {.duration_ticks = 1});
  fake.launch(job("long"));
  fake.launch(job("short"));
  std::vector<std::string> end_order;
  for (int i = 0; i < 5; ++i)
    for (const JobEvent& e : fake.poll(milliseconds(0)))
      if (e.state == JobState::kFinished)
        end_order.push_back(e.id + "@" + std::to_string(fake.tick()));
  EXPECT_EQ(end_order, (std::vector<std::string>{"short@2", "long@4"}));
}

TEST(FakeBackendTest, MaxConcurrencyCountsLaunchedJobsUntilTheirEnd) {
  FakeBackend fake(2);
  fake.launch(job("a"));
  fake.launch(job("b"));
  fake.poll(milliseconds(0));
  fake.poll(milliseconds(0));  // both end here
  fake.launch(job("c"));
  EXPECT_EQ(fake.max_concurrency(), 2);
  EXPECT_EQ(fake.running_count(), 1);
  fake.launch(job("d"));
  fake.launch(job("e"));
  EXPECT_EQ(fake.max_concurrency(), 3);  // more than capacity: the fake does not queue
}

TEST(FakeBackendTest, CancelEndsAJobThatRunsForever) {
  FakeBackend fake;
  fake.set_outcome_for_command("serve", {.duration_ticks = -1});
  fake.launch(job("srv", "serve --port 1"));
  for (int i = 0; i < 100; ++i) fake.poll(milliseconds(0));
  EXPECT_EQ(fake.running_count(), 1);
  fake.cancel("srv");
  fake.cancel("unknown");
  auto events = fake.poll(milliseconds(0));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, JobState::kCanceled);
  EXPECT_EQ(fake.running_count(), 0);
  EXPECT_EQ(fake.cancel_requests(), (std::vector<std::string>{"srv", "unknown"}));
}

TEST(FakeBackendTest, DuplicateRunningIdThrowsButRelaunchAfterEndWorks) {
  FakeBackend fake;
  fake.launch(job("a"));
  EXPECT_THROW(fake.launch(job("a")), Error);
  fake.poll(milliseconds(0));
  fake.poll(milliseconds(0));
  fake.launch(job("a", "retry"));
  EXPECT_EQ(fake.find_launched("a")->command, "retry");
  EXPECT_FALSE(fake.find_launched("zzz").has_value());
}

TEST(FakeBackendTest, EndWritesLogsAndRunsHook) {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/runnel_fake_test_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  FakeBackend fake;
  std::string hooked;
  fake.set_outcome(
      "a", {.stdout_text = "hello\n", .on_end = [&hooked](const LaunchSpec& s) { hooked = s.id; }});
  LaunchSpec s = job("a");
  s.stdout_path = (dir / "a.out").string();
  fake.launch(s);
  fake.poll(milliseconds(0));
  EXPECT_EQ(hooked, "");
  fake.poll(milliseconds(0));
  EXPECT_EQ(hooked, "a");
  std::ifstream in(s.stdout_path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "hello\n");
  fs::remove_all(dir);
}

TEST(FakeBackendTest, WakeupIsCounted) {
  FakeBackend fake;
  fake.wakeup();
  EXPECT_EQ(fake.wakeup_count(), 1);
  EXPECT_TRUE(fake.poll(milliseconds(1000)).empty());
}

}  // namespace
}  // namespace runnel
