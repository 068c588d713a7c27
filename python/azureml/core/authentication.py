"""azureml.core.authentication: local stand-ins (see runnel/sdk/auth.py)."""
from runnel.sdk.auth import (AbstractAuthentication, AuthenticationException, AzureCliAuthentication,
                             InteractiveLoginAuthentication, MsiAuthentication,
                             ServicePrincipalAuthentication, TokenAuthentication)

__all__ = ["AbstractAuthentication", "InteractiveLoginAuthentication", "ServicePrincipalAuthentication",
           "MsiAuthentication", "AzureCliAuthentication", "TokenAuthentication", "AuthenticationException"]
