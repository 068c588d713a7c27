"""Reuse of earlier step results (docs/design.md §6): what reruns after which change, the reason
printed at submit, `runnel plan`, snapshot limits, and two runs racing for one step.

Every test checks the step statuses of `runs show --output json` and the decision line
`step NAME: ...` that `runnel run` prints at submit. Steps append their name to an
execution log outside the workspace, so "ran" and "did not run" are facts, not claims.
"""

import json
import sqlite3
import os
import re
import shutil
import subprocess
import unittest

from e2e_util import RUNNEL, WorkspaceTest, clean_env, read

# A step script: appends its name to the execution log, then writes to its output folder
# what it read from its inputs (files or folders) plus its TAG.
STEP_PY = """
import os, sys
TAG = "{tag}"
# {comment}
out, log, ins = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(log, "a") as f:
    f.write("{name}\\n")
data = ""
for p in ins:
    for f in ([p] if os.path.isfile(p) else [os.path.join(p, n) for n in sorted(os.listdir(p))]):
        data += open(f).read()
with open(os.path.join(out, "{name}.txt"), "w") as f:
    f.write(data + TAG + "\\n")
"""

# a -> b -> c, and d on its own; a reads raw, d reads other.
CHAIN = """
type: pipeline
inputs:
  raw: {{type: uri_file, path: ./data/raw.txt}}
  other: {{type: uri_file, path: ./data/other.txt}}
jobs:
  a:
    type: command
    code: ./a_src
    command: python a.py ${{{{outputs.o}}}} {log} ${{{{inputs.raw}}}}
    inputs:
      raw: ${{{{parent.inputs.raw}}}}
    outputs:
      o: {{type: uri_folder}}
  b:
    type: command
    code: ./b_src
    command: python b.py ${{{{outputs.o}}}} {log} ${{{{inputs.i}}}}
    inputs:
      i: ${{{{parent.jobs.a.outputs.o}}}}
    outputs:
      o: {{type: uri_folder}}
  c:
    type: command
    code: ./c_src
    command: python c.py ${{{{outputs.o}}}} {log} ${{{{inputs.i}}}}
    inputs:
      i: ${{{{parent.jobs.b.outputs.o}}}}
    outputs:
      o: {{type: uri_folder}}
  d:
    type: command
    code: ./d_src
    command: python d.py ${{{{outputs.o}}}} {log} ${{{{inputs.other}}}}
    inputs:
      other: ${{{{parent.inputs.other}}}}
    outputs:
      o: {{type: uri_folder}}
"""

# Two shell steps: s uses the argument n, FOO and the registered environment; t uses none.
ARGS = """
type: pipeline
inputs:
  n: {n}
jobs:
  s:
    type: command
    command: echo s >> {log}; echo ${{{{inputs.n}}}} $FOO $K > ${{{{outputs.o}}}}/v.txt
    environment: azureml:myenv@latest
    environment_variables:
      FOO: {foo}
    inputs:
      n: ${{{{parent.inputs.n}}}}
    outputs:
      o: {{type: uri_folder}}
  t:
    type: command
    command: echo t >> {log}; echo t > ${{{{outputs.o}}}}/t.txt
    outputs:
      o: {{type: uri_folder}}
"""

DECISION = re.compile(r"^\s*step (\S+): (.*)$")


