"""Distributed launch for a step with `distribution:` (PyTorch, MPI or TensorFlow): starts the
step's command once per process, with the rendezvous environment variables each framework
expects, as Azure ML does on its clusters.

    python -m runnel.launch --type pytorch --nodes 2 --procs-per-node 4 \
        --log-dir RUN_DIR/logs/user_logs -- /bin/sh -c 'python train.py'

The engine writes this command for a step whose job has `distribution:` (see
src/engine/step_lifecycle.cc); users do not call it themselves.

What each process gets:
- ``pytorch``: MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK, NODE_RANK,
  GROUP_RANK, LOCAL_WORLD_SIZE (what torch.distributed's env:// init and torchrun use).
- ``mpi``: Open MPI's OMPI_COMM_WORLD_RANK/_SIZE/_LOCAL_RANK/_LOCAL_SIZE/_NODE_RANK and
  MPICH's PMI_RANK/PMI_SIZE, plus AZ_BATCHAI_MPI_MASTER_NODE. The processes are started by
  runnel, not by mpirun: a program that reads its rank from these variables works; one that
  needs MPI_Init to form a world with the others needs mpirun, which runnel does not run.
- ``tensorflow``: TF_CONFIG with the cluster (``worker_count`` workers and
  ``parameter_server_count`` parameter servers) and the process's own task, as Azure ML
  writes it.

Where the processes run: with ``--nodes N`` outside Slurm, all N "nodes" are simulated on
this machine (MASTER_ADDR 127.0.0.1); under ``srun`` on a Slurm allocation of N nodes (one
launcher per node), each launcher starts its own node's processes, NODE_RANK is
SLURM_NODEID and MASTER_ADDR the allocation's first host.

Logs: process 0 writes to the step's stdout and stderr; process k > 0 to
``<log-dir>/std_log_process_<k>.txt`` (Azure ML's names). When a process fails, the others
are stopped (SIGTERM, then SIGKILL after 10 s), and the step fails with the failed process's
exit code and the last lines of its log. Standard library only.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

TYPES = ("pytorch", "mpi", "tensorflow")


class LaunchError(Exception):
    """Bad arguments; the message says what."""


def task_count(args):
    """How many processes the whole job has."""
    if args.type == "tensorflow":
        return args.worker_count + args.parameter_server_count
    return args.nodes * args.procs_per_node


def node_of(args, g):
    """The node that global process `g` runs on."""
    if args.type == "tensorflow":
        return g % args.nodes  # tasks spread round-robin over the nodes
    return g // args.procs_per_node


def rank_environment(args, g, hosts, port):
    """The environment variables of global process `g` (0-based) of the job."""
    node = node_of(args, g)
    if args.type == "pytorch":
        local = g % args.procs_per_node
        return {
            "MASTER_ADDR": hosts[0],
            "MASTER_PORT": str(port),
            "WORLD_SIZE": str(task_count(args)),
            "RANK": str(g),
            "LOCAL_RANK": str(local),
            "NODE_RANK": str(node),
            "GROUP_RANK": str(node),
            "LOCAL_WORLD_SIZE": str(args.procs_per_node),
        }
    if args.type == "mpi":
        local = g % args.procs_per_node
        return {
            "OMPI_COMM_WORLD_RANK": str(g),
            "OMPI_COMM_WORLD_SIZE": str(task_count(args)),
            "OMPI_COMM_WORLD_LOCAL_RANK": str(local),
            "OMPI_COMM_WORLD_LOCAL_SIZE": str(args.procs_per_node),
            "OMPI_COMM_WORLD_NODE_RANK": str(node),
            "PMI_RANK": str(g),
            "PMI_SIZE": str(task_count(args)),
            "AZ_BATCHAI_MPI_MASTER_NODE": hosts[0],
        }
    # tensorflow: one port per task, so that simulated nodes on one machine do not collide
    def address(t):
        return "%s:%d" % (hosts[node_of(args, t)], port + t)

    cluster = {"worker": [address(t) for t in range(args.worker_count)]}
    if args.parameter_server_count:
        cluster["ps"] = [address(args.worker_count + t) for t in range(args.parameter_server_count)]
    if g < args.worker_count:
        task = {"type": "worker", "index": g}
    else:
        task = {"type": "ps", "index": g - args.worker_count}
    return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": task, "environment": "cloud"})}


def free_port():
    """A TCP port that nobody listens on now (the framework binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slurm_placement(args):
    """(hosts, this node's index, port) when this launcher is one of srun's per-node tasks
    on a multi-node Slurm allocation; None otherwise."""
    nnodes = int(os.environ.get("SLURM_NNODES", "1") or 1)
    if nnodes < 2 or args.nodes < 2 or "SLURM_NODEID" not in os.environ or "SLURM_STEP_ID" not in os.environ:
        return None
    if nnodes != args.nodes:
        raise LaunchError("the Slurm allocation has %d nodes but the step asks for instance_count %d"
                          % (nnodes, args.nodes))
    out = subprocess.run(["scontrol", "show", "hostnames", os.environ.get("SLURM_JOB_NODELIST", "")],
                         check=True, capture_output=True, text=True).stdout.split()
    if len(out) != nnodes:
        raise LaunchError("scontrol listed %d hosts for an allocation of %d nodes" % (len(out), nnodes))
    # Every node's launcher must agree on the port without talking: derive it from the job id.
    port = 20000 + int(os.environ.get("SLURM_JOB_ID", "0")) % 20000
    return out, int(os.environ["SLURM_NODEID"]), port


def tail(path, n=10):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            lines = f.read().decode("utf-8", "replace").splitlines()
        return lines[-n:]
    except OSError:
        return []


def describe(args, g):
    if args.type == "tensorflow":
        kind = "worker" if g < args.worker_count else "ps"
        index = g if g < args.worker_count else g - args.worker_count
        return "process %d (%s %d) of %d" % (g, kind, index, task_count(args))
    return "process %d (node %d, local rank %d) of %d" % (g, node_of(args, g), g % args.procs_per_node,
                                                          task_count(args))


def launch(args):
    placement = slurm_placement(args)
    if placement:
        hosts, this_node, port = placement
        mine = [g for g in range(task_count(args)) if node_of(args, g) == this_node]
    else:
        hosts = ["127.0.0.1"] * args.nodes
        port = int(os.environ.get("MASTER_PORT") or 0) or free_port()
        mine = list(range(task_count(args)))
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    procs = {}  # pid -> (global rank, Popen, log path)
    files = []
    try:
        for g in mine:
            env = dict(os.environ)
            env.update(rank_environment(args, g, hosts, port))
            log = None
            if g == 0 or not args.log_dir:
                p = subprocess.Popen(args.command, env=env)
            else:
                log = os.path.join(args.log_dir, "std_log_process_%d.txt" % g)
                f = open(log, "wb")
                files.append(f)
                p = subprocess.Popen(args.command, env=env, stdout=f, stderr=subprocess.STDOUT)
            procs[p.pid] = (g, p, log)
        print("runnel launch: %s: started %d process%s (%s)"
              % (args.type, len(mine), "" if len(mine) == 1 else "es",
                 "ranks %d-%d" % (mine[0], mine[-1]) if len(mine) > 1 else "rank %d" % mine[0]),
              file=sys.stderr, flush=True)
        failed = None  # (g, code, log)
        live = dict(procs)
        stop_at = None
        while live:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG if stop_at else 0)
            except ChildProcessError:
                break
            if pid == 0:
                if time.monotonic() >= stop_at:
                    for _, p, _ in live.values():
                        p.kill()
                    stop_at = time.monotonic() + 3600
                time.sleep(0.05)
                continue
            if pid not in live:
                continue
            g, p, log = live.pop(pid)
            code = os.waitstatus_to_exitcode(status)
            p.returncode = code
            if code != 0 and failed is None:
                failed = (g, code, log)
                for _, q, _ in live.values():
                    q.send_signal(signal.SIGTERM)
                stop_at = time.monotonic() + 10
        if failed is None:
            return 0
        g, code, log = failed
        how = "was killed by signal %d" % -code if code < 0 else "exited with code %d" % code
        msg = "runnel launch: %s %s; the other processes were stopped." % (describe(args, g), how)
        if log:
            msg += " Its log: %s" % log
            lines = tail(log)
            if lines:
                msg += "\n" + "\n".join("  | " + line for line in lines)
        print(msg, file=sys.stderr, flush=True)
        return 128 - code if code < 0 else code
    finally:
        for f in files:
            f.close()


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m runnel.launch",
                                description="Start a step's command once per distributed process.")
    p.add_argument("--type", required=True, choices=TYPES)
    p.add_argument("--nodes", type=int, default=1, help="instance_count")
    p.add_argument("--procs-per-node", type=int, default=1, help="process_count_per_instance")
    p.add_argument("--worker-count", type=int, default=0)
    p.add_argument("--parameter-server-count", type=int, default=0)
    p.add_argument("--log-dir", default="")
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    if a.command and a.command[0] == "--":
        a.command = a.command[1:]
    if not a.command:
        p.error("give the command to run after --")
    if a.nodes < 1 or a.procs_per_node < 1:
        p.error("--nodes and --procs-per-node must be at least 1")
    if a.type == "tensorflow":
        if a.worker_count < 1:
            a.worker_count = a.nodes  # Azure ML's default: one worker per instance
        if a.parameter_server_count < 0:
            p.error("--parameter-server-count must not be negative")
    return a


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return launch(args)
    except LaunchError as e:
        print("runnel launch: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
