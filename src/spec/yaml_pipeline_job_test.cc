// Pipeline components (`type: pipeline` jobs) flattened by the loader (spec/yaml_pipeline_job.h).
#include <gtest/gtest.h>

#include "runnel/error.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class PipelineJob : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.mkdir("data");
    dir_.write("comp/double.yml", R"(
type: pipeline
inputs:
  data: {type: uri_folder}
  factor: {type: integer, default: 2}
outputs:
  result: {type: uri_folder, mode: upload}
jobs:
  first:
    type: command
    command: cp -r ${{inputs.d}} ${{outputs.o}} # ${{inputs.f}}
    inputs:
      d: ${{parent.inputs.data}}
      f: ${{parent.inputs.factor}}
    outputs:
      o: {type: uri_folder}
  second:
    type: command
    command: cp -r ${{inputs.d}} ${{outputs.o}}
    inputs:
      d: ${{parent.jobs.first.outputs.o}}
    outputs:
      o: ${{parent.outputs.result}}
)");
  }
  std::string write(const std::string& text) {
    dir_.write("p.yml", text);
    return dir_.path("p.yml");
  }
  testing_spec::TempDir dir_;
};

const StepSpec& step(const PipelineSpec& p, const std::string& n) {
  const StepSpec* s = p.find_step(n);
  EXPECT_NE(s, nullptr) << n;
  static StepSpec none;
  return s ? *s : none;
}

