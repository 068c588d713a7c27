# Writes the rendezvous environment of this process to <out>/<rank>.json.
import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--tag", default="")
args = parser.parse_args()

KEYS = ["MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK", "NODE_RANK",
        "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
        "TF_CONFIG"]
rank = os.environ.get("RANK") or os.environ.get("OMPI_COMM_WORLD_RANK")
if rank is None:
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    rank = "%s%d" % (task["type"], task["index"])
with open(os.path.join(args.out, "%s.json" % rank), "w") as f:
    json.dump({k: os.environ[k] for k in KEYS if k in os.environ}, f)
print("rank", rank, args.tag)
