# One process of a 2-node "distributed" training: each rank takes every WORLD_SIZE-th batch
# of the archive and writes its partial sums; rank 0 also writes the model (the mean).
import argparse, os, tarfile

ap = argparse.ArgumentParser()
ap.add_argument("--data-dir"); ap.add_argument("--epochs", type=int); ap.add_argument("--model-dir")
a = ap.parse_args()
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
with tarfile.open(os.path.join(a.data_dir, "batches.tar.gz")) as tar:
    members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
    values = {m.name: [int(v) for v in tar.extractfile(m).read().split()] for m in members}
mine = [v for i, name in enumerate(sorted(values)) if i % world == rank for v in values[name]]
os.makedirs(os.path.join(a.model_dir, "model"), exist_ok=True)
with open(os.path.join(a.model_dir, "rank_%d.txt" % rank), "w") as f:
    f.write("%d %d\n" % (sum(mine), len(mine)))
if rank == 0:
    everything = [v for name in sorted(values) for v in values[name]]
    with open(os.path.join(a.model_dir, "model", "mean.txt"), "w") as f:
        f.write("%g epochs=%d world=%d master=%s\n" % (
            sum(everything) / len(everything), a.epochs, world, os.environ["MASTER_ADDR"]))
