"""azureml.contrib (the preview packages some samples import)."""
