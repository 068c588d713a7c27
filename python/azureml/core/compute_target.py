"""azureml.core.compute_target: ComputeTargetException (a target that does not exist)."""
from runnel.sdk.compute import ComputeTarget, ComputeTargetException

__all__ = ["ComputeTargetException", "ComputeTarget"]
