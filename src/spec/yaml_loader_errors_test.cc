// Bad-input tests of the YAML loader: every message names file:line, the key and a hint.
#include <gtest/gtest.h>

#include "runnel/error.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class LoaderErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.mkdir("src");
    dir_.mkdir("data");
    dir_.write("src/train.py", "print('hi')\n");
  }

  // Loads `yaml` and returns the error message ("" when it loaded).
  std::string error_of(const std::string& yaml) {
    return testing_spec::invalid_argument_of(
        [&] { load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml")); });
  }

  // Expects an error whose message holds "pipeline.yml:<line>:", `key` and `hint`.
  void expect_error(const std::string& yaml, int line, const std::string& key,
                    const std::string& hint, const std::string& file = "pipeline.yml") {
    std::string msg = error_of(yaml);
    ASSERT_FALSE(msg.empty()) << "expected an error for:\n" << yaml;
    EXPECT_NE(msg.find(file + ":" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    EXPECT_NE(msg.find(hint), std::string::npos) << msg;
    EXPECT_NE(msg.find("; "), std::string::npos) << "no hint in: " << msg;
    EXPECT_EQ(msg.rfind("error:", 0), std::string::npos) << msg;
  }

  testing_spec::TempDir dir_;
};

const char* kHead = "type: pipeline\njobs:\n";  // jobs start at line 3

TEST_F(LoaderErrors, MalformedYaml) {
  expect_error("type: pipeline\njobs: [a,\n  b: 2\n", 4, "YAML syntax", "indentation");
}

// "\x00" is a valid YAML escape; in a path it cut the name short for the C calls, and the
// digest then walked the pipeline's own folder again and again until the stack overflowed.
TEST_F(LoaderErrors, NulCharacterInAValueIsRefused) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo\n    inputs:\n      d: {type: uri_folder, path: "
                   "\"data/\\x00\\x01\"}\n",
               6, "NUL character", "remove it");
}

TEST_F(LoaderErrors, MissingType) {
  expect_error("jobs:\n  a: {command: echo}\n", 1, "type", "add 'type: pipeline'");
}

TEST_F(LoaderErrors, WrongTopType) {
  expect_error("type: automl\ntask: classification\n", 1, "type",
               "single command, sweep and parallel job files");
}

TEST_F(LoaderErrors, UnknownTopKeySuggests) {
  expect_error("type: pipeline\nexperiment: x\njobs:\n  a: {command: echo}\n", 2, "experiment",
               "did you mean 'experiment_name'?");
}

TEST_F(LoaderErrors, UnknownJobKeySuggests) {
  expect_error(std::string(kHead) + "  a:\n    command: echo\n    enviroment: sk\n", 5,
               "jobs.a.enviroment", "did you mean 'environment'?");
}

TEST_F(LoaderErrors, DuplicateKeyInJob) {
  expect_error(std::string(kHead) + "  a:\n    command: echo 1\n    command: echo 2\n", 5,
               "jobs.a.command", "keep only one");
}

TEST_F(LoaderErrors, DuplicateJobName) {
  expect_error(std::string(kHead) + "  a: {command: echo}\n  a: {command: echo}\n", 4, "jobs.a",
               "duplicate key 'a'");
}

// Past 16 keys the walk looks keys up in an index instead of the list: a duplicate is still
// found, at its own line, with the first one's line; and inside a list the path names the item.
TEST_F(LoaderErrors, DuplicateJobNameAmongManyJobs) {
  std::string y = kHead;
  for (int i = 0; i < 20; ++i) y += "  j" + std::to_string(i) + ": {command: echo}\n";
  y += "  j3: {command: echo}\n";  // line 3 + 20
  expect_error(y, 23, "jobs.j3", "first defined at");
}

TEST_F(LoaderErrors, DuplicateKeyInsideAListNamesTheItem) {
  expect_error(
      std::string(kHead) + "  a:\n    command: echo\n    tags:\n      x: [1, {k: 1, k: 2}]\n", 6,
      "jobs.a.tags.x[1].k", "duplicate key 'k'");
}

TEST_F(LoaderErrors, DuplicateKeyInIgnoredSection) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo\n    distribution:\n"
                   "      type: mpi\n      type: pytorch\n",
               7, "jobs.a.distribution.type", "keep only one of them");
}

