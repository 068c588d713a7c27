# The step of the publishing samples: writes its arguments to its output and stdout.
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--arg", required=True)
parser.add_argument("--label", default="v1")
parser.add_argument("--output", required=True)
args = parser.parse_args()
os.makedirs(args.output, exist_ok=True)
with open(os.path.join(args.output, "result.txt"), "w") as f:
    f.write("%s arg=%s\n" % (args.label, args.arg))
print("echo_step %s arg=%s" % (args.label, args.arg))
