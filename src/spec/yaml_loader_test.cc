// Good-path tests of the YAML loader: Azure ML v2 pipeline files as users write them.
#include "spec/yaml_loader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "runnel/error.h"
#include "spec/parameters.h"
#include "spec/spec_test_util.h"

namespace runnel {
namespace {

class Loader : public ::testing::Test {
 protected:
  testing_spec::TempDir dir_;
};

const StepInput& input(const StepSpec& s, const std::string& n) {
  const StepInput* in = s.find_input(n);
  EXPECT_NE(in, nullptr) << n;
  static StepInput none;
  return in ? *in : none;
}

TEST_F(Loader, AzureStylePipelineWithComponents) {
  dir_.mkdir("components/prep_src");
  dir_.mkdir("components/train_src");
  dir_.mkdir("data/raw");
  dir_.write("data/labels.csv", "a,b\n");
  dir_.write("components/prep.yml", R"(
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: prep_data
version: 1
display_name: Prepare data
type: command
inputs:
  raw_data: {type: uri_folder}
  labels: {type: uri_file, optional: true}
outputs:
  prepped: {type: uri_folder}
code: ./prep_src
environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
command: >-
  python prep.py --raw ${{inputs.raw_data}} $[[--labels ${{inputs.labels}}]]
  --out ${{outputs.prepped}}
)");
  dir_.write("components/train.yml", R"(
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: train_model
type: command
is_deterministic: false
inputs:
  training_data: {type: uri_folder}
  max_epochs: {type: integer, default: 10, min: 1}
  learning_rate: {type: number, default: 0.01}
  seed: {type: integer, optional: true}
  algo: {type: string, default: rf, enum: [rf, svm]}
outputs:
  model_output: {type: uri_folder}
code: train_src
environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
command: >-
  python train.py --data ${{inputs.training_data}} --epochs ${{inputs.max_epochs}}
  --lr ${{inputs.learning_rate}} $[[--seed ${{inputs.seed}}]] --out ${{outputs.model_output}}
resources: {cpus: 2, memory: 4G}
)");
  dir_.write("pipeline.yml", R"(
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: Train pipeline
description: prep then train
experiment_name: compare_models
tags: {team: ml}
settings:
  default_compute: azureml:cpu-cluster
  default_datastore: azureml:workspaceblobstore
  continue_on_step_failure: true
  force_rerun: false
inputs:
  raw: {type: uri_folder, path: ./data/raw, mode: download}
  epochs: 20
  lr: 0.05
outputs:
  final_model: {type: uri_folder, mode: upload}
jobs:
  prep_job:
    type: command
    component: ./components/prep.yml
    inputs:
      raw_data: ${{parent.inputs.raw}}
  train_job:
    component: file:./components/train.yml
    compute: azureml:gpu-cluster
    inputs:
      training_data: ${{parent.jobs.prep_job.outputs.prepped}}
      max_epochs: ${{parent.inputs.epochs}}
      learning_rate: ${{parent.inputs.lr}}
    outputs:
      model_output: ${{parent.outputs.final_model}}
)");
  PipelineSpec p = load_pipeline_yaml(dir_.path("pipeline.yml"));
  EXPECT_EQ(p.display_name, "Train pipeline");
  EXPECT_EQ(p.description, "prep then train");
  EXPECT_EQ(p.experiment_name, "compare_models");
  EXPECT_EQ(p.default_compute, "cpu-cluster");
  EXPECT_EQ(p.default_datastore, "workspaceblobstore");
  EXPECT_TRUE(p.continue_on_step_failure);
  EXPECT_EQ(p.tags.at("team"), "ml");
  EXPECT_EQ(p.source_file, dir_.path("pipeline.yml"));
  EXPECT_EQ(p.base_dir, dir_.path());
  ASSERT_EQ(p.steps.size(), 2u);

  const StepSpec& prep = p.steps[0];
  EXPECT_EQ(prep.name, "prep_job");
  EXPECT_EQ(prep.environment, "AzureML-sklearn-1.0-ubuntu20.04-py38-cpu");
  EXPECT_EQ(prep.code_dir, dir_.path("components/prep_src"));
  EXPECT_EQ(prep.compute, "");
  EXPECT_TRUE(prep.allow_reuse);
  const StepInput& raw = input(prep, "raw_data");
  ASSERT_TRUE(raw.source);
  EXPECT_EQ(raw.source->kind, InputSource::Kind::kLocalPath);
  EXPECT_EQ(raw.source->path, dir_.path("data/raw"));
  EXPECT_EQ(raw.mode, InputMode::kDownload);  // from the pipeline input
  const StepInput& labels = input(prep, "labels");
  EXPECT_TRUE(labels.optional);
  EXPECT_FALSE(labels.source);
  EXPECT_EQ(labels.type, DataType::kUriFile);
  EXPECT_EQ(prep.loc_of("command").file.find("prep.yml") != std::string::npos, true);
  EXPECT_EQ(prep.loc_of("command").line, 14);

  const StepSpec& train = p.steps[1];
  EXPECT_EQ(train.environment, "sklearn-1.5");
  EXPECT_EQ(train.compute, "gpu-cluster");
  EXPECT_FALSE(train.allow_reuse);  // is_deterministic: false
  EXPECT_EQ(train.resources.cpus, 2);
  EXPECT_EQ(train.resources.memory_mb, 4096);
  const StepInput& data = input(train, "training_data");
  ASSERT_TRUE(data.source);
  EXPECT_EQ(data.source->kind, InputSource::Kind::kStepOutput);
  EXPECT_EQ(data.source->step, "prep_job");
  EXPECT_EQ(data.source->output, "prepped");
  EXPECT_EQ(data.mode, InputMode::kRoMount);
  EXPECT_EQ(input(train, "max_epochs").source->value, "20");
  EXPECT_EQ(input(train, "max_epochs").type, DataType::kInteger);
  EXPECT_EQ(input(train, "learning_rate").source->value, "0.05");
  EXPECT_EQ(input(train, "algo").source->value, "rf");  // component default
  EXPECT_FALSE(input(train, "seed").source);
  const StepOutput* model = train.find_output("model_output");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->pipeline_output, "final_model");
  EXPECT_EQ(model->mode, OutputMode::kUpload);  // from the pipeline output
  ASSERT_EQ(p.outputs.size(), 1u);
  EXPECT_EQ(p.outputs[0].step, "train_job");
  EXPECT_EQ(p.outputs[0].output, "model_output");
  EXPECT_EQ(train.loc_of("inputs.max_epochs").line, 30);
  EXPECT_EQ(train.loc_of("compute").line, 27);
}

// A standalone job file, as `az ml job create -f job.yml` takes it (azureml-examples'
// cli/jobs/single-step/*): one command job at the top, `type:` optional, its experiment
// and display names the run's. It was refused ("type is 'command', not 'pipeline'").
TEST_F(Loader, StandaloneCommandJobIsAPipelineOfThatJob) {
  dir_.mkdir("src");
  dir_.write("iris.csv", "a\n1\n");
  dir_.write("hello job.yml", R"(
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
code: src
command: python main.py --iris ${{inputs.iris}} --c ${{inputs.c}} --out ${{outputs.m}}
inputs:
  iris: {type: uri_file, path: ./iris.csv}
  c: 0.5
outputs:
  m: {type: uri_folder}
environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
compute: azureml:cpu-cluster
experiment_name: iris-exp
display_name: iris-train
description: trains
tags: {owner: me}
)");
  PipelineSpec p = load_pipeline_yaml(dir_.path("hello job.yml"));
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].name, "hello_job");
  EXPECT_EQ(p.experiment_name, "iris-exp");
  EXPECT_EQ(p.display_name, "iris-train");
  EXPECT_EQ(p.tags.at("owner"), "me");
  EXPECT_EQ(p.steps[0].compute, "cpu-cluster");
  EXPECT_EQ(input(p.steps[0], "c").source->value, "0.5");
  EXPECT_EQ(p.steps[0].outputs.at(0).name, "m");
  // Its inputs are the pipeline's parameters (az ml job create --set inputs.c=0.7).
  ASSERT_EQ(p.parameters.size(), 2u);
  EXPECT_EQ(p.parameters[0].name, "iris");
  EXPECT_EQ(p.parameters[1].name, "c");
  EXPECT_EQ(p.parameters[1].default_value.value, "0.5");
  EXPECT_EQ(input(p.steps[0], "c").source->parameter, "c");
  apply_parameters(&p, {{"c", ParameterValue{"0.7", std::nullopt}}}, "--set");
  EXPECT_EQ(input(p.steps[0], "c").source->value, "0.7");
  // The preview schema's code: {local_path: ...} (azureml-examples' hello-iris-literal.yml).
  dir_.write("literal.yml", "command: ls\ncode:\n  local_path: src\n");
  EXPECT_EQ(load_pipeline_yaml(dir_.path("literal.yml")).steps.at(0).code_dir, dir_.path("src"));
  // A job key that is wrong is still an error at its line, under the job's path.
  dir_.write("bad.yml", "type: command\ncommand: echo\nenviroment: x\n");
  std::string msg =
      testing_spec::invalid_argument_of([&] { load_pipeline_yaml(dir_.path("bad.yml")); });
  EXPECT_NE(msg.find("bad.yml:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'environment'"), std::string::npos) << msg;
}

