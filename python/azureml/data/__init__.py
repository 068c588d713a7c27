"""azureml.data: datasets and data references."""
from runnel.sdk.data import (DataType, FileDataset, OutputFileDatasetConfig, OutputTabularDatasetConfig,
                             TabularDataset)

__all__ = ["FileDataset", "TabularDataset", "OutputFileDatasetConfig", "OutputTabularDatasetConfig",
           "DataType"]
