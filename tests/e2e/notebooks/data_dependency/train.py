# The notebook's train.py: reads the data reference (a file) and writes processed_data1.
import argparse
import os
import pickle

parser = argparse.ArgumentParser("train")
parser.add_argument("--input_data", type=str, help="input data")
parser.add_argument("--output_train", type=str, help="output_train directory")
args = parser.parse_args()

with open(args.input_data, "rb") as f:
    docs = pickle.load(f)
os.makedirs(args.output_train, exist_ok=True)
with open(os.path.join(args.output_train, "words.txt"), "w") as f:
    f.write("\n".join(w for d in docs for w in d.split()))
print("%s created, %d documents" % (args.output_train, len(docs)))
