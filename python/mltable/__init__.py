"""mltable: the Azure ML `mltable` package's reading side, for step scripts run by runnel.

    import mltable
    tbl = mltable.load("./iris")          # a folder holding an MLTable file, or the file
    df = tbl.to_pandas_dataframe()

An MLTable file is YAML with `paths` (each a `file`, `folder` or `pattern`, relative to the
file) and `transformations`: `read_delimited` (delimiter, header, encoding, empty_as_string,
include_path_column, infer_column_types, support_multi_line), `read_json_lines` (encoding,
invalid_lines, include_path_column), `read_parquet` (needs pyarrow, which Debian 12 does not
package: it raises a clear error without it), `keep_columns` / `columns`, `drop_columns`,
`convert_column_types`, `extract_columns_from_partition_format` (columns from the file
paths: `{Store}/{Brand}/{file_name}.{extension}`, `{Date:yyyy/MM/dd}`), `take`, `skip`. Built on the standard library, PyYAML and pandas.
What is not here raises NotImplementedError naming it. Not thread-safe per object.
"""

import copy
import csv
import glob as _glob
import io
import os

__all__ = ["load", "from_delimited_files", "from_json_lines_files", "from_parquet_files", "from_paths",
           "MLTable", "DataType", "MLTableHeaders", "MLTableFileEncoding"]

_HEADERS = ("all_files_same_headers", "all_files_different_headers", "from_first_file", "no_header")
_ENCODINGS = {"utf8": "utf-8", "utf-8": "utf-8", "utf8bom": "utf-8-sig", "iso88591": "iso-8859-1",
              "latin1": "iso-8859-1", "ascii": "ascii", "utf16": "utf-16", "utf32": "utf-32",
              "windows1252": "cp1252"}


class MLTableHeaders:
    all_files_same_headers = "all_files_same_headers"
    all_files_different_headers = "all_files_different_headers"
    from_first_file = "from_first_file"
    no_header = "no_header"


class MLTableFileEncoding:
    utf8 = "utf8"
    iso88591 = "iso88591"
    latin1 = "latin1"
    ascii = "ascii"
    utf16 = "utf16"
    utf32 = "utf32"
    utf8bom = "utf8bom"
    windows1252 = "windows1252"


class DataType:
    """Column types for convert_column_types."""

    def __init__(self, spec):
        self._spec = spec

    @staticmethod
    def to_string():
        return DataType("string")

    @staticmethod
    def to_int():
        return DataType("int")

    @staticmethod
    def to_float():
        return DataType("float")

    @staticmethod
    def to_bool(true_values=None, false_values=None, mismatch_as=None):
        return DataType({"boolean": {"true_values": true_values, "false_values": false_values,
                                     "mismatch_as": mismatch_as}})

    @staticmethod
    def to_datetime(formats=None, date_constant=None):
        if isinstance(formats, str):
            formats = [formats]
        return DataType({"datetime": {"formats": formats or []}})

    def __repr__(self):
        return "DataType(%r)" % (self._spec,)


def _yaml():
    try:
        import yaml
    except ImportError as e:  # python3-yaml
        raise ImportError("mltable needs PyYAML (Debian: python3-yaml)") from e
    return yaml


def _pandas():
    import pandas
    return pandas


def _is_remote(p):
    return "://" in p and not p.startswith("file://")


def _local(p, base):
    if p.startswith("file://"):
        p = p[len("file://"):]
    if _is_remote(p):
        raise ValueError("mltable: path %r is not local; runnel hands a step its data as local paths: declare "
                         "the data as an input of type mltable (or uri_folder) and load the input's path" % p)
    return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))


