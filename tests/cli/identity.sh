#!/usr/bin/env bash
# Endpoint identity belongs to the run (SPEC section 10), end to end on one
# real SQLite file: the same HAR imported under two services, one with a
# routes file given after the other run had seen every path; runs merged
# with different templating; perf-report --routes re-templating stored runs
# without writing (also on a file the reader may not write); baselines from
# runs; the proxy recording two services on 127.0.0.1; what a run stores
# about its templating; pruning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unwritable.sh"
SRC=${E2E_SOURCE_ROOT:?}
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 missing" >&2; exit 1; }
HAR="python3 $SRC/tests/cli/make_har.py"
DB=$TMP/perf.db

# keys FILE: the report's endpoints as one line of "KEY=COUNT", sorted (a
# trend's count summed over its runs)
keys() {
  jq -r '.endpoints | to_entries
    | map("\(.key)=\(if (.value | type) == "array" then (.value | map(.call_count) | add) else .value.call_count end)")
    | sort | join(", ")' "$1"
}
# expect_keys DESCRIPTION WANT ARGS...: perf-report ARGS -f json --out FILE
expect_keys() {
  local what=$1 want=$2; shift 2
  rm -f "$TMP/r.json"
  run "$E2E" perf-report --db "$DB" "$@" -f json --out "$TMP/r.json"
  expect_rc 0 "$what"
  NTESTS=$((NTESTS + 1))
  [ "$(keys "$TMP/r.json")" = "$want" ] || fail "$what: endpoints '$(keys "$TMP/r.json")', want '$want'"
}

# 150 GET /users/... (120 over /users/0..2, 30 /users/me), 10 DELETE /v2/carts/9
$HAR "$TMP/api.har" 7 GET:/users/+3:120 GET:/users/me:30 DELETE:/v2/carts/9:10
printf 'GET /users/{user}\nDELETE /v2/carts/{cart}\n' >"$TMP/routes.txt"

# The reproducer of issue 13: b's routes apply although a's run saw every
# path first; a keeps its automatic templates.
run "$E2E" perf-profile --db "$DB" -s a --import "$TMP/api.har" -q
expect_rc 0 "import a"
run "$E2E" perf-profile --db "$DB" -s b --import "$TMP/api.har" --routes "$TMP/routes.txt" -q
expect_rc 0 "import b with --routes"
A_AUTO="DELETE /v2/carts/{id}=10, GET /users/me=30, GET /users/{id}=120"
B_ROUTES="DELETE /v2/carts/{cart}=10, GET /users/{user}=150"
expect_keys "service b: its own routes" "$B_ROUTES" -s b
expect_keys "service a: automatic templates" "$A_AUTO" -s a
expect_keys "run 1" "$A_AUTO" --run 1
expect_keys "run 2" "$B_ROUTES" --run 2
[ "$(jq -r '.endpoints["GET /users/{user}"].distinct_paths' "$TMP/r.json")" = 4 ] ||
  fail "run 2: GET /users/{user} has $(jq -r '.endpoints["GET /users/{user}"].distinct_paths' "$TMP/r.json") raw paths, want 4"

# Merged runs: each run's samples count under that run's own endpoints.
printf 'GET /users/{uid}\n' >"$TMP/uid.txt"
run "$E2E" perf-profile --db "$DB" -s a --import "$TMP/api.har" --routes "$TMP/uid.txt" -q
expect_rc 0 "import a again with --routes"
expect_keys "a --runs 2: each run its own templates" \
  "DELETE /v2/carts/{id}=20, GET /users/me=30, GET /users/{id}=120, GET /users/{uid}=150" -s a --runs 2
expect_keys "a --trend: each run its own templates" \
  "DELETE /v2/carts/{id}=20, GET /users/me=30, GET /users/{id}=120, GET /users/{uid}=150" -s a --runs 2 --trend

# Baselines from runs use each run's own endpoints.
run "$E2E" perf-report --db "$DB" -s a --runs 2 --set-baseline -b "$TMP/a.json" -q
expect_rc 0 "baseline from a's two runs"
NTESTS=$((NTESTS + 1))
[ "$(jq -r '.endpoints | keys | join(", ")' "$TMP/a.json")" = \
  "DELETE /v2/carts/{id}, GET /users/me, GET /users/{id}, GET /users/{uid}" ] ||
  fail "baseline endpoints: $(jq -r '.endpoints | keys | join(", ")' "$TMP/a.json")"

# perf-report --routes re-templates stored runs and writes nothing.
sum_before=$(cksum <"$DB") mtime_before=$(stat -c %Y.%y "$DB")
expect_keys "a --runs 2 --routes: re-templated alike" \
  "DELETE /v2/carts/{cart}=20, GET /users/{user}=300" -s a --runs 2 --routes "$TMP/routes.txt"
expect_keys "b --routes uid.txt: re-templated" \
  "DELETE /v2/carts/{id}=10, GET /users/{uid}=150" -s b --routes "$TMP/uid.txt"
NTESTS=$((NTESTS + 1))
[ "$(cksum <"$DB")" = "$sum_before" ] && [ "$(stat -c %Y.%y "$DB")" = "$mtime_before" ] ||
  fail "perf-report --routes changed the database"
expect_keys "a stays as recorded after --routes" \
  "DELETE /v2/carts/{id}=20, GET /users/me=30, GET /users/{id}=120, GET /users/{uid}=150" -s a --runs 2

