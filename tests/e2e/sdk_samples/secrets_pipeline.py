# A pipeline that passes a secret to its step through the workspace's key vault, as Azure ML's
# "using secrets in training runs" shows: the notebook sets it, the step script reads it with
# Run.get_context().get_secret(); the value never appears in the run's logs.
import os

from azureml.core import Experiment, Workspace
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()
keyvault = ws.get_default_keyvault()
keyvault.set_secret(name="db-password", value=os.environ["SAMPLE_SECRET"])
keyvault.set_secrets({"api-key": "k-" + os.environ["SAMPLE_SECRET"][::-1]})
print("secrets:", sorted(s["name"] for s in keyvault.list_secrets()))

out = PipelineData("checked", datastore=ws.get_default_datastore())
step = PythonScriptStep(script_name="use_secret.py", arguments=["--out", out], outputs=[out],
                        source_directory="secrets_src", allow_reuse=False)
run = Experiment(ws, "secrets").submit(Pipeline(ws, [step]))
run.wait_for_completion(show_output=False)
print("status:", run.get_status())
