"""azureml.core.dataset for runnel steps: runnel.dataset.Dataset when it exists.

runnel.dataset is imported on first use of `Dataset` (it may need pandas). Without it,
`Dataset` is a placeholder whose factories raise NotImplementedError saying so.
"""

import importlib

__all__ = ["Dataset"]  # noqa: F822  (provided by __getattr__ below)


class _Unavailable:
    """Raises on use: runnel.dataset is not installed next to this shim."""

    def __init__(self, what):
        self._what = what

    def __getattr__(self, attr):
        raise NotImplementedError(
            "%s.%s: runnel.dataset is not available in this runnel installation; pass data "
            "as a step input and read run.input_datasets[NAME] (a local path) instead"
            % (self._what, attr))

    def __call__(self, *args, **kwargs):
        self.__getattr__("__call__")


class _PlaceholderDataset:
    File = _Unavailable("Dataset.File")
    Tabular = _Unavailable("Dataset.Tabular")
    @staticmethod
    def get_by_name(workspace, name, version="latest"):
        _Unavailable("Dataset").__getattr__("get_by_name")

    @staticmethod
    def get_by_id(workspace, id):
        _Unavailable("Dataset").__getattr__("get_by_id")


_PlaceholderDataset.__name__ = _PlaceholderDataset.__qualname__ = "Dataset"


def _load():
    try:
        module = importlib.import_module("runnel.dataset")
    except ModuleNotFoundError as e:
        if e.name == "runnel.dataset":
            return _PlaceholderDataset
        raise
    return getattr(module, "Dataset", _PlaceholderDataset)


def __getattr__(name):
    if name == "Dataset":
        value = _load()
        globals()["Dataset"] = value
        return value
    raise AttributeError("module 'azureml.core.dataset' has no attribute %r" % name)
