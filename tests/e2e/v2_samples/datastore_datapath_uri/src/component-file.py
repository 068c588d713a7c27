# Upper-cases the input file; records what the upstream step wrote.
import argparse, os

ap = argparse.ArgumentParser()
ap.add_argument("--input_file"); ap.add_argument("--upstream"); ap.add_argument("--output_data")
a = ap.parse_args()
text = open(a.input_file).read().upper()
upstream = open(os.path.join(a.upstream, "listing.txt")).read().splitlines()[0]
with open(os.path.join(a.output_data, "shout.txt"), "w") as f:
    f.write(text + "upstream said " + upstream + "\n")
