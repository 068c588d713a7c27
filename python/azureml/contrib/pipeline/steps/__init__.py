"""azureml.contrib.pipeline.steps: the preview home of ParallelRunStep and ParallelRunConfig
(now in azureml.pipeline.steps). The step publishes its run settings as pipeline parameters
without the aml_ prefix, as the preview package did."""
from runnel.sdk.parallel import ContribParallelRunStep as ParallelRunStep
from runnel.sdk.parallel import ParallelRunConfig

__all__ = ["ParallelRunConfig", "ParallelRunStep"]
