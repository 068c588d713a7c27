#!/usr/bin/python3
"""Writes one benchmark workflow per tool per shape: runnel pipeline YAML, a GNU Makefile,
a build.ninja and a Snakefile that all describe the same graph of trivial shell steps.

Shapes (N = number of "work" steps):
  chain-N        s0 -> s1 -> ... -> s{N-1}; s0 reads inputs/src.txt.
  fanout-N       one source step `src` (reads inputs/src.txt), N independent steps f0..f{N-1}
                 each reading src's output, one `join` reading all N outputs (N + 2 steps).
  diamond-LxW    L layers of W steps d{l}_{w}; layer 0 reads inputs/src.txt, step (l, w) for
                 l > 0 reads (l-1, w) and (l-1, (w+1) % W).  `diamond-N` picks L x W ~= N.
Every shape has a second source file, inputs/mid.txt, read by one step in the middle of the
graph (chain: s{N/2}; fanout: f{N/2}; diamond: d{L/2}_{W/2}); the change/touch experiments
edit or touch that file.

Each step checksums its inputs (cat | cksum, so outputs stay small) into its single output file, appends its own name, and,
when the environment variable BENCH_EXECLOG names a file, appends its name there too, so
that the harness can count which steps actually ran, the same way for every tool.

Output is deterministic: the same arguments write byte-identical files.

Usage: gen.py --out DIR [--tools make,ninja,snakemake,runnel] SHAPE [SHAPE ...]
Writes DIR/<tool>/<shape>/ for each pair, and prints one JSON line per shape with its step
count and the name of its middle step.
"""

import argparse
import json
import math
import os
import sys

TOOLS = ("make", "ninja", "snakemake", "runnel")
SRC = "inputs/src.txt"
MID = "inputs/mid.txt"
SRC_TEXT = "source\n"
MID_TEXT = "mid 0\n"
# Appends the step's name to $BENCH_EXECLOG when set; always exits 0.
EXECLOG = 'test -z "$BENCH_EXECLOG" || echo {name} >> "$BENCH_EXECLOG"'


class Graph:
    """A workflow as an ordered list of steps; each step reads sources and/or other steps.

    steps: list of (name, [dependency step names], [source keys: "src" / "mid"]), in a
    topological order.  targets: the steps whose outputs are the final products.
    """

    def __init__(self, shape):
        self.shape = shape
        self.steps = []
        self.targets = []
        self.mid = None

    def add(self, name, deps, sources=()):
        self.steps.append((name, list(deps), list(sources)))

    def cone(self):
        """Number of steps that a change of inputs/mid.txt reaches: the middle step and
        everything downstream of it."""
        reached = {self.mid}
        for name, deps, _ in self.steps:
            if any(d in reached for d in deps):
                reached.add(name)
        return len(reached)


def diamond_dims(n):
    """L x W with W = round(sqrt(N)) and L = ceil(N / W) (so L * W >= N, close to it)."""
    w = max(2, int(round(math.sqrt(n))))
    layers = max(2, int(math.ceil(n / w)))
    return layers, w


def canonical_shape(shape):
    """`diamond-N` -> `diamond-LxW`; other shapes are returned unchanged."""
    kind, _, size = shape.partition("-")
    if kind == "diamond" and "x" not in size:
        layers, width = diamond_dims(int(size))
        return "diamond-%dx%d" % (layers, width)
    return shape


