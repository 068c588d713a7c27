"""azureml.core.script_run: ScriptRun, what Experiment.submit(ScriptRunConfig) returns."""
from runnel.sdk.runs import ScriptRun

__all__ = ["ScriptRun"]
