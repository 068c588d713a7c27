"""RunConfiguration and Environment on disk, in the SDK's formats.

- RunConfiguration.save(path, name, separate_environment_yaml) writes the SDK's
  `<name>.runconfig` YAML (camelCase keys: script, arguments, target, framework, communicator,
  nodeCount, maxRunDurationSeconds, environment{name, version, environmentVariables,
  python{interpreterPath, userManagedDependencies, condaDependenciesFile,
  baseCondaEnvironment}, docker{enabled, baseImage, baseDockerfile, baseImageRegistry}})
  into <path>/.azureml/ when `path` is a folder (or to `path` itself when it names a file in
  an existing folder), and the conda specification (channels, conda and pip packages) beside
  it in the file condaDependenciesFile names. RunConfiguration.load reads it back.
- Environment.save_to_directory(path) writes `azureml_environment.json` (the SDK's environment
  JSON) and `conda_dependencies.yml` (and `Dockerfile` when there is one);
  load_from_directory reads them.

Errors are the SDK's UserErrorException (bad paths, a missing name, a missing file).
Pure file I/O; not synchronized.
"""

import json
import os

RUNCONFIG_DIR = ".azureml"
LEGACY_DIR = "aml_config"
EXTENSION = ".runconfig"
ENV_JSON = "azureml_environment.json"
CONDA_FILE = "conda_dependencies.yml"
DOCKERFILE = "Dockerfile"


def _error(message):
    from azureml.exceptions import UserErrorException
    return UserErrorException(message)


def _yaml():
    import yaml  # PyYAML (Debian's python3-yaml)
    return yaml


# -- Environment <-> the SDK's JSON ------------------------------------------------------------

def environment_to_dict(env, inline_conda=True):
    d = env.docker
    registry = d.base_image_registry
    return {
        "name": env.name,
        "version": env.version,
        "environmentVariables": dict(env.environment_variables),
        "python": {
            "interpreterPath": env.python.interpreter_path,
            "userManagedDependencies": bool(env.python.user_managed_dependencies),
            "condaDependencies": (_conda_to_dict(env.python.conda_dependencies)
                                  if inline_conda and env.python.conda_dependencies is not None else None),
            "condaDependenciesFile": env.python.conda_dependencies_file,
            "baseCondaEnvironment": env.python.base_conda_environment,
        },
        "docker": {
            "enabled": bool(d.enabled),
            "baseImage": d.base_image,
            "baseDockerfile": d.base_dockerfile,
            "baseImageRegistry": _registry_to_dict(registry),
            "shmSize": d.shm_size,
            "arguments": list(d.arguments or []),
        },
        "spark": {"repositories": list(env.spark.repositories), "packages": list(env.spark.packages),
                  "precachePackages": bool(env.spark.precache_packages)},
        "inferencingStackVersion": env.inferencing_stack_version,
    }


def environment_from_dict(data, base_dir=None):
    from .environment import CondaDependencies, ContainerRegistry, Environment
    if not isinstance(data, dict) or not data.get("name"):
        raise _error("an environment definition is a mapping with a 'name', not %r" % (data,))
    env = Environment(data["name"])
    env.version = data.get("version")
    env.environment_variables = dict(data.get("environmentVariables") or {})
    py = data.get("python") or {}
    env.python.interpreter_path = py.get("interpreterPath") or "python"
    env.python.user_managed_dependencies = bool(py.get("userManagedDependencies", False))
    env.python.base_conda_environment = py.get("baseCondaEnvironment")
    conda_file = py.get("condaDependenciesFile")
    if py.get("condaDependencies"):
        env.python.conda_dependencies = _conda_from_dict(py["condaDependencies"])
    elif conda_file:
        full = conda_file if os.path.isabs(conda_file) or base_dir is None else os.path.join(base_dir, conda_file)
        if not os.path.isfile(full):
            raise _error("environment %r: its condaDependenciesFile %s does not exist" % (env.name, full))
        env.python.conda_dependencies = CondaDependencies(conda_dependencies_file_path=full)
    env.python.conda_dependencies_file = conda_file
    docker = data.get("docker") or {}
    env.docker.enabled = bool(docker.get("enabled", False))
    env.docker.base_image = docker.get("baseImage")
    env.docker.base_dockerfile = docker.get("baseDockerfile")
    reg = docker.get("baseImageRegistry") or {}
    if any(reg.get(k) for k in ("address", "username", "password")):
        env.docker.base_image_registry = ContainerRegistry(reg.get("address"), reg.get("username"),
                                                           reg.get("password"))
    env.docker.shm_size = docker.get("shmSize")
    env.docker.arguments = list(docker.get("arguments") or [])
    spark = data.get("spark") or {}
    env.spark.repositories = list(spark.get("repositories") or [])
    env.spark.packages = list(spark.get("packages") or [])
    env.spark.precache_packages = bool(spark.get("precachePackages", True))
    env.inferencing_stack_version = data.get("inferencingStackVersion")
    return env


