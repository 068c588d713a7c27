"""Lists the files of a registered file dataset given as a folder (mode download or
ro_mount), logs how many files and lines it holds, and writes the listing to --out.

run.input_datasets[NAME] is the local folder for these modes: a copy (download) or
read-only links to the datastore's files (ro_mount).
"""
import argparse
import json
import os

from azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument("--input", required=True, help="name of the step input to read")
parser.add_argument("--out", required=True)
args = parser.parse_args()

run = Run.get_context()
folder = run.input_datasets[args.input]
print("reading", folder)

files = []
for root, _, names in os.walk(folder):
    for n in sorted(names):
        path = os.path.join(root, n)
        with open(path, "rb") as f:
            data = f.read()
        rel = os.path.relpath(path, folder)
        files.append({"name": rel, "bytes": len(data), "lines": data.count(b"\n"),
                      "link": os.path.islink(path)})
files.sort(key=lambda e: e["name"])
for e in files:
    print("  %-24s %5d bytes %3d lines%s" % (e["name"], e["bytes"], e["lines"],
                                             "  (link)" if e["link"] else ""))

run.log("files", len(files))
run.log("lines", sum(e["lines"] for e in files))
run.log("csv_files", sum(1 for e in files if e["name"].endswith(".csv")))

os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "listing.json"), "w") as f:
    # Links are how ro_mount works, not part of the content: leave them out.
    json.dump([{k: v for k, v in e.items() if k != "link"} for e in files], f, indent=2)
