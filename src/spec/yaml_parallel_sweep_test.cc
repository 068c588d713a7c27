// `type: parallel` and `type: sweep` jobs become steps running runnel's drivers, with the
// job's settings in the command (so they are fingerprinted) and file:line errors.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "runnel/error.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class ParallelSweepYaml : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("src/score.py", "def init(): pass\ndef run(b): return b\n");
    dir_.write("train/train.py", "print('train')\n");
    dir_.write(
        "train/train.yml",
        "type: command\ninputs:\n  data: {type: uri_folder}\n  lr: {type: number, default: 0.5}\n"
        "  depth: {type: integer, optional: true}\noutputs:\n  model: {type: uri_folder}\ncode: "
        "./\n"
        "command: python train.py --data ${{inputs.data}} --lr ${{inputs.lr}} "
        "$[[--depth ${{inputs.depth}}]] --model ${{outputs.model}}\n");
    dir_.mkdir("data");
  }
  PipelineSpec load(const std::string& yaml) {
    return load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml"));
  }
  std::string error_of(const std::string& yaml) {
    return testing_spec::invalid_argument_of([&] { load(yaml); });
  }
  testing_spec::TempDir dir_;
};

const char* kParallel =
    "type: pipeline\njobs:\n  score:\n    type: parallel\n"
    "    inputs:\n      data: {type: uri_folder, path: ./data}\n      model: 3\n"
    "    outputs:\n      out: {type: uri_folder}\n"
    "    input_data: ${{inputs.data}}\n    mini_batch_size: \"10kb\"\n"
    "    mini_batch_error_threshold: 2\n    error_threshold: 7\n    max_concurrency_per_instance: "
    "3\n"
    "    resources: {instance_count: 2}\n    retry_settings: {max_retries: 4, timeout: 90}\n"
    "    logging_level: DEBUG\n    partition_keys: [city, day]\n"
    "    task:\n      type: run_function\n      code: ./src\n      entry_script: score.py\n"
    "      program_arguments: --model ${{inputs.model}}\n      append_row_to: ${{outputs.out}}\n";

TEST_F(ParallelSweepYaml, ParallelJobRunsTheDriverWithEverySetting) {
  PipelineSpec p = load(kParallel);
  ASSERT_EQ(p.steps.size(), 1u);
  const StepSpec& s = p.steps[0];
  EXPECT_EQ(s.kind, "parallel");
  EXPECT_EQ(s.code_dir, dir_.path("src"));
  EXPECT_EQ(s.resources.nodes, 0);  // one driver runs every worker
  EXPECT_EQ(s.parallel_workers,
            6);  // instance_count 2 x max_concurrency_per_instance 3 (a Slurm array of 6)
  EXPECT_EQ(
      s.command,
      "python -m runnel.parallel_run --entry-script score.py --source-directory . --input "
      "data=${{inputs.data}} --mini-batch-size 10kb --partition-keys city,day --error-threshold 7 "
      "--allowed-failed-count 2 --process-count-per-node 3 --node-count 2 --run-max-try 4 "
      "--run-invocation-timeout 90 --logging-level DEBUG --output-action append_row "
      "--append-row-to "
      "${{outputs.out}} -- --model ${{inputs.model}}");
  ASSERT_EQ(s.inputs.size(), 2u);
  ASSERT_EQ(s.outputs.size(), 1u);
}

TEST_F(ParallelSweepYaml, ParallelJobWithoutAppendRowWritesASummary) {
  std::string y = kParallel;
  y.erase(y.find("      append_row_to"));
  EXPECT_NE(load(y).steps[0].command.find("--output-action summary_only --"), std::string::npos);
}

