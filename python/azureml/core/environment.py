"""azureml.core.environment"""
from runnel.sdk.environment import ContainerRegistry, DockerSection, Environment, PythonSection

__all__ = ["Environment", "PythonSection", "DockerSection", "ContainerRegistry"]
