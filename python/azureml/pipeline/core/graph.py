"""azureml.pipeline.core.graph"""
from runnel.sdk.module import InputPortDef, OutputPortDef
from runnel.sdk.pipeline import InputPortBinding, OutputPortBinding, PipelineData, PipelineParameter, TrainingOutput
from runnel.sdk.publishing import PublishedPipeline

__all__ = ["PipelineParameter", "PipelineData", "InputPortBinding", "OutputPortBinding", "PublishedPipeline", "InputPortDef",
           "OutputPortDef", "TrainingOutput"]
