// Tests of SlurmBackend against a real Slurm cluster. They run when
// RUNNEL_TEST_SLURM=1 or when `scontrol ping` answers; otherwise they are
// skipped with a note on how to start the local single-node cluster (`sudo
// scripts/services/slurm-up.sh`). The real Slurm TIMEOUT state (--time, whose
// minimum is one minute) is tested only with RUNNEL_TEST_SLURM_SLOW=1; its
// mapping is tested by parsing in slurm_commands_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "exec/slurm_backend.h"
#include "exec/slurm_test_util.h"
#include "runnel/error.h"

namespace runnel {
namespace {

using namespace testing_slurm;

bool env_is(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v && std::string(v) == value;
}

bool slurm_available() {
  static const bool ok = [] {
    if (env_is("RUNNEL_TEST_SLURM", "1")) return true;
    if (env_is("RUNNEL_TEST_SLURM", "0")) return false;
    ProcessCommandRunner run;
    auto r = run.run({"scontrol", "ping"}, seconds(10));
    return r.ok() && r.out.find("UP") != std::string::npos;
  }();
  return ok;
}

#define REQUIRE_SLURM()                                                                 \
  if (!slurm_available())                                                               \
  GTEST_SKIP() << "no Slurm cluster answers `scontrol ping`; start a local one with "   \
                  "`sudo scripts/services/slurm-up.sh` (or set RUNNEL_TEST_SLURM=1 to " \
                  "force)"

std::string read_file(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

SlurmConfig cluster_config() {
  SlurmConfig c;
  c.poll_interval_ms = 250;
  return c;
}

TEST(SlurmCluster, JobFinishesWithLogsAndEnv) {
  REQUIRE_SLURM();
  TempDir dir;
  SlurmBackend b(cluster_config());
  LaunchSpec s = spec_in(dir, "ok", "echo \"hello $WHO\"; echo oops >&2; pwd > where.txt");
  s.env["WHO"] = "it's me";
  s.stdout_path = dir.str() + "/logs 100%/ok.out";  // a space and a '%' survive
  fs::create_directories(dir.str() + "/logs 100%");
  b.launch(s);
  auto ended = wait_all(b, {"ok"});
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended["ok"].state, JobState::kFinished) << ended["ok"].reason;
  EXPECT_EQ(ended["ok"].exit_code, 0);
  EXPECT_FALSE(ended["ok"].backend_job_id.empty());
  EXPECT_EQ(read_file(s.stdout_path), "hello it's me\n");
  EXPECT_EQ(read_file(s.stderr_path), "oops\n");
  EXPECT_EQ(read_file(dir.str() + "/where.txt"), dir.str() + "\n");
}

TEST(SlurmCluster, FailingExitCode) {
  REQUIRE_SLURM();
  TempDir dir;
  SlurmBackend b(cluster_config());
  b.launch(spec_in(dir, "bad", "exit 3"));
  auto ended = wait_all(b, {"bad"});
  EXPECT_EQ(ended["bad"].state, JobState::kFailed);
  EXPECT_EQ(ended["bad"].exit_code, 3);
  EXPECT_EQ(ended["bad"].reason, "exit code 3");
}

TEST(SlurmCluster, StepTimeoutCancelsTheJob) {
  REQUIRE_SLURM();
  TempDir dir;
  SlurmBackend b(cluster_config());
  LaunchSpec s = spec_in(dir, "slow", "sleep 120");
  s.timeout_s = 2;
  b.launch(s);
  auto ended = wait_all(b, {"slow"});
  EXPECT_EQ(ended["slow"].state, JobState::kFailed);
  EXPECT_TRUE(ended["slow"].timed_out);
  EXPECT_EQ(ended["slow"].reason, "timeout");
}

TEST(SlurmCluster, SlurmTimeLimitGivesTimeout) {
  REQUIRE_SLURM();
  if (!env_is("RUNNEL_TEST_SLURM_SLOW", "1")) {
    GTEST_SKIP() << "takes 60-90 s (Slurm's smallest --time is one minute); set "
                    "RUNNEL_TEST_SLURM_SLOW=1 to run it";
  }
  TempDir dir;
  SlurmBackend b(cluster_config());
  LaunchSpec s = spec_in(dir, "limit", "sleep 300");
  s.resources.time_limit_s = 1;  // rounded up to --time=00:01:00
  b.launch(s);
  auto ended = wait_all(b, {"limit"}, seconds(240));
  EXPECT_EQ(ended["limit"].state, JobState::kFailed);
  EXPECT_TRUE(ended["limit"].timed_out);
  EXPECT_EQ(ended["limit"].reason, "Slurm time limit reached (TIMEOUT)");
}

TEST(SlurmCluster, SbatchRejectsBadPartitionAndTooMuchMemory) {
  REQUIRE_SLURM();
  TempDir dir;
  SlurmConfig c = cluster_config();
  c.partition = "runnel-no-such-partition";
  SlurmBackend bad_partition(c);
  bad_partition.launch(spec_in(dir, "p", "true"));
  auto ev = bad_partition.poll(milliseconds(100));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, JobState::kFailed);
  EXPECT_EQ(ev[0].reason.rfind("sbatch rejected the job: ", 0), 0u) << ev[0].reason;
  EXPECT_NE(ev[0].reason.find("partition"), std::string::npos) << ev[0].reason;

