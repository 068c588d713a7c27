"""Schedules of published pipelines, pipeline endpoints and pipeline files, run by the
workspace's server (`runnel serve`): the SDK's azureml.pipeline.core.schedule names.

The classes talk to the server's REST API (/api/v1/schedules, docs/api/openapi.json). The
server is the one recorded in .runnel/config.json ("server": {"url"}) or $RUNNEL_SERVER; the
token is $RUNNEL_TOKEN, else the admin token the server wrote to .runnel/server/admin.token.

runnel extension: `pipeline_path=` (a pipeline YAML inside the workspace) instead of
`pipeline_id=` schedules a pipeline file without publishing it.
"""
import datetime
import json
import os
import re
import urllib.error
import urllib.request

_WEEK_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# The v1 SDK's TimeZone values (Windows zone names); the server maps them to tzdata zones
# and also accepts IANA names ("Europe/Berlin").
_ZONES = [
    "Dateline Standard Time", "UTC-11", "Hawaiian Standard Time", "Alaskan Standard Time",
    "Pacific Standard Time (Mexico)", "Pacific Standard Time", "US Mountain Standard Time",
    "Mountain Standard Time (Mexico)", "Mountain Standard Time", "Central America Standard Time",
    "Central Standard Time", "Central Standard Time (Mexico)", "Canada Central Standard Time",
    "SA Pacific Standard Time", "Eastern Standard Time", "Eastern Standard Time (Mexico)",
    "US Eastern Standard Time", "Venezuela Standard Time", "Atlantic Standard Time",
    "SA Western Standard Time", "Central Brazilian Standard Time", "Pacific SA Standard Time",
    "Newfoundland Standard Time", "E. South America Standard Time", "Argentina Standard Time",
    "SA Eastern Standard Time", "Greenland Standard Time", "Montevideo Standard Time", "UTC-02",
    "Azores Standard Time", "Cape Verde Standard Time", "Morocco Standard Time", "UTC",
    "GMT Standard Time", "Greenwich Standard Time", "W. Europe Standard Time",
    "Central Europe Standard Time", "Romance Standard Time", "Central European Standard Time",
    "W. Central Africa Standard Time", "Jordan Standard Time", "GTB Standard Time",
    "Middle East Standard Time", "Egypt Standard Time", "E. Europe Standard Time",
    "Syria Standard Time", "South Africa Standard Time", "FLE Standard Time",
    "Israel Standard Time", "Kaliningrad Standard Time", "Arabic Standard Time",
    "Turkey Standard Time", "Arab Standard Time", "Belarus Standard Time", "Russian Standard Time",
    "E. Africa Standard Time", "Iran Standard Time", "Arabian Standard Time",
    "Azerbaijan Standard Time", "Russia Time Zone 3", "Mauritius Standard Time",
    "Georgian Standard Time", "Caucasus Standard Time", "Afghanistan Standard Time",
    "West Asia Standard Time", "Ekaterinburg Standard Time", "Pakistan Standard Time",
    "India Standard Time", "Sri Lanka Standard Time", "Nepal Standard Time",
    "Central Asia Standard Time", "Bangladesh Standard Time", "N. Central Asia Standard Time",
    "Myanmar Standard Time", "SE Asia Standard Time", "North Asia Standard Time",
    "China Standard Time", "North Asia East Standard Time", "Singapore Standard Time",
    "W. Australia Standard Time", "Taipei Standard Time", "Ulaanbaatar Standard Time",
    "Tokyo Standard Time", "Korea Standard Time", "Yakutsk Standard Time",
    "Cen. Australia Standard Time", "AUS Central Standard Time", "E. Australia Standard Time",
    "AUS Eastern Standard Time", "West Pacific Standard Time", "Tasmania Standard Time",
    "Vladivostok Standard Time", "Russia Time Zone 10", "Central Pacific Standard Time",
    "Russia Time Zone 11", "New Zealand Standard Time", "UTC+12", "Fiji Standard Time",
    "Tonga Standard Time", "Samoa Standard Time", "Line Islands Standard Time",
]


