import argparse
import os

from azureml.core import Run

parser = argparse.ArgumentParser("filter")
parser.add_argument("--output_filter", type=str)
args = parser.parse_args()

merged = Run.get_context().input_datasets["merged_data"].to_pandas_dataframe()
filtered = merged[(merged["cost"] > 0) & (merged["distance"] > 0)]
print("filter kept %d of %d rows" % (len(filtered), len(merged)))
os.makedirs(args.output_filter, exist_ok=True)
filtered.to_csv(os.path.join(args.output_filter, "filtered.csv"), index=False)
