import argparse
import os

print("In extract.py")
parser = argparse.ArgumentParser("extract")
parser.add_argument("--input_extract", type=str)
parser.add_argument("--output_extract", type=str)
args = parser.parse_args()
words = sorted(set(open(os.path.join(args.input_extract, "train.txt")).read().split()))
os.makedirs(args.output_extract, exist_ok=True)
with open(os.path.join(args.output_extract, "extract.txt"), "w") as f:
    f.write("\n".join(words))
