"""Object-store datastores against real servers: Azurite (Azure Blob, SharedKey and SAS)
and @20minutes/s3rver (S3, verifies SigV4), both started by scripts/services/*-up.sh.

For each server: registration (CLI flags, v2 YAML with `create -f`, environment
credentials), credentials kept in a 0600 file and never printed, refused credentials,
upload/download/ls of a tree with a multi-part file and awkward names, globs, `datastore
copy` (incremental), and the same transfers through tests/objstore/fault_proxy.py (10% of
connections dropped, 10% of requests answered 503) giving identical files.

Run directly (ctest does): exits 77 (a visible ctest skip) when a server cannot start.
"""

import base64
import datetime
import filecmp
import hashlib
import hmac
import json
import os
import socket
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_util import SOURCE_DIR, WorkspaceTest, clean_env  # noqa: E402

AZ_PORT = int(os.environ.get("AZURITE_PORT", "10000"))
S3_PORT = int(os.environ.get("S3RVER_PORT", "4568"))
AZ_ACCOUNT = "devstoreaccount1"
AZ_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
S3_KEY = "S3RVER"
SERVICES = os.path.join(SOURCE_DIR, "scripts", "services")
PROXY = os.path.join(SOURCE_DIR, "tests", "objstore", "fault_proxy.py")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def account_sas(hours=2):
    """An account SAS for Azurite's dev account (the algorithm of the SAS docs)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    st = (now - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    se = (now + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sv, perms = "2021-08-06", "racwdl"
    sts = "\n".join([AZ_ACCOUNT, perms, "b", "sco", st, se, "", "https,http", sv, ""]) + "\n"
    sig = base64.b64encode(hmac.new(base64.b64decode(AZ_KEY), sts.encode(), hashlib.sha256).digest()).decode()
    from urllib.parse import urlencode
    return urlencode(dict(sv=sv, ss="b", srt="sco", sp=perms, st=st, se=se, spr="https,http", sig=sig))


def start_services():
    """Starts both servers; returns "" or why they could not start."""
    for script in ("azurite-up.sh", "s3-up.sh"):
        p = subprocess.run(["bash", os.path.join(SERVICES, script)], capture_output=True, text=True, timeout=400)
        if p.returncode != 0:
            return "%s failed:\n%s%s" % (script, p.stdout, p.stderr)
    return ""


class FaultProxy:
    """fault_proxy.py in front of a server (10% dropped, 10% 503 unless told otherwise);
    with a `log`, every request line it receives is appended there."""

    def __init__(self, upstream_port, stats_dir, drop=0.1, errors=0.1, seed=7, log=False):
        self.port = free_port()
        self.stats = os.path.join(stats_dir, "proxy-%d.json" % self.port)
        self.log = os.path.join(stats_dir, "proxy-%d.log" % self.port) if log else ""
        self.proc = subprocess.Popen([sys.executable, PROXY, "--listen", str(self.port), "--upstream",
                                      "127.0.0.1:%d" % upstream_port, "--drop", str(drop), "--error-rate",
                                      str(errors), "--seed", str(seed), "--stats", self.stats]
                                     + (["--log", self.log] if log else []),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.proc.stdout.readline()  # "fault proxy on ..."

    def counts(self):
        with open(self.stats) as f:
            return json.load(f)

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


class ObjectStoreBase:
    """Tests shared by both kinds; subclasses say how to register a datastore."""

    kind = ""

    def register(self, name, port, container, *extra):
        raise NotImplementedError

    def secrets(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.container = "t%d%s" % (int(time.time() * 1000) % 10**10, self.id().rsplit(".", 1)[1][-8:].lower().replace("_", ""))

    def make_tree(self):
        src = os.path.join(self.dir, "src")
        os.makedirs(os.path.join(src, "sub", "deeper"))
        with open(os.path.join(src, "big.bin"), "wb") as f:
            f.write(os.urandom(40 * 1024 * 1024 + 12345))  # > 16 MiB: blocks / multipart
        with open(os.path.join(src, "sub", "a.csv"), "w") as f:
            f.write("x,y\n1,2\n")
        with open(os.path.join(src, "sub", "deeper", "sp ace+plus=.txt"), "w") as f:
            f.write("odd name\n")
        with open(os.path.join(src, "empty.txt"), "w"):
            pass
        return src

    def assert_no_secret(self, *texts):
        for t in texts:
            for s in self.secrets():
                self.assertNotIn(s, t)

    def ok(self, *args, env=None):
        p = self.runnel(*args, env=env, timeout=300)
        self.assertEqual(p.returncode, 0, "runnel %s:\n%s%s" % (" ".join(map(str, args)), p.stdout, p.stderr))
        self.assert_no_secret(p.stdout, p.stderr)
        return p

    def test_register_list_show_delete(self):
        self.ok(*self.register("remote", self.port, self.container, "--create"))
        cred = os.path.join(self.ws, ".runnel", "credentials", "remote.json")
        self.assertEqual(stat.S_IMODE(os.stat(cred).st_mode), 0o600)
        with open(os.path.join(self.ws, ".runnel", "config.json")) as f:
            self.assert_no_secret(f.read())
        out = self.ok("datastore", "list").stdout
        self.assertIn("remote", out)
        self.assertIn(self.kind, out)
        shown = json.loads(self.ok("datastore", "show", "remote").stdout)
        self.assertEqual(shown["type"], self.kind)
        self.assertIn("not shown", shown["credentials"])
        p = self.runnel(*self.register("remote", self.port, self.container))
        self.assert_one_error(p, "already registered")
        self.ok("datastore", "delete", "remote")
        self.assertFalse(os.path.exists(cred))
        self.assertNotIn("remote", self.ok("datastore", "list").stdout)

    def test_refused_credentials_say_so_without_the_secret(self):
        p = self.runnel(*self.register("bad", self.port, self.container, "--create", wrong=True))
        self.assert_one_error(p, "credentials were refused")
        self.assert_no_secret(p.stdout, p.stderr)

    def roundtrip(self, port):
        src = self.make_tree()
        self.ok(*self.register("remote", port, self.container, "--create", "--overwrite"))
        self.ok("datastore", "upload", src, "data/", "--datastore", "remote")
        ls = self.ok("datastore", "ls", "data", "--datastore", "remote").stdout
        for name in ("data/big.bin", "data/sub/a.csv", "data/sub/deeper/sp ace+plus=.txt", "data/empty.txt"):
            self.assertIn(name, ls)
        out = os.path.join(self.dir, "out-%d" % port)
        self.ok("datastore", "download", "data", out, "--datastore", "remote")
        cmp = filecmp.dircmp(src, out)
        self.assertEqual(self.diff(cmp), [], "downloaded tree differs")
        one = os.path.join(self.dir, "one.bin")
        self.ok("datastore", "download", "data/big.bin", one, "--datastore", "remote")
        self.assertTrue(filecmp.cmp(one, os.path.join(src, "big.bin"), shallow=False))
        glob = self.ok("datastore", "ls", "data/**/*.csv", "--datastore", "remote").stdout
        self.assertIn("data/sub/a.csv", glob)
        self.assertNotIn("big.bin", glob)

    def diff(self, cmp):
        bad = cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        bad += mismatch + errors
        for sub in cmp.subdirs.values():
            bad += self.diff(sub)
        return bad

    def test_upload_download_ls(self):
        self.roundtrip(self.port)

    def test_faults_do_not_change_results(self):
        proxy = FaultProxy(self.port, self.dir)
        self.addCleanup(proxy.close)
        self.roundtrip(proxy.port)
        c = proxy.counts()
        self.assertGreater(c["dropped"], 0, c)
        self.assertGreater(c["errors"], 0, c)

    def test_copy_is_incremental(self):
        src = self.make_tree()
        self.ok(*self.register("remote", self.port, self.container, "--create"))
        self.ok("datastore", "upload", src, "in/", "--datastore", "workspaceblobstore")
        p = self.ok("datastore", "copy", "workspaceblobstore:in", "remote:copied")
        self.assertIn("Copied 4 file(s)", p.stdout)
        p = self.ok("datastore", "copy", "workspaceblobstore:in", "remote:copied")
        self.assertIn("Copied 0 file(s), 4 unchanged", p.stdout)
        with open(os.path.join(src, "sub", "a.csv"), "a") as f:
            f.write("3,4\n")
        self.ok("datastore", "upload", src, "in/", "--datastore", "workspaceblobstore")
        p = self.ok("datastore", "copy", "workspaceblobstore:in", "remote:copied")
        self.assertIn("Copied 1 file(s), 3 unchanged", p.stdout)
        back = os.path.join(self.dir, "back")
        self.ok("datastore", "copy", "remote:copied", "workspaceblobstore:back")
        self.assertEqual(self.diff(filecmp.dircmp(src, os.path.join(self.datastore(), "back"))), [])


class AzureBlobTest(ObjectStoreBase, WorkspaceTest):
    kind = "azure_blob"
    port = AZ_PORT

    def register(self, name, port, container, *extra, wrong=False):
        key = AZ_KEY if not wrong else base64.b64encode(b"x" * 64).decode()
        return ("datastore", "register", name, "--type", "azure_blob", "--account-name", AZ_ACCOUNT,
                "--container", container, "--account-key", key, "--protocol", "http",
                "--endpoint", "127.0.0.1:%d" % port) + extra

    def secrets(self):
        return [AZ_KEY, base64.b64encode(b"x" * 64).decode()]

    def test_sas_token_and_v2_yaml(self):
        sas = account_sas()
        yaml = self.write("blob.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json
            name: viayaml
            type: azure_blob
            account_name: %s
            container_name: %s
            protocol: http
            endpoint: 127.0.0.1:%d
            credentials:
              sas_token: "%s"
            """ % (AZ_ACCOUNT, self.container, AZ_PORT, sas))
        p = self.runnel("datastore", "create", "-f", yaml, "--create")
        self.assertEqual(p.returncode, 0, p.stderr)
        sig = sas.split("sig=")[1]
        self.assertNotIn(sig, p.stdout + p.stderr)
        f = self.write("f.txt", "via sas\n")
        p = self.runnel("datastore", "upload", f, "x/f.txt", "--datastore", "viayaml")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.runnel("datastore", "ls", "--datastore", "viayaml")
        self.assertIn("x/f.txt", p.stdout)
        self.assertNotIn(sig, p.stdout + p.stderr)
        bad = self.write("bad.yml", "name: nope\ntype: azure_blob\naccount_name: a\n")
        p = self.runnel("datastore", "create", "-f", bad)
        self.assert_one_error(p, "bad.yml: missing required key 'container_name'")


