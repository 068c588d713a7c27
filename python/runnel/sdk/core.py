"""Workspace, Datastore and Experiment of the SDK over runnel's engine.

A Workspace is a runnel workspace (a folder holding .runnel/); an Azure `config.json`
beside it supplies subscription_id / resource_group / workspace_name, as the SDK reads
them. Objects are handles on the native workspace; not synchronized.
"""

import json
import os
import shutil

from .. import _files
from . import workspace_config
from ._native import native

VERSION = "1.57.0"  # the azureml-core release whose v1 API this mirrors


def _find_up(start, predicate):
    return workspace_config.find_up(start, predicate)


def _read_azure_config(folder, file_name=None):
    """The keys of the config file the SDK would read starting at `folder`, else {}."""
    path = workspace_config.find_config(folder, file_name)
    return workspace_config.read_config(path) if path else {}


class Workspace:
    """The SDK's Workspace: a local runnel workspace.

    Workspace.from_config() finds it walking up from the current folder (or `path`);
    Workspace.create(name, path=...) makes one. Properties as in the SDK: name,
    subscription_id, resource_group, location; plus `path` (the folder holding .runnel/).
    """

    def __init__(self, subscription_id=None, resource_group=None, workspace_name=None, auth=None,
                 _location=None, _disable_service_check=False, _workspace_id=None, sku="basic",
                 tags=None, _cloud="AzureCloud", *, path=None, _native_ws=None):
        cfg = None
        if _native_ws is None:
            try:
                _native_ws, cfg = _open(path)
            except native().NotFoundError as e:
                # The SDK's Workspace(subscription_id, resource_group, workspace_name) of a
                # workspace that does not exist raises ProjectSystemException.
                raise workspace_config.not_found_as_project_error(e) from None
        self._native = _native_ws
        self.path = _native_ws.root
        if cfg is None:
            cfg = _read_azure_config(self.path)
        self._subscription_id = subscription_id or cfg.get("subscription_id") or "local"
        self._resource_group = resource_group or cfg.get("resource_group") or "local"
        self._name = workspace_name or cfg.get("workspace_name") or _native_ws.name
        self._location = _location or cfg.get("location") or "local"
        self._auth = auth
        self.sku = sku
        self.tags = dict(tags or {})

    # -- finding and creating ----------------------------------------------------------
    @classmethod
    def from_config(cls, path=None, auth=None, _logger=None, _file_name=None):
        """The workspace found from `path` (a folder or a config.json file), else the current
        folder: the nearest folder holding .runnel/ at or above it, or the one a config file
        written by write_config names (see workspace_config.py); subscription_id,
        resource_group and workspace_name come from the config file the SDK would read there.
        $RUNNEL_WORKSPACE wins when set and no path is given. None found: NotFoundError,
        also the SDK's UserErrorException."""
        if not path and os.environ.get("RUNNEL_WORKSPACE"):
            ws = native().Workspace.from_config("")
            cfg = _read_azure_config(ws.root, _file_name)
        else:
            root, cfg = workspace_config.locate(path or os.getcwd(), _file_name)
            ws = native().Workspace.get(root)
        return cls(cfg.get("subscription_id"), cfg.get("resource_group"), cfg.get("workspace_name"),
                   auth=auth, _native_ws=ws)

    @classmethod
    def get(cls, name, auth=None, subscription_id=None, resource_group=None, location=None,
            cloud="AzureCloud", id=None, *, path=None):
        """The workspace called `name`: `path` (or `name` when it is a folder holding
        .runnel/), else the one found from the current folder. None found: NotFoundError,
        also the SDK's ProjectSystemException (what it raises for a missing workspace)."""
        if path is None and name and os.path.isdir(os.path.join(str(name), ".runnel")):
            path = name
        try:
            ws = cls.from_config(path) if path else cls.from_config()
        except native().NotFoundError as e:
            raise workspace_config.not_found_as_project_error(e) from None
        return cls(subscription_id or ws._subscription_id, resource_group or ws._resource_group,
                   name or ws._name, auth=auth, _location=location, _native_ws=ws._native)

    @classmethod
    def create(cls, name, auth=None, subscription_id=None, resource_group=None, location=None,
               create_resource_group=True, sku="basic", tags=None, friendly_name=None,
               storage_account=None, key_vault=None, app_insights=None, container_registry=None,
               adb_workspace=None, primary_user_assigned_identity=None, cmk_keyvault=None,
               resource_cmk_uri=None, hbi_workspace=False, default_cpu_compute_target=None,
               default_gpu_compute_target=None, private_endpoint_config=None,
               private_endpoint_auto_approval=True, exist_ok=False, show_output=True,
               user_assigned_identity_for_cmk_encryption=None,
               system_datastores_auth_mode="accessKey", v1_legacy_mode=None, *, path=None):
        """Creates a runnel workspace called `name` in `path` (default: the current folder).
        With exist_ok=False an existing workspace there is an error, as in the SDK."""
        folder = os.path.abspath(path or os.getcwd())
        if not exist_ok and os.path.isdir(os.path.join(folder, ".runnel")):
            raise native().AlreadyExistsError(
                "a workspace already exists at %s; pass exist_ok=True to use it" % folder)
        ws = native().Workspace.create(folder, name)
        if show_output:
            print("Deployed workspace %s at %s" % (name, folder))
        return cls(subscription_id, resource_group, name, auth=auth, _location=location, sku=sku,
                   tags=tags, _native_ws=ws)

    def write_config(self, path=None, file_name=None):
        """Writes <path or the current folder>/.azureml/<file_name or config.json> holding
        subscription_id, resource_group and workspace_name, as the SDK does, and where this
        runnel workspace is (so from_config there, or below, finds it). Returns the file's path."""
        return workspace_config.write(path, file_name, self.subscription_id, self.resource_group, self.name,
                                      self.path)

    # -- properties --------------------------------------------------------------------
    name = property(lambda self: self._name)
    subscription_id = property(lambda self: self._subscription_id)
    resource_group = property(lambda self: self._resource_group)
    location = property(lambda self: self._location)

    @property
    def datastores(self):
        """name -> Datastore."""
        return {n: Datastore(self, n) for n in self._native.datastores()}

    def get_default_datastore(self):
        return Datastore(self, self._native.get_default_datastore().name)

    @property
    def models(self):
        """name -> the latest version of each registered model."""
        from ..model import Model
        return {m.name: m for m in Model.list(self, latest=True)}

    def get_mlflow_tracking_uri(self, _with_auth=False):
        """An MLflow tracking URI for this workspace: a `file:` URI of a folder in it
        (.runnel/mlflow). runnel's mlflow shim accepts it (inside a step metrics still go to the
        step's run); a real MLflow keeps a file store there."""
        return "file://" + os.path.join(self.path, ".runnel", "mlflow")

    def get_default_keyvault(self):
        """The workspace's secrets (azureml.core.keyvault.Keyvault)."""
        from .keyvault import Keyvault
        return Keyvault(self)

    @property
    def compute_targets(self):
        """name -> compute target (AmlCompute for local targets)."""
        from .compute import ComputeTarget
        return {c["name"]: ComputeTarget._from_record(self, c) for c in self._native.list_computes()}

    @property
    def experiments(self):
        """name -> Experiment of the active (not archived) experiments, as Experiment.list."""
        return {e.name: e for e in Experiment.list(self)}

    @property
    def environments(self):
        from .environment import Environment
        return Environment.list(self)

    @property
    def datasets(self):
        from .data import Dataset
        return {d["name"]: Dataset.get_by_name(self, d["name"]) for d in self._native.list_datasets()}

    def get_details(self):
        return {"id": self.path, "name": self.name, "location": self.location,
                "subscriptionId": self.subscription_id, "resourceGroup": self.resource_group,
                "workspaceid": self.path, "sku": self.sku}

    def get_default_compute_target(self, type):
        """The workspace's default "CPU" or "GPU" compute: a local AmlCompute called
        cpu-cluster / gpu-cluster (made on first use)."""
        from .compute import AmlCompute, ComputeTarget, ComputeTargetException
        if type not in ("CPU", "GPU"):
            raise ValueError("get_default_compute_target: type must be 'CPU' or 'GPU', not %r" % (type,))
        name = "cpu-cluster" if type == "CPU" else "gpu-cluster"
        try:
            return ComputeTarget(self, name)
        except ComputeTargetException:
            return ComputeTarget.create(self, name, AmlCompute.provisioning_configuration(max_nodes=4))

    def get_run(self, run_id):
        from .runs import PipelineRun
        return PipelineRun._attach(self, run_id)

    def __eq__(self, other):
        return isinstance(other, Workspace) and other.path == self.path

    def __hash__(self):
        return hash(self.path)

    def __repr__(self):
        return ("Workspace.create(name=%r, subscription_id=%r, resource_group=%r)  # at %s"
                % (self.name, self.subscription_id, self.resource_group, self.path))

    # Pythonic extras: `with Workspace.from_config() as ws:` (nothing to release yet).
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _workspace_dir(start):
    """The folder holding .runnel/ at or above `start`; NotFoundError when there is none."""
    found = _find_up(start, workspace_config.is_workspace)
    if not found:
        raise native().NotFoundError(
            "no runnel workspace (a folder holding .runnel/) at or above %s; create one with "
            "`runnel init %s` or Workspace.create(name, path=...)" % (os.path.abspath(start), start))
    return found


