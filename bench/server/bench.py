#!/usr/bin/env python3
"""Benchmark of `runnel serve` (issue 12): with wrk (Debian `wrk`) against a server holding
1,000 finished runs, GET the run list and one run's detail while 8 clients submit
pipelines; then 100 concurrent SSE clients following a live run. Checks that no request
failed, no run was lost and every SSE client saw every event of the run.

  /usr/bin/python3 bench/server/bench.py [--runnel build/runnel] [--runs 1000] [--seconds 10]
      [--connections 16] [--sse 100] [--db postgresql://...] [--out bench/results/server.json]

Only 127.0.0.1 is contacted (the server it starts on a free port)."""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

ONE_STEP = """type: pipeline
experiment_name: bench
jobs:
  hello:
    type: command
    command: echo hello > ${{outputs.o}}/h.txt
    outputs:
      o: {type: uri_folder}
"""

# The live run the SSE clients follow: a chain of 5 steps of 0.3 s each.
LIVE = "type: pipeline\nexperiment_name: live\njobs:\n" + "".join(
    "  s%d:\n    type: command\n    command: sleep 0.3; echo %d-$RANDOM > ${{outputs.o}}/x.txt\n"
    "    outputs:\n      o: {type: uri_folder}\n%s" % (
        i, i, "    inputs:\n      i: ${{parent.jobs.s%d.outputs.o}}\n" % (i - 1) if i else "")
    for i in range(5))


class Api:
    def __init__(self, url, token):
        self.url, self.token = url, token

    def call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")


def start_server(runnel, ws, db, step_nice=None):
    log = open(os.devnull if os.environ.get("RUNNEL_BENCH_NOLOG") else os.path.join(ws, "server.log"), "w")
    cmd = [runnel, "--workspace", ws, "serve", "--port", "0"] + (["--db", db] if db else []) + (
        ["--step-nice", str(step_nice)] if step_nice is not None else [])
    env = dict(os.environ, NO_COLOR="1")
    env.pop("RUNNEL_WORKSPACE", None)
    # The access log (one line per request) would dominate: send it to a file.
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
    cfg = os.path.join(ws, ".runnel", "config.json")
    for _ in range(300):
        try:
            s = json.load(open(cfg)).get("server", {})
            if s.get("pid") == proc.pid:
                tok = open(os.path.join(ws, ".runnel", "server", "admin.token")).read().strip()
                api = Api(s["url"], tok)
                api.call("GET", "/api/v1/runs?limit=1")
                return proc, api
        except (OSError, ValueError, KeyError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start; see " + log.name)


def wait_final(api, run_id, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        s, j = api.call("GET", "/api/v1/runs/" + run_id)
        if j["status"] in ("Finished", "Failed", "Canceled"):
            return j
        time.sleep(0.05)
    raise SystemExit("run %s did not finish" % run_id)


def populate(api, n, threads=4):
    ids, errors, lock = [], [], threading.Lock()

    def worker(k):
        for i in range(k, n, threads):
            try:
                s, j = api.call("POST", "/api/v1/runs", {"path": "p.yml", "tags": {"i": str(i)}})
                with lock:
                    ids.append(j["run_id"])
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(e))
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    for rid in ids[-20:]:
        wait_final(api, rid)
    # Every run ends (reused steps end at once); wait for the stragglers.
    t0 = time.time()
    while time.time() - t0 < 300:
        s, j = api.call("GET", "/api/v1/runs?status=Finished&limit=1")
        if j["total"] >= len(ids):
            break
        time.sleep(0.2)
    return ids, errors


def wrk(url, path, token, seconds, connections):
    env = dict(os.environ, RUNNEL_BENCH_TOKEN=token)
    p = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--latency",
                        "-s", os.path.join(HERE, "stats.lua"), url + path],
                       capture_output=True, text=True, env=env, timeout=seconds + 60)
    m = re.search(r"^WRKJSON (\{.*\})$", p.stdout, re.M)
    if not m:
        raise SystemExit("wrk gave no summary:\n" + p.stdout + p.stderr)
    return json.loads(m.group(1))


def submitters(api, stop, out, n=8):
    def worker():
        while not stop.is_set():
            try:
                s, j = api.call("POST", "/api/v1/runs", {"path": "p.yml"})
                out["ids"].append(j["run_id"])
            except urllib.error.HTTPError as e:
                out["errors"].append("%s: %s" % (e, e.read()[:300]))
            except Exception as e:  # noqa: BLE001
                out["errors"].append(repr(e))
    ts = [threading.Thread(target=worker) for _ in range(n)]
    [t.start() for t in ts]
    return ts


