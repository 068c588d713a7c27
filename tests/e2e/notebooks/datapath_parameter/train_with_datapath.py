# The notebook's train_with_datapath.py (its %%writefile cell): prints the two arguments;
# here it also lists the data the DataPath argument points at.
import argparse
import os

parser = argparse.ArgumentParser("train")
parser.add_argument("--arg1", type=str, help="sample string argument")
parser.add_argument("--arg2", type=str, help="sample datapath argument")
args = parser.parse_args()

print("Sample string argument  : %s" % args.arg1)
print("Sample datapath argument: %s" % args.arg2)
for name in sorted(os.listdir(args.arg2)):
    with open(os.path.join(args.arg2, name)) as f:
        print("data:", name, f.read().strip())