def _registry_to_dict(registry):
    if registry is None:
        return {"address": None, "username": None, "password": None}
    return {"address": registry.address, "username": registry.username, "password": registry.password}


def _conda_to_dict(cd):
    deps = list(cd._conda)
    pip = list(cd._pip_options) + list(cd._pip)
    if pip:
        deps.append({"pip": pip})
    return {"name": cd.name, "dependencies": deps, "channels": list(cd._channels)}


def _conda_from_dict(data):
    from .environment import CondaDependencies
    cd = CondaDependencies()
    cd.name = data.get("name") or cd.name
    cd._channels = list(data.get("channels") or [])
    cd._conda, cd._pip, cd._pip_options = [], [], []
    for dep in data.get("dependencies") or []:
        if isinstance(dep, dict):
            for p in dep.get("pip") or []:
                (cd._pip_options if str(p).startswith("-") else cd._pip).append(str(p))
        else:
            cd._conda.append(str(dep))
    return cd


def save_environment(env, path, overwrite):
    if os.path.exists(path) and not os.path.isdir(path):
        raise _error("Environment.save_to_directory: %s exists and is not a folder" % path)
    targets = [os.path.join(path, n) for n in (ENV_JSON, CONDA_FILE)]
    if not overwrite and any(os.path.exists(t) for t in targets):
        raise _error("Environment.save_to_directory: %s already holds an environment definition; pass "
                     "overwrite=True to replace it" % path)
    os.makedirs(path, exist_ok=True)
    data = environment_to_dict(env, inline_conda=False)
    data["python"]["condaDependenciesFile"] = CONDA_FILE
    if env.docker.base_dockerfile:
        with open(os.path.join(path, DOCKERFILE), "w", encoding="utf-8") as f:
            f.write(env.docker.base_dockerfile)
        data["docker"]["baseDockerfile"] = None
    with open(targets[0], "w", encoding="utf-8") as f:
        json.dump(data, f, indent=4)
        f.write("\n")
    env.python.conda_dependencies.save(targets[1])


def load_environment(path):
    spec = os.path.join(path, ENV_JSON)
    if not os.path.isfile(spec):
        raise _error("Environment.load_from_directory: %s has no %s; save one with "
                     "Environment.save_to_directory" % (path, ENV_JSON))
    with open(spec, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except ValueError as e:
            raise _error("%s: not valid JSON: %s" % (spec, e)) from None
    env = environment_from_dict(data, base_dir=path)
    dockerfile = os.path.join(path, DOCKERFILE)
    if not env.docker.base_dockerfile and os.path.isfile(dockerfile):
        with open(dockerfile, encoding="utf-8") as f:
            env.docker.base_dockerfile = f.read()
        env.docker.base_image = None
    return env


# -- RunConfiguration <-> <name>.runconfig -----------------------------------------------------

def _target_name(target):
    return getattr(target, "name", target) or "local"


def save_runconfig(rc, path, name, separate_environment_yaml):
    path = path or rc._path or os.getcwd()
    if os.path.isdir(path):
        name = name or rc._name
        if not name:
            raise _error("RunConfiguration.save: a name is required to save into the folder %s" % path)
        file_name = name if name.endswith(EXTENSION) else name + EXTENSION
        out_dir = os.path.join(path, RUNCONFIG_DIR)
        runconfig_file = os.path.join(out_dir, file_name)
        conda_rel = RUNCONFIG_DIR + "/" + CONDA_FILE
        base_dir = path
    else:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise _error("RunConfiguration.save: %s argument is invalid: its folder does not exist" % path)
        out_dir, runconfig_file, conda_rel, base_dir = parent, path, CONDA_FILE, parent
    env = rc.environment
    env_dict = environment_to_dict(env, inline_conda=False)
    env_dict["python"]["condaDependenciesFile"] = env.python.conda_dependencies_file or conda_rel
    data = {
        "script": rc.script,
        "command": rc.command,
        "arguments": [str(a) for a in rc.arguments],
        "target": _target_name(rc.target),
        "framework": rc.framework,
        "communicator": rc.communicator,
        "nodeCount": rc.node_count,
        "maxRunDurationSeconds": rc.max_run_duration_seconds,
        "environment": env_dict,
        "docker": {"useDocker": rc.docker.use_docker, "shmSize": rc.docker.shm_size,
                   "arguments": list(rc.docker.arguments)},
        "mpi": {"processCountPerNode": rc.mpi.process_count_per_node, "nodeCount": rc.mpi.node_count},
        "pytorch": {"communicationBackend": rc.pytorch.communication_backend,
                    "processCount": rc.pytorch.process_count, "nodeCount": rc.pytorch.node_count},
        "tensorflow": {"workerCount": rc.tensorflow.worker_count,
                       "parameterServerCount": rc.tensorflow.parameter_server_count},
        "amlcompute": {"vmSize": rc.amlcompute.vm_size, "vmPriority": rc.amlcompute.vm_priority,
                       "clusterMaxNodeCount": rc.amlcompute.cluster_max_node_count},
    }
    yaml = _yaml()
    os.makedirs(out_dir, exist_ok=True)
    if separate_environment_yaml:
        # The environment in its own file (environment.yml beside the runconfig), referenced by name.
        env_file = os.path.join(out_dir, "environment.yml")
        with open(env_file, "w", encoding="utf-8") as f:
            yaml.safe_dump(env_dict, f, sort_keys=False)
        data["environment"] = None
        data["environmentFile"] = os.path.relpath(env_file, os.path.dirname(os.path.abspath(runconfig_file)))
    with open(runconfig_file, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    env.python.conda_dependencies.save(os.path.join(base_dir, env_dict["python"]["condaDependenciesFile"]))
    rc._path, rc._name = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)), name
    return runconfig_file


