# Data prep: counts the words of every downloaded "image" file and writes one CSV row per file.
import argparse
import os

from azureml.core import Run

p = argparse.ArgumentParser()
p.add_argument("--input")
p.add_argument("--output")
a = p.parse_args()
run = Run.get_context()
os.makedirs(a.output, exist_ok=True)
rows = []
for root, _dirs, files in os.walk(a.input):
    for f in sorted(files):
        with open(os.path.join(root, f)) as fh:
            rows.append("%s,%d" % (f, len(fh.read().split())))
with open(os.path.join(a.output, "prepped.csv"), "w") as out:
    out.write("file,words\n" + "\n".join(sorted(rows)) + "\n")
run.log("files", len(rows))
print("prepared %d files from %s" % (len(rows), a.input))