TEST_F(Loader, DesignExampleInline) {
  dir_.mkdir("data/train-images");
  dir_.mkdir("dataprep_src");
  dir_.mkdir("train_src");
  std::string yaml = R"(type: pipeline
experiment_name: Compare_Models_Exp
settings: {default_compute: local, force_rerun: false, continue_on_step_failure: false}
inputs:
  raw: {type: uri_folder, path: ./data/train-images, mode: download}
jobs:
  prep:
    type: command
    code: ./dataprep_src
    command: python prepare.py --input ${{inputs.raw}} --output ${{outputs.output_data1}}
    environment: sklearn
    inputs:  {raw: '${{parent.inputs.raw}}'}
    outputs: {output_data1: {type: uri_folder}}
  train:
    type: command
    code: ./train_src
    command: python train.py --prepped_data ${{inputs.prepped}} --training_results ${{outputs.training_results}}
    inputs:  {prepped: '${{parent.jobs.prep.outputs.output_data1}}'}
    outputs: {training_results: {type: uri_folder}}
)";
  PipelineSpec p = load_pipeline_yaml_string(yaml, dir_.path("p.yml"));
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.default_compute, "local");
  EXPECT_EQ(p.steps[0].environment, "sklearn");
  EXPECT_EQ(p.steps[0].code_dir, dir_.path("dataprep_src"));
  EXPECT_EQ(input(p.steps[0], "raw").type, DataType::kUriFolder);
  EXPECT_EQ(input(p.steps[0], "raw").mode, InputMode::kDownload);
  EXPECT_EQ(input(p.steps[1], "prepped").source->step, "prep");
  EXPECT_EQ(p.steps[1].outputs[0].mode, OutputMode::kRwMount);
  EXPECT_EQ(p.steps[0].key_locs.at("code").line, 9);
  EXPECT_EQ(p.steps[0].key_locs.at("environment").line, 11);
  EXPECT_EQ(p.steps[0].key_locs.at("inputs.raw").line, 12);
  EXPECT_EQ(p.steps[0].key_locs.at("outputs.output_data1").line, 13);
}

