"""A stand-in for the segmentation trainer: pairs images with masks by the two filename
patterns, checks the TensorFlow cluster spec runnel set, and writes a 'model' summary and
one checkpoint per epoch."""
import argparse, json, os, re

ap = argparse.ArgumentParser()
for flag in ("train_images", "train_masks", "test_images", "test_masks", "images_filename_pattern",
             "masks_filename_pattern", "cache", "model_arch", "optimizer", "loss", "model_output",
             "checkpoints", "distributed_strategy", "distributed_backend", "enable_profiling"):
    ap.add_argument("--" + flag)
for flag in ("batch_size", "num_workers", "prefetch_factor", "num_classes", "model_input_size",
             "num_epochs", "num_gpus"):
    ap.add_argument("--" + flag, type=int)
a = ap.parse_args()


def keyed(folder, pattern):
    out = {}
    for name in sorted(os.listdir(folder)):
        m = re.fullmatch(pattern, name)
        if m:
            out[m.group(1)] = name
    return out


images = keyed(a.train_images, a.images_filename_pattern)
masks = keyed(a.train_masks, a.masks_filename_pattern)
pairs = sorted(set(images) & set(masks))
tf_config = json.loads(os.environ["TF_CONFIG"])
for epoch in range(a.num_epochs):
    with open(os.path.join(a.checkpoints, "epoch_%02d.txt" % epoch), "w") as f:
        f.write("%d pairs\n" % len(pairs))
with open(os.path.join(a.model_output, "model.json"), "w") as f:
    json.dump({"arch": a.model_arch, "pairs": pairs, "classes": a.num_classes,
               "task": tf_config["task"], "nccl_debug": os.environ.get("NCCL_DEBUG"),
               "profiling": a.enable_profiling}, f, sort_keys=True)
print("trained %s on %d pairs" % (a.model_arch, len(pairs)))
