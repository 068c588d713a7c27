#!/usr/bin/env bash
# Runs every test: unit tests (GoogleTest via CTest), Python runtime tests and the
# end-to-end tests that drive the built `runnel` binary. Starts the services that
# some tests need (a single-node Slurm) when it can, and says so when it cannot.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."

if [[ -x scripts/services/slurm-up.sh ]]; then
  if bash scripts/services/slurm-up.sh >/tmp/runnel-slurm-up.log 2>&1; then
    echo "slurm: single-node cluster is up (Slurm tests will run)"
    export RUNNEL_TEST_SLURM=1
  else
    echo "slurm: could not start a local cluster, Slurm tests are skipped (see /tmp/runnel-slurm-up.log)"
  fi
fi

bash scripts/studio-deps.sh || echo "studio: could not install Node.js/Chromium; the studio tests will be skipped"

cd "$BUILD"
ctest --output-on-failure -j "$(nproc)" --timeout 600
