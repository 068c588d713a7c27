#!/usr/bin/env bash
# Environment costs (issue 16): (1) a step's start in a built, cached environment against
# the system interpreter (chain of N python steps, each `python -c pass`, no-op excluded:
# every run uses --regenerate-outputs); (2) building an environment of 3 local wheels
# against `pip install` of the same wheels into a fresh venv made without pip.
# Usage: bench/env_start.sh [BUILD_DIR] [N]   (offline: wheels are built locally)
set -euo pipefail
BUILD=${1:-build}
N=${2:-20}
RUNNEL=$(realpath "$BUILD/runnel")
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/wheels"
for p in alpha beta gamma; do
  mkdir -p "$T/src/$p/$p"
  echo "VERSION='1.0'" >"$T/src/$p/$p/__init__.py"
  printf "from setuptools import setup\nsetup(name='%s', version='1.0', packages=['%s'])\n" "$p" "$p" >"$T/src/$p/setup.py"
  $PY -m pip wheel -q --no-deps --no-build-isolation --no-index -w "$T/wheels" "$T/src/$p" >/dev/null
done
cd "$T"
"$RUNNEL" init ws >/dev/null
export RUNNEL_WORKSPACE=$T/ws

now() { date +%s.%N; }

# (2) build cost
t0=$(now)
"$RUNNEL" env create three --python $PY --no-index --find-links "$T/wheels" --pip alpha --pip beta --pip gamma >/dev/null
"$RUNNEL" env build three >/dev/null 2>&1
t1=$(now)
t2=$(now)
$PY -m venv --without-pip "$T/plain"
$PY -m pip --python "$T/plain/bin/python" install -q --no-index --find-links "$T/wheels" alpha beta gamma
t3=$(now)
echo "build of 3 local wheels: runnel env create+build $(echo "$t1 - $t0" | bc) s; venv + pip install $(echo "$t3 - $t2" | bc) s"

# (1) step start
chain() {  # $1 = environment line ("" for the system interpreter)
  echo "type: pipeline"
  echo "jobs:"
  for i in $(seq 1 "$N"); do
    echo "  s$i:"
    [ -n "$1" ] && echo "    environment: $1"
    echo "    command: python -c pass"
    [ "$i" -gt 1 ] && echo "    run_after: [s$((i - 1))]"
  done
}
chain "" >sys.yml
chain "azureml:three@latest" >env.yml
"$RUNNEL" run sys.yml -j1 >/dev/null   # warm-up
"$RUNNEL" run env.yml -j1 >/dev/null
for kind in sys env; do
  best=999
  for r in 1 2 3; do
    a=$(now)
    "$RUNNEL" run $kind.yml -j1 --regenerate-outputs >/dev/null
    b=$(now)
    d=$(echo "($b - $a) * 1000 / $N" | bc -l)
    best=$(echo "if ($d < $best) $d else $best" | bc -l)
  done
  printf "%s: %.1f ms per step (best of 3 runs of a chain of %d)\n" "$kind" "$best" "$N"
done
