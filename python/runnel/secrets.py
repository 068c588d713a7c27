"""Workspace secrets: what Azure ML keeps in the workspace's Key Vault (`ws.get_default_keyvault()`,
`run.get_secret(name)` in a step), kept by runnel in the workspace itself.

The secrets live in ``<workspace>/.runnel/secrets.json``, created with mode 0600, rewritten
whole into a temporary file that is renamed over it (a crash leaves the old file or the new
one, never half of either), under an exclusive lock on ``.runnel/secrets.lock`` so that
concurrent writers do not lose each other's secrets. Values are never printed: not by
``repr()``, not in errors, not in logs. Names follow Key Vault's rule (1 to 127 letters, digits
and dashes), so a name that works here works on Azure ML.

Standard library only: usable inside a step.
"""

import fcntl
import json
import os
import re
import tempfile

from .exceptions import UserErrorException  # noqa: F401  (azureml.exceptions.UserErrorException)

_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")


def check_name(name):
    if not isinstance(name, str) or not _NAME.match(name):
        raise UserErrorException(
            "secret name %r is not valid: use 1 to 127 letters, digits and dashes (Key Vault's rule)"
            % (name,))
    return name


class SecretStore:
    """The secrets of the workspace at `root` (its folder)."""

    def __init__(self, root):
        self._dir = os.path.join(os.path.abspath(root), ".runnel")
        self._path = os.path.join(self._dir, "secrets.json")

    def __repr__(self):
        return "SecretStore(%r)" % self._path

    def _lock(self):
        fd = os.open(os.path.join(self._dir, "secrets.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def _load(self):
        try:
            with open(self._path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}
        except ValueError:
            raise UserErrorException("%s is not a runnel secrets file (not JSON); move it away" % self._path) from None
        if not isinstance(data, dict) or not isinstance(data.get("secrets", {}), dict):
            raise UserErrorException("%s is not a runnel secrets file; move it away" % self._path)
        return data.get("secrets", {})

    def _save(self, secrets):
        fd, tmp = tempfile.mkstemp(prefix=".secrets.", dir=self._dir)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"secrets": secrets}, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _update(self, change):
        if not os.path.isdir(self._dir):
            raise UserErrorException("%s is not a runnel workspace folder (no .runnel/)" % os.path.dirname(self._dir))
        fd = self._lock()
        try:
            secrets = self._load()
            change(secrets)
            self._save(secrets)
        finally:
            os.close(fd)

    def set(self, values, content_type=None):
        """values: {name: str}."""
        for name, value in values.items():
            check_name(name)
            if not isinstance(value, str):
                raise UserErrorException("secret '%s': the value must be a str, not %s"
                                         % (name, type(value).__name__))

        def change(secrets):
            for name, value in values.items():
                secrets[name] = {"value": value, "content_type": content_type or ""}
        self._update(change)

    def delete(self, names):
        def change(secrets):
            for name in names:
                if name not in secrets:
                    raise UserErrorException("there is no secret named '%s' in this workspace" % name)
                del secrets[name]
        self._update(change)

    def entry(self, name):
        """{value, content_type} or None."""
        return self._load().get(check_name(name))

    def value(self, name):
        """The value of `name`; an error naming it when there is none."""
        e = self.entry(name)
        if e is None:
            raise missing(name)
        return e["value"]

    def values(self, names):
        """{name: value}, None for a name with no secret."""
        secrets = self._load()
        return {n: (secrets.get(check_name(n)) or {}).get("value") for n in names}

    def names(self):
        return sorted(self._load())


def missing(name):
    return UserErrorException(
        "there is no secret named '%s' in this workspace; set it first with "
        "ws.get_default_keyvault().set_secret('%s', value)" % (name, name))
