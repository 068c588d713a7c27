"""azureml.exceptions"""
from runnel.sdk.compute import ComputeTargetException
from runnel.sdk.auth import AuthenticationException


class UserErrorException(Exception):
    pass


class AzureMLException(Exception):
    pass


__all__ = ["ComputeTargetException", "AuthenticationException", "UserErrorException", "AzureMLException"]
