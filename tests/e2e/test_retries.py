"""max_retries: a failed attempt is run again, up to the limit, keeping each attempt's logs."""
import json
import os
import unittest

from e2e_util import WorkspaceTest

PIPELINE = """\
type: pipeline
jobs:
  flaky:
    type: command
    command: >-
      n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter};
      echo "attempt $n"; if [ $n -lt {succeed_at} ]; then echo "boom $n" >&2; exit 7; fi;
      echo ok > ${{{{outputs.out}}}}/ok.txt
    max_retries: {retries}
    outputs: {{out: {{type: uri_folder}}}}
"""


class RetryTest(WorkspaceTest):
    def pipeline(self, retries, succeed_at):
        counter = os.path.join(self.dir, "counter")
        return self.write("p.yml", PIPELINE.format(counter=counter, retries=retries, succeed_at=succeed_at))

    def show(self):
        p = self.runnel("runs", "show", "latest", "--output", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_succeeds_on_a_later_attempt_and_keeps_earlier_logs(self):
        p = self.runnel("run", self.pipeline(retries=2, succeed_at=3))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        step = self.show()["steps"][0]
        self.assertEqual(step["status"], "Finished")
        self.assertEqual(step["exit_code"], 0)
        logs = step["log_dir"]
        self.assertIn("boom 1", open(os.path.join(logs, "stderr.attempt1.txt")).read())
        self.assertIn("boom 2", open(os.path.join(logs, "stderr.attempt2.txt")).read())
        self.assertIn("attempt 3", open(os.path.join(logs, "stdout.txt")).read())
        self.assertTrue(os.path.exists(os.path.join(step["outputs"]["out"], "ok.txt")))

    def test_gives_up_after_max_retries(self):
        p = self.runnel("run", self.pipeline(retries=1, succeed_at=5))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        step = self.show()["steps"][0]
        self.assertEqual(step["status"], "Failed")
        self.assertEqual(step["exit_code"], 7)
        self.assertEqual(open(os.path.join(self.dir, "counter")).read().strip(), "2")


if __name__ == "__main__":
    unittest.main()
