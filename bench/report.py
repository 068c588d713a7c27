#!/usr/bin/python3
"""Turns the JSON that measure.py writes into a markdown report: machine facts, the targets
with PASS/MISS, and one table per measure (cold, no-op, change, touch, plan) with each
tool's median wall time and peak RSS, the steps it ran, and runnel's ratio to ninja and to
Snakemake.

Usage: report.py RESULTS.json OUT.md
"""

import json
import sys

TOOLS = ("make", "ninja", "snakemake", "runnel")
MEASURE_TITLES = {
    "cold": "Cold full run",
    "noop": "No-op re-run (everything up to date)",
    "change": "Re-run after changing the content of inputs/mid.txt",
    "touch": "Re-run after touching inputs/mid.txt (mtime only, same content)",
    "plan": "Planning (dry run, nothing executed)",
}
MEASURE_HELP = {
    "cold": "Outputs and tool state removed before each run; every step runs.",
    "noop": "Nothing changed since the last run; nothing should run.",
    "change": "The middle step's second source gets new content: it and everything "
              "downstream of it must run (the `cone`).",
    "touch": "Same content, newer mtime: mtime-based tools rerun the cone; a content-based "
             "tool runs nothing.",
    "plan": "`runnel plan FILE` (load + validate + fingerprint), `make -n`, `ninja -n`, "
            "`snakemake -n`, on a tree where nothing has run yet.",
}
SHORT = {"make": "m", "ninja": "n", "snakemake": "s", "runnel": "r"}


def fmt_time(s):
    if s is None:
        return "?"
    if s < 1:
        return "%.1f ms" % (s * 1000)
    if s < 100:
        return "%.2f s" % s
    return "%.0f s" % s


def fmt_mem(kb):
    if kb is None:
        return "?"
    mb = kb / 1024
    if mb >= 1024:
        return "%.2f GB" % (mb / 1024)
    return "%.1f MB" % mb if mb < 100 else "%.0f MB" % mb


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return "%.2fx" % (a / b)


def fmt_count(x):
    if x is None:
        return "?"
    return "%d" % x if x == int(x) else "%.1f" % x


