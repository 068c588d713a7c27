#!/usr/bin/python3
"""Chaos campaign: a generated DAG run while the engine is killed at random points (SIGKILL,
SIGTERM, SIGHUP), resubmitted until it is done; then checked against an uninterrupted run.

    chaos.py --runnel BUILD/runnel [--kills N] [--seed S] [--steps K] [--keep]

Per trial (a fresh workspace and a generated pipeline of K steps), repeatedly: submit
`runnel run`, wait a random time, send a random signal to the engine, wait for it to end
(SIGKILL after 30 s), and check:
  re-executed  a step that the store recorded Finished (or Reused) before the kill ran again
               in a later submit (every step appends "start NAME" / "end NAME" to a shared
               exec log, as bench/gen.py's steps do);
  partial      a committed output (datastore runs/<id>/) that is not complete (each step
               writes its output in pieces with sleeps in between; a complete one ends
               with "END");
  orphans      steps (process groups) still alive 1 s after the engine ended (a step runs >= 3 s) (found by a marker in
               their command line); they are counted, then killed so that the next check
               stays independent;
  hung         an engine that did not exit within 30 s of SIGTERM/SIGHUP.
When the run finally completes (or after --max-submits), the final outputs are compared with
those of an uninterrupted run of the same pipeline in another workspace:
  wrong        a step output whose content differs;
  lost         a step that never finished.
Prints one line per kill and the totals; exits 1 when any count other than the kills is
not zero. N kills in all (spread over trials of about 6 kills each).
"""

import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGHUP)

# A step: logs its start, writes its output in pieces (so a kill can catch it half-way),
# logs its end. The output is a function of the inputs' content only.
STEP_SH = r"""
name="$1"; out="$2"; log="$3"; shift 4  # $4: the campaign marker (found in ps)
echo "start $name $$" >> "$log"
h=$(cat "$@" 2>/dev/null | cksum | cut -d' ' -f1)
for i in 1 2 3; do echo "$name $h part $i" >> "$out/data.txt"; sleep 1.$((RANDOM % 5)); done
echo "END" >> "$out/data.txt"
echo "end $name $$" >> "$log"
"""


def gen_pipeline(rng, k, marker, log):
    """A random DAG of k steps; step i reads 0-2 earlier steps (step 0 reads the source)."""
    lines = ["type: pipeline", "inputs:", "  src: {type: uri_file, path: ./src.txt}", "jobs:"]
    for i in range(k):
        deps = sorted(rng.sample(range(i), min(i, rng.choice((1, 1, 2))))) if i else []
        ins = ["${{inputs.src}}"] if not deps else ["${{inputs.i%d}}" % d for d in deps]
        lines += ["  s%d:" % i, "    type: command", "    code: ./code",
                  "    command: sh step.sh s%d ${{outputs.o}} %s %s %s"
                  % (i, log, marker, " ".join(ins)),
                  "    inputs:"]
        if not deps:
            lines.append("      src: ${{parent.inputs.src}}")
        for d in deps:
            lines.append("      i%d: ${{parent.jobs.s%d.outputs.o}}" % (d, d))
        lines += ["    outputs:", "      o: {type: uri_folder}"]
    return "\n".join(lines) + "\n"


