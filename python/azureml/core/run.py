"""azureml.core.run for runnel steps."""

from runnel.run import Run, _OfflineRun

__all__ = ["Run", "_OfflineRun"]
