// What Azure ML v2 samples write and the loader reads since the sample sweep
// (docs/v2-sample-compat.md): curated environments, runtime expressions in output paths,
// the older binding and parallel-task spellings, eval_* modes, URL inputs, and the
// refusals of job types runnel does not stand in for.
#include <gtest/gtest.h>

#include "runnel/error.h"
#include "spec/registered_refs.h"
#include "spec/spec_json.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class YamlV2Samples : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("src/score.py", "def init(): pass\ndef run(b): return b\n");
    dir_.mkdir("data");
  }
  PipelineSpec load(const std::string& yaml) {
    return load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml"));
  }
  std::string error_of(const std::string& yaml) {
    return testing_spec::invalid_argument_of([&] { load(yaml); });
  }
  static bool has_message(const PipelineSpec& p, const std::string& part) {
    for (const auto& m : p.load_messages)
      if (m.find(part) != std::string::npos) return true;
    return false;
  }
  testing_spec::TempDir dir_;
};

TEST_F(YamlV2Samples, CuratedEnvironmentsAreMarkedAndSurviveTheSpecJson) {
  PipelineSpec p = load(
      "type: pipeline\njobs:\n"
      "  a: {command: echo, environment: "
      "azureml:AzureML-sklearn-0.24-ubuntu18.04-py37-cpu@latest}\n"
      "  b: {command: echo, environment: "
      "azureml://registries/azureml/environments/sklearn-1.5/labels/latest}\n"
      "  c: {command: echo, environment: azureml:my-env:3}\n"
      "  d: {command: echo, environment: "
      "azureml://registries/contoso/environments/sklearn-1.5/versions/2}\n"
      "  e: {command: echo, environment: azureml:azureml-lowercase:1}\n");
  ASSERT_EQ(p.steps.size(), 5u);
  EXPECT_EQ(p.steps[0].environment, "AzureML-sklearn-0.24-ubuntu18.04-py37-cpu");
  EXPECT_TRUE(p.steps[0].environment_curated);
  EXPECT_EQ(p.steps[1].environment, "sklearn-1.5");
  EXPECT_TRUE(p.steps[1].environment_curated);
  EXPECT_FALSE(p.steps[2].environment_curated);  // a workspace's own environment
  EXPECT_FALSE(p.steps[3].environment_curated);  // another registry
  EXPECT_TRUE(p.steps[4].environment_curated);
  PipelineSpec back = spec_from_json(spec_to_json(p));
  EXPECT_TRUE(back.steps[0].environment_curated);
  EXPECT_FALSE(back.steps[2].environment_curated);
}

// azureml-examples' basics/6a_tf_hello_world component file has `compute:`, which az ml
// ignores: a warning at its line, the component still read; an error under --strict.
TEST_F(YamlV2Samples, AComponentFilesUnknownKeyIsAWarning) {
  dir_.write("component.yml",
             "type: command\nname: tf_hello\nversion: 1\ncompute: azureml:gpu-cluster\n"
             "command: echo $TF_CONFIG\ndistribution: {type: tensorflow, worker_count: 2}\n");
  std::string yaml = "type: pipeline\njobs:\n  tf_job:\n    component: ./component.yml\n";
  PipelineSpec p = load(yaml);
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_TRUE(has_message(p, "component.yml:4:1: compute: unknown key 'compute'; it is ignored"));
  std::string msg = testing_spec::invalid_argument_of([&] {
    load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml"), LoadOptions{.strict = true});
  });
  EXPECT_NE(msg.find("component.yml:4:1: compute: unknown key 'compute'"), std::string::npos)
      << msg;
}

// `code:` naming a file (azureml-examples' doris-test model_registry component): its folder
// is the snapshot, with a note; a missing one is still an error.
TEST_F(YamlV2Samples, CodeNamingAFileSnapshotsItsFolder) {
  PipelineSpec p =
      load("type: pipeline\njobs:\n  a:\n    code: ./src/score.py\n    command: python score.py\n");
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].code_dir, dir_.path("src"));
  EXPECT_TRUE(has_message(p, "code names a file ('./src/score.py')"));
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    code: ./src/nope.py\n    command: x\n")
                .find("does not exist"),
            std::string::npos);
}

