// Tests of the v2 loader's workspace-backed references (spec/registered_refs.h AssetLookups):
// `type: custom_model` inputs naming registered models, Azure Blob URLs mapped to registered
// datastores, inline environments registered as anonymous ones, and `type: parallel` jobs
// from parallel component files. Good paths and bad input (file:line, key, what to do).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "runnel/error.h"
#include "spec/registered_refs.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class LoaderAssets : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.mkdir("src");
    dir_.write("src/score.py", "def init(): pass\ndef run(b): return b\n");
    dir_.mkdir("models/m/2/model_dir");
    dir_.mkdir("data");
  }
  PipelineSpec load(const std::string& yaml) {
    return load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml"));
  }
  std::string error_of(const std::string& yaml) {
    return testing_spec::invalid_argument_of([&] { load(yaml); });
  }
  // A lookup scope whose model / blob / environment lookups answer from the maps below.
  std::unique_ptr<internal::ScopedComponentLookup> scope() {
    internal::AssetLookups a;
    a.model = [this](const std::string& name, const std::string& version) {
      asked_models.push_back(name + ":" + version);
      if (name != "m") throw not_found("no model '" + name + "' is registered");
      if (!version.empty() && version != "2")
        throw not_found("model 'm' has no version " + version + " (versions: 1, 2)");
      return dir_.path("models/m/2/model_dir");
    };
    a.blob_datastore = [this](const std::string& account, const std::string& container) {
      auto it = blob_stores.find(account + "/" + container);
      return it == blob_stores.end() ? std::string() : it->second;
    };
    a.inline_environment = [this](const std::string& image, const std::string& conda,
                                  const std::string& where) {
      environments.push_back({image, conda, where});
      return "anonymous-" + std::to_string(environments.size());
    };
    return std::make_unique<internal::ScopedComponentLookup>(
        [](const std::string&, const std::string&) -> std::string {
          throw not_found("no components");
        },
        internal::UrlFetch{}, std::move(a));
  }
  void expect_at(const std::string& msg, int line, const std::string& key,
                 const std::string& hint) {
    EXPECT_NE(msg.find("pipeline.yml:" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    EXPECT_NE(msg.find(hint), std::string::npos) << msg;
  }

  testing_spec::TempDir dir_;
  std::vector<std::string> asked_models;
  std::map<std::string, std::string> blob_stores;
  struct Env {
    std::string image, conda, where;
  };
  std::vector<Env> environments;
};

TEST_F(LoaderAssets, CustomModelInputsNameRegisteredModels) {
  auto s = scope();
  PipelineSpec p = load(R"(type: pipeline
inputs:
  latest: {type: custom_model, path: azureml:m@latest}
jobs:
  a:
    command: ls ${{inputs.model}} ${{inputs.pinned}} ${{inputs.flow}}
    inputs:
      model: ${{parent.inputs.latest}}
      pinned: {type: custom_model, path: 'azureml:m:2'}
      flow: {type: mlflow_model, path: 'azureml://locations/w/workspaces/x/models/m/versions/2'}
)");
  for (const char* n : {"model", "pinned", "flow"}) {
    const StepInput* in = p.steps[0].find_input(n);
    ASSERT_NE(in, nullptr) << n;
    EXPECT_EQ(in->source->kind, InputSource::Kind::kLocalPath) << n;
    EXPECT_EQ(in->source->path, dir_.path("models/m/2/model_dir")) << n;
    EXPECT_EQ(in->type, DataType::kUriFolder) << n;
  }
  EXPECT_EQ(asked_models, (std::vector<std::string>{"m:", "m:2", "m:2"}));
  // A uri_folder input with the same reference is still a registered dataset.
  PipelineSpec q = load(
      "type: pipeline\njobs:\n  a:\n    command: ls ${{inputs.d}}\n"
      "    inputs:\n      d: {type: uri_folder, path: 'azureml:m:2'}\n");
  EXPECT_EQ(q.steps[0].inputs[0].source->kind, InputSource::Kind::kDataset);
}

TEST_F(LoaderAssets, UnknownModelOrVersionSaysWhereAndHowToRegister) {
  auto s = scope();
  std::string msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: ls ${{inputs.m}}\n    inputs:\n"
      "      m: {type: custom_model, path: 'azureml:m:7'}\n");
  expect_at(msg, 6, "jobs.a.inputs.m.path", "model 'm' has no version 7 (versions: 1, 2)");
  EXPECT_NE(msg.find("Model.register"), std::string::npos) << msg;
  msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: ls ${{inputs.m}}\n    inputs:\n"
      "      m: {type: custom_model, path: 'azureml:@latest'}\n");
  expect_at(msg, 6, "jobs.a.inputs.m.path", "has no name");
}

