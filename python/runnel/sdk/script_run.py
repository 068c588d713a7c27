"""ScriptRunConfig: one script run, submitted as a one-step pipeline."""

from .environment import RunConfiguration, apply_distributed_config


class ScriptRunConfig:
    def __init__(self, source_directory, script=None, arguments=None, run_config=None,
                 _telemetry_values=None, compute_target=None, environment=None,
                 distributed_job_config=None, resume_from=None, max_run_duration_seconds=2592000,
                 command=None, docker_runtime_config=None):
        if script is None and command is None:
            raise ValueError("ScriptRunConfig: give script= or command=")
        self.source_directory = source_directory
        self.script = script
        self.arguments = list(arguments or [])
        self.run_config = run_config or RunConfiguration()
        if environment is not None:
            self.run_config.environment = environment
        if compute_target is not None:
            self.run_config.target = compute_target
        self.run_config.max_run_duration_seconds = max_run_duration_seconds
        self.command = command
        self.distributed_job_config = distributed_job_config
        if distributed_job_config is not None:
            apply_distributed_config(self.run_config, distributed_job_config)

    def _as_pipeline(self, workspace):
        from .pipeline import CommandStep, Pipeline, PythonScriptStep
        rc = self.run_config
        timeout = rc.max_run_duration_seconds
        rc.max_run_duration_seconds = None if timeout == 2592000 else timeout
        if self.script:
            step = PythonScriptStep(self.script, arguments=self.arguments, runconfig=rc,
                                    source_directory=self.source_directory)
        else:
            step = CommandStep(self.command, runconfig=rc, source_directory=self.source_directory)
        return Pipeline(workspace, [step])
