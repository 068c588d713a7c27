"""PublishedPipeline, PipelineEndpoint and PipelineDraft: the SDK's publishing classes.

Publishing, listing and getting work on the workspace directly (the C++ store behind
runnel._runnel.published, the same one `runnel pipeline ...` and `runnel serve` use).
Submitting goes to the workspace's server (`runnel serve`) when one answers: submit() POSTs
the SDK's REST body to the pipeline's endpoint, found through .runnel/config.json
("server") with the token in $RUNNEL_TOKEN or .runnel/server/admin.token. When none
answers, the run is started in this process instead (as Experiment.submit starts a
Pipeline; the same request, resolved by the same C++ code), unless $RUNNEL_SERVER names a
server explicitly: then an unreachable one is an error. Not synchronized.
"""

import json
import os
import urllib.error
import urllib.request

from ._native import native


# -- the workspace's server ---------------------------------------------------------------

def _server_base(ws):
    """The server URL written by `runnel serve` (the default address when none is)."""
    try:
        with open(os.path.join(ws.path, ".runnel", "config.json")) as f:
            url = (json.load(f).get("server") or {}).get("url")
    except (OSError, ValueError):
        url = None
    return os.environ.get("RUNNEL_SERVER") or url or "http://127.0.0.1:8765"


def _token(ws):
    tok = os.environ.get("RUNNEL_TOKEN")
    if tok:
        return tok
    try:
        with open(os.path.join(ws.path, ".runnel", "server", "admin.token")) as f:
            return f.read().strip()
    except OSError:
        return ""


def _request(ws, method, url, body=None, _raise_no_server=False):
    """The server's JSON answer; HTTP errors as runnel errors (UnavailableError, or
    _NoServer with _raise_no_server, when nothing answers)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": "Bearer " + _token(ws),
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            msg = json.loads(e.read()).get("message", str(e))
        except ValueError:
            msg = str(e)
        cls = {400: native().InvalidArgumentError, 404: native().NotFoundError,
               409: native().RunnelError}.get(e.code, native().RunnelError)
        raise cls("runnel server %s: %s" % (url, msg)) from None
    except (urllib.error.URLError, OSError) as e:
        if _raise_no_server:
            raise _NoServer() from None
        raise native().UnavailableError(
            "submitting a published pipeline needs the workspace's server, and none answers at %s "
            "(%s); start it with `runnel serve`" % (_server_base(ws), getattr(e, "reason", e))) from None


class _NoServer(Exception):
    """No server answers at the workspace's address (connection refused or unreachable)."""


def _submit_or_local(ws, url, body, local_request):
    """POSTs `body` to the server; when no server answers (and $RUNNEL_SERVER does not name
    one), runs `local_request` in this process. Returns {"Id": run id, "local": bool}."""
    if os.environ.get("RUNNEL_SERVER"):
        answer = _request(ws, "POST", url, body)
    else:
        try:
            answer = _request(ws, "POST", url, body, _raise_no_server=True)
        except _NoServer:
            return {"Id": native().submit_local(ws._native, json.dumps(local_request)), "local": True}
    return {"Id": answer.get("Id") or answer.get("run_id"), "local": False}


def _call(ws, op, **args):
    return json.loads(native().published(ws._native, op, json.dumps(args)))


def _ws(workspace):
    from .core import _as_workspace
    return _as_workspace(workspace)


def _params_body(pipeline_parameters):
    """The SDK's REST body parts for pipeline_parameters (values: scalars, DataPath, datasets)."""
    from .data import DataPath, _DatasetBase
    if pipeline_parameters is not None and not isinstance(pipeline_parameters, dict):
        raise TypeError("pipeline_parameters must be a dict, not %s" % type(pipeline_parameters).__name__)
    scalars, paths, sets = {}, {}, {}
    for k, v in (pipeline_parameters or {}).items():
        if isinstance(v, DataPath):
            paths[k] = {"DataStoreName": v.datastore_name, "RelativePath": v.path_on_datastore}
        elif isinstance(v, _DatasetBase):
            sets[k] = {"SavedDataSetReference": {"Id": v.id}}
        elif isinstance(v, (str, bool, int, float)):
            scalars[k] = v
        else:
            raise TypeError("pipeline_parameters[%r]: a str, number, bool, DataPath or dataset, not %s"
                            % (k, type(v).__name__))
    return {"ParameterAssignments": scalars, "DataPathAssignments": paths,
            "DataSetDefinitionValueAssignments": sets}


