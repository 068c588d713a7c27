# Sums the sizes of the files of a mini-batch (one user/genre partition) and returns one
# "name,size,ratio,user,genre,total" row per file.
import os


def init():
    print("Init")


def run(mini_batch, mini_batch_context):
    keys = mini_batch_context.partition_key_value
    print("partition:", keys, "files:", len(mini_batch))
    sizes = [os.path.getsize(p) for p in mini_batch]
    total = sum(sizes)
    return [",".join(str(x) for x in (os.path.basename(p), size, size * 1.0 / total, keys["user"], keys["genres"], total))
            for p, size in zip(mini_batch, sizes)]