def _zone_attr(name):
    attr = re.sub(r"[^A-Za-z0-9]", "", name.replace("+", "Plus") if name.startswith("UTC+") else name)
    return attr


class TimeZone:
    """Time zone names for ScheduleRecurrence(time_zone=...), as the SDK's TimeZone enum:
    TimeZone.PacificStandardTime == "Pacific Standard Time", TimeZone.UTC == "UTC"."""


for _z in _ZONES:
    setattr(TimeZone, _zone_attr(_z), _z)
TimeZone.UTC11 = "UTC-11"
TimeZone.UTC02 = "UTC-02"
TimeZone.UTC12 = "UTC+12"


class ScheduleRecurrence:
    """How often a schedule fires: every `interval` Minute/Hour/Day/Week/Month from
    `start_time` (a naive datetime or "YYYY-MM-DDThh:mm:ss" in `time_zone`), optionally at
    `hours` and `minutes` (Day, Week), on `week_days` (Week) or at `time_of_day` ("hh:mm").
    The server computes the firings (tzdata, DST rules in README "Schedules")."""

    def __init__(self, frequency, interval, start_time=None, time_zone=None, hours=None,
                 minutes=None, week_days=None, time_of_day=None):
        self.frequency = frequency
        self.interval = interval
        self.start_time = start_time
        self.time_zone = time_zone
        self.hours = hours
        self.minutes = minutes
        self.week_days = week_days
        self.time_of_day = time_of_day

    def validate(self):
        """Raises ValueError for what the SDK refuses (checked again by the server)."""
        if self.frequency not in ("Minute", "Hour", "Day", "Week", "Month"):
            raise ValueError("frequency must be one of Minute, Hour, Day, Week, Month (got %r)"
                             % (self.frequency,))
        if not isinstance(self.interval, int) or isinstance(self.interval, bool) or self.interval < 1:
            raise ValueError("interval must be an integer of at least 1 (got %r)" % (self.interval,))
        if isinstance(self.start_time, datetime.datetime) and self.start_time.tzinfo is not None:
            raise ValueError("start_time: the tzinfo of the datetime must be None; give the zone "
                             "with time_zone")
        if self.frequency not in ("Day", "Week"):
            for name in ("hours", "minutes", "time_of_day"):
                if getattr(self, name) is not None and not (name == "minutes" and self.frequency == "Hour"):
                    raise ValueError("%s can only be given with frequency Day or Week" % name)
        if self.week_days is not None:
            if self.frequency != "Week":
                raise ValueError("week_days can only be given with frequency Week")
            for d in self.week_days:
                if d not in _WEEK_DAYS:
                    raise ValueError("week_days: %r is not one of %s" % (d, ", ".join(_WEEK_DAYS)))
        if self.time_of_day is not None and (self.hours is not None or self.minutes is not None):
            raise ValueError("give either time_of_day or hours and minutes, not both")
        if self.time_of_day is not None and not re.fullmatch(r"\d\d:\d\d", str(self.time_of_day)):
            raise ValueError("time_of_day must be \"hh:mm\" (got %r)" % (self.time_of_day,))
        for name, hi in (("hours", 23), ("minutes", 59)):
            for v in getattr(self, name) or []:
                if not isinstance(v, int) or v < 0 or v > hi:
                    raise ValueError("%s: %r is not a whole number from 0 to %d" % (name, v, hi))

    def _to_json(self):
        start = self.start_time
        if isinstance(start, datetime.datetime):
            start = start.replace(microsecond=0).isoformat()
        j = {"type": "recurrence", "frequency": self.frequency, "interval": self.interval}
        for k, v in (("start_time", start), ("time_zone", self.time_zone), ("hours", self.hours),
                     ("minutes", self.minutes), ("week_days", self.week_days),
                     ("time_of_day", self.time_of_day)):
            if v is not None:
                j[k] = v
        return j

    @classmethod
    def _from_json(cls, t):
        return cls(t.get("frequency"), t.get("interval"), start_time=t.get("start_time"),
                   time_zone=t.get("time_zone"), hours=t.get("hours"), minutes=t.get("minutes"),
                   week_days=t.get("week_days"))

    def __repr__(self):
        return "ScheduleRecurrence(frequency=%r, interval=%r)" % (self.frequency, self.interval)


