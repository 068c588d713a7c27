"""DataPath PipelineParameters in a published pipeline.

A step's (PipelineParameter(name, default_value=DataPath(...)), DataPathComputeBinding) pair
is, when the pipeline is submitted, the DataPath's data (an anonymous file dataset, see
pipeline._Build.convert). Published, it must stay a parameter: the spec gets a data
parameter `name` (uri_file when the default names a file, else uri_folder) whose default is
the DataPath's datastore path, and the step inputs called `name` take their source from it,
so that DataPathAssignments (REST) and pipeline_parameters={name: DataPath(...)} set it, as
in the SDK's "Showcasing DataPath and PipelineParameter" sample. Plain functions on the
spec JSON (spec/spec_json.cc's form).
"""

import os


def _source(datastore, path, parameter=""):
    return {"kind": "datastore_path", "datastore": datastore, "path": path, "parameter": parameter,
            "value": "", "step": "", "output": "", "dataset": "", "version": ""}


def _type_of(workspace, data_path):
    """uri_file when the DataPath names a file on a local datastore, else uri_folder."""
    try:
        root = data_path.datastore.root
    except AttributeError:
        return "uri_folder"
    return "uri_file" if os.path.isfile(os.path.join(root, data_path.path_on_datastore or "")) else "uri_folder"


def as_data_parameters(spec, data_paths, workspace):
    """`spec` (a dict) with each of `data_paths` (name -> default DataPath) a data parameter
    and the inputs of that name bound to it. Returns the spec."""
    if not data_paths:
        return spec
    params = spec.setdefault("parameters", [])
    for name, dp in data_paths.items():
        default = _source(dp.datastore_name, (dp.path_on_datastore or "").strip("/"))
        kind = _type_of(workspace, dp)
        params.append({"name": name, "type": kind, "default": default, "loc": [0, 0]})
        for step in spec.get("steps", []):
            for inp in step.get("inputs", []):
                if inp.get("name") == name:
                    inp["source"] = _source(default["datastore"], default["path"], name)
                    inp["type"] = kind
    return spec
