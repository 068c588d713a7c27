"""azureml.core.model: Model (runnel/model.py)."""
from runnel.model import Model, ModelNotFoundError

__all__ = ["Model", "ModelNotFoundError"]