  SlurmBackend b(cluster_config());
  LaunchSpec big = spec_in(dir, "m", "true");
  big.resources.memory_mb = 1000LL * 1000 * 1000;  // a petabyte
  b.launch(big);
  ev = b.poll(milliseconds(100));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, JobState::kFailed);
  EXPECT_EQ(ev[0].reason.rfind("sbatch rejected the job: ", 0), 0u) << ev[0].reason;
}

TEST(SlurmCluster, CancelLeavesNoJobInTheQueue) {
  REQUIRE_SLURM();
  TempDir dir;
  SlurmBackend b(cluster_config());
  b.launch(spec_in(dir, "c", "sleep 300"));
  std::string slurm_id;
  for (int i = 0; i < 100 && slurm_id.empty(); ++i) {
    for (const JobEvent& e : b.poll(milliseconds(1000))) {
      if (e.state == JobState::kRunning) slurm_id = e.backend_job_id;
    }
  }
  ASSERT_FALSE(slurm_id.empty()) << "job never started";
  b.cancel("c");
  b.cancel("c");          // twice is harmless
  b.cancel("not-a-job");  // unknown ids are ignored
  auto ended = wait_all(b, {"c"});
  EXPECT_EQ(ended["c"].state, JobState::kCanceled);
  EXPECT_EQ(ended["c"].reason, "canceled");
  ProcessCommandRunner run;
  auto q = run.run({"squeue", "-h", "-j", slurm_id, "-t", "PENDING,RUNNING,SUSPENDED", "-o", "%i"},
                   seconds(10));
  EXPECT_EQ(q.out, "");
}

// 50 jobs at once: all finish, and the number of squeue calls follows the poll
// interval, not the number of jobs. Prints calls/second for the report.
TEST(SlurmCluster, FiftyJobsAtOnceWithBoundedSlurmCalls) {
  REQUIRE_SLURM();
  TempDir dir;
  SlurmConfig c = cluster_config();
  c.poll_interval_ms = 500;
  SlurmBackend b(c);
  const char* n_env = std::getenv("RUNNEL_SLURM_BENCH_JOBS");  // for measuring 100-200 jobs
  const int n = n_env ? std::atoi(n_env) : 50;
  std::set<std::string> ids;
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    std::string id = "many" + std::to_string(i);
    ids.insert(id);
    b.launch(spec_in(dir, id, "echo " + std::to_string(i)));
  }
  auto ended = wait_all(b, ids, seconds(300));
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_EQ(ended.size(), ids.size());
  for (auto& [id, e] : ended) {
    EXPECT_EQ(e.state, JobState::kFinished) << id << ": " << e.reason;
    EXPECT_EQ(read_file(dir.str() + "/" + id + ".out"), id.substr(4) + "\n");
  }
  auto by = b.slurm_calls_by_command();
  int64_t polls = by["squeue"];
  int64_t non_sbatch = b.slurm_calls() - by["sbatch"];
  // One squeue per poll interval at most (+1 for the first poll), whatever the
  // job count.
  EXPECT_LE(polls, static_cast<int64_t>(wall * 1000 / c.poll_interval_ms) + 2);
  EXPECT_EQ(by["sbatch"], n);
  std::cout << "[slurm] " << n << " jobs in " << wall << " s; " << b.slurm_calls()
            << " Slurm calls (" << by["sbatch"] << " sbatch, " << polls << " squeue, "
            << non_sbatch - polls << " other); " << non_sbatch / wall << " status calls/s\n";
  RecordProperty("jobs", n);
  RecordProperty("wall_ms", static_cast<int>(wall * 1000));
  RecordProperty("squeue_calls", static_cast<int>(polls));
}

TEST(SlurmCluster, StatusReportAndSharedPathCheck) {
  REQUIRE_SLURM();
  auto j = nlohmann::json::parse(slurm_status_report(""));
  EXPECT_TRUE(j["reachable"].get<bool>()) << j.dump();
  ASSERT_FALSE(j["nodes"].empty()) << j.dump();
  EXPECT_GT(j["nodes"][0]["cpus"].get<int>(), 0);
  TempDir dir;
  EXPECT_NO_THROW(check_shared_path_visible(dir.str()));
  EXPECT_THROW(check_shared_path_visible(dir.str() + "/missing"), Error);
}

}  // namespace
}  // namespace runnel
