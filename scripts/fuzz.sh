#!/usr/bin/env bash
# Builds and runs runnel's libFuzzer targets (ASan + UBSan) with clang, in a build folder
# of their own.
#
#   scripts/fuzz.sh build [DIR]              configure and build the fuzzers in DIR
#   scripts/fuzz.sh run TARGET SECONDS [DIR] fuzz TARGET (yaml_loader, command_template,
#                                            ignore) for SECONDS, from its seed corpus
#   scripts/fuzz.sh all SECONDS [DIR]        build, then run every target (make fuzz)
#
# DIR defaults to build/fuzz. Exits 77 (a skip for ctest) when clang cannot build a
# -fsanitize=fuzzer program; 1 when a target crashes, leaks, hangs (> 10 s on one input)
# or runs out of memory, with the input saved as DIR/artifacts/TARGET-*. New inputs the
# fuzzer finds go to DIR/corpus/TARGET; the seeds in the repository are not modified
# (copy interesting ones into the seed folder by hand).
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
CXX_BIN="${FUZZ_CXX:-clang++}"
C_BIN="${FUZZ_CC:-clang}"

seeds_of() {
  case "$1" in
    yaml_loader) echo "$SRC/src/spec/fuzz/corpus/yaml_loader" ;;
    command_template) echo "$SRC/src/spec/fuzz/corpus/command_template" ;;
    ignore) echo "$SRC/src/core/fuzz/corpus/ignore" ;;
    *) echo "unknown fuzz target '$1' (yaml_loader, command_template, ignore)" >&2; exit 2 ;;
  esac
}

can_fuzz() {
  command -v "$CXX_BIN" >/dev/null 2>&1 || { echo "SKIP: $CXX_BIN not found (apt-get install clang libclang-rt-14-dev)"; return 1; }
  local tmp; tmp="$(mktemp -d)"
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$tmp/t.cc"
  if ! "$CXX_BIN" -fsanitize=fuzzer "$tmp/t.cc" -o "$tmp/t" >/dev/null 2>&1; then
    rm -rf "$tmp"
    echo "SKIP: $CXX_BIN cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)"
    return 1
  fi
  rm -rf "$tmp"
}

build() {
  local dir="$1"
  can_fuzz || exit 77
  CC="$C_BIN" CXX="$CXX_BIN" cmake -S "$SRC" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRUNNEL_FUZZ=ON -DRUNNEL_BUILD_TESTS=OFF -DRUNNEL_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" -j "${FUZZ_JOBS:-2}" --target yaml_loader_fuzz command_template_fuzz ignore_fuzz
}

run() {
  local target="$1" secs="$2" dir="$3"
  can_fuzz || exit 77
  local bin
  case "$target" in
    ignore) bin="$dir/src/core/ignore_fuzz" ;;
    *) bin="$dir/src/spec/fuzz/${target}_fuzz" ;;
  esac
  [[ -x "$bin" ]] || { echo "no fuzzer at $bin; run: scripts/fuzz.sh build $dir" >&2; exit 1; }
  local seeds; seeds="$(seeds_of "$target")"
  mkdir -p "$dir/corpus/$target" "$dir/artifacts"
  echo "fuzzing $target for ${secs}s (seeds: $seeds)"
  local log="$dir/artifacts/$target.log"
  if ! ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" UBSAN_OPTIONS="print_stacktrace=1" \
      "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/$target-" \
      "$dir/corpus/$target" "$seeds" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "FAIL: $target crashed; the input is in $dir/artifacts/ (log: $log)"
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
  echo "ok: $target, 0 crashes in ${secs}s"
}

cmd="${1:-}"
case "$cmd" in
  build) build "${2:-$SRC/build/fuzz}" ;;
  run) run "$2" "$3" "${4:-$SRC/build/fuzz}" ;;
  all)
    dir="${3:-$SRC/build/fuzz}"
    build "$dir"
    for t in yaml_loader command_template ignore; do run "$t" "${2:-600}" "$dir"; done
    ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
