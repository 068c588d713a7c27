"""Datasets and data references of the SDK over runnel's dataset registry.

FileDataset / TabularDataset wrap the engine's datasets (files resolved, types inferred
and versions registered in C++); reading rows for to_pandas_dataframe() uses the same
reader the step side uses (runnel/dataset.py). A dataset a step consumes is registered at
submit when it is not yet (under a name derived from its definition), so that runs record
which version of the data they read. Plain values; not synchronized.
"""

import hashlib
import json
import os
import shutil

from ._native import native

_MODES = ("direct", "download", "mount")


def _ws_native(workspace):
    from .core import _as_workspace
    return _as_workspace(workspace)


def _paths(path):
    """The SDK's path argument (a str, a (Datastore, path) tuple, a DataPath, a
    DataReference or a list of those) as what the native factories take."""
    from .core import Datastore
    items = path if isinstance(path, list) else [path]
    out = []
    for p in items:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], Datastore):
            out.append((p[0]._native, p[1]))
        elif isinstance(p, tuple) and len(p) == 2 and hasattr(p[0], "_sdk"):
            out.append((p[0]._sdk()._native, p[1]))  # a datastore of a step's run.experiment.workspace
        elif isinstance(p, (DataPath, DataReference)):
            out.append((p.datastore._native, p.path_on_datastore or ""))
        else:
            raise TypeError("a dataset path is a str, a (Datastore, 'path') tuple or a DataPath, not %s"
                            % type(p).__name__)
    return out


class _DatasetBase:
    def __init__(self, nat, workspace=None):
        self._native = nat
        self._workspace = workspace

    name = property(lambda self: self._native.name or None)
    version = property(lambda self: self._native.version or None)
    description = property(lambda self: self._native.description or None)
    id = property(lambda self: ("%s:%d" % (self._native.name, self._native.version))
                  if self._native.name else None)
    tags = property(lambda self: {})

    @property
    def partition_keys(self):
        """The partition keys of a dataset made by partition_by (else its partition_format's)."""
        keys = getattr(self, "_partition_keys", None)
        if keys is not None:
            return list(keys)
        import re  # noqa: PLC0415
        fmt = json.loads(self._native.definition_json).get("partition_format") or ""
        return re.findall(r"\{([^}:]+)", fmt)


    def _info(self):
        """The dict the step-side reader (runnel.dataset) takes."""
        return {"name": self.name, "version": self.version, "kind": self._native.kind,
                "digest": self._native.digest, "definition": dict(json.loads(self._native.definition_json),
                                                                   files=self._native.files())}

    def _reader(self):
        from runnel import dataset as step_dataset
        return (step_dataset.TabularDataset if self._native.kind == "tabular"
                else step_dataset.FileDataset)(self._info())

    def as_named_input(self, name):
        if not isinstance(name, str) or not name:
            raise ValueError("as_named_input: name must be a non-empty str")
        return DatasetConsumptionConfig(name, self)

    def as_download(self, path_on_compute=None):
        return self.as_named_input(self._default_input_name()).as_download(path_on_compute)

    def as_mount(self, path_on_compute=None):
        return self.as_named_input(self._default_input_name()).as_mount(path_on_compute)

    def _default_input_name(self):
        return self.name or "input_%s" % self._digest()[:8]

    def _digest(self):
        return hashlib.sha256(self._native.definition_json.encode()).hexdigest()

    def to_path(self):
        return self._native.to_path()

    def download(self, target_path=None, overwrite=False, ignore_not_found=False):
        return self._reader().download(target_path, overwrite)

    def register(self, workspace, name, description=None, tags=None, create_new_version=False):
        """Registers this definition as `name` (see runnel/dataset.h for versions); an
        existing name with other content is an error unless create_new_version=True."""
        ws = _ws_native(workspace)
        nat = self._native.register_dataset(ws._native, name, description or "",
                                            {str(k): str(v) for k, v in (tags or {}).items()},
                                            create_new_version)
        return type(self)(nat, ws)

    def _registered(self, workspace):
        """This dataset registered (as is, or under a name derived from its definition)."""
        if self._native.name:
            return self._native
        name = "anonymous_%s" % self._digest()[:16]
        return self._native.register_dataset(workspace._native, name, "registered at submit", {}, True)

    def __repr__(self):
        return "%s(name=%r, version=%r, files=%d)" % (type(self).__name__, self.name, self.version,
                                                      len(self._native.files()))


