"""azureml.exceptions"""
from runnel.sdk.compute import ComputeTargetException
from runnel.sdk.auth import AuthenticationException


from runnel.secrets import UserErrorException


class AzureMLException(Exception):
    pass


__all__ = ["ComputeTargetException", "AuthenticationException", "UserErrorException", "AzureMLException"]