class _LocalApi:
    """Schedules kept in the workspace itself when no server answers (the native module's
    schedules_local: the same records, validation and answers as the REST API); they fire
    while `runnel serve` runs, which loads them when it starts."""

    _warned = False

    def __init__(self, workspace):
        self.workspace = workspace
        if not _LocalApi._warned:
            _LocalApi._warned = True
            import sys
            print("runnel: no `runnel serve` answers for %s; the schedule is kept in the workspace and "
                  "fires while `runnel serve` runs" % workspace.path, file=sys.stderr, flush=True)

    def call(self, method, path, body=None):
        from ._native import native
        from .core import _as_workspace
        rest = path[len("/api/v1/schedules"):]
        query = ""
        if "?" in rest:
            rest, query = rest.split("?", 1)
        parts = [p for p in rest.split("/") if p]
        sid = parts[0] if parts else ""
        if method == "POST" and not parts:
            op = "create"
        elif method == "GET" and not parts:
            op = "list"
        elif method == "GET":
            op = "get"
        elif method == "PATCH":
            op = "update"
        elif method == "POST" and len(parts) == 2:
            op = parts[1]
        elif method == "DELETE":
            op = "delete"
        else:
            raise ValueError("schedules: %s %s is not an operation" % (method, path))
        nat = _as_workspace(self.workspace)._native
        try:
            out = json.loads(native().schedules_local(nat, op, sid, json.dumps(body) if body is not None else ""))
        except native().NotFoundError as e:
            raise LookupError(str(e)) from None
        if op == "list" and query:
            import urllib.parse
            q = dict(urllib.parse.parse_qsl(query))
            keep = []
            for sc in out["schedules"]:
                t = sc.get("target") or {}
                if q.get("active") in ("true", "1") and sc.get("status") != "Active":
                    continue
                if "pipeline_id" in q and t.get("pipeline_id") != q["pipeline_id"]:
                    continue
                if "pipeline_endpoint_id" in q and t.get("endpoint_id") != q["pipeline_endpoint_id"]:
                    continue
                keep.append(sc)
            out["schedules"] = keep
        return out


def _api(workspace):
    """The server's API when one answers (or $RUNNEL_SERVER names one), else _LocalApi."""
    try:
        api = _Api(workspace)
    except _NoServer:
        return _LocalApi(workspace)
    if not os.environ.get("RUNNEL_SERVER") and not api.answers():
        return _LocalApi(workspace)
    return api


class _NoServer(Exception):
    pass


class _Api:
    """The workspace server's REST API (the same token and address the CLI uses)."""

    def __init__(self, workspace):
        root = os.path.join(workspace.path, ".runnel")
        self.url = os.environ.get("RUNNEL_SERVER", "")
        if not self.url:
            try:
                with open(os.path.join(root, "config.json")) as f:
                    self.url = (json.load(f).get("server") or {}).get("url", "")
            except (OSError, ValueError):
                self.url = ""
        if not self.url:
            raise _NoServer()
        self.token = os.environ.get("RUNNEL_TOKEN", "")
        if not self.token:
            try:
                with open(os.path.join(root, "server", "admin.token")) as f:
                    self.token = f.read().strip()
            except OSError:
                self.token = ""

    def answers(self):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True  # something answers
        except (urllib.error.URLError, OSError):
            return False

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + self.token,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read().decode() or "null")
        except urllib.error.HTTPError as e:
            try:
                msg = json.loads(e.read().decode()).get("message", str(e))
            except ValueError:
                msg = str(e)
            if e.code == 404:
                raise LookupError("server %s: %s" % (self.url, msg)) from None
            raise ValueError("server %s: %s" % (self.url, msg)) from None
        except urllib.error.URLError as e:
            raise RuntimeError("the runnel server at %s does not answer (%s); start it with "
                               "`runnel serve`" % (self.url, e.reason)) from None


