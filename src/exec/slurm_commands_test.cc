// Tests of the pure Slurm helpers: output parsing, state mapping, formatting,
// sbatch argv, job scripts, and the process runner. None needs a Slurm cluster.
#include "exec/slurm_commands.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "exec/slurm_command_runner.h"
#include "runnel/error.h"

namespace runnel {
namespace {

namespace fs = std::filesystem;

TEST(SlurmParse, SqueueWithRawExitStatus) {
  // Real output of Slurm 22.05 `squeue -h -t all -j 11,12,13 -O
  // 'JobID:|,State:|,Reason:|,exit_code:|'`.
  auto v = parse_squeue_output(
      "13|CANCELLED|None|15|\n11|FAILED|NonZeroExitCode|"
      "768|\n12|FAILED|JobLaunchFailure|9|\n"
      "14|RUNNING|None|0|\n\ngarbage\n");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].job_id, "13");
  EXPECT_EQ(v[0].state, "CANCELLED");
  EXPECT_EQ(v[0].signal, 15);
  EXPECT_EQ(v[1].exit_code, 3);
  EXPECT_EQ(v[1].signal, 0);
  EXPECT_EQ(v[1].reason, "NonZeroExitCode");
  EXPECT_EQ(v[2].signal, 9);
  EXPECT_EQ(v[2].exit_code, -1);
  EXPECT_EQ(v[3].state, "RUNNING");
  EXPECT_EQ(v[3].exit_code, 0);
}

TEST(SlurmParse, SqueueShortFormat) {
  auto v = parse_squeue_output("8|CANCELLED|DependencyNeverSatisfied\n9|PENDING|Resources\n");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].reason, "DependencyNeverSatisfied");
  EXPECT_EQ(v[0].exit_code, -1);
  EXPECT_EQ(v[1].state, "PENDING");
}

TEST(SlurmParse, ScontrolLineAnchorsOnJobId) {
  auto s = parse_scontrol_job(
      "JobId=12 ArrayJobId=7 ArrayTaskId=2 JobName=wrap UserId=root(0) "
      "JobState=FAILED "
      "Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:01");
  ASSERT_TRUE(s);
  // An array element is named as squeue's JobArrayID names it, not by its own JobId.
  EXPECT_EQ(s->job_id, "7_2");
  EXPECT_EQ(s->state, "FAILED");
  EXPECT_EQ(s->exit_code, 3);
  EXPECT_EQ(s->signal, 0);
  auto k = parse_scontrol_job("JobId=13 JobState=CANCELLED Reason=None ExitCode=0:15");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->signal, 15);
  EXPECT_EQ(k->exit_code, -1);
  EXPECT_FALSE(parse_scontrol_job("slurm_load_jobs error: Invalid job id specified"));
  EXPECT_FALSE(parse_scontrol_job("ArrayJobId=7 JobState=RUNNING"));
  // Real `scontrol -o show job 1006` of an array whose tasks all still wait.
  auto p = parse_scontrol_job(
      "JobId=1006 ArrayJobId=1006 ArrayTaskId=0-20%4 ArrayTaskThrottle=4 JobName=probe "
      "JobState=CANCELLED Reason=None Dependency=(null) ExitCode=0:0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->job_id, "1006_[0-20%4]");
}

TEST(SlurmParse, JobArrayElements) {
  auto one = parse_array_element("123_4");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->array_job_id, "123");
  EXPECT_EQ(one->tasks, std::vector<int>({4}));
  auto range = parse_array_element("123_[5-9%2]");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->tasks, std::vector<int>({5, 6, 7, 8, 9}));
  auto list = parse_array_element(" 77_[1,3-5] ");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->array_job_id, "77");
  EXPECT_EQ(list->tasks, std::vector<int>({1, 3, 4, 5}));
  for (const char* bad :
       {"123", "_4", "x_4", "123_", "123_[5-]", "123_[9-5]", "123_a", "123_[1-2-3]"})
    EXPECT_FALSE(parse_array_element(bad)) << bad;
  // Real output of Slurm 22.05 `squeue -h -t all -j 1002 -O
  // 'JobArrayID:|,State:|,Reason:|,exit_code:|'` for `sbatch --array=0-2` whose task 1 exited 3,
  // and of a pending throttled array.
  auto v = parse_squeue_output(
      "1002_2|COMPLETED|None|0|\n1002_0|COMPLETED|None|0|\n1002_1|FAILED|NonZeroExitCode|768|\n"
      "1006_[0-20%4]|PENDING|None|0|\n");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[2].job_id, "1002_1");
  EXPECT_EQ(v[2].exit_code, 3);
  EXPECT_EQ(parse_array_element(v[3].job_id)->tasks.size(), 21u);
  EXPECT_EQ(array_task_file("/w/out.txt", 3), "/w/out.txt.task-3");
}