class FileDataset(_DatasetBase):
    """Files on datastores (or local paths): to_path(), download(), mount()."""

    def mount(self, mount_point=None, **kwargs):
        return self._reader().mount(mount_point)


class TabularDataset(_DatasetBase):
    """Delimited files read as a table: to_pandas_dataframe(), take(n), columns."""

    def to_pandas_dataframe(self, on_error="null", out_of_range_datetime="null"):
        return self._reader().to_pandas_dataframe()

    # Row and column transformations (take, skip, take_sample, random_split, keep_columns,
    # drop_columns) give a dataset of the resulting rows held in this process
    # (_TransformedTabular). Handed to a step (as_named_input, as a step input, register) it is
    # first written, by content, to the default datastore and registered, so the step reads
    # exactly those rows and reuse follows their content.
    def _transformed(self, frame):
        return _TransformedTabular(self, frame)

    def take(self, count):
        return self._transformed(self.to_pandas_dataframe().head(count))

    def skip(self, count):
        return self._transformed(self.to_pandas_dataframe().iloc[count:])

    def take_sample(self, probability, seed=None):
        if not 0 <= probability <= 1:
            raise ValueError("take_sample: probability must be between 0 and 1, not %r" % (probability,))
        return self._transformed(self.to_pandas_dataframe().sample(frac=probability, random_state=seed))

    def random_split(self, percentage, seed=None):
        """Two datasets: about `percentage` of the rows, picked at random (seeded), and the rest."""
        if not 0 < percentage < 1:
            raise ValueError("random_split: percentage must be between 0 and 1 (exclusive), not %r"
                             % (percentage,))
        from runnel.dataset import random_split_frame
        first, rest = random_split_frame(self.to_pandas_dataframe(), percentage, seed)
        return self._transformed(first), self._transformed(rest)

    def __getitem__(self, name):
        """dataset['col']: the column's expression, for filter()."""
        from .expressions import column
        return column(name, self.columns)

    def filter(self, expression):
        """The records for which `expression` (built from dataset['col'], see
        runnel/sdk/expressions.py) is true; nulls count as false."""
        from .expressions import evaluate_filter
        return self._transformed(evaluate_filter(expression, self.to_pandas_dataframe()))

    def keep_columns(self, columns, validate=False):
        cols = [columns] if isinstance(columns, str) else list(columns)
        df = self.to_pandas_dataframe()
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError("keep_columns: no column %s; the columns are %s" % (missing, list(df.columns)))
        return self._transformed(df[cols])

    def drop_columns(self, columns):
        cols = [columns] if isinstance(columns, str) else list(columns)
        df = self.to_pandas_dataframe()
        return self._transformed(df.drop(columns=[c for c in cols if c in df.columns]))

    def to_csv_files(self, separator=","):
        return self._reader().to_csv_files()

    @property
    def columns(self):
        return [c for c, _t in self._native.columns()]

    def partition_by(self, partition_keys, target, name=None, show_progress=True,
                     partition_as_file_dataset=False):
        """Writes the rows grouped by partition_keys as CSV files under target (a (Datastore,
        path) tuple or DataPath): <target>/<key1 value>/<key2 value>/part.csv, each holding its
        rows, and returns the TabularDataset over them (registered as `name` when given),
        whose partition_keys are those keys (as the SDK's)."""
        from .core import Datastore, _as_workspace
        if isinstance(partition_keys, str) or not partition_keys:
            raise ValueError("partition_by: partition_keys is a non-empty list of column names")
        if isinstance(target, tuple) and len(target) == 2 and isinstance(target[0], Datastore):
            store, rel = target
        elif isinstance(target, (DataPath, DataReference)):
            store, rel = target.datastore, target.path_on_datastore
        else:
            raise TypeError("partition_by: target is a (Datastore, 'path') tuple or a DataPath, not %s"
                            % type(target).__name__)
        df = self.to_pandas_dataframe()
        missing = [k for k in partition_keys if k not in df.columns]
        if missing:
            raise ValueError("partition_by: no column %s (columns: %s)" % (", ".join(missing), ", ".join(df.columns)))
        rel = (rel or "").strip("/")
        out_root = store._native.path(rel) if rel else store.root
        if os.path.isdir(out_root):
            shutil.rmtree(out_root)
        count = 0
        for values, part in df.groupby(list(partition_keys), sort=True):
            values = values if isinstance(values, tuple) else (values,)
            folder = os.path.join(out_root, *[str(v) for v in values])
            os.makedirs(folder, exist_ok=True)
            part.to_csv(os.path.join(folder, "part.csv"), index=False)
            count += 1
        if show_progress:
            print("Wrote %d partitions of %d rows to %s:%s" % (count, len(df), store.name, rel))
        # The files keep the key columns, so no partition_format (it would add them again).
        glob = (rel + "/" if rel else "") + "/".join("*" for _k in partition_keys) + "/part.csv"
        ds = Dataset.Tabular.from_delimited_files((store, glob))
        if name:
            ds = ds.register(_as_workspace(store.workspace), name, create_new_version=True)
        ds._partition_keys = list(partition_keys)
        return ds

    def as_download(self, path_on_compute=None):
        raise ValueError("a TabularDataset can only be consumed in direct mode (as_named_input(NAME)); "
                         "use dataset.to_csv_files() or a FileDataset to download files")

    def as_mount(self, path_on_compute=None):
        self.as_download()


