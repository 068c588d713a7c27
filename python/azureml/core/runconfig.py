"""azureml.core.runconfig: RunConfiguration, DockerConfiguration, DEFAULT_CPU_IMAGE."""
from runnel.sdk.environment import (DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE, DockerConfiguration,
                                    RunConfiguration)

__all__ = ["RunConfiguration", "DockerConfiguration", "DEFAULT_CPU_IMAGE", "DEFAULT_GPU_IMAGE"]
