"""azureml.data.dataset_consumption_config"""
from runnel.sdk.data import DatasetConsumptionConfig

__all__ = ["DatasetConsumptionConfig"]
