"""The metrics file: one JSON object per line, appended by steps, read by the engine.

A line looks like
    {"name": "accuracy", "kind": "scalar", "value": 0.93, "description": "",
     "time": 1700000000000, "target": "self"}
(see python/README.md). Every append is a single write(2) on a descriptor opened with
O_APPEND, under an exclusive flock, so concurrent writers (threads or processes) never
interleave lines. Nothing is buffered: a line is in the file when append() returns.

Values are made JSON-safe by to_jsonable(): numpy/pandas objects are converted by
duck typing (.item(), .tolist(), .to_dict()) so numpy is never imported here, and the
non-finite floats NaN, inf and -inf become the strings "NaN", "Infinity" and
"-Infinity" (strict JSON has no spelling for them; Azure ML accepts them as values).
"""

import datetime
import json
import math
import os
import time

try:
    import fcntl
except ImportError:  # not POSIX: O_APPEND alone
    fcntl = None

KINDS = ("scalar", "list", "row", "table", "image", "tag", "property")
TARGETS = ("self", "parent")


def _float(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def to_jsonable(value):
    """Returns `value` as plain JSON types (dict, list, str, int, float, bool, None).

    Tuples, sets and numpy arrays become lists; numpy scalars their Python value;
    DataFrames a dict of column lists; dates ISO text; bytes UTF-8 text; non-finite
    floats strings (see module doc). Anything else becomes str(value), so that
    logging never fails a training script.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(value, key=repr)]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    # pandas DataFrame: a dict of column lists (what log_table expects).
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and hasattr(value, "columns"):
        try:
            return to_jsonable(to_dict(orient="list"))
        except TypeError:
            pass
    # numpy arrays, pandas Series/Index: .tolist(); numpy 0-d arrays give a scalar back.
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and getattr(value, "ndim", 1) != 0:
        return to_jsonable(tolist())
    # numpy scalars (np.float32(1.5), np.int64(3), np.bool_(True)) and 0-d arrays.
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return to_jsonable(item())
        except (TypeError, ValueError):
            pass
    if isinstance(value, complex):
        return str(value)
    # Decimal, Fraction and other numbers.
    if hasattr(value, "__float__") and not hasattr(value, "__len__"):
        try:
            return _float(float(value))
        except (TypeError, ValueError):
            pass
    return str(value)


def make_record(name, kind, value, description="", target="self"):
    """One metrics line as a dict; raises ValueError on a bad name, kind or target."""
    if not isinstance(name, str) or not name:
        raise ValueError("metric name must be a non-empty string, got %r" % (name,))
    if kind not in KINDS:
        raise ValueError("metric kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    if target not in TARGETS:
        raise ValueError("metric target must be 'self' or 'parent', got %r" % (target,))
    return {
        "name": name,
        "kind": kind,
        "value": to_jsonable(value),
        "description": "" if description is None else str(description),
        "time": int(time.time() * 1000),
        "target": target,
    }


def encode(record):
    """The record as one line of UTF-8 JSON ending in a newline."""
    text = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def append(path, records):
    """Appends `records` (dicts) to the file at `path` in one write; creates the file and
    its folder if needed. Raises OSError when the file cannot be written."""
    data = b"".join(encode(r) for r in records)
    if not data:
        return
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)  # also releases the lock


def read(path):
    """Every well-formed line of the metrics file, in order; [] when it does not exist.

    A torn last line (a writer killed mid-write) or a line that is not a JSON object
    is skipped.
    """
    out = []
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and "name" in rec and "kind" in rec:
                    out.append(rec)
    except FileNotFoundError:
        pass
    return out


def aggregate(records, target="self"):
    """Metrics of one run as Run.get_metrics() returns them, from the records of `target`.

    scalar: the value when logged once, else the list of values in order;
    list: the list when logged once, else a list of lists;
    row: a dict of column -> list of values over all rows;
    table: a dict of column -> list (tables logged under one name are concatenated);
    image: the stored path, or a list of them. Tags and properties are not metrics.
    """
    grouped = {}
    kinds = {}
    for rec in records:
        if rec.get("target", "self") != target or rec["kind"] in ("tag", "property"):
            continue
        grouped.setdefault(rec["name"], []).append(rec.get("value"))
        kinds.setdefault(rec["name"], rec["kind"])
    result = {}
    for name, values in grouped.items():
        kind = kinds[name]
        if kind in ("row", "table"):
            columns = {}
            for v in values:
                if not isinstance(v, dict):
                    continue
                for col, cell in v.items():
                    cells = cell if kind == "table" and isinstance(cell, list) else [cell]
                    columns.setdefault(col, []).extend(cells)
            result[name] = columns
        else:
            result[name] = values[0] if len(values) == 1 else values
    return result
