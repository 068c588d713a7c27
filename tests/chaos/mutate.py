#!/usr/bin/python3
"""Mutation campaign: pipeline and component YAML files, mutated at random, must give a plan
or a clear error; never a crash, a hang or an internal error.

    mutate.py --runnel BUILD/runnel [--count N] [--seed S] [--jobs J] [--keep DIR]

Seeds are the v2 sample folders of the e2e tests (tests/e2e/v2_samples/*/) and the project's
examples: each is copied once per worker, with its code and component files, so that what a
pipeline refers to is there. Per iteration: one YAML file of a seed folder (the pipeline or a
component it loads) is replaced by a mutation of itself (lines deleted, duplicated, swapped,
re-indented, truncated; a scalar replaced by a hostile value: an unknown `${{...}}`, a path
out of the workspace, a huge number, an empty map, a YAML anchor, a tag, control characters;
a key misspelt; a line taken from another seed; a byte changed), `runnel plan` is run on the
folder's pipeline file (or, for half of the mutated component files, `runnel component
create -f` on the file), and the outcome is classified:
  ok        exit 0 (a plan) or 2 (bad input) with one `error:` line on stderr (the two are
            counted apart: a campaign where nothing plans tests nothing);
  unclear   exit 2 without an `error:` line, or an `error:` line with nothing after it;
  internal  exit 4, any other exit code, or "internal error" in the output;
  crash     killed by a signal (SIGSEGV, SIGABRT from std::terminate, ...);
  hang      no answer within --timeout seconds.
Every file that gave anything other than ok is written to --keep (default: a temporary folder
that is kept only then) with the command's output beside it. Prints the counts; exits 1 when
any count other than ok is not zero.
"""

import argparse
import concurrent.futures
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

HOSTILE = [
    '""', "null", "~", "[]", "{}", "-1", "0", "1e309", "99999999999999999999999", "-0.0",
    "true", "True", "no", "'${{inputs.nope}}'", "'${{parent.inputs.nope}}'",
    "'${{parent.jobs.nope.outputs.x}}'", "'${{outputs.}}'", "'${{'", "'}}'", "'${{inputs.a}'",
    "azureml:nope:1", "azureml:nope@latest", "azureml://registries/x/components/y/versions/1",
    "../../../../etc/passwd", "/etc/passwd", "'..'", "'.'", "file:///etc", "'   '",
    "'\\u00e9\\u2713\\U0001F600'", "\"\\x00\\x01\"", "'" + "x" * 5000 + "'",
    "&anchor v", "*anchor", "*undefined_alias", "!!binary AAAA", "!!python/object:os.system x",
    "!custom_tag v", "[1, [2, [3, [4]]]]", "{a: {b: {c: {}}}}", "'a: b'", "- item",
    "|\n  block", ">-\n  folded", "2026-13-45", "0x7fffffffffffffff", ".nan", "-.inf",
]
KEY_PROBES = [
    "type", "jobs", "inputs", "outputs", "command", "code", "environment", "compute",
    "component", "settings", "path", "mode", "default", "optional", "resources", "limits",
    "distribution", "sweep", "trial", "search_space", "objective", "task", "mini_batch_size",
]


