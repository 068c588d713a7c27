"""azureml.widgets: RunDetails(run).show()."""
from runnel.sdk.widgets import RunDetails

__all__ = ["RunDetails"]