class _TransformedTabular(TabularDataset):
    """Rows a transformation of a TabularDataset left, held in this process."""

    def __init__(self, base, frame):
        super().__init__(base._native, base._workspace)
        self._frame = frame
        self._written = None

    def to_pandas_dataframe(self, on_error="null", out_of_range_datetime="null"):
        return self._frame.copy()

    @property
    def columns(self):
        return list(self._frame.columns)

    name = property(lambda self: None)
    version = property(lambda self: None)

    def _materialize(self):
        """This table written (once, under a path named by its content) and registered."""
        if self._written is None:
            from .core import Workspace
            ws = self._workspace if isinstance(self._workspace, Workspace) else Workspace.from_config()
            text = self._frame.to_csv(index=False)
            digest = hashlib.sha256(text.encode()).hexdigest()[:16]
            store = ws.get_default_datastore()
            rel = "runnel-transformed/" + digest
            if not os.path.exists(store._target(rel + "/part-00000.csv")):
                _upload_csv(store, rel, text, show_progress=False)
            self._written = _TabularFactory.from_delimited_files(path=(store, rel + "/part-00000.csv"))
        return self._written

    def as_named_input(self, name):
        return self._materialize().as_named_input(name)

    def register(self, workspace, name, description=None, tags=None, create_new_version=False):
        return self._materialize().register(workspace, name, description=description, tags=tags,
                                            create_new_version=create_new_version)

    def _registered(self, workspace):
        return self._materialize()._registered(workspace)

    def to_csv_files(self, separator=","):
        return self._materialize().to_csv_files(separator)

    def _info(self):
        return self._materialize()._info()

    def _digest(self):
        return self._materialize()._digest()

    def __repr__(self):
        return "TabularDataset(rows=%d, columns=%r)" % (len(self._frame), list(self._frame.columns))


