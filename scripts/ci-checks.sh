#!/usr/bin/env bash
# CI checks beyond the main ctest run (called by scripts/test.sh; each part prints its time):
#   format     clang-format --dry-run --Werror on src/ and include/ (`make format-check`)
#   asan       an ASan+UBSan build of the unit tests (GoogleTest binaries), run with ctest
#   asan-core  the same for the unit tests of the layers that read user input and paths
#              ($ASAN_CORE_TARGETS: core, spec (YAML loader, bindings), data (confinement,
#              digests), snapshot, store): about 5 minutes of build on 2 cores, 15 s of tests
#   tsan       a ThreadSanitizer build of the scheduler tests (src/engine: engine_test), run
# Usage: scripts/ci-checks.sh [BUILD] [format|asan|tsan ...]   (default: all three)
# The sanitizer builds live beside BUILD (BUILD-asan, BUILD-tsan) and reuse ccache.
set -euo pipefail
BUILD=${1:-build}
shift || true
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(format asan tsan)
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
rc=0
elapsed() { echo $(($(date +%s) - $1)); }

format_check() {
  local files
  mapfile -t files < <(find src include -name '*.h' -o -name '*.cc' | sort)
  clang-format --dry-run --Werror "${files[@]}"
}

# Unit tests only: the gtest binaries (not the e2e/python/chaos tests, which exercise the
# sanitizer-free binary already and would multiply the run time).
UNIT_EXCLUDE='^(e2e_|python_|chaos_)|SlurmCluster'

asan() {
  local b="$BUILD-asan"
  cmake -S . -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRUNNEL_SANITIZE=ON -DRUNNEL_BUILD_BENCH=OFF >/dev/null
  cmake --build "$b" -j "$JOBS"
  (cd "$b" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -E "$UNIT_EXCLUDE" -j "$JOBS" --timeout 600 --output-on-failure)
}

ASAN_CORE_TARGETS=${ASAN_CORE_TARGETS:-core_test spec_test data_test snapshot_test store_test}

asan_core() {
  local b="$BUILD-asan" t prc=0
  cmake -S . -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRUNNEL_SANITIZE=ON -DRUNNEL_BUILD_BENCH=OFF >/dev/null
  # shellcheck disable=SC2086
  cmake --build "$b" -j "$JOBS" --target $ASAN_CORE_TARGETS
  for t in $ASAN_CORE_TARGETS; do
    # gtest prints its [ SKIPPED ] lines (the PostgreSQL store tests without a server).
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      timeout 600 "$b/src/${t%_test}/$t" --gtest_brief=1 || { echo "asan-core: $t FAILED"; prc=1; }
  done
  return "$prc"
}

tsan() {
  local b="$BUILD-tsan"
  cmake -S . -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNNEL_TSAN=ON -DRUNNEL_BUILD_BENCH=OFF >/dev/null
  cmake --build "$b" -j "$JOBS" --target engine_test
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 timeout 600 "$b/src/engine/engine_test" --gtest_brief=1
}

for part in "${PARTS[@]}"; do
  T=$(date +%s)
  prc=0
  case "$part" in
    format) format_check || prc=$? ;;
    asan) asan || prc=$? ;;
    asan-core) asan_core || prc=$? ;;
    tsan) tsan || prc=$? ;;
    *) echo "ci-checks: unknown part '$part' (format, asan, asan-core, tsan)" >&2; exit 2 ;;
  esac
  if [[ $prc -eq 0 ]]; then
    echo "ci-checks: $part passed in $(elapsed "$T") s"
  else
    echo "ci-checks: $part FAILED (exit $prc) in $(elapsed "$T") s"
    rc=1
  fi
done
exit "$rc"
