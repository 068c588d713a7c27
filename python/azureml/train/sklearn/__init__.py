"""azureml.train.sklearn: SKLearn estimator (runnel/sdk/estimator.py)."""
from runnel.sdk.estimator import SKLearn

__all__ = ["SKLearn"]
