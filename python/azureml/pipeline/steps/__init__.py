"""azureml.pipeline.steps: PythonScriptStep, CommandStep, ParallelRunStep (+ ParallelRunConfig)
HyperDriveStep (+ HyperDriveStepRun), ModuleStep, EstimatorStep and DataTransferStep; the
other step classes exist and raise NotImplementedError naming what they would need."""
from runnel.sdk.hyperdrive import HyperDriveStep
from runnel.sdk.parallel import ParallelRunConfig, ParallelRunStep
from runnel.sdk.pipeline import (AdlaStep, AutoMLStep, AzureBatchStep, CommandStep, DatabricksStep,
                                 DataTransferStep, EstimatorStep, KustoStep, MpiStep,
                                 PythonScriptStep, RScriptStep, SynapseSparkStep)
from runnel.sdk.runs import HyperDriveStepRun
from runnel.sdk.module import ModuleStep

__all__ = ["PythonScriptStep", "CommandStep", "ParallelRunStep", "ParallelRunConfig", "DataTransferStep",
           "HyperDriveStep", "HyperDriveStepRun", "AutoMLStep", "ModuleStep", "EstimatorStep", "MpiStep",
           "RScriptStep", "DatabricksStep", "AdlaStep", "AzureBatchStep", "KustoStep", "SynapseSparkStep"]
