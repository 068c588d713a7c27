"""azureml.core.compute.amlcompute"""
from runnel.sdk.compute import AmlCompute, AmlComputeProvisioningConfiguration

__all__ = ["AmlCompute", "AmlComputeProvisioningConfiguration"]
