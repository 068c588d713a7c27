"""Profiles the registered tabular dataset `customers`, read in mode direct.

run.input_datasets["customers"] is a TabularDataset: to_pandas_dataframe() gives a DataFrame
whose dtypes follow the dataset's column types. Logs the row count and a few numbers, and
writes them to --out as profile.json.
"""
import argparse
import json
import os

from azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
args = parser.parse_args()

run = Run.get_context()
customers = run.input_datasets["customers"]
print("dataset:", customers)
df = customers.to_pandas_dataframe()
print("dtypes:")
print(df.dtypes.to_string())
print(df.head().to_string())

profile = {
    "rows": int(len(df)),
    "columns": {c: str(t) for c, t in df.dtypes.items()},
    "active": int(df["active"].sum()),
    "mean_score": round(float(df["score"].mean()), 4),
    "cities": int(df["city"].nunique()),
    "first_signup": df["signup_date"].min().date().isoformat(),
    "last_signup": df["signup_date"].max().date().isoformat(),
}
run.log("rows", profile["rows"])
run.log("active", profile["active"])
run.log("mean_score", profile["mean_score"])
run.log("cities", profile["cities"])

os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "profile.json"), "w") as f:
    json.dump(profile, f, indent=2, sort_keys=True)
print("profile:", json.dumps(profile, sort_keys=True))
