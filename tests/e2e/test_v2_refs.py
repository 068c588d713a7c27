"""The v2 front door's workspace-backed references, end to end with `runnel run`:

- `type: custom_model` inputs with `azureml:NAME@latest` / `azureml:NAME:VERSION` read a
  model registered with the SDK's Model.register; a new version reruns @latest readers only.
- `type: parallel` jobs defined in a parallel component file (`component: ./score.yml`), with
  the job overriding mini_batch_size; reused on the second run.
- Inline `environment: {image, conda_file}` in a job and in a component: registered as an
  anonymous environment, recorded in the fingerprint (a changed image reruns, `runnel why`
  says so), the step runs with the default interpreter after a one-line note.
- Bad input: an unknown model, a task written beside a parallel component, a missing conda
  file: exit 2, one error line with file:line, the key and what to do.
(Azure Blob URLs mapped to a registered datastore are in test_objstore_transfer.py: Azurite.)
"""

import os
import subprocess

from e2e_util import PYTHON, SOURCE_DIR, WorkspaceTest, clean_env, read

REGISTER = """
import sys
from azureml.core import Workspace, Model
ws = Workspace.from_config()
m = Model.register(ws, model_path=sys.argv[1], model_name="scorer")
print("registered", m.id)
"""

MODEL_PIPELINE = """
type: pipeline
inputs:
  latest: {type: custom_model, path: azureml:scorer@latest}
jobs:
  use_latest:
    command: cat ${{inputs.model}}/weights.txt > ${{outputs.out}}/got.txt
    inputs:
      model: ${{parent.inputs.latest}}
    outputs:
      out: {type: uri_folder}
  use_first:
    command: cat ${{inputs.model}}/weights.txt > ${{outputs.out}}/got.txt
    inputs:
      model: {type: custom_model, path: 'azureml:scorer:1', mode: download}
    outputs:
      out: {type: uri_folder}
"""

SCORE = """
def init():
    pass

def run(mini_batch):
    import os
    return ["%s %s" % (os.path.basename(p), open(p).read().strip()) for p in mini_batch]
"""

PARALLEL_COMPONENT = """
$schema: https://azuremlschemas.azureedge.net/latest/parallelComponent.schema.json
type: parallel
name: score_files
version: 1
inputs:
  files: {type: uri_folder}
outputs:
  rows: {type: uri_folder}
input_data: ${{inputs.files}}
mini_batch_size: "10"
max_concurrency_per_instance: 2
retry_settings: {max_retries: 2, timeout: 30}
task:
  type: run_function
  code: ./src
  entry_script: score.py
  append_row_to: ${{outputs.rows}}
"""

PARALLEL_PIPELINE = """
type: pipeline
jobs:
  score:
    type: parallel
    component: ./score.yml
    inputs:
      files: {type: uri_folder, path: ./data}
    mini_batch_size: "2"
"""

ENV_PIPELINE = """
type: pipeline
jobs:
  inline:
    command: python -c "print('ran')" > ${{{{outputs.out}}}}/o.txt
    environment:
      image: {image}
      conda_file: ./conda.yml
    outputs:
      out: {{type: uri_folder}}
  from_component:
    component: ./comp.yml
"""

ENV_COMPONENT = """
type: command
name: hello
command: echo hello
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
  conda_file: ./conda.yml
"""


