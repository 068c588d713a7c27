"""azureml.pipeline: core (Pipeline, PipelineData, ...) and steps (PythonScriptStep, ...)."""
