# Lists the input folder and writes the listing plus --input_string to the output folder.
import argparse, os

ap = argparse.ArgumentParser()
ap.add_argument("--input_data"); ap.add_argument("--input_string"); ap.add_argument("--output_data")
a = ap.parse_args()
names = sorted(os.listdir(a.input_data))
with open(os.path.join(a.output_data, "listing.txt"), "w") as f:
    f.write(a.input_string + "\n" + "\n".join(names) + "\n")
