#!/usr/bin/env bash
# Hostile input files end to end: a back-reference regex in a rules file,
# HAR numbers and dates out of range (exit 2, nothing stored), a 50 MB URL
# in a HAR file and a 12 KB path through the proxy (cut at 8 KiB, the
# database stays small, the report's note counts them).
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
for t in sqlite3 curl python3; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done
DB="$TMP/p.db"

# har FILE TIME DATE URL-PATH-LENGTH: one entry
har() {
  python3 - "$@" <<'PY'
import sys
path, time, date, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(path, "w") as f:
    f.write('{"log":{"version":"1.2","entries":[{"startedDateTime":"%s","time":%s,'
            '"request":{"method":"GET","url":"http://h/%s?q=1"},"response":{"status":200},'
            '"timings":{"wait":1}}]}}' % (date, time, "a" * n))
PY
}
runs_in() { sqlite3 "$1" 'SELECT count(*) FROM runs' 2>/dev/null || echo 0; }

# numbers and dates out of range: exit 2, the JSON path, nothing stored
har "$TMP/time.har" 1e300 2024-05-01T12:00:00Z 1
run "$E2E" perf-profile -s h --import "$TMP/time.har" --db "$DB"
expect_rc 2 "time 1e300"
expect_err "e2e: perf-profile: '$TMP/time.har': log.entries[0].time: 1e+300 is out of range (-1 to 4294967 ms)" "time 1e300"
expect_no_out "time 1e300"
NTESTS=$((NTESTS + 1))
[ "$(runs_in "$DB")" = 0 ] || fail "time 1e300: a run was stored"
har "$TMP/date.har" 1 1500-01-01T00:00:00Z 1
run "$E2E" perf-profile -s h --import "$TMP/date.har" --db "$DB"
expect_rc 2 "a date out of range"
expect_err "e2e: perf-profile: '$TMP/date.har': log.entries[0].startedDateTime: \"1500-01-01T00:00:00Z\" is outside the supported range (years 1678 to 2261)" "a date out of range"

# a 50 MB URL: stored cut, counted in the report's note
har "$TMP/long.har" 1 2024-05-01T12:00:00Z $((50 * 1024 * 1024))
run "$E2E" perf-profile -s long --import "$TMP/long.har" --db "$DB" -f json
expect_rc 0 "a 50 MB URL"
NTESTS=$((NTESTS + 1))
printf '%s' "$OUT" | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin)["alerts"] if x["kind"] == "cut_paths"]
sys.exit(0 if len(a) == 1 and a[0]["message"].startswith("1 requests had a raw path longer than 8 KiB") else 1)' \
  || fail "a 50 MB URL: no cut_paths alert"
NTESTS=$((NTESTS + 1))
[ "$(sqlite3 "$DB" 'SELECT max(length(CAST(path AS BLOB))) FROM paths')" = 8197 ] || fail "a 50 MB URL: stored path of $(sqlite3 "$DB" 'SELECT max(length(CAST(path AS BLOB))) FROM paths') bytes"
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
NTESTS=$((NTESTS + 1))
[ "$(stat -c %s "$DB")" -lt $((1024 * 1024)) ] || fail "a 50 MB URL: the database has $(stat -c %s "$DB") bytes"
run "$E2E" perf-report --db "$DB" -s long
expect_out_has 'note: 1 request had a raw path longer than 8 KiB: stored cut short, ending in "[…]"' "a 50 MB URL: the text note"

# a 12 KB path through the proxy: the same cut and note
python3 "$SRC/demo/service.py" --port 0 >"$TMP/svc.out" 2>&1 &
SVC=$!
trap 'kill $SVC 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do PORT=$(awk '/^PORT/ {print $2}' "$TMP/svc.out"); [ -n "$PORT" ] && break; sleep 0.05; done
[ -n "$PORT" ] || { echo "service did not start" >&2; exit 1; }
LONG=$(head -c 12000 /dev/zero | tr '\0' b)
run "$E2E" perf-profile -s proxied --target "http://127.0.0.1:$PORT" --db "$DB" -q -- \
  bash -c 'curl -sS -o /dev/null "$E2E_PROXY_URL/$1"; curl -fsS -o /dev/null "$E2E_PROXY_URL/health"' sh "$LONG"
expect_rc 0 "a 12 KB path through the proxy"
expect_out_has "note: 1 request had a raw path longer than 8 KiB" "a 12 KB path through the proxy: the note"

# a back-reference in a rules file is refused at once, naming file and rule
printf '{"rules": [{"match": "re:^(.*)(.*)(.*)(.*)(.*)(.*)\\\\6\\\\5\\\\4\\\\3\\\\2\\\\1$", "max_p95_ms": 1}]}\n' >"$TMP/rules.json"
run timeout 20 "$E2E" perf-report --db "$DB" -s long --rules "$TMP/rules.json"
expect_rc 2 "a back-reference"
expect_err_has "'$TMP/rules.json': rules[0].match: bad regex '^(.*)(.*)(.*)(.*)(.*)(.*)\\6\\5\\4\\3\\2\\1\$': a back-reference" "a back-reference"
finish
