"""Prep step: split a scikit-learn toy data set into train/ and test/ CSV folders.

The data ships with Debian's python3-sklearn (no download). Each output folder gets one
CSV file with a header; the label is the column `target`.

    python prepare.py --dataset breast_cancer --test_size 0.25 --seed 42 \
        --train_data OUT/train --test_data OUT/test
"""

import argparse
import json
import os

from azureml.core import Run  # the runnel shim; `from runnel import Run` works the same

from sklearn import datasets
from sklearn.model_selection import train_test_split

LOADERS = {
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "iris": datasets.load_iris,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(LOADERS), default="breast_cancer")
    parser.add_argument("--test_size", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--train_data", required=True, help="output folder for train.csv")
    parser.add_argument("--test_data", required=True, help="output folder for test.csv")
    args = parser.parse_args()

    run = Run.get_context()
    frame = LOADERS[args.dataset](as_frame=True).frame
    train, test = train_test_split(frame, test_size=args.test_size, random_state=args.seed,
                                   stratify=frame["target"])
    for folder, part, name in ((args.train_data, train, "train.csv"),
                               (args.test_data, test, "test.csv")):
        os.makedirs(folder, exist_ok=True)
        part.to_csv(os.path.join(folder, name), index=False)
        with open(os.path.join(folder, "schema.json"), "w") as f:
            json.dump({"dataset": args.dataset, "label": "target", "rows": len(part),
                       "features": [c for c in part.columns if c != "target"]}, f, indent=2)

    classes = sorted(int(c) for c in frame["target"].unique())
    print("dataset %s: %d rows, %d features, classes %s"
          % (args.dataset, len(frame), frame.shape[1] - 1, classes))
    print("train: %d rows -> %s" % (len(train), args.train_data))
    print("test:  %d rows -> %s" % (len(test), args.test_data))
    run.log("train_rows", len(train))
    run.log("test_rows", len(test))
    run.log("features", frame.shape[1] - 1)
    run.log_list("class_counts_train", train["target"].value_counts().sort_index().tolist())
    run.tag("dataset", args.dataset)


if __name__ == "__main__":
    main()
