"""`mlflow.sklearn.save_model / log_model / load_model`: an MLflow model folder.

save_model(model, path) writes `path/model.pkl` (pickle) and an `MLmodel` file naming
the sklearn and python_function flavours, the layout MLflow itself writes with
serialization_format "pickle", so either this module or the real MLflow can load it.
log_model(model, artifact_path) saves it under the step's outputs/<artifact_path> (and with
registered_model_name registers it, as mlflow.register_model does).
"""

import os
import pickle
import sys

_MLMODEL = """flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    python_version: {py}
  sklearn:
    pickled_model: model.pkl
    serialization_format: pickle
"""


def save_model(sk_model, path, **_ignored):
    if os.path.exists(path) and os.listdir(path):
        raise FileExistsError("mlflow.sklearn.save_model: path '%s' already exists and is not empty" % path)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.pkl"), "wb") as f:
        pickle.dump(sk_model, f)
    with open(os.path.join(path, "MLmodel"), "w") as f:
        f.write(_MLMODEL.format(py="%d.%d.%d" % sys.version_info[:3]))


def log_model(sk_model, artifact_path, registered_model_name=None, **kwargs):
    """Saves the model under outputs/<artifact_path>; with registered_model_name, registers
    it too (mlflow.register_model)."""
    save_model(sk_model, os.path.join(os.getcwd(), "outputs", artifact_path), **kwargs)
    if registered_model_name:
        import mlflow
        mlflow.register_model("file://" + os.path.join(os.getcwd(), "outputs", artifact_path),
                              registered_model_name)


def load_model(model_uri, **_ignored):
    path = model_uri[len("file://"):] if model_uri.startswith("file://") else model_uri
    mlmodel = os.path.join(path, "MLmodel")
    pickled = "model.pkl"
    if os.path.exists(mlmodel):
        for line in open(mlmodel):
            if line.strip().startswith("pickled_model:"):
                pickled = line.split(":", 1)[1].strip()
    with open(os.path.join(path, pickled), "rb") as f:
        return pickle.load(f)