TEST(SlurmParse, Sacct) {
  auto v =
      parse_sacct_output("12|CANCELLED by 0|0:15|None\n13|COMPLETED|0:0|None\n14|FAILED|4:0|\n");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].state, "CANCELLED");
  EXPECT_EQ(v[0].signal, 15);
  EXPECT_EQ(v[1].exit_code, 0);
  EXPECT_EQ(v[2].exit_code, 4);
  EXPECT_FALSE(parse_exit_code_pair("3"));
  EXPECT_EQ(parse_exit_code_pair("0:9")->second, 9);
}

SlurmStateMapping map(const std::string& state, int exit_code = -1, int sig = 0,
                      const std::string& reason = "None") {
  return map_slurm_state({"1", state, reason, exit_code, sig});
}

TEST(SlurmState, Mapping) {
  EXPECT_EQ(map("PENDING").state, JobState::kQueued);
  EXPECT_FALSE(map("PENDING").terminal);
  EXPECT_EQ(map("CONFIGURING").state, JobState::kQueued);
  EXPECT_EQ(map("RUNNING").state, JobState::kRunning);
  EXPECT_EQ(map("COMPLETING").state, JobState::kRunning);
  EXPECT_FALSE(map("COMPLETING").terminal);
  EXPECT_EQ(map("COMPLETED", 0).state, JobState::kFinished);
  EXPECT_TRUE(map("COMPLETED", 0).terminal);
  auto f = map("FAILED", 3);
  EXPECT_EQ(f.state, JobState::kFailed);
  EXPECT_EQ(f.reason, "exit code 3");
  EXPECT_EQ(map("FAILED", -1, 9).reason, "killed by signal 9");
  auto t = map("TIMEOUT");
  EXPECT_EQ(t.state, JobState::kFailed);
  EXPECT_TRUE(t.timed_out);
  EXPECT_EQ(t.reason, "Slurm time limit reached (TIMEOUT)");
  EXPECT_EQ(map("OUT_OF_MEMORY").reason, "out of memory (OUT_OF_MEMORY)");
  EXPECT_EQ(map("NODE_FAIL").reason, "node failure");
  EXPECT_FALSE(map("NODE_FAIL").timed_out);
  for (const char* s : {"PREEMPTED", "BOOT_FAIL", "DEADLINE"}) {
    EXPECT_EQ(map(s).state, JobState::kFailed) << s;
    EXPECT_NE(map(s).reason.find(s), std::string::npos) << s;
  }
  auto c = map("CANCELLED", -1, 15, "DependencyNeverSatisfied");
  EXPECT_EQ(c.state, JobState::kCanceled);
  EXPECT_EQ(c.reason, "canceled in Slurm (DependencyNeverSatisfied)");
  EXPECT_EQ(map("SOME_FUTURE_STATE").state, JobState::kQueued);
  EXPECT_FALSE(map("SOME_FUTURE_STATE").terminal);
}

