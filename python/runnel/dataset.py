"""Dataset objects that a step receives for inputs in mode `direct`.

runnel hands a step, for each input, a context entry {"type", "mode", "path", "value",
"dataset"}; for a registered dataset, "dataset" holds {"name", "version", "kind", "digest",
"definition", "files_changed"}, where definition["files"][i]["local_path"] is where each file
is on this machine (see src/data/dataset_state.h for the definition's fields). The runtime
calls from_context(entry) and puts the result in run.input_datasets[name], so that step
scripts written for Azure ML work unchanged:

    df = Run.get_context().input_datasets["iris"].to_pandas_dataframe()

Standard library only; pandas is imported only by to_pandas_dataframe(). Objects are
read-only views; not synchronized.
"""

import contextlib
import csv
import io
import os
import tempfile

from runnel import _files
from runnel.exceptions import UserErrorException

# Column types (as C++ names them) -> pandas dtypes. Nullable dtypes so that nulls survive.
PANDAS_DTYPES = {"integer": "Int64", "float": "float64", "boolean": "boolean", "string": "object"}
_ENCODINGS = {"utf8": "utf-8-sig", "utf8bom": "utf-8-sig", "latin1": "latin-1", "iso88591": "latin-1",
              "windows1252": "cp1252", "cp1252": "cp1252", "ascii": "ascii"}


class DatasetError(RuntimeError):
    """A dataset definition that cannot be read, or a file that does not parse."""


def random_split_frame(df, percentage, seed):
    """(picked, others): about `percentage` of the rows of the DataFrame `df`, picked at random
    with `seed` (None: unseeded), in their order, and the remaining rows. The one split that
    TabularDataset.random_split (runnel/sdk/data.py) and a step reading an output with
    random_split options (definition options "random_split") both use, so that a seed picks
    the same rows in either place: the picks depend only on the row count and the seed."""
    picked = df.sample(frac=percentage, random_state=seed).sort_index()
    return picked, df.drop(picked.index)


def from_context(entry):
    """The dataset object for a context entry whose "dataset" is set (FileDataset or
    TabularDataset). Raises DatasetError when the entry holds no dataset."""
    ds = entry.get("dataset") if isinstance(entry, dict) else None
    if not isinstance(ds, dict) or not isinstance(ds.get("definition"), dict):
        raise DatasetError("context entry holds no dataset definition: %r" % (entry,))
    cls = TabularDataset if ds.get("kind") == "tabular" else FileDataset
    return cls(ds)