TEST_F(ParallelSweepYaml, BadParallelJobsNameTheLineAndKey) {
  std::string y = kParallel;
  std::string bad = y;
  bad.replace(bad.find("input_data: ${{inputs.data}}"), 28, "input_data: ${{inputs.nope}}");
  std::string msg = error_of(bad);
  EXPECT_NE(msg.find("${{inputs.nope}} names no input"), std::string::npos) << msg;
  bad = y;
  bad.replace(bad.find("logging_level: DEBUG"), 20, "logging_level: LOUD");
  msg = error_of(bad);
  EXPECT_NE(msg.find("pipeline.yml:17:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("jobs.score.logging_level"), std::string::npos) << msg;
  bad = y;
  bad.erase(bad.find("    task:"));
  msg = error_of(bad);
  EXPECT_NE(msg.find("jobs.score.task: a parallel job needs a task mapping"), std::string::npos)
      << msg;
  bad = y;
  bad.replace(bad.find("mini_batch_size"), 15, "mini_batch_sise");
  msg = error_of(bad);
  EXPECT_NE(msg.find("did you mean 'mini_batch_size'"), std::string::npos) << msg;
}

std::string decode_spec(const std::string& command) {
  size_t at = command.find("--spec-b64 ") + 11;
  std::string b64 = command.substr(at, command.find(' ', at) - at);
  std::string raw(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  raw.resize(static_cast<size_t>(n));
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();  // base64 padding
  return raw;
}

const char* kSweep =
    "type: pipeline\njobs:\n  sweep:\n    type: sweep\n    trial: ./train/train.yml\n"
    "    inputs:\n      data: {type: uri_folder, path: ./data}\n"
    "    sampling_algorithm: {type: random, seed: 7}\n"
    "    search_space:\n      lr: {type: loguniform, min_value: -6, max_value: -1}\n"
    "      units: {type: choice, values: [16, 32]}\n"
    "    objective: {goal: Minimize, primary_metric: loss}\n"
    "    limits: {max_total_trials: 8, max_concurrent_trials: 2, timeout: 600, trial_timeout: 60}\n"
    "    early_termination: {type: bandit, slack_amount: 0.2, evaluation_interval: 2}\n"
    "  use:\n    type: command\n    command: ls ${{inputs.m}}\n"
    "    inputs:\n      m: ${{parent.jobs.sweep.outputs.model}}\n";

TEST_F(ParallelSweepYaml, SweepJobCarriesItsSpecAndTheTrialsInputsAndOutputs) {
  PipelineSpec p = load(kSweep);
  ASSERT_EQ(p.steps.size(), 2u);
  const StepSpec& s = p.steps[0];
  EXPECT_EQ(s.kind, "sweep");
  EXPECT_EQ(s.code_dir, dir_.path("train"));
  EXPECT_EQ(s.command.substr(0, 37), "python -m runnel.sweep --spec-b64 eyJ");
  EXPECT_NE(s.command.find(" --input data=${{inputs.data}} $[[--input depth=${{inputs.depth}}]] "
                           "--output model=${{outputs.model}}"),
            std::string::npos)
      << s.command;
  EXPECT_EQ(s.command.find("--input lr="), std::string::npos);  // lr is the sweep's to set
  nlohmann::json spec = nlohmann::json::parse(decode_spec(s.command));
  EXPECT_EQ(spec["trial"]["command"],
            "python train.py --data ${{inputs.data}} --lr ${{search_space.lr}} $[[--depth "
            "${{inputs.depth}}]] "
            "--model ${{outputs.model}}");
  EXPECT_EQ(spec["search_space"]["lr"]["min_value"], -6);
  EXPECT_EQ(spec["search_space"]["units"]["values"], nlohmann::json::array({16, 32}));
  EXPECT_EQ(spec["sampling_algorithm"]["seed"], 7);
  EXPECT_EQ(spec["objective"]["goal"], "minimize");
  EXPECT_EQ(spec["limits"]["max_concurrent_trials"], 2);
  EXPECT_EQ(spec["early_termination"]["slack_amount"], 0.2);
  EXPECT_EQ(s.timeout_s, 0);  // the sweep's limits are the driver's, not a step timeout
  ASSERT_EQ(s.outputs.size(), 1u);
  EXPECT_EQ(s.outputs[0].name, "model");
  ASSERT_EQ(p.steps[1].inputs.size(), 1u);
  EXPECT_EQ(p.steps[1].inputs[0].source->step, "sweep");
}

TEST_F(ParallelSweepYaml, InlineTrialUsesTheJobsInputsAndOutputs) {
  PipelineSpec p = load(
      "type: pipeline\njobs:\n  s:\n    type: sweep\n"
      "    trial:\n      code: ./train\n"
      "      command: python train.py --lr ${{search_space.lr}} --out ${{outputs.o}} --d "
      "${{inputs.d}}\n"
      "    inputs: {d: {type: uri_folder, path: ./data}}\n    outputs: {o: {type: uri_folder}}\n"
      "    sampling_algorithm: grid\n    search_space: {lr: {type: choice, values: [0.1, 0.2]}}\n"
      "    objective: {goal: maximize, primary_metric: acc}\n");
  const StepSpec& s = p.steps[0];
  EXPECT_NE(s.command.find("--input d=${{inputs.d}} --output o=${{outputs.o}}"), std::string::npos)
      << s.command;
}

TEST_F(ParallelSweepYaml, BadSweepJobsNameTheLineAndKey) {
  struct Case {
    std::string from, to, expect;
  } cases[] = {
      {"type: loguniform, min_value: -6, max_value: -1",
       "type: logunifrm, min_value: -6, max_value: -1", "pipeline.yml:10:"},
      {"type: loguniform, min_value: -6, max_value: -1", "type: uniform, min_value: -6",
       "uniform() needs 'max_value'"},
      {"{type: random, seed: 7}", "grid", "grid sampling needs choice() for every parameter"},
      {"goal: Minimize, ", "goal: lowest, ", "goal 'lowest' is not maximize or minimize"},
      {"type: bandit, slack_amount: 0.2", "type: bandit",
       "a bandit policy needs slack_factor or slack_amount"},
      {"max_total_trials: 8, ", "", "needs limits.max_total_trials"},
      // Numbers and lists where text belongs (the mutation campaign's goal: -1 was an
      // internal error: json type_error 302).
      {"goal: Minimize, ", "goal: -1, ", "objective.goal: expected text, got number"},
      {"{type: random, seed: 7}", "{type: 3}",
       "sampling_algorithm.type: expected text, got number"},
      {"type: bandit, slack_amount", "type: [bandit], slack_amount",
       "early_termination.type: expected text, got array"},
      {"trial: ./train/train.yml", "trial: ./train/nope.yml", "nope.yml"},
  };
  for (const auto& c : cases) {
    std::string y = kSweep;
    y.replace(y.find(c.from), c.from.size(), c.to);
    std::string msg = error_of(y);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.to << ": " << msg;
    EXPECT_NE(msg.find("; "), std::string::npos) << msg;
  }
  dir_.write("train/train.yml",
             "type: command\ninputs:\n  data: {type: uri_folder}\noutputs:\n  model: {type: "
             "uri_folder}\ncode: ./\n"
             "command: python train.py --x ${{inputs.nope}}\n");
  std::string msg = error_of(kSweep);
  EXPECT_NE(msg.find("${{inputs.nope}} names no input or output of the trial"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace runnel
