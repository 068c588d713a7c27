"""runnel for Python: the step-side runtime and the SDK that submits pipelines.

    # inside a step
    from runnel import Run
    Run.get_context().log("accuracy", 0.93)

    # submitting (the Azure ML SDK's object model; see python/README.md)
    import runnel
    with runnel.Workspace.from_config() as ws:
        data = runnel.PipelineData("prepped", datastore=ws.get_default_datastore())
        prep = runnel.PythonScriptStep("prep.py", outputs=[data], source_directory="prep")
        run = runnel.Experiment(ws, "demo").submit(runnel.Pipeline(ws, [prep]))
        run.wait_for_completion()

Importing `runnel` needs only the standard library; the SDK classes load the native
module (runnel/_runnel*.so, built by CMake) on first use.
"""

from .context import RunContextError
from .run import Run
from .sdk.compute import AmlCompute, ComputeTarget, ComputeTargetException
from .sdk.core import VERSION as AZUREML_VERSION
from .sdk.core import Datastore, Experiment, Workspace
from .sdk.data import (DataPath, DataPathComputeBinding, DataReference, Dataset, DatasetConsumptionConfig,
                       FileDataset, OutputFileDatasetConfig, TabularDataset)
from .sdk.environment import CondaDependencies, Environment, RunConfiguration
from .sdk.pipeline import CommandStep, Pipeline, PipelineData, PipelineParameter, PythonScriptStep, StepSequence
from .sdk.runs import PipelineRun, PortDataReference, StepRun
from .sdk.script_run import ScriptRunConfig

__all__ = ["Run", "RunContextError", "Workspace", "Datastore", "Experiment", "Dataset", "FileDataset",
           "TabularDataset", "DatasetConsumptionConfig", "OutputFileDatasetConfig", "DataReference",
           "DataPath", "DataPathComputeBinding", "Environment", "RunConfiguration", "CondaDependencies",
           "ComputeTarget", "AmlCompute", "ComputeTargetException", "Pipeline", "PipelineData",
           "PipelineParameter", "PythonScriptStep", "CommandStep", "StepSequence", "PipelineRun",
           "StepRun", "PortDataReference", "ScriptRunConfig", "AZUREML_VERSION", "errors"]
__version__ = "0.1.0"


def __getattr__(name):
    if name == "errors":  # the native exception classes: runnel.errors.NotFoundError, ...
        from .sdk._native import native
        return native()
    raise AttributeError("module 'runnel' has no attribute %r" % name)
