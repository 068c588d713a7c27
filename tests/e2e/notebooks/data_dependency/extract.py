# The notebook's extract.py: reads processed_data1, writes processed_data2.
import argparse
import os

parser = argparse.ArgumentParser("extract")
parser.add_argument("--input_extract", type=str, help="input_extract data")
parser.add_argument("--output_extract", type=str, help="output_extract directory")
args = parser.parse_args()

with open(os.path.join(args.input_extract, "words.txt")) as f:
    words = f.read().split()
os.makedirs(args.output_extract, exist_ok=True)
with open(os.path.join(args.output_extract, "vocabulary.txt"), "w") as f:
    f.write("\n".join(sorted(set(w.lower() for w in words))))
print("%s created" % args.output_extract)
