"""azureml.core.experiment"""
from runnel.sdk.core import Experiment, ViewType

__all__ = ["Experiment", "ViewType"]
