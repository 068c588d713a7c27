"""Pipeline components (issue 15 part 1): `type: pipeline` jobs whose component is a
pipelineComponent file, laid out as Azure ML's public example
`1j_pipeline_with_pipeline_component/pipeline_with_train_eval_pipeline_component` is:
the same train-score-evaluate component used twice with different learning rates, then a
compare step reading both. Inner steps are named path-like (`train_and_evaluate_model1/
train_job`); a changed parameter of one instance reruns only that instance; two instances
with the same inputs share results; nesting, registered pipeline components, a pipeline job
made from a component, run_after a pipeline job, and bad input with file:line."""

import json
import os
import shutil
import unittest

from e2e_util import WorkspaceTest, clean_env, read

PIPELINE = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: pipeline_with_pipeline_component
experiment_name: pipeline_with_pipeline_component
description: Select best model trained with different learning rate
inputs:
  pipeline_job_training_input:
    type: uri_folder
    path: ./data
  pipeline_job_test_input:
    type: uri_folder
    path: ./data
  pipeline_job_training_learning_rate1: 0.1
  pipeline_job_training_learning_rate2: 0.01
outputs:
  pipeline_job_best_model:
settings:
  default_compute: azureml:cpu-cluster
jobs:
  train_and_evaluate_model1:
    type: pipeline
    component: ./components/train_pipeline_component.yml
    inputs:
      training_input: ${{parent.inputs.pipeline_job_training_input}}
      test_input: ${{parent.inputs.pipeline_job_test_input}}
      training_learning_rate: ${{parent.inputs.pipeline_job_training_learning_rate1}}
  train_and_evaluate_model2:
    type: pipeline
    component: ./components/train_pipeline_component.yml
    inputs:
      training_input: ${{parent.inputs.pipeline_job_training_input}}
      test_input: ${{parent.inputs.pipeline_job_test_input}}
      training_learning_rate: ${{parent.inputs.pipeline_job_training_learning_rate2}}
  compare:
    type: command
    component: ./components/compare2/compare2.yml
    inputs:
      model1: ${{parent.jobs.train_and_evaluate_model1.outputs.trained_model}}
      eval_result1: ${{parent.jobs.train_and_evaluate_model1.outputs.evaluation_report}}
      model2: ${{parent.jobs.train_and_evaluate_model2.outputs.trained_model}}
      eval_result2: ${{parent.jobs.train_and_evaluate_model2.outputs.evaluation_report}}
    outputs:
      best_model: ${{parent.outputs.pipeline_job_best_model}}
"""

TRAIN_PIPELINE_COMPONENT = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
type: pipeline
name: train_pipeline_component
display_name: train_pipeline_component
description: Dummy train-score-eval pipeline component with local components
inputs:
  training_input:
    type: uri_folder
  test_input:
    type: uri_folder
  training_max_epochs:
    type: integer
    default: 20
  training_learning_rate:
    type: number
    default: 0.01
  learning_rate_schedule:
    type: string
    default: time-based
outputs:
  trained_model:
    type: uri_folder
  evaluation_report:
    type: uri_folder
jobs:
  train_job:
    type: command
    component: ./train/train.yml
    inputs:
      training_data: ${{parent.inputs.training_input}}
      max_epochs: ${{parent.inputs.training_max_epochs}}
      learning_rate: ${{parent.inputs.training_learning_rate}}
      learning_rate_schedule: ${{parent.inputs.learning_rate_schedule}}
    outputs:
      model_output: ${{parent.outputs.trained_model}}
  score_job:
    type: command
    component: ./score/score.yml
    inputs:
      model_input: ${{parent.jobs.train_job.outputs.model_output}}
      test_data: ${{parent.inputs.test_input}}
    outputs:
      score_output:
        mode: upload
  evaluate_job:
    type: command
    component: ./eval/eval.yml
    inputs:
      scoring_result: ${{parent.jobs.score_job.outputs.score_output}}
    outputs:
      eval_output: ${{parent.outputs.evaluation_report}}
"""

