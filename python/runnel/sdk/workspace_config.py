"""The Azure ML workspace config file (config.json) as the SDK writes and finds it, and how
it leads to a runnel workspace (a folder holding .runnel/).

The SDK's Workspace.write_config(path=None, file_name=None) writes
<path or the current folder>/.azureml/<file_name or config.json> holding subscription_id,
resource_group and workspace_name; Workspace.from_config(path) looks for .azureml/config.json,
then aml_config/config.json, then config.json (and the legacy project.json), each in the
start folder and every folder above it. runnel writes one more key, "runnel_workspace": the
runnel workspace's folder relative to the folder the config belongs to, so that a config
written beside a notebook outside the workspace still finds it; the SDK ignores extra keys.

Which workspace from_config opens: the nearest folder holding .runnel/ at or above the start,
unless the config found belongs to a folder inside that one (or there is none) and names a
runnel workspace with "runnel_workspace". Plain functions over the file system.
"""

import json
import os

CONFIG_DIRS = (".azureml", "aml_config", None)  # the SDK's search order
CONFIG_FILES = ("config.json", "project.json")
POINTER_KEY = "runnel_workspace"


def find_up(start, predicate):
    """The first folder at or above `start` for which predicate(folder) holds, else None."""
    d = os.path.abspath(start)
    while True:
        if predicate(d):
            return d
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up


def is_workspace(folder):
    return os.path.isdir(os.path.join(folder, ".runnel"))


def find_config(start, file_name=None):
    """The config file the SDK's from_config would read starting at the folder `start`, else None."""
    for sub in CONFIG_DIRS:
        for name in ([file_name] if file_name else CONFIG_FILES):
            rel = os.path.join(sub, name) if sub else name
            found = find_up(start, lambda d: os.path.isfile(os.path.join(d, rel)))
            if found:
                return os.path.join(found, rel)
    return None


def read_config(path):
    """The config file's keys (a dict); ValueError naming the file when it is not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except ValueError as e:
        raise ValueError("%s: not valid JSON (%s); an Azure ML config.json holds subscription_id, "
                         "resource_group and workspace_name" % (path, e)) from e
    return cfg if isinstance(cfg, dict) else {}


def config_owner(path):
    """The folder a config file belongs to: the one holding its .azureml/ or aml_config/
    folder, else the one holding the file."""
    d = os.path.dirname(os.path.abspath(path))
    return os.path.dirname(d) if os.path.basename(d) in (".azureml", "aml_config") else d


def _within(path, folder):
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def locate(start, file_name=None):
    """(workspace folder, config dict) for from_config starting at `start` (a folder or a
    config file). Raises runnel.errors.NotFoundError (also the SDK's UserErrorException, as
    its from_config raises) when no runnel workspace is found, saying what to do."""
    from runnel.exceptions import UserErrorException
    from .sdk_errors import sdk_error
    start = os.path.abspath(start)
    if os.path.isfile(start):
        cfg_path, start = start, os.path.dirname(start)
    else:
        cfg_path = find_config(start, file_name)
    cfg = read_config(cfg_path) if cfg_path else {}
    root = find_up(start, is_workspace)
    pointer = cfg.get(POINTER_KEY)
    if cfg_path and isinstance(pointer, str) and pointer and (root is None or _within(config_owner(cfg_path), root)):
        target = os.path.normpath(os.path.join(config_owner(cfg_path), pointer))
        if not is_workspace(target):
            raise sdk_error(UserErrorException)(
                "%s names the runnel workspace %s (%s), which holds no .runnel/ folder; create it with "
                "`runnel init %s` or write the config again with ws.write_config()" % (cfg_path, target,
                                                                                     POINTER_KEY, target))
        return target, cfg
    if root is None:
        where = ("%s names Azure ML workspace %r, but no runnel workspace (a folder holding .runnel/) is at or "
                 "above %s" % (cfg_path, cfg.get("workspace_name"), start) if cfg_path else
                 "no runnel workspace (a folder holding .runnel/) and no workspace config file (config.json, "
                 ".azureml/config.json) at or above %s" % start)
        raise sdk_error(UserErrorException)(
            "%s; create one with `runnel init %s` or Workspace.create(name, path=...), then ws.write_config() "
            "writes .azureml/config.json pointing at it" % (where, start))
    if cfg_path and isinstance(pointer, str) and pointer and \
            os.path.normpath(os.path.join(config_owner(cfg_path), pointer)) != root:
        cfg = {}  # a config above the workspace, for another workspace
    return root, cfg


def write(path, file_name, subscription_id, resource_group, workspace_name, workspace_root):
    """Writes <path or the current folder>/.azureml/<file_name or config.json> (".json" added
    to a file_name without it), as the SDK's write_config; returns the file's path."""
    folder = os.path.join(os.path.abspath(path or "."), ".azureml")
    name = file_name or "config.json"
    if not name.endswith(".json"):
        name += ".json"
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        from runnel.exceptions import UserErrorException
        from .sdk_errors import sdk_error
        raise sdk_error(UserErrorException, "RunnelError")(
            "Could not write the config file to: %s (%s); pass a writable path= to write_config" % (folder, e))
    target = os.path.join(folder, name)
    data = {"subscription_id": subscription_id, "resource_group": resource_group,
            "workspace_name": workspace_name,
            POINTER_KEY: os.path.relpath(os.path.abspath(workspace_root), os.path.dirname(folder))}
    tmp = target + ".part-%d" % os.getpid()
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, target)
    return target


def not_found_as_project_error(e):
    """A native NotFoundError about a missing workspace as the SDK's ProjectSystemException
    (what Workspace(...) and Workspace.get raise for a workspace that does not exist)."""
    from runnel.exceptions import ProjectSystemException
    from .sdk_errors import sdk_error
    if isinstance(e, ProjectSystemException):
        return e
    return sdk_error(ProjectSystemException)(str(e))

