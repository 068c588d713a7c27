// The compare-models demo written with runnel's C++ SDK, the way Azure ML v1 code uses
// its classes: PipelineData between PythonScriptSteps, a Pipeline, an Experiment.
// It builds the same pipeline as pipeline.yml (same scripts, same arguments).
//
//   runnel init /tmp/ws && cd examples/compare-models && RUNNEL_WORKSPACE=/tmp/ws
//   ../../build/compare_models
#include <iostream>
#include <string>
#include <vector>

#include "runnel/runnel.h"

int main(int argc, char** argv) {
  using namespace runnel;
  try {
    Workspace ws = Workspace::from_config(argc > 1 ? argv[1] : "");
    Datastore datastore = ws.get_default_datastore();

    PipelineData train_data("train_data", datastore);
    PipelineData test_data("test_data", datastore);
    PythonScriptStep prep(
        {.script_name = "prepare.py",
         .name = "prep",
         .arguments = {"--dataset", "breast_cancer", "--test_size", 0.25, "--seed", 42,
                       "--train_data", train_data, "--test_data", test_data},
         .outputs = {train_data, test_data},
         .source_directory = "prep"});

    struct Model {
      std::string step, model;
      std::vector<Argument> extra;
    };
    std::vector<Model> models = {
        // The arguments train/component.yml renders (its defaults included), so that the
        // YAML form's steps have the same fingerprints; train_svm is pipeline.yml's inline job.
        {"train_lr",
         "logistic_regression",
         {"--C", 1.0, "--n_estimators", 100, "--learning_rate", 0.1}},
        {"train_rf",
         "random_forest",
         {"--C", 1.0, "--n_estimators", 200, "--learning_rate", 0.1, "--max_depth", 8}},
        {"train_gb",
         "gradient_boosting",
         {"--C", 1.0, "--n_estimators", 100, "--learning_rate", 0.1}},
        {"train_svm", "svm", {"--C", 1.0}},
    };
    std::vector<PipelineData> model_outputs;
    std::vector<Step> train_steps;
    for (const auto& m : models) {
      PipelineData out("model_output", datastore);
      std::vector<Argument> args = {"--model",      m.model,
                                    "--train_data", train_data.as_input(),
                                    "--test_data",  test_data.as_input(),
                                    "--seed",       42};
      args.insert(args.end(), m.extra.begin(), m.extra.end());
      args.insert(args.end(), {"--model_output", out});
      train_steps.push_back(
          PythonScriptStep({.script_name = "train.py",
                            .name = m.step,
                            .arguments = args,
                            .inputs = {train_data.as_input(), test_data.as_input()},
                            .outputs = {out},
                            .source_directory = "train"}));
      model_outputs.push_back(out);
    }

    PipelineData report("report", datastore);
    std::vector<Argument> compare_args = {"--models"};
    std::vector<InputRef> compare_inputs;
    for (size_t i = 0; i < models.size(); ++i) {
      PipelineData in = model_outputs[i].as_input(models[i].step.substr(6));  // lr, rf, gb, svm
      compare_args.push_back(in);
      compare_inputs.push_back(in);
    }
    compare_args.insert(compare_args.end(), {"--metric", "accuracy", "--output", report});
    PythonScriptStep compare({.script_name = "compare.py",
                              .name = "compare",
                              .arguments = compare_args,
                              .inputs = compare_inputs,
                              .outputs = {report},
                              .source_directory = "compare"});

    Pipeline pipeline(ws, {compare});  // pulls in prep and the four train steps
    for (const auto& problem : pipeline.validate())
      std::cerr << "pipeline problem: " << problem << "\n";

    PipelineRun run = Experiment(ws, "compare-models-cpp").submit(pipeline);
    std::string status = run.wait_for_completion(/*show_output=*/true);
    for (const auto& step : run.find_step_run("compare"))
      std::cout << "report: " << step.get_output_data("report") << "/report.md\n";
    return status == "Finished" ? 0 : 1;
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
}
