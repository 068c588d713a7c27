"""`runnel serve` end to end: tokens (none, wrong, read-only), the REST API, path
traversal on every endpoint that takes a path, `runnel run` through the server surviving
its client's SIGKILL, `runnel runs cancel`, the server SIGKILLed mid-run and restarted
(finished steps reused, killed ones rerun), and SIGTERM draining."""

import json
import os
import signal
import subprocess
import time
import unittest

from e2e_util import RUNNEL, ServerTestBase, clean_env, wait_for

HELLO = """
type: pipeline
experiment_name: hello
jobs:
  a:
    type: command
    command: echo hello-from-a; mkdir -p ${{outputs.o}}/sub; echo data > ${{outputs.o}}/sub/f.txt
    outputs:
      o: {type: uri_folder}
"""

SLOW = """
type: pipeline
experiment_name: slow
jobs:
  first:
    type: command
    command: echo first > ${{outputs.o}}/v.txt
    outputs:
      o: {type: uri_folder}
  second:
    type: command
    command: cat ${{inputs.i}}/v.txt; sleep %s; echo done > ${{outputs.o}}/w.txt
    inputs:
      i: ${{parent.jobs.first.outputs.o}}
    outputs:
      o: {type: uri_folder}
"""

FINAL = ("Finished", "Failed", "Canceled")


