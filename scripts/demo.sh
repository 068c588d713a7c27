#!/usr/bin/env bash
# Runs the compare-models demo in a workspace under ./demo-workspace and prints where
# its results are. Run again: every step is reused.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNNEL="$ROOT/$BUILD/runnel"
WS="$ROOT/demo-workspace"
"$RUNNEL" init "$WS" >/dev/null
export RUNNEL_WORKSPACE="$WS"
cd examples/compare-models
set +e
"$RUNNEL" run pipeline.yml
rc=$?
set -e
echo
"$RUNNEL" runs show latest
echo
"$RUNNEL" metrics latest
echo
echo "Workspace:   $WS"
echo "Report:      $(ls "$WS"/.runnel/datastores/workspaceblobstore/runs/*/report/report.md 2>/dev/null | tail -n 1)"
echo "Next:        RUNNEL_WORKSPACE=$WS $RUNNEL runs list    (run 'make demo' again: every step is reused)"
echo "C++ form:    cd examples/compare-models && RUNNEL_WORKSPACE=$WS $ROOT/$BUILD/compare_models"
echo "Python form: cd examples/compare-models && PYTHONPATH=$ROOT/python /usr/bin/python3 compare_models.py $WS"
exit $rc
