"""azureml.core.datastore"""
from runnel.sdk.core import Datastore

__all__ = ["Datastore"]