TEST(SlurmFormat, TimeMemoryFilenames) {
  EXPECT_EQ(format_slurm_time(0), "");
  EXPECT_EQ(format_slurm_time(1), "00:01:00");
  EXPECT_EQ(format_slurm_time(60), "00:01:00");
  EXPECT_EQ(format_slurm_time(61), "00:02:00");
  EXPECT_EQ(format_slurm_time(3600), "01:00:00");
  EXPECT_EQ(format_slurm_time(90000), "1-01:00:00");
  EXPECT_EQ(format_slurm_memory(2048), "2048M");
  EXPECT_EQ(escape_slurm_filename("/w/100%/out_%j.log"), "/w/100%%/out_%%j.log");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("plain/path_1.txt"), "plain/path_1.txt");  // safe text stays unquoted
  EXPECT_TRUE(is_valid_env_name("RUNNEL_X1"));
  EXPECT_FALSE(is_valid_env_name("1X"));
  EXPECT_FALSE(is_valid_env_name("A-B"));
  EXPECT_FALSE(is_valid_env_name(""));
}

TEST(SlurmSbatch, ArgvHasResourcesAndConfig) {
  SlurmConfig c;
  c.partition = "gpu";
  c.account = "proj";
  c.qos = "high";
  c.extra_sbatch_flags = {"--exclusive"};
  c.default_resources.memory_mb = 1024;
  c.command_prefix = {"ssh", "login"};
  LaunchSpec s;
  s.id = "run1.train";
  s.job_name = "run1 train";
  s.working_dir = "/w";
  s.stdout_path = "/w/out%.log";
  s.stderr_path = "/w/err.log";
  s.resources.cpus = 4;
  s.resources.gpus = 2;
  s.resources.time_limit_s = 5400;
  s.resources.nodes = 1;
  Resources r = effective_resources(s, c.default_resources);
  EXPECT_EQ(r.memory_mb, 1024);
  auto a = build_sbatch_argv(c, s, r, "/w/job.sh");
  std::vector<std::string> want = {"ssh",
                                   "login",
                                   "sbatch",
                                   "--parsable",
                                   "-J",
                                   "run1 train",
                                   "-o",
                                   "/w/out%%.log",
                                   "-e",
                                   "/w/err.log",
                                   "--chdir",
                                   "/w",
                                   "--cpus-per-task=4",
                                   "--mem=1024M",
                                   "--gres=gpu:2",
                                   "--time=01:30:00",
                                   "--nodes=1",
                                   "--partition=gpu",
                                   "--account=proj",
                                   "--qos=high",
                                   "--exclusive",
                                   "/w/job.sh"};
  EXPECT_EQ(a, want);
  // Nothing asked, nothing passed; a step timeout asks Slurm for one more
  // minute.
  LaunchSpec bare;
  bare.id = "x";
  bare.timeout_s = 30;
  auto b = build_sbatch_argv(SlurmConfig{}, bare, effective_resources(bare, {}), "/j.sh");
  EXPECT_EQ(b[3], "x");  // job name defaults to the id
  EXPECT_EQ(std::count(b.begin(), b.end(), "--time=00:02:00"), 1);
  EXPECT_EQ(b.size(), 12u);
  // A ParallelRunStep: one job array; each task logs to its own files (%a), '%' of the
  // path still doubled.
  s.array_tasks = 3;
  auto arr = build_sbatch_argv(c, s, r, "/w/job.sh");
  EXPECT_EQ(std::count(arr.begin(), arr.end(), "--array=0-2"), 1);
  EXPECT_EQ(std::count_if(arr.begin(), arr.end(),
                          [](const std::string& x) { return x.rfind("--array", 0) == 0; }),
            1);
  EXPECT_EQ(arr[7], "/w/out%%.log.task-%a");
  EXPECT_EQ(arr[9], "/w/err.log.task-%a");
  EXPECT_EQ(arr.size(), want.size() + 1);
  EXPECT_EQ(arr.back(), "/w/job.sh");
}

