"""azureml.pipeline.core: Pipeline, PipelineData, PipelineParameter, runs, StepSequence,
Module, ModuleVersion, InputPortDef, OutputPortDef.

PublishedPipeline, PipelineEndpoint and PipelineDraft publish to the workspace (submitting
goes to `runnel serve` when it answers, else runs in this process; see python/README.md);
Schedule, ScheduleRecurrence and TimeZone talk to the workspace's server (`runnel serve`).
"""
from runnel.sdk.pipeline import (InputPortBinding, OutputPortBinding, Pipeline, PipelineData, PipelineDraft, PipelineEndpoint,
                                 PipelineParameter, PublishedPipeline, Schedule, ScheduleRecurrence,
                                 StepSequence, TimeZone, TrainingOutput)
from runnel.sdk.module import InputPortDef, Module, ModuleVersion, OutputPortDef
from runnel.sdk.pipeline import _Step as PipelineStep
from runnel.sdk.runs import PipelineRun, PortDataReference, StepRun

__all__ = ["Pipeline", "PipelineData", "PipelineParameter", "PipelineRun", "StepRun", "PortDataReference",
           "StepSequence", "PipelineStep", "InputPortBinding", "OutputPortBinding", "PublishedPipeline", "PipelineEndpoint",
           "PipelineDraft", "Schedule", "ScheduleRecurrence", "TimeZone", "Module", "ModuleVersion",
           "InputPortDef", "OutputPortDef", "TrainingOutput"]
