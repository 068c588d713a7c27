"""azureml.pipeline.core.graph"""
from runnel.sdk.pipeline import InputPortBinding, PipelineData, PipelineParameter

__all__ = ["PipelineParameter", "PipelineData", "InputPortBinding"]
