"""azureml.core.keyvault.Keyvault: the workspace's secrets (runnel/secrets.py keeps them in the
workspace's .runnel/secrets.json, mode 0600). Values are never printed."""

from ..secrets import SecretStore, missing


class Keyvault:
    """Keyvault(workspace): set, get, list and delete the workspace's secrets."""

    def __init__(self, workspace):
        from .core import _as_workspace
        self._workspace = _as_workspace(workspace)
        self._store = SecretStore(self._workspace.path)

    def __repr__(self):
        return "Keyvault(workspace=%r)" % self._workspace.name

    def set_secret(self, name, value, content_type=None):
        """Adds or replaces one secret."""
        self._store.set({name: value}, content_type=getattr(content_type, "value", content_type))

    def set_secrets(self, secrets_batch):
        """Adds or replaces several: {name: value}."""
        if not isinstance(secrets_batch, dict):
            raise TypeError("set_secrets: secrets_batch must be a dict of name -> value")
        self._store.set(dict(secrets_batch))

    def get_secret(self, name):
        """The value of `name`; an error naming it when there is none."""
        return self._store.value(name)

    def get_secret_content_type(self, name):
        e = self._store.entry(name)
        if e is None:
            raise missing(name)
        return e.get("content_type") or None

    def get_secrets(self, secrets):
        """{name: value}, None for a name with no secret."""
        return self._store.values(secrets)

    def list_secrets(self):
        """[{'name': ...}] without the values."""
        return [{"name": n} for n in self._store.names()]

    def delete_secret(self, name):
        self._store.delete([name])

    def delete_secrets(self, secrets):
        self._store.delete(list(secrets))
