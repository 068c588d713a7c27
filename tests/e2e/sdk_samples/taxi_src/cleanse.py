import argparse
import ast
import os

from azureml.core import Run

parser = argparse.ArgumentParser("cleanse")
parser.add_argument("--useful_columns", type=str)
parser.add_argument("--columns", type=str)
parser.add_argument("--output_cleanse", type=str)
args = parser.parse_args()

raw = Run.get_context().input_datasets["raw_data"].to_pandas_dataframe()
columns = ast.literal_eval(args.columns)
useful = ast.literal_eval(args.useful_columns)
cleansed = raw.rename(columns=columns)[useful].dropna()
os.makedirs(args.output_cleanse, exist_ok=True)
cleansed.to_csv(os.path.join(args.output_cleanse, "cleansed.csv"), index=False)
print("cleansed", len(cleansed), "rows")
