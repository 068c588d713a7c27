// Container command lines (exec/container.h) and the local backend's cleanup of a stopped
// container job, with a fake podman (a shell script) so that no container runtime is needed.
// The real podman runs in tests/e2e/test_images.py.
#include "exec/container.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "exec/local_backend.h"
#include "gtest/gtest.h"

namespace runnel::internal {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel_container_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = fs::canonical(tmpl);
    fs::create_directories(dir_ / "run/wd/outputs");
    fs::create_directories(dir_ / "in");
    fs::create_directories(dir_ / "staging");
  }
  void TearDown() override { fs::remove_all(dir_); }

  LaunchSpec spec(const std::string& runtime) {
    LaunchSpec s;
    s.id = "abc123";
    s.command = "echo 'hi there'";
    s.working_dir = (dir_ / "run/wd").string();
    s.env = {{"RUNNEL_RUN_ID", "abc123"}, {"X", "a b"}};
    s.container.image = "localhost/img:1";
    s.container.runtime = runtime;
    s.container.args = {"--runtime", "runc"};
    s.container.read_only = {(dir_ / "in").string(), (dir_ / "run/wd").string(),
                             (dir_ / "missing").string()};
    s.container.writable = {(dir_ / "run").string(), (dir_ / "staging").string(),
                            (dir_ / "run/wd/outputs").string()};
    return s;
  }

  fs::path dir_;
};

TEST_F(ContainerTest, PodmanMountsEachPathAtItselfParentsFirst) {
  ContainerCommand c = container_command(spec("podman"));
  ASSERT_EQ(c.error, "");
  const std::string d = dir_.string();  // no characters that need quoting
  EXPECT_EQ(c.command.rfind("exec podman run --rm --init --network host --name runnel-abc123", 0),
            0u)
      << c.command;
  EXPECT_NE(c.command.find("--log-driver passthrough"), std::string::npos);
  EXPECT_NE(c.command.find("--workdir " + d + "/run/wd "), std::string::npos);
  EXPECT_NE(c.command.find("--env 'X=a b'"), std::string::npos);
  EXPECT_NE(c.command.find("--env RUNNEL_RUN_ID=abc123"), std::string::npos);
  // The run folder writable, the snapshot read-only over it, its outputs/ writable again.
  size_t run = c.command.find("-v " + d + "/run:" + d + "/run ");
  size_t wd = c.command.find("-v " + d + "/run/wd:" + d + "/run/wd:ro ");
  size_t outs = c.command.find("-v " + d + "/run/wd/outputs:" + d + "/run/wd/outputs ");
  ASSERT_NE(run, std::string::npos) << c.command;
  ASSERT_NE(wd, std::string::npos) << c.command;
  ASSERT_NE(outs, std::string::npos) << c.command;
  EXPECT_LT(run, wd);
  EXPECT_LT(wd, outs);
  EXPECT_NE(c.command.find("-v " + d + "/in:" + d + "/in:ro "), std::string::npos);
  EXPECT_EQ(c.command.find("missing"), std::string::npos);  // a path that does not exist
  // The workspace's arguments after runnel's own (so they override), then image and command.
  EXPECT_NE(c.command.find(" --runtime runc localhost/img:1 /bin/sh -c 'echo '\\''hi there'\\'''"),
            std::string::npos)
      << c.command;
  EXPECT_EQ(c.cleanup, "podman rm -f -t 0 --ignore runnel-abc123");
}

TEST_F(ContainerTest, ApptainerAndEnroot) {
  const std::string d = dir_.string();
  ContainerCommand a = container_command(spec("apptainer"));
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(a.command.rfind("exec apptainer exec --pwd " + d + "/run/wd --bind ", 0), 0u)
      << a.command;
  EXPECT_NE(a.command.find(d + "/in:" + d + "/in:ro"), std::string::npos);
  EXPECT_NE(a.command.find(d + "/run/wd/outputs:" + d + "/run/wd/outputs"), std::string::npos);
  EXPECT_EQ(a.cleanup, "");
  ContainerCommand e = container_command(spec("enroot"));
  ASSERT_EQ(e.error, "");
  EXPECT_NE(e.command.find("--env X "), std::string::npos) << e.command;
  EXPECT_NE(e.command.find("/bin/sh -c 'cd " + d + "/run/wd && echo"), std::string::npos)
      << e.command;
}

