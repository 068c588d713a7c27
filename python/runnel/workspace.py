"""Step-side views of a workspace, its datastores and an experiment.

These are small read-only objects so that step scripts written for the Azure ML SDK
(`run.experiment.workspace`, `ws.get_default_datastore()`, `Datastore.get(ws, name)`)
keep working. Submitting work happens through the `runnel` CLI or C++ API, not here.
Plain values; not synchronized.
"""

import json
import os

DEFAULT_DATASTORE = "workspaceblobstore"


def _find_workspace_dir(start):
    d = os.path.abspath(start)
    while True:
        if os.path.isdir(os.path.join(d, ".runnel")):
            return d
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up


class Workspace:
    """A runnel workspace: the folder that holds `.runnel/`.

    `path` is None for the placeholder workspace of an offline run.
    """

    def __init__(self, path=None, name=None):
        self.path = os.path.abspath(path) if path else None
        self._azure = None
        # As the SDK's Workspace names it: its Azure config file's workspace_name, else the
        # name in .runnel/config.json, else the folder's name.
        self.name = name or (self._azure_config().get("workspace_name") or self._config().get("name")
                             or os.path.basename(self.path) if self.path else "offline")

    def _azure_config(self):
        """The keys of the config file the SDK's from_config reads from this workspace's folder
        (.azureml/config.json, ...), else {}; the engine sets AZUREML_ARM_* from the same file."""
        if self._azure is None:
            self._azure = {}
            if self.path:
                from .sdk import workspace_config  # the standard library only
                found = workspace_config.find_config(self.path)
                try:
                    self._azure = workspace_config.read_config(found) if found else {}
                except (OSError, ValueError):
                    self._azure = {}
        return self._azure

    # The SDK's scope properties, as python/runnel/sdk/core.py's Workspace reports them.
    subscription_id = property(lambda self: self._azure_config().get("subscription_id") or "local")
    resource_group = property(lambda self: self._azure_config().get("resource_group") or "local")
    location = property(lambda self: self._azure_config().get("location") or "local")

    @classmethod
    def from_config(cls, path=None, **_ignored):
        """The workspace at `path`, else $RUNNEL_WORKSPACE, else the first folder upward
        from the current one that holds `.runnel/`. Raises FileNotFoundError when none."""
        candidates = [path, os.environ.get("RUNNEL_WORKSPACE")]
        for c in candidates:
            if c:
                found = _find_workspace_dir(c)
                if found:
                    return cls(found)
        found = _find_workspace_dir(os.getcwd())
        if found:
            return cls(found)
        raise FileNotFoundError(
            "no runnel workspace (a folder holding .runnel/) at %s, in $RUNNEL_WORKSPACE or "
            "above %s; run `runnel init` or pass path=" % (path, os.getcwd()))

    @classmethod
    def get(cls, name=None, path=None, **_ignored):
        return cls.from_config(path)

    def _config(self):
        if not self.path:
            return {}
        try:
            with open(os.path.join(self.path, ".runnel", "config.json"), encoding="utf-8") as f:
                cfg = json.load(f)
            return cfg if isinstance(cfg, dict) else {}
        except (OSError, ValueError):
            return {}

    def get_default_datastore(self):
        """The workspace's default datastore (named in .runnel/config.json, else
        "workspaceblobstore")."""
        name = self._config().get("default_datastore") or DEFAULT_DATASTORE
        return Datastore(self, name)

    @property
    def datastores(self):
        """name -> Datastore for the default datastore and those under .runnel/datastores/."""
        names = {self.get_default_datastore().name}
        if self.path:
            root = os.path.join(self.path, ".runnel", "datastores")
            if os.path.isdir(root):
                names.update(n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)))
        return {n: Datastore(self, n) for n in sorted(names)}

    def __repr__(self):
        return "Workspace(name=%r, path=%r)" % (self.name, self.path)


class Datastore:
    """A named datastore of a workspace. `path` is its local root for local datastores,
    None when unknown (offline, or a remote store whose root is not on this machine)."""

    def __init__(self, workspace, name=DEFAULT_DATASTORE):
        self.workspace = workspace
        self.name = name
        root = None
        if workspace is not None and workspace.path:
            root = os.path.join(workspace.path, ".runnel", "datastores", name)
        self.path = root
        self.root = root  # the SDK Datastore's name for it

    @classmethod
    def get(cls, workspace, datastore_name):
        return cls(workspace, datastore_name)

    @classmethod
    def get_default(cls, workspace):
        return workspace.get_default_datastore()

    def _sdk(self):
        """This datastore as the SDK's Datastore (python/runnel/sdk), which copies files in and
        out (local folders and object stores alike) through runnel's native module."""
        if self.workspace is None or not self.workspace.path:
            raise RuntimeError("Datastore %r of an offline run: there is no workspace to copy to; "
                               "submit the script as a step of a runnel pipeline" % self.name)
        from .sdk import core
        return core.Datastore(core.Workspace(path=self.workspace.path), self.name)

    # What step scripts call on run.experiment.workspace's datastores, as the SDK has them.
    def upload(self, src_dir, target_path=None, overwrite=False, show_progress=True):
        return self._sdk().upload(src_dir, target_path=target_path, overwrite=overwrite,
                                  show_progress=show_progress)

    def upload_files(self, files, relative_root=None, target_path=None, overwrite=False,
                     show_progress=True):
        return self._sdk().upload_files(files, relative_root=relative_root, target_path=target_path,
                                        overwrite=overwrite, show_progress=show_progress)

    def download(self, target_path, prefix=None, overwrite=False, show_progress=True):
        return self._sdk().download(target_path, prefix=prefix, overwrite=overwrite,
                                    show_progress=show_progress)

    def __repr__(self):
        return "Datastore(name=%r, path=%r)" % (self.name, self.path)


class Experiment:
    """The experiment a run belongs to: `.name` and `.workspace`."""

    def __init__(self, workspace, name):
        self.workspace = workspace
        self.name = name

    def __repr__(self):
        return "Experiment(name=%r, workspace=%r)" % (self.name, self.workspace)
