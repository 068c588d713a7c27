"""The CLI's front doors for sizes, durations and names, its exit codes, and its
validation of flags: `4Gi` and `30:00` mean the same through the CLI and YAML (the C++
side is src/api/pipeline_builders_test.cc), bad values are one clear error, and each kind
of failure has its own exit code (README "Exit codes")."""

import json
import os
import sqlite3
import unittest

from e2e_util import PYTHON, WorkspaceTest


class UnitsTest(WorkspaceTest):
    def db(self):
        return sqlite3.connect(os.path.join(self.ws, ".runnel", "metadata.db"))

    def stored_compute(self, name):
        with self.db() as c:
            row = c.execute("SELECT config_json FROM computes WHERE name = ?", (name,)).fetchone()
        self.assertIsNotNone(row, "compute %s not stored" % name)
        return json.loads(row[0])

    def test_cli_and_yaml_agree_on_4Gi_and_30_00(self):
        p = self.runnel("compute", "create", "c1", "--type", "slurm", "--memory", "4Gi", "--time", "30:00")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.runnel("compute", "create", "c2", "--type", "slurm", "--memory", "4096M", "--time", "30m")
        self.assertEqual(p.returncode, 0, p.stderr)
        r1 = self.stored_compute("c1")["default_resources"]
        r2 = self.stored_compute("c2")["default_resources"]
        self.assertEqual((r1["memory_mb"], r1["time_limit_s"]), (4096, 1800))
        self.assertEqual(r1, r2)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                command: echo hi
                resources: {memory: 4Gi, time_limit: "30:00"}
            """)
        self.run_pipeline(path)
        with self.db() as c:
            spec = json.loads(c.execute("SELECT spec_json FROM pipeline_runs").fetchone()[0])
        res = spec["steps"][0]["resources"]
        self.assertEqual((res["memory_mb"], res["time_limit_s"]), (r1["memory_mb"], r1["time_limit_s"]))

    def test_bad_memory_and_time_are_clear_errors(self):
        err = self.assert_one_error(
            self.runnel("compute", "create", "c", "--type", "slurm", "--memory", "lots"), "--memory 'lots'")
        self.assertIn("4Gi", err)
        self.assertNotIn("internal", err)
        err = self.assert_one_error(
            self.runnel("compute", "create", "c", "--type", "slurm", "--time", "soon"), "--time 'soon'")
        self.assertIn("30:00", err)
        self.assert_one_error(
            self.runnel("compute", "create", "c", "--type", "slurm", "--memory", "4000"), "4000M")

    def test_bad_yaml_size_names_file_line_and_key(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                command: echo hi
                resources: {memory: lots}
            """)
        self.assert_bad_input(self.runnel("run", path), "p.yml", 5, "jobs.a.resources.memory",
                              what="not a size")

    def test_max_nodes_and_names(self):
        self.assert_one_error(self.runnel("compute", "create", "c", "--max-nodes", "-3"),
                              r"--max-nodes -3: must be at least 0")
        for bad in ("a/b", "two words", "..", "x/../y"):
            self.assert_one_error(self.runnel("compute", "create", bad), "compute name")
        self.assertEqual(self.runnel("compute", "create", "pool-1.a_b", "--max-nodes", "2").returncode, 0)

    def test_snapshot_max_bytes_and_jobs(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a: {command: echo hi}
            """)
        err = self.assert_one_error(self.runnel("run", path, "--snapshot-max-bytes", "-1"),
                                    "--snapshot-max-bytes '-1'")
        self.assertIn("500M", self.assert_one_error(self.runnel("run", path, "--snapshot-max-bytes", "0")))
        err = self.assert_one_error(self.runnel("run", path, "-j", "0"), "-j 0")
        self.assertNotIn("1797693", err)
        self.assertNotIn("0.000000", err)
        self.run_pipeline(path, "--snapshot-max-bytes", "10M", "-j", "2")

    def test_env_create_needs_a_real_python(self):
        err = self.assert_one_error(self.runnel("env", "create", "e", "--python", "/bin/true"), "/bin/true")
        self.assertIn("not a Python", err)
        self.assert_one_error(self.runnel("env", "create", "a/b", "--python", PYTHON), "environment name")
        self.assertEqual(self.runnel("env", "create", "e", "--python", PYTHON).returncode, 0)


class ExitCodesTest(WorkspaceTest):
    def test_exit_codes(self):
        ok = self.write("ok.yml", """
            type: pipeline
            jobs:
              a: {command: echo hi}
            """)
        bad = self.write("bad.yml", """
            type: pipeline
            jobs:
              a: {command: exit 3}
            """)
        self.assertEqual(self.runnel("run", ok).returncode, 0)
        self.assertEqual(self.runnel("run", bad).returncode, 1)           # a run failed
        self.assertEqual(self.runnel("run", "--no-such-flag").returncode, 2)  # usage
        self.assertEqual(self.runnel("runs", "show", "nope").returncode, 2)   # bad input
        # A service that does not answer: the metadata database is held by another writer
        # (runnel waits 10 s for it, then gives up with Error kUnavailable).
        db = sqlite3.connect(os.path.join(self.ws, ".runnel", "metadata.db"), isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            p = self.runnel("compute", "create", "c", "--max-nodes", "1", timeout=60)
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertTrue(p.stderr.startswith("error: "), p.stderr)
        self.assertIn("another runnel process holds the database", p.stderr)


if __name__ == "__main__":
    unittest.main()
