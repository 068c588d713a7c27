"""azureml.core.script_run_config"""
from runnel.sdk.script_run import ScriptRunConfig

__all__ = ["ScriptRunConfig"]