class ReuseTest(WorkspaceTest):

    def setUp(self):
        super().setUp()
        self.log = os.path.join(self.dir, "executed.log")

    # -- building pipelines ----------------------------------------------------------------
    def step_code(self, name, tag="v1", comment="step", folder=None):
        self.write("%s/%s.py" % (folder or name + "_src", name),
                   STEP_PY.format(name=name, tag=tag, comment=comment))

    def chain(self):
        """Writes the a->b->c + d pipeline with its code and data; returns the YAML path."""
        for n in "abcd":
            self.step_code(n)
        self.write("data/raw.txt", "raw-1\n")
        self.write("data/other.txt", "other-1\n")
        return self.write("p.yml", CHAIN.format(log=self.log))

    def args_pipeline(self, n=3, foo="bar"):
        return self.write("args.yml", ARGS.format(log=self.log, n=n, foo=foo))

    def create_env(self, value):
        p = self.runnel("env", "create", "myenv", "--var", "K=" + value)
        self.assertEqual(p.returncode, 0, p.stderr)

    # -- running ---------------------------------------------------------------------------
    def submit(self, path, *args, expect=0):
        """Runs the pipeline; returns (process, {step: decision text}, {step: status},
        {step: step json}). Clears the execution log first."""
        if os.path.exists(self.log):
            os.remove(self.log)
        p = self.run_pipeline(path, *args, expect=expect)
        steps = self.steps()
        return p, self.decisions(p.stdout), {n: s["status"] for n, s in steps.items()}, steps

    def decisions(self, stdout):
        out = {}
        for line in stdout.splitlines():
            m = DECISION.match(line)
            if m and m.group(1).rstrip(":") not in out:
                out[m.group(1).rstrip(":")] = m.group(2)
        return out

    def executed(self):
        return sorted((read(self.log) or "").split())

    def assert_reused(self, decisions, statuses, steps, names, earlier=None):
        for n in names:
            self.assertEqual(statuses[n], "Reused", "step %s: %s" % (n, decisions.get(n)))
            if earlier is not None:
                self.assertEqual(steps[n]["reused_run_id"], earlier[n]["run_id"], n)
            if n in decisions and not decisions[n].startswith("waits for"):
                self.assertRegex(decisions[n], r"^eligible to reuse run \S+", n)

    def assert_ran(self, decisions, statuses, steps, names):
        for n in names:
            self.assertEqual(statuses[n], "Finished", "step %s: %s" % (n, decisions.get(n)))
            self.assertIsNone(steps[n]["reused_run_id"], n)
            self.assertNotIn("eligible to reuse", decisions[n], n)

    def runs_count(self):
        p = self.runnel("runs", "list", "--limit", "1000", "--output", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        return len(j if isinstance(j, list) else j.get("runs", []))

    # -- scenarios -------------------------------------------------------------------------
    def test_same_pipeline_twice_reuses_everything(self):
        path = self.chain()
        p1, d1, s1, first = self.submit(path)
        self.assertEqual(self.executed(), ["a", "b", "c", "d"])
        self.assertIn("4 ran", p1.stdout)
        p2, d2, s2, second = self.submit(path)
        self.assertEqual(self.executed(), [], "the second run executed steps")
        self.assert_reused(d2, s2, second, "abcd", earlier=first)
        for n in "ad":  # roots: the decision names the earlier step run
            self.assertEqual(d2[n], "eligible to reuse run " + first[n]["run_id"])
        self.assertRegex(p2.stdout, r"\b0 ran, 4 reused\b")
        for n in "abcd":
            self.assertEqual(second[n]["outputs"], first[n]["outputs"], n)
            self.assertEqual(second[n]["fingerprint"], first[n]["fingerprint"], n)
            self.assertTrue(os.path.isfile(os.path.join(second[n]["outputs"]["o"], n + ".txt")))
        self.assertEqual(self.show()["status"], "Finished")
    def test_reused_step_has_no_error(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        self.assertIsNone(first["a"]["error"])
        _, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "abcd", earlier=first)
        # Reused counts as finished (docs/design.md §5): `error` is null as for a Finished step,
        # not "reused run <id>".
        for n in "abcd":
            self.assertIsNone(steps[n]["error"], n)

    def test_code_edit_reruns_step_and_downstream_only(self):
        path = self.chain()
        self.submit(path)
        self.step_code("b", tag="v2")  # b's output changes with its code
        p, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "ad")
        self.assert_ran(d, s, steps, "bc")
        self.assertEqual(self.executed(), ["b", "c"])
        self.assertIn("code changed: b.py (modified)", d["b"])
        self.assertTrue(d["c"].startswith("waits for b"), d["c"])
        self.assertIn("v2", read(os.path.join(steps["c"]["outputs"]["o"], "c.txt")))

    def test_code_comment_edit_with_identical_output_reuses_consumer(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        self.step_code("b", comment="a new comment, same output")
        p, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "b")
        self.assertIn("code changed: b.py (modified)", d["b"])
        self.assert_reused(d, s, steps, "acd", earlier=first)
        self.assertEqual(self.executed(), ["b"])
        self.assertRegex(p.stdout, r"\b1 ran, 3 reused\b")

    def _ignored_file_reruns_nothing(self, ignore_file):
        path = self.chain()
        self.write("b_src/" + ignore_file, "notes.txt\nscratch/\n")
        self.write("b_src/notes.txt", "one\n")
        self.write("b_src/scratch/tmp.txt", "one\n")
        _, _, _, first = self.submit(path)
        self.write("b_src/notes.txt", "two, longer\n")
        self.write("b_src/scratch/tmp.txt", "two\n")
        self.write("b_src/scratch/new.txt", "new\n")
        p, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "abcd", earlier=first)
        self.assertEqual(self.executed(), [])
        # A file that is not ignored still counts.
        self.write("b_src/kept.txt", "x\n")
        p, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "b")
        self.assertIn("kept.txt (added)", d["b"])

    def test_gitignored_file_edit_reruns_nothing(self):
        self._ignored_file_reruns_nothing(".gitignore")

    def test_amlignored_file_edit_reruns_nothing(self):
        self._ignored_file_reruns_nothing(".amlignore")

    def test_amlignore_wins_over_gitignore(self):
        # With both, .amlignore is the one honoured: a file only .gitignore lists counts.
        path = self.chain()
        self.write("b_src/.amlignore", "aml-only.txt\n")
        self.write("b_src/.gitignore", "git-only.txt\n")
        self.write("b_src/aml-only.txt", "1\n")
        self.write("b_src/git-only.txt", "1\n")
        self.submit(path)
        self.write("b_src/aml-only.txt", "2\n")
        _, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "abcd")
        self.write("b_src/git-only.txt", "2\n")
        _, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "b")
        self.assertIn("git-only.txt (modified)", d["b"])

    def test_runnelignore_wins_over_amlignore(self):
        path = self.chain()
        self.write("b_src/.runnelignore", "rn-only.txt\n")
        self.write("b_src/.amlignore", "aml-only.txt\n")
        self.write("b_src/rn-only.txt", "1\n")
        self.write("b_src/aml-only.txt", "1\n")
        self.submit(path)
        self.write("b_src/rn-only.txt", "2\n")
        _, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "abcd")
        self.write("b_src/aml-only.txt", "2\n")
        _, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "b")
        self.assertIn("aml-only.txt (modified)", d["b"])

    def test_input_content_change_reruns_consumers(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        self.write("data/raw.txt", "raw-2\n")  # same path, new content
        p, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "abc")
        self.assert_reused(d, s, steps, "d", earlier=first)
        self.assertEqual(self.executed(), ["a", "b", "c"])
        self.assertIn("input 'raw' content changed", d["a"])
        self.assertIn("raw.txt", d["a"])

    def test_input_folder_content_change_reruns_consumer(self):
        self.write("dd/sub/one.txt", "1\n")
        path = self.write("f.yml", """
            type: pipeline
            jobs:
              f:
                type: command
                command: echo f >> %s; ls -R ${{inputs.d}} > ${{outputs.o}}/ls.txt
                inputs:
                  d: {type: uri_folder, path: ./dd}
                outputs:
                  o: {type: uri_folder}
            """ % self.log)
        self.submit(path)
        self.write("dd/sub/two.txt", "2\n")
        _, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "f")
        self.assertRegex(d["f"], r"input 'd' content changed .*sub/two\.txt \(added\)")
        self.write("dd/sub/one.txt", "changed\n")
        _, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "f")
        self.assertRegex(d["f"], r"input 'd' content changed .*sub/one\.txt \(modified\)")
        # The same content under another path is the same input: reused.
        shutil.copytree(os.path.join(self.dir, "dd"), os.path.join(self.dir, "dd2"))
        with open(path) as f:
            text = f.read().replace("./dd}", "./dd2}")
        with open(path, "w") as f:
            f.write(text)
        _, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "f")
        self.assertEqual(self.executed(), [])

    def test_touching_input_and_code_reruns_nothing(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        for rel in ("data/raw.txt", "data/other.txt", "b_src/b.py"):
            st = os.stat(os.path.join(self.dir, rel))
            os.utime(os.path.join(self.dir, rel),
                     ns=(st.st_atime_ns + 10**10, st.st_mtime_ns + 10**10))
        p, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "abcd", earlier=first)
        self.assertEqual(self.executed(), [])

    def test_argument_change_reruns_step(self):
        self.create_env("v1")
        self.submit(self.args_pipeline(n=3))
        p, d, s, steps = self.submit(self.args_pipeline(n=4))
        self.assert_ran(d, s, steps, "s")
        self.assert_reused(d, s, steps, "t")
        self.assertEqual(self.executed(), ["s"])
        self.assertRegex(d["s"], r"input 'n' changed: 3 -> 4")
        self.assertEqual(read(os.path.join(steps["s"]["outputs"]["o"], "v.txt")).split()[0], "4")

    def test_step_environment_variable_change_reruns_step(self):
        self.create_env("v1")
        self.submit(self.args_pipeline(foo="bar"))
        p, d, s, steps = self.submit(self.args_pipeline(foo="baz"))
        self.assert_ran(d, s, steps, "s")
        self.assert_reused(d, s, steps, "t")
        self.assertIn("environment variable FOO changed: bar -> baz", d["s"])
        self.assertEqual(read(os.path.join(steps["s"]["outputs"]["o"], "v.txt")).split(),
                         ["3", "baz", "v1"])

    def test_registered_environment_variable_change_reruns_users(self):
        self.create_env("v1")
        path = self.args_pipeline()
        self.submit(path)
        self.create_env("v2")  # a new version of myenv; @latest moves to it
        p, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "s")
        self.assert_reused(d, s, steps, "t")
        self.assertIn("environment variable K changed: v1 -> v2", d["s"])
        self.assertEqual(read(os.path.join(steps["s"]["outputs"]["o"], "v.txt")).split()[-1], "v2")
    def test_pinned_environment_version_ignores_new_versions(self):
        self.create_env("v1")
        with open(self.args_pipeline()) as f:
            text = f.read().replace("azureml:myenv@latest", "azureml:myenv:1")
        path = self.write("pinned.yml", text)
        self.submit(path)
        self.create_env("v2")  # version 2; the step is pinned to version 1
        _, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "st")
        self.assertEqual(read(os.path.join(steps["s"]["outputs"]["o"], "v.txt")).split()[-1], "v1")

    def test_deleted_output_reruns_producer(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        shutil.rmtree(first["a"]["outputs"]["o"])
        p, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "a")
        self.assertRegex(d["a"], r"output 'o' of run %s was deleted" % first["a"]["run_id"])
        # a writes the same bytes again, so its consumers are reused.
        self.assert_reused(d, s, steps, "bcd", earlier=first)
        self.assertEqual(self.executed(), ["a"])
        self.assertTrue(os.path.isfile(os.path.join(steps["a"]["outputs"]["o"], "a.txt")))

    def test_altered_output_reruns_producer(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        with open(os.path.join(first["a"]["outputs"]["o"], "a.txt"), "a") as f:
            f.write("!")
        p, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, "a")
        self.assertRegex(d["a"], r"output 'o' of run %s was altered" % first["a"]["run_id"])
        self.assert_reused(d, s, steps, "bcd", earlier=first)
        self.assertEqual(self.executed(), ["a"])
        self.assertNotEqual(steps["a"]["outputs"]["o"], first["a"]["outputs"]["o"])

    def test_regenerate_outputs_reruns_all_then_reusable(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        p, d, s, regen = self.submit(path, "--regenerate-outputs")
        self.assert_ran(d, s, regen, "abcd")
        self.assertEqual(self.executed(), ["a", "b", "c", "d"])
        for n in "ad":
            self.assertIn("--regenerate-outputs", d[n])
        p, d, s, steps = self.submit(path)
        self.assert_reused(d, s, steps, "abcd")
        self.assertEqual(self.executed(), [])
        for n in "abcd":
            self.assertIn(steps[n]["reused_run_id"], (first[n]["run_id"], regen[n]["run_id"]))

    def test_rerun_step_reruns_it_and_downstream(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        p, d, s, steps = self.submit(path, "--rerun", "b")
        self.assert_ran(d, s, steps, "bc")
        self.assert_reused(d, s, steps, "ad", earlier=first)
        self.assertEqual(self.executed(), ["b", "c"])
        self.assertIn("--rerun b", d["b"])
    def test_forced_downstream_step_is_announced_as_will_run(self):
        # c must run (downstream of --rerun b / --regenerate-outputs), yet the submit line
        # says "waits for b (reused if its inputs come out unchanged)".
        path = self.chain()
        self.submit(path)
        _, d, s, steps = self.submit(path, "--rerun", "b")
        self.assert_ran(d, s, steps, "bc")
        self.assertIn("will run (downstream of --rerun b)", d["c"])
        _, d, s, steps = self.submit(path, "--regenerate-outputs")
        self.assert_ran(d, s, steps, "abcd")
        for n in "bc":
            self.assertIn("will run (--regenerate-outputs)", d[n])

    def test_reuse_off_always_reruns(self):
        self.write("data/raw.txt", "raw\n")
        for n in "xy":
            self.step_code(n)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              x:
                type: command
                code: ./x_src
                command: python x.py ${{outputs.o}} %s
                allow_reuse: false
                outputs:
                  o: {type: uri_folder}
              y:
                type: command
                code: ./y_src
                command: python y.py ${{outputs.o}} %s
                is_deterministic: false
                outputs:
                  o: {type: uri_folder}
              z:
                type: command
                command: echo z >> %s; echo z > ${{outputs.o}}/z.txt
                outputs:
                  o: {type: uri_folder}
            """ % (self.log, self.log, self.log))
        self.submit(path)
        for _ in range(2):
            p, d, s, steps = self.submit(path)
            self.assert_ran(d, s, steps, "xy")
            self.assert_reused(d, s, steps, "z")
            self.assertEqual(self.executed(), ["x", "y"])
            for n in "xy":
                self.assertIn("reuse is off for this step", d[n])

    def test_a_deterministic_step_never_takes_a_nondeterministic_steps_run(self):
        # Two jobs with the same command and inputs, one `is_deterministic: false`: the
        # deterministic one must not be given the other's (random) result, in the same run
        # or later; it runs once and is reused from its own run afterwards.
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              nondet:
                type: command
                command: echo $$RANDOM$$ >> %s; echo $$RANDOM > ${{outputs.o}}/r.txt
                is_deterministic: false
                outputs:
                  o: {type: uri_folder}
              det:
                type: command
                command: echo $$RANDOM$$ >> %s; echo $$RANDOM > ${{outputs.o}}/r.txt
                outputs:
                  o: {type: uri_folder}
            """.replace("$$RANDOM$$", "ran") % (self.log, self.log))
        p, d, s, first = self.submit(path)
        self.assert_ran(d, s, first, ["nondet", "det"])
        self.assertEqual(self.executed(), ["ran", "ran"])
        p, d, s, steps = self.submit(path)
        self.assert_ran(d, s, steps, ["nondet"])
        self.assert_reused(d, s, steps, ["det"], earlier=first)
        self.assertEqual(self.executed(), ["ran"])

    def test_snapshot_over_file_limit_is_an_error(self):
        path = self.chain()
        for i in range(30):
            self.write("b_src/junk/f%02d.txt" % i, "x" * (10 + i))
        self.write("b_src/big.bin", "y" * 200000)
        p = self.runnel("run", path, "--snapshot-max-files", "10")
        err = self.assert_one_error(p, r"b_src")
        self.assertIn("big.bin", p.stderr, "largest files not listed")
        self.assertRegex(p.stderr, r"\.runnelignore|\.amlignore|\.gitignore")
        self.assertRegex(p.stderr, r"(?m)^\s*junk/?\s*$|\bjunk/", "no suggested ignore line")
        self.assertEqual(self.runs_count(), 0, "a run was recorded: " + err)
        self.assertEqual(self.executed(), [])
        # The same limit from the workspace config, lifted by the environment variable.
        cfg_path = os.path.join(self.ws, ".runnel", "config.json")
        with open(cfg_path) as f:
            cfg = json.load(f)
        cfg.setdefault("snapshot", {})["max_files"] = 10
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        self.assert_one_error(self.runnel("run", path), r"b_src")
        p = self.runnel("run", path, env=clean_env(RUNNEL_SNAPSHOT_NO_FILE_LIMIT="1"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_plan_prints_decisions_and_runs_nothing(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        os.remove(self.log)
        self.step_code("b", tag="v2")
        before = self.runs_count()
        p = self.runnel("plan", path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        d = self.decisions(p.stdout)
        self.assertEqual(d["a"], "eligible to reuse run " + first["a"]["run_id"])
        self.assertEqual(d["d"], "eligible to reuse run " + first["d"]["run_id"])
        self.assertIn("will run (code changed: b.py (modified))", d["b"])
        self.assertTrue(d["c"].startswith("waits for b"), d["c"])
        self.assertEqual(self.runs_count(), before, "plan recorded a run")
        self.assertEqual(self.executed(), [], "plan executed steps")
        # The plan holds: the run that follows does what it said.
        _, d2, s, steps = self.submit(path)
        self.assert_reused(d2, s, steps, "ad", earlier=first)
        self.assert_ran(d2, s, steps, "bc")

    def test_two_concurrent_runs_execute_a_step_once(self):
        counter = os.path.join(self.dir, "counter.txt")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              slow:
                type: command
                command: sleep 2; echo ran >> %s; echo done > ${{outputs.o}}/f.txt
                outputs:
                  o: {type: uri_folder}
            """ % counter)
        cmd = [RUNNEL, "--workspace", self.ws, "run", path]
        procs = [subprocess.Popen(cmd, cwd=self.dir, env=clean_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, out + err)
        self.assertEqual(read(counter).splitlines(), ["ran"], "the step ran more than once")
        ids = [re.search(r"Submitted PipelineRun (\S+)", out).group(1) for out, _ in outs]
        runs = [self.show(i) for i in ids]
        self.assertEqual([r["status"] for r in runs], ["Finished", "Finished"])
        statuses = sorted(r["steps"][0]["status"] for r in runs)
        self.assertEqual(statuses, ["Finished", "Reused"])
        by_status = {r["steps"][0]["status"]: out for r, (out, _) in zip(runs, outs)}
        self.assertIn("step slow: will run (no earlier run of this step)", by_status["Finished"])
        self.assertIn("slow: Finished", by_status["Finished"])
        ran = next(r for r in runs if r["steps"][0]["status"] == "Finished")["steps"][0]
        reused = next(r for r in runs if r["steps"][0]["status"] == "Reused")["steps"][0]
        self.assertEqual(reused["reused_run_id"], ran["run_id"])
        self.assertEqual(reused["outputs"], ran["outputs"])
        self.assertIn("slow: Reused (reused %s)" % ran["run_id"], by_status["Reused"])
        self.assertRegex(by_status["Reused"], r"\b0 ran, 1 reused\b")

    # -- runnel why ------------------------------------------------------------------------
    def why(self, step, *args):
        h = self.runnel("--help")
        if not re.search(r"(?m)^\s+why\s", h.stdout):
            self.skipTest("`runnel why RUN STEP` does not exist yet (not in `runnel --help`)")
        p = self.runnel("why", "latest", step, *args)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def test_why_names_code_change(self):
        path = self.chain()
        _, _, _, first = self.submit(path)
        self.step_code("b", tag="v2")
        self.submit(path)
        out = self.why("b")
        self.assertIn("code changed: b.py (modified)", out)
        self.assertIn(first["b"]["run_id"], out, "the run compared with is not named")
        j = json.loads(self.why("b", "--output", "json"))
        self.assertEqual(j["status"], "Finished")
        self.assertTrue(any("code changed: b.py (modified)" in c for c in j["changes"]), j)
        self.assertEqual(j["compared_with"]["run_id"], first["b"]["run_id"])
        # c ran because b's output changed; d was reused.
        self.assertRegex(self.why("c"), r"input 'i' content changed")
        out = self.why("d")
        self.assertIn("Reused", out)
        self.assertIn(first["d"]["run_id"], out)
        # A reused step run stores no copy of its fingerprint components: they are the
        # reused run's, and why still explains it from them.
        j = json.loads(self.why("d", "--output", "json"))
        self.assertEqual(j["status"], "Reused")
        self.assertEqual(j["decision"], "reused run %s" % first["d"]["run_id"])
        self.assertEqual(j["reused_run_id"], first["d"]["run_id"])
        self.assertEqual(j["changes"], [], j)
        self.assertTrue(j["unchanged"], j)
        row = sqlite3.connect(os.path.join(self.ws, ".runnel", "metadata.db")).execute(
            "SELECT fingerprint, fingerprint_json FROM step_runs WHERE id = ?",
            (j["run_id"],)).fetchone()
        self.assertEqual(row[0], j["fingerprint"])
        self.assertEqual(row[1], "")

    def test_why_names_input_change(self):
        path = self.chain()
        self.submit(path)
        self.write("data/raw.txt", "raw-2\n")
        self.submit(path)
        out = self.why("a")
        self.assertIn("input 'raw' content changed", out)
        self.assertIn("raw.txt (modified)", out)
        j = json.loads(self.why("a", "--output", "json"))
        self.assertTrue(any("input 'raw' content changed" in c for c in j["changes"]), j)

if __name__ == "__main__":
    unittest.main()