class _Dataset:
    def __init__(self, info):
        self.name = info.get("name")
        self.version = info.get("version")
        self.digest = info.get("digest")
        self.files_changed = list(info.get("files_changed") or [])
        self.definition = info["definition"]
        self._files = list(self.definition.get("files") or [])

    def __repr__(self):
        return "%s(name=%r, version=%r, files=%d)" % (type(self).__name__, self.name, self.version,
                                                      len(self._files))

    def _local_paths(self):
        return [f.get("local_path") or f["path"] for f in self._files]

    def _relative_names(self):
        paths = [f["path"] for f in self._files]
        if not paths:
            return []
        common = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0])
        if len(paths) > 1 and common in paths:  # a single shared file name
            common = os.path.dirname(common)
        return [os.path.relpath(p, common) if common else p for p in paths]

    def to_path(self):
        """The files as the SDK lists them: "/" + path relative to their common folder."""
        return ["/" + r for r in self._relative_names()]

    def download(self, target_path=None, overwrite=False):
        """Copies the files under `target_path` (a new temp folder when None); returns the
        list of local file paths. Raises FileExistsError for an existing file unless
        `overwrite`."""
        target = target_path or tempfile.mkdtemp(prefix="runnel-dataset-")
        out = []
        for src, rel in zip(self._local_paths(), self._relative_names()):
            dst = os.path.join(target, rel)
            if os.path.exists(dst) and not overwrite:
                raise FileExistsError("%s exists; pass overwrite=True" % dst)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            _files.copy_file(src, dst)
            out.append(dst)
        return out

    @contextlib.contextmanager
    def _mount_cm(self, mount_point):
        target = mount_point or tempfile.mkdtemp(prefix="runnel-mount-")
        made = []
        for src, rel in zip(self._local_paths(), self._relative_names()):
            dst = os.path.join(target, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.lexists(dst):
                os.symlink(src, dst)
                made.append(dst)
        try:
            yield _MountContext(target)
        finally:
            for p in made:
                with contextlib.suppress(OSError):
                    os.unlink(p)

    def mount(self, mount_point=None):
        """A context manager giving a read-only view (symlinks) of the files at
        `.mount_point`; the links are removed on exit."""
        return self._mount_cm(mount_point)


class _MountContext:
    def __init__(self, mount_point):
        self.mount_point = mount_point


class FileDataset(_Dataset):
    """A file dataset: to_path(), download(), mount()."""


class TabularDataset(_Dataset):
    """A tabular dataset: to_pandas_dataframe(), to_csv_files(), plus the file methods."""

    @property
    def columns(self):
        return [(c["name"], c["type"]) for c in self.definition.get("columns", [])]

    def _options(self):
        return self.definition.get("options") or {}

    def _rows(self):
        """Yields rows (lists of str or None, aligned to the columns) across all files."""
        opt = self._options()
        sep = opt.get("separator", ",")
        sep = "\t" if sep in ("\\t", "tab") else sep
        header = opt.get("header", "all_files_same_headers")
        enc = _ENCODINGS.get(str(opt.get("encoding", "utf8")).lower().replace("-", "").replace("_", ""),
                             "utf-8-sig")
        names = [c["name"] for c in self.definition.get("columns", [])]
        extra = (1 if opt.get("include_path") else 0) + len(
            [k for k in names if any(k in f.get("partition", {}) for f in self._files)])
        base = names[:len(names) - extra] if extra else names
        ragged = opt.get("ragged_rows", "error")
        for i, f in enumerate(self._files):
            path = f.get("local_path") or f["path"]
            with open(path, "r", encoding=enc, newline="") as fh:
                reader = csv.reader(fh, delimiter=sep)
                mapping = None
                has_header = header in ("all_files_same_headers", "combine_all_files_headers") or (
                    header == "only_first_file_has_headers" and i == 0)
                for fields in reader:
                    if not fields:
                        continue
                    if has_header and mapping is None:
                        mapping = [base.index(h) if h in base else None for h in fields]
                        continue
                    width = len(mapping) if mapping is not None else len(base)
                    if len(fields) != width:
                        if ragged == "skip":
                            continue
                        if ragged == "error":
                            raise DatasetError("%s:%d: row has %d fields, the header has %d"
                                               % (path, reader.line_num, len(fields), width))
                    row = [None] * len(base)
                    for k, v in enumerate(fields[:width]):
                        to = mapping[k] if mapping is not None else k
                        if to is not None and to < len(base):
                            row[to] = v if v != "" else None
                    if opt.get("include_path"):
                        row.append("/" + f["path"])
                    for k in names[len(base) + (1 if opt.get("include_path") else 0):]:
                        row.append(f.get("partition", {}).get(k))
                    yield row

    def to_pandas_dataframe(self):
        """The rows as a pandas DataFrame, with the dataset's column types as dtypes
        (integer -> Int64, float -> float64, boolean -> boolean, datetime -> datetime64,
        string -> object). A step output read as parquet files (definition "format":
        "parquet") is read with pandas.read_parquet, which needs pyarrow or fastparquet.
        Then the options' random_split parts are taken, in order (each {"percentage", "seed",
        "part": 0 for the rows picked, 1 for the others}; rows renumbered from 0), and their
        keep_columns / drop_columns applied last."""
        if self.definition.get("format") == "parquet":
            df = self._parquet_frame()
        else:
            df = self._delimited_frame()
        opt = self._options()
        splits = opt.get("random_split") or []
        for sp in splits:
            df = random_split_frame(df, sp["percentage"], sp["seed"])[1 if sp.get("part") else 0]
        if splits:
            df = df.reset_index(drop=True)
        keep = list(opt.get("keep_columns") or [])
        if keep:
            missing = [c for c in keep if c not in df.columns]
            if missing:
                raise DatasetError("keep_columns: no column %s; the columns are %s" % (missing, list(df.columns)))
            df = df[keep]
        drop = [c for c in (opt.get("drop_columns") or []) if c in df.columns]
        return df.drop(columns=drop) if drop else df

    def _parquet_frame(self):
        import pandas as pd  # only when called
        frames = []
        for f, rel in zip(self._files, self.to_path()):
            path = f.get("local_path") or f["path"]
            try:
                frame = pd.read_parquet(path)
            except ImportError as e:
                raise DatasetError("%s: reading parquet files needs pyarrow or fastparquet in the step's "
                                   "environment, and neither is installed (%s); install one (pip install "
                                   "pyarrow), or write CSV and read it with parse_delimited_files() / "
                                   "read_delimited_files()" % (path, e)) from None
            for key, value in (f.get("partition") or {}).items():
                frame[key] = value
            if self._options().get("include_path"):
                frame["Path"] = rel
            frames.append(frame)
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        for col, t in (self._options().get("set_column_types") or {}).items():
            if col in df.columns:
                df[col] = pd.to_datetime(df[col]) if t == "datetime" else df[col].astype(PANDAS_DTYPES.get(t, "object"))
        return df

    def _delimited_frame(self):
        import pandas as pd  # only when called

        cols = self.definition.get("columns", [])
        names = [c["name"] for c in cols]
        empty_as_string = self._options().get("empty_as_string", False)
        df = pd.DataFrame(list(self._rows()), columns=names, dtype=object)
        for c in cols:
            s = df[c["name"]]
            t = c["type"]
            if t == "integer":
                df[c["name"]] = pd.to_numeric(s).astype("Int64")
            elif t == "float":
                df[c["name"]] = pd.to_numeric(s).astype("float64")
            elif t == "boolean":
                df[c["name"]] = s.map(lambda v: None if v is None else str(v).lower() == "true").astype("boolean")
            elif t == "datetime":
                df[c["name"]] = pd.to_datetime(s, dayfirst=c.get("date_order") == "dmy",
                                               yearfirst=c.get("date_order") == "ymd")
            elif empty_as_string:
                df[c["name"]] = s.where(s.notna(), "")
        return df

    def to_csv_files(self, target_path=None):
        """Writes the rows as one UTF-8 CSV file with a header (the SDK's to_csv_files
        returns a FileDataset of CSV files); returns a FileDataset of it."""
        target = target_path or tempfile.mkdtemp(prefix="runnel-csv-")
        os.makedirs(target, exist_ok=True)
        out = os.path.join(target, "part-00000.csv")
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([c["name"] for c in self.definition.get("columns", [])])
        for row in self._rows():
            w.writerow(["" if v is None else v for v in row])
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
        return FileDataset({"name": None, "version": None, "definition": {
            "kind": "file", "files": [{"path": out, "local_path": out, "size": os.path.getsize(out)}]}})


class DatasetNotFoundError(UserErrorException, DatasetError):
    """No registered dataset of that name (and version): the SDK's UserErrorException, whose
    message starts as the SDK's ('Cannot find dataset registered with name ...')."""


def not_found_message(name, version):
    """The SDK's words for a dataset name (and version) that is not registered."""
    return 'Cannot find dataset registered with name "%s"%s in the workspace.' % (
        name, "" if version in (None, "latest", 0, "0") else " (version: %s)" % version)


def _workspace_dir(workspace):
    """The folder holding .runnel/ for a Workspace object, a path, or None ($RUNNEL_WORKSPACE)."""
    path = getattr(workspace, "path", None) or (workspace if isinstance(workspace, str) else None)
    path = path or os.environ.get("RUNNEL_WORKSPACE")
    if not path or not os.path.isdir(os.path.join(path, ".runnel")):
        raise DatasetError("no runnel workspace at %r; pass run.experiment.workspace or "
                           "Workspace.from_config()" % (path,))
    return path


def _load_registered(workspace, name, version):
    """A registered dataset version as the info dict that FileDataset/TabularDataset take,
    with each file's local path resolved through the workspace's datastores."""
    import json
    import sqlite3
    root = _workspace_dir(workspace)
    runnel_dir = os.path.join(root, ".runnel")
    with open(os.path.join(runnel_dir, "config.json")) as f:
        config = json.load(f)
    stores = {n: os.path.normpath(os.path.join(runnel_dir, d.get("root", "datastores/" + n)))
              for n, d in (config.get("datastores") or {}).items()}
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(runnel_dir, "metadata.db"), uri=True)
    try:
        if version in (None, "latest", 0, "0"):
            row = con.execute("SELECT name, version, kind, definition_json, digest FROM datasets "
                              "WHERE name = ? ORDER BY version DESC LIMIT 1", (name,)).fetchone()
        else:
            row = con.execute("SELECT name, version, kind, definition_json, digest FROM datasets "
                              "WHERE name = ? AND version = ?", (name, int(version))).fetchone()
        if row is None:
            names = [r[0] for r in con.execute("SELECT DISTINCT name FROM datasets ORDER BY name")]
            raise DatasetNotFoundError("%s: no dataset %r%s is registered (registered: %s); register it with "
                                       "`runnel dataset register %s PATH...`"
                                       % (not_found_message(name, version), name,
                                          "" if version in (None, "latest") else " version %s" % version,
                                          ", ".join(names) or "none", name))
    finally:
        con.close()
    definition = json.loads(row[3])
    for f in definition.get("files") or []:
        store = stores.get(f.get("datastore") or "")
        if store and not f.get("local_path"):
            f["local_path"] = os.path.join(store, f["path"])
    return {"name": row[0], "version": row[1], "kind": row[2], "digest": row[4],
            "definition": definition}


