# Parallel-run entry script: names the digit in each "image" file of the mini-batch by the
# closest glyph (Hamming distance) in the model folder.
import argparse, os

glyphs = {}


def init():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    a, _ = ap.parse_known_args()
    for line in open(os.path.join(a.model, "glyphs.txt")):
        digit, bits = line.split()
        glyphs[digit] = bits


def run(mini_batch):
    out = []
    for path in mini_batch:
        bits = open(path).read().strip()
        best = min(glyphs, key=lambda d: sum(x != y for x, y in zip(glyphs[d], bits)))
        out.append("%s %s" % (os.path.basename(path), best))
    return out
