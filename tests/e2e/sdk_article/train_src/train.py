# "Training": the mean word count of the prepped files, written as the model.
import argparse
import os

from azureml.core import Run

p = argparse.ArgumentParser()
p.add_argument("--prepped_data")
p.add_argument("--training_results")
a = p.parse_args()
with open(os.path.join(a.prepped_data, "prepped.csv")) as f:
    words = [int(line.split(",")[1]) for line in f.read().splitlines()[1:]]
mean = sum(words) / len(words)
os.makedirs(a.training_results, exist_ok=True)
with open(os.path.join(a.training_results, "model.txt"), "w") as f:
    f.write("mean_words=%f\n" % mean)
Run.get_context().log("mean_words", mean)
print("trained on %d rows" % len(words))
