"""azureml.core.conda_dependencies"""
from runnel.sdk.environment import CondaDependencies

__all__ = ["CondaDependencies"]
