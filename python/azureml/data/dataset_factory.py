"""azureml.data.dataset_factory"""
from runnel.sdk.data import DataType, PromoteHeadersBehavior
from runnel.sdk.data import _FileFactory as FileDatasetFactory
from runnel.sdk.data import _TabularFactory as TabularDatasetFactory

__all__ = ["FileDatasetFactory", "TabularDatasetFactory", "DataType", "PromoteHeadersBehavior"]
