"""azureml.core.workspace"""
from runnel.sdk.core import Workspace

__all__ = ["Workspace"]
