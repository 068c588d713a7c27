import argparse
import os

print("In compare.py")
parser = argparse.ArgumentParser("compare")
parser.add_argument("--compare_data1", type=str)
parser.add_argument("--compare_data2", type=str)
parser.add_argument("--output_compare", type=str)
args = parser.parse_args()
a = open(os.path.join(args.compare_data1, "train.txt")).read().split()
b = open(os.path.join(args.compare_data2, "extract.txt")).read().split()
os.makedirs(args.output_compare, exist_ok=True)
with open(os.path.join(args.output_compare, "compare.txt"), "w") as f:
    f.write("words=%d unique=%d\n" % (len(a), len(b)))
print("compared", len(a), len(b))
