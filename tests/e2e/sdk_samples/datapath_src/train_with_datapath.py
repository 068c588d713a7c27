import argparse
import os

from azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument('--arg1', type=str)
parser.add_argument('--arg2', type=str)
args = parser.parse_args()
print('arg1:', args.arg1)
print('arg2:', args.arg2)
path = args.arg2
if os.path.isdir(path):
    path = os.path.join(path, sorted(os.listdir(path))[0])
with open(path) as f:
    rows = f.read().splitlines()[1:]
run = Run.get_context()
run.log("arg1", args.arg1)
run.log("rows", len(rows))
print("rows:", len(rows))
