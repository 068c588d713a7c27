#!/usr/bin/env bash
# Starts a single-node Slurm cluster (Debian 12 slurm-wlm 22.05) bound to 127.0.0.1, for
# runnel's Slurm tests and for trying the `slurm` compute target on one machine.
# No systemd needed. Run as root. Idempotent: a second run only checks that it is up.
# Installs slurm-wlm + munge if missing, writes /etc/slurm/slurm.conf for THIS host,
# starts munged, slurmctld, slurmd and waits until the node is idle. Clients
# (sbatch/squeue/scontrol) then work with no env vars.
#
# Environment:
#   SLURM_CPUS=8          CPUs the node claims (fake; more than the machine has is fine; 0 = real), so
#                         that several trivial jobs run at once
#   SLURM_PARTITION=debug the partition's name
#   SLURM_MINJOBAGE=3600  seconds a finished job stays visible to squeue/scontrol
#   SLURM_ACCOUNTING=1    also start slurmdbd + a throwaway MariaDB so that `sacct` works
# Stop it with slurm-down.sh (SLURM_WIPE=1 also forgets old jobs).
# Adapted from a recipe verified on Debian 12 (2 vCPU VM): up in 0.1-0.3 s once installed,
# a trivial job completes ~1 s after sbatch.
set -euo pipefail
FAILED=0
fail() {
  FAILED=1
  echo "slurm-up: ERROR: could not start the local Slurm cluster: $*" >&2
  echo "slurm-up: logs: /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; stop with slurm-down.sh" >&2
  exit 1
}
trap 'rc=$?; [ $rc = 0 ] || [ $FAILED = 1 ] || echo "slurm-up: ERROR: failed (exit $rc) at line $LINENO; Slurm is NOT usable" >&2' EXIT
[ "$(id -u)" = 0 ] || fail "must run as root (it installs packages and starts daemons)"
T0=$(date +%s.%N)
# One start at a time (several test runs may call this at once on a shared machine).
exec 9>/run/slurm-up.lock
flock -w 600 9 || fail "another slurm-up.sh holds /run/slurm-up.lock for 10 minutes"
PART=${SLURM_PARTITION:-debug}
MINJOBAGE=${SLURM_MINJOBAGE:-3600}     # completed jobs stay visible to scontrol/squeue this long (s)
SLURM_CPUS=${SLURM_CPUS:-8}

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
    || ! command -v sbatch >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  echo "slurm-up: installing slurm-wlm munge"
  apt-get update -qq >/dev/null || echo "slurm-up: warning: apt-get update failed" >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
    || fail "apt-get install slurm-wlm munge failed"
fi

# ---- munge ----------------------------------------------------------------
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge /etc/munge
if [ ! -s /etc/munge/munge.key ]; then
  (command -v mungekey >/dev/null && mungekey --create --keyfile=/etc/munge/munge.key) \
    || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2*
  # 9>&-: the daemon must not inherit the lock fd, or it holds /run/slurm-up.lock forever and
  # every later slurm-up.sh waits 600 s for it.
  runuser -u munge -- /usr/sbin/munged 9>&-    # daemonizes itself; socket /run/munge/munge.socket.2
  for i in $(seq 1 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n </dev/null | unmunge >/dev/null || fail "munged does not work (see /var/log/munge/munged.log)"

# ---- slurm.conf -------------------------------------------------------------
H=$(hostname -s) || fail "hostname -s failed"
[ -n "$H" ] || fail "hostname -s is empty"
# slurmctld insists SlurmctldHost == `hostname -s`; NoCtldInAddrAny binds to what it resolves to.
# A fresh Debian machine often maps its name to 127.0.1.1 (or to its LAN address): the daemons
# then listen there, so every address below is the one the name really resolves to.
getent ahostsv4 "$H" >/dev/null || echo "127.0.0.1 $H" >> /etc/hosts
ADDR=$(getent ahostsv4 "$H" | awk 'NR==1{print $1}')
[ -n "$ADDR" ] || fail "$H does not resolve to an IPv4 address (add '127.0.0.1 $H' to /etc/hosts)"
case "$ADDR" in 127.*) ;; *) echo "slurm-up: warning: $H resolves to $ADDR (not loopback): the daemons listen there" >&2;; esac
NODELINE=$(slurmd -C | head -1)            # NodeName=<h> CPUs=.. Boards=.. ... RealMemory=..
OVERRIDE=""
if [ "$SLURM_CPUS" != 0 ]; then   # SLURM_CPUS=0: the real count from `slurmd -C`
  # pretend to have more CPUs than exist so more trivial jobs run at once (needs config_overrides,
  # otherwise slurmd registers the real count and the node is DRAINED "Low socket*core*thread count")
  MEM=$(printf '%s\n' "$NODELINE" | grep -o 'RealMemory=[0-9]*')
  NODELINE="NodeName=$H CPUs=$SLURM_CPUS Boards=1 SocketsPerBoard=1 CoresPerSocket=$SLURM_CPUS ThreadsPerCore=1 $MEM"
  OVERRIDE="SlurmdParameters=config_overrides"
