"""The five steps of the toy taxi-fare regression, one sub-command each (standard library only).

prep: merge the CSVs and drop rows with a non-positive distance. transform: add a
feature. train: fit fare = a + b * distance on the first 3/4, keep the rest as test data.
predict: predict the test fares. score: mean absolute error, written as a report."""
import argparse, csv, glob, json, os


def read_rows(folder):
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        with open(path) as f:
            rows += list(csv.DictReader(f))
    return rows


def write_rows(folder, name, rows):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


ap = argparse.ArgumentParser()
ap.add_argument("step")
for flag in ("raw_data", "prep_data", "clean_data", "transformed_data", "training_data",
             "test_data", "model_output", "model_input", "predictions", "model", "score_report"):
    ap.add_argument("--" + flag)
a = ap.parse_args()

if a.step == "prep":
    rows = [r for r in read_rows(a.raw_data) if float(r["distance"]) > 0]
    write_rows(a.prep_data, "merged.csv", rows)
elif a.step == "transform":
    rows = read_rows(a.clean_data)
    for r in rows:
        r["per_passenger"] = "%g" % (float(r["distance"]) / int(r["passengers"]))
    write_rows(a.transformed_data, "features.csv", rows)
elif a.step == "train":
    rows = read_rows(a.training_data)
    cut = len(rows) * 3 // 4
    train, test = rows[:cut], rows[cut:]
    xs = [float(r["distance"]) for r in train]
    ys = [float(r["fare"]) for r in train]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    os.makedirs(a.model_output, exist_ok=True)
    with open(os.path.join(a.model_output, "model.json"), "w") as f:
        json.dump({"intercept": round(my - b * mx, 6), "slope": round(b, 6)}, f)
    write_rows(a.test_data, "test.csv", test)
elif a.step == "predict":
    m = json.load(open(os.path.join(a.model_input, "model.json")))
    rows = read_rows(a.test_data)
    for r in rows:
        r["predicted"] = "%g" % (m["intercept"] + m["slope"] * float(r["distance"]))
    write_rows(a.predictions, "predictions.csv", rows)
elif a.step == "score":
    rows = read_rows(a.predictions)
    mae = sum(abs(float(r["fare"]) - float(r["predicted"])) for r in rows) / len(rows)
    m = json.load(open(os.path.join(a.model, "model.json")))
    os.makedirs(a.score_report, exist_ok=True)
    with open(os.path.join(a.score_report, "score.txt"), "w") as f:
        f.write("rows: %d\nmae: %.3f\nslope: %g\n" % (len(rows), mae, m["slope"]))