TEST_F(Loader, RunnelExtensionsAndAzureResources) {
  std::string yaml = R"(type: pipeline
jobs:
  a:
    command: echo a
    environment: {image: python:3.11, conda_file: ./conda.yml}
    resources: {instance_count: 2, instance_type: Standard_D2, shm_size: 2g, cpus: 4,
                memory: 512M, gpus: 1, time_limit: "00:30:00"}
    limits: {timeout: 600}
    distribution: {type: pytorch}
    identity: {type: user_identity}
    environment_variables: {OMP_NUM_THREADS: 4, MODE: fast}
    max_retries: 2
    allow_reuse: false
  b:
    command: echo b
    environment: azureml:pytorch:3
    compute: cluster1
    resources: {time_limit: 1h30m}
    run_after: [a]
)";
  PipelineSpec p = load_pipeline_yaml_string(yaml, dir_.path("p.yml"));
  const StepSpec& a = p.steps[0];
  EXPECT_EQ(a.environment, "");
  EXPECT_EQ(a.resources.nodes, 2);
  EXPECT_EQ(a.resources.cpus, 4);
  EXPECT_EQ(a.resources.memory_mb, 512);
  EXPECT_EQ(a.resources.gpus, 1);
  EXPECT_EQ(a.resources.time_limit_s, 1800);
  EXPECT_EQ(a.timeout_s, 600);
  EXPECT_EQ(a.env_vars.at("OMP_NUM_THREADS"), "4");
  EXPECT_EQ(a.max_retries, 2);
  EXPECT_FALSE(a.allow_reuse);
  EXPECT_EQ(a.distribution.type, "pytorch");
  EXPECT_EQ(a.distribution.process_count_per_instance, 1);  // Azure ML's default
  const StepSpec& b = p.steps[1];
  EXPECT_TRUE(b.distribution.type.empty());
  EXPECT_EQ(b.environment, "pytorch:3");
  EXPECT_EQ(b.compute, "cluster1");
  EXPECT_EQ(b.resources.time_limit_s, 5400);
  EXPECT_EQ(b.run_after, std::vector<std::string>{"a"});
}

