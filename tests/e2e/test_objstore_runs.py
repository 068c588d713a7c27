"""Pipelines whose data lives on object-store datastores, against real servers: Azurite
(Azure Blob) and @20minutes/s3rver (S3, verifies SigV4), started by scripts/services/*-up.sh.

- A pipeline reads a folder and a file from Blob (download / ro_mount) and writes an output
  to S3 (uploaded after the step, marker written last); a downstream step reads it.
- The second run is all Reused, and every request it sends is a listing: no object body is
  read and nothing is written (requests counted by tests/objstore/fault_proxy.py).
- A blob changed behind the same path reruns its consumer, fetching that one blob only.
- A failed step uploads nothing.
- A registered dataset on Blob is consumed; a changed blob is caught at submit.
- 10% dropped connections and 10% 503s give the same outputs.
- Unreachable endpoint (exit 3), refused credentials and missing container (exit 2) name
  the datastore, the path and what to do; no secret is in any output, log or record.

Run directly (ctest does): exits 77 (a visible ctest skip) when a server cannot start.
"""

import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import WorkspaceTest  # noqa: E402
from test_objstore import (AZ_ACCOUNT, AZ_KEY, AZ_PORT, S3_KEY, S3_PORT, FaultProxy,  # noqa: E402
                           account_sas, free_port, main)


class Proxy(FaultProxy):
    """A FaultProxy (no faults unless told) logging requests: `requests()` are the
    (METHOD, PATH) pairs it received since `reset()`."""

    def __init__(self, upstream, d, drop=0.0, errors=0.0):
        super().__init__(upstream, d, drop=drop, errors=errors, seed=11, log=True)

    def reset(self):
        open(self.log, "w").close()

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [l.split(" ", 1) for l in f.read().splitlines() if l]


def is_listing(method, path):
    return method == "GET" and ("comp=list" in path or "list-type=" in path or
                                ("?" in path and path.split("?")[0].count("/") == 1))


def body_reads(reqs):
    return [p for m, p in reqs if m == "GET" and not is_listing(m, p)]


def writes(reqs):
    return [m + " " + p for m, p in reqs if m in ("PUT", "POST", "DELETE")]


PIPELINE = """
type: pipeline
experiment_name: objstore
inputs:
  raw: {type: uri_folder, path: azureml://datastores/blobs/paths/raw, mode: download}
  one: {type: uri_file, path: azureml://datastores/blobs/paths/raw/a.txt}
jobs:
  count:
    type: command
    command: >-
      cat ${{inputs.raw}}/*.txt | sort > ${{outputs.out}}/all.txt &&
      wc -l < ${{outputs.out}}/all.txt > ${{outputs.out}}/n.txt &&
      cp ${{inputs.one}} ${{outputs.out}}/first.txt
    inputs:
      raw: ${{parent.inputs.raw}}
      one: ${{parent.inputs.one}}
    outputs:
      out: {type: uri_folder, path: azureml://datastores/s3out/paths/results/counted, mode: upload}
  report:
    type: command
    command: cat ${{inputs.counted}}/n.txt ${{inputs.counted}}/first.txt > ${{outputs.report}}/report.txt
    inputs:
      counted: ${{parent.jobs.count.outputs.out}}
    outputs:
      report: {type: uri_folder}
"""


