"""azureml.pipeline.core.pipeline"""
from runnel.sdk.pipeline import Pipeline

__all__ = ["Pipeline"]
