import argparse
import os

import pandas as pd
from azureml.core import Run

p = argparse.ArgumentParser()
p.add_argument("--trips")
args = p.parse_args()
df = pd.read_csv(os.path.join(args.trips, "trips.csv"))
run = Run.get_context()
run.log("trips", len(df))
run.log("unit", os.environ.get("FARE_UNIT", "unset"))
