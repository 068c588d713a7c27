// The C++ front door's options: sizes and durations through the one units grammar (the
// same values as YAML and the sbatch flags), builder methods that return new values, and
// options that are refused instead of silently ignored.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/object_model.h"
#include "exec/slurm_commands.h"
#include "runnel/error.h"
#include "runnel/runnel.h"
#include "spec/pipeline_spec.h"
#include "spec/yaml_loader.h"

namespace fs = std::filesystem;

namespace runnel {
namespace {

class BuildersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("runnel-builders-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> sbatch_flags(const StepSpec& st) {
    LaunchSpec l;
    l.id = "x";
    l.resources.memory_mb = st.resources.memory_mb;
    l.resources.time_limit_s = st.resources.time_limit_s;
    auto argv = build_sbatch_argv(SlurmConfig{}, l, effective_resources(l, Resources{}), "s.sh");
    std::vector<std::string> out;
    for (const auto& a : argv)
      if (a.rfind("--mem=", 0) == 0 || a.rfind("--time=", 0) == 0) out.push_back(a);
    return out;
  }
  fs::path dir_;
};

TEST_F(BuildersTest, SizesAndDurationsMeanTheSameAsInYamlAndReachSbatch) {
  Workspace ws = Workspace::create(dir_.string());
  RunConfiguration rc;
  rc.memory = "4Gi";
  rc.time_limit = "30:00";
  CommandStep step({.name = "a", .command = "true", .runconfig = rc});
  PipelineSpec cpp = Pipeline(ws, {step}).to_spec();
  EXPECT_EQ(cpp.steps[0].resources.memory_mb, 4096);  // was 4 ("4Gi" read as 4 MB)
  EXPECT_EQ(cpp.steps[0].resources.time_limit_s, 1800);

  PipelineSpec yaml = load_pipeline_yaml_string(
      "type: pipeline\njobs:\n  a:\n    command: 'true'\n    resources: {memory: 4Gi, time_limit: "
      "'30:00'}\n",
      (dir_ / "p.yml").string());
  EXPECT_EQ(yaml.steps[0].resources.memory_mb, cpp.steps[0].resources.memory_mb);
  EXPECT_EQ(yaml.steps[0].resources.time_limit_s, cpp.steps[0].resources.time_limit_s);

  std::vector<std::string> want = {"--mem=4096M", "--time=00:30:00"};
  EXPECT_EQ(sbatch_flags(cpp.steps[0]), want);
  EXPECT_EQ(sbatch_flags(yaml.steps[0]), want);

  // The compute default the CLI stores ({"default_resources": {memory_mb, time_limit_s}}).
  SlurmConfig sc =
      parse_slurm_config(R"({"default_resources": {"memory_mb": 4096, "time_limit_s": 1800}})");
  LaunchSpec l;
  l.id = "x";
  Resources r = effective_resources(l, sc.default_resources);
  EXPECT_EQ(r.memory_mb, 4096);
  EXPECT_EQ(r.time_limit_s, 1800);
}

TEST_F(BuildersTest, BadSizesAndDurationsAreClearErrors) {
  Workspace ws = Workspace::create(dir_.string());
  RunConfiguration rc;
  rc.memory = "lots";
  CommandStep step({.name = "a", .command = "true", .runconfig = rc});
  try {
    Pipeline(ws, {step}).to_spec();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    std::string m = e.what();
    EXPECT_NE(m.find("step 'a': runconfig.memory 'lots'"), std::string::npos) << m;
    EXPECT_NE(m.find("4Gi"), std::string::npos) << m;
  }
  rc.memory = "";
  rc.time_limit = "soon";
  CommandStep step2({.name = "b", .command = "true", .runconfig = rc});
  EXPECT_THROW(Pipeline(ws, {step2}).to_spec(), Error);
  rc.time_limit = "";
  rc.timeout_seconds = -1;
  CommandStep step3({.name = "c", .command = "true", .runconfig = rc});
  EXPECT_THROW(Pipeline(ws, {step3}).to_spec(), Error);
}

TEST_F(BuildersTest, BuilderMethodsReturnNewValuesAndLeaveSharedOnesAlone) {
  Workspace ws = Workspace::create(dir_.string());
  OutputFileDatasetConfig base("out");
  OutputFileDatasetConfig shared = base;  // a copy shares the data
  OutputFileDatasetConfig up = base.as_upload(true);
  OutputFileDatasetConfig reg = base.register_on_complete("cleaned", "d");
  OutputFileDatasetConfig tab = reg.read_delimited_files();
  OutputFileDatasetConfig mounted = up.as_mount();

  EXPECT_EQ(base.state()->mode, OutputMode::kRwMount);
  EXPECT_EQ(shared.state()->mode, OutputMode::kRwMount);
  EXPECT_EQ(shared.state(), base.state());
  EXPECT_EQ(up.state()->mode, OutputMode::kUpload);
  EXPECT_NE(up.state(), base.state());
  EXPECT_EQ(mounted.state()->mode, OutputMode::kRwMount);
  EXPECT_EQ(up.state()->mode, OutputMode::kUpload);
  EXPECT_EQ(base.state()->register_name, "");
  EXPECT_EQ(reg.state()->register_name, "cleaned");
  EXPECT_FALSE(reg.state()->register_tabular);
  EXPECT_TRUE(tab.state()->register_tabular);
  EXPECT_EQ(tab.state()->register_name, "cleaned");

  // The modes reach the spec.
  CommandStep s1({.name = "s1", .command = "true", .outputs = {up}});
  CommandStep s2({.name = "s2", .command = "true", .outputs = {base}});
  PipelineSpec spec = Pipeline(ws, {s1, s2}).to_spec();
  EXPECT_EQ(spec.find_step("s1")->outputs[0].mode, OutputMode::kUpload);
  EXPECT_EQ(spec.find_step("s2")->outputs[0].mode, OutputMode::kRwMount);

  // Once a step holds it, a change would not reach that step: refused.
  try {
    base.as_upload();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("already an output of step 's2'"), std::string::npos)
        << e.what();
  }
}

