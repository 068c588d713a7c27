"""Environment, CondaDependencies, RunConfiguration and DockerConfiguration.

At this stage a runnel environment is an interpreter plus variables; a package list
(conda/pip) is recorded with the registered environment (its description holds the conda
specification) and is not built. Curated names (AzureML-*) resolve to the default
interpreter. Plain values; not synchronized.
"""

import copy
import json
import os
import sys

from . import curated_environments
from ._native import native

DEFAULT_CPU_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"
DEFAULT_GPU_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.1-cudnn8-ubuntu20.04"
_DEFAULT_PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else "python3"


class CondaDependencies:
    """The SDK's conda specification: channels, conda packages and pip packages."""

    def __init__(self, conda_dependencies_file_path=None, _underlying_structure=None):
        self.name = "project_environment"
        self._channels = ["anaconda", "conda-forge"]
        self._conda = []
        self._pip = []
        self._pip_options = []
        if conda_dependencies_file_path:
            with open(conda_dependencies_file_path, encoding="utf-8") as f:
                self._parse(f.read())

    @staticmethod
    def create(pip_indexurl=None, pip_packages=None, conda_packages=None, python_version=None,
               pin_sdk_version=True):
        cd = CondaDependencies()
        cd._conda.append("python=%s" % (python_version or "3.8.13"))
        if pip_indexurl:
            cd._pip_options.append("--index-url %s" % pip_indexurl)
        for p in conda_packages or []:
            cd.add_conda_package(p)
        for p in pip_packages or []:
            cd.add_pip_package(p)
        return cd

    def _parse(self, text):
        """Reads the dependencies of a conda YAML file (name, channels, dependencies, pip)."""
        section = None
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            s = line.strip()
            if s.startswith("- pip:"):
                section = "pip"
            elif indent == 0 and s.startswith("name:"):
                self.name = s[5:].strip()
            elif indent == 0 and s.endswith(":"):
                section = s[:-1]
            elif indent == 0 and s.startswith("- ") and section == "pip":
                section = "dependencies"
                self._conda.append(s[2:].strip())
            elif s.startswith("- ") and section == "channels":
                if s[2:].strip() not in self._channels:
                    self._channels.append(s[2:].strip())
            elif s.startswith("- ") and section == "pip":
                self._pip.append(s[2:].strip())
            elif s.startswith("- ") and section == "dependencies":
                self._conda.append(s[2:].strip())

    def add_conda_package(self, conda_package):
        if not isinstance(conda_package, str) or not conda_package:
            raise TypeError("add_conda_package: a package spec is a non-empty str")
        if conda_package not in self._conda:
            self._conda.append(conda_package)

    def add_pip_package(self, pip_package):
        if not isinstance(pip_package, str) or not pip_package:
            raise TypeError("add_pip_package: a package spec is a non-empty str")
        if pip_package not in self._pip:
            self._pip.append(pip_package)

    def remove_pip_package(self, pip_package):
        self._pip = [p for p in self._pip if p.split("=")[0].split("[")[0] != pip_package]

    def remove_conda_package(self, conda_package):
        self._conda = [p for p in self._conda if p.split("=")[0] != conda_package]

    def add_channel(self, channel):
        if channel not in self._channels:
            self._channels.append(channel)

    def set_pip_option(self, pip_option):
        self._pip_options.append(pip_option)

    conda_packages = property(lambda self: iter(list(self._conda)))
    pip_packages = property(lambda self: iter(list(self._pip)))
    conda_channels = property(lambda self: iter(list(self._channels)))

    def serialize_to_string(self):
        lines = ["# Conda environment specification.", "name: %s" % self.name, "dependencies:"]
        lines += ["- %s" % p for p in self._conda]
        if self._pip or self._pip_options:
            lines.append("- pip:")
            lines += ["  - %s" % p for p in self._pip_options + self._pip]
        lines.append("channels:")
        lines += ["- %s" % c for c in self._channels]
        return "\n".join(lines) + "\n"

    def save(self, path=None):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.serialize_to_string())
        return path

    def save_to_file(self, base_directory, conda_file_path=None):
        return self.save(os.path.join(base_directory, conda_file_path or "conda_dependencies.yml"))

    def _is_empty(self):
        return not self._pip and all(p.startswith("python=") for p in self._conda)

    def __repr__(self):
        return "CondaDependencies(conda=%r, pip=%r)" % (self._conda, self._pip)


