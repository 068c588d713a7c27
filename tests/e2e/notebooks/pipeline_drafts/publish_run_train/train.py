import argparse
import os

from azureml.core import Run

parser = argparse.ArgumentParser("train")
parser.add_argument("--output_train", type=str, default=None)
args = parser.parse_args()
print("In train.py; output_train:", args.output_train)
if args.output_train:
    os.makedirs(args.output_train, exist_ok=True)
    with open(os.path.join(args.output_train, "model.txt"), "w") as f:
        f.write("trained\n")
Run.get_context().log("trained", 1)