TEST_F(BuildersTest, UploadWithoutOverwriteToAFixedPathIsRefused) {
  Workspace ws = Workspace::create(dir_.string());
  Datastore ds = ws.get_default_datastore();
  OutputFileDatasetConfig fixed =
      OutputFileDatasetConfig("o", {{ds, "results/latest"}}).as_upload();
  CommandStep s({.name = "s", .command = "true", .outputs = {fixed}});
  try {
    Pipeline(ws, {s}).to_spec();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("as_upload(overwrite=false)"), std::string::npos)
        << e.what();
  }
  // Accepted: overwrite=true, or a path that is new for every run.
  OutputFileDatasetConfig over =
      OutputFileDatasetConfig("o", {{ds, "results/latest"}}).as_upload(true);
  OutputFileDatasetConfig per_run =
      OutputFileDatasetConfig("p", {{ds, "results/{run-id}"}}).as_upload();
  CommandStep t({.name = "t", .command = "true", .outputs = {over, per_run}});
  EXPECT_NO_THROW(Pipeline(ws, {t}).to_spec());
}

TEST_F(BuildersTest, StepVersionIsFingerprintedAndPathOnComputeRefused) {
  Workspace ws = Workspace::create(dir_.string());
  CommandStep v1({.name = "a", .command = "true", .version = "2"});
  PipelineSpec spec = Pipeline(ws, {v1}).to_spec();
  EXPECT_EQ(spec.steps[0].params.at("step.version"), "2");
  EXPECT_EQ(spec.steps[0].env_vars.count("AML_PARAMETER_step.version"), 0u);

  DatasetConsumptionConfig c;
  c.name = "d";
  c.dataset = "registered";
  c = c.as_download("/mnt/data");
  CommandStep s({.name = "s", .command = "true", .inputs = {c}});
  try {
    Pipeline(ws, {s}).to_spec();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("path_on_compute '/mnt/data' is not supported"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace runnel
