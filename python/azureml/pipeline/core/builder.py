"""azureml.pipeline.core.builder"""
from runnel.sdk.pipeline import PipelineData, StepSequence

__all__ = ["PipelineData", "StepSequence"]
