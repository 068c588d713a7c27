"""azureml.core.runconfig: RunConfiguration, DockerConfiguration, CondaDependencies,
DEFAULT_CPU_IMAGE and the distributed job configurations (MpiConfiguration,
PyTorchConfiguration, TensorflowConfiguration; README "Distributed jobs")."""
from runnel.sdk.environment import (DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE, CondaDependencies, DockerConfiguration,
                                    MpiConfiguration, PyTorchConfiguration, RunConfiguration,
                                    TensorflowConfiguration)

__all__ = ["RunConfiguration", "DockerConfiguration", "DEFAULT_CPU_IMAGE", "DEFAULT_GPU_IMAGE",
           "MpiConfiguration", "CondaDependencies", "PyTorchConfiguration", "TensorflowConfiguration"]
