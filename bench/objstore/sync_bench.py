#!/usr/bin/python3
"""A 100-file remote step input, three ways: cold (nothing cached), warm (nothing changed)
and one file changed. For runnel, a one-step pipeline reading
azureml://datastores/<ds>/paths/in (mode: download), run with `runnel run`; for the peers,
`rclone sync` (Debian rclone, when installed) and a plain curl loop (S3 only: curl's
--aws-sigv4) that fetches every file each time.

Times are wall seconds (median of REPEAT, default 3) taken without a proxy; requests and
bytes come from one extra pass through tests/objstore/fault_proxy.py with no faults (bytes
downloaded = response bodies, listings included). Servers: Azurite and s3rver, started with
scripts/services/*-up.sh. Usage:

  /usr/bin/python3 bench/objstore/sync_bench.py [--build build] [--files 100] [--size 65536]
                                                 [--out bench/results/objstore-sync.md]
"""
import argparse
import datetime
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROXY = os.path.join(ROOT, "tests", "objstore", "fault_proxy.py")
AZ_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZ_PORT, S3_PORT = 10000, 4568


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Proxy:
    def __init__(self, upstream, d):
        import json
        self.json = json
        self.port = free_port()
        self.stats = os.path.join(d, "proxy-%d.json" % self.port)
        self.log = os.path.join(d, "proxy-%d.log" % self.port)
        self.proc = subprocess.Popen([sys.executable, PROXY, "--listen", str(self.port), "--upstream",
                                      "127.0.0.1:%d" % upstream, "--drop", "0", "--error-rate", "0",
                                      "--stats", self.stats, "--log", self.log],
                                     stdout=subprocess.PIPE, text=True)
        self.proc.stdout.readline()

    def snapshot(self):
        if not os.path.exists(self.stats):
            return {"requests": 0, "bytes_down": 0, "gets": 0}
        with open(self.stats) as f:
            c = self.json.load(f)
        with open(self.log) as f:
            lines = f.read().splitlines()
        c["gets"] = sum(1 for l in lines if l.startswith("GET ") and "comp=list" not in l and "list-type=" not in l)
        return c

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def run(cmd, **kw):
    # rclone refuses a custom AWS_CA_BUNDLE with its own transport; the servers are plain http.
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
    if p.returncode != 0:
        raise SystemExit("failed: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    return p


def timed(cmd):
    t = time.monotonic()
    run(cmd)
    return time.monotonic() - t


class Runnel:
    def __init__(self, binary, work, kind, port, bucket):
        self.bin, self.work, self.kind, self.port, self.bucket = binary, work, kind, port, bucket

    def fresh(self, port=None):
        ws = os.path.join(self.work, "ws-%d" % time.monotonic_ns())
        run([self.bin, "init", ws])
        port = port or self.port
        if self.kind == "az":
            run([self.bin, "-w", ws, "datastore", "register", "src", "--type", "azure_blob", "--account-name",
                 "devstoreaccount1", "--container", self.bucket, "--account-key", AZ_KEY, "--protocol", "http",
                 "--endpoint", "127.0.0.1:%d" % port, "--create"])
        else:
            run([self.bin, "-w", ws, "datastore", "register", "src", "--type", "s3", "--bucket", self.bucket,
                 "--endpoint-url", "http://127.0.0.1:%d" % port, "--access-key-id", "S3RVER",
                 "--secret-access-key", "S3RVER", "--create"])
        pipe = os.path.join(self.work, "pipeline.yml")
        with open(pipe, "w") as f:
            f.write("type: pipeline\njobs:\n  use:\n    type: command\n"
                    "    command: ls ${{inputs.d}} | wc -l > ${{outputs.o}}/n.txt\n"
                    "    inputs:\n      d: {type: uri_folder, path: azureml://datastores/src/paths/in, mode: download}\n"
                    "    outputs: {o: {type: uri_folder}}\n")
        self.ws, self.pipe = ws, pipe

    def upload(self, local):
        run([self.bin, "-w", self.ws, "datastore", "upload", local, "in/", "--datastore", "src"])

    def upload_one(self, local, name):
        run([self.bin, "-w", self.ws, "datastore", "upload", local, "in/" + name, "--datastore", "src"])

    def step(self):
        return [self.bin, "-w", self.ws, "run", self.pipe]


def change_one(r, path, size):
    """Rewrites f050.bin with new random bytes on the store."""
    with open(path, "wb") as f:
        f.write(os.urandom(size))
    r.upload_one(path, "f050.bin")


def rclone_conf(work):
    path = os.path.join(work, "rclone.conf")
    with open(path, "w") as f:
        f.write("[az]\ntype = azureblob\naccount = devstoreaccount1\nkey = %s\n"
                "endpoint = http://127.0.0.1:%d/devstoreaccount1\n" % (AZ_KEY, AZ_PORT))
        f.write("[s3]\ntype = s3\nprovider = Other\naccess_key_id = S3RVER\nsecret_access_key = S3RVER\n"
                "endpoint = http://127.0.0.1:%d\nforce_path_style = true\n" % S3_PORT)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--size", type=int, default=64 * 1024)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    binary = os.path.join(a.build, "runnel")
    for script in ("azurite-up.sh", "s3-up.sh"):
        run(["bash", os.path.join(ROOT, "scripts", "services", script)])
    work = tempfile.mkdtemp(prefix="runnel-objsync-")
    data = os.path.join(work, "data")
    os.makedirs(data)
    for i in range(a.files):
        with open(os.path.join(data, "f%03d.bin" % i), "wb") as f:
            f.write(os.urandom(a.size))
    changed = os.path.join(work, "changed.bin")
    rows = []
    rclone = shutil.which("rclone")
    conf = rclone_conf(work)
    try:
        for kind, port in (("az", AZ_PORT), ("s3", S3_PORT)):
            bucket = "bench%s%d" % (kind, time.time_ns() % 10**9)
            r = Runnel(binary, work, kind, port, bucket)
            times = {"cold": [], "warm": [], "one changed": []}
            for _ in range(a.repeat):
                r.fresh()
                r.upload(data)
                times["cold"].append(timed(r.step()))
                times["warm"].append(timed(r.step()))
                change_one(r, changed, a.size)
                times["one changed"].append(timed(r.step()))
            # Requests and bytes: once more through a fault-free proxy.
            proxy = Proxy(port, work)
            r.fresh(proxy.port)
            counts = {}
            before = proxy.snapshot()
            for case in ("cold", "warm", "one changed"):
                if case == "one changed":
                    change_one(r, changed, a.size)
                    before = proxy.snapshot()
                run(r.step())
                now = proxy.snapshot()
                counts[case] = (now["requests"] - before["requests"], now["gets"] - before["gets"],
                                now["bytes_down"] - before["bytes_down"])
                before = now
            proxy.close()
            r.fresh()  # later uploads go to the server directly
            for case in times:
                rows.append((kind, "runnel run (step included)", case, statistics.median(times[case])) + counts[case])
            # Peers on the same data.
            # rclone 1.60's azureblob backend cannot address Azurite at a custom port (its
            # endpoint is a domain suffix), so rclone is compared on S3 only.
            if rclone and kind == "s3":
                rp = Proxy(port, work)
                remote = "%s:%s/in" % (kind, bucket)
                conf_p = os.path.join(work, "rclone-proxy.conf")
                with open(conf) as f:
                    text = f.read().replace(":%d" % port, ":%d" % rp.port)
                with open(conf_p, "w") as f:
                    f.write(text)
                for cfg, measure in ((conf, True), (conf_p, False)):
                    dest = os.path.join(work, "rclone-%s-%d" % (kind, time.monotonic_ns()))
                    before = rp.snapshot()
                    res = {}
                    for case in ("cold", "warm", "one changed"):
                        if case == "one changed":
                            change_one(r, changed, a.size)
                            before = rp.snapshot()
                        res[case] = timed([rclone, "--config", cfg, "sync", remote, dest])
                        now = rp.snapshot()
                        if not measure:
                            rows.append((kind, "rclone sync", case, times_rclone[case]) +
                                        (now["requests"] - before["requests"], now["gets"] - before["gets"],
                                         now["bytes_down"] - before["bytes_down"]))
                        before = now
                    if measure:
                        times_rclone = res
                rp.close()
            if kind == "s3":
                def curl_loop(p):
                    base = "http://127.0.0.1:%d/%s/in/" % (p, bucket)
                    dest = os.path.join(work, "curl")
                    os.makedirs(dest, exist_ok=True)
                    cmd = ["curl", "-sf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "S3RVER:S3RVER",
                           "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
                    for i in range(a.files):
                        n = "f%03d.bin" % i
                        cmd += [base + n, "-o", os.path.join(dest, n)]
                    return cmd
                t = statistics.median(timed(curl_loop(S3_PORT)) for _ in range(a.repeat))
                cp = Proxy(S3_PORT, work)
                run(curl_loop(cp.port))
                c = cp.snapshot()
                cp.close()
                for case in ("cold", "warm", "one changed"):
                    rows.append((kind, "curl loop (every file, every time)", case, t, c["requests"], c["gets"],
                                 c["bytes_down"]))
    finally:
        shutil.rmtree(work, True)
    head = ("| store | tool | case | wall s (median of %d) | requests | object GETs | bytes down |\n"
            "|---|---|---|---|---|---|---|\n" % a.repeat)
    body = "".join("| %s | %s | %s | %.2f | %d | %d | %d |\n" % row for row in rows)
    load = os.getloadavg()
    text = ("# Remote input of %d files x %d bytes (%s)\n\n`/usr/bin/python3 bench/objstore/sync_bench.py`; "
            "load average %.1f %.1f %.1f on %d cores. The runnel rows time a whole `runnel run` of a one-step "
            "pipeline (submit, sync, the step when it runs, commit), median of REPEAT; the rclone rows are one "
            "`rclone sync` each; the curl row is one loop fetching every file (it has no cache, so every case "
            "costs the same).\n\n" %
            (a.files, a.size, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
             load[0], load[1], load[2], os.cpu_count())) + head + body
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
