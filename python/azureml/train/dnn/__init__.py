"""azureml.train.dnn: TensorFlow, PyTorch, Chainer estimators (runnel/sdk/estimator.py)."""
from runnel.sdk.estimator import Chainer, PyTorch, TensorFlow

__all__ = ["TensorFlow", "PyTorch", "Chainer"]
