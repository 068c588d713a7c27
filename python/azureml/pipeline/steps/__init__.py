"""azureml.pipeline.steps: PythonScriptStep and CommandStep; the other step classes exist
and raise NotImplementedError naming what they would need."""
from runnel.sdk.pipeline import (AdlaStep, AutoMLStep, AzureBatchStep, CommandStep, DatabricksStep,
                                 DataTransferStep, EstimatorStep, HyperDriveStep, KustoStep, ModuleStep,
                                 MpiStep, ParallelRunConfig, ParallelRunStep, PythonScriptStep, RScriptStep,
                                 SynapseSparkStep)

__all__ = ["PythonScriptStep", "CommandStep", "ParallelRunStep", "ParallelRunConfig", "DataTransferStep",
           "HyperDriveStep", "AutoMLStep", "ModuleStep", "EstimatorStep", "MpiStep", "RScriptStep",
           "DatabricksStep", "AdlaStep", "AzureBatchStep", "KustoStep", "SynapseSparkStep"]