TEST_F(LoaderAssets, ModelReferenceWithoutAWorkspaceIsRefused) {
  std::string msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: ls ${{inputs.m}}\n    inputs:\n"
      "      m: {type: custom_model, path: 'azureml:m@latest'}\n");
  expect_at(msg, 6, "jobs.a.inputs.m.path", "needs a workspace");
}

TEST_F(LoaderAssets, BlobUrlsMapToTheRegisteredDatastore) {
  blob_stores["acct/raw"] = "rawblobs";
  auto s = scope();
  PipelineSpec p = load(R"(type: pipeline
jobs:
  a:
    command: ls ${{inputs.w}} ${{inputs.h}} ${{inputs.f}}
    inputs:
      w: {type: uri_folder, path: 'wasbs://raw@acct.blob.core.windows.net/data/2024/'}
      h: {type: uri_folder, path: 'https://acct.blob.core.windows.net/raw/data'}
      f: {type: uri_file, path: 'wasb://raw@acct.blob.core.chinacloudapi.cn/data/a.csv'}
)");
  const StepSpec& a = p.steps[0];
  for (auto [n, path] : std::vector<std::pair<const char*, const char*>>{
           {"w", "data/2024"}, {"h", "data"}, {"f", "data/a.csv"}}) {
    const StepInput* in = a.find_input(n);
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->source->kind, InputSource::Kind::kDatastorePath) << n;
    EXPECT_EQ(in->source->datastore, "rawblobs") << n;
    EXPECT_EQ(in->source->path, path) << n;
  }
}

TEST_F(LoaderAssets, BlobUrlWithoutADatastoreSaysHowToRegisterOne) {
  blob_stores["acct/raw"] = "rawblobs";
  auto s = scope();
  for (const char* url : {"wasbs://other@acct.blob.core.windows.net/x",
                          "https://acct.blob.core.windows.net/other/x"}) {
    std::string msg = error_of(
        std::string("type: pipeline\njobs:\n  a:\n    command: ls ${{inputs.d}}\n    inputs:\n"
                    "      d: {type: uri_folder, path: '") +
        url + "'}\n");
    expect_at(msg, 6, "jobs.a.inputs.d.path",
              "no registered datastore is Azure Blob container 'other' of account 'acct'");
    EXPECT_NE(msg.find("runnel datastore register NAME --type azure_blob --account-name acct "
                       "--container other"),
              std::string::npos)
        << msg;
  }
}

TEST_F(LoaderAssets, InlineEnvironmentIsRegisteredWithItsImageAndCondaFile) {
  dir_.write("env/conda.yml", "name: e\ndependencies:\n  - python=3.11\n  - pip\n");
  dir_.write("comp.yml", R"(type: command
name: c
command: echo hi
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04
  conda_file: ./env/conda.yml
)");
  auto s = scope();
  PipelineSpec p = load(R"(type: pipeline
jobs:
  a:
    command: echo a
    environment:
      image: python:3.11-slim
  b:
    component: ./comp.yml
)");
  ASSERT_EQ(environments.size(), 2u);
  EXPECT_EQ(environments[0].image, "python:3.11-slim");
  EXPECT_EQ(environments[0].conda, "");
  EXPECT_NE(environments[0].where.find("pipeline.yml:6"), std::string::npos)
      << environments[0].where;
  EXPECT_EQ(environments[1].image, "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04");
  EXPECT_EQ(environments[1].conda, "name: e\ndependencies:\n  - python=3.11\n  - pip\n");
  EXPECT_EQ(p.find_step("a")->environment, "anonymous-1");
  EXPECT_EQ(p.find_step("b")->environment, "anonymous-2");
}

TEST_F(LoaderAssets, InlineEnvironmentBadCondaFile) {
  auto s = scope();
  std::string msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: echo\n    environment:\n"
      "      image: x\n      conda_file: ./missing.yml\n");
  expect_at(msg, 7, "jobs.a.environment.conda_file", "conda file './missing.yml' not found");
  msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: echo\n    environment:\n"
      "      image: x\n      conda_file: {dependencies: [pip]}\n");
  expect_at(msg, 7, "jobs.a.environment.conda_file", "write the conda specification to a file");
}

