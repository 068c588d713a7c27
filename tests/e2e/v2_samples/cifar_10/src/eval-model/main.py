# Each rank checks the model against the data; rank 0 prints the verdict.
import argparse, os, tarfile

ap = argparse.ArgumentParser()
ap.add_argument("--data-dir"); ap.add_argument("--model-dir")
a = ap.parse_args()
mean = float(open(os.path.join(a.model_dir, "mean.txt")).read().split()[0])
with tarfile.open(os.path.join(a.data_dir, "batches.tar.gz")) as tar:
    values = [int(v) for m in tar.getmembers() if m.isfile() for v in tar.extractfile(m).read().split()]
ok = abs(sum(values) / len(values) - mean) < 1e-9
print("rank %s of %s: model mean %g %s" % (os.environ["RANK"], os.environ["WORLD_SIZE"], mean,
                                           "matches" if ok else "DIFFERS"))
if not ok:
    raise SystemExit(1)