class Campaign:
    def __init__(self, args):
        self.a = args
        self.rng = random.Random(args.seed)
        self.counts = {"kills": 0, "SIGKILL": 0, "SIGTERM": 0, "SIGHUP": 0, "finished_early": 0,
                       "re-executed": 0, "partial": 0, "orphans": 0, "hung": 0, "wrong": 0,
                       "lost": 0, "trials": 0}
        self.root = tempfile.mkdtemp(prefix="runnel-chaos-")

    def runnel(self, ws, *args, timeout=120):
        env = {k: v for k, v in os.environ.items() if k != "RUNNEL_WORKSPACE"}
        env["NO_COLOR"] = "1"
        return subprocess.run([self.a.runnel, "--workspace", ws] + list(args), env=env,
                              capture_output=True, text=True, timeout=timeout)

    def setup_trial(self, n):
        d = os.path.join(self.root, "t%d" % n)
        os.makedirs(os.path.join(d, "code"))
        with open(os.path.join(d, "code", "step.sh"), "w") as f:
            f.write(STEP_SH)
        with open(os.path.join(d, "src.txt"), "w") as f:
            f.write("source %d\n" % n)
        marker = "chaos-marker-%d-%d" % (os.getpid(), n)
        log = os.path.join(d, "exec.log")
        with open(os.path.join(d, "p.yml"), "w") as f:
            f.write(gen_pipeline(self.rng, self.a.steps, marker, log))
        for ws in ("ws", "ref"):
            p = self.runnel(os.path.join(d, ws), "init", os.path.join(d, ws))
            if p.returncode != 0:
                sys.exit("runnel init failed: " + p.stderr)
        return d, marker, log

    def show(self, ws):
        p = self.runnel(ws, "runs", "show", "latest", "--output", "json")
        return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else {}

    def finished_steps(self, ws):
        """{step name: output folder} of every step the store recorded Finished/Reused in any run."""
        done = {}
        p = self.runnel(ws, "runs", "list", "-n", "1000", "--output", "json")
        runs = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else []
        for r in runs if isinstance(runs, list) else []:
            rid = r.get("run_id")
            q = self.runnel(ws, "runs", "show", rid, "--output", "json")
            if q.returncode != 0:
                continue
            for s in json.loads(q.stdout).get("steps", []):
                if s.get("status") in ("Finished", "Reused"):
                    done[s["name"]] = (s.get("outputs") or {}).get("o")
        return done

    def orphans(self, marker):
        pids = []
        for path in glob.glob("/proc/[0-9]*/cmdline"):
            try:
                with open(path, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            pid = int(path.split("/")[2])
            if marker in cmd and pid != os.getpid() and "chaos.py" not in cmd:
                pids.append(pid)
        return pids

    def kill_orphans(self, pids):
        for pid in pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def check_partial(self, ws):
        bad = 0
        for f in glob.glob(os.path.join(ws, ".runnel", "datastores", "*", "runs", "*", "o", "data.txt")):
            with open(f) as fh:
                text = fh.read()
            if not text.endswith("END\n") or text.count("END") != 1:
                bad += 1
                print("  partial output visible: " + f)
        return bad

    def log_lines(self, log):
        try:
            with open(log) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def trial(self, n, kills_wanted):
        d, marker, log = self.setup_trial(n)
        ws, pipeline = os.path.join(d, "ws"), os.path.join(d, "p.yml")
        self.counts["trials"] += 1
        done_before = {}
        submits = 0
        kills = 0
        completed = False
        while submits < self.a.max_submits:
            submits += 1
            mark = len(self.log_lines(log))
            env = {k: v for k, v in os.environ.items() if k != "RUNNEL_WORKSPACE"}
            proc = subprocess.Popen([self.a.runnel, "--workspace", ws, "run", pipeline, "-j", "4"],
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            if kills < kills_wanted:
                time.sleep(self.rng.uniform(0.2, self.a.max_delay))
            sig = self.rng.choice(SIGNALS) if kills < kills_wanted else None
            if sig is not None and proc.poll() is None:
                proc.send_signal(sig)
                kills += 1
                self.counts["kills"] += 1
                self.counts[sig.name] += 1
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.counts["hung"] += 1
                    proc.kill()
                    proc.wait()
                time.sleep(1.0)  # a step runs >= 3 s: one still alive now outlived its engine
                orphans = self.orphans(marker)
                groups = set()
                for pid in orphans:  # one step = one process group (bwrap, sh, its children)
                    try:
                        groups.add(os.getpgid(pid))
                    except OSError:
                        pass
                if groups:
                    print("  orphans: %d step process group(s) outlived the engine" % len(groups))
                self.counts["orphans"] += len(groups)
                self.kill_orphans(orphans)
            else:
                if sig is not None:
                    self.counts["finished_early"] += 1
                try:
                    rc = proc.wait(timeout=300)
                except subprocess.TimeoutExpired:
                    self.counts["hung"] += 1
                    proc.kill()
                    rc = proc.wait()
                completed = rc == 0
            # Steps recorded Finished before this submit must not have started again in it.
            new = self.log_lines(log)[mark:]
            again = [l.split()[1] for l in new if l.startswith("start ") and l.split()[1] in done_before]
            if again:
                print("  re-executed after being recorded Finished: " + " ".join(again))
            self.counts["re-executed"] += len(again)
            self.counts["partial"] += self.check_partial(ws)
            done_before = self.finished_steps(ws)
            print("trial %d submit %d: %s, %d/%d steps finished, counts %s" % (
                n, submits, ("killed with " + sig.name) if sig is not None and not completed
                else ("completed" if completed else "failed"), len(done_before), self.a.steps,
                {k: v for k, v in self.counts.items() if v}), flush=True)
            if completed:
                break
        # The reference: the same pipeline, uninterrupted, in another workspace.
        ref = os.path.join(d, "ref")
        p = self.runnel(ref, "run", pipeline, "-j", "4", timeout=600)
        if p.returncode != 0:
            sys.exit("the uninterrupted reference run failed: " + p.stdout + p.stderr)
        ref_out = {s["name"]: s["outputs"]["o"] for s in self.show(ref)["steps"]}
        got = self.finished_steps(ws) if completed else {}
        for name, folder in ref_out.items():
            if name not in got or not got[name]:
                self.counts["lost"] += 1
                print("  lost: step %s never finished" % name)
                continue
            with open(os.path.join(folder, "data.txt")) as a, open(os.path.join(got[name], "data.txt")) as b:
                if a.read() != b.read():
                    self.counts["wrong"] += 1
                    print("  wrong: output of %s differs from the uninterrupted run" % name)
        self.kill_orphans(self.orphans(marker))
        if not self.a.keep:
            shutil.rmtree(d, True)

    def run(self):
        n = 0
        while self.counts["kills"] < self.a.kills:
            n += 1
            self.trial(n, min(self.a.kills_per_trial, self.a.kills - self.counts["kills"]))
        if not self.a.keep:
            shutil.rmtree(self.root, True)
        print("chaos totals: " + json.dumps(self.counts))
        bad = sum(self.counts[k] for k in ("re-executed", "partial", "orphans", "hung", "wrong", "lost"))
        print("chaos: %s (%d kills: %d SIGKILL, %d SIGTERM, %d SIGHUP; %d re-executed, %d partial, "
              "%d orphans, %d hung, %d wrong, %d lost)" % (
                  "FAILED" if bad else "OK", self.counts["kills"], self.counts["SIGKILL"],
                  self.counts["SIGTERM"], self.counts["SIGHUP"], self.counts["re-executed"],
                  self.counts["partial"], self.counts["orphans"], self.counts["hung"],
                  self.counts["wrong"], self.counts["lost"]))
        return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runnel", default=os.environ.get("RUNNEL_BIN", "build/runnel"))
    ap.add_argument("--kills", type=int, default=6)
    ap.add_argument("--kills-per-trial", type=int, default=6)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("CHAOS_SEED", "1")))
    ap.add_argument("--max-delay", type=float, default=10.0, help="longest wait before a kill (s)")
    ap.add_argument("--max-submits", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the workspaces")
    a = ap.parse_args()
    if not os.access(a.runnel, os.X_OK):
        sys.exit("runnel binary not found at %s (--runnel)" % a.runnel)
    a.runnel = os.path.abspath(a.runnel)
    print("chaos: seed %d, %d kills, %d steps per pipeline, workspaces under %s"
          % (a.seed, a.kills, a.steps, tempfile.gettempdir()), flush=True)
    return Campaign(a).run()


if __name__ == "__main__":
    sys.exit(main())