const char* kParallelComponent =
    R"($schema: https://azuremlschemas.azureedge.net/latest/parallelComponent.schema.json
type: parallel
name: batch_score
version: 1
inputs:
  job_data: {type: uri_folder}
  threshold: {type: number, default: 0.5}
outputs:
  scored: {type: uri_folder}
input_data: ${{inputs.job_data}}
mini_batch_size: "2"
resources: {instance_count: 2}
max_concurrency_per_instance: 2
retry_settings: {max_retries: 2, timeout: 30}
task:
  type: run_function
  code: ./src
  entry_script: score.py
  program_arguments: --threshold ${{inputs.threshold}}
  append_row_to: ${{outputs.scored}}
)";

TEST_F(LoaderAssets, ParallelJobFromAComponentFile) {
  dir_.write("batch.yml", kParallelComponent);
  PipelineSpec p = load(R"(type: pipeline
jobs:
  score:
    type: parallel
    component: ./batch.yml
    inputs:
      job_data: {type: uri_folder, path: ./data}
    mini_batch_size: "3"
  untyped:
    component: ./batch.yml
    inputs:
      job_data: {type: uri_folder, path: ./data}
      threshold: 0.9
)");
  const StepSpec& s = *p.find_step("score");
  EXPECT_EQ(s.kind, "parallel");
  EXPECT_EQ(s.code_dir, dir_.path("src"));
  EXPECT_NE(s.command.find("--entry-script score.py"), std::string::npos) << s.command;
  EXPECT_NE(s.command.find("--mini-batch-size 3"), std::string::npos) << s.command;  // the job's
  EXPECT_NE(s.command.find("--process-count-per-node 2 --node-count 2"), std::string::npos)
      << s.command;
  EXPECT_NE(s.command.find("--run-max-try 2 --run-invocation-timeout 30"), std::string::npos)
      << s.command;
  EXPECT_NE(s.command.find("--append-row-to ${{outputs.scored}}"), std::string::npos);
  EXPECT_NE(s.command.find("-- --threshold ${{inputs.threshold}}"), std::string::npos);
  EXPECT_EQ(s.parallel_workers, 4);
  ASSERT_NE(s.find_input("threshold"), nullptr);
  EXPECT_EQ(s.find_input("threshold")->source->value, "0.5");  // the component's default
  ASSERT_NE(s.find_output("scored"), nullptr);
  const StepSpec& u = *p.find_step("untyped");
  EXPECT_EQ(u.kind, "parallel");
  EXPECT_NE(u.command.find("--mini-batch-size 2"), std::string::npos) << u.command;
  EXPECT_EQ(u.find_input("threshold")->source->value, "0.9");
}

TEST_F(LoaderAssets, ParallelComponentBadInput) {
  dir_.write("batch.yml", kParallelComponent);
  dir_.write("cmd.yml", "type: command\ncommand: echo\n");
  // The task belongs to the component.
  std::string msg = error_of(
      "type: pipeline\njobs:\n  s:\n    type: parallel\n    component: ./batch.yml\n"
      "    task: {type: run_function, entry_script: x.py}\n"
      "    inputs: {job_data: {type: uri_folder, path: ./data}}\n");
  expect_at(msg, 6, "jobs.s.task", "is set by the component");
  // A command component is not a parallel one.
  msg = error_of("type: pipeline\njobs:\n  s:\n    type: parallel\n    component: ./cmd.yml\n");
  expect_at(msg, 5, "jobs.s.component", "needs a parallel component");
  // An input the component does not declare.
  msg = error_of(
      "type: pipeline\njobs:\n  s:\n    type: parallel\n    component: ./batch.yml\n"
      "    inputs: {job_data: {type: uri_folder, path: ./data}, thresold: 1}\n");
  expect_at(msg, 6, "jobs.s.inputs", "threshold");
  // A required input left unbound.
  msg = error_of("type: pipeline\njobs:\n  s:\n    type: parallel\n    component: ./batch.yml\n");
  expect_at(msg, 3, "jobs.s.inputs", "required input 'job_data'");
  // A parallel component used by a command job.
  msg = error_of("type: pipeline\njobs:\n  s:\n    type: command\n    component: ./batch.yml\n");
  EXPECT_NE(msg.find("write type: parallel on the job"), std::string::npos) << msg;
}

}  // namespace
}  // namespace runnel