class ServerTest(ServerTestBase):

    # -- tests -----------------------------------------------------------------------------
    def test_tokens_and_scopes(self):
        self.start_server()
        mode = os.stat(os.path.join(self.ws, ".runnel", "server", "admin.token")).st_mode & 0o777
        self.assertEqual(mode, 0o600)
        self.assertEqual(self.get("/healthz", token=None)[0], 200)
        s, j = self.get_json("/api/v1/runs", token=None)
        self.assertEqual(s, 401)
        self.assertEqual(set(j), {"code", "message", "details"})
        self.assertEqual(self.get("/api/v1/runs", token="rnl_nope")[0], 401)
        p = self.runnel("token", "create", "viewer", "--scope", "read")
        self.assertEqual(p.returncode, 0, p.stderr)
        viewer = p.stdout.strip()
        self.assertEqual(self.get("/api/v1/runs", token=viewer)[0], 200)
        s, j = self.submit("p.yml", HELLO, token=viewer)
        self.assertEqual(s, 403, j)
        self.assertEqual(j["code"], "forbidden")
        p = self.runnel("token", "list")
        self.assertIn("viewer", p.stdout)
        self.assertNotIn(viewer, p.stdout)
        self.assertEqual(self.runnel("token", "revoke", "viewer").returncode, 0)
        self.assertEqual(self.get("/api/v1/runs", token=viewer)[0], 401)
        # No secret in the access log.
        log = self.server_log()
        self.assertNotIn(self.token, log)
        self.assertNotIn(viewer, log)
        self.assertIn('"status":401', log)

    def test_api_submit_detail_logs_outputs(self):
        self.start_server()
        s, j = self.submit("p.yml", HELLO, tags={"team": "x"})
        self.assertEqual(s, 201, j)
        run = self.wait_run(j["run_id"])
        self.assertEqual(run["status"], "Finished")
        step = run["steps"][0]
        self.assertEqual(step["exit_code"], 0)
        self.assertEqual(step["outputs"][0]["name"], "o")
        s, b = self.get("/api/v1/runs/%s/steps/a/logs/stdout" % run["run_id"])
        self.assertEqual((s, b), (200, b"hello-from-a\n"))
        s, b, h = self.request("GET", "/api/v1/runs/%s/steps/a/logs/stdout" % run["run_id"],
                               headers={"Range": "bytes=6-9"})
        self.assertEqual((s, b), (206, b"from"))
        self.assertEqual(h.get("Content-Length"), "4")
        # Past the end: 416 with the size; an end past the end is clamped.
        s, b, h = self.request("GET", "/api/v1/runs/%s/steps/a/logs/stdout" % run["run_id"],
                               headers={"Range": "bytes=13-20"})
        self.assertEqual((s, h.get("Content-Range")), (416, "bytes */13"))
        s, b, h = self.request("GET", "/api/v1/runs/%s/steps/a/logs/stdout" % run["run_id"],
                               headers={"Range": "bytes=6-99"})
        self.assertEqual((s, b, h.get("Content-Length")), (206, b"from-a\n", "7"))
        s, b, h = self.request("GET", "/api/v1/runs/%s/steps/a/outputs/o/file?path=sub/f.txt" % run["run_id"],
                               headers={"Range": "bytes=5-"})
        self.assertEqual((s, h.get("Content-Range")), (416, "bytes */5"))
        # Caching: API answers never stored; the studio's index.html neither.
        self.assertEqual(self.request("GET", "/api/v1/runs")[2].get("Cache-Control"), "no-store")
        self.assertEqual(self.request("GET", "/", token=None)[2].get("Cache-Control"), "no-store")
        s, j = self.get_json("/api/v1/runs/%s/steps/a/outputs/o/tree?path=sub" % run["run_id"])
        self.assertEqual((s, [e["name"] for e in j["entries"]]), (200, ["f.txt"]))
        s, b = self.get("/api/v1/runs/%s/steps/a/outputs/o/file?path=sub/f.txt" % run["run_id"])
        self.assertEqual((s, b), (200, b"data\n"))
        s, j = self.get_json("/api/v1/runs?tag=team%3Dx&limit=1")
        self.assertEqual((s, j["total"]), (200, 1))
        s, j = self.get_json("/api/v1/runs?limit=0")
        self.assertEqual((s, j["details"]["field"]), (400, "limit"))
        s, j = self.get_json("/api/v1/runs/%s/steps/a/why" % run["run_id"])
        self.assertEqual(s, 200)
        p = self.runnel("why", run["run_id"], "a", "--output", "json")
        self.assertEqual(j, json.loads(p.stdout))
        for path in ("/api/v1/experiments", "/api/v1/datasets", "/api/v1/environments", "/api/v1/computes",
                     "/api/v1/computes/local", "/api/v1/openapi.json", "/api/v1/info",
                     "/api/v1/runs/%s/metrics" % run["run_id"]):
            self.assertEqual(self.get(path)[0], 200, path)
        s, b = self.get("/metrics")
        self.assertIn(b'runnel_runs{status="Finished"} 1', b)

    def test_steps_run_at_the_step_nice_value(self):
        # The server lowers its steps' priority (default nice 10), so its API answers
        # promptly while steps use every core; --step-nice sets it; `runnel run` leaves it.
        nice = """
type: pipeline
experiment_name: nice
jobs:
  n:
    type: command
    command: echo nice=$(cut -d' ' -f19 /proc/self/stat) > ${{outputs.o}}/n.txt; cut -d' ' -f19 /proc/self/stat
    outputs:
      o: {type: uri_folder}
"""
        # Without CAP_SYS_NICE a value below the inherited one cannot be set (it stays).
        floor = 0 if os.geteuid() == 0 else os.nice(0)
        self.start_server()
        s, j = self.submit("nice.yml", nice)
        self.assertEqual(s, 201, j)
        run = self.wait_run(j["run_id"])
        self.assertEqual(run["status"], "Finished", run)
        s, b = self.get("/api/v1/runs/%s/steps/n/logs/stdout" % run["run_id"])
        self.assertEqual(b.decode().strip(), str(max(floor, 10)))
        self.stop_server()
        self.start_server("--step-nice", "3")
        s, j = self.submit("nice2.yml", nice.replace("nice=", "nice2="))
        run = self.wait_run(j["run_id"])
        s, b = self.get("/api/v1/runs/%s/steps/n/logs/stdout" % run["run_id"])
        self.assertEqual(b.decode().strip(), str(max(floor, 3)))

    def test_path_traversal_refused_everywhere(self):
        self.start_server()
        outside = os.path.join(self.dir, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "secret.txt"), "w") as f:
            f.write("TOPSECRET")
        self.write("outside/p.yml", HELLO)
        s, j = self.submit("p.yml", HELLO)
        run = self.wait_run(j["run_id"])["run_id"]
        out_dir = os.path.join(self.ws, json.loads(self.get("/api/v1/runs/" + run)[1])["steps"][0]["outputs"][0]["path"])
        os.symlink(outside, os.path.join(out_dir, "link"))
        os.symlink(outside, os.path.join(self.ws, "linkdir"))
        bad = ["../outside/p.yml", "/etc/passwd", os.path.join(outside, "p.yml"), "linkdir/p.yml",
               "sub/../../outside/p.yml"]
        for p in bad:
            s, j = self.submit(p)
            self.assertIn(s, (400, 404), (p, j))
            self.assertEqual(j["details"].get("field"), "path", (p, j))
        for base in ("..", "/tmp", "linkdir"):
            s, b, _ = self.request("POST", "/api/v1/runs", {"yaml": HELLO, "base_dir": base})
            self.assertEqual(s, 400, (base, b))
        code_out = HELLO.replace("type: command\n", "type: command\n    code: ../outside\n")
        s, b, _ = self.request("POST", "/api/v1/runs", {"yaml": code_out})
        self.assertEqual(s, 400, b)
        base = "/api/v1/runs/%s/steps/a/outputs/o/" % run
        for q in ("tree?path=..", "tree?path=../..", "tree?path=/etc", "tree?path=link",
                  "tree?path=%2e%2e%2f%2e%2e", "file?path=../../../../../etc/passwd",
                  "file?path=%2Fetc%2Fpasswd", "file?path=link/secret.txt",
                  "file?path=sub%2F..%2F..%2F..%2Fmetadata.db", "file?path=%2e%2e/%2e%2e/config.json"):
            s, b = self.get(base + q)
            self.assertIn(s, (400, 404), (q, b))
            self.assertNotIn(b"TOPSECRET", b)
        # Static files: the studio folder confines too.
        studio = os.path.join(self.dir, "studio")
        os.makedirs(studio)
        with open(os.path.join(studio, "index.html"), "w") as f:
            f.write("<html>studio</html>")
        self.stop_server()
        os.environ["RUNNEL_STUDIO_DIR"] = studio
        try:
            self.start_server()
        finally:
            del os.environ["RUNNEL_STUDIO_DIR"]
        self.assertEqual(self.get("/runs/abc", token=None), (200, b"<html>studio</html>"))
        for q in ("/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/..%2Foutside%2Fsecret.txt"):
            s, b = self.get(q, token=None)
            self.assertNotIn(b"TOPSECRET", b, q)

    def test_runnel_run_survives_killed_client_and_cancel(self):
        self.start_server()
        path = self.write("ws/slow.yml", SLOW % 3)
        client = subprocess.Popen([RUNNEL, "--workspace", self.ws, "run", path], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=clean_env())
        self.assertTrue(wait_for(lambda: self.get_json("/api/v1/runs")[1]["total"] == 1, timeout=30))
        # The run is recorded before the client reads the server's answer and says so.
        time.sleep(1)
        client.kill()
        out, err = client.communicate()
        self.assertIn("to the server", err)
        run_id = self.get_json("/api/v1/runs")[1]["runs"][0]["run_id"]
        run = self.wait_run(run_id)
        self.assertEqual(run["status"], "Finished", run)
        # Ctrl-C detaches and says how to follow and cancel; then cancel from the CLI.
        path = self.write("ws/slow2.yml", SLOW.replace("experiment_name: slow", "experiment_name: slow2") % 60)
        client = subprocess.Popen([RUNNEL, "--workspace", self.ws, "run", path, "--regenerate-outputs"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
        self.assertTrue(wait_for(lambda: self.get_json("/api/v1/runs?experiment=slow2")[1]["total"] == 1, timeout=30))
        time.sleep(0.5)
        client.send_signal(signal.SIGINT)
        out, err = client.communicate(timeout=30)
        self.assertEqual(client.returncode, 0, err)
        self.assertIn("runnel runs cancel", err)
        run_id = self.get_json("/api/v1/runs?experiment=slow2")[1]["runs"][0]["run_id"]
        self.assertEqual(self.get_json("/api/v1/runs/" + run_id)[1]["status"], "Running")
        p = self.runnel("runs", "cancel", run_id)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.wait_run(run_id)["status"], "Canceled")

    def test_sigkill_restart_resumes(self):
        self.start_server()
        s, j = self.submit("slow.yml", SLOW % 30)
        run_id = j["run_id"]

        def second_running():
            steps = {x["name"]: x for x in self.get_json("/api/v1/runs/" + run_id)[1]["steps"]}
            return steps["first"]["status"] == "Finished" and steps["second"]["status"] == "Running"
        self.assertTrue(wait_for(second_running, timeout=60, interval=0.2))
        self.server.kill()
        self.server.wait()
        self.write("ws/slow.yml", SLOW % 1)  # the resumed run reads the file as submitted? no: its spec
        self.start_server()
        s, old = self.get_json("/api/v1/runs/" + run_id)
        self.assertTrue(old["resumed_as"], old)
        new = self.wait_run(old["resumed_as"], timeout=90)
        self.assertEqual(new["status"], "Finished", new)
        steps = {x["name"]: x for x in new["steps"]}
        self.assertEqual(steps["first"]["status"], "Reused")
        self.assertEqual(steps["second"]["status"], "Finished")
        self.assertEqual(new["tags"].get("resumed_from"), run_id)

    def test_sigterm_drains(self):
        self.start_server("--grace", "1")
        s, j = self.submit("slow.yml", SLOW % 60)
        run_id = j["run_id"]
        self.assertTrue(wait_for(lambda: any(x["status"] == "Running" for x in
                                             self.get_json("/api/v1/runs/" + run_id)[1]["steps"]), timeout=30))
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait(timeout=60), 0, self.server_log())
        p = self.runnel("runs", "show", run_id, "--output", "json")
        self.assertEqual(json.loads(p.stdout)["status"], "Canceled")
        cfg = json.load(open(os.path.join(self.ws, ".runnel", "config.json")))
        self.assertNotIn("server", cfg)


if __name__ == "__main__":
    unittest.main()
