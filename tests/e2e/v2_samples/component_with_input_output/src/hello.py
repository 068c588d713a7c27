# Lists and prints the files of its input folder, then writes one dated file to its output.
import argparse
import os
from datetime import datetime

print("Hello Python World")

parser = argparse.ArgumentParser()
parser.add_argument("--input_data", type=str)
parser.add_argument("--input_string", type=str)
parser.add_argument("--output_data", type=str)
args = parser.parse_args()

print("sample_input_string: %s" % args.input_string)
print("sample_input_data path: %s" % args.input_data)
print("sample_output_data path: %s" % args.output_data)

names = sorted(os.listdir(args.input_data))
print("files in input_data path: ")
print(names)
for name in names:
    print("reading file: %s ..." % name)
    with open(os.path.join(args.input_data, name)) as f:
        print(f.read())

stamp = datetime.now().strftime("%b-%d-%Y-%H-%M-%S")
target = os.path.join(args.output_data, "file-" + stamp + ".txt")
print("Writing file: %s" % target)
with open(target, "w") as f:
    print("Logging date time: %s" % stamp, file=f)
