"""azureml.core.compute: ComputeTarget, AmlCompute."""
from runnel.sdk.compute import AmlCompute, AmlComputeProvisioningConfiguration, ComputeTarget

__all__ = ["ComputeTarget", "AmlCompute", "AmlComputeProvisioningConfiguration"]
