# A real PostgreSQL server for the CLI tests (sourced after lib.sh):
# initdb into a temporary directory, the server on a free 127.0.0.1 port
# with its Unix socket in that directory, stopped by its PID and removed at
# the end. No system service is needed. As root, the server runs as the
# unprivileged user nobody (initdb refuses root).
#
# pg_start: sets PGDIR, PG_PORT, PG_SOCK (the socket directory) and PG_URL
# (the superuser "postgres" over the socket, trusted); TCP connections
# need a password (scram-sha-256), the superuser's is "secret". Exits 77
# (skipped) only when the PostgreSQL binaries are absent.
PG_BIN=""
for d in "${E2E_PG_BIN:-}" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/bin; do
  [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && { PG_BIN=$d; break; }
done
PG_PID=""

PG_AS=()
[ "$(id -u)" -ne 0 ] || PG_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)

pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  if [ -z "$PG_BIN" ]; then
    echo "skipped: no PostgreSQL server binaries (initdb, postgres; Debian package postgresql)"
    exit 77
  fi
  PGDIR=$TMP/pg
  mkdir -p "$PGDIR"
  chmod 755 "$TMP"
  printf 'secret\n' >"$TMP/pg.pw"
  if [ "$(id -u)" -eq 0 ]; then chown nobody "$PGDIR" "$TMP/pg.pw"; fi
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres --pwfile="$TMP/pg.pw" -A scram-sha-256 \
    --auth-local=trust -E UTF8 --no-sync >"$TMP/initdb.log" 2>&1 ||
    { echo "initdb failed: $(cat "$TMP/initdb.log")" >&2; exit 1; }
  PG_SOCK=$PGDIR
  PG_PORT=$(pg_free_port)
  pg_run
}

# pg_run: (re)starts the server of pg_start on its directory and port.
pg_run() {
  "${PG_AS[@]}" "$PG_BIN/postgres" -D "$PGDIR/data" -p "$PG_PORT" -k "$PG_SOCK" -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off >>"$PGDIR/log" 2>&1 &
  PG_PID=$!
  PG_URL="postgresql://postgres@/postgres?host=$PG_SOCK&port=$PG_PORT"
  for _ in $(seq 1 600); do
    [ -S "$PG_SOCK/.s.PGSQL.$PG_PORT" ] && pg_sql -c 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "postgres did not start: $(cat "$PGDIR/log")" >&2
  exit 1
}

# pg_sql ARGS...: psql as the superuser, unaligned, tuples only, stops on error.
pg_sql() {
  "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "${PG_DB:-postgres}" "$@"
}

# pg_stop: fast shutdown of the server pg_start started (by its PID).
pg_stop() {
  [ -n "$PG_PID" ] || return 0
  kill -INT "$PG_PID" 2>/dev/null
  wait "$PG_PID" 2>/dev/null
  PG_PID=""
}

trap 'pg_stop; stop_service; rm -rf "$TMP"' EXIT
