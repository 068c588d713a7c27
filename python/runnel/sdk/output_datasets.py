"""Step outputs promoted to datasets: the SDK's PipelineData.as_dataset() (PipelineOutputFileDataset,
PipelineOutputTabularDataset) and OutputFileDatasetConfig.read_delimited_files() /
read_parquet_files() (OutputTabularDatasetConfig).

These only record how the consuming step reads the output; the engine reads it when that step
starts (StepInput::as_dataset, data/materialize.h resolve_output_dataset) and hands it over in
mode direct, so that in the step `Run.get_context().input_datasets[name]` is a FileDataset or
TabularDataset (`.to_pandas_dataframe()`). Builder methods return new objects that share the
underlying output (as the SDK's do), so the producer step is found through any of them.
Plain values; not synchronized.
"""

import copy
import random

_READ_DEFAULTS = dict(format="delimited", file_glob="", separator=",", header="all_files_same_headers",
                      include_path=False, partition_format="", set_column_types={}, support_multi_line=False,
                      keep_columns=[], drop_columns=[], random_split=[])


def _header_name(header, where):
    """The SDK's header argument (True/False or a PromoteHeadersBehavior) as the engine names it."""
    if header is True:
        return "all_files_same_headers"
    if header is False:
        return "no_headers"
    name = getattr(header, "value", header)
    if not isinstance(name, str):
        raise TypeError("%s: header is True/False or a PromoteHeadersBehavior, not %r" % (where, header))
    return name


def _column_types(set_column_types, where):
    """{column: DataType} as {column: engine type name}."""
    if set_column_types is None:
        return {}
    if not isinstance(set_column_types, dict):
        raise TypeError("%s: set_column_types is a dict of column name -> DataType, not %s"
                        % (where, type(set_column_types).__name__))
    return {str(k): getattr(v, "_runnel_type", None) or str(v) for k, v in set_column_types.items()}


def _extension_glob(file_extension, default):
    """file_extension as the SDK's parse_* take it ("" = the default, None = every file) -> a glob."""
    ext = default if file_extension == "" else file_extension
    if not ext:
        return ""
    return "**/*" + (ext if ext.startswith(".") else "." + ext)


def _columns(columns, where):
    cols = [columns] if isinstance(columns, str) else list(columns or [])
    if not cols or not all(isinstance(c, str) and c for c in cols):
        raise ValueError("%s: columns is a column name or a non-empty list of names, not %r" % (where, columns))
    return cols


def _with_columns(read, keep=None, drop=None):
    out = dict(read, keep_columns=list(read["keep_columns"]), drop_columns=list(read["drop_columns"]))
    if keep is not None:
        out["keep_columns"] = [c for c in keep if not out["keep_columns"] or c in out["keep_columns"]]
    if drop is not None:
        out["drop_columns"] += [c for c in drop if c not in out["drop_columns"]]
    return out


def _split_parts(read, percentage, seed, where):
    """The two reads of random_split(percentage, seed): each adds one part of the split to the
    read's splits (applied by the consuming step's runtime, runnel/dataset.py, with the same
    split as TabularDataset.random_split). Without a seed one is drawn here, so that both parts
    use it and partition the rows."""
    if isinstance(percentage, bool) or not isinstance(percentage, (int, float)) or not 0 < percentage < 1:
        raise ValueError("%s: percentage must be a number strictly between 0 and 1 (the first part's "
                         "share of the rows), not %r" % (where, percentage))
    if seed is None:
        seed = random.SystemRandom().randrange(2 ** 32)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 32:
        raise ValueError("%s: seed must be an int between 0 and 4294967295, not %r" % (where, seed))
    return tuple(dict(read, random_split=list(read["random_split"]) + [(float(percentage), seed, part)])
                 for part in (0, 1))


def _delimited(include_path, separator, header, partition_format, file_glob, set_column_types,
               support_multi_line, where):
    if not isinstance(separator, str) or not separator:
        raise ValueError("%s: separator must be a non-empty str, not %r" % (where, separator))
    return dict(_READ_DEFAULTS, format="delimited", file_glob=file_glob, separator=separator,
                header=_header_name(header, where), include_path=bool(include_path),
                partition_format=(partition_format or "").lstrip("/"),
                set_column_types=_column_types(set_column_types, where),
                support_multi_line=bool(support_multi_line))


