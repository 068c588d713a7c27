// Building environments offline: a tiny local package is made into wheels in a folder and
// installed with --no-index --find-links, as a user without a package index would.
#include "env/build.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/fs.h"
#include "env/tool.h"
#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel::env {
namespace {

// Writes project `name` version `version` under `dir` and builds its wheel into `wheels`.
void make_wheel(const fs::path& dir, const fs::path& wheels, const std::string& name,
                const std::string& version) {
  fs::path p = dir / ("src-" + name + "-" + version);
  fs::create_directories(p / name);
  std::ofstream(p / name / "__init__.py") << "VERSION = '" << version << "'\n";
  std::ofstream(p / "setup.py") << "from setuptools import setup\nsetup(name='" << name
                                << "', version='" << version << "', packages=['" << name << "'])\n";
  ToolOptions o;
  o.timeout = std::chrono::minutes(3);
  ToolResult r = run_tool({"/usr/bin/python3", "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--no-index", "-w", wheels.string(), p.string()},
                          o);
  ASSERT_TRUE(r.ok()) << r.output;
}

class BuildTest : public ::testing::Test {
 protected:
  // The wheels (tinypkg 1.0 and 2.0) are built once for all tests.
  static void SetUpTestSuite() {
    wheels_ = fs::temp_directory_path() / ("runnel-envwheels-" + std::to_string(::getpid()));
    fs::remove_all(wheels_);
    fs::create_directories(wheels_ / "out");
    make_wheel(wheels_, wheels_ / "out", "tinypkg", "1.0");
    make_wheel(wheels_, wheels_ / "out", "tinypkg", "2.0");
  }
  static void TearDownTestSuite() { fs::remove_all(wheels_); }
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("runnel-envbuild-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::create_directory_symlink(wheels_ / "out", dir_ / "wheels");
  }
  void TearDown() override { fs::remove_all(dir_); }

  BuildRequest request(std::vector<std::string> pip) {
    BuildRequest r;
    r.envs_dir = (dir_ / "envs").string();
    r.label = "test";
    r.definition.pip = std::move(pip);
    r.definition.pip_options.no_index = true;
    r.definition.pip_options.find_links = {(dir_ / "wheels").string()};
    r.python_version = "3";
    return r;
  }

  std::string import_version(const BuiltEnvironment& b, const std::string& pkg) {
    ToolResult r = run_tool({b.python, "-c", "import " + pkg + "; print(" + pkg + ".VERSION)"});
    return r.ok() ? r.output.substr(0, r.output.find('\n')) : "error: " + r.output;
  }

  fs::path dir_;
  static inline fs::path wheels_;
};

TEST_F(BuildTest, BuildsOnceFromLocalWheelsAndRecordsFreeze) {
  BuiltEnvironment one = ensure_built(request({"tinypkg==1.0"}));
  BuiltEnvironment two = ensure_built(request({"tinypkg==2.0"}));
  EXPECT_TRUE(one.built_now);
  EXPECT_NE(one.digest, two.digest);
  EXPECT_EQ(import_version(one, "tinypkg"), "1.0");  // conflicting versions side by side
  EXPECT_EQ(import_version(two, "tinypkg"), "2.0");
  EXPECT_NE(std::find(one.freeze.begin(), one.freeze.end(), "tinypkg==1.0"), one.freeze.end());
  BuiltEnvironment again = ensure_built(request({"tinypkg==1.0"}));
  EXPECT_FALSE(again.built_now);
  EXPECT_EQ(again.prefix, one.prefix);
  EXPECT_EQ(again.freeze, one.freeze);
}

TEST_F(BuildTest, FailedBuildLeavesNothingUsableAndKeepsItsLog) {
  BuildRequest r = request({"no-such-package-xyz==9"});
  std::string digest = request_digest(r);
  try {
    ensure_built(r);
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("build failed"), std::string::npos) << m;
    EXPECT_NE(m.find("no-such-package-xyz"), std::string::npos) << m;  // the pip error's tail
    EXPECT_NE(m.find("command: "), std::string::npos) << m;
  }
  EXPECT_TRUE(find_built(r.envs_dir, digest, false).prefix.empty());
  EXPECT_FALSE(fs::exists(r.envs_dir + "/" + digest));
  EXPECT_TRUE(fs::exists(r.envs_dir + "/logs/" + digest + ".log"));
  // Fixed: builds.
  EXPECT_FALSE(ensure_built(request({"tinypkg==1.0"})).prefix.empty());
}

