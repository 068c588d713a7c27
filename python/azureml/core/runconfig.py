"""azureml.core.runconfig: RunConfiguration, DockerConfiguration, the distributed job
configurations (MpiConfiguration, PyTorchConfiguration, TensorflowConfiguration), DEFAULT_CPU_IMAGE."""
from runnel.sdk.environment import (DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE, DockerConfiguration,
                                    MpiConfiguration, PyTorchConfiguration, RunConfiguration,
                                    TensorflowConfiguration)

__all__ = ["RunConfiguration", "DockerConfiguration", "MpiConfiguration", "PyTorchConfiguration",
           "TensorflowConfiguration", "DEFAULT_CPU_IMAGE", "DEFAULT_GPU_IMAGE"]
