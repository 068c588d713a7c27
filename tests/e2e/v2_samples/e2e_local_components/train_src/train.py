# Fits y = w * x on every CSV in --training_data by --max_epocs steps of normalized gradient
# descent (10 when not given) from w = 0 with --learning_rate; writes the weight.
import argparse, csv, glob, json, os

ap = argparse.ArgumentParser()
ap.add_argument("--training_data"); ap.add_argument("--max_epocs", type=int)
ap.add_argument("--learning_rate", type=float); ap.add_argument("--learning_rate_schedule")
ap.add_argument("--model_output")
a = ap.parse_args()
xs, ys = [], []
for f in sorted(glob.glob(os.path.join(a.training_data, "*.csv"))):
    for row in csv.DictReader(open(f)):
        xs.append(float(row["x"])); ys.append(float(row["y"]))
epochs = a.max_epocs if a.max_epocs is not None else 10
sxx = sum(x * x for x in xs)
w = 0.0
for _ in range(epochs):
    w -= a.learning_rate * sum(x * (w * x - y) for x, y in zip(xs, ys)) / sxx
os.makedirs(a.model_output, exist_ok=True)
json.dump({"w": round(w, 6), "epochs": epochs, "lr": a.learning_rate,
           "schedule": a.learning_rate_schedule}, open(os.path.join(a.model_output, "model.json"), "w"))
