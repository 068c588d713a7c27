"""Compare step: read every trained model's metrics.json, pick the best, write a report.

    python compare.py --models DIR [DIR ...] --metric accuracy --output OUT/report

Writes report.md, best.json and best_model.pkl (a copy of the winner) to --output; logs
the best model's name and score to this run and to the pipeline run (run.parent).
"""

import argparse
import json
import os
import shutil

from runnel import Run

# Ties on the primary metric are broken by these, then by the faster model.
TIE_BREAKERS = ("f1", "accuracy")


def load(folder):
    path = os.path.join(folder, "metrics.json")
    try:
        with open(path) as f:
            metrics = json.load(f)
    except OSError as e:
        raise SystemExit("error: cannot read %s (%s); is %s a train step's output?"
                         % (path, e.strerror, folder))
    metrics["_folder"] = folder
    return metrics


def rank_key(metric):
    def key(m):
        return (m[metric],) + tuple(m.get(t, 0) for t in TIE_BREAKERS) + (-m["training_time_s"],)
    return key


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", required=True, help="train steps' output folders")
    parser.add_argument("--metric", default="accuracy",
                        choices=("accuracy", "f1", "precision", "recall"))
    parser.add_argument("--output", required=True, help="folder for the report")
    args = parser.parse_args()

    run = Run.get_context()
    results = sorted((load(d) for d in args.models), key=rank_key(args.metric), reverse=True)
    best = results[0]
    columns = ("model", "accuracy", "f1", "precision", "recall", "training_time_s")

    lines = ["# Model comparison", "",
             "Ranked by **%s** (ties: %s, then training time)." % (args.metric,
                                                                 ", ".join(TIE_BREAKERS)),
             "", "| rank | " + " | ".join(columns) + " |",
             "|---:|" + "---|" * len(columns)]
    for rank, m in enumerate(results, start=1):
        cells = [m["model"]] + ["%.4f" % m[c] for c in columns[1:]]
        lines.append("| %d | %s |" % (rank, " | ".join(cells)))
    lines += ["", "Best: **%s** with %s %.4f." % (best["model"], args.metric, best[args.metric]),
              ""]

    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "report.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(args.output, "best.json"), "w") as f:
        json.dump({"model": best["model"], "metric": args.metric, "score": best[args.metric],
                   "metrics": {k: v for k, v in best.items() if not k.startswith("_")},
                   "ranking": [m["model"] for m in results]}, f, indent=2)
    model_file = os.path.join(best["_folder"], "model.pkl")
    if os.path.exists(model_file):
        shutil.copyfile(model_file, os.path.join(args.output, "best_model.pkl"))

    print("\n".join(lines))
    run.log("best_model", best["model"])
    run.log("best_" + args.metric, best[args.metric])
    run.log_table("comparison", {c: [m[c] for m in results] for c in columns})
    run.tag("best_model", best["model"])
    parent = run.parent
    if parent is not None:
        parent.log("best_model", best["model"])
        parent.log("best_" + args.metric, best[args.metric])
        parent.tag("best_model", best["model"])


if __name__ == "__main__":
    main()
