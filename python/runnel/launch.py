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
- ``mpi``: with an MPI launcher on PATH (Open MPI's ``mpirun``, or MPICH's ``mpiexec``), the
  processes are started by it, so a program that calls MPI_Init (mpi4py, Horovod) forms one
  world with the others; each rank also gets AZ_BATCHAI_MPI_MASTER_NODE. Without one (or with
  RUNNEL_MPI_LAUNCHER=none), runnel starts the processes itself with Open MPI's
  OMPI_COMM_WORLD_RANK/_SIZE/_LOCAL_RANK/_LOCAL_SIZE/_NODE_RANK and MPICH's PMI_RANK/PMI_SIZE:
  a program that reads its rank from these variables works, one that calls MPI_Init runs as
  a world of one (a note on stderr says so). RUNNEL_MPI_LAUNCHER=/path/to/mpirun picks one.
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
import re
import shutil
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


def mpi_launcher():
    """(path, flavour) of the MPI launcher to use for a `type: mpi` job, or None to start the
    processes here. RUNNEL_MPI_LAUNCHER: unset or "auto" (mpirun, then mpiexec, on PATH),
    "none", or a path."""
    want = os.environ.get("RUNNEL_MPI_LAUNCHER", "auto").strip() or "auto"
    if want == "none":
        return None
    if want == "auto":
        path = shutil.which("mpirun") or shutil.which("mpiexec")
        if not path:
            return None
    else:
        path = shutil.which(want)
        if not path:
            raise LaunchError("RUNNEL_MPI_LAUNCHER=%s is not an executable; set it to an MPI launcher's path, "
                              "to auto, or to none" % want)
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        text = version.stdout + version.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        raise LaunchError("%s --version failed: %s" % (path, e))
    if "Open MPI" in text or "OpenRTE" in text:
        return path, "openmpi"
    if "HYDRA" in text or "MPICH" in text:
        return path, "mpich"
    raise LaunchError("%s is neither Open MPI's mpirun nor MPICH's mpiexec (its --version says: %s); "
                      "set RUNNEL_MPI_LAUNCHER to one, or to none" % (path, text.strip()[:200]))


def slurm_batch_of_nodes(args):
    """True in the batch script of a Slurm allocation of the job's nodes (not yet in an srun step)."""
    nnodes = int(os.environ.get("SLURM_NNODES", "1") or 1)
    return args.nodes > 1 and nnodes == args.nodes and "SLURM_JOB_ID" in os.environ and \
        "SLURM_STEP_ID" not in os.environ


def mpirun_argv(args, launcher):
    """The MPI launcher's command line: every rank runs this module's --mpi-rank wrapper, which
    sends rank k > 0's output to its own log and then becomes the step's command."""
    path, flavour = launcher
    n = task_count(args)
    wrapper = [sys.executable, "-m", "runnel.launch", "--mpi-rank", "--type", "mpi",
               "--log-dir", args.log_dir, "--"] + args.command
    if flavour == "mpich":
        return [path, "-n", str(n), "-ppn", str(args.procs_per_node)] + wrapper
    argv = [path, "-np", str(n)]
    if os.geteuid() == 0:
        argv.append("--allow-run-as-root")  # steps of a root engine (containers, CI) run as root
    if slurm_batch_of_nodes(args):
        argv += ["--map-by", "ppr:%d:node" % args.procs_per_node]  # the allocation's nodes
    else:
        argv.append("--oversubscribe")  # every "node" on this machine, whatever its core count
    return argv + wrapper


def mpi_environment():
    """The launcher's environment: Open MPI's PMIx otherwise spends seconds retrying a munge
    socket that is not there (munge authenticates nothing between the ranks of one job)."""
    env = dict(os.environ)
    env.setdefault("PMIX_MCA_psec", "native")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    return env




FAILED_RANK = re.compile(r"Process name:\s*\[\[\d+,\d+\],(\d+)\]")


