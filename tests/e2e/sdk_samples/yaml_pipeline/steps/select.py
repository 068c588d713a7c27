import argparse
import os

import pandas as pd

p = argparse.ArgumentParser()
for a in ("--raw_file", "--raw_folder", "--min_distance", "--output"):
    p.add_argument(a)
args = p.parse_args()
print("raw folder:", sorted(os.listdir(args.raw_folder)))
df = pd.read_csv(args.raw_file)
df = df[df["tripDistance"] >= float(args.min_distance)]
os.makedirs(args.output, exist_ok=True)
df.to_csv(os.path.join(args.output, "trips.csv"), index=False)