fi
NODELINE="${NODELINE} NodeAddr=${ADDR} State=UNKNOWN"
if [ "${SLURM_ACCOUNTING:-0}" = 1 ]; then
  ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819"
else
  ACCT="# no slurmdbd: sacct fails (\"Slurm accounting storage is disabled\", rc 1); use scontrol/squeue
# (jobs kept MinJobAge s after the end) or the jobcomp file. SLURM_ACCOUNTING=1 enables slurmdbd.
AccountingStorageType=accounting_storage/none"
fi
install -d -m 0755 /etc/slurm /var/log/slurm
install -d -m 0700 /var/spool/slurmctld /var/spool/slurmd
CONF=$(cat <<CONFEOF
# generated by slurm-up.sh
ClusterName=ci
SlurmctldHost=${H}(${ADDR})
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# bind daemons to the address the hostname resolves to (${ADDR}) instead of 0.0.0.0
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups: work in containers/VMs without a delegated cgroup tree
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
${ACCT}
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
MinJobAge=${MINJOBAGE}
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
# The main scheduling loop and backfill run every 60 s / 30 s by default: a job that could not
# start at submit time (the node still completing the previous job) would wait that long.
# A test cluster runs both every second.
SchedulerParameters=${SLURM_SCHEDPARAMS:-batch_sched_delay=0,sched_interval=1,bf_interval=1}
# afterok on a failed job -> CANCELLED instead of PENDING(DependencyNeverSatisfied) forever.
# (In 22.05 this lives in DependencyParameters; in SchedulerParameters it is silently ignored.)
DependencyParameters=kill_invalid_depend
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
# short grace between SIGTERM and SIGKILL on scancel/time limit; no extra time past --time
KillWait=2
OverTimeLimit=0
Waittime=0
MaxArraySize=10001
${OVERRIDE}
${NODELINE}
PartitionName=${PART} Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONFEOF
)
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$CONF" ]; then
  printf '%s\n' "$CONF" > /etc/slurm/slurm.conf
fi
# restart running daemons if they were started with a different slurm.conf
SUM=$(sha256sum /etc/slurm/slurm.conf | cut -d' ' -f1)
RECONF=0; [ "$(cat /run/slurm-up.confsum 2>/dev/null)" = "$SUM" ] || RECONF=1
[ -f /etc/slurm/cgroup.conf ] || printf 'CgroupPlugin=autodetect\n' > /etc/slurm/cgroup.conf

# A pid file is trusted only when its process is the daemon it names (pid files survive a
# reboot and PIDs are reused).
alive() { local pid; pid=$(cat "$1" 2>/dev/null) || return 1; [ -n "$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$(basename "$1" .pid)" ]; }

# ---- slurmctld / slurmd (daemon mode: they fork and write their pid files) --
stop_pf() { local pid; alive "$1" || { rm -f "$1"; return 0; }; pid=$(cat "$1"); kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; rm -f "$1"; }
if [ $RECONF = 1 ]; then
  # node/CPU changes are not taken by `scontrol reconfigure` ("require restart of the slurmctld"):
  # restart both daemons instead (0.2 s). Saved jobs survive (StateSaveLocation).
  alive /run/slurmd.pid && stop_pf /run/slurmd.pid
  alive /run/slurmctld.pid && stop_pf /run/slurmctld.pid
fi
if [ "${SLURM_ACCOUNTING:-0}" = 1 ]; then "$(cd "$(dirname "$0")" && pwd)/slurm-accounting-up.sh"; fi
alive /run/slurmctld.pid || { rm -f /run/slurmctld.pid; slurmctld 9>&- || fail "slurmctld did not start"; }   # daemonizes
for i in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
scontrol ping 2>/dev/null | grep -q 'is UP' || { tail -20 /var/log/slurm/slurmctld.log >&2 || true
  fail "slurmctld does not answer 'scontrol ping' after 10 s"; }
alive /run/slurmd.pid || { rm -f /run/slurmd.pid; slurmd 9>&- || fail "slurmd did not start"; }
echo "$SUM" > /run/slurm-up.confsum
# wait until node is idle/mixed/alloc (i.e. registered and not down/drained)
for i in $(seq 1 300); do
  st=$(sinfo -h -N -r -o '%T' 2>/dev/null | head -1 || true)   # -r: only responding nodes
  case "$st" in idle|mixed|allocated|completing) break;; esac
  if [ $((i % 50)) = 0 ]; then scontrol update NodeName="$H" State=RESUME 2>/dev/null || true; fi
  sleep 0.1
done
case "$st" in idle|mixed|allocated|completing) ;; *)
  sinfo -N -l >&2 || true; tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
  fail "node state is '$st' after 30 s (want idle)";; esac
echo "slurm-up: ready (node $H $st) in $(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $T0}") s"
