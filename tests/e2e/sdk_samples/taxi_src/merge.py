import argparse
import os

import pandas as pd
from azureml.core import Run

parser = argparse.ArgumentParser("merge")
parser.add_argument("--output_merge", type=str)
args = parser.parse_args()

run = Run.get_context()
green = run.input_datasets["cleansed_green_data"].to_pandas_dataframe()
yellow = run.input_datasets["cleansed_yellow_data"].to_pandas_dataframe()
print("inputs:", type(run.input_datasets["cleansed_green_data"]).__name__, len(green), len(yellow))
merged = pd.concat([green, yellow], ignore_index=True)
os.makedirs(args.output_merge, exist_ok=True)
merged.to_csv(os.path.join(args.output_merge, "merged.csv"), index=False)
