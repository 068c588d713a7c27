"""azureml.core.compute: ComputeTarget, AmlCompute, DataFactoryCompute."""
from runnel.sdk.compute import (AmlCompute, AmlComputeProvisioningConfiguration, ComputeInstance,
                                ComputeTarget, DataFactoryCompute)

__all__ = ["ComputeTarget", "AmlCompute", "AmlComputeProvisioningConfiguration", "DataFactoryCompute", "ComputeInstance"]
