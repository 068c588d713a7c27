# "Identifies" the digit in each image file of a mini-batch with the registered model (a
# folder; here the digit is written in the file) and returns "name: digit" rows.
import json
import os

from azureml.core import Model


def init():
    global model
    model_dir = Model.get_model_path("mnist-prs")
    with open(os.path.join(model_dir, "model.json")) as f:
        model = json.load(f)


def run(mini_batch):
    print(f"run method start: {__file__}, run({mini_batch})")
    results = []
    for image in mini_batch:
        with open(image) as f:
            digit = f.read().strip().split("-")[-1]
        results.append("%s: %s" % (os.path.basename(image), digit))
    return results