def build_graph(shape):
    kind, _, size = canonical_shape(shape).partition("-")
    g = Graph(canonical_shape(shape))
    if kind == "chain":
        n = int(size)
        if n < 2:
            raise SystemExit("gen.py: chain needs N >= 2, got %r" % shape)
        mid = n // 2
        for i in range(n):
            srcs = ["src"] if i == 0 else []
            if i == mid:
                srcs.append("mid")
            g.add("s%d" % i, [] if i == 0 else ["s%d" % (i - 1)], srcs)
        g.targets = ["s%d" % (n - 1)]
        g.mid = "s%d" % mid
    elif kind == "fanout":
        n = int(size)
        if n < 1:
            raise SystemExit("gen.py: fanout needs N >= 1, got %r" % shape)
        mid = n // 2
        g.add("src", [], ["src"])
        for i in range(n):
            g.add("f%d" % i, ["src"], ["mid"] if i == mid else [])
        g.add("join", ["f%d" % i for i in range(n)])
        g.targets = ["join"]
        g.mid = "f%d" % mid
    elif kind == "diamond":
        layers, _, width = size.partition("x")
        layers, width = int(layers), int(width)
        if layers < 1 or width < 2:
            raise SystemExit("gen.py: diamond needs L >= 1 and W >= 2, got %r" % shape)
        ml, mw = layers // 2, width // 2
        for layer in range(layers):
            for w in range(width):
                srcs = ["src"] if layer == 0 else []
                if (layer, w) == (ml, mw):
                    srcs.append("mid")
                deps = [] if layer == 0 else [
                    "d%d_%d" % (layer - 1, w), "d%d_%d" % (layer - 1, (w + 1) % width)]
                g.add("d%d_%d" % (layer, w), deps, srcs)
        g.targets = ["d%d_%d" % (layers - 1, w) for w in range(width)]
        g.mid = "d%d_%d" % (ml, mw)
    else:
        raise SystemExit("gen.py: unknown shape %r (chain-N, fanout-N, diamond-LxW)" % shape)
    return g


SOURCE_PATHS = {"src": SRC, "mid": MID}


def plain_inputs(step):
    """The files a step reads, for the tools that work on plain files under out/."""
    name, deps, srcs = step
    return [SOURCE_PATHS[s] for s in srcs] + ["out/%s.txt" % d for d in deps]


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_sources(d):
    os.makedirs(os.path.join(d, "inputs"), exist_ok=True)
    write(os.path.join(d, SRC), SRC_TEXT)
    write(os.path.join(d, MID), MID_TEXT)


def gen_make(g, d):
    os.makedirs(os.path.join(d, "out"), exist_ok=True)
    lines = ["# generated by bench/gen.py: %s (%d steps)" % (g.shape, len(g.steps)),
             "MAKEFLAGS += --no-builtin-rules --no-builtin-variables",
             ".SUFFIXES:",
             ".PHONY: all",
             "all: " + " ".join("out/%s.txt" % t for t in g.targets),
             ""]
    for step in g.steps:
        name = step[0]
        log = EXECLOG.format(name=name).replace("$", "$$")
        lines.append("out/%s.txt: %s" % (name, " ".join(plain_inputs(step))))
        lines.append("\t@cat $^ | cksum > $@; echo %s >> $@; %s" % (name, log))
    write(os.path.join(d, "Makefile"), "\n".join(lines) + "\n")


def gen_ninja(g, d):
    os.makedirs(os.path.join(d, "out"), exist_ok=True)
    log = EXECLOG.format(name="$name").replace('"$B', '"$$B')
    lines = ["# generated by bench/gen.py: %s (%d steps)" % (g.shape, len(g.steps)),
             "rule step",
             "  command = cat $in | cksum > $out; echo $name >> $out; " + log,
             ""]
    for step in g.steps:
        name = step[0]
        lines.append("build out/%s.txt: step %s" % (name, " ".join(plain_inputs(step))))
        lines.append("  name = %s" % name)
    lines.append("")
    lines.append("default " + " ".join("out/%s.txt" % t for t in g.targets))
    write(os.path.join(d, "build.ninja"), "\n".join(lines) + "\n")


