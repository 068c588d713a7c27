"""azureml.core for runnel steps: Run, Workspace, Datastore, Experiment, Dataset.

`Dataset` comes from runnel.dataset when that module exists (imported on first use);
otherwise a placeholder whose factories raise NotImplementedError.
"""

from runnel.run import Run
from runnel.workspace import Datastore, Experiment, Workspace

__all__ = ["Run", "Workspace", "Datastore", "Experiment", "Dataset"]


def __getattr__(name):
    if name == "Dataset":
        from .dataset import Dataset
        return Dataset
    raise AttributeError("module 'azureml.core' has no attribute %r (runnel provides only %s)"
                         % (name, ", ".join(__all__)))