class S3Test(ObjectStoreBase, WorkspaceTest):
    kind = "s3"
    port = S3_PORT

    def register(self, name, port, container, *extra, wrong=False):
        return ("datastore", "register", name, "--type", "s3", "--bucket", container, "--endpoint-url",
                "http://127.0.0.1:%d" % port, "--access-key-id", S3_KEY, "--secret-access-key",
                S3_KEY if not wrong else "WRONG-SECRET-123") + extra

    def secrets(self):
        return ["WRONG-SECRET-123"]  # s3rver's own secret equals its public key id

    def test_environment_credentials_and_prefix(self):
        yaml = self.write("s3.yml", """
            name: viaenv
            type: s3
            bucket: %s
            prefix: team/a
            endpoint_url: http://127.0.0.1:%d
            """ % (self.container, S3_PORT))
        env = clean_env(AWS_ACCESS_KEY_ID=S3_KEY, AWS_SECRET_ACCESS_KEY=S3_KEY)
        self.ok("datastore", "create", "-f", yaml, "--create", env=env)
        self.assertFalse(os.path.exists(os.path.join(self.ws, ".runnel", "credentials", "viaenv.json")))
        f = self.write("f.txt", "via env\n")
        self.ok("datastore", "upload", f, "x/f.txt", "--datastore", "viaenv", env=env)
        self.assertIn("x/f.txt", self.ok("datastore", "ls", "--datastore", "viaenv", env=env).stdout)
        p = self.runnel("datastore", "ls", "--datastore", "viaenv", env=clean_env(HOME=self.dir))
        self.assert_one_error(p, "no credentials")
        # The whole bucket shows the prefix.
        self.ok(*self.register("whole", S3_PORT, self.container))
        self.assertIn("team/a/x/f.txt", self.ok("datastore", "ls", "--datastore", "whole").stdout)


def main():
    """Starts the servers, then runs the tests of the calling module (exit 77 without them)."""
    why = start_services()
    if why:
        # scripts/test.sh sets RUNNEL_TEST_OBJSTORE=1: there a server that will not start is
        # a failure of the suite, not a skip.
        if os.environ.get("RUNNEL_TEST_OBJSTORE") == "1":
            print("FAIL: object-store servers could not start (RUNNEL_TEST_OBJSTORE=1):\n" + why)
            sys.exit(1)
        print("SKIP: object-store servers could not start:\n" + why)
        sys.exit(77)
    unittest.main(module="__main__")


if __name__ == "__main__":
    main()