def gen_snakemake(g, d):
    # One wildcard rule whose inputs come from a table: the idiomatic way to write a large
    # generated graph in Snakemake (thousands of explicit rules parse far slower).
    os.makedirs(os.path.join(d, "out"), exist_ok=True)
    deps = {step[0]: plain_inputs(step) for step in g.steps}
    write(os.path.join(d, "deps.json"), json.dumps(deps, separators=(",", ":")) + "\n")
    text = '''# generated by bench/gen.py: {shape} ({n} steps)
import json, sys
# DAG building recurses once per level of the graph; deep chains need a higher limit.
sys.setrecursionlimit(max(sys.getrecursionlimit(), {reclimit}))
DEPS = json.load(open("deps.json"))

rule all:
    input: {targets}

rule step:
    input: lambda wc: DEPS[wc.name]
    output: "out/{{name}}.txt"
    wildcard_constraints: name="[A-Za-z0-9_]+"
    shell: 'cat {{input}} | cksum > {{output}}; echo {{wildcards.name}} >> {{output}}; {log}'
'''.format(shape=g.shape, n=len(g.steps), reclimit=20 * len(g.steps) + 1000,
           targets=", ".join('"out/%s.txt"' % t for t in g.targets),
           log=EXECLOG.format(name="{wildcards.name}").replace(
               "$BENCH_EXECLOG", "${{BENCH_EXECLOG:-}}"))
    write(os.path.join(d, "Snakefile"), text)


def gen_runnel(g, d):
    def q(s):  # YAML single-quoted scalar
        return "'" + s.replace("'", "''") + "'"

    lines = ["# generated by bench/gen.py: %s (%d steps)" % (g.shape, len(g.steps)),
             "type: pipeline",
             "experiment_name: bench",
             "inputs:",
             "  src: {type: uri_file, path: ./%s}" % SRC,
             "  mid: {type: uri_file, path: ./%s}" % MID,
             "jobs:"]
    for name, deps, srcs in g.steps:
        binds = []  # (input name, binding, path read by the command)
        for s in srcs:
            binds.append((s, "${{parent.inputs.%s}}" % s, "${{inputs.%s}}" % s))
        for i, dep in enumerate(deps):
            key = "i%d" % i
            binds.append((key, "${{parent.jobs.%s.outputs.out}}" % dep,
                          "${{inputs.%s}}/out.txt" % key))
        out = "${{outputs.out}}/out.txt"
        command = "cat %s | cksum > %s; echo %s >> %s; %s" % (
            " ".join(b[2] for b in binds), out, name, out, EXECLOG.format(name=name))
        lines.append("  %s:" % name)
        lines.append("    type: command")
        lines.append("    command: " + q(command))
        lines.append("    inputs:")
        for key, binding, _ in binds:
            lines.append("      %s: %s" % (key, q(binding)))
        lines.append("    outputs: {out: {type: uri_folder}}")
    write(os.path.join(d, "pipeline.yml"), "\n".join(lines) + "\n")


def describe(g):
    return {"shape": g.shape, "steps": len(g.steps), "mid": g.mid, "cone": g.cone(),
            "targets": len(g.targets)}


def generate(shape, out, tools=TOOLS):
    """Writes OUT/<tool>/<shape>/ for each tool; returns describe() of the graph."""
    g = build_graph(shape)
    for t in tools:
        d = os.path.join(out, t, g.shape)
        os.makedirs(d, exist_ok=True)
        write_sources(d)
        GENERATORS[t](g, d)
    return describe(g)


GENERATORS = {"make": gen_make, "ninja": gen_ninja, "snakemake": gen_snakemake,
              "runnel": gen_runnel}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="root folder; writes OUT/<tool>/<shape>/")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("shapes", nargs="+", help="chain-N, fanout-N, diamond-LxW or diamond-N")
    args = ap.parse_args(argv)
    tools = [t for t in args.tools.split(",") if t]
    for t in tools:
        if t not in GENERATORS:
            raise SystemExit("gen.py: unknown tool %r (one of %s)" % (t, ", ".join(TOOLS)))
    for shape in args.shapes:
        print(json.dumps(generate(shape, args.out, tools)))


if __name__ == "__main__":
    main(sys.argv[1:])
