"""A thin stand-in for the Azure ML SDK (v1) inside runnel steps.

Step scripts written for Azure ML (`from azureml.core import Run`) run unchanged under
runnel: these modules re-export runnel's step-side classes. Only what a step uses is
here; submitting pipelines is done with the `runnel` CLI or its C++ API.
"""
