# The notebook's compare.py: the DataPath parameter (a file) and processed_data2 in,
# processed_data3 out.
import argparse
import os
import pickle

parser = argparse.ArgumentParser("compare")
parser.add_argument("--compare_data1", type=str, help="compare_data1 data")
parser.add_argument("--compare_data2", type=str, help="compare_data2 data")
parser.add_argument("--output_compare", type=str, help="output_compare directory")
args = parser.parse_args()

with open(args.compare_data1, "rb") as f:
    docs = pickle.load(f)
with open(os.path.join(args.compare_data2, "vocabulary.txt")) as f:
    vocabulary = set(f.read().split())
known = sum(1 for d in docs for w in d.split() if w.lower() in vocabulary)
total = sum(len(d.split()) for d in docs)
os.makedirs(args.output_compare, exist_ok=True)
with open(os.path.join(args.output_compare, "compare.txt"), "w") as f:
    f.write("%d of %d words known\n" % (known, total))
print("%d of %d words known" % (known, total))
