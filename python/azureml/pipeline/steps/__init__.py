"""azureml.pipeline.steps: PythonScriptStep, CommandStep and ModuleStep; the other step classes exist
and raise NotImplementedError naming what they would need."""
from runnel.sdk.pipeline import (AdlaStep, AutoMLStep, AzureBatchStep, CommandStep, DatabricksStep,
                                 DataTransferStep, EstimatorStep, HyperDriveStep, KustoStep, MpiStep,
                                 ParallelRunConfig, ParallelRunStep, PythonScriptStep, RScriptStep,
                                 SynapseSparkStep)
from runnel.sdk.module import ModuleStep

__all__ = ["PythonScriptStep", "CommandStep", "ParallelRunStep", "ParallelRunConfig", "DataTransferStep",
           "HyperDriveStep", "AutoMLStep", "ModuleStep", "EstimatorStep", "MpiStep", "RScriptStep",
           "DatabricksStep", "AdlaStep", "AzureBatchStep", "KustoStep", "SynapseSparkStep"]
