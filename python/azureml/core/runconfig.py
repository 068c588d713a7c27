"""azureml.core.runconfig: RunConfiguration, DockerConfiguration, DEFAULT_CPU_IMAGE and the
distributed job configurations (recorded; one process per step)."""
from runnel.sdk.environment import (DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE, CondaDependencies, DockerConfiguration,
                                    MpiConfiguration, PyTorchConfiguration, RunConfiguration,
                                    TensorflowConfiguration)

__all__ = ["RunConfiguration", "DockerConfiguration", "DEFAULT_CPU_IMAGE", "DEFAULT_GPU_IMAGE",
           "MpiConfiguration", "CondaDependencies", "PyTorchConfiguration", "TensorflowConfiguration"]
