"""A `runnel serve` SIGKILLed while a step's Slurm job runs, then restarted: the resumed
run re-attaches to the same Slurm job (by the job id stored with the step run) instead of
submitting it again, the job's outputs are committed, and the step that had finished before
the kill is reused. Checked against the real single-node cluster
(scripts/services/slurm-up.sh): exactly one Slurm job ran the step.

Needs a cluster that answers `scontrol ping` (RUNNEL_TEST_SLURM=1 makes a missing one a
failure; see test_slurm.py)."""

import json
import os
import time
import unittest

import test_server as base
from test_slurm import SlurmTest, slurm_job, slurm_jobs_under
from e2e_util import wait_for

PIPELINE = """
type: pipeline
experiment_name: reattach
jobs:
  first:
    type: command
    command: echo first > ${{outputs.o}}/v.txt
    outputs:
      o: {type: uri_folder}
  slow:
    type: command
    compute: sl
    command: cat ${{inputs.i}}/v.txt; sleep 12; echo slow-done > ${{outputs.o}}/w.txt
    inputs:
      i: ${{parent.jobs.first.outputs.o}}
    outputs:
      o: {type: uri_folder}
"""


class ServerSlurmReattachTest(SlurmTest, base.ServerTest):

    def test_restarted_server_reattaches_to_the_running_slurm_job(self):
        self.start_server()
        s, j = self.submit("p.yml", PIPELINE)
        self.assertEqual(s, 201, j)
        run_id = j["run_id"]
        seen = {}

        def slow_running():
            steps = {x["name"]: x for x in self.get_json("/api/v1/runs/" + run_id)[1]["steps"]}
            seen.update(steps)
            return steps["slow"]["status"] == "Running" and steps["slow"].get("job_id")
        self.assertTrue(wait_for(slow_running, timeout=90, interval=0.2), json.dumps(seen)[:3000])
        job_id = str(seen["slow"]["job_id"])
        self.server.kill()
        self.server.wait()
        time.sleep(1)
        self.assertIn(slurm_job(job_id).get("JobState"), ("RUNNING", "PENDING", "CONFIGURING"),
                      "the Slurm job did not outlive the server")
        self.start_server()
        s, old = self.get_json("/api/v1/runs/" + run_id)
        self.assertTrue(old.get("resumed_as"), old)
        new = self.wait_run(old["resumed_as"], timeout=120)
        self.assertEqual(new["status"], "Finished", json.dumps(new)[:3000])
        steps = {x["name"]: x for x in new["steps"]}
        self.assertEqual(steps["first"]["status"], "Reused")
        self.assertEqual(steps["slow"]["status"], "Finished")
        self.assertEqual(str(steps["slow"]["job_id"]), job_id, "a new Slurm job ran the step")
        self.assertEqual(slurm_job(job_id).get("JobState"), "COMPLETED")
        # One Slurm job for the step in all: nothing was submitted twice.
        slow_jobs = [jid for jid, (name, _) in slurm_jobs_under(self.ws).items() if name.endswith(".slow")]
        self.assertEqual(slow_jobs, [job_id], slurm_jobs_under(self.ws))
        # Its outputs were committed and its log is served.
        out = steps["slow"]["outputs"][0]
        s, b = self.get("/api/v1/runs/%s/steps/slow/outputs/o/file?path=w.txt" % new["run_id"])
        self.assertEqual((s, b), (200, b"slow-done\n"), out)
        s, b = self.get("/api/v1/runs/%s/steps/slow/logs/stdout" % new["run_id"])
        self.assertEqual((s, b), (200, b"first\n"))


# Only the test above: ServerTest's own tests run in test_server.py.
for _name in dir(base.ServerTest):
    if _name.startswith("test_"):
        setattr(ServerSlurmReattachTest, _name, None)


if __name__ == "__main__":
    unittest.main()
