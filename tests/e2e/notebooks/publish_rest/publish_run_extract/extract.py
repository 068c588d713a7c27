import argparse
import os

parser = argparse.ArgumentParser("extract")
parser.add_argument("--input_extract", type=str)
parser.add_argument("--output_extract", type=str)
args = parser.parse_args()
with open(os.path.join(args.input_extract, "train.txt")) as f:
    words = f.read().split()
os.makedirs(args.output_extract, exist_ok=True)
with open(os.path.join(args.output_extract, "words.txt"), "w") as f:
    f.write("\n".join(sorted(set(words))))