TEST_F(PipelineJob, InnerStepsArePathNamedAndBoundInTheComponentsScope) {
  PipelineSpec p = load_pipeline_yaml(write(R"(
type: pipeline
inputs:
  raw: {type: uri_folder, path: ./data}
  k: 5
outputs:
  final: {type: uri_folder}
jobs:
  a:
    type: pipeline
    component: ./comp/double.yml
    compute: azureml:big
    inputs:
      data: ${{parent.inputs.raw}}
      factor: ${{parent.inputs.k}}
  b:
    component: ./comp/double.yml
    inputs:
      data: ${{parent.jobs.a.outputs.result}}
    outputs:
      result: ${{parent.outputs.final}}
  c:
    type: command
    command: echo ${{inputs.x}}
    inputs:
      x: ${{parent.jobs.b.outputs.result}}
    run_after: [a]
)"));
  std::vector<std::string> names;
  for (const auto& s : p.steps) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a/first", "a/second", "b/first", "b/second", "c"}));

  // Inside a: the data is the pipeline's, the factor the parameter k (named as such).
  const StepInput* d = step(p, "a/first").find_input("d");
  ASSERT_TRUE(d && d->source);
  EXPECT_EQ(d->source->kind, InputSource::Kind::kLocalPath);
  EXPECT_EQ(d->source->parameter, "raw");
  const StepInput* f = step(p, "a/first").find_input("f");
  ASSERT_TRUE(f && f->source);
  EXPECT_EQ(f->source->value, "5");
  EXPECT_EQ(f->source->parameter, "k");
  EXPECT_EQ(f->type, DataType::kInteger);  // typed by the component input it is bound to
  // b's factor is the component's default, tied to no parameter.
  const StepInput* bf = step(p, "b/first").find_input("f");
  ASSERT_TRUE(bf && bf->source);
  EXPECT_EQ(bf->source->value, "2");
  EXPECT_EQ(bf->source->parameter, "");
  // Siblings resolve inside their own instance.
  EXPECT_EQ(step(p, "a/second").find_input("d")->source->step, "a/first");
  EXPECT_EQ(step(p, "b/second").find_input("d")->source->step, "b/first");
  // Across: b reads a's component output, which is a/second's o.
  const StepInput* bd = step(p, "b/first").find_input("d");
  EXPECT_EQ(bd->source->kind, InputSource::Kind::kStepOutput);
  EXPECT_EQ(bd->source->step, "a/second");
  EXPECT_EQ(bd->source->output, "o");
  EXPECT_EQ(step(p, "c").find_input("x")->source->step, "b/second");
  // The component output's mode reaches the inner output; only b's is a pipeline output.
  EXPECT_EQ(step(p, "a/second").find_output("o")->mode, OutputMode::kUpload);
  EXPECT_EQ(step(p, "a/second").find_output("o")->pipeline_output, "");
  EXPECT_EQ(step(p, "b/second").find_output("o")->pipeline_output, "final");
  ASSERT_EQ(p.outputs.size(), 1u);
  EXPECT_EQ(p.outputs[0].step, "b/second");
  // The pipeline job's compute is its inner steps' default.
  EXPECT_EQ(step(p, "a/first").compute, "big");
  EXPECT_EQ(step(p, "b/first").compute, "");
  // run_after a pipeline job waits for each of its steps.
  EXPECT_EQ(step(p, "c").run_after, (std::vector<std::string>{"a/first", "a/second"}));
  // Parameters: the pipeline's inputs only.
  ASSERT_EQ(p.parameters.size(), 2u);
}

TEST_F(PipelineJob, NestedTwoDeep) {
  dir_.write("comp/outer.yml", R"(
type: pipeline
inputs:
  data: {type: uri_folder}
outputs:
  out: {type: uri_folder}
jobs:
  twice:
    type: pipeline
    component: ./double.yml
    inputs: {data: "${{parent.inputs.data}}", factor: 3}
    outputs:
      result: ${{parent.outputs.out}}
)");
  PipelineSpec p = load_pipeline_yaml(write(R"(
type: pipeline
jobs:
  top:
    type: pipeline
    component: ./comp/outer.yml
    inputs:
      data: {type: uri_folder, path: ./data}
  use:
    type: command
    command: ls ${{inputs.i}}
    inputs:
      i: ${{parent.jobs.top.outputs.out}}
)"));
  EXPECT_NE(p.find_step("top/twice/first"), nullptr);
  EXPECT_EQ(step(p, "use").find_input("i")->source->step, "top/twice/second");
  EXPECT_EQ(step(p, "top/twice/first").find_input("f")->source->value, "3");
  EXPECT_EQ(step(p, "top/twice/first").find_input("d")->source->kind,
            InputSource::Kind::kLocalPath);
}

TEST_F(PipelineJob, AComponentUsingItselfIsRefusedNotARecursionCrash) {
  dir_.write("comp/self.yml", R"(
type: pipeline
jobs:
  again:
    type: pipeline
    component: ./self.yml
)");
  std::string err = testing_spec::invalid_argument_of([&] {
    load_pipeline_yaml(
        write("type: pipeline\njobs:\n  x:\n    type: pipeline\n    component: ./comp/self.yml\n"));
  });
  EXPECT_NE(err.find("self.yml:4:"), std::string::npos) << err;
  EXPECT_NE(err.find("uses itself"), std::string::npos) << err;
}

TEST_F(PipelineJob, ErrorsNameTheFileLineAndKey) {
  auto err_of = [&](const std::string& text) {
    return testing_spec::invalid_argument_of([&] { load_pipeline_yaml(write(text)); });
  };
  std::string e = err_of(R"(
type: pipeline
jobs:
  a:
    type: pipeline
    component: ./comp/double.yml
    inputs: {data: ./data}
  b:
    type: command
    command: echo ${{inputs.x}}
    inputs:
      x: ${{parent.jobs.a.outputs.reslt}}
)");
  EXPECT_NE(e.find("p.yml:12:"), std::string::npos) << e;
  EXPECT_NE(e.find("pipeline job 'a' has no output 'reslt' (did you mean 'result'?)"),
            std::string::npos)
      << e;
  e = err_of("type: pipeline\njobs:\n  a:\n    type: pipeline\n    inputs: {}\n");
  EXPECT_NE(e.find("the pipeline job has no component"), std::string::npos) << e;
  e = err_of(
      "type: pipeline\njobs:\n  a:\n    type: pipeline\n    component: ./comp/double.yml\n    "
      "inputs: {data: ./data}\n    commandd: x\n");
  EXPECT_NE(e.find("p.yml:7:"), std::string::npos) << e;
  // The required input `data` not given: the inner job's binding says so, in the component file.
  e = err_of("type: pipeline\njobs:\n  a:\n    type: pipeline\n    component: ./comp/double.yml\n");
  EXPECT_NE(e.find("double.yml:"), std::string::npos) << e;
  EXPECT_NE(e.find("no value"), std::string::npos) << e;
}

}  // namespace
}  // namespace runnel

namespace runnel {
namespace {

// Azure ML runs a pipeline whose settings hold a typo with only a warning; so does runnel,
// and --strict (LoadOptions::strict) makes it the error. Keys Azure ML honours and runnel
// cannot (identity, services, distribution, instance_type) load with one note per kind.
TEST(LoadMessages, UnknownSettingWarnsOrWithStrictFailsAndUnhonouredKeysAreNoted) {
  testing_spec::TempDir dir;
  const std::string yaml = R"(type: pipeline
settings:
  default_datestore: azureml:workspaceblobstore
identity: {type: user_identity}
jobs:
  a:
    command: echo a
    identity: {type: managed}
    services: {my_ssh: {type: ssh}}
    distribution: {type: pytorch, process_count_per_instance: 2}
    resources: {instance_type: Standard_DS3_v2, instance_count: 1}
  b:
    command: echo b
    identity: {type: managed}
)";
  PipelineSpec p = load_pipeline_yaml_string(yaml, dir.path("p.yml"));
  ASSERT_EQ(p.steps.size(), 2u);
  std::vector<std::string> warnings, notes;
  for (const auto& m : p.load_messages)
    (m.rfind("warning: ", 0) == 0 ? warnings : notes).push_back(m);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(
      warnings[0].find("p.yml:3:3: settings.default_datestore: unknown key 'default_datestore' "
                       "(did you mean 'default_datastore'?)"),
      std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("--strict"), std::string::npos);
  // identity once (first at the top level), services, resources.instance_type; distribution
  // is honoured (runnel.launch), so it has no note.
  ASSERT_EQ(notes.size(), 3u) << ::testing::PrintToString(notes);
  for (const auto& n : notes) EXPECT_EQ(n.find("distribution"), std::string::npos) << n;
  EXPECT_NE(notes[0].find("p.yml:4:1: identity: accepted, but"), std::string::npos) << notes[0];
  for (const auto& n : notes) EXPECT_EQ(n.rfind("note: ", 0), 0u) << n;

