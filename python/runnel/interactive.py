"""The step behind an interactive run (``Experiment.start_logging()``): it holds the run open
while the notebook or script that started it logs to it, and ends it as that process says.

    python -m runnel.interactive --lock PATH

The starting process holds an exclusive flock on PATH. This step writes the path of its run
context to PATH.ctx (so the starter logs into this very step run), then waits for the lock:
the starter releases it after writing PATH.status (Completed, Failed or Canceled), or by
ending without doing so, which ends the run Failed naming that. flock works across the
sandbox's PID namespace: no polling of process ids. Standard library only.
"""

import argparse
import fcntl
import os
import sys

from . import context as _context


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m runnel.interactive")
    p.add_argument("--lock", required=True)
    a = p.parse_args(argv)
    ctx = _context.context_path_from_env()
    if not ctx:
        sys.exit("runnel.interactive: not inside a runnel step (%s is not set)" % _context.ENV_VAR)
    tmp = a.lock + ".ctx.tmp"
    with open(tmp, "w") as f:
        f.write(os.path.abspath(ctx))
    os.replace(tmp, a.lock + ".ctx")
    print("interactive run: logging from the process that called start_logging()", flush=True)
    fd = os.open(a.lock, os.O_RDONLY | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_EX)  # until the starter completes the run or ends
    try:
        with open(a.lock + ".status") as f:
            status = f.read().strip()
    except FileNotFoundError:
        status = ""
    if status == "Completed":
        print("interactive run: completed", flush=True)
        return 0
    if status in ("Failed", "Canceled"):
        print("interactive run: %s by its starter" % status.lower(), file=sys.stderr, flush=True)
        return 1
    print("interactive run: the process that started it ended without run.complete(); the run "
          "ends Failed (call run.complete(), or use `with experiment.start_logging() as run:`)",
          file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
