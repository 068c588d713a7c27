"""azureml.data.datapath"""
from runnel.sdk.data import DataPath, DataPathComputeBinding

__all__ = ["DataPath", "DataPathComputeBinding"]