def sse_fanout(api, clients):
    """`clients` SSE connections on /api/v1/events; one live run; every client must see
    every event of it, in the same order."""
    import http.client
    host, port = api.url.split("//")[1].split(":")
    results = [None] * clients
    ready = threading.Barrier(clients + 1)
    run = {}
    known = threading.Event()  # run["id"] is set

    def client(k):
        c = http.client.HTTPConnection(host, int(port), timeout=120)
        c.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + api.token})
        r = c.getresponse()
        r.readline()  # ": runnel events"
        ready.wait()
        seen, t_last = [], None
        data = None
        while True:
            line = r.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and data is not None:
                # Every event is kept: the run's first events are published while its POST is
                # still being answered, before this client can know the run's id.
                seen.append((data.get("run_id"), data.get("type"), data.get("step"), data.get("status")))
                if data.get("type") == "run" and data.get("status") in ("Finished", "Failed", "Canceled"):
                    known.wait(60)
                    if data.get("run_id") == run.get("id"):
                        t_last = time.time()
                        break
                data = None
        c.close()
        results[k] = ([e[1:] for e in seen if e[0] == run.get("id")], t_last)

    ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t_connect = time.time()
    [t.start() for t in ts]
    ready.wait()
    connect_s = time.time() - t_connect
    t0 = time.time()
    s, j = api.call("POST", "/api/v1/runs", {"path": "live.yml"})
    run["id"] = j["run_id"]
    known.set()
    [t.join(180) for t in ts]
    ref = results[0][0] if results[0] else None
    same = sum(1 for r in results if r and r[0] == ref)
    ends = [r[1] for r in results if r and r[1]]
    return {"clients": clients, "connect_all_s": round(connect_s, 3), "events_per_client": len(ref or []),
            "clients_with_every_event": same, "run_seconds": round(max(ends) - t0, 3) if ends else None,
            "final_event_spread_ms": round((max(ends) - min(ends)) * 1000, 1) if ends else None,
            "run_status": wait_final(api, run["id"])["status"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runnel", default=os.path.join(ROOT, "build", "runnel"))
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--sse", type=int, default=100)
    ap.add_argument("--db", default="")
    ap.add_argument("--submitters", type=int, default=8,
                    help="clients submitting pipelines while wrk reads (0: the read path alone)")
    ap.add_argument("--step-nice", type=int, default=None,
                    help="the server's --step-nice (default: the server's own default, 10)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "server.json"))
    a = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk; scripts/install-deps.sh --bench)")
    work = tempfile.mkdtemp(prefix="runnel-bench-server-")
    ws = os.path.join(work, "ws")
    subprocess.run([a.runnel, "init", ws], check=True, capture_output=True)
    open(os.path.join(ws, "p.yml"), "w").write(ONE_STEP)
    open(os.path.join(ws, "live.yml"), "w").write(LIVE)
    proc, api = start_server(a.runnel, ws, a.db, a.step_nice)
    out = {"runs": a.runs, "wrk": {"threads": 2, "connections": a.connections, "seconds": a.seconds},
           "db": "postgresql" if a.db else "sqlite", "step_nice": a.step_nice, "nproc": os.cpu_count(),
           "loadavg_start": os.getloadavg()[0]}
    try:
        t = time.time()
        ids, errors = populate(api, a.runs)
        out["populate"] = {"seconds": round(time.time() - t, 1), "submitted": len(ids), "errors": len(errors)}
        detail = "/api/v1/runs/" + ids[len(ids) // 2]
        for name, path in (("list", "/api/v1/runs"), ("detail", detail)):
            stop = threading.Event()
            sub = {"ids": [], "errors": []}
            ts = submitters(api, stop, sub, a.submitters)
            r = wrk(api.url, path, api.token, a.seconds, a.connections)
            stop.set()
            [t.join() for t in ts]
            r["submits_during"] = len(sub["ids"])
            r["submit_errors"] = len(sub["errors"])
            r["submit_error_samples"] = sub["errors"][:3]
            ids += sub["ids"]
            out[name] = r
        out["sse"] = sse_fanout(api, a.sse)
        ids_all = set(ids)
        time.sleep(1)
        s, j = api.call("GET", "/api/v1/runs?limit=1")
        listed = set()
        offset = 0
        while True:
            s, page = api.call("GET", "/api/v1/runs?limit=500&offset=%d" % offset)
            listed |= {r["run_id"] for r in page["runs"]}
            offset += 500
            if offset >= page["total"]:
                break
        out["lost_runs"] = len(ids_all - listed)
        out["total_runs"] = j["total"]
        out["loadavg_end"] = os.getloadavg()[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        if os.environ.get("RUNNEL_BENCH_KEEP"):
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    json.dump(out, open(a.out, "w"), indent=2)
    for name in ("list", "detail"):
        r = out[name]
        print("GET %-6s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  (%d submits meanwhile, %d failed)" % (
            name, r["rps"], r["p50_ms"], r["p99_ms"], r["errors"], r["submits_during"], r["submit_errors"]))
    s = out["sse"]
    print("SSE    %d clients: %d/%d saw all %d events; final event spread %s ms; run %s" % (
        s["clients"], s["clients_with_every_event"], s["clients"], s["events_per_client"],
        s["final_event_spread_ms"], s["run_status"]))
    print("runs: %d total, %d lost; load average %.1f -> %.1f on %d cores" % (
        out["total_runs"], out["lost_runs"], out["loadavg_start"], out["loadavg_end"], out["nproc"]))
    print("written to " + a.out)
    ok = (out["list"]["errors"] == 0 and out["detail"]["errors"] == 0 and out["lost_runs"] == 0
          and s["clients_with_every_event"] == s["clients"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
