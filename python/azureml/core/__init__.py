"""azureml.core: Workspace, Datastore, Dataset, Experiment, Environment, Run, ScriptRunConfig,
Model.

Run and Model work on the step side (standard library only); the rest load runnel's native module on
first use.
"""

from runnel.model import Model
from runnel.run import Run
from runnel.sdk.compute import ComputeTarget
from runnel.sdk.core import VERSION, Datastore, Experiment, Workspace
from runnel.sdk.data import Dataset
from runnel.sdk.environment import Environment, RunConfiguration
from runnel.sdk.keyvault import Keyvault
from runnel.sdk.runs import ScriptRun
from runnel.sdk.script_run import ScriptRunConfig

__version__ = VERSION
__all__ = ["Model", "Run", "Workspace", "Datastore", "Experiment", "Dataset", "Environment",
           "RunConfiguration", "ScriptRunConfig", "ScriptRun", "ComputeTarget", "Keyvault", "VERSION"]