def _parquet(include_path, partition_format, file_glob, set_column_types, where):
    return dict(_READ_DEFAULTS, format="parquet", file_glob=file_glob, include_path=bool(include_path),
                partition_format=(partition_format or "").lstrip("/"),
                set_column_types=_column_types(set_column_types, where))


def _path_glob(path_glob):
    """OutputFileDatasetConfig's path_glob (relative to the output; None = every file)."""
    if path_glob is None:
        return ""
    if not isinstance(path_glob, str):
        raise TypeError("path_glob must be a str, not %s" % type(path_glob).__name__)
    return path_glob.lstrip("/")


class PipelineOutputAbstractDataset:
    """PipelineData promoted to a dataset (the SDK's base of PipelineOutputFileDataset)."""

    def __init__(self, pipeline_data):
        self._pipeline_data = pipeline_data
        self._registration_name = None
        self._create_new_version = None
        self._input_mode = "mount"
        self._input_name = pipeline_data._output_name
        self._input_path_on_compute = None
        self._read = None  # engine read options for direct mode, None = a path (mount/download)

    def register(self, name, create_new_version=True):
        """Registers the output as dataset `name` when the producing step completes (only where
        this object is listed in the producer's outputs, as in the SDK)."""
        if not isinstance(name, str) or not name:
            raise ValueError("register: name must be a non-empty str")
        other = self._clone()
        other._registration_name = name
        other._create_new_version = create_new_version
        return other

    def as_named_input(self, name):
        if not isinstance(name, str) or not name:
            raise ValueError("as_named_input: name must be a non-empty str")
        other = self._clone()
        other._input_name = name
        return other

    name = property(lambda self: self._pipeline_data._output_name)
    input_name = property(lambda self: self._input_name)
    _producer = property(lambda self: self._pipeline_data._producer)

    def _clone(self):
        return copy.copy(self)

    def _input_view(self):
        """What a consuming step receives (an _InputView of the PipelineData)."""
        from .pipeline import _InputView
        return _InputView(self._pipeline_data, self._input_name, self._input_mode, read=self._read)

    def _mark_output(self):
        """Listed in the producer's outputs: its registration applies to the PipelineData."""
        if self._registration_name:
            self._pipeline_data._registration = (self._registration_name, self._read is not None
                                                 and self._read["format"] == "delimited")
        return self._pipeline_data

    def __repr__(self):
        return "$AZUREML_DATAREFERENCE_%s" % self._input_name


class PipelineOutputFileDataset(PipelineOutputAbstractDataset):
    """PipelineData.as_dataset(): consumed as a FileDataset (mount, download or direct), or made
    tabular with parse_delimited_files() / parse_parquet_files()."""

    def _set_mode(self, mode, path_on_compute):
        other = self._clone()
        other._input_mode = mode
        other._input_path_on_compute = path_on_compute
        other._read = dict(_READ_DEFAULTS, format="files") if mode == "direct" else None
        return other

    def as_download(self, path_on_compute=None):
        return self._set_mode("download", path_on_compute)

    def as_mount(self, path_on_compute=None):
        return self._set_mode("mount", path_on_compute)

    def as_direct(self):
        """run.input_datasets[name] is a FileDataset over the output's files."""
        return self._set_mode("direct", None)

    def parse_delimited_files(self, include_path=False, separator=",", header=True, partition_format=None,
                              file_extension="", set_column_types=None, quoted_line_breaks=False):
        """A TabularDataset of the output's delimited files (by default those ending in .csv for a
        comma separator, .tsv for a tab, every file otherwise; file_extension=None reads all)."""
        default = {",": ".csv", "\t": ".tsv"}.get(separator)
        read = _delimited(include_path, separator, header, partition_format,
                          _extension_glob(file_extension, default), set_column_types, quoted_line_breaks,
                          "parse_delimited_files")
        return PipelineOutputTabularDataset(self, read)

    def parse_parquet_files(self, include_path=False, partition_format=None, file_extension=".parquet",
                            set_column_types=None):
        """A TabularDataset of the output's parquet files (the step reads them with pandas, which
        needs pyarrow or fastparquet there; without either the step's error says so)."""
        read = _parquet(include_path, partition_format, _extension_glob(file_extension, None),
                        set_column_types, "parse_parquet_files")
        return PipelineOutputTabularDataset(self, read)


