import argparse
import hashlib
import os

from azureml.core import Run

p = argparse.ArgumentParser()
p.add_argument("--out")
a = p.parse_args()
run = Run.get_context()
password = run.get_secret("db-password")
both = run.get_secrets(["db-password", "api-key", "not-set"])
os.makedirs(a.out, exist_ok=True)
with open(os.path.join(a.out, "digest.txt"), "w") as f:
    f.write(hashlib.sha256(password.encode()).hexdigest() + "\n")
    f.write("api-key=%s not-set=%r\n" % (both["api-key"] == "k-" + password[::-1], both["not-set"]))
try:
    run.get_secret("missing-one")
except Exception as e:  # noqa: BLE001
    print("missing:", type(e).__name__, e)
print("read", len(password), "characters")
