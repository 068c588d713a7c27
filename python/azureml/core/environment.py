"""azureml.core.environment"""
from runnel.sdk.environment import DockerSection, Environment, PythonSection

__all__ = ["Environment", "PythonSection", "DockerSection"]
