# Predicts y for every x of --test_data with the model of --model_input.
import argparse, csv, glob, json, os

ap = argparse.ArgumentParser()
ap.add_argument("--model_input"); ap.add_argument("--test_data"); ap.add_argument("--score_output")
a = ap.parse_args()
w = json.load(open(os.path.join(a.model_input, "model.json")))["w"]
os.makedirs(a.score_output, exist_ok=True)
with open(os.path.join(a.score_output, "scores.csv"), "w") as out:
    out.write("x,y,pred\n")
    for f in sorted(glob.glob(os.path.join(a.test_data, "*.csv"))):
        for row in csv.DictReader(open(f)):
            out.write("%s,%s,%g\n" % (row["x"], row["y"], w * float(row["x"])))