class Schedule:
    """A schedule on the workspace's server: Schedule.create / create_for_pipeline_endpoint /
    get / list / get_all, and on an instance enable / disable / update / get_last_pipeline_run /
    get_pipeline_runs; `status` is "Active" or "Disabled"."""

    def __init__(self, workspace, id, name, description, pipeline_id, status, recurrence,
                 datastore_name, polling_interval, data_path_parameter_name, continue_on_step_failure,
                 path_on_datastore, _schedule_provider=None, pipeline_endpoint_id=None, _data=None):
        self._workspace = workspace
        self.id = id
        self.name = name
        self.description = description
        self.pipeline_id = pipeline_id
        self.pipeline_endpoint_id = pipeline_endpoint_id
        self.status = status
        self.recurrence = recurrence
        self.datastore_name = datastore_name
        self.polling_interval = polling_interval
        self.data_path_parameter_name = data_path_parameter_name
        self.continue_on_step_failure = continue_on_step_failure
        self.path_on_datastore = path_on_datastore
        self._data = _data or {}

    # -- construction from the server's JSON -------------------------------------------
    @classmethod
    def _from_json(cls, ws, j):
        t = j.get("trigger") or {}
        tgt = j.get("target") or {}
        data = j.get("trigger_type") == "data_change"
        rec = None if data else (ScheduleRecurrence._from_json(t) if j.get("trigger_type") == "recurrence" else None)
        return cls(ws, j["id"], j.get("name"), j.get("description"), tgt.get("pipeline_id"),
                   j.get("status"), rec, t.get("datastore") if data else None,
                   t.get("polling_interval", 5) if data else None,
                   t.get("data_path_parameter_name") if data else None,
                   j.get("continue_on_step_failure", False),
                   t.get("path_on_datastore") if data else None,
                   pipeline_endpoint_id=tgt.get("endpoint_id"), _data=j)

    @property
    def next_run_time(self):
        """ISO time of the next firing ("" for data-change schedules and disabled ones)."""
        return self._data.get("next_run_time") or ""

    @property
    def experiment_name(self):
        return self._data.get("experiment_name")

    @property
    def pipeline_path(self):
        return (self._data.get("target") or {}).get("path")

    # -- creating ------------------------------------------------------------------------
    @staticmethod
    def _body(name, experiment_name, target, recurrence, description, pipeline_parameters,
              continue_on_step_failure, datastore, polling_interval, data_path_parameter_name,
              path_on_datastore):
        if recurrence is not None and datastore is not None:
            raise ValueError("give either recurrence or datastore (a data-change schedule), not both")
        if recurrence is None and datastore is None:
            raise ValueError("give recurrence=ScheduleRecurrence(...) or datastore= for a data-change schedule")
        if recurrence is not None:
            recurrence.validate()
            trigger = recurrence._to_json()
        else:
            if data_path_parameter_name is not None and not isinstance(data_path_parameter_name, str):
                raise ValueError("data_path_parameter_name must be a string")
            ds_name = datastore if isinstance(datastore, str) else getattr(datastore, "name", None)
            trigger = {"type": "data_change", "datastore": ds_name,
                       "polling_interval": int(polling_interval)}
            if path_on_datastore is not None:
                trigger["path_on_datastore"] = path_on_datastore
            if data_path_parameter_name is not None:
                trigger["data_path_parameter_name"] = data_path_parameter_name
        body = {"name": name, "trigger": trigger, "target": target, "experiment_name": experiment_name,
                "continue_on_step_failure": bool(continue_on_step_failure)}
        if description is not None:
            body["description"] = description
        if pipeline_parameters:
            body["pipeline_parameters"] = dict(pipeline_parameters)
        return body

    @staticmethod
    def create(workspace, name, pipeline_id=None, experiment_name=None, recurrence=None,
               description=None, pipeline_parameters=None, wait_for_provisioning=False,
               wait_timeout=3600, datastore=None, polling_interval=5, data_path_parameter_name=None,
               continue_on_step_failure=None, path_on_datastore=None, _workflow_provider=None,
               _service_endpoint=None, *, pipeline_path=None):
        """Creates a schedule of a published pipeline (`pipeline_id`) or, as a runnel
        extension, of a pipeline file (`pipeline_path`, inside the workspace). A schedule is
        provisioned when the server answers, so wait_for_provisioning has nothing to wait for."""
        if (pipeline_id is None) == (pipeline_path is None):
            raise ValueError("give pipeline_id (a published pipeline) or pipeline_path (a pipeline file)")
        if experiment_name is None:
            raise ValueError("experiment_name is required")
        if pipeline_path is not None:
            ap = os.path.abspath(pipeline_path)
            rel = os.path.relpath(ap, os.path.realpath(workspace.path))
            if rel.startswith(".."):
                rel = os.path.relpath(os.path.realpath(ap), os.path.realpath(workspace.path))
            if rel.startswith(".."):
                raise ValueError("pipeline_path %s is outside the workspace %s" % (pipeline_path, workspace.path))
            target = {"type": "pipeline_file", "path": rel}
        else:
            target = {"type": "published_pipeline", "pipeline_id": pipeline_id}
        return Schedule._post(workspace, Schedule._body(
            name, experiment_name, target, recurrence, description, pipeline_parameters,
            continue_on_step_failure, datastore, polling_interval, data_path_parameter_name,
            path_on_datastore))

    @staticmethod
    def create_for_pipeline_endpoint(workspace, name, pipeline_endpoint_id, experiment_name,
                                     recurrence=None, description=None, pipeline_parameters=None,
                                     wait_for_provisioning=False, wait_timeout=3600, datastore=None,
                                     polling_interval=5, data_path_parameter_name=None,
                                     continue_on_step_failure=None, path_on_datastore=None,
                                     _workflow_provider=None, _service_endpoint=None):
        """Creates a schedule of a pipeline endpoint (its default version at each firing)."""
        target = {"type": "pipeline_endpoint", "endpoint_id": pipeline_endpoint_id}
        return Schedule._post(workspace, Schedule._body(
            name, experiment_name, target, recurrence, description, pipeline_parameters,
            continue_on_step_failure, datastore, polling_interval, data_path_parameter_name,
            path_on_datastore))

    @staticmethod
    def _post(workspace, body):
        return Schedule._from_json(workspace, _api(workspace).call("POST", "/api/v1/schedules", body))

    # -- finding -------------------------------------------------------------------------
    @staticmethod
    def get(workspace, id, _workflow_provider=None, _service_endpoint=None):
        return Schedule._from_json(workspace, _api(workspace).call("GET", "/api/v1/schedules/" + id))

    @staticmethod
    def list(workspace, active_only=True, pipeline_id=None, pipeline_endpoint_id=None,
             _workflow_provider=None, _service_endpoint=None, active=None):
        """Schedules of the workspace (only active ones unless active_only=False), optionally
        those of one published pipeline or pipeline endpoint."""
        if active is not None:
            active_only = active
        q = []
        if pipeline_id:
            q.append("pipeline_id=" + urllib.request.quote(pipeline_id))
        if pipeline_endpoint_id:
            q.append("pipeline_endpoint_id=" + urllib.request.quote(pipeline_endpoint_id))
        if active_only:
            q.append("active=true")
        out = _api(workspace).call("GET", "/api/v1/schedules" + ("?" + "&".join(q) if q else ""))
        return [Schedule._from_json(workspace, j) for j in out.get("schedules", [])]

    @staticmethod
    def get_all(workspace, active_only=True, pipeline_id=None, pipeline_endpoint_id=None,
                _workflow_provider=None, _service_endpoint=None):
        """Deprecated in the SDK for list(); kept."""
        return Schedule.list(workspace, pipeline_id=pipeline_id, active_only=active_only,
                             pipeline_endpoint_id=pipeline_endpoint_id)

    @staticmethod
    def get_schedules_for_pipeline_id(workspace, pipeline_id):
        return Schedule.list(workspace, pipeline_id=pipeline_id, active_only=False)

    @staticmethod
    def get_schedules_for_pipeline_endpoint_id(workspace, pipeline_endpoint_id):
        return Schedule.list(workspace, pipeline_endpoint_id=pipeline_endpoint_id, active_only=False)

    # -- changing ------------------------------------------------------------------------
    def _refresh(self, j):
        fresh = Schedule._from_json(self._workspace, j)
        self.__dict__.update(fresh.__dict__)
        return self

    def enable(self, wait_for_provisioning=False, wait_timeout=3600):
        self._refresh(_api(self._workspace).call("POST", "/api/v1/schedules/%s/enable" % self.id, {}))

    def disable(self, wait_for_provisioning=False, wait_timeout=3600):
        self._refresh(_api(self._workspace).call("POST", "/api/v1/schedules/%s/disable" % self.id, {}))

    def update(self, name=None, description=None, recurrence=None, pipeline_parameters=None,
               status=None, wait_for_provisioning=False, wait_timeout=3600, datastore=None,
               polling_interval=None, data_path_parameter_name=None, continue_on_step_failure=None,
               path_on_datastore=None):
        body = {}
        if name is not None:
            body["name"] = name
        if description is not None:
            body["description"] = description
        if pipeline_parameters is not None:
            body["pipeline_parameters"] = dict(pipeline_parameters)
        if status is not None:
            body["status"] = status
        if continue_on_step_failure is not None:
            body["continue_on_step_failure"] = bool(continue_on_step_failure)
        if recurrence is not None:
            recurrence.validate()
            body["trigger"] = recurrence._to_json()
        elif any(v is not None for v in (datastore, polling_interval, data_path_parameter_name,
                                          path_on_datastore)):
            t = dict(self._data.get("trigger") or {}) if self.datastore_name else {}
            t["type"] = "data_change"
            if datastore is not None:
                t["datastore"] = datastore if isinstance(datastore, str) else datastore.name
            if polling_interval is not None:
                t["polling_interval"] = int(polling_interval)
            if data_path_parameter_name is not None:
                t["data_path_parameter_name"] = data_path_parameter_name
            if path_on_datastore is not None:
                t["path_on_datastore"] = path_on_datastore
            body["trigger"] = t
        self._refresh(_api(self._workspace).call("PATCH", "/api/v1/schedules/" + self.id, body))

    def delete(self):
        """runnel extension (the SDK disables instead): removes the schedule; its runs stay."""
        _api(self._workspace).call("DELETE", "/api/v1/schedules/" + self.id)

    # -- runs ----------------------------------------------------------------------------
    def _fired(self):
        self._refresh(_api(self._workspace).call("GET", "/api/v1/schedules/" + self.id))
        return [r for r in self._data.get("runs", []) if r.get("run_id")]

    def get_pipeline_runs(self):
        """The pipeline runs this schedule started, newest first."""
        from .runs import PipelineRun
        return [PipelineRun._attach(self._workspace, r["run_id"]) for r in reversed(self._fired())]

    def get_last_pipeline_run(self):
        """The last run this schedule started, None if none yet."""
        runs = self.get_pipeline_runs()
        return runs[0] if runs else None

    def load_yaml(self, *args, **kwargs):
        raise NotImplementedError("Schedule.load_yaml: create a schedule from v2 YAML with "
                                  "`runnel schedule create -f schedule.yml`")

    def __repr__(self):
        return "Schedule(Name: %s, Id: %s, Status: %s)" % (self.name, self.id, self.status)


