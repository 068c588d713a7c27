#!/usr/bin/env bash
# Instruction counts of a no-op re-run (everything up to date), runnel against ninja, under
# valgrind's callgrind: repeatable where wall times are not on a loaded machine.
# Usage: bench/callgrind.sh [BUILD_DIR] [SHAPE ...]     (default: build chain-1000 chain-5000)
# Needs valgrind (Debian package `valgrind`). Prints one line per shape:
#   chain-1000: runnel 1234567 instructions, ninja 22008124, ratio 56.1x (target <= 3x)
# RUNNEL_CG_KEEP=1 keeps the callgrind.out files (bench/work/cg.*/) for callgrind_annotate.
set -euo pipefail
BUILD=${1:-build}
shift || true
SHAPES=("$@")
((${#SHAPES[@]})) || SHAPES=(chain-1000 chain-5000)
cd "$(dirname "$0")/.."
ROOT=$(pwd)
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
RUNNEL="$BUILD/runnel"
[[ -x "$RUNNEL" ]] || { echo "callgrind.sh: $RUNNEL is not built" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
command -v ninja >/dev/null || { echo "callgrind.sh: ninja is not installed (scripts/install-deps.sh --bench)" >&2; exit 2; }
mkdir -p bench/work
WORK=$(mktemp -d "$ROOT/bench/work/cg.XXXXXX")
[[ "${RUNNEL_CG_KEEP:-0}" != "0" ]] || trap '(rm -rf "$WORK" >/dev/null 2>&1 &)' EXIT

instructions() {  # prints the instruction count of one callgrind run of "$@" (its own process)
  # A process that forks (runnel runs git, for one) has its children counted and written
  # too, each with the parent's count at the fork included: one file per pid, and the count
  # of the started process (valgrind keeps its pid) is the one reported; it is left in $out.
  local out=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$out.%p" "$@" >/dev/null 2>"$out.log" &
  local pid=$!
  wait "$pid" || true
  mv "$out.$pid" "$out"
  rm -f "$out".[0-9]*
  sed -n 's/^totals: \([0-9]*\).*/\1/p' "$out"
}

for shape in "${SHAPES[@]}"; do
  /usr/bin/python3 bench/gen.py --out "$WORK" --tools runnel,ninja "$shape" >/dev/null
  r="$WORK/runnel/$shape" n="$WORK/ninja/$shape"
  (cd "$n" && ninja -j2 >/dev/null)
  "$RUNNEL" init "$r/ws" >/dev/null
  "$RUNNEL" --workspace "$r/ws" run "$r/pipeline.yml" -j 2 --output json >/dev/null 2>&1
  ni=$(cd "$n" && instructions "$WORK/ninja-$shape.cg" ninja -j2)
  ri=$(instructions "$WORK/runnel-$shape.cg" "$RUNNEL" --workspace "$r/ws" run "$r/pipeline.yml" -j 2 --output json)
  /usr/bin/python3 -c "import sys; r,n=int(sys.argv[2]),int(sys.argv[3]); print('%s: runnel %d instructions, ninja %d, ratio %.1fx (target <= 3x)' % (sys.argv[1], r, n, r/n))" "$shape" "$ri" "$ni"
done
[[ "${RUNNEL_CG_KEEP:-0}" == "0" ]] || echo "callgrind files kept in $WORK"
