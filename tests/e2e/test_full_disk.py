"""A full disk (issue 10, defect 1): a workspace on a small tmpfs, a step that fills it and
exits 0. The run must end Failed with a reason that says the disk is full, the metadata must
stay readable (`runs list`, `runs show`), nothing half-written may be visible, and once the
space is freed the next run must work.

Mounting a tmpfs needs root (or CAP_SYS_ADMIN); where it cannot be mounted the test is a
visible skip naming why."""

import json
import os
import subprocess
import unittest

from e2e_util import WorkspaceTest

# Both pipelines start with the same step, so that the run after the full disk reuses it.
SMALL = """
type: pipeline
experiment_name: fill
jobs:
  small:
    type: command
    command: echo small > ${{outputs.o}}/v.txt
    outputs:
      o: {type: uri_folder}
"""

FILL = SMALL + """
  fill:
    type: command
    command: dd if=/dev/zero of=${{outputs.o}}/big bs=64K 2>/dev/null; echo filled; exit 0
    inputs:
      i: ${{parent.jobs.small.outputs.o}}
    outputs:
      o: {type: uri_folder}
"""

AFTER = SMALL + """
  next:
    type: command
    command: cat ${{inputs.i}}/v.txt > ${{outputs.o}}/w.txt
    inputs:
      i: ${{parent.jobs.small.outputs.o}}
    outputs:
      o: {type: uri_folder}
"""


class FullDiskTest(WorkspaceTest):
    init_workspace = False

    def setUp(self):
        super().setUp()
        self.mnt = os.path.join(self.dir, "small-disk")
        os.makedirs(self.mnt)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", self.mnt],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs for the full-disk test (needs root): " +
                          (p.stderr.strip() or "mount exit %d" % p.returncode))
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt], capture_output=True)
        self.ws = os.path.join(self.mnt, "ws")
        p = self.runnel("init", self.ws, workspace=None)
        self.assertEqual(p.returncode, 0, p.stderr)

    def free_bytes(self):
        st = os.statvfs(self.mnt)
        return st.f_bavail * st.f_frsize

    def test_a_step_that_fills_the_disk_fails_the_run_and_nothing_is_lost(self):
        p = self.runnel("run", self.write("fill.yml", FILL), timeout=120)
        self.assertEqual(p.returncode, 1, "exit %d\nstdout:\n%s\nstderr:\n%s" % (p.returncode, p.stdout, p.stderr))
        self.assertNotIn("terminate called", p.stderr)
        self.assertNotIn("internal error", p.stdout + p.stderr)
        # The metadata stays readable while the disk is still (nearly) full.
        runs = self.runnel("runs", "list", "--output", "json")
        self.assertEqual(runs.returncode, 0, runs.stderr)
        listed = json.loads(runs.stdout)
        self.assertEqual(len(listed), 1, listed)
        shown = self.runnel("runs", "show", listed[0]["run_id"], "--output", "json")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        run = json.loads(shown.stdout)
        self.assertEqual(run["status"], "Failed", run)
        steps = {s["name"]: s for s in run["steps"]}
        self.assertEqual(steps["small"]["status"], "Finished", steps)
        self.assertEqual(steps["fill"]["status"], "Failed", steps)
        reason = (steps["fill"].get("error") or "") + " " + (run.get("error") or "")
        self.assertRegex(reason.lower(), r"(disk|space|full)", run)
        # The failed step's output was not committed, and its staging folder is gone: the
        # space it took is free again.
        datastore = os.path.join(self.ws, ".runnel", "datastores")
        for root, _, files in os.walk(datastore):
            self.assertNotIn("big", files, "a failed step's output is visible under " + root)
        self.assertGreater(self.free_bytes(), 8 << 20, "the failed step's data was not removed")
        # The next run works and reuses the step that finished.
        p = self.runnel("run", self.write("after.yml", AFTER), "--output", "json", timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        after = {s["name"]: s for s in json.loads(p.stdout)["steps"]}
        self.assertEqual(after["small"]["status"], "Reused", after)
        self.assertEqual(after["next"]["status"], "Finished", after)


if __name__ == "__main__":
    unittest.main()