TEST(SlurmScript, RunsCommandWithQuotedEnvAndWritesExitCode) {
  fs::path dir = fs::temp_directory_path() / ("runnel-slurm-script-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub dir");
  LaunchSpec s;
  s.id = "j";
  s.working_dir = (dir / "sub dir").string();
  s.env = {{"GREETING", "it's \"quoted\" $HOME `x`"}, {"N", "3"}};
  s.command = "printf '%s|' \"$GREETING\" > seen.txt; pwd >> seen.txt; exit $N";
  std::string ec = (dir / "j.exitcode").string();
  std::string script = build_job_script(s, ec);
  { std::ofstream(dir / "job.sh") << script; }
  ProcessCommandRunner run;
  auto r = run.run({"/bin/sh", (dir / "job.sh").string()}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 3) << script;
  std::ifstream seen(dir / "sub dir" / "seen.txt");
  std::stringstream got;
  got << seen.rdbuf();
  EXPECT_EQ(got.str(), "it's \"quoted\" $HOME `x`|" + (dir / "sub dir").string() + "\n");
  std::ifstream ecf(ec);
  int code = -1;
  ecf >> code;
  EXPECT_EQ(code, 3);
  s.env = {{"BAD-NAME", "x"}};
  EXPECT_THROW(build_job_script(s, ec), Error);
  // An array task writes its own exit-code file, named by SLURM_ARRAY_TASK_ID.
  s.env = {};
  s.array_tasks = 3;
  // It sees where the parallel driver writes its verdict.
  s.command =
      "echo \"$RUNNEL_ARRAY_STATE\" > state.$SLURM_ARRAY_TASK_ID; exit $((SLURM_ARRAY_TASK_ID + "
      "10))";
  { std::ofstream(dir / "array.sh") << build_job_script(s, ec); }
  for (int task : {0, 2}) {
    auto t = run.run({"/usr/bin/env", "SLURM_ARRAY_TASK_ID=" + std::to_string(task), "/bin/sh",
                      (dir / "array.sh").string()},
                     std::chrono::seconds(10));
    EXPECT_EQ(t.exit_code, 10 + task) << t.err;
    std::ifstream f(array_task_file(ec, task));
    int c = -1;
    f >> c;
    EXPECT_EQ(c, 10 + task);
    std::ifstream state(dir / "sub dir" / ("state." + std::to_string(task)));
    std::string seen_state;
    std::getline(state, seen_state);
    EXPECT_EQ(seen_state, array_state_file(ec));
    EXPECT_EQ(seen_state, ec + ".array.json");
  }
  EXPECT_FALSE(fs::exists(array_task_file(ec, 1)));
  fs::remove_all(dir);
}

