"""azureml.core.dataset: Dataset (File / Tabular factories, get_by_name, get_by_id)."""

from runnel.sdk.data import Dataset

__all__ = ["Dataset"]