# ... also on a file the reader may not write (root: run it as nobody)
RO=$TMP/ro
unwritable_copy "$DB" "$RO"
run "${READER[@]}" "$E2E" perf-report --db "$RO/perf.db" -s a --runs 2 --routes "$TMP/routes.txt" -f json
expect_rc 0 "read-only file: --routes"
echo "$OUT" >"$TMP/ro.json"
NTESTS=$((NTESTS + 1))
[ "$(keys "$TMP/ro.json")" = "DELETE /v2/carts/{cart}=20, GET /users/{user}=300" ] ||
  fail "read-only file: endpoints '$(keys "$TMP/ro.json")'"
cmp -s "$DB" "$RO/perf.db" || fail "read-only file: changed"
unwritable_undo "$RO"

# The proxy: two services through the same database, one with routes.
python3 "$SRC/demo/service.py" --port 0 >"$TMP/svc.out" 2>&1 &
SVC=$!
trap 'kill $SVC 2>/dev/null; wait $SVC 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do PORT=$(awk '/^PORT/ {print $2}' "$TMP/svc.out"); [ -n "$PORT" ] && break; sleep 0.05; done
[ -n "$PORT" ] || { echo "service did not start" >&2; exit 1; }
SUITE='for p in /users/1 /users/2 /users/me; do curl -fsS -o /dev/null "$E2E_PROXY_URL$p"; done'
run "$E2E" perf-profile --db "$DB" -s c --target "http://127.0.0.1:$PORT" --routes "$TMP/routes.txt" -q -- sh -c "$SUITE"
expect_rc 0 "proxy c with --routes"
run "$E2E" perf-profile --db "$DB" -s d --target "http://127.0.0.1:$PORT" -q -- sh -c "$SUITE"
expect_rc 0 "proxy d"
expect_keys "proxy c: its routes" "GET /users/{user}=3" -s c
expect_keys "proxy d: automatic" "GET /users/me=1, GET /users/{id}=2" -s d

# What a run stores about its templating: the rules' version, its routes
# file by name, SHA-256 and text (once per digest).
sha=$(sha256sum <"$TMP/routes.txt" | cut -d' ' -f1)
NTESTS=$((NTESTS + 1))
got=$(sqlite3 -separator ' ' "$DB" "SELECT r.id, r.service, r.rules_version, r.routes_name = '' OR r.routes_name LIKE '%.txt', coalesce(t.sha256, '-') FROM runs r LEFT JOIN routes t ON t.id = r.routes_id ORDER BY r.id")
want="1 a 1 1 -
2 b 1 1 $sha
3 a 1 1 $(sha256sum <"$TMP/uid.txt" | cut -d' ' -f1)
4 c 1 1 $sha
5 d 1 1 -"
[ "$got" = "$want" ] || fail "stored templating: '$got', want '$want'"
NTESTS=$((NTESTS + 1))
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM routes')" = 2 ] || fail "routes texts not stored once per digest"
[ "$(sqlite3 "$DB" "SELECT text FROM routes WHERE sha256 = '$sha'")" = "$(cat "$TMP/routes.txt")" ] ||
  fail "routes text not stored"

# Pruning takes a run's mapping with it, and a routes file no run uses.
run "$E2E" perf-report --db "$DB" -s a --prune --keep 1 -q
expect_rc 0 "prune a"
run "$E2E" perf-report --db "$DB" -s b --prune --keep 0 -q
expect_rc 0 "prune b"
NTESTS=$((NTESTS + 1))
[ "$(sqlite3 "$DB" 'SELECT group_concat(DISTINCT run_id) FROM run_paths ORDER BY run_id')" = "3,4,5" ] ||
  fail "run_paths after prune: $(sqlite3 "$DB" 'SELECT group_concat(DISTINCT run_id) FROM run_paths')"
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM routes')" = 2 ] || fail "a routes file still in use was pruned"
run "$E2E" perf-report --db "$DB" -s c --prune --keep 0 -q
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM routes')" = 1 ] || fail "an unused routes file was kept"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after prune"

# A routes file that cannot be read: one line naming it, exit 2 (fsutil's
# reader, as for the rules and baseline files), nothing else printed.
for bad in "$TMP/no-such-routes.txt" "$TMP"; do
  run "$E2E" perf-report --db "$DB" -s a --routes "$bad"
  expect_rc 2 "routes file '$bad'"
  expect_no_out "routes file '$bad'"
  NTESTS=$((NTESTS + 1)); [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] || fail "routes file '$bad': more than one line: '$ERR'"
done
expect_err "e2e: perf-report: cannot read routes file '$TMP': Is a directory" "a directory as the routes file"
run "$E2E" perf-report --db "$DB" -s a --routes "$TMP/no-such-routes.txt"
expect_err "e2e: perf-report: cannot read routes file '$TMP/no-such-routes.txt': No such file or directory" "a missing routes file"
# unreadable: as root (which reads any file) the reader is user nobody, on
# copies it may read
RD=$(mktemp -d /tmp/e2e-routes.XXXXXX); chmod 755 "$RD"
cp "$DB" "$RD/r.db"; chmod 644 "$RD/r.db"; printf 'GET /users/{id}\n' >"$RD/secret.txt"; chmod 600 "$RD/secret.txt"
AS=()
[ "$(id -u)" -ne 0 ] || AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
[ "$(id -u)" -eq 0 ] || chmod 000 "$RD/secret.txt"
run "${AS[@]}" "$E2E" perf-report --db "$RD/r.db" -s a --routes "$RD/secret.txt"
expect_rc 2 "an unreadable routes file"
expect_err "e2e: perf-report: cannot read routes file '$RD/secret.txt': Permission denied" "an unreadable routes file"
rm -rf "$RD"

finish