class PythonSection:
    def __init__(self):
        self.interpreter_path = "python"
        self.user_managed_dependencies = False
        self.conda_dependencies = CondaDependencies()
        self.conda_dependencies_file = None
        self.base_conda_environment = None


class DockerSection:
    def __init__(self):
        self.enabled = False
        self.base_image = DEFAULT_CPU_IMAGE
        self.base_dockerfile = None
        self.base_image_registry = None
        self.shm_size = None
        self.arguments = []
        self.gpu_support = False


class ContainerRegistry:
    """Where a docker image comes from: its address prefixes the image's name (runnel never
    pulls; the credentials are not used or stored)."""

    def __init__(self, address=None, username=None, password=None):
        self.address = address
        self.username = username
        self.password = password


class SparkSection:
    """The SDK's Environment.spark (recorded; runnel runs no Spark)."""

    def __init__(self):
        self.repositories = []
        self.packages = []
        self.precache_packages = True


class Environment:
    """A named environment. Environment.get(ws, name) returns a registered one (or a
    curated AzureML-* name); register(ws) records it (a new version when it changed)."""

    def __init__(self, name, _skip_validation=False):
        if not isinstance(name, str) or not name:
            raise ValueError("Environment name must be a non-empty str, not %r" % (name,))
        self.name = name
        self.version = None
        self.python = PythonSection()
        self.docker = DockerSection()
        self.environment_variables = {}
        self.inferencing_stack_version = None
        self.r = None
        self.spark = SparkSection()
        self._default = False

    # -- registry ----------------------------------------------------------------------
    @staticmethod
    def get(workspace, name, version=None, label=None):
        from .core import _as_workspace
        ws = _as_workspace(workspace)
        rec = ws._native.get_environment(name, int(version) if version else 0)
        if rec is None:
            if curated_environments.is_curated(name):  # the host interpreter, with a note
                return curated_environments.curated(Environment, name, _DEFAULT_PYTHON, announce=True)
            known = sorted(e["name"] for e in ws._native.list_environments())
            raise native().NotFoundError(
                "Environment %r%s is not registered in workspace %s (registered: %s); register "
                "it with Environment(%r).register(ws) or `runnel env create %s`"
                % (name, " version %s" % version if version else "", ws.path,
                   ", ".join(known) or "none", name, name))
        return Environment._from_record(rec, ws._native.get_environment_definition(rec["name"], rec["version"]))

    @staticmethod
    def _from_record(rec, definition=None):
        env = Environment(rec["name"])
        env.version = str(rec["version"])
        env.python.interpreter_path = rec["python"]
        env.python.user_managed_dependencies = True
        env.environment_variables = dict(rec["variables"])
        desc = rec.get("description") or ""
        if "dependencies:" in desc:
            env.python.user_managed_dependencies = False
            cd = CondaDependencies()
            cd._conda, cd._pip = [], []
            cd._parse(desc)
            env.python.conda_dependencies = cd
        d = (json.loads(definition) if isinstance(definition, str) else definition) if definition else None
        if d and d.get("image"):
            env.docker.enabled = True
            env.docker.base_image = d["image"]
        build = (d or {}).get("build") or {}
        dockerfile = os.path.join(build.get("context", ""), build.get("dockerfile", "Dockerfile"))
        if build.get("context") and os.path.isfile(dockerfile):  # the kept build context
            with open(dockerfile, encoding="utf-8") as f:
                env.docker.base_dockerfile = f.read()
            env.docker.base_image = None
        env._remember_loaded(d)
        return env

    def _remember_loaded(self, stored):
        """Keeps the stored definition (which may hold what the SDK has no field for: pip
        packages and options of `runnel env create`) and how it looks through the SDK, so
        that registering applies only what was changed through the SDK."""
        self._loaded_definition = dict(stored) if stored else None
        self._loaded_view = self._definition()

    @staticmethod
    def list(workspace):
        """name -> Environment: Azure ML's documented curated environments (AzureML-*, each the
        host interpreter; see curated_environments.py) and the registered ones (the latest
        version of each; a registered name wins)."""
        from .core import _as_workspace
        native_ws = _as_workspace(workspace)._native
        out = {n: curated_environments.curated(Environment, n, _DEFAULT_PYTHON)
               for n in curated_environments.DOCUMENTED}
        out.update({r["name"]: Environment._from_record(r, native_ws.get_environment_definition(r["name"], r["version"]))
                    for r in native_ws.list_environments()})
        return out

    def _interpreter(self):
        p = self.python.interpreter_path
        return p if p and os.path.isabs(p) else _DEFAULT_PYTHON

    def _description(self):
        cd = self.python.conda_dependencies
        if self.python.user_managed_dependencies or cd is None or cd._is_empty():
            return ""
        return cd.serialize_to_string()

    def _image(self):
        """The image this environment's steps run in ("" = none): the base image when it was
        chosen (from_docker_image, docker.base_image = ...), not the SDK's default image,
        which every Azure ML run had and which names no particular software."""
        d = self.docker
        image = d.base_image or ""
        if not image or image == DEFAULT_CPU_IMAGE or d.base_dockerfile:
            return ""
        reg = d.base_image_registry
        address = (getattr(reg, "address", None) or "").rstrip("/")
        if address and not image.startswith(address + "/"):
            image = address + "/" + image
        return image

    def _definition(self):
        """What runnel records for this environment (env/definition.h): the interpreter, the
        variables, the image, and the conda specification, recorded and part of every step
        fingerprint but not built (Azure ML builds an image from it; its pins, such as
        tensorflow==1.15.2, rarely install on a machine without a package index)."""
        desc = self._description()
        d = {"python": self._interpreter(),
             "variables": {str(k): str(v) for k, v in self.environment_variables.items()},
             "description": desc,
             "conda_file": desc,
             "image": self._image(),
             "record_only": True}
        context = self._dockerfile_context()
        if context:  # podman builds it (runnel keeps a copy of the context when registering)
            d["build"] = {"context": context, "dockerfile": "Dockerfile"}
        return d

    def _dockerfile_context(self):
        """A folder holding docker.base_dockerfile as its Dockerfile ("" when there is none),
        named by the text's digest, so the same text is the same folder."""
        text = self.docker.base_dockerfile
        if not text:
            return ""
        import hashlib
        import tempfile
        folder = os.path.join(tempfile.gettempdir(), "runnel-dockerfile-%d-%s" % (
            os.getuid(), hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]))
        path = os.path.join(folder, "Dockerfile")
        os.makedirs(folder, exist_ok=True)
        if not os.path.isfile(path):
            tmp = path + ".%d.tmp" % os.getpid()
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        return folder

    def register(self, workspace):
        """Records this environment in the workspace: the same definition keeps its
        version, a changed one becomes a new version. Returns the registered Environment."""
        from .core import _as_workspace
        ws = _as_workspace(workspace)
        name = self._registry_name()
        rec, definition = self._register(ws)
        registered = Environment._from_record(rec, definition)
        registered.docker = copy.deepcopy(self.docker)
        registered._remember_loaded(definition)
        return registered

    def _register(self, ws):
        """(record, definition) of the version that holds this definition: the loaded version
        itself when nothing changed, else the latest or a new one."""
        name = self._registry_name()
        definition = self._definition()
        loaded = getattr(self, "_loaded_definition", None)
        view = getattr(self, "_loaded_view", None)
        if view is not None:
            changed = {k: v for k, v in definition.items() if view.get(k) != v}
            if not changed and self.version and name == self.name:
                rec = ws._native.get_environment(name, int(self.version))
                if rec is not None:
                    return rec, loaded or definition
            if loaded:
                definition = dict(loaded)
                definition.update(changed)
        rec = ws._native.register_environment(name, json.dumps(definition, sort_keys=True))
        return rec, definition

    def _registry_name(self):
        return "".join(c if c.isalnum() or c in "._-" else "_" for c in self.name)

    def _resolve(self, workspace):
        """The runnel environment name a step uses ("" = the default), registering this
        definition when it differs from the default."""
        existing = getattr(self, "_existing_conda_environment", None)
        if existing:
            from azureml.exceptions import UserErrorException
            raise UserErrorException(
                "Environment %r was made from the existing conda environment %r, and conda is not on PATH "
                "here, so its packages are unknown; install conda (or micromamba) and call "
                "Environment.from_existing_conda_environment again, or use Environment.from_conda_specification"
                % (self.name, existing))
        if (not self.environment_variables and self._description() == "" and not self._image()
                and not self.docker.base_dockerfile
                and self._interpreter() == _DEFAULT_PYTHON and self.version is None):
            return ""
        from .core import _as_workspace
        ws = _as_workspace(workspace)
        rec, _ = self._register(ws)
        latest = ws._native.get_environment(rec["name"], 0)
        if latest is not None and latest["version"] != rec["version"]:
            return "%s:%d" % (rec["name"], rec["version"])  # an older version, pinned
        return rec["name"]

    # -- constructors from files ---------------------------------------------------------
    @staticmethod
    def from_conda_specification(name, file_path):
        env = Environment(name)
        cd = CondaDependencies()
        cd._conda, cd._pip, cd._channels = [], [], []
        with open(file_path, encoding="utf-8") as f:
            cd._parse(f.read())
        env.python.conda_dependencies = cd
        return env

    @staticmethod
    def from_pip_requirements(name, file_path, pip_version=None):
        env = Environment(name)
        cd = CondaDependencies.create()
        with open(file_path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    cd.add_pip_package(line)
        if pip_version:
            cd.add_conda_package("pip=%s" % pip_version)
        env.python.conda_dependencies = cd
        return env

    @staticmethod
    def _with_packages(name, conda_specification, pip_requirements):
        """An environment with the packages of a conda file and/or a pip requirements file;
        with neither, the image's own Python (user_managed_dependencies), as in the SDK."""
        if conda_specification and pip_requirements:
            raise ValueError("give conda_specification or pip_requirements, not both (the SDK takes one)")
        if conda_specification:
            return Environment.from_conda_specification(name, conda_specification)
        if pip_requirements:
            return Environment.from_pip_requirements(name, pip_requirements)
        env = Environment(name)
        env.python.user_managed_dependencies = True
        return env

    @staticmethod
    def from_docker_image(name, image, container_registry=None, conda_specification=None,
                          pip_requirements=None):
        """An environment on docker image `image`, with the packages of conda_specification or
        pip_requirements. Its steps run in the image through podman when podman has it, else
        on this machine with one warning (env/image.h); the image keys reuse either way."""
        if not isinstance(image, str) or not image:
            raise ValueError("Environment.from_docker_image: image must be a non-empty str")
        if container_registry is not None and not isinstance(container_registry, ContainerRegistry):
            raise TypeError("Environment.from_docker_image: container_registry must be a ContainerRegistry")
        env = Environment._with_packages(name, conda_specification, pip_requirements)
        env.docker.enabled = True
        env.docker.base_image = image
        env.docker.base_image_registry = container_registry
        return env

    @staticmethod
    def from_dockerfile(name, dockerfile, conda_specification=None, pip_requirements=None):
        """An environment built from `dockerfile` (its text, or the path of a file holding it;
        recorded), with the packages of conda_specification or pip_requirements."""
        if not isinstance(dockerfile, str) or not dockerfile:
            raise ValueError("Environment.from_dockerfile: dockerfile is the Dockerfile's text or path")
        if "\n" not in dockerfile and os.path.isfile(dockerfile):
            with open(dockerfile, encoding="utf-8") as f:
                dockerfile = f.read()
        elif "\n" not in dockerfile and not dockerfile.upper().startswith("FROM"):
            raise FileNotFoundError("Environment.from_dockerfile: %s is neither a file nor Dockerfile text"
                                    % dockerfile)
        env = Environment._with_packages(name, conda_specification, pip_requirements)
        env.docker.enabled = True
        env.docker.base_image = None
        env.docker.base_dockerfile = dockerfile
        return env

    @staticmethod
    def from_existing_conda_environment(name, conda_environment_name):
        """An environment with the packages of the local conda environment
        `conda_environment_name` (`conda env export`). Without conda on PATH it is recorded by
        name, and submitting a step that uses it raises a UserErrorException saying so."""
        import shutil
        import subprocess
        if not isinstance(conda_environment_name, str) or not conda_environment_name:
            raise ValueError("Environment.from_existing_conda_environment: conda_environment_name is a non-empty str")
        env = Environment(name)
        conda = shutil.which("conda")
        if conda is None:
            env._existing_conda_environment = conda_environment_name
            return env
        out = subprocess.run([conda, "env", "export", "-n", conda_environment_name, "--no-builds"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            from azureml.exceptions import UserErrorException
            raise UserErrorException("conda env export -n %s failed: %s" % (conda_environment_name,
                                                                           out.stderr.strip()[-500:]))
        cd = CondaDependencies()
        cd._conda, cd._pip, cd._channels = [], [], []
        cd._parse("\n".join(l for l in out.stdout.splitlines() if not l.startswith("prefix:")))
        env.python.conda_dependencies = cd
        return env

    def save_to_directory(self, path, overwrite=False):
        """Writes azureml_environment.json and conda_dependencies.yml (and Dockerfile) into `path`."""
        from .config_files import save_environment
        save_environment(self, path, overwrite)

    @staticmethod
    def load_from_directory(path):
        """The environment save_to_directory wrote into `path`."""
        from .config_files import load_environment
        return load_environment(path)

    def clone(self, new_name):
        env = copy.deepcopy(self)
        env.name = new_name
        env.version = None
        return env

    def _build_now(self, workspace):
        """Registers this environment (the same definition keeps its version) and builds it
        as its first local step would, through `runnel env build`'s code: its packages (a venv,
        once) and its image (a Dockerfile, packages over an image; once). A dict."""
        from .core import _as_workspace
        ws = _as_workspace(workspace)
        registered = self.register(ws)
        out = dict(ws._native.build_environment("%s:%s" % (registered.name, registered.version)))
        if out.get("warning"):
            print("warning: " + out["warning"], file=sys.stderr)
        return out

    def build(self, workspace, image_build_compute=None):
        """Builds this environment now instead of at its first step (the SDK builds its image
        in the workspace's registry); a failed build raises, saying why. Returns an
        ImageBuildDetails: wait_for_completion() gives what was built."""
        return ImageBuildDetails(self._build_now(workspace))

    def build_local(self, workspace, platform=None, **kwargs):
        """Builds this environment on this machine (as build(); useDocker and
        pushImageToWorkspaceAcr are accepted: the image, if any, stays in local podman).
        Returns what was built, as ImageBuildDetails.wait_for_completion() does."""
        details = ImageBuildDetails(self._build_now(workspace))
        return details.wait_for_completion(show_output=True)

    def get_image_details(self, workspace):
        """The image this environment's steps run in (built first if it is not yet): a dict
        with the SDK's dockerImage.name and dockerImage.registry.address; name None when
        its steps run on the host."""
        d = self._build_now(workspace)
        image = d.get("image") or None
        return {"dockerImage": {"name": image, "registry": {"address": "localhost" if image else None}},
                "imageExistsInRegistry": bool(image), "pythonEnvironment": {"interpreterPath": d.get("python")}}

    def __repr__(self):
        return "Environment(name=%r, version=%r)" % (self.name, self.version)


class ImageBuildDetails:
    """What Environment.build returns (the SDK's ImageBuildDetails): the build is done when
    it is returned; status is "Succeeded"."""

    def __init__(self, details):
        self._details = details
        self.status = "Succeeded"

    def wait_for_completion(self, show_output=False):
        d = self._details
        if show_output:
            where = ("image %s (%s)" % (d["image"], d["runtime"]) if d.get("image")
                     else "%s (%d packages)" % (d.get("python"), len(d.get("packages") or [])))
            print("Environment %s version %s built: %s" % (d.get("name"), d.get("version"), where))
        return {"status": self.status, "environment": d.get("name"), "version": str(d.get("version")),
                "imageName": d.get("image") or None, "python": d.get("python"),
                "pythonVersion": d.get("python_version"), "packages": list(d.get("packages") or [])}

    def __repr__(self):
        return "ImageBuildDetails(status=%r, image=%r)" % (self.status, self._details.get("image") or None)


class DockerConfiguration:
    def __init__(self, use_docker=None, shm_size=None, shared_volumes=None, arguments=None):
        self.use_docker = use_docker
        self.shm_size = shm_size
        self.shared_volumes = shared_volumes
        self.arguments = list(arguments or [])


class _AmlComputeSection:
    def __init__(self):
        self.vm_size = None
        self.vm_priority = None
        self.cluster_max_node_count = None


class MpiConfiguration:
    """An MPI job: process_count_per_node processes on each of node_count nodes. runnel starts
    the processes itself, with Open MPI's OMPI_COMM_WORLD_* variables (README "Distributed jobs")."""

    def __init__(self, process_count_per_node=1, node_count=1):
        self.process_count_per_node = process_count_per_node
        self.node_count = node_count
        self.communicator = "IntelMpi"


class PyTorchConfiguration:
    """A distributed PyTorch job: process_count processes in all (default: node_count) over
    node_count nodes, each with MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK and LOCAL_RANK."""

    def __init__(self, communication_backend="Nccl", process_count=None, node_count=1):
        self.communication_backend = communication_backend
        self.process_count = process_count
        self.node_count = node_count


class TensorflowConfiguration:
    """A TensorFlow parameter-server job: worker_count workers and parameter_server_count
    parameter servers, each with its TF_CONFIG."""

    def __init__(self, worker_count=1, parameter_server_count=1):
        self.worker_count = worker_count
        self.parameter_server_count = parameter_server_count


def apply_distributed_config(rc, d, node_count=None):
    """As the SDK does with ScriptRunConfig(distributed_job_config=d) (and an Estimator's
    distributed_training): set the run configuration's framework, communicator and node count.
    `node_count` overrides the configuration's own (an Estimator gives its own)."""
    if isinstance(d, MpiConfiguration):
        rc.communicator = "Mpi"
        rc.mpi = d
        rc.node_count = node_count or d.node_count
    elif isinstance(d, PyTorchConfiguration):
        rc.framework = "PyTorch"
        rc.communicator = d.communication_backend or "Nccl"
        rc.pytorch = d
        rc.node_count = node_count or d.node_count
    elif isinstance(d, TensorflowConfiguration):
        rc.framework = "TensorFlow"
        rc.communicator = "ParameterServer"
        rc.tensorflow = d
    else:
        raise TypeError("ScriptRunConfig: distributed_job_config must be an MpiConfiguration, "
                        "PyTorchConfiguration or TensorflowConfiguration, not %s" % type(d).__name__)


def _positive(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("%s must be a positive integer, not %r" % (what, value))
    return value


class RunConfiguration:
    """What a step needs besides its code: target, environment, node count, variables."""

    def __init__(self, script=None, arguments=None, framework=None, communicator=None,
                 conda_dependencies=None, _history_enabled=None, _path=None, _name=None,
                 command=None):
        self._path = _path
        self._name = _name
        self.script = script
        self.arguments = list(arguments or [])
        self.framework = framework or "Python"
        self.communicator = communicator or "None"
        self.target = "local"
        self.environment = Environment("Experiment %s Environment" % (_name or "runnel"))
        self.environment._default = True
        if conda_dependencies is not None:
            self.environment.python.conda_dependencies = conda_dependencies
        self.node_count = 1
        self.max_run_duration_seconds = None
        self.docker = DockerConfiguration()
        self.amlcompute = _AmlComputeSection()
        self.history = None
        self.data = {}
        self.output_data = {}
        self.source_directory_data_store = None
        self.command = command
        self.mpi = MpiConfiguration()
        self.pytorch = PyTorchConfiguration()
        self.tensorflow = TensorflowConfiguration()

    def _distribution(self):
        """The native runconfig keys of a distributed job, as the SDK reads framework and
        communicator: Mpi -> mpi; PyTorch (or Nccl/Gloo) -> pytorch; TensorFlow with
        ParameterServer -> tensorflow; else one process."""
        framework = (self.framework or "Python").lower()
        communicator = (self.communicator or "None").lower()
        nodes = _positive(self.node_count or 1, "RunConfiguration.node_count")
        if communicator == "mpi":
            per_node = _positive(self.mpi.process_count_per_node, "MpiConfiguration.process_count_per_node")
            return {"distribution": "mpi", "process_count_per_node": per_node}
        if framework == "pytorch" or communicator in ("nccl", "gloo"):
            total = _positive(self.pytorch.process_count or nodes, "PyTorchConfiguration.process_count")
            if total % nodes:
                raise ValueError("PyTorchConfiguration: process_count %d is not a multiple of node_count %d; "
                                 "give the same number of processes to every node" % (total, nodes))
            return {"distribution": "pytorch", "process_count_per_node": total // nodes}
        if framework == "tensorflow" and communicator == "parameterserver":
            workers = _positive(self.tensorflow.worker_count, "TensorflowConfiguration.worker_count")
            ps = self.tensorflow.parameter_server_count
            if isinstance(ps, bool) or not isinstance(ps, int) or ps < 0:
                raise ValueError("TensorflowConfiguration.parameter_server_count must be 0 or more, not %r" % (ps,))
            return {"distribution": "tensorflow", "worker_count": workers, "parameter_server_count": ps}
        return {}

    # The SDK's deprecated aliases onto the environment.
    environment_variables = property(lambda self: self.environment.environment_variables,
                                     lambda self, v: setattr(self.environment, "environment_variables", v))

    def _to_native(self, workspace):
        rc = {}
        env = self.environment
        if env is not None:
            name = env._resolve(workspace)
            if name:
                rc["environment"] = name
        if self.node_count and self.node_count > 1:
            rc["node_count"] = int(self.node_count)
        if self.max_run_duration_seconds:
            rc["timeout_seconds"] = int(self.max_run_duration_seconds)
        rc.update(self._distribution())
        return rc

    def save(self, path=None, name=None, separate_environment_yaml=False):
        """Writes <path>/.azureml/<name>.runconfig (or the file `path` names) and the conda
        specification beside it (runnel/sdk/config_files.py)."""
        from .config_files import save_runconfig
        save_runconfig(self, path, name, separate_environment_yaml)

    @staticmethod
    def load(path, name=None):
        """The RunConfiguration save() wrote: `path` a runconfig file, or a project folder
        holding .azureml/<name>(.runconfig)."""
        from .config_files import load_runconfig
        return load_runconfig(path, name)

    def __repr__(self):
        return "RunConfiguration(target=%r, environment=%r)" % (
            getattr(self.target, "name", self.target), self.environment)
