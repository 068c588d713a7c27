"""azureml_user: the helpers Azure ML gives ParallelRunStep entry scripts (parallel_run)."""
