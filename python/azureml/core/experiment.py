"""azureml.core.experiment"""
from runnel.sdk.core import Experiment

__all__ = ["Experiment"]
