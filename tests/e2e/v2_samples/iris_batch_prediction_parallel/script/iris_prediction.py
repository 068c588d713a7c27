# Parallel-run entry script: a nearest-centroid classifier over a tabular mini-batch.
import argparse, json, os

model = None


def init():
    global model
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    a, _ = ap.parse_known_args()
    with open(os.path.join(a.model, "model.json")) as f:
        model = json.load(f)["centroids"]


def run(mini_batch):
    rows = []
    for _, r in mini_batch.iterrows():
        x, y = float(r["sepal_length"]), float(r["sepal_width"])
        label = min(model, key=lambda k: (model[k][0] - x) ** 2 + (model[k][1] - y) ** 2)
        rows.append("%s %s %s" % (r["species"], label, "ok" if label == r["species"] else "miss"))
    return rows
