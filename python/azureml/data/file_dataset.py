"""azureml.data.file_dataset"""
from runnel.sdk.data import FileDataset

__all__ = ["FileDataset"]
