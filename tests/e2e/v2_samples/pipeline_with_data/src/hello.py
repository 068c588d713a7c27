# Copies every line of the input folder's files into out/lines.txt, tagging it with --step.
import argparse, os

ap = argparse.ArgumentParser()
ap.add_argument("--step"); ap.add_argument("--in", dest="src"); ap.add_argument("--out")
a = ap.parse_args()
lines = []
for name in sorted(os.listdir(a.src)):
    with open(os.path.join(a.src, name)) as f:
        lines += [line.rstrip("\n") for line in f if line.strip()]
os.makedirs(a.out, exist_ok=True)
with open(os.path.join(a.out, "lines.txt"), "w") as f:
    for line in lines:
        f.write(line + (" " if line else "") + a.step + "\n")
print("step", a.step, "wrote", len(lines), "lines")
