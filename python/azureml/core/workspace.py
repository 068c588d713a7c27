"""azureml.core.workspace for runnel steps."""

from runnel.workspace import Workspace

__all__ = ["Workspace"]
