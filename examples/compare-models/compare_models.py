"""The compare-models demo written with the Azure ML SDK (v1) names, run by runnel.

The same pipeline as pipeline.yml and compare_models.cc (same scripts, same arguments, so
the same step fingerprints): a prep step splits the data, four train steps run in
parallel, a compare step picks the best model.

    runnel init /tmp/ws && cd examples/compare-models && RUNNEL_WORKSPACE=/tmp/ws python3 compare_models.py
"""

import sys

from azureml.core import Experiment, Workspace
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config(sys.argv[1] if len(sys.argv) > 1 else None)
datastore = ws.get_default_datastore()

train_data = PipelineData("train_data", datastore=datastore)
test_data = PipelineData("test_data", datastore=datastore)
prep = PythonScriptStep(
    script_name="prepare.py", name="prep",
    arguments=["--dataset", "breast_cancer", "--test_size", 0.25, "--seed", 42,
               "--train_data", train_data, "--test_data", test_data],
    outputs=[train_data, test_data],
    source_directory="prep")

# The arguments train/component.yml renders (its defaults included), so that the YAML form's
# steps have the same fingerprints; train_svm is pipeline.yml's inline job.
models = [
    ("train_lr", "logistic_regression", ["--C", 1.0, "--n_estimators", 100, "--learning_rate", 0.1]),
    ("train_rf", "random_forest", ["--C", 1.0, "--n_estimators", 200, "--learning_rate", 0.1, "--max_depth", 8]),
    ("train_gb", "gradient_boosting", ["--C", 1.0, "--n_estimators", 100, "--learning_rate", 0.1]),
    ("train_svm", "svm", ["--C", 1.0]),
]
model_outputs = []
for step_name, model, extra in models:
    out = PipelineData("model_output", datastore=datastore)
    PythonScriptStep(
        script_name="train.py", name=step_name,
        arguments=["--model", model, "--train_data", train_data.as_input(),
                   "--test_data", test_data.as_input(), "--seed", 42] + extra + ["--model_output", out],
        inputs=[train_data.as_input(), test_data.as_input()],
        outputs=[out],
        source_directory="train")
    model_outputs.append(out.as_input(step_name[len("train_"):]))  # lr, rf, gb, svm

report = PipelineData("report", datastore=datastore)
compare = PythonScriptStep(
    script_name="compare.py", name="compare",
    arguments=["--models"] + model_outputs + ["--metric", "accuracy", "--output", report],
    inputs=model_outputs,
    outputs=[report],
    source_directory="compare")

pipeline = Pipeline(ws, [compare])  # pulls in prep and the four train steps
for problem in pipeline.validate():
    print("pipeline problem:", problem, file=sys.stderr)

run = Experiment(ws, "compare-models-py").submit(pipeline)
status = run.wait_for_completion(show_output=True, raise_on_error=False)
for step in run.find_step_run("compare"):
    print("report: %s/report.md" % step.get_output_data("report").path)
sys.exit(0 if status == "Finished" else 1)
