#!/usr/bin/env bash
# Installs exactly the Debian packages runnel needs to build, test and run its demo.
# Idempotent: does nothing when every package is already installed.
# Usage: scripts/install-deps.sh [--bench]
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config ninja-build git ccache
  nlohmann-json3-dev libyaml-cpp-dev libyaml-dev libcli11-dev libcpp-httplib-dev libspdlog-dev libfmt-dev
  libssl-dev libsqlite3-dev libarchive-dev libzstd-dev libgit2-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcsv-dev libxml2-dev
  libpq-dev postgresql-15 postgresql-client-15  # the PostgreSQL metadata store (src/store/pg_*) and its tests
  libcctz-dev tzdata  # schedules: time zones from the system's tz database (src/server/schedule)
  python3 python3-numpy python3-pandas python3-sklearn python3-yaml
  python3-requests  # the sample notebooks call REST endpoints with requests (tests/e2e/notebooks)
  bubblewrap clang-format
  python3-pip python3-venv python3-setuptools python3-wheel  # environment builds (src/env) and their offline tests
  clang libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
  python3-dev python3-pybind11 pybind11-dev                  # the Python SDK's native module (src/python)
  openmpi-bin python3-mpi4py  # distribution: {type: mpi} steps run their ranks through mpirun (python/runnel/launch.py)
  podman runc catatonit busybox-static  # steps in container images (src/exec/container.h); runc: crun fails on hybrid cgroups; catatonit: --init; busybox: the test image (tests/e2e/test_images.py)
)
if [[ "${1:-}" == "--bench" ]]; then
  PKGS+=(snakemake hyperfine time make rclone wrk)  # rclone: bench/objstore; wrk: bench/server/bench.py
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
