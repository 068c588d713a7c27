# Mean absolute error of the scores in --scoring_result.
import argparse, csv, os

ap = argparse.ArgumentParser()
ap.add_argument("--scoring_result"); ap.add_argument("--eval_output")
a = ap.parse_args()
rows = list(csv.DictReader(open(os.path.join(a.scoring_result, "scores.csv"))))
mae = sum(abs(float(r["y"]) - float(r["pred"])) for r in rows) / len(rows)
os.makedirs(a.eval_output, exist_ok=True)
open(os.path.join(a.eval_output, "report.txt"), "w").write("rows=%d mae=%g\n" % (len(rows), mae))
