# Counts the lines of the input folder's files; writes the count after --input_string.
import argparse, os

ap = argparse.ArgumentParser()
ap.add_argument("--input_data"); ap.add_argument("--input_string"); ap.add_argument("--output_data")
a = ap.parse_args()
n = sum(len(open(os.path.join(a.input_data, f)).read().splitlines()) for f in sorted(os.listdir(a.input_data)))
with open(os.path.join(a.output_data, "hello.txt"), "w") as f:
    f.write("%s %d\n" % (a.input_string, n))
