"""azureml.core.resource_configuration"""
from runnel.sdk.deploy import ResourceConfiguration

__all__ = ["ResourceConfiguration"]