TEST_F(Loader, SizesAndDurationsUseTheUnitsGrammar) {
  std::string yaml = R"(type: pipeline
jobs:
  a:
    command: echo a
    resources: {memory: 4Gi, time_limit: "30:00"}
    limits: {timeout: 1-00:00:00}
  b:
    command: echo b
    resources: {memory: 4096MB, time_limit: 30m}
    limits: {timeout: 90}
)";
  PipelineSpec p = load_pipeline_yaml_string(yaml, dir_.path("p.yml"));
  EXPECT_EQ(p.steps[0].resources.memory_mb, 4096);
  EXPECT_EQ(p.steps[0].resources.time_limit_s, 1800);
  EXPECT_EQ(p.steps[0].timeout_s, 86400);
  EXPECT_EQ(p.steps[1].resources.memory_mb, 4096);
  EXPECT_EQ(p.steps[1].resources.time_limit_s, 1800);
  EXPECT_EQ(p.steps[1].timeout_s, 90);
}

TEST_F(Loader, DataReferencesAndLiterals) {
  dir_.write("d/file.csv", "x\n");
  std::string yaml = R"(type: pipeline
inputs:
  flag: true
  name: "007"
  count: 3
jobs:
  a:
    command: >-
      run ${{inputs.ds}} ${{inputs.reg}} ${{inputs.old}} ${{inputs.asset}} ${{inputs.f}}
      ${{inputs.flag}} ${{inputs.name}} ${{inputs.count}} ${{inputs.rate}} ${{outputs.o}}
    inputs:
      ds: {type: uri_folder, path: azureml://datastores/blob1/paths/raw/2024/}
      reg: {type: mltable, path: azureml:iris:3}
      old: {type: uri_folder, path: dataset:iris}
      asset: {type: uri_folder, path: azureml:iris@latest}
      f: {type: uri_file, path: file:d/file.csv, mode: direct}
      flag: ${{parent.inputs.flag}}
      name: ${{parent.inputs.name}}
      count: ${{parent.inputs.count}}
      rate: 0.5
    outputs:
      o: {type: uri_folder, mode: upload, path: azureml://datastores/out/paths/models/x}
)";
  PipelineSpec p = load_pipeline_yaml_string(yaml, dir_.path("p.yml"));
  const StepSpec& a = p.steps[0];
  EXPECT_EQ(input(a, "ds").source->kind, InputSource::Kind::kDatastorePath);
  EXPECT_EQ(input(a, "ds").source->datastore, "blob1");
  EXPECT_EQ(input(a, "ds").source->path, "raw/2024/");
  EXPECT_EQ(input(a, "reg").source->kind, InputSource::Kind::kDataset);
  EXPECT_EQ(input(a, "reg").source->dataset, "iris");
  EXPECT_EQ(input(a, "reg").source->version, "3");
  EXPECT_EQ(input(a, "reg").type, DataType::kMltable);
  EXPECT_EQ(input(a, "old").source->dataset, "iris");
  EXPECT_EQ(input(a, "old").source->version, "");
  EXPECT_EQ(input(a, "asset").source->version, "");
  EXPECT_EQ(input(a, "f").source->path, dir_.path("d/file.csv"));
  EXPECT_EQ(input(a, "f").mode, InputMode::kDirect);
  EXPECT_EQ(input(a, "flag").type, DataType::kBoolean);
  EXPECT_EQ(input(a, "name").type, DataType::kString);
  EXPECT_EQ(input(a, "name").source->value, "007");
  EXPECT_EQ(input(a, "count").type, DataType::kInteger);
  EXPECT_EQ(input(a, "rate").type, DataType::kNumber);
  const StepOutput& o = a.outputs[0];
  EXPECT_EQ(o.mode, OutputMode::kUpload);
  EXPECT_EQ(o.datastore, "out");
  EXPECT_EQ(o.path, "models/x");
}

TEST_F(Loader, InlineComponentMergeKeysAndStringPathForDataInput) {
  dir_.mkdir("data");
  std::string yaml = R"(type: pipeline
compute: azureml:cpu
defaults: &common
  a: 1
jobs:
  base: &job
    command: echo ${{inputs.d}}
    inputs: {d: {type: uri_folder, path: ./data}}
  copy:
    <<: *job
    display_name: Copy
  comp:
    component:
      type: command
      inputs: {data: {type: uri_folder}}
      command: ls ${{inputs.data}}
    inputs: {data: ./data}
)";
  // "defaults" is not a pipeline key: the anchor must live elsewhere.
  EXPECT_THROW(load_pipeline_yaml_string(yaml, dir_.path("p.yml")), Error);
  std::string fixed = yaml.substr(0, yaml.find("defaults")) + yaml.substr(yaml.find("jobs:"));
  PipelineSpec p = load_pipeline_yaml_string(fixed, dir_.path("p.yml"));
  EXPECT_EQ(p.default_compute, "cpu");
  ASSERT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(p.steps[1].command, "echo ${{inputs.d}}");
  EXPECT_EQ(p.steps[1].display_name, "Copy");
  EXPECT_EQ(input(p.steps[2], "data").source->kind, InputSource::Kind::kLocalPath);
  EXPECT_EQ(input(p.steps[2], "data").source->path, dir_.path("data"));
}

