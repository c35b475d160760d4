#!/usr/bin/env bash
# A PostgreSQL server of the fault test's own (tests/integration/test_postgres_restart.py), on a port
# apart from the shared one, so the test may stop and restart it without harming anyone else.
#
#   eval "$(tests/fault_pg.sh start)"   # initdb on first use, start, print the test's env exports
#   tests/fault_pg.sh restart [fast|immediate]
#   tests/fault_pg.sh stop | start-only | status
#
# Settings: REFERRAL_FAULT_PG_DIR (default /tmp/referral-fault-pg: data and socket live under it),
# REFERRAL_FAULT_PG_PORT (default 55432). Debian's binaries under /usr/lib/postgresql/*/bin, or
# those on PATH. PostgreSQL refuses to run as root: as root, the server runs as the `postgres`
# user, who owns the directory. Trust authentication, listening on 127.0.0.1 only.
set -euo pipefail

DIR="${REFERRAL_FAULT_PG_DIR:-/tmp/referral-fault-pg}"
PORT="${REFERRAL_FAULT_PG_PORT:-55432}"
DATA="$DIR/data"
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

bin_dir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$found" ]; then echo "$found"; else dirname "$(command -v pg_ctl)"; fi
}
BIN="$(bin_dir)"

as_owner() {  # run a PostgreSQL binary as the user who may own the data directory
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ctl() {
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 "$@" >/dev/null
}

init() {
  [ -f "$DATA/PG_VERSION" ] && return
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale >/dev/null
}

start() {
  init
  if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    ctl -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start
  fi
}

case "${1:-start}" in
  start)
    start
    echo "export REFERRAL_TEST_FAULT_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    echo "export REFERRAL_TEST_FAULT_PG_CTL=$SELF REFERRAL_FAULT_PG_DIR=$DIR REFERRAL_FAULT_PG_PORT=$PORT"
    ;;
  start-only) start ;;
  restart) ctl -m "${2:-fast}" restart ;;
  stop) as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && ctl -m fast stop || true ;;
  status) as_owner "$BIN/pg_ctl" -D "$DATA" status ;;
  *) echo "usage: $0 start|start-only|restart [fast|immediate]|stop|status" >&2; exit 2 ;;
esac
