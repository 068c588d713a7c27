# The notebook's prerequisites (it expects them in the workspace already): a published
# pipeline with the parameters the schedule sets, and a pipeline endpoint called
# "PipelineEndpointName"; plus the config.json the notebook reads.
from azureml.core import Workspace
from azureml.pipeline.core import Pipeline, PipelineEndpoint, PipelineParameter
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()
ws.write_config(path=".", file_name="config.json")
args = []
for name in ("scheduled_time", "start_time", "utc_now", "yesterday"):
    args += ["--" + name, PipelineParameter(name, "unset")]
step = PythonScriptStep(name="show", script_name="show.py", arguments=args, source_directory=".")
published = Pipeline(ws, [step]).publish(name="expressions", description="parameters from a schedule")
PipelineEndpoint.publish(ws, name="PipelineEndpointName", description="endpoint", pipeline=published)
print("prerequisites ready:", published.id)
