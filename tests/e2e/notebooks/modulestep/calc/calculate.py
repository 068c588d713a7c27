# Adds and multiplies two numbers, given as arguments or read from files, and writes the
# sum and the product to the two output files.
import argparse
import os


def number(value, path):
    if path:
        with open(path) as f:
            return int(f.read().strip())
    return int(value)


parser = argparse.ArgumentParser()
parser.add_argument("--arg_num1")
parser.add_argument("--arg_num2")
parser.add_argument("--file_num1")
parser.add_argument("--file_num2")
parser.add_argument("--output_sum", required=True)
parser.add_argument("--output_product", required=True)
args = parser.parse_args()
a = number(args.arg_num1, args.file_num1)
b = number(args.arg_num2, args.file_num2)
for path, value in ((args.output_sum, a + b), (args.output_product, a * b)):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write("%d\n" % value)
print("a=%d b=%d sum=%d product=%d" % (a, b, a + b, a * b))