TRAIN = """
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
type: command
name: train_model
inputs:
  training_data: {type: uri_folder}
  max_epochs: {type: integer}
  learning_rate: {type: number, default: 0.01}
  learning_rate_schedule: {type: string, default: time-based}
outputs:
  model_output: {type: uri_folder}
code: ./
command: >-
  python train.py --training_data ${{inputs.training_data}} --max_epochs ${{inputs.max_epochs}}
  --learning_rate ${{inputs.learning_rate}} --learning_rate_schedule ${{inputs.learning_rate_schedule}}
  --model_output ${{outputs.model_output}}
"""

TRAIN_PY = """
import argparse, os
p = argparse.ArgumentParser()
for a in ("--training_data", "--max_epochs", "--learning_rate", "--learning_rate_schedule", "--model_output"):
    p.add_argument(a)
a = p.parse_args()
rows = len(open(os.path.join(a.training_data, "rows.csv")).read().splitlines())
with open(os.path.join(a.model_output, "model.txt"), "w") as f:
    f.write("lr=%s epochs=%s rows=%d\\n" % (a.learning_rate, a.max_epochs, rows))
with open(os.environ["RUNS_LOG"], "a") as f:
    f.write("train %s\\n" % a.learning_rate)
"""

SCORE = """
type: command
name: score_data
inputs:
  model_input: {type: uri_folder}
  test_data: {type: uri_folder}
outputs:
  score_output: {type: uri_folder}
code: ./
command: python score.py ${{inputs.model_input}} ${{inputs.test_data}} ${{outputs.score_output}}
"""

SCORE_PY = """
import os, sys
model = open(os.path.join(sys.argv[1], "model.txt")).read().strip()
lr = float(model.split()[0].split("=")[1])
with open(os.path.join(sys.argv[3], "score.txt"), "w") as f:
    f.write("%f\\n" % (1.0 - abs(lr - 0.05)))
"""

EVAL = """
type: command
name: eval_model
inputs:
  scoring_result: {type: uri_folder}
outputs:
  eval_output: {type: uri_folder}
code: ./
command: python eval.py ${{inputs.scoring_result}} ${{outputs.eval_output}}
"""

EVAL_PY = """
import os, sys
score = open(os.path.join(sys.argv[1], "score.txt")).read().strip()
with open(os.path.join(sys.argv[2], "report.txt"), "w") as f:
    f.write(score + "\\n")
"""

COMPARE = """
type: command
name: compare2
inputs:
  model1: {type: uri_folder}
  eval_result1: {type: uri_folder}
  model2: {type: uri_folder}
  eval_result2: {type: uri_folder}
outputs:
  best_model: {type: uri_folder}
code: ./
command: >-
  python compare2.py ${{inputs.model1}} ${{inputs.eval_result1}} ${{inputs.model2}}
  ${{inputs.eval_result2}} ${{outputs.best_model}}
"""

COMPARE_PY = """
import os, shutil, sys
m1, e1, m2, e2, out = sys.argv[1:]
s1 = float(open(os.path.join(e1, "report.txt")).read())
s2 = float(open(os.path.join(e2, "report.txt")).read())
best = m1 if s1 >= s2 else m2
shutil.copy(os.path.join(best, "model.txt"), os.path.join(out, "model.txt"))
"""

INNER = ["train_job", "score_job", "evaluate_job"]


