"""azureml.core.model: Model (runnel/model.py); InferenceConfig imports, deploying is not
provided (runnel/sdk/deploy.py)."""
from runnel.model import Model, ModelNotFoundError
from runnel.sdk.deploy import InferenceConfig

__all__ = ["Model", "ModelNotFoundError", "InferenceConfig"]