class V2RefsTest(WorkspaceTest):
    def register_model(self, text):
        d = os.path.join(self.dir, "model-%d" % len(os.listdir(self.dir)))
        os.makedirs(d)
        with open(os.path.join(d, "weights.txt"), "w") as f:
            f.write(text)
        script = self.write("register.py", REGISTER)
        p = subprocess.run([PYTHON, script, d], cwd=self.ws, capture_output=True, text=True, timeout=120,
                           env=clean_env(PYTHONPATH=os.path.join(SOURCE_DIR, "python")))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def got(self, step):
        return read(os.path.join(self.steps()[step]["outputs"]["out"], "got.txt"))

    def test_a_downloaded_file_input_keeps_its_file_name(self):
        # Azure ML downloads a uri_file to INPUT_<name>/<file>: the name and extension stay.
        self.write("data/table.csv", "a,b\n1,2\n")
        path = self.write("dl.yml", """
            type: pipeline
            inputs:
              f: {type: uri_file, path: ./data/table.csv, mode: download}
              g: {type: uri_file, path: ./data/table.csv, mode: ro_mount}
            jobs:
              a:
                command: >-
                  echo "$(basename ${{inputs.f}}) $(basename ${{inputs.g}}) $(cat ${{inputs.f}} | wc -l)"
                  > ${{outputs.out}}/got.txt
                inputs: {f: '${{parent.inputs.f}}', g: '${{parent.inputs.g}}'}
                outputs: {out: {type: uri_folder}}
            """)
        self.run_pipeline(path)
        self.assertEqual(self.got("a"), "table.csv table.csv 2\n")

    def test_pipeline_and_job_tags_are_the_runs_tags(self):
        path = self.write("tags.yml", """
            type: pipeline
            tags: {owner: probe, stage: dev}
            jobs:
              a:
                command: echo hi
                tags: {kind: prep}
              b:
                command: python3 -c "from azureml.core import Run; r = Run.get_context(); print('TAGS', sorted(r.get_tags().items())); r.tag('more', 'x')"
            """)
        self.run_pipeline(path, "--tag", "stage=ci")
        run = self.show()
        self.assertEqual(run["tags"], {"owner": "probe", "stage": "ci"})
        steps = self.steps()
        self.assertEqual(steps["a"]["tags"], {"kind": "prep"})
        self.assertEqual(steps["b"]["tags"], {"more": "x"})

    def test_component_environment_variables_take_its_inputs(self):
        self.write("comp.yml", """
            type: command
            name: envc
            inputs:
              threads: {type: integer, default: 1}
              data: {type: uri_file}
            outputs:
              o: {type: uri_folder}
            environment_variables:
              N_THREADS: ${{inputs.threads}}
              DATA_FILE: ${{inputs.data}}
              OUT: ${{outputs.o}}
            command: echo "N=$N_THREADS $(cat "$DATA_FILE")" > "$OUT/got.txt"
            """)
        self.write("data/d.txt", "D\n")
        path = self.write("envp.yml", """
            type: pipeline
            jobs:
              out:
                component: ./comp.yml
                inputs: {threads: 4, data: {type: uri_file, path: ./data/d.txt}}
            """)
        self.run_pipeline(path)
        self.assertEqual(read(os.path.join(self.steps()["out"]["outputs"]["o"], "got.txt")), "N=4 D\n")

    def test_custom_model_inputs_read_registered_models(self):
        self.assertIn("registered scorer:1", self.register_model("w1\n"))
        path = self.write("models.yml", MODEL_PIPELINE)
        self.run_pipeline(path)
        self.assertEqual((self.got("use_latest"), self.got("use_first")), ("w1\n", "w1\n"))
        self.run_pipeline(path)
        self.assertEqual({s["status"] for s in self.steps().values()}, {"Reused"})
        # Version 2: @latest readers rerun, the pinned one is reused.
        self.assertIn("registered scorer:2", self.register_model("w2\n"))
        self.run_pipeline(path)
        steps = self.steps()
        self.assertEqual((steps["use_latest"]["status"], steps["use_first"]["status"]), ("Finished", "Reused"))
        self.assertEqual(self.got("use_latest"), "w2\n")

    def test_a_model_input_set_at_submit_reads_the_named_model(self):
        """`--set latest=azureml:scorer:1` names a registered model, not a dataset."""
        self.register_model("w1\n")
        self.register_model("w2\n")
        path = self.write("models.yml", MODEL_PIPELINE)
        self.run_pipeline(path)
        self.assertEqual(self.got("use_latest"), "w2\n")
        self.run_pipeline(path, "--set", "latest=azureml:scorer:1")
        steps = self.steps()
        self.assertEqual(steps["use_latest"]["status"], "Finished")
        self.assertEqual(self.got("use_latest"), "w1\n")
        p = self.runnel("run", path, "--set", "latest=azureml:scorer:7")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"--set\.latest.*model 'scorer' has no version 7")

    def test_unknown_model_is_a_clear_error(self):
        self.register_model("w1\n")
        path = self.write("bad.yml", MODEL_PIPELINE.replace("azureml:scorer:1", "azureml:scorer:9"))
        self.assert_bad_input(self.runnel("run", path), "bad.yml", 14, "jobs.use_first.inputs.model.path",
                              what=r"model 'scorer' has no version 9 \(versions: 1\).*Model.register")

    def test_parallel_job_from_a_component_file(self):
        self.write("src/score.py", SCORE)
        for i in range(5):
            self.write("data/f%d.txt" % i, "v%d\n" % i)
        self.write("score.yml", PARALLEL_COMPONENT)
        path = self.write("parallel.yml", PARALLEL_PIPELINE)
        self.run_pipeline(path, timeout=180)
        steps = self.steps()
        rows = read(os.path.join(steps["score"]["outputs"]["rows"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(rows, ["f%d.txt v%d" % (i, i) for i in range(5)])
        self.assertEqual(steps["score"]["children"]["mini_batches"], 3)  # the job's mini_batch_size: 2
        self.run_pipeline(path, timeout=180)
        self.assertEqual(self.steps()["score"]["status"], "Reused")

    def test_parallel_component_bad_input(self):
        self.write("src/score.py", SCORE)
        self.write("score.yml", PARALLEL_COMPONENT)
        path = self.write("bad.yml", PARALLEL_PIPELINE + "    task: {type: run_function, entry_script: x.py}\n")
        self.assert_bad_input(self.runnel("run", path), "bad.yml", 9, "jobs.score.task",
                              what="is set by the component")

    def test_inline_environment_is_recorded_and_keys_reuse(self):
        self.write("conda.yml", "name: e\ndependencies:\n  - python=3.11\n  - pip\n")
        self.write("comp.yml", ENV_COMPONENT)
        path = self.write("env.yml", ENV_PIPELINE.format(image="python:3.11-slim"))
        p = self.run_pipeline(path)
        self.assertIn("jobs.inline.environment: accepted, but the inline environment is not built",
                      p.stdout + p.stderr)
        steps = self.steps()
        self.assertEqual(read(os.path.join(steps["inline"]["outputs"]["out"], "o.txt")), "ran\n")
        envs = self.runnel("env", "list").stdout
        self.assertEqual(envs.count("anonymous-"), 2, envs)
        self.run_pipeline(path)
        self.assertEqual({s["status"] for s in self.steps().values()}, {"Reused"})
        # A changed image is a changed environment: that step reruns, and `why` says so.
        self.write("env.yml", ENV_PIPELINE.format(image="python:3.12-slim"))
        self.run_pipeline(path)
        steps = self.steps()
        self.assertEqual((steps["inline"]["status"], steps["from_component"]["status"]), ("Finished", "Reused"))
        why = self.runnel("why", "latest", "inline").stdout
        self.assertIn("environment", why)
        self.assertIn("python:3.12-slim", why)
        # A changed conda file too.
        self.write("conda.yml", "name: e\ndependencies:\n  - python=3.12\n")
        self.run_pipeline(path)
        self.assertEqual({s["status"] for s in self.steps().values()}, {"Finished"})

    def test_inline_environment_missing_conda_file(self):
        path = self.write("env.yml", ENV_PIPELINE.format(image="python:3.11-slim").replace("  from_component:\n    component: ./comp.yml\n", ""))
        self.assert_bad_input(self.runnel("run", path), "env.yml", 7, "jobs.inline.environment.conda_file",
                              what="conda file './conda.yml' not found")
