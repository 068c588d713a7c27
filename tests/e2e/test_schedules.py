"""Schedules run by `runnel serve`, end to end: a 1-minute recurrence created from v2
schedule YAML fires on a live server with its tags; `runnel schedule list/show/disable/
enable/delete`; a data-change schedule fires once per new or changed file and not for
unchanged or merely touched ones; a firing missed while the server was down starts one
catch-up run after restart; the Python SDK's Schedule against the server.

Time is not scaled: recurrences start a few seconds ahead (start_time). Only the data-change
poll uses RUNNEL_SCHEDULE_POLL_SECONDS=1 (a test-only override of polling_interval minutes).
"""

import datetime
import json
import os
import subprocess
import time
import unittest

from e2e_util import PYTHON, SOURCE_DIR, ServerTestBase, clean_env, wait_for

PIPELINE = """
type: pipeline
experiment_name: scheduled
jobs:
  a:
    type: command
    command: echo scheduled-run; date +%s%N > ${{outputs.o}}/t.txt
    is_deterministic: false
    outputs:
      o: {type: uri_folder}
"""


def utc_in(seconds):
    t = datetime.datetime.utcnow().replace(microsecond=0) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S")


class ScheduleTest(ServerTestBase):

    def setUp(self):
        super().setUp()
        self.write("ws/pipeline.yml", PIPELINE)

    def start(self, **env):
        # start_server() uses clean_env(); the poll override reaches the server through it.
        os.environ.update(env)
        try:
            return self.start_server()
        finally:
            for k in env:
                os.environ.pop(k, None)

    def schedule(self, key):
        s, j = self.get_json("/api/v1/schedules/" + key)
        self.assertEqual(s, 200, j)
        return j

    def fired(self, key):
        return [r for r in self.schedule(key)["runs"] if r.get("run_id")]

    def test_minute_recurrence_from_yaml_fires_with_tags(self):
        self.start()
        start = utc_in(4)
        self.write("ws/schedule.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
            name: every-minute
            display_name: Every minute
            description: fires a minute apart
            trigger:
              type: recurrence
              frequency: minute
              interval: 5
              start_time: "%s"
              time_zone: UTC
            create_job: ./pipeline.yml
            """ % start)
        p = self.runnel("schedule", "create", "-f", os.path.join(self.ws, "schedule.yml"),
                        "--set", "trigger.interval=1", "--json")
        self.assertEqual(p.returncode, 0, p.stderr + self.server_log())
        created = json.loads(p.stdout)
        self.assertEqual(created["trigger"]["interval"], 1)  # --set applied
        self.assertEqual(created["next_run_time"][:19], start)
        self.assertTrue(wait_for(lambda: self.fired("every-minute"), timeout=30), self.server_log())
        s = self.schedule("every-minute")
        first = s["runs"][0]
        self.assertEqual(first["reason"], "scheduled")
        run = self.wait_run(first["run_id"])
        self.assertEqual(run["status"], "Finished", run)
        self.assertEqual(run["tags"]["azureml.schedule"], s["id"])
        self.assertEqual(run["tags"]["azureml.schedule.name"], "every-minute")
        nxt = datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M:%S") + datetime.timedelta(minutes=1)
        self.assertEqual(s["next_run_time"][:19], nxt.strftime("%Y-%m-%dT%H:%M:%S"))
        # The CLI's other verbs.
        p = self.runnel("schedule", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("every-minute", p.stdout)
        self.assertIn("every 1 Minute", p.stdout)
        p = self.runnel("schedule", "show", "every-minute")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(first["run_id"], p.stdout)
        p = self.runnel("schedule", "disable", "every-minute")
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "schedule every-minute is Disabled"))
        self.assertIsNone(self.schedule("every-minute")["next_run_time"])
        p = self.runnel("schedule", "enable", s["id"][:8])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.schedule("every-minute")["status"], "Active")
        p = self.runnel("schedule", "delete", "every-minute")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.get_json("/api/v1/schedules/every-minute")[0], 404)
        # The run stays after its schedule is gone.
        self.assertEqual(self.get_json("/api/v1/runs/" + first["run_id"])[0], 200)

    def test_bad_schedule_yaml_and_bodies(self):
        self.start()
        path = self.write("ws/bad.yml", """
            name: bad
            trigger:
              type: recurrence
              frequency: fortnight
              interval: 1
            create_job: ./pipeline.yml
            """)
        p = self.runnel("schedule", "create", "-f", path)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertRegex(p.stderr, r"bad\.yml:4:\d+: trigger\.frequency: 'fortnight' is not a frequency")
        path = self.write("ws/bad2.yml", """
            name: bad2
            trigger: {type: cron, expression: "61 * * * *", time_zone: "Mars Standard Time"}
            create_job: ./missing.yml
            """)
        p = self.runnel("schedule", "create", "-f", path)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("bad2.yml:2:", p.stderr)
        s, j = self.request("POST", "/api/v1/schedules", {
            "name": "x", "trigger": {"type": "recurrence", "frequency": "Day", "interval": 1,
                                     "time_zone": "Nowhere/Else"},
            "target": {"type": "pipeline_file", "path": "../outside.yml"}})[:2]
        self.assertEqual(s, 400, j)
        s, j = self.request("POST", "/api/v1/schedules", {
            "name": "x", "trigger": {"type": "recurrence", "frequency": "Day", "interval": 1},
            "target": {"type": "published_pipeline", "pipeline_id": "nope"}})[:2]
        self.assertEqual(s, 404, j)  # an unknown published pipeline, named
        self.assertIn(b"nope", j)

    def test_data_change_fires_once_per_new_or_changed_file(self):
        incoming = os.path.join(self.ws, ".runnel", "datastores", "workspaceblobstore", "incoming")
        os.makedirs(incoming)
        with open(os.path.join(incoming, "before.csv"), "w") as f:
            f.write("x\n")
        self.start(RUNNEL_SCHEDULE_POLL_SECONDS="1")
        s, j = self.request("POST", "/api/v1/schedules", {
            "name": "on-data", "experiment_name": "on-data",
            "trigger": {"type": "data_change", "datastore": "workspaceblobstore",
                        "path_on_datastore": "incoming", "polling_interval": 1,
                        "data_path_parameter_name": "input_data"},
            "target": {"type": "pipeline_file", "path": "pipeline.yml"}})[:2]
        self.assertEqual(s, 400, j)  # the pipeline has no parameter input_data: refused, named
        self.assertIn(b"trigger.data_path_parameter_name", j)
        self.assertIn(b"'input_data' is not a parameter of the target pipeline", j)
        s, j = self.request("POST", "/api/v1/schedules", {
            "name": "on-data", "experiment_name": "on-data",
            "trigger": {"type": "data_change", "datastore": "workspaceblobstore",
                        "path_on_datastore": "incoming", "polling_interval": 1},
            "target": {"type": "pipeline_file", "path": "pipeline.yml"}})[:2]
        self.assertEqual(s, 201, j)
        time.sleep(2.5)
        self.assertEqual(self.fired("on-data"), [])  # files present at creation do not fire

        def write(name, text):
            with open(os.path.join(incoming, name), "w") as f:
                f.write(text)
        write("a.csv", "1\n")
        self.assertTrue(wait_for(lambda: len(self.fired("on-data")) == 1, timeout=15), self.server_log())
        write("b.csv", "2\n")
        self.assertTrue(wait_for(lambda: len(self.fired("on-data")) == 2, timeout=15))
        os.utime(os.path.join(incoming, "a.csv"), (time.time() + 100, time.time() + 100))  # touch only
        time.sleep(3)
        runs = self.fired("on-data")
        self.assertEqual([r["data_path"] for r in runs], ["incoming/a.csv", "incoming/b.csv"])
        write("a.csv", "1\n2\n")  # changed content
        self.assertTrue(wait_for(lambda: len(self.fired("on-data")) == 3, timeout=15))
        time.sleep(2.5)
        runs = self.fired("on-data")
        self.assertEqual(len(runs), 3)
        self.assertEqual(runs[2]["data_path"], "incoming/a.csv")
        run = self.wait_run(runs[0]["run_id"])
        self.assertEqual(run["tags"]["azureml.schedule.reason"], "data_change")
        self.assertEqual(run["tags"]["azureml.schedule.data_path"], "incoming/a.csv")

    def test_restart_starts_one_catch_up_run(self):
        self.start()
        start = utc_in(3)
        s, j = self.request("POST", "/api/v1/schedules", {
            "name": "missed", "trigger": {"type": "recurrence", "frequency": "Minute", "interval": 1,
                                          "start_time": start, "time_zone": "UTC"},
            "target": {"type": "pipeline_file", "path": "pipeline.yml"}})[:2]
        self.assertEqual(s, 201, j)
        self.stop_server()  # down before the first firing
        time.sleep(4.5)
        self.start()
        self.assertTrue(wait_for(lambda: self.fired("missed"), timeout=20), self.server_log())
        time.sleep(2)
        runs = self.fired("missed")
        self.assertEqual(len(runs), 1, runs)
        self.assertEqual(runs[0]["reason"], "catch_up")
        self.assertEqual(runs[0]["missed"], 1)
        run = self.wait_run(runs[0]["run_id"])
        self.assertEqual(run["tags"]["azureml.schedule.reason"], "catch_up")

    def test_python_sdk_schedule(self):
        pkg = os.path.join(SOURCE_DIR, "python")
        if not any(n.startswith("_runnel") and n.endswith(".so") for n in os.listdir(os.path.join(pkg, "runnel"))):
            self.fail("runnel's native module is not built in %s/runnel (CMake target runnel_python)" % pkg)
        self.start()
        script = self.write("ws/sdk_schedule.py", """
            import sys, time
            from azureml.core import Workspace
            from azureml.pipeline.core import Schedule, ScheduleRecurrence, TimeZone
            ws = Workspace.from_config()
            rec = ScheduleRecurrence(frequency="Minute", interval=1, start_time=sys.argv[1],
                                     time_zone=TimeZone.UTC)
            s = Schedule.create(ws, name="sdk", experiment_name="sdk-exp", recurrence=rec,
                                pipeline_path="pipeline.yml", description="from the SDK")
            assert s.status == "Active", s.status
            assert [x.id for x in Schedule.list(ws)] == [s.id]
            assert Schedule.get(ws, s.id).description == "from the SDK"
            try:
                ScheduleRecurrence(frequency="Day", interval=1, week_days=["Monday"]).validate()
                raise SystemExit("week_days with Day was accepted")
            except ValueError as e:
                assert "week_days" in str(e)
            deadline = time.time() + 30
            while time.time() < deadline and s.get_last_pipeline_run() is None:
                time.sleep(0.3)
            run = s.get_last_pipeline_run()
            assert run is not None, "no run"
            run.wait_for_completion(show_output=False)
            assert run.get_status() == "Finished", run.get_status()
            assert len(s.get_pipeline_runs()) == 1
            s.disable()
            assert s.status == "Disabled"
            assert Schedule.list(ws) == []
            assert len(Schedule.list(ws, active=False)) == 1
            s.update(description="changed", recurrence=ScheduleRecurrence("Hour", 2))
            assert Schedule.get(ws, s.id).recurrence.frequency == "Hour"
            s.enable()
            print("OK", run.id)
            """)
        p = subprocess.run([PYTHON, script, utc_in(3)], cwd=self.ws, capture_output=True, text=True,
                           timeout=120, env=clean_env(PYTHONPATH=pkg, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr + self.server_log())
        self.assertIn("OK", p.stdout)

    def test_data_change_sets_the_datapath_parameter_of_a_published_pipeline(self):
        # As the "DataPath and PipelineParameter" notebook: a published pipeline whose step
        # reads a DataPath PipelineParameter, a datastore-trigger Schedule with
        # data_path_parameter_name; a file uploaded later starts a run whose step reads that
        # file (not the parameter's default).
        pkg = os.path.join(SOURCE_DIR, "python")
        self.start(RUNNEL_SCHEDULE_POLL_SECONDS="1")
        self.write("ws/src/read_path.py", """
            import argparse, os
            from azureml.core import Run
            p = argparse.ArgumentParser()
            p.add_argument("--input")
            a = p.parse_args()
            path = a.input
            if os.path.isdir(path):
                path = os.path.join(path, sorted(os.listdir(path))[0])
            text = open(path).read().strip()
            print("read", a.input, text)
            Run.get_context().log("seen", text)
            """)
        self.write("ws/seed/default.csv", "default-content\n")
        self.write("ws/arrived.csv", "arrived-content\n")
        script = self.write("ws/sdk_data_schedule.py", """
            import time
            from azureml.core import Workspace
            from azureml.data.datapath import DataPath, DataPathComputeBinding
            from azureml.pipeline.core import Pipeline, PipelineParameter, Schedule
            from azureml.pipeline.steps import PythonScriptStep
            ws = Workspace.from_config()
            ds = ws.get_default_datastore()
            ds.upload_files(["seed/default.csv"], target_path="defaults", overwrite=True,
                            show_progress=False)
            ds.upload_files(["seed/default.csv"], target_path="landing", overwrite=True,
                            show_progress=False)  # there before the schedule: does not fire
            param = PipelineParameter(name="input_datapath",
                                      default_value=DataPath(datastore=ds, path_on_datastore="defaults"))
            binding = (param, DataPathComputeBinding(mode="mount"))
            step = PythonScriptStep(name="read", script_name="read_path.py", source_directory="src",
                                    arguments=["--input", binding], inputs=[binding], allow_reuse=False)
            published = Pipeline(ws, steps=[step]).publish(name="on-arrival")
            s = Schedule.create(ws, name="arrival", pipeline_id=published.id,
                                experiment_name="arrivals", datastore=ds,
                                path_on_datastore="landing", polling_interval=1,
                                data_path_parameter_name="input_datapath")
            try:
                Schedule.create(ws, name="typo", pipeline_id=published.id, experiment_name="arrivals",
                                datastore=ds, path_on_datastore="landing", polling_interval=1,
                                data_path_parameter_name="input_path")
                raise SystemExit("a data_path_parameter_name naming no parameter was accepted")
            except Exception as e:
                assert "'input_path' is not a parameter" in str(e) and "input_datapath" in str(e), e
            time.sleep(2.5)
            assert s.get_last_pipeline_run() is None, "fired for a file present at creation"
            ds.upload_files(["arrived.csv"], target_path="landing", overwrite=True, show_progress=False)
            deadline = time.time() + 40
            while time.time() < deadline and s.get_last_pipeline_run() is None:
                time.sleep(0.3)
            run = s.get_last_pipeline_run()
            assert run is not None, "no run after the upload"
            run.wait_for_completion(show_output=False)
            assert run.get_status() == "Finished", run.get_status()
            seen = run.find_step_run("read")[0].get_metrics()["seen"]
            assert seen == "arrived-content", seen
            assert run.get_tags()["azureml.schedule.data_path"] == "landing/arrived.csv", run.get_tags()
            s.disable()
            print("OK", run.id)
            """)
        p = subprocess.run([PYTHON, script], cwd=self.ws, capture_output=True, text=True,
                           timeout=120, env=clean_env(PYTHONPATH=pkg, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr + self.server_log())
        self.assertIn("OK", p.stdout)


if __name__ == "__main__":
    unittest.main()