class Dataset:
    """The SDK's Dataset entry point inside a step: look up registered datasets.

    Dataset.get_by_name(run.experiment.workspace, "customers").to_pandas_dataframe()
    works as in Azure ML (read-only; register datasets with `runnel dataset register`)."""

    File = FileDataset
    Tabular = TabularDataset

    @staticmethod
    def get_by_name(workspace, name, version="latest"):
        info = _load_registered(workspace, name, version)
        return (TabularDataset if info["kind"] == "tabular" else FileDataset)(info)

    @staticmethod
    def get_by_id(workspace, id):
        """`id` is "name:version" (dataset.id), or what a dataset passed in a step's
        arguments became in the step (its inputs/NAME/dataset.json: the SDK passes the id)."""
        entry = input_entry_for_path(id)
        if entry is not None:
            return from_context(entry)
        if isinstance(id, str) and ":" in id:
            name, version = id.rsplit(":", 1)
            return Dataset.get_by_name(workspace, name, version)
        raise DatasetError("Dataset.get_by_id: runnel dataset ids are 'name:version' (dataset.id) or the "
                           "path a dataset argument became in a step (.../dataset.json), not %r" % (id,))


def input_entry_for_path(path):
    """The run-context input entry (with its "dataset": name, version, definition) of a
    direct-mode dataset input whose path is `path` (a step's inputs/NAME/dataset.json), or
    None when `path` is no such file. Looked up in this step's context, else in the
    context.json of the run folder holding the file; a file found in neither gives an entry
    built from the definition it holds (name and version None)."""
    import json
    if not isinstance(path, str) or os.path.basename(path) != "dataset.json" or not os.path.isfile(path):
        return None
    want = os.path.realpath(path)
    candidates = []
    env = os.environ.get("RUNNEL_RUN_CONTEXT")
    if env:
        candidates.append(env)
    folder = os.path.dirname(want)
    for _ in range(3):  # run_dir/inputs/NAME/dataset.json -> run_dir/context.json
        folder = os.path.dirname(folder)
        candidates.append(os.path.join(folder, "context.json"))
    for c in candidates:
        try:
            with open(c, encoding="utf-8") as f:
                ctx = json.load(f)
        except (OSError, ValueError):
            continue
        for entry in (ctx.get("inputs") or {}).values() if isinstance(ctx, dict) else ():
            if isinstance(entry, dict) and isinstance(entry.get("path"), str) \
                    and isinstance(entry.get("dataset"), dict) and os.path.realpath(entry["path"]) == want:
                return entry
    try:
        with open(path, encoding="utf-8") as f:
            definition = json.load(f)
    except (OSError, ValueError) as e:
        raise DatasetError("%s does not hold a dataset definition: %s" % (path, e)) from e
    if not isinstance(definition, dict):
        raise DatasetError("%s does not hold a dataset definition" % path)
    return {"path": path, "mode": "direct",
            "dataset": {"name": None, "version": None, "kind": definition.get("kind", "file"),
                        "definition": definition}}
