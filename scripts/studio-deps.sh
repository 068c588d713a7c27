#!/usr/bin/env bash
# What the studio's build and browser tests need beyond scripts/install-deps.sh: Node.js
# with npm (to rebuild studio/dist with `npm ci`) and Debian's Chromium (driven headless by
# playwright-core, which never downloads a browser). Idempotent; root or sudo.
set -euo pipefail
PKGS=()
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
[[ -x /usr/bin/chromium ]] || PKGS+=(chromium)
((${#PKGS[@]} == 0)) && exit 0
echo "studio: installing ${PKGS[*]}"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${PKGS[@]}"
