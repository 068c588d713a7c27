"""azureml.pipeline.core.run"""
from runnel.sdk.runs import PipelineRun, StepRun

__all__ = ["PipelineRun", "StepRun"]
