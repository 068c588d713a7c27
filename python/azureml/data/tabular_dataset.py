"""azureml.data.tabular_dataset"""
from runnel.sdk.data import TabularDataset

__all__ = ["TabularDataset"]