TEST_F(YamlV2Samples, CuratedEnvironmentOfAComponentFileReachesTheStep) {
  dir_.write("train.yml",
             "type: command\ncommand: echo hi\n"
             "environment: azureml://registries/azureml/environments/sklearn-1.1/versions/29\n");
  PipelineSpec p = load("type: pipeline\njobs:\n  t: {component: file:./train.yml}\n");
  EXPECT_EQ(p.steps[0].environment, "sklearn-1.1");  // registry versions are Azure's numbers
  EXPECT_TRUE(p.steps[0].environment_curated);
}

TEST_F(YamlV2Samples, OutputPathsMayHoldRuntimeExpressions) {
  PipelineSpec p = load(
      "type: pipeline\n"
      "outputs:\n  report:\n    path: "
      "azureml://datastores/workspaceblobstore/paths/azureml/${{name}}\n"
      "jobs:\n"
      "  a:\n    command: echo > ${{outputs.out}}/x\n    outputs:\n      out: "
      "${{parent.outputs.report}}\n"
      "  b:\n    command: echo > ${{outputs.o}}/x\n    outputs:\n"
      "      o: {type: uri_folder, path: "
      "'azureml://datastores/ds2/paths/runs/${{name}}/${{output_name}}'}\n");
  EXPECT_EQ(p.steps[0].outputs[0].datastore, "workspaceblobstore");
  EXPECT_EQ(p.steps[0].outputs[0].path, "azureml/${{name}}");
  EXPECT_EQ(p.steps[1].outputs[0].datastore, "ds2");
  EXPECT_EQ(p.steps[1].outputs[0].path, "runs/${{name}}/${{output_name}}");
  // A binding still has to be the whole value.
  std::string msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: echo\n    outputs:\n"
      "      o: {path: '${{parent.outputs.x}}/sub'}\n");
  EXPECT_NE(msg.find("mixes a ${{...}} binding with other text"), std::string::npos) << msg;
}

