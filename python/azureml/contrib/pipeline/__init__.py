"""azureml.contrib.pipeline"""
