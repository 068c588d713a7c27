#!/usr/bin/env bash
# Runs every test: unit tests (GoogleTest via CTest), Python runtime tests and the
# end-to-end tests that drive the built `runnel` binary, then the CI checks added by
# scripts/ci-checks.sh when present. Starts the services that some tests need (a single-node
# Slurm, a throwaway PostgreSQL) first.
#
# Honesty rules: a service that fails to start makes its tests FAIL (RUNNEL_TEST_SLURM=1 tells
# them the cluster must answer); only a machine that genuinely cannot run it (not root and no
# sudo) turns them into a visible ctest skip with the reason (RUNNEL_TEST_SLURM=0). Each part
# prints its wall time.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
T_ALL=$(date +%s)
elapsed() { echo $(($(date +%s) - $1)); }

# ---- services ----------------------------------------------------------------------------
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
SLURM_LOG=/tmp/runnel-slurm-up.log
if [[ $(id -u) -ne 0 && -z "$SUDO" ]]; then
  export RUNNEL_TEST_SLURM=0
  export RUNNEL_TEST_SLURM_REASON="scripts/test.sh runs as $(id -un) without sudo; starting Slurm needs root"
  echo "slurm: SKIPPED (${RUNNEL_TEST_SLURM_REASON})"
else
  T=$(date +%s)
  export RUNNEL_TEST_SLURM=1
  # The Slurm time-limit test too (about 80 s: Slurm's smallest --time is one minute).
  export RUNNEL_TEST_SLURM_SLOW=1
  if $SUDO bash scripts/services/slurm-up.sh >"$SLURM_LOG" 2>&1; then
    echo "slurm: single-node cluster is up in $(elapsed "$T") s ($(tail -1 "$SLURM_LOG"))"
  else
    echo "slurm: ERROR: the local cluster did not start; the Slurm tests will FAIL. Log ($SLURM_LOG):"
    sed 's/^/  | /' "$SLURM_LOG" | tail -40
  fi
fi

# PostgreSQL for the store suite and e2e_server_pg (scripts/services/postgres-up.sh prints
# the URL as its last line). RUNNEL_TEST_PG=1 and a URL are exported even when the start
# fails, so that those tests FAIL instead of skipping; a visible skip only when the server
# is not installed and we cannot install it (not root).
PG_LOG=/tmp/runnel-postgres-up.log
if [[ $(id -u) -ne 0 && ! -x /usr/lib/postgresql/15/bin/initdb ]]; then
  export RUNNEL_TEST_PG=0
  echo "postgres: SKIPPED (PostgreSQL 15 is not installed and scripts/test.sh runs as $(id -un); run scripts/install-deps.sh as root)"
else
  T=$(date +%s)
  export RUNNEL_TEST_PG=1
  if bash scripts/services/postgres-up.sh >"$PG_LOG" 2>&1; then
    RUNNEL_TEST_PG_URL=$(tail -1 "$PG_LOG")
    echo "postgres: up in $(elapsed "$T") s ($RUNNEL_TEST_PG_URL)"
  else
    RUNNEL_TEST_PG_URL=postgresql://runnel@127.0.0.1:1/runnel  # nothing listens: the tests fail
    echo "postgres: ERROR: the throwaway cluster did not start; the PostgreSQL tests will FAIL. Log ($PG_LOG):"
    sed 's/^/  | /' "$PG_LOG" | tail -20
  fi
  export RUNNEL_TEST_PG_URL
fi

# Azurite and the S3 server are started by their tests (scripts/services/*-up.sh, one start
# at a time); here a server that will not start fails those tests instead of skipping them.
export RUNNEL_TEST_OBJSTORE=1

bash scripts/studio-deps.sh || echo "studio: could not install Node.js/Chromium; the studio tests will show as skipped"

# ---- ctest -------------------------------------------------------------------------------
T=$(date +%s)
rc=0
(cd "$BUILD" && ctest --output-on-failure -j "$(nproc)" --timeout 600) || rc=$?
echo "ctest: $(elapsed "$T") s (exit $rc)"

# ---- CI checks (format always; sanitizers on request) -------------------------------------
# The clang-format check runs every time (about 1 s). The TSan build of the scheduler tests
# (about 10 minutes of build, 40 s of tests) and the ASan/UBSan build of the core, spec, data,
# snapshot and store unit tests (about 5 minutes) run in CI (.ci/run sets CI_CHECKS="format
# tsan asan-core"); the ASan/UBSan build of every unit test (about 40 minutes on this 2-core machine)
# would take CI past its budget: run them with CI_CHECKS="format asan tsan" scripts/test.sh
# (or make sanitize).
CI_CHECKS=${CI_CHECKS:-format}
if [[ -x scripts/ci-checks.sh ]]; then
  T=$(date +%s)
  crc=0
  # shellcheck disable=SC2086
  scripts/ci-checks.sh "$BUILD" ${CI_CHECKS} || crc=$?
  echo "ci-checks (${CI_CHECKS}): $(elapsed "$T") s (exit $crc)"
  [[ $crc -eq 0 ]] || rc=1
fi

echo "test.sh: $(elapsed "$T_ALL") s in all (exit $rc)"
exit "$rc"
