"""azureml.core.keyvault"""
from runnel.sdk.keyvault import Keyvault

__all__ = ["Keyvault"]