def _run_of(ws, answer, experiment_name):
    from .core import Experiment
    from .runs import PipelineRun
    run = PipelineRun._attach(ws, answer["Id"], Experiment(ws, experiment_name))
    if answer.get("local"):
        run._track_local()  # a run of this process (no server): waited for at exit
    return run


# -- PublishedPipeline ---------------------------------------------------------------------

class PublishedPipeline:
    """An immutable pipeline definition with an id and a REST endpoint."""

    def __init__(self, name=None, graph_id=None, description=None, version=None, published_pipeline_id=None,
                 status=None, endpoint=None, total_run_steps=None, workspace=None,
                 continue_on_step_failure=None, _pipeline_provider=None, _service_endpoint=None, **kwargs):
        self._ws = workspace
        self._rec = {"id": published_pipeline_id, "name": name, "description": description,
                     "version": version, "status": status or "Active",
                     "continue_on_step_failure": bool(continue_on_step_failure)}

    @classmethod
    def _from(cls, ws, rec):
        p = cls.__new__(cls)
        p._ws = ws
        p._rec = rec
        return p

    id = property(lambda self: self._rec["id"])
    name = property(lambda self: self._rec.get("name"))
    description = property(lambda self: self._rec.get("description"))
    version = property(lambda self: self._rec.get("version"))
    status = property(lambda self: self._rec.get("status"))
    continue_on_step_failure = property(lambda self: self._rec.get("continue_on_step_failure"))
    graph_id = property(lambda self: self._rec["id"])
    workspace = property(lambda self: self._ws)

    @property
    def endpoint(self):
        """The URL a client POSTs the SDK's REST body to (with a bearer token)."""
        return "%s/api/v1/pipelines/%s/runs" % (_server_base(self._ws), self.id)

    @property
    def total_run_steps(self):
        return len(self._spec().get("steps", []))

    def _spec(self):
        if "spec" not in self._rec:
            self._rec = _call(self._ws, "get_pipeline", id=self.id)
        return self._rec.get("spec") or {}

    def get_step_names(self):
        return [s["name"] for s in self._spec().get("steps", [])]

    @property
    def parameters(self):
        """{name: default} of the pipeline's parameters."""
        if "parameters" not in self._rec:
            self._rec = _call(self._ws, "get_pipeline", id=self.id)
        return {p["name"]: p["default"] for p in self._rec.get("parameters", [])}

    @staticmethod
    def get(workspace, id, _workflow_provider=None, _service_endpoint=None):
        ws = _ws(workspace)
        return PublishedPipeline._from(ws, _call(ws, "get_pipeline", id=id))

    @staticmethod
    def list(workspace, active_only=True, _service_endpoint=None):
        ws = _ws(workspace)
        return [PublishedPipeline._from(ws, r) for r in _call(ws, "list_pipelines", active_only=bool(active_only))]

    get_all = list

    def submit(self, workspace, experiment_name, pipeline_parameters=None, _workflow_provider=None,
               _service_endpoint=None, parent_run_id=None, continue_on_step_failure=None, _tags=None):
        """Runs it on the workspace's server, else in this process; returns the PipelineRun."""
        ws = _ws(workspace)
        body = {"ExperimentName": experiment_name, "RunSource": "SDK"}
        body.update(_params_body(pipeline_parameters))
        if _tags:
            body["Tags"] = {str(k): str(v) for k, v in _tags.items()}
        local = dict(body, published={"pipeline_id": self.id}, experiment=experiment_name, tags=body.get("Tags", {}))
        return _run_of(ws, _submit_or_local(ws, self.endpoint, body, local), experiment_name)

    def _submit(self, experiment, tags=None, pipeline_parameters=None, **kwargs):
        return self.submit(experiment.workspace, experiment.name, pipeline_parameters, _tags=tags)

    def _set_status(self, status):
        self._rec = dict(self._rec, **_call(self._ws, "set_pipeline_status", id=self.id, status=status))

    def enable(self):
        self._set_status("Active")

    def disable(self):
        self._set_status("Disabled")

    def __repr__(self):
        return "PublishedPipeline(Name: %s, Id: %s, Status: %s, Endpoint: %s)" % (
            self.name, self.id, self.status, self.endpoint)


