"""azureml.pipeline.core.graph"""
from runnel.sdk.pipeline import InputPortBinding, PipelineData, PipelineParameter
from runnel.sdk.publishing import PublishedPipeline

__all__ = ["PipelineParameter", "PipelineData", "InputPortBinding", "PublishedPipeline"]
