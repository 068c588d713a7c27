// Module, ModuleVersion and ModuleStep (runnel/module.h) on registered components.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runnel/runnel.h"
#include "spec/pipeline_spec.h"

namespace fs = std::filesystem;

namespace runnel {
namespace {

class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("runnel-module-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src");
    std::ofstream(dir_ / "src" / "scale.py") << "print('v1')\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Module::PublishOptions v1() const {
    return {.script_name = "scale.py",
            .description = "first",
            .inputs = {{.name = "raw"}},
            .outputs = {{.name = "scaled"}},
            .params = {{"factor", "2"}},
            .version = "1",
            .source_directory = (dir_ / "src").string()};
  }
  fs::path dir_;
};

TEST_F(ModuleTest, PublishResolveAndImmutability) {
  Workspace ws = Workspace::create(dir_.string() + "/ws");
  Module m = Module::create(ws, "scale", "scales");
  EXPECT_THROW(Module::create(ws, "scale"), Error);
  ModuleVersion mv = m.publish_python_script(v1());
  EXPECT_EQ(mv.version(), "1");
  EXPECT_EQ(mv.script_name(), "scale.py");
  EXPECT_EQ(mv.params().at("factor"), "2");
  ASSERT_EQ(mv.inputs().size(), 1u);
  EXPECT_EQ(mv.inputs()[0].name, "raw");
  EXPECT_TRUE(fs::exists(mv.source_directory() + "/scale.py"));  // a copy, not the working folder
  EXPECT_EQ(m.default_version(), "1");
  // The same again is the same version; other content under version 1 is refused.
  EXPECT_EQ(m.publish_python_script(v1()).version(), "1");
  std::ofstream(dir_ / "src" / "scale.py") << "print('v2')\n";
  EXPECT_THROW(m.publish_python_script(v1()), Error);
  auto o = v1();
  o.version = "";
  EXPECT_EQ(m.publish_python_script(o).version(), "2");
  EXPECT_EQ(m.default_version(), "1");  // not is_default
  m.set_default_version("2");
  EXPECT_EQ(Module::get(ws, "scale").resolve().version(), "2");
  EXPECT_EQ(m.versions(), (std::vector<std::string>{"1", "2"}));
  EXPECT_THROW(Module::get(ws, "nope"), Error);
}

TEST_F(ModuleTest, ModuleStepRunsTheSnapshotAsAPythonScriptStep) {
  Workspace ws = Workspace::create(dir_.string() + "/ws");
  Module m = Module::create(ws, "scale", "scales");
  ModuleVersion mv = m.publish_python_script(v1());
  PipelineData raw("raw_data", ws.get_default_datastore());
  PythonScriptStep make({.script_name = "scale.py",
                         .name = "make",
                         .arguments = {raw},
                         .outputs = {raw},
                         .source_directory = (dir_ / "src").string()});
  PipelineData scaled("scaled", ws.get_default_datastore());
  ModuleStep step({.module = m,
                   .version = "1",
                   .inputs_map = {{"raw", raw}},
                   .outputs_map = {{"scaled", scaled}},
                   .arguments = {"--in", raw.as_input("raw"), "--out", scaled},
                   .params = {{"factor", "3"}}});
  PipelineSpec spec = Pipeline(ws, {step}).to_spec();
  ASSERT_EQ(spec.steps.size(), 2u);
  const StepSpec& s = spec.steps[1];
  EXPECT_EQ(s.name, "scale");
  EXPECT_EQ(s.code_dir, mv.source_directory());
  EXPECT_EQ(s.command, "python scale.py --in ${{inputs.raw}} --out ${{outputs.scaled}}");
  ASSERT_NE(s.find_input("raw"), nullptr);
  EXPECT_EQ(s.find_input("raw")->source->step, "make");
  // Unknown ports and params, and a missing required input, are refused.
  EXPECT_THROW(ModuleStep({.module = m, .inputs_map = {{"nope", raw}}}), Error);
  EXPECT_THROW(ModuleStep({.module = m, .inputs_map = {{"raw", raw}}, .params = {{"zzz", "1"}}}),
               Error);
  EXPECT_THROW(ModuleStep({.module = m}), Error);
  EXPECT_THROW(ModuleStep({.module = m, .module_version = mv, .inputs_map = {{"raw", raw}}}),
               Error);
}

}  // namespace
}  // namespace runnel