class MLTable:
    """A table definition: paths plus transformations, read on to_pandas_dataframe()."""

    def __init__(self, definition, base_path):
        if not isinstance(definition, dict):
            raise ValueError("mltable: an MLTable definition is a mapping with `paths:`")
        self._definition = definition
        self._base = base_path

    # -- what it holds --
    @property
    def paths(self):
        return list(self._definition.get("paths") or [])

    @property
    def base_path(self):
        return self._base

    def _transformations(self):
        return list(self._definition.get("transformations") or [])

    def _with(self, step):
        d = copy.deepcopy(self._definition)
        d.setdefault("transformations", [])
        d["transformations"] = list(d["transformations"] or []) + [step]
        return MLTable(d, self._base)

    # -- transformations (each returns a new MLTable) --
    def keep_columns(self, columns):
        return self._with({"keep_columns": _as_list(columns)})

    def drop_columns(self, columns):
        return self._with({"drop_columns": _as_list(columns)})

    def take(self, count=20):
        return self._with({"take": int(count)})

    def skip(self, count):
        return self._with({"skip": int(count)})

    def convert_column_types(self, column_types):
        items = []
        for cols, t in (column_types or {}).items():
            spec = t._spec if isinstance(t, DataType) else t
            items.append({"columns": list(cols) if isinstance(cols, tuple) else cols, "column_type": spec})
        return self._with({"convert_column_types": items})

    def show(self, count=20):
        return self.take(count).to_pandas_dataframe()

    def save(self, path=None, overwrite=True, **kwargs):
        path = path or self._base
        os.makedirs(path, exist_ok=True)
        target = os.path.join(path, "MLTable")
        if os.path.exists(target) and not overwrite:
            raise FileExistsError("mltable: %s exists; pass overwrite=True" % target)
        with open(target, "w", encoding="utf-8") as f:
            _yaml().safe_dump(self._definition, f, sort_keys=False)
        return self

    # -- reading --
    def _files(self):
        out = []
        for i, entry in enumerate(self.paths):
            if not isinstance(entry, dict) or len(entry) != 1:
                raise ValueError("mltable: paths[%d] must be one of {file: P}, {folder: P}, {pattern: P}, not %r"
                                 % (i, entry))
            (kind, p), = entry.items()
            if kind == "file" and os.path.isdir(_local(str(p), self._base)):
                kind = "folder"  # Azure ML reads `file:` naming a folder as that folder's files
            if kind == "file":
                f = _local(str(p), self._base)
                if not os.path.isfile(f):
                    raise FileNotFoundError("mltable: paths[%d]: file %s does not exist" % (i, f))
                out.append(f)
            elif kind == "folder":
                d = _local(str(p), self._base)
                if not os.path.isdir(d):
                    raise FileNotFoundError("mltable: paths[%d]: folder %s does not exist" % (i, d))
                for root, dirs, files in os.walk(d, followlinks=True):
                    dirs.sort()
                    for name in sorted(files):
                        if name != "MLTable":
                            out.append(os.path.join(root, name))
            elif kind == "pattern":
                pat = _local(str(p), self._base)
                found = sorted(f for f in _glob.glob(pat, recursive=True) if os.path.isfile(f))
                if not found:
                    raise FileNotFoundError("mltable: paths[%d]: pattern %s matches no file" % (i, pat))
                out.extend(found)
            else:
                raise ValueError("mltable: paths[%d]: unknown key %r; use file, folder or pattern" % (i, kind))
        return out

    def to_pandas_dataframe(self):
        pd = _pandas()
        files = self._files()
        steps = self._transformations()
        reader = None
        rest = []
        for step in steps:
            if isinstance(step, str):
                step = {step: {}}
            if not isinstance(step, dict) or len(step) != 1:
                raise ValueError("mltable: a transformation is a mapping of one name to its options, not %r" % (step,))
            (name, opts), = step.items()
            if name in ("read_delimited", "read_json_lines", "read_parquet", "read_delta_lake"):
                if reader is not None:
                    raise ValueError("mltable: more than one read_* transformation (%s and %s)" % (reader[0], name))
                reader = (name, opts or {})
            else:
                rest.append((name, opts))
        # extract_columns_from_partition_format reads each row's file path: keep it while
        # the transformations run even when the reader was not asked for the Path column.
        hidden_path = False
        if reader is not None and any(n == "extract_columns_from_partition_format" for n, _ in rest) \
                and not (reader[1] or {}).get("include_path_column", False):
            reader = (reader[0], dict(reader[1] or {}, include_path_column=True))
            hidden_path = True
        if reader is None:
            df = pd.DataFrame({"Path": files})
        else:
            df = _read(reader[0], reader[1], files, pd)
        for name, opts in rest:
            if name == "extract_columns_from_partition_format":
                df = _extract_partition_columns(opts, df, self._base, pd)
            else:
                df = _apply(name, opts, df, pd)
        if hidden_path and "Path" in df.columns:
            df = df.drop(columns=["Path"])
        return df