class PipelineComponentTest(WorkspaceTest):
    def setUp(self):
        super().setUp()
        p = self.runnel("compute", "create", "cpu-cluster", "--type", "local")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.log = os.path.join(self.dir, "runs.log")
        self.write("proj/data/rows.csv", "a,b\n1,2\n3,4\n")
        self.write("proj/components/train/train.yml", TRAIN)
        self.write("proj/components/train/train.py", TRAIN_PY)
        self.write("proj/components/score/score.yml", SCORE)
        self.write("proj/components/score/score.py", SCORE_PY)
        self.write("proj/components/eval/eval.yml", EVAL)
        self.write("proj/components/eval/eval.py", EVAL_PY)
        self.write("proj/components/compare2/compare2.yml", COMPARE)
        self.write("proj/components/compare2/compare2.py", COMPARE_PY)
        self.write("proj/components/train_pipeline_component.yml", TRAIN_PIPELINE_COMPONENT)
        self.pipe = self.write("proj/pipeline.yml", PIPELINE)

    def run_logged(self, *args, expect=0):
        p = self.runnel("run", *args, env=clean_env(RUNS_LOG=self.log))
        self.assertEqual(p.returncode, expect, "stdout:\n%s\nstderr:\n%s" % (p.stdout, p.stderr))
        return p

    def statuses(self):
        return {n: s["status"] for n, s in self.steps().items()}

    def test_two_instances_then_compare_and_reuse_per_inner_step(self):
        self.run_logged(self.pipe)
        st = self.statuses()
        want = {"%s/%s" % (m, j) for m in ("train_and_evaluate_model1", "train_and_evaluate_model2")
                for j in INNER} | {"compare"}
        self.assertEqual(set(st), want)
        self.assertEqual(set(st.values()), {"Finished"})
        steps = self.steps()
        # Each instance got its own learning rate; the default epochs reached the inner step.
        m1 = read(os.path.join(steps["train_and_evaluate_model1/train_job"]["outputs"]["model_output"], "model.txt"))
        m2 = read(os.path.join(steps["train_and_evaluate_model2/train_job"]["outputs"]["model_output"], "model.txt"))
        self.assertEqual(m1.strip(), "lr=0.1 epochs=20 rows=3")
        self.assertEqual(m2.strip(), "lr=0.01 epochs=20 rows=3")
        # compare read both reports and picked the better model (0.01 is nearer 0.05).
        best = read(os.path.join(steps["compare"]["outputs"]["best_model"], "model.txt"))
        self.assertEqual(best.strip(), "lr=0.01 epochs=20 rows=3")
        # The compute given by settings reached the inner steps.
        self.assertEqual(steps["train_and_evaluate_model1/score_job"].get("compute"), "cpu-cluster")

        # Unchanged: everything reused.
        self.run_logged(self.pipe)
        self.assertEqual(set(self.statuses().values()), {"Reused"})

        # Only the second instance's learning rate changes: instance 1 is reused step by step.
        self.run_logged(self.pipe, "--set", "pipeline_job_training_learning_rate2=0.04")
        st = self.statuses()
        for j in INNER:
            self.assertEqual(st["train_and_evaluate_model1/" + j], "Reused", st)
            self.assertEqual(st["train_and_evaluate_model2/" + j], "Finished", st)
        self.assertEqual(st["compare"], "Finished")
        with open(self.log) as f:
            self.assertEqual(f.read().split("\n").count("train 0.04"), 1)

    def test_two_instances_with_the_same_inputs_share_results(self):
        self.run_logged(self.pipe, "--set", "pipeline_job_training_learning_rate2=0.1")
        st = self.statuses()
        with open(self.log) as f:
            trains = [l for l in f.read().splitlines() if l.startswith("train")]
        self.assertEqual(trains, ["train 0.1"], "the same training ran twice: %s" % st)
        for j in INNER:
            pair = {st["train_and_evaluate_model1/" + j], st["train_and_evaluate_model2/" + j]}
            self.assertEqual(pair, {"Finished", "Reused"}, st)

    def test_plan_and_runs_show_name_inner_steps(self):
        p = self.runnel("plan", self.pipe)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("train_and_evaluate_model2/evaluate_job", p.stdout)
        self.run_logged(self.pipe)
        p = self.runnel("logs", "latest", "train_and_evaluate_model1/train_job")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.runnel("why", "latest", "train_and_evaluate_model1/train_job")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_registered_pipeline_component_takes_its_jobs_code_from_outside_its_folder(self):
        # components/pc.yml -> components/hello.yml with `code: ../src`: registering the pipeline
        # component carries src/ along, so azureml:hello_pc@latest runs after src/ is gone.
        self.write("reg/src/hello.py", "import sys\nopen(sys.argv[1] + '/hi.txt', 'w').write('hi from src')\n")
        self.write("reg/components/hello.yml", """
            type: command
            name: hello
            code: ../src
            outputs: {o: {type: uri_folder}}
            command: python hello.py ${{outputs.o}}
            """)
        self.write("reg/components/pc.yml", """
            type: pipeline
            name: hello_pc
            outputs: {o: {type: uri_folder}}
            jobs:
              h:
                component: ./hello.yml
                outputs: {o: '${{parent.outputs.o}}'}
            """)
        p = self.runnel("component", "create", "-f", os.path.join(self.dir, "reg/components/pc.yml"))
        self.assertEqual(p.returncode, 0, p.stderr)
        shutil.rmtree(os.path.join(self.dir, "reg"))
        pipe = self.write("use_pc.yml", """
            type: pipeline
            jobs:
              p: {type: pipeline, component: azureml:hello_pc@latest}
            """)
        self.run_logged(pipe)
        steps = self.steps()
        self.assertEqual(read(os.path.join(steps["p/h"]["outputs"]["o"], "hi.txt")), "hi from src")

    def test_nested_two_deep_registered_and_run_after(self):
        # A pipeline component holding a pipeline job, registered and used by reference.
        self.write("proj/components/outer.yml", """
            type: pipeline
            name: outer_component
            inputs:
              data: {type: uri_folder}
              lr: {type: number, default: 0.03}
            outputs:
              report: {type: uri_folder}
            jobs:
              inner:
                type: pipeline
                component: ./train_pipeline_component.yml
                inputs:
                  training_input: ${{parent.inputs.data}}
                  test_input: ${{parent.inputs.data}}
                  training_learning_rate: ${{parent.inputs.lr}}
                outputs:
                  evaluation_report: ${{parent.outputs.report}}
            """)
        p = self.runnel("component", "create", "-f", os.path.join(self.dir, "proj/components/outer.yml"))
        self.assertEqual(p.returncode, 0, p.stderr)
        pipe = self.write("proj/nested.yml", """
            type: pipeline
            jobs:
              deep:
                component: azureml:outer_component@latest
                inputs:
                  data: {type: uri_folder, path: ./data}
              after:
                type: command
                command: cat ${{inputs.r}}/report.txt > ${{outputs.o}}/copy.txt
                inputs:
                  r: ${{parent.jobs.deep.outputs.report}}
                outputs:
                  o: {type: uri_folder}
              last:
                type: command
                command: echo done
                run_after: [deep]
            """)
        self.run_logged(pipe)
        steps = self.steps()
        self.assertIn("deep/inner/train_job", steps)
        self.assertEqual({s["status"] for s in steps.values()}, {"Finished"})
        copy = read(os.path.join(steps["after"]["outputs"]["o"], "copy.txt"))
        self.assertAlmostEqual(float(copy), 0.98, places=5)  # 1 - |0.03 - 0.05|
        show = self.show()
        # `last` ran after every inner step of `deep` (run_after a pipeline job).
        ended = max(steps["deep/inner/" + j]["ended"] for j in INNER)
        self.assertGreaterEqual(steps["last"]["started"], ended, show)

    def test_pipeline_job_made_from_a_component(self):
        pipe = self.write("proj/from_component.yml", """
            type: pipeline
            component: ./components/train_pipeline_component.yml
            inputs:
              training_input: {type: uri_folder, path: ./data}
              test_input: {type: uri_folder, path: ./data}
              training_learning_rate: 0.2
            outputs:
              evaluation_report: {type: uri_folder}
            """)
        self.run_logged(pipe)
        steps = self.steps()
        self.assertEqual(set(steps), set(INNER))
        model = read(os.path.join(steps["train_job"]["outputs"]["model_output"], "model.txt"))
        self.assertEqual(model.strip(), "lr=0.2 epochs=20 rows=3")
        # The component's inputs are the run's parameters.
        self.run_logged(pipe, "--set", "training_max_epochs=3")
        model = read(os.path.join(self.steps()["train_job"]["outputs"]["model_output"], "model.txt"))
        self.assertEqual(model.strip(), "lr=0.2 epochs=3 rows=3")

    def test_fields_bound_to_parent_inputs_follow_set(self):
        # Issue 15 item 2: environment_variables, compute and limits bound to pipeline inputs,
        # inside a pipeline component too; --set reaches them.
        self.write("proj/components/greet.yml", """
            type: pipeline
            inputs:
              who: {type: string}
              where: {type: string}
            outputs:
              o: {type: uri_folder}
            jobs:
              say:
                type: command
                command: echo "$GREETING $WHO" > ${{outputs.o}}/said.txt
                compute: ${{parent.inputs.where}}
                environment_variables:
                  WHO: ${{parent.inputs.who}}
                  GREETING: hello
                limits: {timeout: 10m}
                outputs:
                  o: ${{parent.outputs.o}}
            """)
        pipe = self.write("proj/fields.yml", """
            type: pipeline
            inputs:
              name: world
              target: azureml:cpu-cluster
            jobs:
              g:
                type: pipeline
                component: ./components/greet.yml
                inputs:
                  who: ${{parent.inputs.name}}
                  where: ${{parent.inputs.target}}
            """)
        self.run_logged(pipe)
        st = self.steps()["g/say"]
        self.assertEqual(read(os.path.join(st["outputs"]["o"], "said.txt")).strip(), "hello world")
        self.assertEqual(st.get("compute"), "cpu-cluster")
        self.run_logged(pipe, "--set", "name=runnel")
        st = self.steps()["g/say"]
        self.assertEqual(st["status"], "Finished")
        self.assertEqual(read(os.path.join(st["outputs"]["o"], "said.txt")).strip(), "hello runnel")
        # An unregistered target runs on local, with one warning naming it and its line.
        p = self.runnel("run", pipe, "--set", "target=nosuchcompute")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"greet\.yml:\d+:\d+: jobs\.g/say\.compute: compute target "
                                   r"'nosuchcompute' is not registered here")
        self.assertEqual(self.steps()["g/say"]["compute"], "local")

    def test_bad_input_names_file_line_and_key(self):
        bad = self.write("proj/bad1.yml", """
            type: pipeline
            jobs:
              t:
                type: pipeline
                component: ./components/train_pipeline_component.yml
                inputs:
                  training_inputt: ./data
            """)
        err = self.assert_bad_input(self.runnel("run", bad), "bad1.yml", 7, "jobs.t.inputs.training_inputt")
        self.assertIn("did you mean 'training_input'", err)
        # A command component given to a pipeline job.
        bad = self.write("proj/bad2.yml", """
            type: pipeline
            jobs:
              t:
                type: pipeline
                component: ./components/eval/eval.yml
            """)
        self.assert_bad_input(self.runnel("run", bad), "bad2.yml", 5, "jobs.t.component")
        # An inner job's error names the component file and its line.
        self.write("proj/components/broken.yml", """
            type: pipeline
            inputs:
              x: {type: integer}
            jobs:
              j:
                type: command
                command: echo ${{inputs.y}}
                inputs:
                  y: ${{parent.inputs.nope}}
            """)
        bad = self.write("proj/bad3.yml", """
            type: pipeline
            jobs:
              t:
                type: pipeline
                component: ./components/broken.yml
                inputs: {x: 1}
            """)
        err = self.assert_bad_input(self.runnel("run", bad), "broken.yml", 9, "jobs.j.inputs.y")
        self.assertIn("no input 'nope'", err)
        # A component output bound to no inner job.
        self.write("proj/components/unbound.yml", """
            type: pipeline
            outputs:
              o: {type: uri_folder}
            jobs:
              j:
                type: command
                command: echo hi
            """)
        bad = self.write("proj/bad4.yml", """
            type: pipeline
            jobs:
              t:
                type: pipeline
                component: ./components/unbound.yml
            """)
        self.assert_bad_input(self.runnel("run", bad), "unbound.yml", 3, "outputs.o")


if __name__ == "__main__":
    unittest.main()
