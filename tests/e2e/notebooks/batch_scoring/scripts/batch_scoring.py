# Labels each image of a mini-batch: the registered model (found by name) and the labels
# dataset (by name) as the tutorial's scoring script uses them; here the class index is
# written in the image file.
import argparse
import os

from azureml.core import Dataset, Run
from azureml.core.model import Model


def init():
    global labels, model_path
    parser = argparse.ArgumentParser(description="Start a tensorflow model serving")
    parser.add_argument('--model_name', dest="model_name", required=True)
    parser.add_argument('--labels_name', dest="labels_name", required=True)
    args, _ = parser.parse_known_args()
    ws = Run.get_context().experiment.workspace
    labels_ds = Dataset.get_by_name(ws, args.labels_name)
    labels_dir = "labels_download"
    labels_ds.download(target_path=labels_dir, overwrite=True)
    with open(os.path.join(labels_dir, "labels.txt")) as f:
        labels = [line.strip() for line in f if line.strip()]
    model_path = Model.get_model_path(args.model_name)
    assert os.path.isfile(model_path), model_path


def run(mini_batch):
    out = []
    for image in mini_batch:
        with open(image) as f:
            index = int(f.read().strip().split("-")[-1])
        out.append("%s: %s" % (os.path.basename(image), labels[index]))
    return out