TEST_F(BuildTest, ConcurrentBuildersBuildOnceAndTheSecondSaysItWaits) {
  std::vector<std::string> said[2];
  BuiltEnvironment got[2];
  std::thread t[2];
  for (int i = 0; i < 2; ++i) {
    t[i] = std::thread([&, i] {
      BuildRequest r = request({"tinypkg==1.0"});
      r.progress = [&, i](std::string_view line) { said[i].emplace_back(line); };
      got[i] = ensure_built(r);
    });
  }
  for (auto& th : t) th.join();
  EXPECT_EQ(got[0].built_now + got[1].built_now, 1);
  EXPECT_EQ(got[0].prefix, got[1].prefix);
  int waiter = got[0].built_now ? 1 : 0;
  bool waited = false;
  for (const auto& l : said[waiter])
    waited = waited || l.find("waiting: environment test is being built") == 0;
  EXPECT_TRUE(waited);
}

TEST_F(BuildTest, CondaFileWithoutCondaNamesTheToolAndThePipRoute) {
  BuildRequest r = request({});
  r.definition.conda_file =
      "name: x\ndependencies:\n  - python=3.11\n  - pip:\n    - tinypkg==1.0\n";
  std::string old_path = std::getenv("PATH");
  ::setenv("PATH", "/usr/bin:/bin", 1);
  bool has_conda = ::access("/usr/bin/conda", X_OK) == 0 ||
                   ::access("/usr/bin/micromamba", X_OK) == 0 ||
                   ::access("/usr/bin/mamba", X_OK) == 0;
  if (has_conda) {
    ::setenv("PATH", old_path.c_str(), 1);
    GTEST_SKIP() << "a conda tool is installed";
  }
  try {
    ensure_built(r);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("conda, mamba or micromamba"), std::string::npos) << m;
    EXPECT_NE(m.find("--pip 'tinypkg==1.0'"), std::string::npos) << m;
  }
  ::setenv("PATH", old_path.c_str(), 1);
}

TEST_F(BuildTest, PruneRemovesUnusedAndUnfinished) {
  BuiltEnvironment b = ensure_built(request({"tinypkg==1.0"}));
  std::string unfinished = (dir_ / "envs" / std::string(64, 'a')).string();
  fs::create_directories(unfinished);
  PruneResult kept = prune((dir_ / "envs").string(), 3600, {});
  EXPECT_EQ(kept.removed, std::vector<std::string>{std::string(64, 'a')});
  EXPECT_EQ(kept.kept, std::vector<std::string>{b.digest});
  PruneResult all = prune((dir_ / "envs").string(), 0, {});
  EXPECT_EQ(all.removed, std::vector<std::string>{b.digest});
  EXPECT_FALSE(fs::exists(b.prefix));
}

TEST(Definition, CondaPipSectionAndDigest) {
  auto pips = conda_pip_section("dependencies:\n  - numpy\n  - pip:\n    - a==1\n    - b\n", "f");
  EXPECT_EQ(pips, (std::vector<std::string>{"a==1", "b"}));
  EnvDefinition d;
  d.pip = {"a==1"};
  std::string x = build_digest(d, "3.11.2", {});
  d.pip = {"a==2"};
  EXPECT_NE(build_digest(d, "3.11.2", {}), x);
  d.variables["K"] = "V";  // variables do not change what is built
  EXPECT_EQ(build_digest(d, "3.11.2", {}),
            build_digest(EnvDefinition{.pip = {"a==2"}}, "3.11.2", {}));
}

TEST(PodmanBuildArgs, KeepsWhatBuildTakesInBothSpellings) {
  std::vector<std::string> run = {"--runtime",   "runc",         "--ulimit=nofile=1024:1024",
                                  "-v",          "/usr:/usr:ro", "--log-driver",
                                  "passthrough", "--rm",         "--network=none",
                                  "--gpus",      "all"};
  EXPECT_EQ(podman_build_args(run),
            (std::vector<std::string>{"--runtime", "runc", "--ulimit=nofile=1024:1024", "-v",
                                      "/usr:/usr:ro", "--network=none"}));
  EXPECT_TRUE(podman_build_args({}).empty());
}