def _publish_spec(ws, spec_json, name, description, version, continue_on_step_failure, source,
                  experiment_name=""):
    rec = _call(ws, "publish", spec=json.loads(spec_json) if isinstance(spec_json, str) else spec_json,
                name=name or "", description=description or "", version=version or "",
                continue_on_step_failure=bool(continue_on_step_failure), source=source,
                experiment_name=experiment_name or "")
    return PublishedPipeline._from(ws, rec)


# -- PipelineEndpoint ----------------------------------------------------------------------

class PipelineVersion:
    """A version of a pipeline endpoint with its PublishedPipeline (get_all_versions())."""

    def __init__(self, version, pipeline):
        self.version = version
        self.pipeline = pipeline

    def __repr__(self):
        return "PipelineVersion(version=%r, pipeline=%r)" % (self.version, self.pipeline.id)


class PipelineIdVersion:
    def __init__(self, pipeline_id, version):
        self.pipeline_id = pipeline_id
        self.version = version

    def __repr__(self):
        return "PipelineIdVersion(pipeline_id=%r, version=%r)" % (self.pipeline_id, self.version)


def _as_published(ws, pipeline, name, description):
    from .pipeline import Pipeline
    if isinstance(pipeline, PublishedPipeline):
        return pipeline
    if isinstance(pipeline, Pipeline):
        return pipeline.publish(name=name, description=description)
    raise TypeError("expected a Pipeline or PublishedPipeline, not %s" % type(pipeline).__name__)


