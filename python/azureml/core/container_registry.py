"""azureml.core.container_registry: ContainerRegistry (recorded with an environment)."""
from runnel.sdk.environment import ContainerRegistry

__all__ = ["ContainerRegistry"]
