"""azureml.core.datastore for runnel steps."""

from runnel.workspace import Datastore

__all__ = ["Datastore"]
