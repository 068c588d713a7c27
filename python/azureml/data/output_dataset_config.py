"""azureml.data.output_dataset_config"""
from runnel.sdk.data import OutputFileDatasetConfig, OutputTabularDatasetConfig

__all__ = ["OutputFileDatasetConfig", "OutputTabularDatasetConfig"]