class PipelineOutputTabularDataset(PipelineOutputAbstractDataset):
    """An intermediate output consumed as a TabularDataset (direct mode only)."""

    def __init__(self, pipeline_output_dataset, read):
        super().__init__(pipeline_output_dataset._pipeline_data)
        self._input_name = pipeline_output_dataset._input_name
        self._registration_name = pipeline_output_dataset._registration_name
        self._create_new_version = pipeline_output_dataset._create_new_version
        self._input_mode = "direct"
        self._read = read

    def keep_columns(self, columns):
        other = self._clone()
        other._read = _with_columns(self._read, keep=_columns(columns, "keep_columns"))
        return other

    def drop_columns(self, columns):
        other = self._clone()
        other._read = _with_columns(self._read, drop=_columns(columns, "drop_columns"))
        return other

    def random_split(self, percentage, seed=None):
        """(first, second): the output's rows split at random when the consuming step reads them,
        about `percentage` of them in the first; deterministic for a seed (as
        TabularDataset.random_split). Give each its own name with as_named_input."""
        parts = _split_parts(self._read, percentage, seed, "random_split")
        out = []
        for read in parts:
            other = self._clone()
            other._read = read
            out.append(other)
        return tuple(out)

    def as_download(self, path_on_compute=None):
        raise ValueError("an intermediate output parsed as a TabularDataset can only be consumed in direct mode")

    as_mount = as_download


class OutputTabularDatasetConfig:
    """OutputFileDatasetConfig.read_delimited_files() / read_parquet_files(): the same output,
    registered as a TabularDataset (register_on_complete) and consumed as one (as_input(name):
    mode direct). Shares the OutputFileDatasetConfig's producer."""

    def __init__(self, output_file_dataset_config=None, read=None):
        if output_file_dataset_config is None:
            raise ValueError("OutputTabularDatasetConfig is made by OutputFileDatasetConfig(...)"
                             ".read_delimited_files() or .read_parquet_files(), not directly")
        self._output_file_dataset_config = output_file_dataset_config
        self._read = read

    name = property(lambda self: self._output_file_dataset_config.name)
    destination = property(lambda self: self._output_file_dataset_config.destination)
    _producer = property(lambda self: self._output_file_dataset_config._producer)

    def _clone(self, read=None):
        return OutputTabularDatasetConfig(self._output_file_dataset_config, read or self._read)

    def register_on_complete(self, name, description=None, tags=None):
        self._output_file_dataset_config.register_on_complete(name, description, tags)
        return self

    def as_upload(self, overwrite=False, source_globs=None):
        self._output_file_dataset_config.as_upload(overwrite, source_globs)
        return self

    def as_mount(self, disable_metadata_cache=False):
        self._output_file_dataset_config.as_mount(disable_metadata_cache)
        return self

    def as_input(self, name=None):
        from .pipeline import _InputView
        return _InputView(self._output_file_dataset_config, name or self.name, "direct", read=self._read)

    def keep_columns(self, columns):
        return self._clone(_with_columns(self._read, keep=_columns(columns, "keep_columns")))

    def drop_columns(self, columns):
        return self._clone(_with_columns(self._read, drop=_columns(columns, "drop_columns")))

    def random_split(self, percentage, seed=None):
        """(first, second): OutputTabularDatasetConfigs of the output's rows split at random when
        the consuming step reads them (see PipelineOutputTabularDataset.random_split). Give each
        its own name with as_input(name)."""
        return tuple(self._clone(read) for read in _split_parts(self._read, percentage, seed, "random_split"))

    def _mark_output(self):
        """Listed in the producer's outputs: registered as a tabular dataset when delimited."""
        base = self._output_file_dataset_config
        base._tabular = self._read["format"] == "delimited"
        return base

    def __repr__(self):
        return "OutputTabularDatasetConfig(name=%r, format=%r)" % (self.name, self._read["format"])
