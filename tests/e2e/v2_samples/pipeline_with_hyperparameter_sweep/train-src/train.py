# Trains an SVC on the CSV, logs training_f1_score with mlflow, saves the model as an
# MLflow model folder and the held-out rows as test data.
import argparse, os

import mlflow
import mlflow.sklearn
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.svm import SVC


def flag(s):
    return str(s).lower() == "true"


ap = argparse.ArgumentParser()
ap.add_argument("--data"); ap.add_argument("--C", type=float); ap.add_argument("--kernel")
ap.add_argument("--degree", type=int); ap.add_argument("--gamma"); ap.add_argument("--coef0", type=float)
ap.add_argument("--shrinking", type=flag); ap.add_argument("--probability", type=flag)
ap.add_argument("--tol", type=float); ap.add_argument("--cache_size", type=float)
ap.add_argument("--verbose", type=flag); ap.add_argument("--max_iter", type=int)
ap.add_argument("--decision_function_shape"); ap.add_argument("--break_ties", type=flag)
ap.add_argument("--random_state", type=int)
ap.add_argument("--model_output"); ap.add_argument("--test_data")
a = ap.parse_args()

with mlflow.start_run():
    df = pd.read_csv(a.data)
    train, test = df.iloc[::2], df.iloc[1::2]
    features = ["sepal_length", "sepal_width"]
    model = SVC(C=a.C, kernel=a.kernel, degree=a.degree, gamma=a.gamma, coef0=a.coef0,
                shrinking=a.shrinking, probability=a.probability, tol=a.tol,
                cache_size=a.cache_size, verbose=a.verbose, max_iter=a.max_iter,
                decision_function_shape=a.decision_function_shape, break_ties=a.break_ties,
                random_state=a.random_state)
    model.fit(train[features], train["species"])
    f1 = f1_score(train["species"], model.predict(train[features]), average="macro")
    mlflow.log_params({"C": a.C, "kernel": a.kernel, "coef0": a.coef0})
    mlflow.log_metric("training_f1_score", f1)
    mlflow.sklearn.save_model(model, os.path.join(a.model_output, "model"))
    test.to_csv(os.path.join(a.test_data, "test.csv"), index=False)
    print("C=%g kernel=%s f1=%.4f" % (a.C, a.kernel, f1))
