"""Azure ML's curated environments (the AzureML-* names every workspace has) as runnel
environments: each runs steps with the host interpreter (the default one, /usr/bin/python3),
with its packages not installed; Environment.get(ws, "AzureML-Minimal") and
Environment.list(ws) return them, each with a `runnel_note` saying so.

The names are those Azure ML's documentation listed: the curated environments article of
2020 (AzureML-Minimal, AzureML-Tutorial, the framework images) and of 2023 (the
AzureML-<framework>-<version>-ubuntu<os>-py<python>-<cpu|cuda> names). Any other name that
starts with "AzureML-" is curated too (Azure ML added and retired names over the years), so
Environment.get of it works; Environment.list shows the documented ones. Plain data.
"""

import sys

DOCUMENTED = (
    # 2020 (SDK 1.8 era)
    "AzureML-AutoML", "AzureML-AutoML-GPU", "AzureML-AutoML-DNN", "AzureML-AutoML-DNN-GPU",
    "AzureML-AutoML-DNN-Vision-GPU", "AzureML-Designer", "AzureML-Hyperdrive-ForecastDNN", "AzureML-Minimal",
    "AzureML-Sidecar", "AzureML-Tutorial", "AzureML-VowpalWabbit-8.8.0", "AzureML-Dask-CPU", "AzureML-Dask-GPU",
    "AzureML-Chainer-5.1.0-CPU", "AzureML-Chainer-5.1.0-GPU", "AzureML-PySpark-MmlSpark-0.15",
    "AzureML-PyTorch-1.0-CPU", "AzureML-PyTorch-1.0-GPU", "AzureML-PyTorch-1.1-CPU", "AzureML-PyTorch-1.1-GPU",
    "AzureML-PyTorch-1.2-CPU", "AzureML-PyTorch-1.2-GPU", "AzureML-PyTorch-1.3-CPU", "AzureML-PyTorch-1.3-GPU",
    "AzureML-PyTorch-1.4-CPU", "AzureML-PyTorch-1.4-GPU", "AzureML-PyTorch-1.5-CPU", "AzureML-PyTorch-1.5-GPU",
    "AzureML-Scikit-learn-0.20.3", "AzureML-TensorFlow-1.10-CPU", "AzureML-TensorFlow-1.10-GPU",
    "AzureML-TensorFlow-1.12-CPU", "AzureML-TensorFlow-1.12-GPU", "AzureML-TensorFlow-1.13-CPU",
    "AzureML-TensorFlow-1.13-GPU", "AzureML-TensorFlow-2.0-CPU", "AzureML-TensorFlow-2.0-GPU",
    "AzureML-TensorFlow-2.1-CPU", "AzureML-TensorFlow-2.1-GPU",
    # 2023
    "AzureML-pytorch-1.10-ubuntu18.04-py38-cuda11-gpu", "AzureML-pytorch-1.9-ubuntu18.04-py37-cuda11-gpu",
    "AzureML-pytorch-1.8-ubuntu18.04-py37-cuda11-gpu", "AzureML-pytorch-1.7-ubuntu18.04-py37-cuda11-gpu",
    "AzureML-lightgbm-3.2-ubuntu18.04-py37-cpu", "AzureML-sklearn-1.0-ubuntu20.04-py38-cpu",
    "AzureML-sklearn-0.24-ubuntu18.04-py37-cpu", "AzureML-tensorflow-2.4-ubuntu18.04-py37-cuda11-gpu",
)

_noted = set()


def is_curated(name):
    """Whether `name` is one of Azure ML's curated environments (an AzureML-* name)."""
    return isinstance(name, str) and (name.startswith("AzureML-") or name.startswith("AzureML_"))


def note(name, interpreter):
    return ("%s is an Azure ML curated environment: runnel runs its steps with the host interpreter %s, "
            "without installing its packages; to pin packages, register your own environment "
            "(Environment.from_conda_specification / `runnel env create`)" % (name, interpreter))


def curated(environment_class, name, interpreter, announce=False):
    """The Environment for curated `name`: the host interpreter, user-managed dependencies.
    With announce, its note goes to stderr (once per name and process)."""
    env = environment_class(name)
    env.python.user_managed_dependencies = True
    env.runnel_note = note(name, interpreter)
    if announce and name not in _noted:
        _noted.add(name)
        print("runnel: " + env.runnel_note, file=sys.stderr)
    return env