  std::string err = testing_spec::invalid_argument_of(
      [&] { load_pipeline_yaml_string(yaml, dir.path("p.yml"), LoadOptions{.strict = true}); });
  EXPECT_NE(err.find("p.yml:3:3: settings.default_datestore: unknown key"), std::string::npos)
      << err;
  EXPECT_NE(err.find("did you mean 'default_datastore'?"), std::string::npos) << err;
}

}  // namespace
}  // namespace runnel

#include "spec/parameters.h"

namespace runnel {
namespace {

// Bindings in fields other than inputs (issue 15 item 2): compute, environment variables,
// resources and limits take a pipeline input's value, inside a pipeline component too, and
// a value set at submit reaches them.
TEST(FieldBindings, ComputeEnvResourcesAndLimitsFollowTheParameter) {
  testing_spec::TempDir dir;
  dir.write("inner.yml", R"(type: pipeline
inputs:
  where: {type: string}
  mem: {type: string, default: 2G}
jobs:
  j:
    command: echo $GREETING
    compute: ${{parent.inputs.where}}
    resources: {cpus: 2, memory: "${{parent.inputs.mem}}"}
)");
  dir.write("p.yml", R"(type: pipeline
inputs:
  target: azureml:gpu-pool
  greeting: hello
  minutes: 30m
  n: 3
jobs:
  a:
    command: echo $GREETING
    compute: ${{parent.inputs.target}}
    environment_variables: {GREETING: "${{parent.inputs.greeting}}", FIXED: x}
    resources: {instance_count: "${{parent.inputs.n}}"}
    limits: {timeout: "${{parent.inputs.minutes}}"}
  b:
    type: pipeline
    component: ./inner.yml
    inputs: {where: "${{parent.inputs.target}}"}
)");
  PipelineSpec p = load_pipeline_yaml(dir.path("p.yml"));
  const StepSpec* a = p.find_step("a");
  const StepSpec* j = p.find_step("b/j");
  ASSERT_TRUE(a && j);
  EXPECT_EQ(a->compute, "gpu-pool");
  EXPECT_EQ(a->env_vars.at("GREETING"), "hello");
  EXPECT_EQ(a->env_vars.at("FIXED"), "x");
  EXPECT_EQ(a->resources.nodes, 3);
  EXPECT_EQ(a->timeout_s, 1800);
  EXPECT_EQ(j->compute, "gpu-pool");
  EXPECT_EQ(j->resources.memory_mb, 2048);
  EXPECT_EQ(j->resources.cpus, 2);
  EXPECT_EQ(j->field_refs.at("compute"), "target");
  EXPECT_EQ(j->field_refs.count("resources.memory"), 0u);  // a component default, no parameter

  apply_parameters(
      &p, {{"target", {"cpu-pool", {}}}, {"greeting", {"hi", {}}}, {"minutes", {"1h", {}}}},
      "--set");
  a = p.find_step("a");
  j = p.find_step("b/j");
  EXPECT_EQ(a->compute, "cpu-pool");
  EXPECT_EQ(a->env_vars.at("GREETING"), "hi");
  EXPECT_EQ(a->timeout_s, 3600);
  EXPECT_EQ(j->compute, "cpu-pool");

  std::string err = testing_spec::invalid_argument_of([&] {
    apply_parameters(&p, {{"minutes", {"soon", {}}}}, "--set");
  });
  EXPECT_NE(err.find("--set.minutes"), std::string::npos) << err;
  EXPECT_NE(err.find("limits.timeout"), std::string::npos) << err;

  dir.write("bad.yml",
            "type: pipeline\ninputs:\n  d: {type: uri_folder, path: .}\njobs:\n  a:\n    command: "
            "echo\n    compute: ${{parent.inputs.d}}\n");
  err = testing_spec::invalid_argument_of([&] { load_pipeline_yaml(dir.path("bad.yml")); });
  EXPECT_NE(err.find("bad.yml:7:14: jobs.a.compute: pipeline input 'd' holds data"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace runnel