def _upload_csv(store, rel, text, show_progress):
    """`text` as <rel>/part-00000.csv on `store` (a local or object-store datastore)."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "part-00000.csv"), "w") as f:
            f.write(text)
        store.upload_files([os.path.join(tmp, "part-00000.csv")], relative_root=tmp, target_path=rel,
                           overwrite=True, show_progress=show_progress)


def _target_of(target, what):
    from .core import Datastore
    if isinstance(target, Datastore):
        return target, ""
    if isinstance(target, DataPath):
        return target.datastore, target.path_on_datastore
    if isinstance(target, tuple) and len(target) == 2 and isinstance(target[0], Datastore):
        return target[0], (target[1] or "").strip("/")
    raise TypeError("%s: target must be a Datastore, a DataPath or a (Datastore, 'path') tuple, not %r"
                    % (what, target))


class _FileFactory:
    @staticmethod
    def from_files(path, validate=True, partition_format=None, is_file=False):
        """Files matched by `path` (paths and globs; (Datastore, path) tuples)."""
        return FileDataset(native().file_dataset_from_files(_paths(path), partition_format or ""))

    @staticmethod
    def upload_directory(src_dir, target, pattern=None, overwrite=False, show_progress=True):
        """Uploads the files of `src_dir` (those matching the glob `pattern`, default all) to
        `target` (Datastore, path) and returns a FileDataset of them."""
        import fnmatch
        if not os.path.isdir(src_dir):
            raise FileNotFoundError("Dataset.File.upload_directory: %s is not a folder" % src_dir)
        ds, path = _target_of(target, "Dataset.File.upload_directory")
        files = [os.path.join(d, n) for d, _s, names in os.walk(src_dir) for n in names
                 if pattern is None or fnmatch.fnmatch(os.path.relpath(os.path.join(d, n), src_dir), pattern)
                 or fnmatch.fnmatch(n, pattern)]
        if not files:
            raise ValueError("Dataset.File.upload_directory: no file of %s matches %r" % (src_dir, pattern))
        ds.upload_files(files, relative_root=src_dir, target_path=path, overwrite=overwrite,
                        show_progress=show_progress)
        return _FileFactory.from_files(path=(ds, path + "/**" if path else "**"))


class _TabularFactory:
    @staticmethod
    def from_delimited_files(path, validate=True, include_path=False, infer_column_types=True,
                             set_column_types=None, separator=",", header=True,
                             partition_format=None, support_multi_line=False,
                             empty_as_string=False, encoding="utf8"):
        """Delimited files matched by `path`, header and column types as the SDK reads them."""
        header_name = {True: "all_files_same_headers", False: "no_headers"}.get(header, None)
        if header_name is None:
            header_name = getattr(header, "value", header)
        types = {}
        for col, t in (set_column_types or {}).items():
            types[col] = getattr(t, "_runnel_type", None) or str(t)
        return TabularDataset(native().tabular_dataset_from_delimited_files(
            _paths(path), separator, str(header_name), infer_column_types, types, include_path,
            partition_format or "", support_multi_line, empty_as_string, encoding))

    @staticmethod
    def register_pandas_dataframe(dataframe, target, name, description=None, tags=None,
                                  show_progress=True, row_group_size=None, make_target_path_unique=True):
        """Writes `dataframe` under `target` (Datastore, path) and registers it as the next
        version of the tabular dataset `name`. Written as CSV (Azure ML writes parquet, which
        runnel does not read): column names and values round-trip, not datetime dtypes."""
        import uuid
        ds, path = _target_of(target, "Dataset.Tabular.register_pandas_dataframe")
        if make_target_path_unique:
            path = (path + "/" if path else "") + uuid.uuid4().hex
        _upload_csv(ds, path, dataframe.to_csv(index=False), show_progress=show_progress)
        dataset = _TabularFactory.from_delimited_files(path=(ds, path + "/part-00000.csv"))
        return dataset.register(ds.workspace, name, description=description, tags=tags,
                                create_new_version=True)

    @staticmethod
    def from_parquet_files(path, validate=True, include_path=False, set_column_types=None,
                           partition_format=None):
        raise NotImplementedError("Dataset.Tabular.from_parquet_files: runnel reads delimited files "
                                  "only; use from_delimited_files")


class PromoteHeadersBehavior:
    NO_HEADERS = "no_headers"
    ONLY_FIRST_FILE_HAS_HEADERS = "only_first_file_has_headers"
    COMBINE_ALL_FILES_HEADERS = "combine_all_files_headers"
    ALL_FILES_HAVE_SAME_HEADERS = "all_files_same_headers"


class DataType:
    """Column types for set_column_types."""

    def __init__(self, t):
        self._runnel_type = t

    @staticmethod
    def to_string():
        return DataType("string")

    @staticmethod
    def to_long():
        return DataType("integer")

    @staticmethod
    def to_float(decimal_mark="."):
        return DataType("float")

    @staticmethod
    def to_bool():
        return DataType("boolean")

    @staticmethod
    def to_datetime(formats=None):
        return DataType("datetime")


class Dataset:
    """The SDK's Dataset entry point: Dataset.File / Dataset.Tabular factories and the
    registry lookups get_by_name / get_by_id."""

    File = _FileFactory
    Tabular = _TabularFactory

    @staticmethod
    def get_by_name(workspace, name, version="latest"):
        from .core import Workspace
        if not isinstance(workspace, Workspace):
            # A step's workspace (run.experiment.workspace): the step side's read-only
            # reader, which needs no native module (steps may run another interpreter).
            from runnel.dataset import Dataset as StepDataset
            return StepDataset.get_by_name(workspace, name, version)
        ws = workspace
        v = 0 if version in (None, "latest") else int(version)
        try:
            nat = native().dataset_get_by_name(ws._native, name, v)
        except native().NotFoundError as e:
            # The SDK raises UserErrorException('Cannot find dataset registered with name ...').
            from runnel.dataset import not_found_message
            from runnel.exceptions import UserErrorException
            from .sdk_errors import sdk_error
            raise sdk_error(UserErrorException)("%s %s" % (not_found_message(name, version), e)) from None
        return (TabularDataset if nat.kind == "tabular" else FileDataset)(nat, ws)

    @staticmethod
    def get_by_id(workspace, id):
        """`id` is "name:version" (what dataset.id returns), or what a dataset in a step's
        arguments became inside the step (its inputs/NAME/dataset.json; the SDK passes the
        dataset's id there): that input's dataset, the version the step was given."""
        from .core import Workspace
        from runnel.dataset import input_entry_for_path
        entry = input_entry_for_path(id)
        if entry is not None:
            ds = entry["dataset"]
            if isinstance(workspace, Workspace) and ds.get("name") and ds.get("version"):
                return Dataset.get_by_name(workspace, ds["name"], ds["version"])
            from runnel.dataset import from_context
            return from_context(entry)
        if not isinstance(id, str) or ":" not in id:
            raise ValueError("Dataset.get_by_id: runnel dataset ids are 'name:version' (dataset.id) or the path "
                             "a dataset argument became in a step (.../dataset.json), not %r" % (id,))
        name, version = id.rsplit(":", 1)
        return Dataset.get_by_name(workspace, name, version)

    @staticmethod
    def get_all(workspace):
        return _ws_native(workspace).datasets


class DatasetConsumptionConfig:
    """How a step receives a dataset: mode direct (default), download or mount."""

    def __init__(self, name, dataset, mode="direct", path_on_compute=None):
        from .pipeline import PipelineParameter
        # A PipelineParameter whose default is a dataset: the value given at submit
        # (pipeline_parameters={name: other_dataset}) is consumed the same way.
        default = dataset.default_value if isinstance(dataset, PipelineParameter) else dataset
        if not isinstance(default, _DatasetBase):
            raise TypeError("DatasetConsumptionConfig: dataset must be a FileDataset, a TabularDataset or a "
                            "PipelineParameter whose default_value is one, not %s" % type(default).__name__)
        if mode not in _MODES:
            raise ValueError("mode must be one of %s, not %r" % (", ".join(_MODES), mode))
        if mode != "direct" and isinstance(default, TabularDataset):
            raise ValueError("a TabularDataset can only be consumed in direct mode")
        self.name = name
        self.dataset = dataset
        self.mode = mode
        self.path_on_compute = path_on_compute

    def as_download(self, path_on_compute=None):
        return DatasetConsumptionConfig(self.name, self.dataset, "download", path_on_compute)

    def as_mount(self, path_on_compute=None):
        return DatasetConsumptionConfig(self.name, self.dataset, "mount", path_on_compute)

    def _to_native(self, workspace, param_value=None):
        from .pipeline import PipelineParameter
        dataset = self.dataset
        if isinstance(dataset, PipelineParameter):
            dataset = param_value(dataset) if param_value else dataset.default_value
            if not isinstance(dataset, _DatasetBase):
                raise TypeError("pipeline parameter %r is consumed as a dataset (DatasetConsumptionConfig %r), so "
                                "its value must be a FileDataset or TabularDataset, not %s"
                                % (self.dataset.name, self.name, type(dataset).__name__))
        cc = dataset._registered(workspace).as_named_input(self.name)
        if self.mode == "download":
            cc = cc.as_download(self.path_on_compute or "")
        elif self.mode == "mount":
            cc = cc.as_mount(self.path_on_compute or "")
        return cc

    def __repr__(self):
        return "DatasetConsumptionConfig(name=%r, mode=%r, dataset=%r)" % (self.name, self.mode, self.dataset)


class DataPath:
    """A path on a datastore (the SDK's azureml.data.datapath.DataPath)."""

    def __init__(self, datastore=None, path_on_datastore=None, name=None):
        from .core import Datastore
        if datastore is not None and not isinstance(datastore, Datastore):
            raise TypeError("DataPath: datastore must be a Datastore, not %s" % type(datastore).__name__)
        self.datastore = datastore
        self.path_on_datastore = path_on_datastore or ""
        self.name = name

    datastore_name = property(lambda self: self.datastore.name if self.datastore else None)

    def create_data_reference(self, data_reference_name=None, datapath_compute_binding=None):
        b = datapath_compute_binding or DataPathComputeBinding()
        return DataReference(self.datastore, data_reference_name or self.name, self.path_on_datastore,
                             b.mode, b.path_on_compute, b.overwrite)

    def __repr__(self):
        return "DataPath(datastore=%r, path_on_datastore=%r)" % (self.datastore_name, self.path_on_datastore)


class DataPathComputeBinding:
    """How a DataPath pipeline parameter reaches a step: mode mount (default) or download."""

    def __init__(self, mode="mount", path_on_compute=None, overwrite=False):
        if mode not in ("mount", "download"):
            raise ValueError("DataPathComputeBinding: mode must be 'mount' or 'download', not %r" % (mode,))
        self.mode = mode
        self.path_on_compute = path_on_compute
        self.overwrite = overwrite


class DataReference:
    """A path on a datastore given to a step as an input (the SDK's DataReference): in
    arguments it becomes the path the step reads."""

    def __init__(self, datastore, data_reference_name=None, path_on_datastore=None, mode="mount",
                 path_on_compute=None, overwrite=False):
        from .core import Datastore
        if not isinstance(datastore, Datastore):
            raise TypeError("DataReference: datastore must be a Datastore, not %s" % type(datastore).__name__)
        if mode not in ("mount", "download", "upload"):
            raise ValueError("DataReference: mode must be mount, download or upload, not %r" % (mode,))
        self.datastore = datastore
        self.path_on_datastore = path_on_datastore or ""
        self.data_reference_name = data_reference_name or (
            "%s_%s" % (datastore.name, hashlib.sha1(self.path_on_datastore.encode()).hexdigest()[:8]))
        self.mode = mode
        self.path_on_compute = path_on_compute
        self.overwrite = overwrite

    datastore_name = property(lambda self: self.datastore.name)

    def as_mount(self):
        return DataReference(self.datastore, self.data_reference_name, self.path_on_datastore, "mount",
                             self.path_on_compute, self.overwrite)

    def as_download(self, path_on_compute=None, overwrite=False):
        return DataReference(self.datastore, self.data_reference_name, self.path_on_datastore, "download",
                             path_on_compute, overwrite)

    def as_upload(self, path_on_compute=None, overwrite=False):
        raise NotImplementedError("DataReference.as_upload: use PipelineData or OutputFileDatasetConfig "
                                  "for outputs")

    def path(self, path=None, data_reference_name=None):
        return DataReference(self.datastore, data_reference_name,
                             os.path.join(self.path_on_datastore, path or ""), self.mode)

    def _consumption(self):
        """The input runnel gives the step: the files under the path, as a dataset."""
        ds = FileDataset(native().file_dataset_from_files(
            [(self.datastore._native, self.path_on_datastore or ".")], ""))
        cc = DatasetConsumptionConfig(self.data_reference_name, ds,
                                      "download" if self.mode == "download" else "mount",
                                      self.path_on_compute)
        return cc

    def __repr__(self):
        return "$AZUREML_DATAREFERENCE_%s" % self.data_reference_name


class OutputFileDatasetConfig:
    """A step output that becomes a dataset: written under `destination` (a (Datastore,
    path) pair; {run-id} and {output-name} expand), mounted by default or uploaded."""

    def __init__(self, name=None, destination=None, source=None, partition_format=None):
        from .core import Datastore
        if destination is not None:
            if not (isinstance(destination, tuple) and len(destination) == 2
                    and isinstance(destination[0], Datastore) and isinstance(destination[1], str)):
                raise TypeError("OutputFileDatasetConfig: destination is a (Datastore, 'path') tuple")
        self.name = name or "output_%s" % hashlib.sha1(repr(destination).encode()).hexdigest()[:8]
        self.destination = destination
        self.source = source
        self.partition_format = partition_format
        self._mode = "mount"
        self._register = None
        self._tabular = False
        self._producer = None

    def as_mount(self, disable_metadata_cache=False):
        self._mode = "mount"
        return self

    def as_upload(self, overwrite=False, source_globs=None):
        self._mode = "upload"
        self._overwrite = bool(overwrite)
        return self

    def as_input(self, name=None):
        from .pipeline import _InputView
        return _InputView(self, name or self.name)

    def register_on_complete(self, name, description=None, tags=None):
        self._register = (name, description or "", {str(k): str(v) for k, v in (tags or {}).items()})
        return self

    def read_delimited_files(self, include_path=False, separator=",", header=True,
                             partition_format=None, path_glob=None, set_column_types=None):
        """An OutputTabularDatasetConfig of this output's delimited files (those matching
        path_glob, relative to the output; every file by default): as_input(name) gives the
        consumer a TabularDataset, register_on_complete registers a tabular dataset."""
        from .output_datasets import OutputTabularDatasetConfig, _delimited, _path_glob
        read = _delimited(include_path, separator, header, partition_format, _path_glob(path_glob),
                          set_column_types, False, "read_delimited_files")
        return OutputTabularDatasetConfig(self, read)

    def read_parquet_files(self, include_path=False, partition_format=None, path_glob=None,
                           set_column_types=None):
        """An OutputTabularDatasetConfig of this output's parquet files: as_input(name) gives the
        consumer a TabularDataset read with pandas (pyarrow or fastparquet needed in the step).
        register_on_complete registers the files as a file dataset (runnel's registry reads
        delimited tables only)."""
        from .output_datasets import OutputTabularDatasetConfig, _parquet, _path_glob
        read = _parquet(include_path, partition_format, _path_glob(path_glob), set_column_types,
                        "read_parquet_files")
        return OutputTabularDatasetConfig(self, read)

    def _make_native(self):
        ds, path = self.destination if self.destination else (None, "")
        nat = native().OutputFileDatasetConfig(self.name, ds._native if ds else None, path)
        if self._mode == "upload":
            nat = nat.as_upload(getattr(self, "_overwrite", False))
        if self._register:
            nat = nat.register_on_complete(*self._register)
        if self._tabular:
            nat = nat.read_delimited_files()
        return nat

    def __repr__(self):
        return "OutputFileDatasetConfig(name=%r, destination=%r)" % (self.name, self.destination)


from .output_datasets import OutputTabularDatasetConfig  # noqa: E402 (after the class it wraps)


def _copy_tree(src, dest, overwrite=False):
    if os.path.isdir(src):
        shutil.copytree(src, dest, dirs_exist_ok=True)
    else:
        os.makedirs(os.path.dirname(os.path.abspath(dest)) or ".", exist_ok=True)
        if overwrite or not os.path.exists(dest):
            shutil.copyfile(src, dest)
