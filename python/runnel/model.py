"""Registered models (the SDK's azureml.core.Model), usable from a submitting script and
from inside a step (standard library only).

A model version is a copy of the registered file or folder, kept in the workspace:

    <workspace>/.runnel/models/<name>/<version>/model.json     name, version, tags, ...
    <workspace>/.runnel/models/<name>/<version>/<basename>     the file or folder

Versions are 1, 2, ... per name, taken under a lock (.runnel/models/.lock), so steps
registering at once get distinct versions. Model.get_model_path(name) inside a step (a
scoring script's init()) finds the workspace through the run context.
"""

import datetime
import fcntl
import json
import os
import shutil

from runnel import _files
from runnel.exceptions import WebserviceException


def _ws_path(workspace):
    """The workspace folder of an SDK Workspace, a step-side one, a path or (None) the run's."""
    if workspace is None:
        ctx = os.environ.get("RUNNEL_RUN_CONTEXT")
        if ctx and os.path.exists(ctx):
            with open(ctx) as f:
                path = json.load(f).get("workspace")
            if path:
                return path
        from .workspace import Workspace
        return Workspace.from_config().path
    path = getattr(workspace, "path", None) or (workspace if isinstance(workspace, str) else None)
    if not path:
        raise TypeError("expected a Workspace, not %s" % type(workspace).__name__)
    return path


def _models_root(workspace):
    return os.path.join(_ws_path(workspace), ".runnel", "models")


def _versions(root, name):
    d = os.path.join(root, name)
    if not os.path.isdir(d):
        return []
    return sorted(int(v) for v in os.listdir(d)
                  if v.isdigit() and os.path.exists(os.path.join(d, v, "model.json")))


class ModelNotFoundError(WebserviceException, LookupError):
    """No registered model of that name (and version/tags): the SDK's WebserviceException
    with "ModelNotFound" (what Model(ws, name) raises there), and a LookupError."""


