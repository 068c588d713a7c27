#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for runnel's tests and for trying
# `runnel serve --db postgresql://...` on one machine. No systemd. Idempotent: a second run
# only checks that it is up. The last line printed is the URL, e.g.
#   postgresql://runnel@127.0.0.1:54817/runnel
# The cluster lives under $RUNNEL_PG_DIR (default /tmp/runnel-pg) and runs as a non-root
# user: `postgres` when started as root (initdb and postgres refuse root), else the caller.
# It listens on 127.0.0.1 only, on a free port chosen at first start (RUNNEL_PG_PORT to
# pick one), with trust authentication for local TCP (throwaway test data: fsync is off).
# Installs postgresql-15 with apt-get when it is missing and we are root.
# Stop it with postgres-down.sh (RUNNEL_PG_WIPE=1 also deletes the data).
set -euo pipefail
DIR=${RUNNEL_PG_DIR:-/tmp/runnel-pg}
BIN=/usr/lib/postgresql/15/bin
T0=$(date +%s.%N)
fail() { echo "postgres-up: ERROR: $*" >&2; exit 1; }

if [ ! -x "$BIN/initdb" ]; then
  [ "$(id -u)" = 0 ] || fail "PostgreSQL 15 is not installed ($BIN/initdb); run scripts/install-deps.sh as root"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql-15 >/dev/null \
    || fail "apt-get install postgresql-15 failed"
fi

if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
fi

mkdir -p "$DIR"
# One start at a time (several test runs may call this at once).
exec 9>"$DIR.lock"
flock -w 120 9 || fail "another postgres-up.sh holds $DIR.lock"
chown "$OWNER" "$DIR"
chmod 0700 "$DIR"

if [ ! -f "$DIR/data/PG_VERSION" ]; then
  PORT=${RUNNEL_PG_PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  as_owner "$BIN/initdb" -D "$DIR/data" -U runnel -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=trust >"$DIR/initdb.log" 2>&1 \
    || { tail -20 "$DIR/initdb.log" >&2; fail "initdb failed (log: $DIR/initdb.log)"; }
  cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 64MB
CONF
  echo "$PORT" >"$DIR/port"
fi
PORT=$(cat "$DIR/port")

if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  # 9>&-: the server must not inherit (and hold forever) the start lock.
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null 9>&- \
    || { tail -20 "$DIR/server.log" >&2; fail "the server did not start (log: $DIR/server.log)"; }
fi
for _ in $(seq 1 100); do "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.1; done
"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || fail "the server does not answer on 127.0.0.1:$PORT"
# A database named like the user, so the URL works as it is.
if ! psql -h 127.0.0.1 -p "$PORT" -U runnel -d postgres -tAc "select 1 from pg_database where datname='runnel'" | grep -q 1; then
  psql -h 127.0.0.1 -p "$PORT" -U runnel -d postgres -qc "create database runnel" >/dev/null
fi
echo "postgres-up: ready in $(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $T0}") s (data: $DIR)"
echo "postgresql://runnel@127.0.0.1:$PORT/runnel"