// A step in a container image on Slurm: the job script runs the cluster's runtime (here a
// fake apptainer that records its arguments and runs the command), exit code kept.
TEST(SlurmScript, RunsTheCommandThroughTheContainerRuntime) {
  fs::path dir = fs::temp_directory_path() / ("runnel-slurm-container-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "wd");
  fs::path fake = dir / "apptainer";
  std::ofstream(fake) << "#!/bin/sh\necho \"$@\" > " << (dir / "args.txt").string()
                      << "\nwhile [ \"$1\" != /bin/sh ]; do shift; done\nexec \"$@\"\n";
  fs::permissions(fake, fs::perms::owner_all);
  LaunchSpec s;
  s.id = "j";
  s.working_dir = (dir / "wd").string();
  s.env = {{"N", "4"}};
  s.command = "exit $N";
  s.container.image = "/shared/py.sif";
  s.container.runtime = "apptainer";
  s.container.program = fake.string();
  s.container.read_only = {s.working_dir};
  std::string ec = (dir / "j.exitcode").string();
  { std::ofstream(dir / "job.sh") << build_job_script(s, ec); }
  ProcessCommandRunner run;
  auto r = run.run({"/bin/sh", (dir / "job.sh").string()}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  std::ifstream args(dir / "args.txt");
  std::string line;
  std::getline(args, line);
  const std::string wd = fs::canonical(dir / "wd").string();
  EXPECT_EQ(line, "exec --pwd " + s.working_dir + " --bind " + wd + ":" + wd +
                      ":ro /shared/py.sif /bin/sh -c exit $N");
  s.container.runtime = "docker";
  EXPECT_THROW(build_job_script(s, ec), Error);
  fs::remove_all(dir);
}

TEST(SlurmErrors, UnreachableVersusRejected) {
  EXPECT_TRUE(
      is_slurm_unreachable_error("sbatch: error: Batch job submission failed: "
                                 "Unable to contact slurm controller (connect "
                                 "failure)"));
  EXPECT_TRUE(is_slurm_unreachable_error("squeue: fatal: Unable to process configuration file"));
  EXPECT_FALSE(
      is_slurm_unreachable_error("sbatch: error: Batch job submission failed: "
                                 "Invalid partition name specified"));
}

TEST(SlurmSinfo, NodesAndStatusJson) {
  auto nodes = parse_sinfo_nodes(
      "vm|debug*|idle|8|24105|(null)|0/8/0/8|none\n"
      "g1|gpu|mixed|32|256000|gpu:4|16/16/0/32|none\n"
      "g2|gpu|down*|32|256000|gpu:4|0/0/32/32|Not responding\n");
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_TRUE(nodes[0].default_partition);
  EXPECT_EQ(nodes[0].partition, "debug");
  EXPECT_EQ(nodes[0].gres, "");
  EXPECT_EQ(nodes[1].gres, "gpu:4");
  EXPECT_EQ(nodes[1].cpus_allocated, 16);
  EXPECT_EQ(nodes[2].reason, "Not responding");
  auto j = nlohmann::json::parse(build_status_json("", nodes));
  EXPECT_TRUE(j["reachable"].get<bool>());
  EXPECT_EQ(j["partitions"]["gpu"]["nodes"], 2);
  EXPECT_EQ(j["partitions"]["gpu"]["cpus_idle"], 16);
  EXPECT_EQ(j["partitions"]["gpu"]["node_states"]["down*"], 1);
  EXPECT_TRUE(j["partitions"]["debug"]["default"].get<bool>());
  EXPECT_EQ(j["nodes"].size(), 3u);
}

TEST(SlurmConfigJson, ParsesEveryKeyAndRejectsBadOnes) {
  SlurmConfig c = parse_slurm_config(
      R"({"partition":"gpu","max_concurrent_jobs":100,"account":"ml","qos":"hi",
          "extra_sbatch_flags":["--exclusive"],"poll_interval_ms":250,
          "default_resources":{"cpus":4,"memory_mb":8000,"gpus":1,"time_limit_s":60}})");
  EXPECT_EQ(c.partition, "gpu");
  EXPECT_EQ(c.max_concurrent_jobs, 100);
  EXPECT_EQ(c.account, "ml");
  EXPECT_EQ(c.extra_sbatch_flags, std::vector<std::string>{"--exclusive"});
  EXPECT_EQ(c.poll_interval_ms, 250);
  EXPECT_EQ(c.default_resources.memory_mb, 8000);
  EXPECT_EQ(c.default_resources.gpus, 1);
  EXPECT_EQ(parse_slurm_config("").max_concurrent_jobs, 64);
  EXPECT_EQ(parse_slurm_config("{}").poll_interval_ms, 500);
  EXPECT_THROW(parse_slurm_config(R"({"partiton":"x"})"), Error);
  EXPECT_THROW(parse_slurm_config(R"({"max_concurrent_jobs":0})"), Error);
  EXPECT_THROW(parse_slurm_config(R"({"partition":3})"), Error);
  EXPECT_THROW(parse_slurm_config(R"({"default_resources":{"ram":1}})"), Error);
  EXPECT_THROW(parse_slurm_config("[1]"), Error);
}

TEST(ProcessRunner, OutputExitTimeoutAndMissingBinary) {
  ProcessCommandRunner run;
  auto ok = run.run({"/bin/sh", "-c", "echo out; echo err >&2; exit 4"}, std::chrono::seconds(10));
  EXPECT_EQ(ok.out, "out\n");
  EXPECT_EQ(ok.err, "err\n");
  EXPECT_EQ(ok.exit_code, 4);
  EXPECT_FALSE(ok.ok());
  auto slow = run.run({"sleep", "30"}, std::chrono::milliseconds(200));
  EXPECT_TRUE(slow.timed_out);
  EXPECT_NE(slow.describe().find("timed out"), std::string::npos);
  auto missing = run.run({"runnel-no-such-binary-xyz"}, std::chrono::seconds(5));
  EXPECT_TRUE(missing.spawn_failed);
  EXPECT_TRUE(is_slurm_unreachable_error(missing.describe()));
}

}  // namespace
}  // namespace runnel
