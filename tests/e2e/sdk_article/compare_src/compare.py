import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("--training_results")
p.add_argument("--output")
a = p.parse_args()
with open(os.path.join(a.training_results, "model.txt")) as f:
    model = f.read()
os.makedirs(a.output, exist_ok=True)
with open(os.path.join(a.output, "report.md"), "w") as f:
    f.write("# Comparison\n\n" + model)
print("compared:", model.strip())
