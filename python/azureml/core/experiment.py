"""azureml.core.experiment for runnel steps."""

from runnel.workspace import Experiment

__all__ = ["Experiment"]
