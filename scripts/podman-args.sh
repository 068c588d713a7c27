#!/usr/bin/env bash
# Finds the `podman run` arguments that start a container on this machine, for the
# workspace setting `environments.podman.args` (docs/design.md §11).
#
#   scripts/podman-args.sh [IMAGE]
#
# Tries `podman run --rm IMAGE /bin/true` plainly, then with runc and explicit ulimits (a
# host whose cgroups crun cannot use, or where the container may not raise its limits:
# no CAP_SYS_RESOURCE). Prints the first set that works as a JSON list ([] = none needed)
# and exits 0; exits 1 with each attempt's error when none works, 2 when podman or the
# image is missing. IMAGE defaults to localhost/runnel-test-busybox:1 (which
# tests/e2e/test_images.py imports from Debian's busybox-static).
set -uo pipefail

image="${1:-localhost/runnel-test-busybox:1}"
podman="${RUNNEL_PODMAN:-podman}"
if ! command -v "$podman" >/dev/null 2>&1; then
  echo "podman is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
if ! "$podman" image exists "$image"; then
  echo "podman has no image $image locally" >&2
  exit 2
fi

candidates=(
  ""
  "--runtime runc"
  "--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
)
errors=""
for args in "${candidates[@]}"; do
  # shellcheck disable=SC2086  # the candidates are word lists
  if out=$(timeout 60 "$podman" run --rm --log-driver passthrough $args "$image" /bin/true 2>&1 </dev/null); then
    json=""
    for a in $args; do json+="${json:+, }\"$a\""; done
    echo "[$json]"
    exit 0
  fi
  errors+="podman run ${args:+$args }$image: $(echo "$out" | tail -n 2)"$'\n'
done
printf '%s' "$errors" >&2
exit 1
