import argparse
import os

from azureml.core import Run

parser = argparse.ArgumentParser("compare")
parser.add_argument("--compare_data1", type=str)
parser.add_argument("--compare_data2", type=str)
parser.add_argument("--output_compare", type=str)
parser.add_argument("--pipeline_param", type=int)
args = parser.parse_args()
with open(os.path.join(args.compare_data1, "train.txt")) as f:
    n = len(f.read().split())
with open(os.path.join(args.compare_data2, "words.txt")) as f:
    u = len(f.read().split())
os.makedirs(args.output_compare, exist_ok=True)
with open(os.path.join(args.output_compare, "compare.txt"), "w") as f:
    f.write("words=%d unique=%d param=%d\n" % (n, u, args.pipeline_param))
Run.get_context().log("pipeline_param", args.pipeline_param)
