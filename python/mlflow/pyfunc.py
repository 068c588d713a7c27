"""`mlflow.pyfunc.load_model`: loads a model folder written by mlflow.sklearn.save_model."""

from . import sklearn as _sklearn


def load_model(model_uri, **kwargs):
    return _sklearn.load_model(model_uri, **kwargs)