TEST_F(LoaderErrors, ListWhereStringExpected) {
  expect_error(std::string(kHead) + "  a:\n    command: [echo, hi]\n", 4, "jobs.a.command",
               "expected a single value");
}

TEST_F(LoaderErrors, UnknownParentInput) {
  expect_error(std::string("type: pipeline\ninputs: {lr: 0.1}\njobs:\n  a:\n    command: echo "
                           "${{inputs.x}}\n    inputs:\n      x: ${{parent.inputs.nope}}\n"),
               7, "jobs.a.inputs.x", "declare it under the top-level inputs");
}

TEST_F(LoaderErrors, UnknownUpstreamJob) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{inputs.x}}\n    inputs:\n"
                   "      x: ${{parent.jobs.nope.outputs.o}}\n",
               6, "jobs.a.inputs.x", "there is no job 'nope'");
}

TEST_F(LoaderErrors, UnknownUpstreamJobListsTheOtherJobsWithoutABlank) {
  expect_error(std::string(kHead) +
                   "  first:\n    command: echo ${{outputs.o}}\n    outputs: {o: {}}\n"
                   "  second:\n    command: echo ${{inputs.x}}\n    inputs:\n"
                   "      x: ${{parent.jobs.frist.outputs.o}}\n"
                   "  third:\n    command: echo hi\n",
               9, "jobs.second.inputs.x",
               "there is no job 'frist' (did you mean 'first'?); jobs are: first, third");
}

TEST_F(LoaderErrors, UnknownExpressionInAnOutputPath) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{outputs.o}}\n    outputs:\n      o:\n"
                   "        path: azureml://datastores/workspaceblobstore/paths/x/${{nmae}}\n",
               7, "jobs.a.outputs.o.path", "has the expression '${{nmae}}'");
}

TEST_F(LoaderErrors, UnknownUpstreamOutput) {
  expect_error(std::string(kHead) +
                   "  b:\n    command: echo ${{outputs.o}}\n    outputs: {o: {}}\n"
                   "  a:\n    command: echo ${{inputs.x}}\n    inputs:\n"
                   "      x: ${{parent.jobs.b.outputs.nope}}\n",
               9, "jobs.a.inputs.x", "its outputs are: o");
}

TEST_F(LoaderErrors, UndeclaredInputInCommand) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: python t.py --lr ${{inputs.learning_rat}}\n"
                   "    inputs: {learning_rate: 0.1}\n",
               4, "jobs.a.command", "did you mean 'learning_rate'?");
}

TEST_F(LoaderErrors, UndeclaredOutputInCommand) {
  expect_error(std::string(kHead) + "  a:\n    command: python t.py ${{outputs.model}}\n", 4,
               "jobs.a.command", "declare it under jobs.a outputs");
}

TEST_F(LoaderErrors, MissingCommand) {
  expect_error(std::string(kHead) + "  a:\n    code: ./src\n", 3, "jobs.a.command", "add command:");
}

TEST_F(LoaderErrors, MissingCodeFolder) {
  expect_error(std::string(kHead) + "  a:\n    command: echo\n    code: ./nosuch\n", 5,
               "jobs.a.code", "create it or fix the path");
}

// (code naming a file is read as its folder, as Azure ML takes it:
// YamlV2Samples.CodeNamingAFileSnapshotsItsFolder)

TEST_F(LoaderErrors, MissingComponentFile) {
  expect_error(std::string(kHead) + "  a:\n    component: ./components/none.yml\n", 4,
               "jobs.a.component", "relative to the pipeline file");
}

TEST_F(LoaderErrors, RegisteredComponent) {
  expect_error(std::string(kHead) + "  a:\n    component: azureml:train_model:1\n", 4,
               "jobs.a.component", "use component: ./file.yml");
}