class Model:
    """A registered model version: name, version, id ("name:version"), tags, properties,
    description, created_time, path (its stored file or folder); download(), get_model_path()."""

    def __init__(self, workspace, name=None, id=None, tags=None, properties=None, version=None,
                 run_id=None, model_framework=None, expand=True, **_ignored):
        if id and not name:
            name, _, v = id.partition(":")
            version = version or (int(v) if v.isdigit() else None)
        if not name:
            raise ValueError("Model: give name= or id=")
        root = _models_root(workspace)
        versions = _versions(root, name)
        if version is not None:
            versions = [v for v in versions if v == int(version)]
        meta = None
        for v in reversed(versions):
            with open(os.path.join(root, name, str(v), "model.json")) as f:
                m = json.load(f)
            if all(m["tags"].get(k) == val for k, val in _tag_pairs(tags)) and \
                    all(m["properties"].get(k) == val for k, val in (properties or {}).items()):
                meta = m
                break
        if meta is None:
            raise ModelNotFoundError("ModelNotFound: Model with name %s%s not found in the workspace (%s)"
                                  % (name, "" if version is None else " and version %s" % version,
                                     _ws_path(workspace)))
        self._load(workspace, meta)

    def _load(self, workspace, meta):
        self.workspace = workspace
        self.name = meta["name"]
        self.version = meta["version"]
        self.id = "%s:%d" % (self.name, self.version)
        self.tags = dict(meta.get("tags") or {})
        self.properties = dict(meta.get("properties") or {})
        self.description = meta.get("description")
        self.model_framework = meta.get("model_framework")
        self.model_framework_version = meta.get("model_framework_version")
        self.created_time = meta.get("created_time")
        self.run_id = meta.get("run_id")
        self.experiment_name = meta.get("experiment_name")
        self.url = meta["path"]
        self.path = meta["path"]

    @classmethod
    def _from(cls, workspace, meta):
        m = cls.__new__(cls)
        m._load(workspace, meta)
        return m

    @staticmethod
    def register(workspace, model_path, model_name, tags=None, properties=None, description=None,
                 datasets=None, model_framework=None, model_framework_version=None,
                 child_paths=None, sample_input_dataset=None, sample_output_dataset=None,
                 resource_configuration=None, _run_id=None, _experiment_name=None, _model_type=None,
                 **_ignored):
        """Copies model_path (a file or folder) into the workspace as the next version of
        model_name and returns that Model."""
        if not os.path.exists(model_path):
            raise FileNotFoundError("Model.register: model_path %s does not exist" % model_path)
        root = _models_root(workspace)
        if not os.path.isdir(os.path.dirname(root)):
            # Never a registry made up on the spot (a step whose workspace is not there, such
            # as one in a container without it, would lose the model when it ends).
            raise FileNotFoundError("Model.register: %s is not a runnel workspace (no .runnel/ folder)"
                                    % _ws_path(workspace))
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            version = (_versions(root, model_name) or [0])[-1] + 1
            dest = os.path.join(root, model_name, str(version))
            tmp = dest + ".tmp-%d" % os.getpid()
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            base = os.path.basename(os.path.normpath(model_path))
            if os.path.isdir(model_path):
                shutil.copytree(model_path, os.path.join(tmp, base))
            else:
                shutil.copy2(model_path, os.path.join(tmp, base))
            meta = {"name": model_name, "version": version, "type": _model_type or "custom_model",
                    "tags": dict(tags or {}),
                    "properties": dict(properties or {}), "description": description,
                    "model_framework": model_framework, "model_framework_version": model_framework_version,
                    "created_time": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                    "run_id": _run_id, "experiment_name": _experiment_name,
                    "path": os.path.join(dest, base)}
            with open(os.path.join(tmp, "model.json"), "w") as f:
                json.dump(meta, f, indent=1)
            os.rename(tmp, dest)
        print("Registering model %s" % model_name, flush=True)
        return Model._from(workspace, meta)

    @staticmethod
    def deploy(workspace, name, models, inference_config=None, deployment_config=None,
               deployment_target=None, overwrite=False, show_output=False):
        raise NotImplementedError(
            "Model.deploy: deploying models as web services (ACI, AKS, managed endpoints, local "
            "Docker) is an Azure ML service runnel does not provide; the model is registered and its "
            "files are under .runnel/models/%s/ - serve it with your own tool"
            % (getattr(models[0], "name", "<name>") if models else "<name>"))

    @staticmethod
    def list(workspace, name=None, tags=None, properties=None, run_id=None, latest=False, **_ignored):
        root = _models_root(workspace)
        out = []
        names = [name] if name else (sorted(n for n in os.listdir(root) if not n.startswith("."))
                                     if os.path.isdir(root) else [])
        for n in names:
            vs = _versions(root, n)
            for v in (vs[-1:] if latest else vs):
                with open(os.path.join(root, n, str(v), "model.json")) as f:
                    m = json.load(f)
                if all(m["tags"].get(k) == val for k, val in _tag_pairs(tags)) and \
                        (run_id is None or m.get("run_id") == run_id):
                    out.append(Model._from(workspace, m))
        return out

    @staticmethod
    def get_model_path(model_name, version=None, _workspace=None):
        """The stored file or folder of model_name (its latest version, or `version`)."""
        return Model(_workspace, name=model_name, version=version).path

    def download(self, target_dir=".", exist_ok=False, exists_ok=None):
        """Copies the model's file or folder into target_dir; returns the copy's path."""
        dest = os.path.join(target_dir, os.path.basename(self.path))
        if os.path.exists(dest) and not (exist_ok or exists_ok):
            raise FileExistsError("Model.download: %s exists; pass exist_ok=True" % dest)
        os.makedirs(target_dir, exist_ok=True)
        if os.path.isdir(self.path):
            _files.copy_tree(self.path, dest)
        else:
            _files.copy_file(self.path, dest, metadata=True)
        return dest

    def add_tags(self, tags):
        self._update(tags=dict(self.tags, **tags))

    def add_properties(self, properties):
        self._update(properties=dict(self.properties, **properties))

    def _update(self, **changes):
        p = os.path.join(os.path.dirname(self.path), "model.json")
        with open(p) as f:
            meta = json.load(f)
        meta.update(changes)
        with open(p + ".tmp", "w") as f:
            json.dump(meta, f, indent=1)
        os.replace(p + ".tmp", p)
        self._load(self.workspace, meta)

    def serialize(self):
        return {"id": self.id, "name": self.name, "version": self.version, "tags": self.tags,
                "properties": self.properties, "description": self.description,
                "createdTime": self.created_time, "url": self.url}

    def __repr__(self):
        return "Model(workspace=%s, name=%s, id=%s, version=%s, tags=%s, properties=%s)" % (
            getattr(self.workspace, "name", self.workspace), self.name, self.id, self.version,
            self.tags, self.properties)


def _tag_pairs(tags):
    """Model.list/Model(tags=...) take ["key"] or [["key", "value"]] or {key: value}."""
    if not tags:
        return []
    if isinstance(tags, dict):
        return list(tags.items())
    out = []
    for t in tags:
        if isinstance(t, (list, tuple)):
            out.append((t[0], t[1]))
    return out
