import argparse

from azureml.core import Run

parser = argparse.ArgumentParser()
for name in ("scheduled_time", "start_time", "utc_now", "yesterday"):
    parser.add_argument("--" + name)
args = parser.parse_args()
print("parameters:", vars(args))
Run.get_context().log("yesterday", args.yesterday)