TEST_F(LoaderErrors, RequiredComponentInputUnbound) {
  dir_.write("train.yml",
             "type: command\ninputs:\n  epochs: {type: integer}\n"
             "command: python t.py --epochs ${{inputs.epochs}}\n");
  expect_error(std::string(kHead) + "  a:\n    component: ./train.yml\n", 3, "jobs.a.inputs",
               "add 'epochs: ...' under jobs.a.inputs");
}

TEST_F(LoaderErrors, WrongLiteralForTypedInput) {
  dir_.write("train.yml",
             "type: command\ninputs:\n  epochs: {type: integer}\n"
             "command: python t.py --epochs ${{inputs.epochs}}\n");
  expect_error(std::string(kHead) +
                   "  a:\n    component: ./train.yml\n    inputs:\n"
                   "      epochs: abc\n",
               6, "jobs.a.inputs.epochs", "give a whole number");
}

TEST_F(LoaderErrors, WrongLiteralFromParentInput) {
  dir_.write("train.yml",
             "type: command\ninputs:\n  rate: {type: number}\n"
             "command: python t.py --r ${{inputs.rate}}\n");
  expect_error(
      "type: pipeline\ninputs:\n  r: fast\njobs:\n  a:\n    component: ./train.yml\n"
      "    inputs:\n      rate: ${{parent.inputs.r}}\n",
      8, "jobs.a.inputs.rate", "give a number");
}

TEST_F(LoaderErrors, UnsupportedJobType) {
  expect_error(std::string(kHead) + "  a:\n    type: spark\n    command: echo\n", 4, "jobs.a.type",
               "runnel runs command, parallel, sweep and pipeline jobs");
}

TEST_F(LoaderErrors, UnknownInputType) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
                   "      d: {type: uri_foldr, path: ./data}\n",
               6, "jobs.a.inputs.d.type", "use one of: uri_folder");
}

TEST_F(LoaderErrors, UnknownInputMode) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
                   "      d: {type: uri_folder, path: ./data, mode: copy}\n",
               6, "jobs.a.inputs.d.mode", "use ro_mount, download or direct");
}

TEST_F(LoaderErrors, UnknownOutputMode) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{outputs.o}}\n    outputs:\n"
                   "      o: {mode: mountt}\n",
               6, "jobs.a.outputs.o.mode", "use rw_mount or upload");
}

TEST_F(LoaderErrors, UnknownOutputType) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{outputs.o}}\n    outputs:\n"
                   "      o: {type: integer}\n",
               6, "jobs.a.outputs.o.type", "use one of: uri_folder");
}

TEST_F(LoaderErrors, BadStepName) {
  expect_error(std::string(kHead) + "  train model:\n    command: echo\n", 3, "jobs.train model",
               "rename the job");
}

TEST_F(LoaderErrors, UrlInput) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
                   "      d: {type: uri_file, path: 'https://example.com/x.csv'}\n",
               6, "jobs.a.inputs.d.path", "download the data");
}

TEST_F(LoaderErrors, MissingLocalData) {
  expect_error(
      "type: pipeline\ninputs:\n  raw: {type: uri_folder, path: ./nodata}\njobs:\n"
      "  a: {command: echo}\n",
      3, "inputs.raw.path", "create it, or fix the path");
}

TEST_F(LoaderErrors, FileGivenForFolder) {
  expect_error(
      "type: pipeline\ninputs:\n  raw: {type: uri_folder, path: ./src/train.py}\njobs:\n"
      "  a: {command: echo}\n",
      3, "inputs.raw.path", "use type: uri_file");
}

TEST_F(LoaderErrors, CycleIsNamed) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{inputs.x}} ${{outputs.o}}\n    outputs: {o: {}}\n"
                   "    inputs: {x: '${{parent.jobs.b.outputs.o}}'}\n"
                   "  b:\n    command: echo ${{inputs.x}} ${{outputs.o}}\n    outputs: {o: {}}\n"
                   "    inputs: {x: '${{parent.jobs.a.outputs.o}}'}\n",
               3, "jobs.a", "a -> b -> a");
}

TEST_F(LoaderErrors, RunAfterUnknown) {
  expect_error(std::string(kHead) + "  a:\n    command: echo\n    run_after: [prep]\n", 5,
               "jobs.a.run_after", "name an existing step");
}