TEST_F(ContainerTest, BadSpecsAreErrorsNotCommands) {
  LaunchSpec s = spec("docker");
  EXPECT_NE(container_command(s).error.find("unknown container runtime 'docker'"),
            std::string::npos);
  s = spec("podman");
  fs::create_directories(dir_ / "a:b");
  s.container.read_only.push_back((dir_ / "a:b").string());
  EXPECT_NE(container_command(s).error.find("holds ':'"), std::string::npos);
  s.container.image.clear();
  EXPECT_NE(container_command(s).error, "");
}

TEST(MountPathsTest, NestedAndManyPathsCollapse) {
  EXPECT_EQ(mount_paths({"/usr/bin", "/usr", "relative", "/usr/lib"}),
            std::vector<std::string>{"/usr"});
  char tmpl[] = "/tmp/runnel_mounts_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  fs::path d = fs::canonical(tmpl);
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) {
    fs::create_directories(d / "runs" / std::to_string(i));
    many.push_back((d / "runs" / std::to_string(i)).string());
  }
  EXPECT_EQ(mount_paths(many, 64), std::vector<std::string>{(d / "runs").string()});
  fs::remove_all(d);
}

TEST(ContainerNameTest, KeepsWhatPodmanAccepts) {
  EXPECT_EQ(container_name("20261127-011030.ab"), "runnel-20261127-011030.ab");
  EXPECT_EQ(container_name("a/b c"), "runnel-a_b_c");
}

// A fake podman: `run ... IMAGE /bin/sh -c CMD` runs CMD; `rm` records that it ran, slowly,
// so that a job end reported before the cleanup finished would be seen.
class FakePodmanTest : public ContainerTest {
 protected:
  void SetUp() override {
    ContainerTest::SetUp();
    fake_ = dir_ / "fakepodman";
    std::ofstream(fake_) << "#!/bin/sh\n"
                            "if [ \"$1\" = run ]; then\n"
                            "  while [ $# -gt 0 ] && [ \"$1\" != /bin/sh ]; do shift; done\n"
                            "  exec \"$@\"\n"
                            "fi\n"
                            "echo \"$@\" > "
                         << (dir_ / "rm.started").string() << "\nsleep 0.3\necho done > "
                         << (dir_ / "rm.done").string() << "\n";
    fs::permissions(fake_, fs::perms::owner_all);
  }
  LaunchSpec job(const std::string& id, const std::string& command) {
    LaunchSpec s = spec("podman");
    s.id = id;
    s.command = command;
    s.container.program = fake_.string();
    s.container.args.clear();
    s.stdout_path = (dir_ / (id + ".out")).string();
    s.stderr_path = (dir_ / (id + ".err")).string();
    return s;
  }
  JobEvent wait_end(LocalBackend& b) {
    for (int i = 0; i < 1000; ++i)
      for (JobEvent& e : b.poll(milliseconds(10000)))
        if (e.state == JobState::kFinished || e.state == JobState::kFailed ||
            e.state == JobState::kCanceled)
          return e;
    ADD_FAILURE() << "the job did not end";
    return {};
  }
  fs::path fake_;
};

TEST_F(FakePodmanTest, ExitCodesPropagateAndNeedNoCleanup) {
  LocalBackend b(LocalBackend::Options{.slots = 1, .kill_grace = milliseconds(2000)});
  b.launch(job("j1", "echo out; echo \"X=$X\" >&2; exit 3"));
  JobEvent e = wait_end(b);
  EXPECT_EQ(e.state, JobState::kFailed);
  EXPECT_EQ(e.exit_code, 3);
  EXPECT_EQ(slurp(dir_ / "j1.out"), "out\n");
  EXPECT_FALSE(fs::exists(dir_ / "rm.started"));  // `podman run --rm` removed it
}

TEST_F(FakePodmanTest, ACanceledJobEndsOnlyAfterItsContainerIsRemoved) {
  LocalBackend b(LocalBackend::Options{.slots = 1, .kill_grace = milliseconds(2000)});
  b.launch(job("j2", "echo started; exec sleep 30"));
  for (int i = 0; i < 2000 && slurp(dir_ / "j2.out").empty(); ++i)
    std::this_thread::sleep_for(milliseconds(10));
  b.cancel("j2");
  JobEvent e = wait_end(b);
  EXPECT_EQ(e.state, JobState::kCanceled);
  EXPECT_EQ(slurp(dir_ / "rm.started"), "rm -f -t 0 --ignore runnel-j2\n");
  EXPECT_EQ(slurp(dir_ / "rm.done"), "done\n");  // before the end was reported
  EXPECT_EQ(b.running_count(), 0);
}

}  // namespace
}  // namespace runnel::internal
