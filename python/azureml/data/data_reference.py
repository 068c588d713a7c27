"""azureml.data.data_reference"""
from runnel.sdk.data import DataReference

__all__ = ["DataReference"]