class PipelineEndpoint:
    """Versions "0", "1", ... of published pipelines behind one name and one REST endpoint."""

    def __init__(self, workspace, id, name, description, status, default_version, endpoint=None,
                 pipeline_version_list=None, _pipeline_endpoint_provider=None, _published_pipeline_provider=None,
                 _swagger_endpoint=None, **kwargs):
        self._ws = _ws(workspace)
        self._rec = {"id": id, "name": name, "description": description, "status": status,
                     "default_version": default_version, "versions": []}

    @classmethod
    def _from(cls, ws, rec):
        e = cls.__new__(cls)
        e._ws = ws
        e._rec = rec
        return e

    id = property(lambda self: self._rec["id"])
    name = property(lambda self: self._rec["name"])
    description = property(lambda self: self._rec.get("description"))
    status = property(lambda self: self._rec.get("status"))
    default_version = property(lambda self: self._rec.get("default_version"))
    pipeline_version_list = property(lambda self: self.list_versions())

    @property
    def endpoint(self):
        """The URL to POST the SDK's REST body to, shaped as Azure ML's
        (.../PipelineRuns/PipelineEndpointSubmit/Id/<id>): append "/<version>" for a version,
        or use .../PipelineEndpointSubmit/Name?name=<name>&pipelineVersion=<v>; a
        "PipelineVersion" in the body also picks one."""
        return "%s/api/v1/PipelineRuns/PipelineEndpointSubmit/Id/%s" % (_server_base(self._ws), self.id)

    swaggerurl = property(lambda self: "%s/api/v1/openapi.json" % _server_base(self._ws))

    @staticmethod
    def publish(workspace, name, description, pipeline, _workflow_provider=None, _service_endpoint=None,
                **kwargs):
        ws = _ws(workspace)
        pub = _as_published(ws, pipeline, name, description)
        return PipelineEndpoint._from(ws, _call(ws, "create_endpoint", name=name, description=description or "",
                                                pipeline_id=pub.id))

    @staticmethod
    def get(workspace, id=None, name=None, _workflow_provider=None, _service_endpoint=None):
        ws = _ws(workspace)
        if (id is None) == (name is None):
            raise ValueError("PipelineEndpoint.get: give id= or name=")
        rec = _call(ws, "get_endpoint", id=id or name)
        if rec is None or (id is not None and rec["id"] != id) or (name is not None and rec["name"] != name):
            raise native().NotFoundError("no pipeline endpoint with %s %r" % ("id" if id else "name", id or name))
        return PipelineEndpoint._from(ws, rec)

    @staticmethod
    def list(workspace, active_only=True, _workflow_provider=None, _service_endpoint=None):
        ws = _ws(workspace)
        return [PipelineEndpoint._from(ws, r) for r in _call(ws, "list_endpoints", active_only=bool(active_only))]

    get_all = list

    def _update(self, op, **args):
        self._rec = _call(self._ws, op, endpoint=self.id, **args)
        return self

    def get_default_version(self):
        return self.default_version

    def set_default_version(self, version):
        self._update("set_default_version", version=str(version))

    def add(self, pipeline):
        self._update("add_version", pipeline_id=_as_published(self._ws, pipeline, self.name, None).id,
                     make_default=False)

    def add_default(self, pipeline):
        self._update("add_version", pipeline_id=_as_published(self._ws, pipeline, self.name, None).id,
                     make_default=True)

    def set_default(self, pipeline):
        """Adds `pipeline` (a PublishedPipeline) if it is not a version yet, and makes its
        version the default."""
        pub = _as_published(self._ws, pipeline, self.name, None)
        for v in self._rec.get("versions", []):
            if v["pipeline_id"] == pub.id:
                return self.set_default_version(v["version"])
        self.add_default(pub)

    def get_all_versions(self, _workflow_provider=None, _service_endpoint=None):
        """[PipelineVersion(version, pipeline)] of every version."""
        return [PipelineVersion(v["version"], PublishedPipeline.get(self._ws, v["pipeline_id"]))
                for v in self._rec.get("versions", [])]

    def get_all_pipelines(self, active_only=True, _workflow_provider=None, _service_endpoint=None):
        return self.list_pipelines(active_only)

    def list_versions(self):
        return [PipelineIdVersion(v["pipeline_id"], v["version"]) for v in self._rec.get("versions", [])]

    def get_pipeline(self, version=None):
        v = self.default_version if version is None else str(version)
        for item in self._rec.get("versions", []):
            if item["version"] == v:
                return PublishedPipeline.get(self._ws, item["pipeline_id"])
        raise native().NotFoundError("pipeline endpoint %r has no version %r" % (self.name, v))

    def list_pipelines(self, active_only=True):
        out = [PublishedPipeline.get(self._ws, v["pipeline_id"]) for v in self._rec.get("versions", [])]
        return [p for p in out if not active_only or p.status == "Active"]

    def archive(self):
        self._update("set_endpoint_status", status="Disabled")

    def reactivate(self, name=None):
        self._update("set_endpoint_status", status="Active")
        if name:
            self.set_name(name)

    def set_name(self, name):
        self._update("rename_endpoint", name=name)

    def submit(self, experiment_name, pipeline_parameters=None, parent_run_id=None, pipeline_version=None,
               _tags=None):
        """Runs a version (default: the default one) on the workspace's server, else in this
        process."""
        body = {"ExperimentName": experiment_name, "RunSource": "SDK"}
        body.update(_params_body(pipeline_parameters))
        if _tags:
            body["Tags"] = {str(k): str(v) for k, v in _tags.items()}
        if pipeline_version is not None:
            body["PipelineVersion"] = str(pipeline_version)
        local = dict(body, experiment=experiment_name, tags=body.get("Tags", {}),
                     published={"endpoint": self.id, "version": "" if pipeline_version is None
                                else str(pipeline_version)})
        return _run_of(self._ws, _submit_or_local(self._ws, self.endpoint, body, local), experiment_name)

    def _submit(self, experiment, tags=None, pipeline_parameters=None, pipeline_version=None, **kwargs):
        return self.submit(experiment.name, pipeline_parameters, pipeline_version=pipeline_version, _tags=tags)

    def __repr__(self):
        return "PipelineEndpoint(Name: %s, Id: %s, Status: %s, Default version: %s)" % (
            self.name, self.id, self.status, self.default_version)


# -- PipelineDraft -------------------------------------------------------------------------

