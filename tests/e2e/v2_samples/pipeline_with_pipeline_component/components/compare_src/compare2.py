# Keeps the model whose report has the lower mean absolute error (the first on a tie).
import argparse, os, shutil

ap = argparse.ArgumentParser()
for n in ("model1", "eval_result1", "model2", "eval_result2", "best_model", "best_result"):
    ap.add_argument("--" + n)
a = ap.parse_args()


def mae(folder):
    text = open(os.path.join(folder, "report.txt")).read()
    return float(text.split("mae=")[1].split()[0])


best = 1 if mae(a.eval_result1) <= mae(a.eval_result2) else 2
model, report = (a.model1, a.eval_result1) if best == 1 else (a.model2, a.eval_result2)
shutil.copytree(model, a.best_model, dirs_exist_ok=True)
with open(os.path.join(a.best_result, "best.txt"), "w") as f:
    f.write("best=model%d\n" % best + open(os.path.join(report, "report.txt")).read())
