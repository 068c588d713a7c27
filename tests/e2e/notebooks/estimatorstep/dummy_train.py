import argparse
import os

print("In dummy_train.py")
parser = argparse.ArgumentParser("train")
parser.add_argument("--datadir", type=str)
parser.add_argument("--output", type=str)
args = parser.parse_args()
print("datadir:", args.datadir, os.path.getsize(args.datadir))
os.makedirs(args.output, exist_ok=True)
with open(os.path.join(args.output, "trained.txt"), "w") as f:
    f.write("input bytes=%d\n" % os.path.getsize(args.datadir))
