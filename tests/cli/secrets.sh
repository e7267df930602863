#!/usr/bin/env bash
# Credentials never stored or printed: a password in --target's userinfo
# and secrets in the wrapped command line are searched for, after a real
# run, in the database file (SQL dump and raw bytes, WAL included), on
# stderr and in every report format and view; --redact-command keeps only
# the command's name; option errors do not repeat the password.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
for t in jq sqlite3 strings curl; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done

python3 "$SRC/demo/service.py" --port 0 >"$TMP/svc.out" 2>&1 &
SVC=$!
trap 'kill $SVC 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do PORT=$(awk '/^PORT/ {print $2}' "$TMP/svc.out"); [ -n "$PORT" ] && break; sleep 0.05; done
[ -n "$PORT" ] || { echo "service did not start" >&2; exit 1; }

S=Zq7Sekr1tVal # every secret below contains it
DB="$TMP/p.db"
T="http://alice:pw$S@127.0.0.1:$PORT"

# no_secret WHAT FILE...: none of the files holds the secret
no_secret() {
  local what=$1; shift
  NTESTS=$((NTESTS + 1))
  if grep -a -l -- "$S" "$@" >/dev/null 2>&1; then fail "$what: the secret is there"; fi
}

run "$E2E" perf-profile -s sec --target "$T" --db "$DB" -- \
  bash -c 'curl -fsS -o /dev/null "$E2E_PROXY_URL/health"' sh \
  --password "p$S" "API_TOKEN=t$S" -H "Authorization: Bearer b$S" "--api-key=k$S" \
  "http://u:x$S@example.com/cb?token=q$S&page=2" --user "bob:u$S"
expect_rc 0 "a run with secrets"
printf '%s\n%s\n' "$OUT" "$ERR" >"$TMP/run.out"
no_secret "perf-profile stdout and stderr" "$TMP/run.out"
expect_err_has "-> http://alice:***@127.0.0.1:$PORT" "the proxy line shows the target redacted"

# the database: SQL, then every byte of the file and its side files
sqlite3 "$DB" .dump >"$TMP/dump.sql"
no_secret "sqlite3 .dump" "$TMP/dump.sql"
for f in "$DB" "$DB"-wal "$DB"-shm; do
  [ -e "$f" ] && strings -a "$f" >"$TMP/strings.txt" && no_secret "strings $(basename "$f")" "$TMP/strings.txt" "$f"
done
NTESTS=$((NTESTS + 1))
[ "$(sqlite3 "$DB" 'SELECT target FROM runs')" = "http://alice:***@127.0.0.1:$PORT" ] || fail "stored target: $(sqlite3 "$DB" 'SELECT target FROM runs')"

# every report format and view
for f in text json markdown html csv junit; do
  "$E2E" perf-report --db "$DB" -f "$f" >"$TMP/r.$f" 2>&1
  "$E2E" perf-report --db "$DB" --show-paths -f "$f" >>"$TMP/r.$f" 2>&1
done
for f in text json markdown html csv; do "$E2E" perf-report --db "$DB" --trend -f "$f" >"$TMP/t.$f" 2>&1; done
for f in text json csv; do "$E2E" perf-report --db "$DB" --list -f "$f" >"$TMP/l.$f" 2>&1; done
no_secret "reports" "$TMP"/r.* "$TMP"/t.* "$TMP"/l.*
NTESTS=$((NTESTS + 1))
cmd=$(sqlite3 "$DB" "SELECT command FROM runs WHERE service = 'sec'")
case "$cmd" in
  *"--password '***'"*"'API_TOKEN=***'"*"'Authorization: Bearer ***'"*"'--api-key=***'"*"'http://u:***@example.com/cb?token=***&page=2'"*"--user 'bob:***'"*) ;;
  *) fail "stored command line: $cmd" ;;
esac

# --redact-command: the command's name only
run "$E2E" perf-profile -s sec2 --target "$T" --db "$DB" -q --redact-command -- \
  bash -c 'curl -fsS -o /dev/null "$E2E_PROXY_URL/health"' sh "plain-$S"
expect_rc 0 "--redact-command"
NTESTS=$((NTESTS + 1))
[ "$(sqlite3 "$DB" "SELECT command FROM runs WHERE service = 'sec2'")" = bash ] \
  || fail "--redact-command stored '$(sqlite3 "$DB" "SELECT command FROM runs WHERE service = 'sec2'")'"
sqlite3 "$DB" .dump >"$TMP/dump2.sql"
no_secret "--redact-command: the database" "$TMP/dump2.sql"

# errors about the target do not repeat its password
run "$E2E" perf-profile --target "ftp://alice:pw$S@127.0.0.1/" --db "$DB" -- true
expect_rc 2 "a target that is not http"
expect_err "e2e: perf-profile: option '--target': 'ftp://alice:***@127.0.0.1/' is not an http:// or https:// URL" "bad target"
run "$E2E" perf-profile --target "http://alice:pw$S@127.0.0.1:$PORT/?q=1" --db "$DB" -- true
expect_rc 2 "a target with a query"
printf '%s\n' "$ERR" >"$TMP/err.txt"
no_secret "target error" "$TMP/err.txt"
expect_err_has "alice:***@" "target error shows the redacted target"
finish
