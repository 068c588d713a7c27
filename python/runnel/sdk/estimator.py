"""Estimators (azureml.train.estimator, deprecated in the SDK but used by samples): a
script, its source folder, compute and environment, run as a PythonScriptStep by
EstimatorStep or as a one-step pipeline by Experiment.submit(estimator).

conda_packages / pip_packages / conda_dependencies_file go into the run configuration's
CondaDependencies (recorded with the environment, as RunConfiguration does); use_gpu,
use_docker and custom_docker_image are recorded. node_count with distributed_training
(MpiConfiguration, PyTorchConfiguration, TensorflowConfiguration) or distributed_backend
('mpi', 'nccl', 'gloo', 'ps') runs a distributed job (README "Distributed jobs").
"""

from .environment import (CondaDependencies, MpiConfiguration, PyTorchConfiguration, RunConfiguration,
                          TensorflowConfiguration, apply_distributed_config)


class Estimator:
    def __init__(self, source_directory, *, compute_target=None, vm_size=None, vm_priority=None,
                 entry_script=None, script_params=None, node_count=1, process_count_per_node=1,
                 distributed_backend=None, distributed_training=None, use_gpu=False, use_docker=True,
                 custom_docker_base_image=None, custom_docker_image=None, image_registry_details=None,
                 user_managed=False, conda_packages=None, pip_packages=None,
                 conda_dependencies_file_path=None, pip_requirements_file_path=None,
                 conda_dependencies_file=None, pip_requirements_file=None, environment_variables=None,
                 environment_definition=None, inputs=None, source_directory_data_store=None,
                 shm_size=None, resume_from=None, max_run_duration_seconds=None, framework_version=None,
                 **_ignored):
        if not entry_script:
            raise ValueError("%s: entry_script is required" % type(self).__name__)
        self.source_directory = source_directory
        self.entry_script = entry_script
        self.script_params = dict(script_params or {})
        self.compute_target = compute_target
        self.inputs = list(inputs or [])
        self.use_gpu = use_gpu
        self.framework_version = framework_version
        rc = RunConfiguration()
        if environment_definition is not None:
            rc.environment = environment_definition
        else:
            deps_file = conda_dependencies_file or conda_dependencies_file_path
            deps = CondaDependencies(deps_file) if deps_file else CondaDependencies()
            for p in conda_packages or []:
                deps.add_conda_package(p)
            for p in pip_packages or []:
                deps.add_pip_package(p)
            rc.environment.python.conda_dependencies = deps
            if environment_variables:
                rc.environment.environment_variables = dict(environment_variables)
        rc.node_count = node_count
        if distributed_training is None and distributed_backend:
            backend = str(distributed_backend).lower()
            if backend == "mpi":
                distributed_training = MpiConfiguration(process_count_per_node, node_count)
            elif backend in ("nccl", "gloo"):
                distributed_training = PyTorchConfiguration(distributed_backend, node_count * process_count_per_node,
                                                            node_count)
            elif backend == "ps":
                distributed_training = TensorflowConfiguration(worker_count=node_count)
            else:
                raise ValueError("%s: unknown distributed_backend %r; use 'mpi', 'nccl', 'gloo' or 'ps'"
                                 % (type(self).__name__, distributed_backend))
        if distributed_training is not None:
            apply_distributed_config(rc, distributed_training, node_count)
        rc.max_run_duration_seconds = max_run_duration_seconds
        if compute_target is not None:
            rc.target = compute_target
        self.run_config = rc
        self._estimator_config = rc

    def _arguments(self, extra=None):
        args = []
        for k, v in self.script_params.items():
            args.append(k)
            if v is not None and v != "":
                args.append(v)
        return args + list(extra or [])

    def _as_pipeline(self, workspace):
        from .pipeline import Pipeline, PythonScriptStep
        step = PythonScriptStep(self.entry_script, arguments=self._arguments(), runconfig=self.run_config,
                                compute_target=self.compute_target, inputs=self.inputs,
                                source_directory=self.source_directory)
        return Pipeline(workspace, [step])


class _Framework(Estimator):
    def __init__(self, source_directory, *, compute_target=None, entry_script=None, **kwargs):
        super().__init__(source_directory, compute_target=compute_target, entry_script=entry_script, **kwargs)


class TensorFlow(_Framework):
    """azureml.train.dnn.TensorFlow (an Estimator; the framework comes from the environment)."""


class PyTorch(_Framework):
    """azureml.train.dnn.PyTorch."""


class Chainer(_Framework):
    """azureml.train.dnn.Chainer."""


class SKLearn(_Framework):
    """azureml.train.sklearn.SKLearn."""
