#!/usr/bin/env bash
# Whole-command benchmark: runnel against GNU make, ninja and Snakemake (see bench/README.md).
# Usage: bench/run.sh [BUILD_DIR]        (`make bench` builds first, then calls this)
#   QUICK=1      small sizes and few repetitions (a few minutes instead of ~30)
#   KEEP_WORK=1  keep the generated workflows and tool state under bench/work/
#   TOOLS=a,b    only these tools (default make,ninja,snakemake,runnel)
# Writes bench/results/<date>.md (QUICK: <date>-quick.md) and the raw samples beside it
# (.json). A missing runnel binary is not an error: its rows say "not built".
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PY=/usr/bin/python3

scripts/install-deps.sh --bench

for t in make ninja snakemake; do
  command -v "$t" >/dev/null || echo "bench: $t is not installed; its rows will say so" >&2
done
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (Debian package time)" >&2; exit 2; }

RUNNEL="$BUILD/runnel"
if [[ ! -x "$RUNNEL" ]]; then
  echo "runnel: not built ($RUNNEL is missing); its rows will say \"not built\""
fi

MODE=() SUFFIX=""
if [[ "${QUICK:-0}" != "0" ]]; then
  MODE=(--quick)
  SUFFIX="-quick"
fi
STAMP=$(date +%Y-%m-%d)
mkdir -p bench/work bench/results
WORK=$(mktemp -d "$ROOT/bench/work/run.XXXXXX")
if [[ "${KEEP_WORK:-0}" == "0" ]]; then
  # removed in the background: deleting tens of thousands of small files can take a
  # minute on a busy disk, and nothing waits for it
  trap '(rm -rf "$WORK" >/dev/null 2>&1 &)' EXIT
else
  echo "bench: work folder kept: $WORK"
fi

JSON="bench/results/$STAMP$SUFFIX.json"
MD="bench/results/$STAMP$SUFFIX.md"
$PY bench/measure.py --work "$WORK" --out "$JSON.tmp" --runnel "$RUNNEL" \
  --tools "${TOOLS:-make,ninja,snakemake,runnel}" "${MODE[@]}"
mv "$JSON.tmp" "$JSON"
$PY bench/report.py "$JSON" "$MD"
sed -n '/^## Targets/,/^## Cold/p' "$MD" | sed '$d'
