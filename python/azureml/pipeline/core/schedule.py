"""azureml.pipeline.core.schedule"""
from runnel.sdk.pipeline import Schedule, ScheduleRecurrence, TimeZone

__all__ = ["Schedule", "ScheduleRecurrence", "TimeZone"]
