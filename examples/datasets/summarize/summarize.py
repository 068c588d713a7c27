"""Combines the profile and the two listings into one summary folder. The pipeline
registers that folder as the file dataset summary_ds (output `name: summary_ds`), adding a
version only when its content changed.
"""
import argparse
import json
import os

from azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument("--profile", required=True)
parser.add_argument("--downloaded", required=True)
parser.add_argument("--mounted", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()


def load(folder, name):
    with open(os.path.join(folder, name)) as f:
        return json.load(f)


profile = load(args.profile, "profile.json")
downloaded = load(args.downloaded, "listing.json")
mounted = load(args.mounted, "listing.json")
if downloaded != mounted:
    raise SystemExit("download and ro_mount saw different files:\n%s\n%s" % (downloaded, mounted))

run = Run.get_context()
run.log("doc_files", len(downloaded))
run.log("customer_rows", profile["rows"])

os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "summary.json"), "w") as f:
    json.dump({"customers": profile, "docs": downloaded}, f, indent=2, sort_keys=True)
with open(os.path.join(args.out, "summary.txt"), "w") as f:
    f.write("customers: %d rows, %d active, mean score %.2f, %d cities\n"
            % (profile["rows"], profile["active"], profile["mean_score"], profile["cities"]))
    f.write("docs: %d files, %d lines\n" % (len(downloaded), sum(e["lines"] for e in downloaded)))
print(open(os.path.join(args.out, "summary.txt")).read(), end="")
