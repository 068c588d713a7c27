"""The Azure ML SDK (v1) names, served by runnel.

Pipelines written for Azure ML (`from azureml.core import Workspace`, `from
azureml.pipeline.steps import PythonScriptStep`, ...) run against a local runnel workspace
unchanged; step scripts (`from azureml.core import Run`) run unchanged inside runnel steps.
Every class here is re-exported from runnel.sdk (submitting) or runnel.run (the step side).
"""