TEST(ImageWithPackages, AnImagePodmanCannotInspectIsAClearError) {
  ImageBuildRequest r;
  r.envs_dir = ::testing::TempDir() + "/envs-img";
  r.label = "'torch' version 1";
  r.podman = "/bin/false";  // inspect fails
  r.base = "localhost/none:1";
  r.definition.pip = {"tinypkg==1.0"};
  try {
    ensure_image_with_packages(r);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("cannot inspect image 'localhost/none:1'"),
              std::string::npos)
        << e.what();
  }
}

// A v2 environment file's `build: {path, dockerfile_path}`: a Docker build context, kept
// as a copy named by its digest once registered; its errors name the file, line and key.
TEST(Definition, BuildContextFromAnEnvironmentFile) {
  fs::path dir = fs::path(::testing::TempDir()) / "env-build-context";
  fs::remove_all(dir);
  fs::create_directories(dir / "docker" / "sub");
  std::ofstream(dir / "docker" / "Dockerfile") << "FROM localhost/base:1\n";
  std::ofstream(dir / "docker" / "sub" / "Other.dockerfile") << "FROM localhost/base:2\n";
  auto load = [&](const std::string& text) {
    std::ofstream(dir / "env.yml") << text;
    return load_environment_yaml((dir / "env.yml").string());
  };
  EnvironmentFile f = load("name: e\nversion: 7\nbuild:\n  path: docker\n");
  EXPECT_EQ(f.version, "7");
  EXPECT_EQ(f.definition.build_context, (dir / "docker").string());
  EXPECT_EQ(f.definition.dockerfile, "Dockerfile");
  f = load("name: e\nbuild:\n  path: docker\n  dockerfile_path: sub/Other.dockerfile\n");
  EXPECT_EQ(f.definition.dockerfile, "sub/Other.dockerfile");

  EnvDefinition d = f.definition;
  std::string envs = (dir / "envs").string();
  store_build_context(envs, &d);
  EXPECT_EQ(d.build_context.rfind(envs + "/contexts/", 0), 0u) << d.build_context;
  EXPECT_EQ(d.build_context_digest.size(), 64u);
  EXPECT_TRUE(fs::exists(fs::path(d.build_context) / "sub" / "Other.dockerfile"));
  EXPECT_EQ(image_of_context(d), "localhost/runnel-build:" + d.build_context_digest.substr(0, 16));
  EXPECT_EQ(EnvDefinition::from_json(d.to_json()).to_json(), d.to_json());
  EnvDefinition again = d;
  store_build_context(envs, &again);  // already the kept copy: unchanged
  EXPECT_EQ(again.build_context, d.build_context);
  std::ofstream(dir / "docker" / "Dockerfile") << "FROM localhost/base:3\n";
  EnvDefinition changed = f.definition;
  store_build_context(envs, &changed);
  EXPECT_NE(changed.build_context_digest, d.build_context_digest);  // a new context, a new tag
  EXPECT_FALSE(EnvDefinition{}.to_json().contains("build"));        // old definitions compare equal

  auto error_of = [&](const std::string& text) {
    try {
      load(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("name: e\nbuild:\n  path: nowhere\n").find("env.yml:3: build.path: "),
            std::string::npos);
  EXPECT_NE(error_of("name: e\nbuild:\n  path: docker\n  dockerfile_path: ../x\n")
                .find("must be a path inside build.path"),
            std::string::npos);
  EXPECT_NE(error_of("name: e\nbuild:\n  path: docker\n  dockerfile_path: Nope\n")
                .find("does not exist; name the Dockerfile"),
            std::string::npos);
  EXPECT_NE(error_of("name: e\nbuild:\n  path: docker\n  context: x\n")
                .find("build.context: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("name: e\nimage: python\nbuild:\n  path: docker\n")
                .find("give `image:` or `build:`, not both"),
            std::string::npos);
}

}  // namespace
}  // namespace runnel::env