// A settings typo is a warning, as in Azure ML (LoadMessages test), and with --strict this error.
TEST_F(LoaderErrors, SettingsTypoWithStrict) {
  std::string msg = testing_spec::invalid_argument_of([&] {
    load_pipeline_yaml_string(
        "type: pipeline\nsettings:\n  force_rerunn: true\njobs:\n  a: {command: echo}\n",
        dir_.path("pipeline.yml"), LoadOptions{.strict = true});
  });
  EXPECT_NE(msg.find("pipeline.yml:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("settings.force_rerunn"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'force_rerun'?"), std::string::npos) << msg;
}

TEST_F(LoaderErrors, NotABoolean) {
  expect_error("type: pipeline\nsettings:\n  force_rerun: maybe\njobs:\n  a: {command: echo}\n", 3,
               "settings.force_rerun", "write 'force_rerun: true'");
}

TEST_F(LoaderErrors, UnknownComponentInput) {
  dir_.write("c.yml",
             "type: command\ninputs:\n  lr: {type: number, default: 0.1}\n"
             "command: echo ${{inputs.lr}}\n");
  expect_error(std::string(kHead) + "  a:\n    component: ./c.yml\n    inputs:\n      lrr: 0.2\n",
               6, "jobs.a.inputs.lrr", "its inputs are: lr");
}

TEST_F(LoaderErrors, PipelineOutputBoundTwice) {
  expect_error(
      "type: pipeline\noutputs:\n  model: {type: uri_folder}\njobs:\n"
      "  a:\n    command: echo ${{outputs.o}}\n    outputs: {o: '${{parent.outputs.model}}'}\n"
      "  b:\n    command: echo ${{outputs.o}}\n    outputs: {o: '${{parent.outputs.model}}'}\n",
      10, "jobs.b.outputs.o", "bind each pipeline output to one job output");
}

TEST_F(LoaderErrors, JobReadsOwnOutput) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{inputs.x}} ${{outputs.o}}\n"
                   "    outputs: {o: {}}\n    inputs: {x: '${{parent.jobs.a.outputs.o}}'}\n",
               6, "jobs.a.inputs.x", "cannot depend on itself");
}

TEST_F(LoaderErrors, UnclosedPlaceholder) {
  expect_error(std::string(kHead) + "  a:\n    command: echo ${{inputs.x\n", 4, "jobs.a.command",
               "close it with '}}'");
}

TEST_F(LoaderErrors, OptionalInputOutsideBlock) {
  dir_.write("c.yml",
             "type: command\ninputs:\n  seed: {type: integer, optional: true}\n"
             "command: python t.py --seed ${{inputs.seed}}\n");
  expect_error(std::string(kHead) + "  a:\n    component: ./c.yml\n", 4, "command",
               "wrap that part of the command in $[[ ... ]]", "c.yml");
}

TEST_F(LoaderErrors, MemoryWithoutUnit) {
  expect_error(std::string(kHead) + "  a:\n    command: echo\n    resources: {memory: 4096}\n", 5,
               "jobs.a.resources.memory", "write 4096M for megabytes");
}

TEST_F(LoaderErrors, EmptyFile) {
  std::string msg = error_of("");
  EXPECT_NE(msg.find("pipeline.yml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the file is empty; "), std::string::npos) << msg;
}

TEST_F(LoaderErrors, NoJobs) {
  expect_error("type: pipeline\njobs: {}\n", 2, "jobs", "add a 'jobs:' mapping");
}

TEST_F(LoaderErrors, ParentOutputAsInput) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{inputs.x}}\n"
                   "    inputs: {x: '${{parent.outputs.o}}'}\n",
               5, "jobs.a.inputs.x", "${{parent.jobs.JOB.outputs.NAME}}");
}

TEST_F(LoaderErrors, MalformedComponentFile) {
  dir_.write("c.yml", "type: command\ncommand: [echo,\n");
  expect_error(std::string(kHead) + "  a:\n    component: ./c.yml\n", 3, "YAML syntax",
               "fix the YAML", "c.yml");
}

