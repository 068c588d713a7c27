# Predicts the test rows with the MLflow model folder; writes predictions and accuracy.
import argparse, os

import mlflow.sklearn
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("--model"); ap.add_argument("--test_data"); ap.add_argument("--predict_result")
a = ap.parse_args()
model = mlflow.sklearn.load_model(os.path.join(a.model, "model"))
df = pd.read_csv(os.path.join(a.test_data, "test.csv"))
df["predicted"] = model.predict(df[["sepal_length", "sepal_width"]])
df.to_csv(os.path.join(a.predict_result, "predictions.csv"), index=False)
with open(os.path.join(a.predict_result, "accuracy.txt"), "w") as f:
    f.write("%.4f\n" % (df["predicted"] == df["species"]).mean())