def _as_list(x):
    return [x] if isinstance(x, str) else list(x)


def _read(name, opts, files, pd):
    if name == "read_delimited":
        return _read_delimited(opts, files, pd)
    if name == "read_json_lines":
        return _read_json_lines(opts, files, pd)
    if name == "read_parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError("mltable: read_parquet needs pyarrow, which is not installed here (Debian 12 has no "
                              "python3-pyarrow package); convert the data to CSV or JSON lines, or install pyarrow "
                              "into the step's environment") from None
        frames = [pd.read_parquet(f) for f in files]
        return _concat(frames, files, opts.get("include_path_column", False), pd)
    raise NotImplementedError("mltable: %s is not supported by runnel's mltable" % name)


def _encoding(opts):
    enc = str(opts.get("encoding", "utf8")).lower().replace("-", "")
    if enc not in _ENCODINGS:
        raise ValueError("mltable: unknown encoding %r; use one of %s" % (opts.get("encoding"), ", ".join(_ENCODINGS)))
    return _ENCODINGS[enc]


def _read_delimited(opts, files, pd):
    known = {"delimiter", "header", "encoding", "empty_as_string", "include_path_column", "infer_column_types",
             "support_multi_line", "quoting", "escape_char"}
    for k in opts:
        if k not in known:
            raise ValueError("mltable: read_delimited: unknown option %r (known: %s)" % (k, ", ".join(sorted(known))))
    delimiter = opts.get("delimiter", ",")
    header = opts.get("header", "all_files_same_headers")
    if header not in _HEADERS:
        raise ValueError("mltable: read_delimited: header %r; use one of %s" % (header, ", ".join(_HEADERS)))
    enc = _encoding(opts)
    infer = opts.get("infer_column_types", True)
    empty_as_string = opts.get("empty_as_string", False)
    frames = []
    for i, f in enumerate(files):
        with open(f, "r", encoding=enc, newline="") as fh:
            text = fh.read()
        has_header = header in ("all_files_same_headers", "all_files_different_headers") or \
            (header == "from_first_file" and i == 0)
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        rows = [r for r in rows if r]
        if has_header:
            if not rows:
                raise ValueError("mltable: %s is empty but header is %s" % (f, header))
            cols, rows = rows[0], rows[1:]
        elif header == "from_first_file" and frames:
            cols = list(frames[0].columns)
        else:
            width = max((len(r) for r in rows), default=0)
            cols = ["Column%d" % (k + 1) for k in range(width)]
        for n, r in enumerate(rows):
            if len(r) != len(cols):
                raise ValueError("mltable: %s line %d has %d fields but the header has %d"
                                 % (f, n + (2 if has_header else 1), len(r), len(cols)))
        frames.append(pd.DataFrame(rows, columns=cols, dtype=object))
    if header == "all_files_same_headers":
        for f, fr in zip(files[1:], frames[1:]):
            if list(fr.columns) != list(frames[0].columns):
                raise ValueError("mltable: %s has columns %s but %s has %s (header: all_files_same_headers)"
                                 % (f, list(fr.columns), files[0], list(frames[0].columns)))
    df = _concat(frames, files, opts.get("include_path_column", False), pd)
    for c in df.columns:
        if c == "Path" and opts.get("include_path_column", False):
            continue
        col = df[c]
        if not empty_as_string:
            col = col.where(col != "", None)
        df[c] = _infer(col, pd) if infer else col
    return df


def _infer(col, pd):
    values = col.dropna()
    if len(values) == 0:
        return col
    lowered = values.astype(str).str.lower()
    if lowered.isin(["true", "false"]).all():
        return col.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v).lower() == "true")
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().all():
        full = pd.to_numeric(col, errors="coerce")
        if (num % 1 == 0).all() and not values.astype(str).str.contains(r"[.eE]").any():
            return full.astype("Int64") if col.isna().any() else full.astype("int64")
        return full.astype("float64")
    return col