// A job's value outside its component's enum: Azure ML runs it (azure-ai-ml checks a
// value's type and min/max, not enum; azureml-examples' densenet pipeline gives 224 to a
// True/False input), so it is a warning naming file:line and the allowed values, and an
// error under --strict.
TEST_F(LoaderErrors, EnumViolationWarnsAsAzureRunsItAndIsAnErrorWhenStrict) {
  dir_.write("c.yml",
             "type: command\ninputs:\n  algo: {type: string, enum: [rf, svm]}\n"
             "command: echo ${{inputs.algo}}\n");
  std::string yaml = std::string(kHead) + "  a:\n    component: ./c.yml\n    inputs: {algo: knn}\n";
  PipelineSpec spec = load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml"));
  ASSERT_EQ(spec.load_messages.size(), 1u);
  const std::string& w = spec.load_messages[0];
  EXPECT_EQ(w.rfind("warning: ", 0), 0u) << w;
  EXPECT_NE(w.find("pipeline.yml:5:"), std::string::npos) << w;
  EXPECT_NE(w.find("jobs.a.inputs.algo: 'knn' is not one of the allowed values"), std::string::npos)
      << w;
  EXPECT_NE(w.find("use one of: rf, svm"), std::string::npos) << w;
  std::string msg = testing_spec::invalid_argument_of([&] {
    load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml"), LoadOptions{.strict = true});
  });
  EXPECT_NE(msg.find("pipeline.yml:5:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("use one of: rf, svm"), std::string::npos) << msg;
  // A component's own default outside its enum is still an error.
  dir_.write("d.yml",
             "type: command\ninputs:\n  algo: {type: string, default: knn, enum: [rf, svm]}\n"
             "command: echo ${{inputs.algo}}\n");
  expect_error(std::string(kHead) + "  a:\n    component: ./d.yml\n", 3, "algo",
               "use one of: rf, svm", "d.yml");
}

TEST_F(LoaderErrors, BindingMixedWithText) {
  expect_error(
      "type: pipeline\ninputs: {n: 1}\njobs:\n  a:\n    command: echo ${{inputs.x}}\n"
      "    inputs: {x: 'run-${{parent.inputs.n}}'}\n",
      6, "jobs.a.inputs.x", "as the whole value");
}

TEST_F(LoaderErrors, CommandOverridesComponent) {
  dir_.write("c.yml", "type: command\ncommand: echo hi\n");
  expect_error(std::string(kHead) + "  a:\n    component: ./c.yml\n    command: echo bye\n", 5,
               "jobs.a.command", "drop 'component:'");
}

TEST_F(LoaderErrors, CloudSchemeInput) {
  expect_error(
      std::string(kHead) +
          "  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
          "      d: {type: uri_folder, path: 'wasbs://c@acct.blob.core.windows.net/x'}\n",
      6, "jobs.a.inputs.d.path",
      "runnel datastore register NAME --type azure_blob --account-name acct --container c");
}

TEST_F(LoaderErrors, TimeLimitNotADuration) {
  expect_error(
      std::string(kHead) + "  a:\n    command: echo\n    resources:\n      time_limit: soon\n", 6,
      "jobs.a.resources.time_limit",
      "not a duration; give a duration such as 90 (seconds), 90s, 30m");
}

TEST_F(LoaderErrors, MemoryNotASize) {
  expect_error(std::string(kHead) + "  a:\n    command: echo\n    resources: {memory: lots}\n", 5,
               "jobs.a.resources.memory", "not a size; give a size such as 512M, 4Gi");
}

TEST_F(LoaderErrors, TimeoutNotADuration) {
  expect_error(std::string(kHead) + "  a:\n    command: echo\n    limits: {timeout: soon}\n", 5,
               "jobs.a.limits.timeout", "not a duration");
}

TEST_F(LoaderErrors, OutputPathMustBeDatastore) {
  expect_error(std::string(kHead) +
                   "  a:\n    command: echo ${{outputs.o}}\n    outputs:\n"
                   "      o: {path: ./out}\n",
               6, "jobs.a.outputs.o.path", "azureml://datastores/<datastore>/paths/<path>");
}

}  // namespace
}  // namespace runnel