def _open(path):
    """(native workspace, config dict or None) for Workspace(...) without a handle: the one at
    or above `path`, else $RUNNEL_WORKSPACE, else the one from_config finds from here."""
    if path:
        return native().Workspace.from_config(_workspace_dir(path)), None
    if os.environ.get("RUNNEL_WORKSPACE"):
        return native().Workspace.from_config(""), None
    root, cfg = workspace_config.locate(os.getcwd())
    return native().Workspace.get(root), cfg


def _as_workspace(workspace):
    """A Workspace from an SDK Workspace, a step-side workspace (with .path) or a folder."""
    if isinstance(workspace, Workspace):
        return workspace
    path = getattr(workspace, "path", None) or (workspace if isinstance(workspace, str) else None)
    if not path:
        raise TypeError("expected a Workspace, not %s" % type(workspace).__name__)
    return Workspace.from_config(path)


class Datastore:
    """A named datastore of a workspace (the SDK's Datastore / AzureBlobDatastore).

    Every runnel datastore is a folder; `path` is its root. upload/download copy files into
    and out of it; the destination path is checked by the engine (no `..` escapes).
    """

    def __init__(self, workspace, name=None):
        ws = _as_workspace(workspace)
        self.workspace = ws
        nat = native().Datastore(ws._native, name) if name else ws._native.get_default_datastore()
        self._native = nat
        self.name = nat.name
        self.datastore_type = {"local": "AzureBlob", "azure_blob": "AzureBlob", "s3": "S3"}.get(nat.type, nat.type)
        self.container_name = nat.name
        self.account_name = "local"
        if nat.type != "local":
            desc = json.loads(nat.describe_json())
            self.container_name = desc.get("container_name") or desc.get("bucket") or nat.name
            self.account_name = desc.get("account_name") or desc.get("endpoint_url") or ""
        self.root = nat.root  # its folder (`path` is the SDK's method, path(p) -> DataReference)

    @staticmethod
    def get(workspace, datastore_name):
        return Datastore(workspace, datastore_name)

    @staticmethod
    def register_azure_blob_container(workspace, datastore_name, container_name, account_name, sas_token=None,
                                      account_key=None, protocol=None, endpoint=None, overwrite=False,
                                      create_if_not_exists=False, skip_validation=False, blob_cache_timeout=None,
                                      grant_workspace_access=False, subscription_id=None, resource_group=None):
        """Registers an Azure Blob container as datastore_name (runnel's azure_blob datastore:
        settings in .runnel/config.json, the key or SAS token in .runnel/credentials/, 0600).
        endpoint: the storage suffix (core.windows.net), an emulator's host:port (Azurite) or
        a full account URL. Without credentials the container must allow anonymous reads."""
        ws = _as_workspace(workspace)
        native().Datastore.register_azure_blob_container(
            ws._native, datastore_name, container_name, account_name, sas_token=sas_token or "",
            account_key=account_key or "", protocol=protocol or "", endpoint=endpoint or "",
            overwrite=bool(overwrite), create_if_not_exists=bool(create_if_not_exists),
            skip_validation=bool(skip_validation))
        return Datastore(ws, datastore_name)

    @staticmethod
    def register_azure_file_share(workspace, datastore_name, file_share_name, account_name, sas_token=None,
                                  account_key=None, protocol=None, endpoint=None, overwrite=False,
                                  create_if_not_exists=False, skip_validation=False):
        raise NotImplementedError(
            "Datastore.register_azure_file_share: Azure Files shares are not a runnel datastore; "
            "register the data as an Azure Blob container (register_azure_blob_container), an S3 "
            "bucket, or copy it into the workspace's datastore")

    def unregister(self):
        native().Datastore.unregister(self.workspace._native, self.name)

    @property
    def _remote(self):
        return self._native.type != "local"

    @staticmethod
    def get_default(workspace):
        return _as_workspace(workspace).get_default_datastore()

    def _target(self, target_path):
        rel = (target_path or "").strip("/")
        return self._native.path(rel) if rel else self._native.root

    def upload(self, src_dir, target_path=None, overwrite=False, show_progress=True):
        """Copies the folder `src_dir` to `target_path` on this datastore; returns a
        DataReference to it. Existing files are kept unless overwrite=True."""
        from .data import DataReference
        if not os.path.isdir(src_dir):
            raise native().NotFoundError("Datastore.upload: %s is not a folder; use "
                                         "upload_files() for single files" % src_dir)
        files = []
        for root, _dirs, names in os.walk(src_dir):
            files.extend(os.path.join(root, n) for n in names)
        self.upload_files(files, relative_root=src_dir, target_path=target_path,
                          overwrite=overwrite, show_progress=show_progress)
        return DataReference(self, path_on_datastore=target_path or "")

    def upload_files(self, files, relative_root=None, target_path=None, overwrite=False,
                     show_progress=True):
        """Copies `files` to `target_path`, each under its path relative to
        `relative_root` (default: the files' common folder). Returns a DataReference."""
        from .data import DataReference
        if isinstance(files, str):
            raise TypeError("upload_files: files is a list of paths, not a str")
        files = [os.path.abspath(f) for f in files]
        if not files:
            return DataReference(self, path_on_datastore=target_path or "")
        if self._remote:
            root = os.path.abspath(relative_root) if relative_root else os.path.commonpath(
                [os.path.dirname(f) for f in files])
            for f in files:
                rel = os.path.relpath(f, root)
                dest = "/".join(p for p in ((target_path or "").strip("/"), rel.replace(os.sep, "/")) if p)
                native().Datastore.upload_remote(self.workspace._native, self.name, f, dest)
                if show_progress:
                    print("Uploading %s" % f)
            if show_progress:
                print("Uploaded %d files" % len(files))
            return DataReference(self, path_on_datastore=target_path or "")
        root = os.path.abspath(relative_root) if relative_root else os.path.commonpath(
            [os.path.dirname(f) for f in files])
        copied = 0
        for f in files:
            rel = os.path.relpath(f, root)
            if rel.startswith(".."):
                raise ValueError("upload_files: %s is not under relative_root %s" % (f, root))
            dest = self._target(os.path.join(target_path or "", rel))
            if os.path.exists(dest) and not overwrite:
                if show_progress:
                    print("Target already exists. Skipping upload for %s" % rel)
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            tmp = dest + ".part-%d" % os.getpid()
            shutil.copyfile(f, tmp)
            os.replace(tmp, dest)
            copied += 1
            if show_progress:
                print("Uploading %s" % f)
        if show_progress:
            print("Uploaded %d files" % copied)
        return DataReference(self, path_on_datastore=target_path or "")

    def download(self, target_path, prefix=None, overwrite=False, show_progress=True):
        """Copies the files under `prefix` (default: all) to `target_path`; returns the
        number of files copied."""
        if self._remote:
            dest = os.path.join(os.path.abspath(target_path), (prefix or "").strip("/"))
            files = native().Datastore.download_remote(self.workspace._native, self.name,
                                                       (prefix or "").strip("/"), dest)[0]
            if show_progress:
                print("Downloaded %d files" % files)
            return files
        src_root = self._native.root
        start = self._target(prefix) if prefix else src_root
        count = 0
        walk = [(os.path.dirname(start), [], [os.path.basename(start)])] if os.path.isfile(start) \
            else os.walk(start)
        for root, _dirs, names in walk:
            for n in names:
                src = os.path.join(root, n)
                dest = os.path.join(target_path, os.path.relpath(src, src_root))
                if os.path.exists(dest) and not overwrite:
                    continue
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                _files.copy_file(src, dest)
                count += 1
        if show_progress:
            print("Downloaded %d files" % count)
        return count

    def path(self, path=None, data_reference_name=None):
        from .data import DataReference
        return DataReference(self, data_reference_name=data_reference_name, path_on_datastore=path)

    def as_mount(self):
        return self.path().as_mount()

    def as_download(self, path_on_compute=None):
        return self.path().as_download(path_on_compute)

    def __eq__(self, other):
        return isinstance(other, Datastore) and (other.workspace, other.name) == (self.workspace, self.name)

    def __hash__(self):
        return hash((self.workspace.path, self.name))

    def __repr__(self):
        return "Datastore(name=%r, root=%r)" % (self.name, self.root)


