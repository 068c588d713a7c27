"""`runnel serve --db postgresql://...`: every `runnel serve` e2e test of test_server.py
again with the workspace's metadata in PostgreSQL (the CLI in the workspace reaches the
same store through the config's "db"), plus: two servers of two workspaces sharing one
database see each other's runs, and the password in the URL is never printed.

Needs RUNNEL_TEST_PG_URL (scripts/services/postgres-up.sh prints one; scripts/test.sh
starts the server and sets it). Without it the tests are a visible skip, except when
RUNNEL_TEST_PG=1 (scripts/test.sh started the server): then they fail. Each test gets a
database of its own, dropped afterwards."""

import json
import os
import signal
import subprocess
import unittest
import urllib.parse
import uuid

import test_server as base
from e2e_util import RUNNEL, clean_env, wait_for

PG_URL = os.environ.get("RUNNEL_TEST_PG_URL", "")
PG_REQUIRED = os.environ.get("RUNNEL_TEST_PG") == "1"


def url_with(url, db=None, password=None):
    u = urllib.parse.urlsplit(url)
    netloc = u.netloc
    if password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = "%s:%s@%s" % (user.split(":")[0], password, host)
    return urllib.parse.urlunsplit((u.scheme, netloc, "/" + db if db else u.path, u.query, u.fragment))


def psql(url, sql):
    p = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("psql %r failed: %s" % (sql, p.stderr))
    return p.stdout


class PgServerTest(base.ServerTest):

    def setUp(self):
        if not PG_URL:
            if PG_REQUIRED:
                self.fail("RUNNEL_TEST_PG=1 but RUNNEL_TEST_PG_URL is not set")
            self.skipTest("RUNNEL_TEST_PG_URL is not set (start scripts/services/postgres-up.sh "
                          "and export the URL it prints)")
        # Registered first, so it runs last (after the servers are stopped).
        self.db = "runnel_e2e_%d_%s" % (os.getpid(), uuid.uuid4().hex[:8])
        psql(PG_URL, "create database " + self.db)
        self.addCleanup(psql, PG_URL, "drop database if exists %s with (force)" % self.db)
        self.db_url = url_with(PG_URL, db=self.db)
        super().setUp()
        cfg_path = os.path.join(self.ws, ".runnel", "config.json")
        cfg = json.load(open(cfg_path))
        cfg["db"] = self.db_url
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=2)

    def start_server(self, *extra):
        return super().start_server("--db", self.db_url, *extra)

    def test_runs_are_in_postgres(self):
        self.start_server()
        s, j = self.submit("p.yml", base.HELLO)
        self.assertEqual(s, 201, j)
        self.assertEqual(self.wait_run(j["run_id"])["status"], "Finished")
        rows = psql(self.db_url, "select status from pipeline_runs where id = '%s'" % j["run_id"])
        self.assertEqual(rows.strip(), "Finished")
        self.assertEqual(psql(self.db_url, "select value from runnel_meta where key = 'schema_version'").strip(), "2")

    def test_two_servers_share_one_database(self):
        self.start_server()
        # A second workspace whose server is pointed at the same database by --db alone.
        ws2 = os.path.join(self.dir, "ws2")
        self.assertEqual(self.runnel("init", ws2, workspace=None).returncode, 0)
        log2 = open(os.path.join(self.dir, "server2.log"), "a")
        srv2 = subprocess.Popen([RUNNEL, "--workspace", ws2, "serve", "--port", "0", "--db", self.db_url],
                                stdout=log2, stderr=log2, env=clean_env())
        self.addCleanup(lambda: (srv2.poll() is None and srv2.send_signal(signal.SIGTERM), srv2.wait(60)))
        cfg2 = os.path.join(ws2, ".runnel", "config.json")
        self.assertTrue(wait_for(lambda: json.load(open(cfg2)).get("server", {}).get("pid") == srv2.pid,
                                 timeout=30), open(os.path.join(self.dir, "server2.log")).read())
        url2 = json.load(open(cfg2))["server"]["url"]
        token2 = open(os.path.join(ws2, ".runnel", "server", "admin.token")).read().strip()
        first_url, first_token = self.server_url, self.token

        s, a = self.submit("p.yml", base.HELLO)
        self.assertEqual(self.wait_run(a["run_id"])["status"], "Finished")
        # Server 2 lists and shows server 1's run.
        self.server_url, self.token = url2, token2
        self.assertTrue(wait_for(lambda: self.get_json("/api/v1/runs/" + a["run_id"])[0] == 200, timeout=10))
        s, d = self.get_json("/api/v1/runs/" + a["run_id"])
        self.assertEqual((d["status"], d["steps"][0]["status"]), ("Finished", "Finished"))
        # Server 1 answers (and caches) its run list before server 2 writes anything.
        self.server_url, self.token = first_url, first_token
        self.assertEqual(self.get_json("/api/v1/runs")[0], 200)
        self.server_url, self.token = url2, token2
        # A run submitted to server 2 is seen by server 1; its step reuses server 1's.
        self.write("ws2/p.yml", base.HELLO)
        s, b, _ = self.request("POST", "/api/v1/runs", {"path": "p.yml"})
        b = json.loads(b)
        self.assertEqual(s, 201, b)
        self.assertEqual(self.wait_run(b["run_id"])["steps"][0]["status"], "Reused")
        self.server_url, self.token = first_url, first_token
        # Not the cached page: server 2's commits reach server 1 as PostgreSQL notifications.
        s, j = self.get_json("/api/v1/runs")
        self.assertEqual({a["run_id"], b["run_id"]} <= {r["run_id"] for r in j["runs"]}, True, j)
        self.assertEqual({r["run_id"]: r["status"] for r in j["runs"]}[b["run_id"]], "Finished", j)
        # The CLI of either workspace, in process, sees both too.
        p = self.runnel("runs", "list", "--output", "json", workspace=ws2,
                        env=clean_env(RUNNEL_DB=self.db_url))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(a["run_id"], p.stdout)
        self.assertIn(b["run_id"], p.stdout)

    def test_password_never_printed(self):
        secret = "pw-" + uuid.uuid4().hex
        # Trust authentication ignores the password: the server runs, and never prints it.
        base.ServerTest.start_server(self, "--db", url_with(self.db_url, password=secret))
        s, j = self.submit("p.yml", base.HELLO)
        self.assertEqual(self.wait_run(j["run_id"])["status"], "Finished")
        self.stop_server()
        self.assertNotIn(secret, self.server_log())
        # A server that cannot be reached: exit 3 (unavailable), redacted URL, no password.
        bad = "postgresql://runnel:%s@127.0.0.1:1/nosuch" % secret
        p = self.runnel("serve", "--port", "0", "--db", bad, timeout=60)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("postgresql://runnel@127.0.0.1:1/nosuch", p.stderr)
        self.assertNotIn(secret, p.stderr + p.stdout)
        p = self.runnel("runs", "list", env=clean_env(RUNNEL_DB="mysql://u:%s@h/d" % secret))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertNotIn(secret, p.stderr + p.stdout)


if __name__ == "__main__":
    unittest.main()
