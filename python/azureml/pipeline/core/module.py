"""azureml.pipeline.core.module"""
from runnel.sdk.module import InputPortDef, Module, ModuleVersion, OutputPortDef

__all__ = ["Module", "ModuleVersion", "InputPortDef", "OutputPortDef"]
