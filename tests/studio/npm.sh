#!/usr/bin/env bash
# The studio's npm steps for ctest. Exit 77 (a visible ctest skip) when Node.js is missing.
#   npm.sh ci                 install studio/node_modules from the committed lock file (only when it changed)
#   npm.sh build OUT_DIR      type-check and build into OUT_DIR, then check the committed studio/dist matches
#   npm.sh vitest             the component tests
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
STUDIO=$SRC/studio
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node/npm not installed (scripts/studio-deps.sh installs them)"
  exit 77
fi
cd "$STUDIO"
case "${1:-}" in
  ci)
    # npm ci only when the lock file changed since the last install (a stamp of its hash).
    SUM=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [[ -f node_modules/.runnel-lock-sha256 && "$(cat node_modules/.runnel-lock-sha256)" == "$SUM" ]]; then
      echo "studio/node_modules is installed from this package-lock.json"
    else
      npm ci --no-audit --no-fund --loglevel=error
      echo "$SUM" > node_modules/.runnel-lock-sha256
    fi
    ;;
  build)
    OUT=${2:?usage: npm.sh build OUT_DIR}
    npx tsc --noEmit
    npx vite build --outDir "$OUT" --emptyOutDir --logLevel warn
    if ! diff -r "$OUT" "$STUDIO/dist" >/dev/null; then
      diff -r "$OUT" "$STUDIO/dist" | head -20
      echo "FAIL: the committed studio/dist is not the build of studio/src: run \`npm run build\` in studio/ and commit studio/dist"
      exit 1
    fi
    echo "studio/dist is the build of studio/src ($(du -sh "$OUT" | cut -f1))"
    ;;
  vitest)
    npx vitest run
    ;;
  *)
    echo "usage: npm.sh ci|build OUT_DIR|vitest" >&2
    exit 2
    ;;
esac