def _read_json_lines(opts, files, pd):
    import json
    enc = _encoding(opts)
    invalid = opts.get("invalid_lines", "error")
    records_by_file = []
    for f in files:
        recs = []
        with open(f, "r", encoding=enc) as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    if invalid == "drop":
                        continue
                    raise ValueError("mltable: %s line %d is not JSON (invalid_lines: error; use drop to skip it)"
                                     % (f, n))
        records_by_file.append(pd.DataFrame(recs))
    return _concat(records_by_file, files, opts.get("include_path_column", False), pd)


def _concat(frames, files, include_path, pd):
    if include_path:
        for f, fr in zip(files, frames):
            fr.insert(0, "Path", f)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


_DATE_TOKENS = {"yyyy": ("%Y", r"\d{4}"), "MM": ("%m", r"\d{2}"), "dd": ("%d", r"\d{2}"),
                "HH": ("%H", r"\d{2}"), "mm": ("%M", r"\d{2}"), "ss": ("%S", r"\d{2}")}


def _partition_regex(fmt):
    """The regex of a partition format ("{Store}/{Brand}/{file_name}.{extension}",
    "{Date:yyyy/MM/dd}/*.csv") and, per date-typed column, its strptime format."""
    import re
    out, dates, pos = [], {}, 0
    for m in re.finditer(r"\{([^{}:]+)(?::([^{}]+))?\}", fmt):
        out.append(re.escape(fmt[pos:m.start()]).replace(r"\*", "[^/]*"))
        name, date = m.group(1), m.group(2)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*", name):
            raise ValueError("mltable: extract_columns_from_partition_format: bad column name %r in %r" % (name, fmt))
        group = "c%d" % len(out)
        if date:
            rx, sf, i = "", "", 0
            while i < len(date):
                tok = next((t for t in _DATE_TOKENS if date.startswith(t, i)), None)
                if tok:
                    sf += _DATE_TOKENS[tok][0]
                    rx += _DATE_TOKENS[tok][1]
                    i += len(tok)
                else:
                    sf += date[i].replace("%", "%%")
                    rx += re.escape(date[i])
                    i += 1
            dates[name] = sf
            out.append("(?P<%s>%s)" % (group, rx))
        else:
            out.append("(?P<%s>[^/]+?)" % group)
        out[-1] = (name, out[-1])
        pos = m.end()
    out.append(re.escape(fmt[pos:]).replace(r"\*", "[^/]*"))
    names = [x[0] for x in out if isinstance(x, tuple)]
    pattern = "".join(x[1] if isinstance(x, tuple) else x for x in out)
    return re.compile("(?:^|/)" + pattern + "$"), names, dates


def _extract_partition_columns(opts, df, base, pd):
    """Columns from the values a partition format names in each row's file path."""
    import datetime
    fmt = opts.get("partition_format") if isinstance(opts, dict) else opts
    if not isinstance(fmt, str) or not fmt:
        raise ValueError("mltable: extract_columns_from_partition_format needs partition_format: "
                         "'{column}/.../{file_name}.{extension}'")
    if "Path" not in df.columns:
        raise KeyError("mltable: extract_columns_from_partition_format reads the Path column, which a "
                       "transformation before it dropped")
    rx, names, dates = _partition_regex(fmt.lstrip("/"))
    values = {n: [] for n in names}
    for p in df["Path"]:
        rel = os.path.relpath(str(p), base).replace(os.sep, "/") if base and os.path.isabs(str(p)) else str(p)
        m = rx.search(rel)
        if not m:
            raise ValueError("mltable: extract_columns_from_partition_format: path %s does not match %r"
                             % (rel, fmt))
        groups = [m.group(g) for g in sorted(m.groupdict(), key=lambda g: int(g[1:]))]
        for n, v in zip(names, groups):
            values[n].append(datetime.datetime.strptime(v, dates[n]) if n in dates else v)
    df = df.copy()
    for n in names:
        df[n] = values[n]
    return df