def _find_runconfig(path, name):
    path = path or os.getcwd()
    if os.path.isfile(path):
        file_dir = os.path.dirname(os.path.abspath(path))
        # A file inside a project's .azureml/: its conda file is named relative to the project.
        project = os.path.dirname(file_dir) if os.path.basename(file_dir) in (RUNCONFIG_DIR, LEGACY_DIR) else file_dir
        return path, project, file_dir
    candidates = []
    if name:
        for d in (RUNCONFIG_DIR, LEGACY_DIR):
            candidates += [os.path.join(path, d, name), os.path.join(path, d, name + EXTENSION)]
        candidates.append(os.path.join(path, name + EXTENSION))
    for c in candidates:
        if os.path.isfile(c):
            return c, path, os.path.dirname(c)
    raise _error("Failed to load RunConfiguration from path=%s name=%s%s" % (
        path, name, "" if name else ": give the name it was saved under"))


def load_runconfig(path, name):
    from .environment import (MpiConfiguration, PyTorchConfiguration, RunConfiguration,
                              TensorflowConfiguration)
    runconfig_file, project_dir, file_dir = _find_runconfig(path, name)
    yaml = _yaml()
    with open(runconfig_file, encoding="utf-8") as f:
        try:
            data = yaml.safe_load(f) or {}
        except yaml.YAMLError as e:
            raise _error("%s: not valid YAML: %s" % (runconfig_file, e)) from None
    if not isinstance(data, dict):
        raise _error("%s: a run configuration is a mapping of keys" % runconfig_file)
    rc = RunConfiguration(script=data.get("script"), arguments=data.get("arguments"),
                          framework=data.get("framework"), communicator=data.get("communicator"),
                          command=data.get("command"), _path=project_dir, _name=name)
    rc.target = data.get("target") or "local"
    rc.node_count = data.get("nodeCount") or 1
    rc.max_run_duration_seconds = data.get("maxRunDurationSeconds")
    env_data = data.get("environment")
    if env_data is None and data.get("environmentFile"):
        env_path = os.path.join(file_dir, data["environmentFile"])
        if not os.path.isfile(env_path):
            raise _error("%s: its environmentFile %s does not exist" % (runconfig_file, env_path))
        with open(env_path, encoding="utf-8") as f:
            env_data = yaml.safe_load(f)
    if env_data:
        # condaDependenciesFile is relative to the project folder (saved into a folder) or to
        # the runconfig's own folder (saved to a file path).
        rel = (env_data.get("python") or {}).get("condaDependenciesFile") or ""
        base = project_dir if os.path.isfile(os.path.join(project_dir, rel)) else file_dir
        rc.environment = environment_from_dict(env_data, base_dir=base)
    docker = data.get("docker") or {}
    rc.docker.use_docker = docker.get("useDocker")
    rc.docker.shm_size = docker.get("shmSize")
    rc.docker.arguments = list(docker.get("arguments") or [])
    mpi = data.get("mpi") or {}
    rc.mpi = MpiConfiguration(mpi.get("processCountPerNode") or 1, mpi.get("nodeCount") or 1)
    pt = data.get("pytorch") or {}
    rc.pytorch = PyTorchConfiguration(pt.get("communicationBackend") or "Nccl", pt.get("processCount"),
                                      pt.get("nodeCount") or 1)
    tf = data.get("tensorflow") or {}
    rc.tensorflow = TensorflowConfiguration(tf.get("workerCount") or 1, tf.get("parameterServerCount", 1))
    aml = data.get("amlcompute") or {}
    rc.amlcompute.vm_size = aml.get("vmSize")
    rc.amlcompute.vm_priority = aml.get("vmPriority")
    rc.amlcompute.cluster_max_node_count = aml.get("clusterMaxNodeCount")
    return rc