TEST_F(YamlV2Samples, OlderBindingSpellingReadsAsParent) {
  PipelineSpec p = load(
      "type: pipeline\ninputs:\n  greeting: hi\noutputs:\n  final: {mode: upload}\njobs:\n"
      "  hello:\n    command: echo ${{inputs.g}} > ${{outputs.world}}/w\n"
      "    inputs:\n      g: ${{inputs.greeting}}\n    outputs:\n      world:\n"
      "  world:\n    command: cat ${{inputs.w}}/w > ${{outputs.o}}/o\n"
      "    inputs:\n      w: ${{jobs.hello.outputs.world}}\n    outputs:\n      o: "
      "${{outputs.final}}\n");
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[1].inputs[0].source->kind, InputSource::Kind::kStepOutput);
  EXPECT_EQ(p.steps[1].inputs[0].source->step, "hello");
  EXPECT_EQ(p.steps[0].inputs[0].source->parameter, "greeting");
  EXPECT_EQ(p.steps[1].outputs[0].pipeline_output, "final");
  int notes = 0;
  for (const auto& m : p.load_messages)
    notes += m.find("is the older spelling of") != std::string::npos;
  EXPECT_EQ(notes, 1);  // once per load
  EXPECT_TRUE(has_message(p, "is the older spelling of ${{parent."));
  // Not in fields such as environment_variables, where it never had that meaning.
  std::string msg = error_of(
      "type: pipeline\ninputs:\n  g: hi\njobs:\n  a:\n    command: echo\n"
      "    environment_variables: {G: '${{inputs.g}}'}\n");
  EXPECT_NE(msg.find("pipeline.yml:7:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("is not a binding runnel understands"), std::string::npos) << msg;
}

TEST_F(YamlV2Samples, ParallelTaskTypeFunctionAndArgs) {
  const std::string y =
      "type: pipeline\njobs:\n  score:\n    type: parallel\n"
      "    inputs:\n      data: {type: uri_folder, path: ./data}\n      model: 3\n"
      "    input_data: ${{inputs.data}}\n"
      "    task:\n      type: function\n      code: ./src\n      entry_script: score.py\n"
      "      args: >-\n        --model ${{inputs.model}}\n";
  PipelineSpec p = load(y);
  EXPECT_NE(p.steps[0].command.find("-- --model ${{inputs.model}}"), std::string::npos)
      << p.steps[0].command;
  std::string both = y + "      program_arguments: --x 1\n";
  std::string msg = error_of(both);
  EXPECT_NE(msg.find("pipeline.yml:13:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("both args and program_arguments"), std::string::npos) << msg;
  std::string model = error_of(y.substr(0, y.find("type: function")) + "type: model\n" +
                               y.substr(y.find("type: function") + 14));
  EXPECT_NE(model.find("task type 'model' is not supported"), std::string::npos) << model;
}

TEST_F(YamlV2Samples, EvalModesReadAsPlainOnes) {
  PipelineSpec p = load(
      "type: pipeline\njobs:\n  a:\n    command: ls ${{inputs.t}} ${{inputs.u}}\n    inputs:\n"
      "      t: {type: mltable, path: ./data, mode: eval_mount}\n"
      "      u: {type: mltable, path: ./data, mode: eval_download}\n");
  EXPECT_EQ(p.steps[0].inputs[0].mode, InputMode::kRoMount);
  EXPECT_EQ(p.steps[0].inputs[1].mode, InputMode::kDownload);
}

TEST_F(YamlV2Samples, JobTypesOfAzureServicesAreRefusedByTypeFirst) {
  struct Case {
    std::string type, extra, what;
  } cases[] = {
      {"automl", "    task: regression\n    primary_metric: r2_score\n", "AutoML"},
      {"spark", "    entry: {file: main.py}\n    conf: {spark.driver.cores: 2}\n", "Spark"},
      {"data_transfer", "    task: copy_data\n", "data transfer"},
  };
  for (const auto& c : cases) {
    std::string msg =
        error_of("type: pipeline\njobs:\n  node:\n    type: " + c.type + "\n" + c.extra);
    EXPECT_NE(msg.find("pipeline.yml:4:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("jobs.node.type: job type '" + c.type + "' is not supported: " + c.what),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("replace jobs.node"), std::string::npos) << msg;
  }
}

TEST_F(YamlV2Samples, PreviewSchemaIsRefusedSayingWhatToWriteNow) {
  // basics/1c_e2e_inline_components and 4f_uri_input_output in their preview-era form.
  std::string job =
      error_of("type: pipeline\njobs:\n  t:\n    type: component\n    command: echo\n");
  EXPECT_NE(job.find("pipeline.yml:4:"), std::string::npos) << job;
  EXPECT_NE(job.find("write type: command"), std::string::npos) << job;
  std::string path = error_of(
      "type: pipeline\ninputs:\n  d: {type: path, path: ./data}\njobs:\n  a: {command: echo}\n");
  EXPECT_NE(path.find("pipeline.yml:3:"), std::string::npos) << path;
  EXPECT_NE(path.find("path is the preview schema's type: uri_folder for a folder"),
            std::string::npos)
      << path;
}

TEST_F(YamlV2Samples, ParallelNodeFromAFlowOrAComponent) {
  dir_.write("flow/flow.dag.yaml", "nodes: []\n");
  dir_.write("par.yml", "type: parallel\n");
  std::string flow = error_of(
      "type: pipeline\njobs:\n  f:\n    type: parallel\n    component: ./flow/flow.dag.yaml\n");
  EXPECT_NE(flow.find("pipeline.yml:5:"), std::string::npos) << flow;
  EXPECT_NE(flow.find("is a prompt flow"), std::string::npos) << flow;
  std::string comp =
      error_of("type: pipeline\njobs:\n  f:\n    type: parallel\n    component: ./par.yml\n");
  // A parallel component file is read (yaml_v2_assets_test.cc); this one has no task.
  EXPECT_NE(comp.find("par.yml:1:"), std::string::npos) << comp;
  EXPECT_NE(comp.find("a parallel job needs a task mapping"), std::string::npos) << comp;
}

TEST_F(YamlV2Samples, UrlInputsAreFetchedThroughTheInstalledFetch) {
  const std::string y =
      "type: pipeline\njobs:\n  a:\n    command: cat ${{inputs.f}}\n    inputs:\n"
      "      f: {type: uri_file, path: 'https://example.org/data/iris.csv?sv=1'}\n";
  // Without a workspace to download into: refused, naming the input.
  std::string none = error_of(y);
  EXPECT_NE(none.find("pipeline.yml:6:"), std::string::npos) << none;
  EXPECT_NE(none.find("need a workspace to download into"), std::string::npos) << none;
  dir_.write("fetched/iris.csv", "a,b\n");
  std::vector<std::string> asked;
  {
    internal::ScopedComponentLookup scope(
        [](const std::string&, const std::string&) -> std::string {
          throw not_found("no components");
        },
        [&](const std::string& url) {
          asked.push_back(url);
          return dir_.path("fetched/iris.csv");
        });
    PipelineSpec p = load(y);
    EXPECT_EQ(p.steps[0].inputs[0].source->kind, InputSource::Kind::kLocalPath);
    EXPECT_EQ(p.steps[0].inputs[0].source->path, dir_.path("fetched/iris.csv"));
    // A folder cannot be listed over http.
    std::string folder = error_of(
        "type: pipeline\njobs:\n  a:\n    command: ls ${{inputs.f}}\n    inputs:\n"
        "      f: {type: uri_folder, path: 'https://example.org/data/'}\n");
    EXPECT_NE(folder.find("must have type uri_file"), std::string::npos) << folder;
  }
  EXPECT_EQ(asked, std::vector<std::string>{"https://example.org/data/iris.csv?sv=1"});
  {
    internal::ScopedComponentLookup scope(
        [](const std::string&, const std::string&) -> std::string { return ""; },
        [](const std::string&) -> std::string {
          throw invalid_argument("GET https://example.org answered HTTP 404");
        });
    std::string failed = error_of(y);
    EXPECT_NE(failed.find("pipeline.yml:6:"), std::string::npos) << failed;
    EXPECT_NE(failed.find("cannot download 'https://example.org/data/iris.csv?sv=1': GET"),
              std::string::npos)
        << failed;
  }
}

// az ml reads the YAML in Python and sends each literal input as str(value): a plain YAML
// boolean reaches ${{inputs.x}} as True / False (azure-ai-ml to_rest_dataset_literal_inputs:
// LiteralJobInput(value=str(input_value))); a quoted one keeps its text.
TEST_F(YamlV2Samples, PlainBooleansAreRenderedAsPythonDoes) {
  dir_.write("comp.yml",
             "type: command\ncommand: echo ${{inputs.a}} ${{inputs.b}}\n"
             "inputs:\n  a: {type: boolean, default: false}\n"
             "  b: {type: string, default: 'true'}\n");
  PipelineSpec p = load(
      "type: pipeline\n"
      "inputs:\n  flag: TRUE\n  quoted: 'false'\n  spec: {type: boolean, default: true}\n"
      "jobs:\n"
      "  j:\n    command: echo ${{inputs.x}}\n    inputs:\n"
      "      x: true\n      y: \"true\"\n      z: {type: boolean, value: false}\n"
      "      w: ${{parent.inputs.flag}}\n      q: ${{parent.inputs.quoted}}\n"
      "      s: ${{parent.inputs.spec}}\n      t: !!str true\n"
      "  c: {component: ./comp.yml}\n");
  auto value = [&](const std::string& step, const std::string& in) {
    const StepInput* i = p.find_step(step)->find_input(in);
    return i && i->source ? i->source->value : std::string("<unset>");
  };
  EXPECT_EQ(value("j", "x"), "True");
  EXPECT_EQ(value("j", "y"), "true");
  EXPECT_EQ(value("j", "z"), "False");
  EXPECT_EQ(value("j", "w"), "True");
  EXPECT_EQ(value("j", "q"), "false");
  EXPECT_EQ(value("j", "s"), "True");
  EXPECT_EQ(value("j", "t"), "true");
  EXPECT_EQ(value("c", "a"), "False");  // a component default
  EXPECT_EQ(value("c", "b"), "true");
  EXPECT_EQ(p.find_step("j")->find_input("x")->type, DataType::kBoolean);
}

}  // namespace
}  // namespace runnel
