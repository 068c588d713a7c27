#!/usr/bin/env bash
# Stops the throwaway cluster of postgres-up.sh. Idempotent. RUNNEL_PG_WIPE=1 deletes it.
set -uo pipefail
DIR=${RUNNEL_PG_DIR:-/tmp/runnel-pg}
BIN=/usr/lib/postgresql/15/bin
if [ -f "$DIR/data/postmaster.pid" ]; then
  if [ "$(id -u)" = 0 ]; then run() { runuser -u postgres -- "$@"; }; else run() { "$@"; }; fi
  run "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || run "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
fi
[ "${RUNNEL_PG_WIPE:-0}" = 1 ] && rm -rf "$DIR" "$DIR.lock"
echo "postgres-down: stopped"
