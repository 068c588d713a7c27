import argparse
import os
import pickle

parser = argparse.ArgumentParser("train")
parser.add_argument("--input_data", type=str)
parser.add_argument("--output_train", type=str)
args = parser.parse_args()
path = args.input_data
if os.path.isdir(path):
    path = os.path.join(path, "20news.pkl")
with open(path, "rb") as f:
    docs = pickle.load(f)
os.makedirs(args.output_train, exist_ok=True)
with open(os.path.join(args.output_train, "train.txt"), "w") as f:
    f.write("\n".join(d.lower() for d in docs))
