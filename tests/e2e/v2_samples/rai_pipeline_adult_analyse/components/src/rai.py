"""Stand-in steps of a responsible-AI analysis (sklearn + pandas): one sub-command per
component. The dashboard folder carries the model and data; each insight is a JSON file."""
import argparse, glob, json, os, pickle, shutil

import pandas as pd
from sklearn.linear_model import LogisticRegression

step = os.sys.argv[1]
ap = argparse.ArgumentParser()
for flag in ("training_data", "target_column_name", "model_output", "model_input_path",
             "model_base_name", "model_name_suffix", "model_info_output_path", "title",
             "task_type", "model_info_path", "train", "test", "categorical_column_names",
             "rai_insights_dashboard", "comment", "explanation", "max_depth", "filter_features",
             "error_analysis", "constructor", "insight_1", "insight_2", "insight_3", "dashboard"):
    ap.add_argument("--" + flag)
a = ap.parse_args(os.sys.argv[2:])


def dump(folder, name, obj):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)


def features(df, target):
    return pd.get_dummies(df.drop(columns=[target]), dtype=float)


if step == "train_logistic_regression_for_rai":
    df = pd.read_csv(a.training_data)
    X = features(df, a.target_column_name)
    model = LogisticRegression(max_iter=1000).fit(X, df[a.target_column_name])
    os.makedirs(a.model_output, exist_ok=True)
    with open(os.path.join(a.model_output, "model.pkl"), "wb") as f:
        pickle.dump({"model": model, "columns": list(X.columns)}, f)
elif step == "register_model":
    suffix = int(a.model_name_suffix)
    name = a.model_base_name + ("" if suffix < 0 else "_%d" % suffix)
    shutil.copytree(a.model_input_path, os.path.join(a.model_info_output_path, "model"))
    dump(a.model_info_output_path, "model_info.json", {"id": name + ":1"})
elif step == "rai_insights_constructor":
    info = json.load(open(os.path.join(a.model_info_path, "model_info.json")))
    out = a.rai_insights_dashboard
    shutil.copytree(os.path.join(a.model_info_path, "model"), os.path.join(out, "model"))
    shutil.copy(a.train, os.path.join(out, "train.csv"))
    shutil.copy(a.test, os.path.join(out, "test.csv"))
    dump(out, "config.json", {"title": a.title, "task_type": a.task_type, "model_id": info["id"],
                              "target": a.target_column_name,
                              "categorical": json.loads(a.categorical_column_names)})
else:
    d = a.rai_insights_dashboard or a.constructor
    cfg = json.load(open(os.path.join(d, "config.json")))
    m = pickle.load(open(os.path.join(d, "model", "model.pkl"), "rb"))
    test = pd.read_csv(os.path.join(d, "test.csv"))
    X = features(test, cfg["target"]).reindex(columns=m["columns"], fill_value=0.0)
    wrong = m["model"].predict(X) != test[cfg["target"]]
    if step == "rai_insights_explanation":
        weights = dict(zip(m["columns"], m["model"].coef_[0].round(4)))
        dump(a.explanation, "explanation.json", {"comment": a.comment, "weights": weights})
    elif step == "rai_insights_erroranalysis":
        by = {f: test[wrong].groupby(f).size().to_dict() for f in json.loads(a.filter_features)}
        dump(a.error_analysis, "error_analysis.json",
             {"error_rate": round(float(wrong.mean()), 4), "errors_by_feature": by})
    elif step == "rai_insights_gather":
        merged = {"title": cfg["title"], "insights": []}
        for folder in (a.insight_1, a.insight_2, a.insight_3):
            if folder:
                for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
                    merged["insights"].append(os.path.basename(path))
        dump(a.dashboard, "dashboard.json", merged)
