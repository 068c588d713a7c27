"""azureml.train.estimator: Estimator (runnel/sdk/estimator.py)."""
from runnel.sdk.estimator import Estimator

__all__ = ["Estimator"]
