"""Train step: fit one classifier on train/, score it on test/, save model and metrics.

    python train.py --model random_forest --train_data IN/train --test_data IN/test \
        --model_output OUT/model [--seed 42] [--C 1.0] [--n_estimators 100]
        [--learning_rate 0.1] [--max_depth 3]

Writes model.pkl and metrics.json to --model_output and logs accuracy, f1, precision,
recall, training time, a per-stage learning curve and a confusion matrix to the run.
"""

import argparse
import glob
import json
import os
import pickle
import time

import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, precision_score,
                             recall_score)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from runnel import Run

MODELS = ("logistic_regression", "random_forest", "gradient_boosting", "svm")


def read_folder(folder):
    """All CSV files of a folder as one frame, and the label column named in schema.json."""
    files = sorted(glob.glob(os.path.join(folder, "*.csv")))
    if not files:
        raise SystemExit("error: no .csv file in %s; is it the prep step's output?" % folder)
    label = "target"
    schema = os.path.join(folder, "schema.json")
    if os.path.exists(schema):
        with open(schema) as f:
            label = json.load(f).get("label", label)
    frame = pd.concat([pd.read_csv(p) for p in files], ignore_index=True)
    return frame.drop(columns=[label]), frame[label]


def build(args):
    if args.model == "logistic_regression":
        return make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=2000))
    if args.model == "random_forest":
        return RandomForestClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth,
                                      random_state=args.seed, n_jobs=1)
    if args.model == "gradient_boosting":
        return GradientBoostingClassifier(n_estimators=args.n_estimators,
                                          learning_rate=args.learning_rate,
                                          max_depth=args.max_depth or 3, random_state=args.seed)
    return make_pipeline(StandardScaler(), SVC(C=args.C, random_state=args.seed))


def log_learning_curve(run, model, args, x_test, y_test):
    """Logs test accuracy as the ensemble grows (one row per stage), where that exists."""
    if args.model == "gradient_boosting":
        step = max(1, args.n_estimators // 10)
        for i, pred in enumerate(model.staged_predict(x_test), start=1):
            if i % step == 0 or i == args.n_estimators:
                run.log_row("learning_curve", stage=i, test_accuracy=accuracy_score(y_test, pred))
        run.log_list("train_loss", [round(float(v), 6) for v in model.train_score_])
    elif args.model == "random_forest":
        trees = model.estimators_
        step = max(1, len(trees) // 10)
        x = x_test.to_numpy()
        votes = 0
        for i, tree in enumerate(trees, start=1):
            votes = votes + tree.predict_proba(x)
            if i % step == 0 or i == len(trees):
                pred = model.classes_[votes.argmax(axis=1)]
                run.log_row("learning_curve", stage=i, test_accuracy=accuracy_score(y_test, pred))
    elif args.model == "logistic_regression":
        run.log("iterations", int(model[-1].n_iter_.max()))
    else:
        run.log_list("support_vectors", model[-1].n_support_)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument("--train_data", required=True, help="folder with the training CSV")
    parser.add_argument("--test_data", required=True, help="folder with the test CSV")
    parser.add_argument("--model_output", required=True, help="folder to write the model to")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularization (lr, svm)")
    parser.add_argument("--n_estimators", type=int, default=100, help="trees or stages (rf, gb)")
    parser.add_argument("--learning_rate", type=float, default=0.1, help="shrinkage (gb)")
    parser.add_argument("--max_depth", type=int, default=None, help="tree depth (rf, gb)")
    args = parser.parse_args()

    run = Run.get_context()
    x_train, y_train = read_folder(args.train_data)
    x_test, y_test = read_folder(args.test_data)
    print("model %s: %d training rows, %d test rows, %d features"
          % (args.model, len(x_train), len(x_test), x_train.shape[1]))

    model = build(args)
    start = time.perf_counter()
    model.fit(x_train, y_train)
    training_time = time.perf_counter() - start
    pred = model.predict(x_test)

    average = "binary" if y_train.nunique() == 2 else "macro"
    metrics = {
        "model": args.model,
        "accuracy": accuracy_score(y_test, pred),
        "f1": f1_score(y_test, pred, average=average),
        "precision": precision_score(y_test, pred, average=average, zero_division=0),
        "recall": recall_score(y_test, pred, average=average, zero_division=0),
        "training_time_s": round(training_time, 4),
        "train_rows": len(x_train),
        "test_rows": len(x_test),
        "params": {k: v for k, v in vars(args).items()
                   if k not in ("train_data", "test_data", "model_output")},
    }
    for name in ("accuracy", "f1", "precision", "recall", "training_time_s"):
        run.log(name, metrics[name])
        print("  %-16s %.4f" % (name, metrics[name]))
    log_learning_curve(run, model, args, x_test, y_test)
    labels = sorted(y_test.unique())
    cm = confusion_matrix(y_test, pred, labels=labels)
    table = {"actual": [int(v) for v in labels]}
    for j, label in enumerate(labels):
        table["predicted_%d" % label] = cm[:, j]
    run.log_table("confusion_matrix", table)
    run.tag("model", args.model)

    os.makedirs(args.model_output, exist_ok=True)
    with open(os.path.join(args.model_output, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    with open(os.path.join(args.model_output, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print("wrote model.pkl and metrics.json to %s" % args.model_output)


if __name__ == "__main__":
    main()
