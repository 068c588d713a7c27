// Pipeline parameters: YAML inputs and ${{parameters.X}} commands take the assigned value.
#include "spec/parameters.h"

#include <gtest/gtest.h>

#include "runnel/error.h"
#include "spec/spec_json.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class Parameters : public ::testing::Test {
 protected:
  testing_spec::TempDir dir_;
  PipelineSpec load() {
    dir_.mkdir("data/a");
    dir_.mkdir("data/b");
    dir_.write("p.yml", R"(
type: pipeline
inputs:
  epochs: 3
  lr: 0.5
  flag: true
  name: first
  raw: {type: uri_folder, path: ./data/a}
jobs:
  train:
    command: echo ${{inputs.e}} ${{inputs.r}} ${{inputs.n}} ${{inputs.f}} ${{inputs.d}}
    inputs:
      e: ${{parent.inputs.epochs}}
      r: ${{parent.inputs.lr}}
      f: ${{parent.inputs.flag}}
      n: ${{parent.inputs.name}}
      d: ${{parent.inputs.raw}}
)");
    return load_pipeline_yaml(dir_.path("p.yml"));
  }
};

std::string value_of(const PipelineSpec& s, const std::string& input) {
  return s.steps[0].find_input(input)->source->value;
}

TEST_F(Parameters, YamlInputsAreParametersWithDefaults) {
  PipelineSpec s = load();
  ASSERT_EQ(s.parameters.size(), 5u);
  EXPECT_EQ(s.parameters[0].name, "epochs");
  EXPECT_EQ(s.parameters[0].type, DataType::kInteger);
  EXPECT_EQ(s.steps[0].find_input("e")->source->parameter, "epochs");
  apply_parameters(&s, {}, "--set");
  EXPECT_EQ(value_of(s, "e"), "3");
}

TEST_F(Parameters, AssignedValuesReachTheInputsAndSurviveJson) {
  PipelineSpec s = spec_from_json(spec_to_json(load()));  // a published definition
  apply_parameters(&s, {{"epochs", {"7", {}}}, {"name", {"second", {}}}, {"raw", {"./data/b", {}}}},
                   "--set");
  EXPECT_EQ(value_of(s, "e"), "7");
  EXPECT_EQ(value_of(s, "n"), "second");
  EXPECT_EQ(value_of(s, "r"), "0.5");
  EXPECT_EQ(s.steps[0].find_input("d")->source->path, dir_.path("data/b"));
  EXPECT_EQ(s.parameters[0].default_value.value, "7");  // the record shows the value used
}

TEST_F(Parameters, UnknownNameAndWrongTypeAreClearErrors) {
  PipelineSpec s = load();
  try {
    apply_parameters(&s, {{"epoch", {"7", {}}}}, "--set");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'epoch' is not a parameter"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("epochs, lr, flag, name, raw"), std::string::npos);
  }
  EXPECT_THROW(apply_parameters(&s, {{"epochs", {"seven", {}}}}, "--set"), Error);
  EXPECT_THROW(apply_parameters(&s, {{"lr", {"fast", {}}}}, "--set"), Error);
  EXPECT_THROW(apply_parameters(&s, {{"flag", {"maybe", {}}}}, "--set"), Error);
  EXPECT_THROW(apply_parameters(&s, {{"raw", {"./data/missing", {}}}}, "--set"), Error);
}

TEST_F(Parameters, CommandPlaceholdersAreReplacedQuoted) {
  PipelineSpec s;
  PipelineParameterSpec p;
  p.name = "msg";
  p.default_value.value = "hello";
  s.parameters.push_back(p);
  StepSpec st;
  st.name = "a";
  st.command = "echo ${{parameters.msg}} ${{ parameters.msg }}";
  st.params["k"] = "hello";
  st.param_refs["k"] = "msg";
  st.env_vars["AML_PARAMETER_k"] = "hello";
  s.steps.push_back(st);
  apply_parameters(&s, {{"msg", {"two words", {}}}}, "x");
  EXPECT_EQ(s.steps[0].command, "echo 'two words' 'two words'");
  EXPECT_EQ(s.steps[0].params["k"], "two words");
  EXPECT_EQ(s.steps[0].env_vars["AML_PARAMETER_k"], "two words");
}

TEST(ParameterText, JsonScalars) {
  EXPECT_EQ(parameter_text(nlohmann::json("a"), "f"), "a");
  EXPECT_EQ(parameter_text(nlohmann::json(3), "f"), "3");
  EXPECT_EQ(parameter_text(nlohmann::json(0.25), "f"), "0.25");
  EXPECT_EQ(parameter_text(nlohmann::json(true), "f"), "True");
  EXPECT_EQ(parameter_text(nlohmann::json(true), "f", "false"), "true");
  EXPECT_THROW(parameter_text(nlohmann::json::array(), "f"), Error);
}

}  // namespace
}  // namespace runnel