class PipelineDraft:
    """A mutable pipeline definition: update it, submit it, publish it."""

    def __init__(self, workspace, id=None, name=None, description=None, experiment_name=None, tags=None,
                 properties=None, graph_draft_id=None, parent_pipeline_id=None, parent_pipeline_run_id=None,
                 parent_step_run_ids=None, parent_pipeline_draft_id=None, last_submitted_pipeline_run_id=None,
                 _pipeline_draft_provider=None, **kwargs):
        self._ws = _ws(workspace)
        self._rec = _call(self._ws, "get_draft", id=id) if id else {}

    @classmethod
    def _from(cls, ws, rec):
        d = cls.__new__(cls)
        d._ws = ws
        d._rec = rec
        return d

    id = property(lambda self: self._rec["id"])
    name = property(lambda self: self._rec.get("name"))
    description = property(lambda self: self._rec.get("description"))
    experiment_name = property(lambda self: self._rec.get("experiment_name"))
    tags = property(lambda self: self._rec.get("tags", {}))
    properties = property(lambda self: self._rec.get("properties", {}))
    pipeline_parameters = property(lambda self: self._rec.get("pipeline_parameters", {}))
    continue_on_step_failure = property(lambda self: self._rec.get("continue_on_step_failure", False))
    last_submitted_pipeline_run_id = property(lambda self: self._rec.get("last_submitted_run_id") or None)

    @staticmethod
    def _spec_of(pipeline):
        from .pipeline import Pipeline
        if not isinstance(pipeline, Pipeline):
            raise TypeError("PipelineDraft: pipeline must be a Pipeline, not %s" % type(pipeline).__name__)
        return pipeline._publishable_spec()

    @staticmethod
    def create(workspace, pipeline, name=None, description=None, experiment_name=None, pipeline_parameters=None,
               continue_on_step_failure=None, tags=None, properties=None, _workflow_provider=None,
               _service_endpoint=None):
        ws = _ws(workspace)
        if not name:
            raise ValueError("PipelineDraft.create: name is required")
        if not experiment_name:
            raise ValueError("PipelineDraft.create: experiment_name is required")
        _params_body(pipeline_parameters)  # type check
        rec = _call(ws, "create_draft", name=name, description=description or "", experiment_name=experiment_name,
                    continue_on_step_failure=bool(continue_on_step_failure), tags=dict(tags or {}),
                    properties=dict(properties or {}), pipeline_parameters=dict(pipeline_parameters or {}),
                    spec=PipelineDraft._spec_of(pipeline))
        return PipelineDraft._from(ws, rec)

    @staticmethod
    def get(workspace, id, _workflow_provider=None, _service_endpoint=None):
        ws = _ws(workspace)
        rec = _call(ws, "get_draft", id=id)
        if rec is None:
            raise native().NotFoundError("no pipeline draft %r in this workspace" % (id,))
        return PipelineDraft._from(ws, rec)

    @staticmethod
    def list(workspace, tags=None, _workflow_provider=None, _service_endpoint=None):
        ws = _ws(workspace)
        out = [PipelineDraft._from(ws, r) for r in _call(ws, "list_drafts")]
        if tags:
            out = [d for d in out if all(d.tags.get(k) == v for k, v in tags.items())]
        return out

    def update(self, pipeline=None, name=None, description=None, experiment_name=None, tags=None,
               pipeline_parameters=None, continue_on_step_failure=None):
        rec = dict(self._rec)
        for key, value in (("name", name), ("description", description), ("experiment_name", experiment_name),
                           ("tags", tags), ("continue_on_step_failure", continue_on_step_failure)):
            if value is not None:
                rec[key] = value
        if pipeline_parameters is not None:
            _params_body(pipeline_parameters)
            rec["pipeline_parameters"] = dict(pipeline_parameters)
        if pipeline is not None:
            rec["spec"] = PipelineDraft._spec_of(pipeline)
        self._rec = _call(self._ws, "update_draft", **rec)

    def submit_run(self):
        """Runs the draft on the workspace's server, else in this process."""
        body = {"spec": self._rec["spec"], "experiment": self.experiment_name,
                "parameters": {k: v for k, v in self.pipeline_parameters.items()},
                "continue_on_step_failure": bool(self.continue_on_step_failure),
                "tags": dict(self.tags, **{"azureml.pipelineDraftId": self.id})}
        answer = _submit_or_local(self._ws, _server_base(self._ws) + "/api/v1/runs", body, body)
        self._rec = _call(self._ws, "update_draft", **dict(self._rec, last_submitted_run_id=answer["Id"]))
        return _run_of(self._ws, answer, self.experiment_name)

    def publish(self, properties=None):
        return _publish_spec(self._ws, self._rec["spec"], self.name, self.description, "",
                             self.continue_on_step_failure, "draft:" + self.id, self.experiment_name)

    def delete(self):
        _call(self._ws, "delete_draft", id=self.id)

    def __repr__(self):
        return "PipelineDraft(Name: %s, Id: %s, Experiment: %s)" % (self.name, self.id, self.experiment_name)