class ViewType:
    """Which experiments Experiment.list shows (the SDK's azureml.core.experiment.ViewType)."""
    ACTIVE_ONLY = "ActiveOnly"
    ARCHIVED_ONLY = "ArchivedOnly"
    ALL = "All"


def _archived_path(ws):
    return os.path.join(ws.path, ".runnel", "archived_experiments.json")


def _archived_experiments(ws):
    """name -> archived time of the archived experiments (Experiment.archive)."""
    import json
    try:
        with open(_archived_path(ws), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _update_archived(ws, change):
    """Applies change(dict) to the archived experiments under an exclusive lock; the file is
    replaced whole (a temporary file renamed over it)."""
    import fcntl
    import json
    import tempfile
    path = _archived_path(ws)
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = _archived_experiments(ws)
        change(data)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".archived-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, path)


class Experiment:
    """A named group of runs: submit(pipeline) starts one; get_runs() lists them."""

    def __init__(self, workspace, name, _skip_name_validation=False, _id=None,
                 _archived_time=None, _create_in_cloud=True, _experiment_dto=None, **kwargs):
        if kwargs:
            raise TypeError("Experiment() got an unexpected keyword argument %r" % next(iter(kwargs)))
        if not isinstance(name, str) or not name:
            raise ValueError("Experiment name must be a non-empty str, not %r" % (name,))
        self.workspace = _as_workspace(workspace)
        self.name = name
        self.id = name

    def submit(self, config, tags=None, **kwargs):
        """Starts `config` (a Pipeline, or a ScriptRunConfig as a one-step pipeline) and
        returns its PipelineRun at once. Pipeline keywords: pipeline_parameters,
        regenerate_outputs, continue_on_step_failure."""
        from .pipeline import Pipeline
        from .estimator import Estimator
        from .script_run import ScriptRunConfig
        from .publishing import PipelineEndpoint, PublishedPipeline
        if isinstance(config, (ScriptRunConfig, Estimator)):
            from .runs import RUN_TYPE_TAG, ScriptRun
            tags = dict(tags or {}, **{RUN_TYPE_TAG: ScriptRun.type})
            run = config._as_pipeline(self.workspace)._submit(self, tags=tags, **kwargs)
            run.__class__ = ScriptRun  # the step's metrics, files and models, as the SDK's ScriptRun
            return run
        from .hyperdrive import HyperDriveConfig
        if isinstance(config, HyperDriveConfig):
            from .hyperdrive import HyperDriveStep
            from .runs import RUN_TYPE_TAG, _ExperimentHyperDriveRun
            tags = dict(tags or {}, **{RUN_TYPE_TAG: _ExperimentHyperDriveRun.type})
            run = Pipeline(self.workspace, [HyperDriveStep("hyperdrive", config)])._submit(self, tags=tags, **kwargs)
            run.__class__ = _ExperimentHyperDriveRun
            return run
        if isinstance(config, (PublishedPipeline, PipelineEndpoint)):
            return config._submit(self, tags=tags, **kwargs)
        if not isinstance(config, Pipeline):
            raise TypeError("Experiment.submit: expected a Pipeline, ScriptRunConfig, Estimator, PublishedPipeline "
                            "or PipelineEndpoint, not %s"
                            % type(config).__name__)
        return config._submit(self, tags=tags, **kwargs)

    @staticmethod
    def list(workspace, experiment_name=None, view_type="ActiveOnly", tags=None):
        """The workspace's experiments (those with runs), by name. view_type (ViewType):
        "ActiveOnly" (the default, as in the SDK: archived ones are left out), "ArchivedOnly"
        or "All"."""
        if view_type is None:
            view_type = ViewType.ACTIVE_ONLY
        if view_type not in (ViewType.ACTIVE_ONLY, ViewType.ARCHIVED_ONLY, ViewType.ALL):
            raise ValueError("Experiment.list: view_type must be 'ActiveOnly', 'ArchivedOnly' or 'All', not %r"
                             % (view_type,))
        ws = _as_workspace(workspace)
        names = ws._native.list_experiments()
        archived = _archived_experiments(ws)
        out = []
        for n in names:
            if experiment_name not in (None, n):
                continue
            if (view_type == ViewType.ACTIVE_ONLY and n in archived) or \
                    (view_type == ViewType.ARCHIVED_ONLY and n not in archived):
                continue
            out.append(Experiment(ws, n))
        return out

    @property
    def archived_time(self):
        """When archive() archived this experiment (ISO text), None when it is active."""
        return _archived_experiments(self.workspace).get(self.name)

    def archive(self):
        """Archives the experiment: Experiment.list() leaves it out (view_type="ArchivedOnly"
        or "All" lists it); its runs are kept. Recorded in .runnel/archived_experiments.json."""
        import time
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"
        _update_archived(self.workspace, lambda d: d.setdefault(self.name, stamp))

    def reactivate(self, new_name=None):
        """Makes an archived experiment active again. new_name (a rename) is not supported:
        runs keep their experiment's name."""
        if new_name is not None and new_name != self.name:
            raise NotImplementedError("Experiment.reactivate: renaming an experiment (new_name=) is not "
                                      "supported; reactivate it under its name")
        _update_archived(self.workspace, lambda d: d.pop(self.name, None))

    def start_logging(self, *args, outputs=None, snapshot_directory=None, display_name=None,
                      tags=None, timeout_seconds=60, **kwargs):
        """An interactive run: this process logs to it (`run.log(...)`, `upload_file`, ...)
        until `run.complete()` (or `fail()`, or the end of a `with` block). It is a pipeline
        run of one step that holds the run open (runnel.interactive); what is logged lands on
        that step run, and `runnel runs show`, the studio and `get_metrics()` see it. A process
        that ends without completing leaves the run Failed, saying so. `snapshot_directory`
        is kept as the step's code snapshot (none by default, as in the SDK)."""
        if args or kwargs:
            raise TypeError("start_logging() takes keyword arguments outputs, snapshot_directory, "
                            "display_name, tags")
        from .interactive import start_interactive
        return start_interactive(self, snapshot_directory=snapshot_directory,
                                 display_name=display_name, tags=tags, timeout_seconds=timeout_seconds)

    def get_runs(self, type=None, tags=None, properties=None, include_children=False):
        """This experiment's runs, newest first (a generator, as in the SDK). tags and
        properties: a name that must be set, or name -> value; type: the run's type
        ("azureml.PipelineRun"; "azureml.StepRun" for the steps include_children=True adds
        after each run)."""
        from .runs import PipelineRun, _matches
        for rec in self.workspace._native.list_pipeline_runs(self.name, 1000):
            run = PipelineRun._attach(self.workspace, rec["id"], self)
            if _matches(run, tags, properties, type, None):
                yield run
            if include_children:
                yield from run.get_children(tags=tags, properties=properties, type=type)

    def __repr__(self):
        return "Experiment(Name: %s, Workspace: %s)" % (self.name, self.workspace.name)