class ObjectStoreRunsTest(WorkspaceTest):
    def setUp(self):
        super().setUp()
        self.bucket = "r%d%s" % (int(time.time() * 1000) % 10**10, self.id().rsplit(".", 1)[1][-6:].lower()
                                 .replace("_", ""))
        self.raw = os.path.join(self.dir, "raw")
        os.makedirs(self.raw)
        for name, text in (("a.txt", "alpha\n"), ("b.txt", "bravo\n"), ("c.txt", "charlie\n")):
            with open(os.path.join(self.raw, name), "w") as f:
                f.write(text)

    def ok(self, *args, timeout=120):
        p = self.runnel(*args, timeout=timeout)
        self.assertEqual(p.returncode, 0, "runnel %s:\n%s%s" % (" ".join(map(str, args)), p.stdout, p.stderr))
        self.assert_no_secret(p.stdout + p.stderr)
        return p

    def assert_no_secret(self, text):
        for s in self.secrets():
            self.assertNotIn(s, text)

    def secrets(self):
        return [AZ_KEY] + ([self.sas_sig] if getattr(self, "sas_sig", "") else [])

    def register_blobs(self, port, name="blobs", *extra, key=AZ_KEY, container=None):
        return self.runnel("datastore", "register", name, "--type", "azure_blob", "--account-name", AZ_ACCOUNT,
                           "--container", container or self.bucket, "--account-key", key, "--protocol", "http",
                           "--endpoint", "127.0.0.1:%d" % port, *extra)

    def register_s3(self, port, name="s3out", *extra):
        return self.runnel("datastore", "register", name, "--type", "s3", "--bucket", self.bucket,
                           "--endpoint-url", "http://127.0.0.1:%d" % port, "--access-key-id", S3_KEY,
                           "--secret-access-key", S3_KEY, *extra)

    def setup_stores(self, az_port=AZ_PORT, s3_port=S3_PORT):
        p = self.register_blobs(az_port, "blobs", "--create")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.register_s3(s3_port, "s3out", "--create")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.ok("datastore", "upload", self.raw, "raw/", "--datastore", "blobs")

    def statuses(self):
        return {n: s["status"] for n, s in self.steps().items()}

    def remote_file(self, datastore, path):
        out = os.path.join(self.dir, "dl-" + hashlib.sha1((datastore + path + str(time.time())).encode())
                           .hexdigest()[:8])
        self.ok("datastore", "download", path, out, "--datastore", datastore)
        with open(out) as f:
            return f.read()

    def test_blob_in_s3_out_reuse_and_change(self):
        blob = Proxy(AZ_PORT, self.dir)
        s3 = Proxy(S3_PORT, self.dir)
        self.addCleanup(blob.close)
        self.addCleanup(s3.close)
        self.setup_stores(blob.port, s3.port)
        pipe = self.write("pipeline.yml", PIPELINE)

        self.run_pipeline(pipe)
        self.assertEqual(self.statuses(), {"count": "Finished", "report": "Finished"})
        self.assertEqual(self.remote_file("s3out", "results/counted/all.txt"), "alpha\nbravo\ncharlie\n")
        self.assertEqual(self.remote_file("s3out", "results/counted/first.txt"), "alpha\n")
        ls = self.ok("datastore", "ls", "results", "--datastore", "s3out").stdout
        self.assertNotIn("_RUNNEL", ls)  # the commit marker is runnel's, not data
        report = self.steps()["report"]["outputs"]["report"]
        with open(os.path.join(report, "report.txt")) as f:
            self.assertEqual(f.read(), "3\nalpha\n")

        # Unchanged: all Reused; only listings reach the stores (no body read, no write).
        blob.reset()
        s3.reset()
        self.run_pipeline(pipe)
        self.assertEqual(self.statuses(), {"count": "Reused", "report": "Reused"})
        self.assertEqual(body_reads(blob.requests()), [], blob.requests())
        self.assertEqual(body_reads(s3.requests()), [], s3.requests())
        self.assertEqual(writes(blob.requests()) + writes(s3.requests()), [])
        self.assertGreater(len(blob.requests()), 0, "the input was not listed")

        # One blob changed behind the same path: the consumer reruns, fetching that blob only.
        with open(os.path.join(self.raw, "b.txt"), "w") as f:
            f.write("bravo two\n")
        self.ok("datastore", "upload", os.path.join(self.raw, "b.txt"), "raw/b.txt", "--datastore", "blobs")
        blob.reset()
        p = self.run_pipeline(pipe)
        self.assertEqual(self.statuses()["count"], "Finished", p.stdout)
        reads = body_reads(blob.requests())
        self.assertEqual(len(reads), 1, reads)
        self.assertIn("/raw/b.txt", reads[0])
        self.assertEqual(self.remote_file("s3out", "results/counted/all.txt"), "alpha\nbravo two\ncharlie\n")
        # The report's input changed (all.txt), its n.txt/first.txt did not: it reran all the same.
        self.assertIn(self.statuses()["report"], ("Finished",))
        self.assert_no_secret_in_workspace()

    def test_failed_step_uploads_nothing(self):
        s3 = Proxy(S3_PORT, self.dir)
        self.addCleanup(s3.close)
        self.setup_stores(AZ_PORT, s3.port)
        pipe = self.write("fail.yml", """
            type: pipeline
            jobs:
              broken:
                type: command
                command: echo half > ${{outputs.out}}/part.txt && exit 3
                outputs:
                  out: {type: uri_folder, path: azureml://datastores/s3out/paths/failed/out, mode: upload}
            """)
        s3.reset()
        p = self.run_pipeline(pipe, expect=1)
        self.assertIn("exit code 3", p.stdout + p.stderr)
        self.assertEqual(writes(s3.requests()), [])
        p = self.runnel("datastore", "ls", "failed", "--datastore", "s3out")
        self.assertNotIn("part.txt", p.stdout)

    def test_registered_dataset_on_blob(self):
        self.setup_stores()
        self.ok("dataset", "register", "rawtxt", "raw/*.txt", "--datastore", "blobs")
        pipe = self.write("ds.yml", """
            type: pipeline
            jobs:
              use:
                type: command
                command: cat ${{inputs.d}}/*.txt > ${{outputs.o}}/all.txt
                inputs:
                  d: {type: uri_folder, path: azureml:rawtxt:1, mode: download}
                outputs: {o: {type: uri_folder}}
            """)
        self.run_pipeline(pipe)
        out = self.steps()["use"]["outputs"]["o"]
        with open(os.path.join(out, "all.txt")) as f:
            self.assertEqual(f.read(), "alpha\nbravo\ncharlie\n")
        self.run_pipeline(pipe)
        self.assertEqual(self.statuses(), {"use": "Reused"})
        with open(os.path.join(self.raw, "c.txt"), "w") as f:
            f.write("changed\n")
        self.ok("datastore", "upload", os.path.join(self.raw, "c.txt"), "raw/c.txt", "--datastore", "blobs")
        p = self.runnel("run", pipe)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("blobs:raw/c.txt", p.stderr)

    def test_faults_are_retried_with_the_same_outputs(self):
        blob = Proxy(AZ_PORT, self.dir, drop=0.1, errors=0.1)
        s3 = Proxy(S3_PORT, self.dir, drop=0.1, errors=0.1)
        self.addCleanup(blob.close)
        self.addCleanup(s3.close)
        self.setup_stores(blob.port, s3.port)
        pipe = self.write("pipeline.yml", PIPELINE)
        self.run_pipeline(pipe, timeout=180)
        self.assertEqual(self.statuses(), {"count": "Finished", "report": "Finished"})
        self.assertEqual(self.remote_file("s3out", "results/counted/all.txt"), "alpha\nbravo\ncharlie\n")
        faults = blob.counts()["dropped"] + blob.counts()["errors"] + s3.counts()["dropped"] + s3.counts()["errors"]
        self.assertGreater(faults, 0, (blob.counts(), s3.counts()))

    def test_unavailable_refused_and_missing_say_what_and_where(self):
        pipe = self.write("p.yml", """
            type: pipeline
            jobs:
              use:
                type: command
                command: ls ${{inputs.d}}
                inputs:
                  d: {type: uri_folder, path: azureml://datastores/blobs/paths/raw, mode: download}
            """)
        # Nothing listens on the port: exit 3, naming the datastore and the path.
        dead = free_port()
        p = self.register_blobs(dead, "blobs", "--skip-validation")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.runnel("run", pipe, timeout=120)
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        err = [l for l in p.stderr.splitlines() if l.startswith("error:")]
        self.assertEqual(len(err), 1, p.stderr)
        self.assertRegex(err[0], r"datastore 'blobs'.*path 'raw'.*(start the service|fix the endpoint)")
        # Refused credentials: exit 2, says so.
        bad = "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA=="
        self.assertEqual(self.register_blobs(AZ_PORT, "blobs", "--skip-validation", "--overwrite",
                                             key=bad).returncode, 0)
        p = self.runnel("run", pipe)
        line = self.assert_one_error(p, r"datastore 'blobs'.*path 'raw'")
        self.assertRegex(line, r"credentials")
        self.assertNotIn(bad, p.stdout + p.stderr)
        # A container that does not exist: exit 2, names it.
        self.assertEqual(self.register_blobs(AZ_PORT, "blobs", "--skip-validation", "--overwrite",
                                             container="nosuch" + self.bucket).returncode, 0)
        p = self.runnel("run", pipe)
        self.assert_one_error(p, r"datastore 'blobs'.*nosuch.*path 'raw'")

    def test_sas_secret_never_recorded(self):
        sas = account_sas()
        self.sas_sig = sas.split("sig=")[1]
        self.register_s3(S3_PORT, "s3out", "--create")
        p = self.runnel("datastore", "register", "blobs", "--type", "azure_blob", "--account-name", AZ_ACCOUNT,
                        "--container", self.bucket, "--sas-token", sas, "--protocol", "http",
                        "--endpoint", "127.0.0.1:%d" % AZ_PORT, "--create")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.ok("datastore", "upload", self.raw, "raw/", "--datastore", "blobs")
        pipe = self.write("pipeline.yml", PIPELINE)
        p = self.run_pipeline(pipe)
        self.assert_no_secret(p.stdout + p.stderr)
        self.assert_no_secret(self.ok("runs", "show", "latest", "--output", "json").stdout)
        self.assert_no_secret(self.ok("why", "latest", "count").stdout)
        self.assert_no_secret_in_workspace()

    def assert_no_secret_in_workspace(self):
        """No secret in any file of the workspace but the 0600 credentials files."""
        root = os.path.join(self.ws, ".runnel")
        for dirpath, _dirs, files in os.walk(root):
            if os.path.basename(dirpath) == "credentials":
                continue
            for n in files:
                with open(os.path.join(dirpath, n), "rb") as f:
                    data = f.read()
                for s in self.secrets():
                    self.assertFalse(s.encode() in data, "a secret is in " + os.path.join(dirpath, n))


if __name__ == "__main__":
    main()