TEST_F(Loader, RelativePathFromCurrentDirectory) {
  dir_.write("sub/p.yml", "type: pipeline\njobs:\n  a: {command: echo, code: .}\n");
  auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  PipelineSpec p = load_pipeline_yaml("sub/p.yml");
  std::filesystem::current_path(old);
  EXPECT_EQ(p.steps[0].code_dir, dir_.path("sub"));
  EXPECT_EQ(p.steps[0].loc.file, "sub/p.yml");
  EXPECT_EQ(p.steps[0].loc.line, 3);
}

TEST_F(Loader, ModelTypesAndTopLevelComputeAndLiteralSpecs) {
  std::string yaml = R"(type: pipeline
compute: azureml:cpu-cluster
inputs:
  epochs: {type: integer, default: 5}
jobs:
  a:
    type: command
    command: train ${{inputs.e}} ${{inputs.k}} ${{outputs.model}}
    inputs:
      e: ${{parent.inputs.epochs}}
      k: {type: string, value: "x y"}
    outputs:
      model: {type: mlflow_model}
    services: {jupyter: {type: jupyter_lab}}
)";
  PipelineSpec p = load_pipeline_yaml_string(yaml, dir_.path("p.yml"));
  EXPECT_EQ(p.default_compute, "cpu-cluster");
  EXPECT_EQ(p.steps[0].outputs[0].type, DataType::kUriFolder);
  EXPECT_EQ(input(p.steps[0], "e").type, DataType::kInteger);
  EXPECT_EQ(input(p.steps[0], "e").source->value, "5");
  EXPECT_EQ(input(p.steps[0], "k").source->value, "x y");
}

// Bindings are resolved through the loader's name index: to jobs declared before and after
// the consumer, with the producer's output type, in a long chain.
TEST_F(Loader, ChainBindingsFindEarlierAndLaterJobs) {
  const int n = 40;
  std::string yaml = "type: pipeline\njobs:\n";
  // c0 <- c1 <- ... (each reads the next one, declared after it), then a0 -> a1 -> ...
  for (int i = 0; i < n; ++i) {
    std::string me = "c" + std::to_string(i), next = "c" + std::to_string(i + 1);
    yaml += "  " + me + ":\n    command: cat ${{inputs.x}} > ${{outputs.o}}\n";
    yaml += "    outputs: {o: {type: uri_file}}\n";
    yaml += i + 1 < n ? "    inputs: {x: '${{parent.jobs." + next + ".outputs.o}}'}\n"
                      : "    inputs: {x: some text}\n";
  }
  for (int i = 0; i < n; ++i) {
    std::string me = "a" + std::to_string(i), prev = i ? "a" + std::to_string(i - 1) : "c0";
    yaml += "  " + me + ":\n    command: cat ${{inputs.x}} > ${{outputs.o}}\n";
    yaml += "    outputs: {o: {type: uri_folder}}\n";
    yaml += "    inputs: {x: '${{parent.jobs." + prev + ".outputs.o}}'}\n";
  }
  PipelineSpec p = load_pipeline_yaml_string(yaml, dir_.path("p.yml"));
  ASSERT_EQ(p.steps.size(), static_cast<size_t>(2 * n));
  for (int i = 0; i < 2 * n; ++i) {
    const StepSpec& s = p.steps[i];
    ASSERT_EQ(p.find_step(s.name), &s);
    const StepInput& x = input(s, "x");
    ASSERT_TRUE(x.source.has_value()) << s.name;
    if (i == n - 1) {
      EXPECT_EQ(x.source->kind, InputSource::Kind::kLiteral);
      continue;
    }
    std::string up = i < n - 1 ? "c" + std::to_string(i + 1)
                     : i == n  ? "c0"
                               : "a" + std::to_string(i - n - 1);
    EXPECT_EQ(x.source->kind, InputSource::Kind::kStepOutput) << s.name;
    EXPECT_EQ(x.source->step, up) << s.name;
    EXPECT_EQ(x.type, i <= n ? DataType::kUriFile : DataType::kUriFolder) << s.name;
  }
}

TEST_F(Loader, MissingFileIsClear) {
  try {
    load_pipeline_yaml(dir_.path("nope.yml"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace runnel