class Report:
    def __init__(self, data):
        self.meta = data["meta"]
        self.cells = data["cells"]
        self.notes = []
        self.by_key = {(c["tool"], c["shape"], c["measure"]): c for c in self.cells}
        self.reps = self.meta["config"]["reps"]

    def get(self, tool, shape, measure):
        return self.by_key.get((tool, shape, measure))

    def note(self, c, text):
        self.notes.append("%s %s %s: %s" % (c["tool"], c["shape"], c["measure"], text))
        return "[%d]" % len(self.notes)

    def cell_text(self, c, show_shape=False):
        if c is None:
            return "—"
        status = c["status"]
        where = " (%s)" % c["shape"] if show_shape else ""
        if c.get("stack"):
            where += " " + self.note(c, c["stack"])
        if status == "ok" and c["wall"] is not None:
            text = "%s · %s" % (fmt_time(c["wall"]), fmt_mem(c["rss_kb"]))
            if c["n"] < self.reps:
                text += " (n=%d)" % c["n"]
            if c.get("note"):
                text += " " + self.note(c, c["note"].lstrip("; "))
            return text + where
        if status == "timeout":
            t = self.meta["config"]["plan_timeout" if c["measure"] == "plan" else "timeout"]
            return "> %.0f s (timeout)" % t + where
        if status == "not built":
            return "not built"
        if status == "failed":
            return "failed " + self.note(c, c.get("note", ""))
        if status == "budget":
            return "not run (time budget)" + where
        if status == "skipped":
            return "not run" + (" " + self.note(c, c["note"]) if c.get("note") else "")
        return status

    def shapes_for(self, measure):
        """Row shapes of a table.  Planning rows are the shapes the fast tools planned;
        Snakemake's smaller planning shapes are shown in the row of the same kind."""
        def other_planned(kind):
            return any(x["measure"] == "plan" and x["tool"] != "snakemake" and
                       x["kind"] == kind for x in self.cells)
        seen = []
        for c in self.cells:
            if c["measure"] != measure:
                continue
            if measure == "plan" and c["tool"] == "snakemake" and other_planned(c["kind"]):
                continue
            if c["shape"] not in seen:
                seen.append(c["shape"])
        return seen

    def table(self, measure):
        out = ["## " + MEASURE_TITLES[measure], "", MEASURE_HELP[measure], ""]
        tools = [t for t in TOOLS if any(c["tool"] == t for c in self.cells)]
        head = ["shape", "steps"] + tools + ["runnel / ninja", "runnel / snakemake"]
        if measure != "plan":
            head.insert(2, "cone")
            head.append("steps run (%s)" % "/".join(SHORT[t] for t in tools))
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for shape in self.shapes_for(measure):
            any_c = next(c for c in self.cells if c["shape"] == shape)
            row = [shape, "{:,}".format(any_c["steps"])]
            if measure != "plan":
                row.append("{:,}".format(any_c["cone"]))
            cells = {}
            for t in tools:
                c = self.get(t, shape, measure)
                if c is None and measure == "plan":
                    # a tool planned at another size (Snakemake: smaller N)
                    kind = shape.split("-")[0]
                    c = next((x for x in self.cells if x["tool"] == t and x["measure"] == "plan"
                              and x["kind"] == kind), None)
                    cells[t] = c
                    row.append(self.cell_text(c, show_shape=c is not None))
                else:
                    cells[t] = c
                    row.append(self.cell_text(c))
            rn = cells.get("runnel")
            rw = rn["wall"] if rn and rn["status"] == "ok" else None
            for peer in ("ninja", "snakemake"):
                pc = cells.get(peer)
                pw = pc["wall"] if pc and pc["status"] == "ok" else None
                if rw is None:
                    row.append("—")
                elif pc is not None and pc["shape"] != shape and pw is not None:
                    # measured at a smaller N: linear extrapolation, a lower bound for
                    # tools whose planning time grows faster than linearly
                    scaled = pw * any_c["steps"] / pc["steps"]
                    row.append("%s vs %s extrapolated *" % (fmt_ratio(rw, scaled),
                                                            fmt_time(scaled)))
                else:
                    row.append(fmt_ratio(rw, pw))
            if measure != "plan":
                counts = []
                for t in tools:
                    c = cells.get(t)
                    counts.append(fmt_count(c["executed"]) if c and c["status"] == "ok" else "—")
                row.append("/".join(counts))
            out.append("| " + " | ".join(row) + " |")
        if measure == "plan" and any(c["measure"] == "plan" and c["tool"] == "snakemake"
                                     for c in self.cells):
            out.append("")
            out.append("\\* Snakemake is planned at a smaller N (its planning time grows faster "
                       "than linearly); its time is scaled linearly to the row's step count, "
                       "which underestimates it.")
        out.append("")
        return out

    # ---- targets -------------------------------------------------------------------
    def ratio_target(self, measure, shape, limit):
        r, n = self.get("runnel", shape, measure), self.get("ninja", shape, measure)
        label = "%s %s: runnel <= %.1fx ninja" % (
            {"cold": "cold", "noop": "no-op"}[measure], shape, limit)
        if r is not None and r["status"] == "not built":
            return label, "runnel not built", "n/a"
        if r is None or n is None:
            return label, "not measured in this mode", "n/a"
        if "budget" in (r["status"], n["status"]):
            return label, "not measured: time budget used up", "n/a"
        if r["status"] != "ok" or n["status"] != "ok" or not r["wall"] or not n["wall"]:
            return label, "runnel %s, ninja %s" % (r["status"], n["status"]), "MISS"
        ratio = r["wall"] / n["wall"]
        got = "%.2fx (runnel %s, ninja %s)" % (ratio, fmt_time(r["wall"]), fmt_time(n["wall"]))
        return label, got, "PASS" if ratio <= limit else "MISS"

    def touch_target(self):
        label = "touch-only re-run: runnel executes nothing"
        cs = [c for c in self.cells if c["tool"] == "runnel" and c["measure"] == "touch"]
        if not cs:
            return label, "not measured", "n/a"
        if all(c["status"] == "not built" for c in cs):
            return label, "runnel not built", "n/a"
        bad, ok = [], 0
        for c in cs:
            if c["status"] == "budget":
                continue
            if c["status"] != "ok":
                bad.append("%s: %s" % (c["shape"], c["status"]))
            elif c["executed"] != 0 or c.get("json_executed") not in (0, None) or any(
                    s["executed"] != 0 for s in c["samples"]):
                bad.append("%s: ran %s steps" % (c["shape"], fmt_count(c["executed"])))
            else:
                ok += 1
        if not bad and not ok:
            return label, "not measured: time budget used up", "n/a"
        got = "%d shape(s) ran 0 steps" % ok + ("; " + ", ".join(bad) if bad else "")
        return label, got, "PASS" if not bad and ok else "MISS"

    def plan_target(self):
        label = "planning 100,000 steps: runnel < 1 s and < 300 MB peak RSS"
        cs = [c for c in self.cells if c["tool"] == "runnel" and c["measure"] == "plan"]
        if not cs:
            return label, "not measured", "n/a"
        if all(c["status"] == "not built" for c in cs):
            return label, "runnel not built", "n/a"
        parts, miss = [], False
        for c in cs:
            if c["status"] != "ok":
                parts.append("%s: %s" % (c["shape"], c["status"]))
                miss = True
                continue
            parts.append("%s: %s, %s" % (c["shape"], fmt_time(c["wall"]), fmt_mem(c["rss_kb"])))
            if c["wall"] >= 1.0 or c["rss_kb"] >= 300 * 1024:
                miss = True
        if all(c["steps"] < 100000 for c in cs):
            return label, "; ".join(parts) + " (QUICK plans fewer steps)", (
                "n/a" if not miss else "MISS")
        return label, "; ".join(parts), "MISS" if miss else "PASS"

    def targets(self):
        rows = [self.ratio_target("cold", "chain-1000", 1.3),
                self.ratio_target("cold", "fanout-1000", 1.3),
                self.ratio_target("noop", "chain-1000", 3.0),
                self.ratio_target("noop", "chain-5000", 3.0),
                self.touch_target(),
                self.plan_target()]
        out = ["## Targets", "", "| target | measured | result |", "|---|---|---|"]
        for label, got, verdict in rows:
            out.append("| %s | %s | **%s** |" % (label, got, verdict))
        out.append("")
        return out

    def machine(self):
        m = self.meta
        cfg = m["config"]
        out = ["## Machine and settings", "",
               "| fact | value |", "|---|---|",
               "| date | %s |" % m["date"],
               "| mode | %s |" % m["mode"],
               "| nproc | %s |" % m["nproc"],
               "| CPU | %s |" % m["cpu"],
               "| memory | %s |" % m["memory"],
               "| kernel | %s |" % m["kernel"],
               "| OS | %s |" % m["os"],
               "| load average (start / end) | %s / %s |" % (m["loadavg"],
                                                            m.get("loadavg_end", "?")),
               "| runnel commit | %s |" % m["commit"]]
        for t, v in m["versions"].items():
            out.append("| %s | %s |" % (t, v))
        out.append("| python (harness) | %s |" % m["python"])
        out.append("| bench wall time | %.0f s |" % m.get("elapsed_s", 0))
        out.append("")
        out.append("Every tool runs with `-j 2`. Each cell is the median of %d runs after %d "
                   "warm-up run(s) (`n=` when fewer): wall time (perf_counter around "
                   "`/usr/bin/time`) · peak RSS of the largest process (`/usr/bin/time %%M`). "
                   "Ratios are runnel's median wall time over the peer's (< 1 means runnel is "
                   "faster). A run slower than %.0f s is kept as the cell's only sample; a tool "
                   "slower than %.0f s on one run of a shape is not run on larger sizes of "
                   "that shape; runs time out after %.0f s (planning %.0f s); each tool has "
                   "%.0f s for execution%s, and each planning cell %.0f s. Snakemake runs with "
                   "`--scheduler greedy`."
                   % (cfg["reps"], cfg["warmup"], cfg["slow"], cfg["skip"], cfg["timeout"],
                      cfg["plan_timeout"], cfg["budget"],
                      " (runnel %.0f s)" % cfg["budget_runnel"] if "budget_runnel" in cfg
                      else "", cfg["plan_budget"]))
        out.append("")
        return out

    def render(self):
        title = "# runnel vs make, ninja and Snakemake — %s%s" % (
            self.meta["date"].split()[0], " (QUICK)" if self.meta["mode"] == "quick" else "")
        out = [title, "", "Written by `bench/report.py`; how it is measured: `bench/README.md`.",
               ""]
        body = []
        for m in ("cold", "noop", "change", "touch", "plan"):
            if any(c["measure"] == m for c in self.cells):
                body += self.table(m)
        out += self.targets() + body
        if self.notes:
            out += ["## Notes", ""] + ["%d. %s" % (i + 1, n) for i, n in enumerate(self.notes)]
            out.append("")
        out += self.machine()
        return "\n".join(out)


def main(argv):
    if len(argv) != 2:
        raise SystemExit("usage: report.py RESULTS.json OUT.md")
    with open(argv[0]) as f:
        data = json.load(f)
    text = Report(data).render()
    with open(argv[1], "w") as f:
        f.write(text)
    print("[bench] report: %s" % argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])
