#!/usr/bin/env bash
# Reports of a comparison when the store holds earlier runs of the service
# (issue 22): the Markdown's Mermaid p95 trend of each regressed endpoint
# and the HTML's overlays and sparklines, as golden files, next to the
# same reports without history. The fixture (tools/mkfixture) holds shop
# runs 6 (slow) to 9; a baseline from runs 7-9; run 10 is run 6's requests
# again, imported from a HAR dated after run 9, so it regresses with four
# earlier runs in the store. A store with only run 9's requests imported
# gives an all-pass comparison without history. UPDATE_GOLDEN=1 rewrites
# the goldens (tests/golden/compare/); review the diff.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
GOLD=$SRC/tests/golden/compare
MKFIXTURE=${E2E_MKFIXTURE:-$(dirname "$E2E_BIN")/tools/mkfixture}
[ -x "$MKFIXTURE" ] || { echo "mkfixture not built: $MKFIXTURE" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 missing" >&2; exit 1; }

DB=$TMP/f.db
"$MKFIXTURE" "$DB" --dump "$TMP/samples.csv" >/dev/null || { echo "mkfixture failed" >&2; exit 1; }
(cd "$TMP" && "$E2E" perf-report --db "$DB" -s shop --runs 3 --set-baseline --baseline-dir bl -q) ||
  { echo "--set-baseline failed" >&2; exit 1; }

# hars RUN FILE DATE [RUN FILE DATE...]: each RUN's requests of the
# fixture as a HAR starting at DATE, 50 ms apart, each taking its recorded
# latency (one python3 for all: it starts slowly on a loaded machine)
hars() {
  python3 - "$TMP/samples.csv" "$@" <<'PY'
import csv, datetime, json, sys
rows = list(csv.reader(open(sys.argv[1])))
paths = {"GET /products/{id}": ["/products/101", "/products/102", "/products/103"]}
args = sys.argv[2:]
for run, name, date in zip(args[0::3], args[1::3], args[2::3]):
    start = datetime.datetime.fromisoformat(date)
    entries = []
    for i, (_, _, key, status, _, us) in enumerate(r for r in rows if r[0] == run):
        method, path = key.split(" ", 1)
        path = paths.get(key, [path])[i % len(paths.get(key, [path]))]
        ms = int(us) / 1000
        at = start + datetime.timedelta(milliseconds=50 * i)
        entries.append({"startedDateTime": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        "time": ms, "request": {"method": method, "url": "http://shop.test" + path},
                        "response": {"status": int(status)},
                        "timings": {"send": 0, "wait": ms, "receive": 0}})
    json.dump({"log": {"version": "1.2", "creator": {"name": "compare-history.sh", "version": "1"},
                       "entries": entries}}, open(name, "w"))
PY
}

# import DB FILE: a HAR as a shop run, with the fixture's host and no
# commit (the machine that runs the test must not show in the goldens)
import() {
  "$E2E" perf-profile -s shop --db "$1" --import "$2" -q >/dev/null 2>"$TMP/import.err" ||
    { echo "import of $2 failed: $(cat "$TMP/import.err")" >&2; exit 1; }
  sqlite3 "$1" "UPDATE runs SET host_cpu = 'Fixture CPU @ 3.00GHz', host_cores = 4,
    host_os = 'Linux 6.1.0 x86_64', git_commit = '', git_branch = '', command = ''
    WHERE id = (SELECT max(id) FROM runs)" || exit 1
}

more=()
for d in $(seq 11 27); do # for the last check
  more+=(6 "$TMP/d$d.har" "2026-12-$(printf %02d $((d - 10)))T10:00:00+00:00")
done
hars 6 "$TMP/late.har" 2026-11-18T10:00:00+00:00 9 "$TMP/pass.har" 2026-11-18T10:00:00+00:00 "${more[@]}" ||
  { echo "cannot write the HAR files" >&2; exit 1; }
import "$DB" "$TMP/late.har"
"$MKFIXTURE" "$TMP/alone.db" >/dev/null && sqlite3 "$TMP/alone.db" "DELETE FROM runs" || exit 1
import "$TMP/alone.db" "$TMP/pass.har"

# golden NAME WANT_RC ARGS...: perf-report ARGS (in $TMP) prints exactly
# the golden file and exits WANT_RC
golden() {
  local name=$1 want=$2; shift 2
  NTESTS=$((NTESTS + 1))
  (cd "$TMP" && exec "$E2E" perf-report "$@") >"$TMP/out" 2>"$TMP/err" </dev/null; local rc=$?
  [ "$rc" -eq "$want" ] || { fail "$name: exit $rc, want $want ($(cat "$TMP/err"))"; return; }
  [ -s "$TMP/err" ] && fail "$name: stderr not empty: $(cat "$TMP/err")"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    mkdir -p "$GOLD"; cp "$TMP/out" "$GOLD/$name"; return
  fi
  cmp -s "$TMP/out" "$GOLD/$name" || fail "$name: differs from tests/golden/compare/$name:
$(diff -u "$GOLD/$name" "$TMP/out" | head -n 40)"
}

CMP=(-s shop --compare-baseline -b bl/shop.json)
# a regression with earlier runs: a Mermaid p95 trend over runs 6 to 10
golden fail-history-compact.md 1 --db "$DB" "${CMP[@]}" -f md --compact
golden fail-history.md 1 --db "$DB" "${CMP[@]}" -f md
golden fail-history.html 1 --db "$DB" "${CMP[@]}" -f html
# the same regression as the first run of the service: no trend
golden fail-compact.md 1 --db "$DB" "${CMP[@]}" --run 6 -f md --compact
# all pass, with history (run 9 after 6-8) and without (a store of one run)
golden pass-history-compact.md 0 --db "$DB" "${CMP[@]}" --run 9 -f md --compact
golden pass-history-always.md 0 --db "$DB" "${CMP[@]}" --run 9 -f md --compact --always
golden pass-always.md 0 --db "$TMP/alone.db" "${CMP[@]}" -f md --compact --always
golden pass.html 0 --db "$TMP/alone.db" "${CMP[@]}" -f html

# the trend holds the service's last 20 runs: 17 more imports of run 6's
# requests (runs 11 to 27, a day apart) make 22 shop runs, of which the
# trend shows runs 8 to 27 (dated 2026-12-01 to 2026-12-17)
for d in $(seq 11 27); do
  import "$DB" "$TMP/d$d.har"
done
NTESTS=$((NTESTS + 1))
run "$E2E" perf-report --db "$DB" -s shop --compare-baseline -b "$TMP/bl/shop.json" -f md --compact
want='  x-axis "run" ["8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27"]'
grep -qxF "$want" <<<"$OUT" || fail "the last 20 runs: $(grep x-axis <<<"$OUT")"
[ "$(grep -c '^```mermaid$' <<<"$OUT")" -eq 1 ] || fail "one trend per regressed endpoint"

finish
