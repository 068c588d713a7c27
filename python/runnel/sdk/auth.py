"""Local stand-ins for azureml.core.authentication: scripts that build an auth object run
unchanged; get_authentication_header() returns the bearer header runnel's server accepts:
{"Authorization": "Bearer <token>"} with the token in $RUNNEL_TOKEN (as `runnel token
create` prints it), else the admin token `runnel serve` wrote for the workspace at or above
the current folder (.runnel/server/admin.token); {} when there is neither."""

import os


def _token():
    tok = os.environ.get("RUNNEL_TOKEN", "")
    if tok:
        return tok
    d = os.path.abspath(os.environ.get("RUNNEL_WORKSPACE") or os.getcwd())
    while True:
        path = os.path.join(d, ".runnel", "server", "admin.token")
        if os.path.isfile(path):
            try:
                with open(path) as f:
                    return f.read().strip()
            except OSError:
                return ""
        parent = os.path.dirname(d)
        if parent == d:
            return ""
        d = parent


class AbstractAuthentication:
    def __init__(self, cloud=None):
        self.cloud = cloud

    def get_authentication_header(self):
        token = _token()
        return {"Authorization": "Bearer " + token} if token else {}

    def get_token(self, *scopes, **kwargs):
        return _token()


class InteractiveLoginAuthentication(AbstractAuthentication):
    def __init__(self, force=False, tenant_id=None, cloud=None):
        super().__init__(cloud)
        self.tenant_id = tenant_id


class ServicePrincipalAuthentication(AbstractAuthentication):
    def __init__(self, tenant_id, service_principal_id, service_principal_password, cloud="AzureCloud",
                 _enable_caching=True):
        super().__init__(cloud)
        self.tenant_id = tenant_id
        self.service_principal_id = service_principal_id


class MsiAuthentication(AbstractAuthentication):
    def __init__(self, cloud=None, identity_config=None):
        super().__init__(cloud)


class AzureCliAuthentication(AbstractAuthentication):
    pass


class TokenAuthentication(AbstractAuthentication):
    def __init__(self, get_token_for_audience, cloud=None):
        super().__init__(cloud)
        self._get = get_token_for_audience

    def get_authentication_header(self):
        return {"Authorization": "Bearer " + str(self._get("https://management.azure.com"))}


from runnel.exceptions import AuthenticationException  # noqa: E402,F401