def _apply(name, opts, df, pd):
    if name in ("keep_columns", "columns"):
        cols = _as_list(opts)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise KeyError("mltable: keep_columns: no column %s (columns: %s)" % (missing, list(df.columns)))
        return df[cols]
    if name == "drop_columns":
        cols = _as_list(opts)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise KeyError("mltable: drop_columns: no column %s (columns: %s)" % (missing, list(df.columns)))
        return df.drop(columns=cols)
    if name == "take":
        return df.head(int(opts)).reset_index(drop=True)
    if name == "skip":
        return df.iloc[int(opts):].reset_index(drop=True)
    if name == "convert_column_types":
        df = df.copy()
        for item in opts or []:
            cols = _as_list(item.get("columns"))
            t = item.get("column_type")
            for c in cols:
                if c not in df.columns:
                    raise KeyError("mltable: convert_column_types: no column %r (columns: %s)" % (c, list(df.columns)))
                df[c] = _convert(df[c], t, pd)
        return df
    raise NotImplementedError("mltable: transformation %r is not supported by runnel's mltable (supported: "
                              "read_delimited, read_json_lines, read_parquet, keep_columns, drop_columns, "
                              "convert_column_types, extract_columns_from_partition_format, take, skip)" % name)


def _convert(col, t, pd):
    if isinstance(t, dict):
        (kind, args), = t.items()
        args = args or {}
    else:
        kind, args = t, {}
    if kind in ("int", "integer"):
        return pd.to_numeric(col, errors="raise").astype("Int64")
    if kind in ("float", "number"):
        return pd.to_numeric(col, errors="raise").astype("float64")
    if kind == "string":
        return col.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))
    if kind == "boolean":
        tv = [str(x).lower() for x in (args.get("true_values") or ["true", "1", "yes"])]
        fv = [str(x).lower() for x in (args.get("false_values") or ["false", "0", "no"])]

        def b(v):
            s = str(v).lower()
            return True if s in tv else False if s in fv else None
        return col.map(b)
    if kind == "datetime":
        formats = args.get("formats") or []
        if not formats:
            return pd.to_datetime(col)
        out = None
        for fmt in formats:
            parsed = pd.to_datetime(col, format=fmt, errors="coerce")
            out = parsed if out is None else out.fillna(parsed)
        return out
    raise ValueError("mltable: unknown column_type %r; use int, float, string, boolean or datetime" % (t,))


def load(uri, storage_options=None, ml_client=None):
    """The table defined by the MLTable file at `uri`: a folder holding it, or the file."""
    if not isinstance(uri, str) or not uri:
        raise ValueError("mltable.load: give the path of a folder holding an MLTable file")
    path = _local(uri, os.getcwd())
    if os.path.isdir(path):
        base, file = path, os.path.join(path, "MLTable")
    else:
        base, file = os.path.dirname(path), path
    if not os.path.isfile(file):
        raise FileNotFoundError("mltable.load: %s has no MLTable file" % path)
    with open(file, "r", encoding="utf-8") as f:
        definition = _yaml().safe_load(f) or {}
    if not isinstance(definition, dict) or "paths" not in definition:
        raise ValueError("mltable.load: %s is not an MLTable file (a mapping with `paths:`)" % file)
    return MLTable(definition, base)


def _paths_def(paths):
    out = []
    for p in paths:
        if isinstance(p, dict):
            out.append(dict(p))
        else:
            out.append({"file": p})
    return out


def from_paths(paths):
    return MLTable({"paths": _paths_def(paths)}, os.getcwd())


def from_delimited_files(paths, header="all_files_same_headers", delimiter=",", support_multi_line=False,
                         empty_as_string=False, encoding="utf8", include_path_column=False,
                         infer_column_types=True):
    opts = {"delimiter": delimiter, "header": header, "support_multi_line": support_multi_line,
            "empty_as_string": empty_as_string, "encoding": encoding,
            "include_path_column": include_path_column, "infer_column_types": bool(infer_column_types)}
    return MLTable({"paths": _paths_def(paths), "transformations": [{"read_delimited": opts}]}, os.getcwd())


def from_json_lines_files(paths, invalid_lines="error", encoding="utf8", include_path_column=False):
    opts = {"invalid_lines": invalid_lines, "encoding": encoding, "include_path_column": include_path_column}
    return MLTable({"paths": _paths_def(paths), "transformations": [{"read_json_lines": opts}]}, os.getcwd())


def from_parquet_files(paths, include_path_column=False):
    return MLTable({"paths": _paths_def(paths),
                    "transformations": [{"read_parquet": {"include_path_column": include_path_column}}]},
                   os.getcwd())