def launch_mpirun(args, launcher):
    """Runs the job under the MPI launcher. Its stderr is passed through and read for the rank
    that failed first (Open MPI names it), so that the step's error names that rank and shows
    its log as the launcher-less path does. mpirun stops the other ranks when one ends without
    MPI_Finalize; a rank that finalizes and then exits non-zero (sys.exit after mpi4py's
    automatic MPI_Finalize) waits in MPI_Finalize for the others, as under any mpirun."""
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    print("runnel launch: mpi: %d processes through %s" % (task_count(args), launcher[0]),
          file=sys.stderr, flush=True)
    p = subprocess.Popen(mpirun_argv(args, launcher), env=mpi_environment(), stderr=subprocess.PIPE)
    failed_rank = None
    for raw in p.stderr:
        sys.stderr.buffer.write(raw)
        sys.stderr.buffer.flush()
        m = FAILED_RANK.search(raw.decode("utf-8", "replace"))
        if m and failed_rank is None:
            failed_rank = int(m.group(1))
    code = p.wait()
    if code == 0:
        return 0
    if failed_rank is None:
        print("runnel launch: %s exited with code %d" % (launcher[0], code), file=sys.stderr, flush=True)
    else:
        log = os.path.join(args.log_dir, "std_log_process_%d.txt" % failed_rank) if args.log_dir and failed_rank else ""
        report_failure(args, failed_rank, code, log)
    return 128 - code if code < 0 else code


def mpi_rank(args):
    """One rank under the MPI launcher: rank k > 0 writes to std_log_process_<k>.txt (rank 0
    keeps the step's stdout), then the process becomes the step's command (exec: the rank's
    process is the program itself, as the launcher started it)."""
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK") or os.environ.get("PMI_RANK") or 0)
    os.environ.setdefault("AZ_BATCHAI_MPI_MASTER_NODE", socket.gethostname())
    if rank > 0 and args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
        fd = os.open(os.path.join(args.log_dir, "std_log_process_%d.txt" % rank),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    os.execvp(args.command[0], args.command)


def report_failure(args, g, code, log):
    how = "was killed by signal %d" % -code if code < 0 else "exited with code %d" % code
    msg = "runnel launch: %s %s; the other processes were stopped." % (describe(args, g), how)
    if log:
        msg += " Its log: %s" % log
        lines = tail(log)
        if lines:
            msg += "\n" + "\n".join("  | " + line for line in lines)
    print(msg, file=sys.stderr, flush=True)


def launch(args):
    if args.type == "mpi":
        launcher = mpi_launcher()
        if launcher:
            return launch_mpirun(args, launcher)
        if slurm_batch_of_nodes(args):
            # The engine runs an MPI job's launcher once per allocation (mpirun spreads the
            # ranks over the nodes); without mpirun, one launcher per node through srun.
            os.environ["RUNNEL_MPI_LAUNCHER"] = "none"
            os.execvp("srun", ["srun", "--nodes=%d" % args.nodes, "--ntasks=%d" % args.nodes,
                               "--ntasks-per-node=1", "--kill-on-bad-exit=1",
                               sys.executable, "-m", "runnel.launch"] + args.argv)
        if os.environ.get("RUNNEL_MPI_LAUNCHER", "auto").strip() != "none":
            print("runnel launch: mpi: no MPI launcher (mpirun / mpiexec) on PATH: starting the processes "
                  "here with the rank variables; a program that calls MPI_Init runs as a world of one "
                  "(install Open MPI or MPICH, or set RUNNEL_MPI_LAUNCHER)", file=sys.stderr, flush=True)
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
        report_failure(args, g, code, log)
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
    p.add_argument("--mpi-rank", action="store_true", help=argparse.SUPPRESS)  # one rank under mpirun
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    a.argv = list(argv)
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
        if args.mpi_rank:
            return mpi_rank(args)
        return launch(args)
    except LaunchError as e:
        print("runnel launch: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