def seed_folders():
    """(folder, [pipeline files], [yaml files]) for every seed with at least one pipeline."""
    folders = sorted(glob.glob(os.path.join(ROOT, "tests", "e2e", "v2_samples", "*")))
    folders += sorted(glob.glob(os.path.join(ROOT, "examples", "*")))
    seeds = []
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        ymls = sorted(glob.glob(os.path.join(folder, "**", "*.y*ml"), recursive=True))
        ymls = [y for y in ymls if os.path.getsize(y) < 200_000]
        pipelines = []
        for y in ymls:
            with open(y, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if "\njobs:" in "\n" + text or "\ntrial:" in "\n" + text:
                pipelines.append(y)
        if pipelines:
            seeds.append((folder, pipelines, ymls))
    return seeds


def mutate(text, rng, donor_lines):
    lines = text.split("\n")
    n = rng.randint(1, 3)
    for _ in range(n):
        if not lines:
            lines = [""]
        kind = rng.randrange(11)
        i = rng.randrange(len(lines))
        if kind == 0:  # delete a line
            del lines[i]
        elif kind == 1:  # duplicate a line
            lines.insert(i, lines[i])
        elif kind == 2:  # swap two lines
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == 3:  # re-indent
            if rng.random() < 0.5:
                lines[i] = " " * rng.choice((1, 2, 4)) + lines[i]
            else:
                lines[i] = lines[i].lstrip()
        elif kind == 4:  # truncate the file
            cut = rng.randrange(len("\n".join(lines)) + 1)
            lines = "\n".join(lines)[:cut].split("\n")
        elif kind in (5, 6, 7):  # a value replaced by a hostile one
            line = lines[i]
            if ":" in line:
                head = line.split(":", 1)[0]
                lines[i] = head + ": " + rng.choice(HOSTILE)
            else:
                lines[i] = line + " " + rng.choice(HOSTILE)
        elif kind == 8:  # a key misspelt or a known key in the wrong place
            line = lines[i]
            stripped = line.lstrip()
            indent = line[: len(line) - len(stripped)]
            if ":" in stripped and rng.random() < 0.5:
                key = stripped.split(":", 1)[0]
                if len(key) > 1:
                    k = rng.randrange(len(key))
                    key = key[:k] + key[k + 1 :]
                lines[i] = indent + key + ":" + stripped.split(":", 1)[1]
            else:
                lines.insert(i, indent + rng.choice(KEY_PROBES) + ": " + rng.choice(HOSTILE))
        elif kind == 9:  # a line from another seed
            if donor_lines:
                lines.insert(i, rng.choice(donor_lines))
        else:  # a byte changed
            line = lines[i]
            if line:
                k = rng.randrange(len(line))
                lines[i] = line[:k] + rng.choice("\t\"'{}[]:,&*!|>%@`#-?\x7f\u00a0") + line[k + 1 :]
    return "\n".join(lines)


def classify(proc):
    if proc is None:
        return "hang"
    out = proc.stdout + proc.stderr
    if proc.returncode < 0:
        return "crash"
    if proc.returncode not in (0, 2) or "internal error" in out:
        return "internal"
    if proc.returncode == 2:
        errs = [l for l in proc.stderr.splitlines() if l.startswith("error:")]
        if not errs or not errs[0][len("error:") :].strip():
            return "unclear"
    return "ok"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runnel", default=os.environ.get("RUNNEL_BIN", "build/runnel"))
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("MUTATE_SEED", "1")))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--keep", help="where files that did not give ok are written")
    args = ap.parse_args()
    runnel = os.path.abspath(args.runnel)
    if not os.access(runnel, os.X_OK):
        print(f"mutate.py: {runnel} is not built", file=sys.stderr)
        return 2
    seeds = seed_folders()
    if not seeds:
        print("mutate.py: no seed pipelines found under tests/e2e/v2_samples/ or examples/", file=sys.stderr)
        return 2
    donor_lines = []
    for _, _, ymls in seeds:
        for y in ymls:
            with open(y, encoding="utf-8", errors="replace") as f:
                donor_lines += [l for l in f.read().split("\n") if l.strip()]
    work = tempfile.mkdtemp(prefix="runnel-mutate-")
    keep = args.keep or os.path.join(work, "found")
    counts = {k: 0 for k in ("ok", "unclear", "internal", "crash", "hang")}
    env = dict(os.environ, NO_COLOR="1", RUNNEL_WORKSPACE="")

    def worker(w):
        rng = random.Random(args.seed * 1000 + w)
        base = os.path.join(work, f"w{w}")
        copies = []
        for folder, pipelines, ymls in seeds:
            dst = os.path.join(base, os.path.basename(folder))
            shutil.copytree(folder, dst, symlinks=True)
            rel = lambda p: os.path.join(dst, os.path.relpath(p, folder))
            copies.append(([rel(p) for p in pipelines], [rel(y) for y in ymls]))
        ws = os.path.join(base, "ws")
        subprocess.run([runnel, "init", ws], capture_output=True, check=True)
        # Only pipelines that plan unmutated are planned (the others need assets registered
        # first, or are refused on purpose); their files still serve as donors of lines.
        planned = []
        for pipelines, ymls in copies:
            good = [p for p in pipelines
                    if subprocess.run([runnel, "-w", ws, "plan", "-q", p], capture_output=True,
                                      env=env, cwd=os.path.dirname(p)).returncode == 0]
            if good:
                planned.append((good, ymls))
        copies = planned
        found = []
        local = {k: 0 for k in counts}
        local.update(planned=0, refused=0)
        for it in range(w, args.count, args.jobs):
            pipelines, ymls = rng.choice(copies)
            target = rng.choice(ymls)
            with open(target, encoding="utf-8", errors="surrogateescape") as f:
                original = f.read()
            text = mutate(original, rng, donor_lines)
            with open(target, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            pipeline = target if target in pipelines else rng.choice(pipelines)
            cmd = [runnel, "-w", ws, "plan", pipeline]
            if target not in pipelines and rng.random() < 0.5:
                # a component file: through the other front door, `az ml component create`'s
                cmd = [runnel, "-w", ws, "component", "create", "-f", target]
                pipeline = target
            try:
                proc = subprocess.run(cmd, capture_output=True,
                                      text=True, errors="replace", timeout=args.timeout, env=env,
                                      cwd=os.path.dirname(pipeline))
            except subprocess.TimeoutExpired:
                proc = None
            verdict = classify(proc)
            local[verdict] += 1
            if verdict == "ok":
                local["planned" if proc.returncode == 0 else "refused"] += 1
            if verdict != "ok":
                os.makedirs(keep, exist_ok=True)
                name = f"{it:06d}-{verdict}-{os.path.basename(target)}"
                with open(os.path.join(keep, name), "w", encoding="utf-8", errors="surrogateescape") as f:
                    f.write(text)
                with open(os.path.join(keep, name + ".out"), "w") as f:
                    f.write(f"file: {os.path.relpath(target, base)}\ncommand: {' '.join(cmd)}\n")
                    if proc is not None:
                        f.write(f"exit: {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}\n")
                found.append(f"{verdict}: {name}")
            with open(target, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(original)
        return local, found

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(worker, range(args.jobs)))
    split = {"planned": 0, "refused": 0}
    for local, found in results:
        for k, v in local.items():
            (split if k in split else counts)[k] += v
        for line in found:
            print(line)
    bad = sum(v for k, v in counts.items() if k != "ok")
    print(f"mutate: {args.count} mutated files from {len(seeds)} seed folders (seed {args.seed}): "
          + ", ".join(f"{k} {v}" for k, v in counts.items())
          + f" (of the ok: {split['planned']} planned, {split['refused']} refused with an error)")
    if bad:
        print(f"mutate: the files and outputs are in {keep}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
