"""Reading the run context that runnel hands a step.

runnel starts every step with the environment variable RUNNEL_RUN_CONTEXT naming a JSON
file (see python/README.md for its fields). This module loads and checks that file; it
holds no state and is safe to call from any thread.
"""

import json
import os

ENV_VAR = "RUNNEL_RUN_CONTEXT"

# Data input/output types, as in Azure ML v2. Everything else is a literal.
DATA_TYPES = ("uri_folder", "uri_file", "mltable")


class RunContextError(RuntimeError):
    """The run context file is missing, unreadable or malformed."""


def context_path_from_env():
    """The context file named by RUNNEL_RUN_CONTEXT, or None when unset or empty."""
    path = os.environ.get(ENV_VAR, "")
    return path or None


def load_context(path):
    """Reads and checks the context file at `path`; returns it as a dict.

    Raises RunContextError naming the path and what is wrong. Optional sections
    (inputs, outputs, parent, tags) are filled with empty values when absent.
    """
    try:
        with open(path, "r", encoding="utf-8") as f:
            ctx = json.load(f)
    except FileNotFoundError:
        raise RunContextError(
            "%s=%s: no such file; unset %s to run offline, or start the step through runnel"
            % (ENV_VAR, path, ENV_VAR)) from None
    except (OSError, ValueError) as e:
        raise RunContextError(
            "%s=%s: cannot read the run context: %s" % (ENV_VAR, path, e)) from None
    if not isinstance(ctx, dict):
        raise RunContextError("%s: the run context must be a JSON object" % path)
    if not isinstance(ctx.get("run_id"), str) or not ctx["run_id"]:
        raise RunContextError("%s: key 'run_id' must be a non-empty string" % path)
    for key in ("inputs", "outputs", "tags"):
        value = ctx.get(key)
        if value is None:
            ctx[key] = {}
        elif not isinstance(value, dict):
            raise RunContextError("%s: key '%s' must be an object" % (path, key))
    for section in ("inputs", "outputs"):
        for name, entry in ctx[section].items():
            if not isinstance(entry, dict):
                raise RunContextError("%s: %s.%s must be an object" % (path, section, name))
    parent = ctx.get("parent")
    if parent is not None and not isinstance(parent, dict):
        raise RunContextError("%s: key 'parent' must be an object or null" % path)
    if not ctx.get("metrics_file"):
        if not ctx.get("run_dir"):
            raise RunContextError("%s: needs 'metrics_file' or 'run_dir'" % path)
        ctx["metrics_file"] = os.path.join(ctx["run_dir"], "metrics.jsonl")
    if not ctx.get("run_dir"):
        ctx["run_dir"] = os.path.dirname(os.path.abspath(ctx["metrics_file"]))
    ctx["_context_file"] = os.path.abspath(path)
    return ctx


def is_data_entry(entry):
    """True when an inputs/outputs entry describes data (a path), not a literal value."""
    return entry.get("type") in DATA_TYPES or (
        entry.get("type") is None and entry.get("path") is not None)
