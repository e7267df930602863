#!/usr/bin/env bash
# perf-report on the deterministic fixture database (tools/mkfixture):
# golden files of every format and view (tests/golden/report/), the JSON
# and CSV checked against figures computed independently in Python from the
# fixture's raw samples (also for --runs merging), the HTML parsed as XML,
# --out, colour, --list/--trend/--prune, and every error path with its exit
# status. Regenerate the goldens with UPDATE_GOLDEN=1 after an intended
# change, and review the diff.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unwritable.sh"
SRC=${E2E_SOURCE_ROOT:?}
GOLD=$SRC/tests/golden/report
MKFIXTURE=${E2E_MKFIXTURE:-$(dirname "$E2E_BIN")/tools/mkfixture}
[ -x "$MKFIXTURE" ] || { echo "mkfixture not built: $MKFIXTURE" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing" >&2; exit 1; }

DB=$TMP/f.db
"$MKFIXTURE" "$DB" --dump "$TMP/samples.csv" || { echo "mkfixture failed" >&2; exit 1; }

# golden NAME ARGS...: perf-report ARGS on the fixture must print exactly
# the golden file (byte for byte, trailing newline included) and exit
# ${WANT_RC:-0}; it runs in ${IN_DIR:-.} (relative baseline names).
golden() {
  local name=$1; shift
  NTESTS=$((NTESTS + 1))
  (cd "${IN_DIR:-.}" && exec "$E2E" perf-report --db "$DB" "$@") >"$TMP/out" 2>"$TMP/err" </dev/null; local rc=$?
  [ "$rc" -eq "${WANT_RC:-0}" ] || { fail "$name: exit $rc, want ${WANT_RC:-0} ($(cat "$TMP/err"))"; return; }
  [ -s "$TMP/err" ] && fail "$name: stderr not empty: $(cat "$TMP/err")"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    mkdir -p "$GOLD"; cp "$TMP/out" "$GOLD/$name"; return
  fi
  cmp -s "$TMP/out" "$GOLD/$name" || fail "$name: differs from tests/golden/report/$name:
$(diff -u "$GOLD/$name" "$TMP/out" | head -n 40)"
}

golden report.txt
golden report.json -f json
golden report.md -f markdown
golden report.html -f html
golden report.csv -f csv
golden report.xml -f junit
golden runs3.txt --runs 3
golden runs3.json --runs 3 -f json
golden runs3.html --runs 3 -f html
golden show-paths.txt --show-paths
golden errors-4xx.txt --errors 4xx
golden billing.txt -s billing
golden billing.json -s billing -f json
golden empty.txt -s empty-svc
golden empty.json -s empty-svc -f json
golden trend.txt --trend
golden trend.json --trend -f json
golden trend.csv --trend -f csv
golden trend.md --trend -f md
golden list.txt --list
golden list.json --list -f json
golden list.csv --list -f csv

# a file e2e may not write, in a directory it may not write either (so no
# WAL index can be made next to it): the same report
unwritable_copy "$DB" "$TMP/ro"
run "${READER[@]}" "$E2E" perf-report --db "$TMP/ro/perf.db"
expect_rc 0 "unwritable database"
printf '%s\n' "$OUT" | cmp -s - "$GOLD/report.txt" || fail "unwritable database: differs from report.txt"
unwritable_undo "$TMP/ro"

# hostile values (mkfixture --hostile): methods that are spreadsheet
# formulas, an endpoint with terminal escapes (ESC, BEL, BS, VT, FF, C1
# CSI), Markdown and HTML specials, a branch with HTML; a raw path cut at
# 8 KiB. Every export in a golden file, then the properties themselves.
HDB=$TMP/hostile.db
"$MKFIXTURE" "$HDB" --hostile || { echo "mkfixture --hostile failed" >&2; exit 1; }
for f in txt:text json:json md:markdown html:html csv:csv xml:junit gh:github; do
  DB=$HDB golden "hostile.${f%%:*}" -s hostile -f "${f#*:}"
  "$E2E" perf-report --db "$HDB" -s hostile -f "${f#*:}" >"$TMP/hostile.${f%%:*}"
done
DB=$HDB golden hostile-list.txt --list
DB=$HDB golden hostile-list.csv --list -f csv
DB=$HDB golden long-paths.txt -s long-paths
DB=$HDB golden long-paths.json -s long-paths -f json
"$E2E" perf-report --db "$HDB" --list -f csv >"$TMP/hostile-list.csv"
NTESTS=$((NTESTS + 1))
python3 - "$TMP" <<'PY' || fail "hostile values reached an export raw"
import csv, re, sys
d = sys.argv[1]
bad = 0
ctl = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
for ext in ("txt", "md", "html", "csv", "xml", "gh"):
    text = open(f"{d}/hostile.{ext}", encoding="utf-8").read()
    if ctl.search(text):
        print(f"hostile.{ext}: a control character"); bad += 1
for ext in ("md", "html"):
    # (a Markdown code span shows its text as is)
    text = re.sub(r"`[^`\n]*`", "", open(f"{d}/hostile.{ext}", encoding="utf-8").read())
    if "<svg/onload" in text or "<b>" in text:
        print(f"hostile.{ext}: raw HTML from the data"); bad += 1
numeric = ("count", "errors", "error_rate", "throughput_rps", "min_ms", "mean_ms", "p50_ms", "p90_ms",
           "p95_ms", "p99_ms", "max_ms", "stddev_ms", "mean_req_bytes", "mean_resp_bytes", "distinct_paths")
for name in ("hostile.csv", "hostile-list.csv"):
    for rec in csv.DictReader(open(f"{d}/{name}", newline="", encoding="utf-8")):
        for col, v in rec.items():
            if col in numeric:
                float(v)  # numbers stay numbers
            elif v[:1] in ("=", "+", "-", "@", "\t", "\r"):
                print(f"{name}: {col} = {v!r} starts a formula"); bad += 1
rows = list(csv.DictReader(open(f"{d}/hostile.csv", newline="", encoding="utf-8")))
if "'=cmd|'/Ccalc'!A0" not in [r["method"] for r in rows]:
    print("hostile.csv: the formula method is not neutralised as \"'=...\""); bad += 1
sys.exit(1 if bad else 0)
PY

# a comparison: a baseline from shop's runs 7-9, then run 6 (GET
# /products/{id} twice as slow) gated against it in every format
run "$E2E" perf-report --db "$DB" -s shop --runs 3 --set-baseline --baseline-dir "$TMP/bl" -q
expect_rc 0 "--set-baseline from 3 runs"
expect_no_out_err() { [ -z "$ERR" ] || fail "$1: stderr '$ERR'"; }
expect_no_out_err "--set-baseline -q"
for f in txt:text json:json md:markdown html:html csv:csv xml:junit gh:github cq.json:gitlab-codequality; do
  IN_DIR=$TMP WANT_RC=1 golden "gate.${f%%:*}" -s shop --run 6 --compare-baseline -b bl/shop.json -f "${f#*:}"
done

# --compact (a PR comment): only the endpoints that need a look; nothing
# when all pass (run 9 against the baseline of runs 7-9) unless --always;
# every --compact or --always that cannot apply warns
IN_DIR=$TMP WANT_RC=1 golden gate-compact.md -s shop --run 6 --compare-baseline -b bl/shop.json -f md --compact
IN_DIR=$TMP golden inconclusive-compact.md -s shop --run 8 --compare-baseline -b bl/shop.json -f md --compact
IN_DIR=$TMP golden pass-compact.md -s shop --run 9 --compare-baseline -b bl/shop.json -f md --compact
IN_DIR=$TMP golden pass-always.md -s shop --run 9 --compare-baseline -b bl/shop.json -f md --compact --always
run "$E2E" perf-report --db "$DB" -s shop --run 9 --compare-baseline -b "$TMP/bl/shop.json" -f md --compact --out "$TMP/c.md"
expect_rc 0 "--compact --out, all pass"
NTESTS=$((NTESTS + 1))
[ -f "$TMP/c.md" ] && [ ! -s "$TMP/c.md" ] || fail "--compact --out, all pass: want an empty file"
run "$E2E" perf-report --db "$DB" -s shop --compact
expect_err "e2e: perf-report: warning: '--compact' has no effect without a Markdown report (-f markdown)" "--compact -f text"
run "$E2E" perf-report --db "$DB" -s shop -f md --always
expect_err "e2e: perf-report: warning: '--always' has no effect without --compact" "--always alone"

# the default selection is the latest run of any service; -s, --run and
# 'latest' name the same run here
run "$E2E" perf-report --db "$DB"; base=$OUT
for args in "-s users-api" "--run 5" "--run latest" "-s users-api --run 5"; do
  run "$E2E" perf-report --db "$DB" $args
  expect_rc 0 "$args"
  [ "$OUT" = "$base" ] || fail "'$args' differs from the default report"
done

# JSON and CSV against figures computed independently from the raw samples.
# Python's statistics.quantiles(method='inclusive') is Hyndman-Fan type 7,
# the definition the report uses; cut points 49, 89, 94, 98 of n=100 are
# P50, P90, P95, P99.
"$E2E" perf-report --db "$DB" -f json >"$TMP/r5.json"
"$E2E" perf-report --db "$DB" -f csv >"$TMP/r5.csv"
"$E2E" perf-report --db "$DB" --runs 3 -f json >"$TMP/r3.json"
"$E2E" perf-report --db "$DB" -s billing -f json --errors 4xx >"$TMP/b.json"
NTESTS=$((NTESTS + 1))
python3 - "$TMP/samples.csv" "$TMP/r5.json" "$TMP/r5.csv" "$TMP/r3.json" "$TMP/b.json" <<'PY' || fail "figures differ from the Python reference"
import csv, json, statistics as st, sys
rows = list(csv.reader(open(sys.argv[1])))
def reference(runs, count_4xx=False):
    eps = {}
    for run, svc, ep, status, err, us in rows:
        if int(run) in runs:
            eps.setdefault(ep, []).append((int(status), int(err), int(us) / 1000))
    out = {}
    for ep, s in eps.items():
        lat = [x[2] for x in s]
        q = st.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [lat[0]] * 99
        errs = sum(1 for status, err, _ in s if err or status >= 500 or (count_4xx and 400 <= status < 500))
        out[ep] = dict(call_count=len(s), errors=errs, min_latency_ms=min(lat), max_latency_ms=max(lat),
                       avg_latency_ms=st.fmean(lat), p50_latency_ms=q[49], p90_latency_ms=q[89],
                       p95_latency_ms=q[94], p99_latency_ms=q[98], error_rate=errs / len(s))
    return out
bad = 0
def check(name, report, ref):
    global bad
    eps = report["endpoints"]
    if sorted(eps) != sorted(ref):
        print(f"{name}: endpoints {sorted(eps)} != {sorted(ref)}"); bad += 1; return
    for ep, want in ref.items():
        for k, v in want.items():
            got = eps[ep][k]
            tol = 1e-6 if k == "error_rate" else 0.0005 + 1e-9
            if abs(got - v) > tol:
                print(f"{name}: {ep} {k} = {got}, reference {v}"); bad += 1
    p95 = [eps[e]["p95_latency_ms"] for e in eps]
    if p95 != sorted(p95, reverse=True):
        print(f"{name}: endpoints not sorted by p95 descending"); bad += 1
r5 = json.load(open(sys.argv[2]))
check("run 5", r5, reference({5}))
if r5["total_requests"] != sum(1 for r in rows if r[0] == "5"):
    print("run 5: total_requests"); bad += 1
# --runs 3: runs 2, 3, 5 pooled, never averaged percentiles
r3 = json.load(open(sys.argv[4]))
check("runs 2,3,5", r3, reference({2, 3, 5}))
if r3["run_ids"] != [2, 3, 5] or r3["test_run_id"] != "2,3,5":
    print("runs 2,3,5: run ids", r3["run_ids"]); bad += 1
check("billing --errors 4xx", json.load(open(sys.argv[5])), reference({4}, count_4xx=True))
# CSV: a header and one row per endpoint, the same figures as the JSON
with open(sys.argv[3], newline="") as f:
    recs = list(csv.DictReader(f))
if len(recs) != len(r5["endpoints"]):
    print("csv: rows", len(recs)); bad += 1
for rec in recs:
    e = r5["endpoints"][rec["endpoint"]]
    for col, key in (("count", "call_count"), ("p50_ms", "p50_latency_ms"), ("p95_ms", "p95_latency_ms"),
                     ("p99_ms", "p99_latency_ms"), ("mean_ms", "avg_latency_ms"), ("errors", "errors")):
        if abs(float(rec[col]) - e[key]) > 1e-9:
            print(f"csv: {rec['endpoint']} {col} {rec[col]} != json {e[key]}"); bad += 1
sys.exit(1 if bad else 0)
PY

# HTML: well-formed XML, one distribution chart per endpoint, one trend
# chart per endpoint when several runs are covered, nothing from the network
NTESTS=$((NTESTS + 1))
"$E2E" perf-report --db "$DB" --runs 3 -f html >"$TMP/r.html"
python3 - "$TMP/r.html" "$TMP/r3.json" <<'PY' || fail "HTML check"
import json, sys, xml.etree.ElementTree as ET
SVG = "{http://www.w3.org/2000/svg}svg"
root = ET.parse(sys.argv[1]).getroot()
n = len(json.load(open(sys.argv[2]))["endpoints"])
svgs = root.findall(".//" + SVG)
dist = [s for s in svgs if s.get("class") == "dist"]
trend = [s for s in svgs if s.get("class") == "trend"]
ok = len(dist) == n and len(trend) == n
for el in root.iter():
    for a in ("src", "href"):
        if el.get(a):
            ok = False; print("external reference", el.tag, el.get(a))
if not ok:
    print(f"{len(dist)} distribution and {len(trend)} trend charts for {n} endpoints")
sys.exit(0 if ok else 1)
PY
if command -v xmllint >/dev/null; then
  NTESTS=$((NTESTS + 1))
  xmllint --noout "$TMP/r.html" 2>"$TMP/xmllint" || fail "xmllint: $(cat "$TMP/xmllint")"
  "$E2E" perf-report --db "$DB" -f junit | xmllint --noout - 2>"$TMP/xmllint" || fail "junit xmllint: $(cat "$TMP/xmllint")"
fi

# --out writes the file atomically and nothing to stdout
run "$E2E" perf-report --db "$DB" -f json --out "$TMP/o.json"
expect_rc 0 "--out"
expect_no_out "--out"
cmp -s "$TMP/o.json" "$GOLD/report.json" || fail "--out file differs from stdout's report"
printf 'old and longer content that must disappear entirely\n%.0s' $(seq 1 200) >"$TMP/o.txt"
run "$E2E" perf-report --db "$DB" --out "$TMP/o.txt"
cmp -s "$TMP/o.txt" "$GOLD/report.txt" || fail "--out did not replace the old file"
ls -A "$TMP" | grep -q '^\.e2e-tmp' && fail "--out left a temporary file"
run "$E2E" perf-report --db "$DB" --out "$TMP/no/such/dir/r.txt"
expect_rc 3 "--out in a missing directory"
expect_err "e2e: perf-report: cannot write '$TMP/no/such/dir/r.txt': No such file or directory" "--out missing dir"
expect_no_out "--out missing dir"

# colour: only on a terminal, never with NO_COLOR or --out
if command -v script >/dev/null; then
  NTESTS=$((NTESTS + 1))
  env -u NO_COLOR script -qec "'$E2E' perf-report --db '$DB'" /dev/null >"$TMP/tty" 2>&1
  grep -q $'\033\\[1mENDPOINT' "$TMP/tty" || fail "no colour on a terminal"
  NO_COLOR=1 script -qec "'$E2E' perf-report --db '$DB'" /dev/null >"$TMP/tty" 2>&1
  grep -q $'\033\\[' "$TMP/tty" && fail "colour despite NO_COLOR"
  env -u NO_COLOR script -qec "'$E2E' perf-report --db '$DB' --out '$TMP/c.txt'" /dev/null >/dev/null 2>&1
  grep -q $'\033\\[' "$TMP/c.txt" && fail "colour in an --out file"
fi

# --trend --days: only runs of the last N days (service "aging" has runs
# 10 days and 1 hour old)
"$MKFIXTURE" "$TMP/aging.db" --aging
run "$E2E" perf-report --db "$TMP/aging.db" -s aging --trend --days 5 -f json
expect_rc 0 "--days 5"
[ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')" = 1 ] || fail "--days 5 runs"
run "$E2E" perf-report --db "$TMP/aging.db" -s aging --trend --days 30 -f json
[ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')" = 2 ] || fail "--days 30 runs"
run "$E2E" perf-report --db "$TMP/aging.db" -s users-api --trend --days 1
expect_rc 4 "--days with no run in range"
expect_err "e2e: perf-report: no runs of service 'users-api' in the last 1 days in '$TMP/aging.db'" "--days none"

# --routes re-templates the stored raw paths
printf 'GET /users/{user}\n' >"$TMP/routes.txt"
run "$E2E" perf-report --db "$DB" --routes "$TMP/routes.txt" -f json
expect_rc 0 "--routes"
printf '%s' "$OUT" | python3 -c '
import json, sys
e = json.load(sys.stdin)["endpoints"]
sys.exit(0 if e["GET /users/{user}"]["call_count"] == 240 and "GET /users/{id}" not in e else 1)' \
  || fail "--routes did not re-template GET /users/{id}"

# --prune: what went on stderr, nothing on stdout
cp "$DB" "$TMP/p.db"
run "$E2E" perf-report --db "$TMP/p.db" --prune --keep 1
expect_rc 0 "--prune --keep 1"
expect_no_out "--prune"
expect_err "e2e: perf-report: removed run 3 (users-api, started 2026-11-19 09:00:00 UTC, 612 requests)" "--prune lines"
expect_err_has "e2e: perf-report: removed run 2 (users-api, started 2026-11-18 09:00:00 UTC, 550 requests)" "--prune run 2"
expect_err_has "e2e: perf-report: removed 5 runs, kept 4" "--prune count"
run "$E2E" perf-report --db "$TMP/p.db" --list -f csv
[ "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" = "5 4 9 1 " ] || fail "runs after prune: $OUT"
run "$E2E" perf-report --db "$TMP/p.db" --prune --keep 0 -q
expect_rc 0 "--prune --keep 0"
expect_no_out "--prune -q"
[ -z "$ERR" ] || fail "--prune -q printed '$ERR'"
run "$E2E" perf-report --db "$TMP/aging.db" -s aging --prune --older-than 5
expect_rc 0 "--prune --older-than 5"
expect_err_has "e2e: perf-report: removed 1 run, kept 1" "--prune --older-than"

# errors: one clear line each, with the documented exit status
run "$E2E" perf-report --db "$DB" --run 99
expect_rc 2 "unknown run id"
expect_err "e2e: perf-report: no run 99 in '$DB'" "unknown run id"
expect_no_out "unknown run id"
run "$E2E" perf-report --db "$DB" -s nope
expect_rc 4 "unknown service"
expect_err "e2e: perf-report: no runs of service 'nope' in '$DB'" "unknown service"
run "$E2E" perf-report --db "$TMP/p.db"
expect_rc 4 "empty database"
expect_err "e2e: perf-report: no runs in '$TMP/p.db'" "empty database"
expect_no_out "empty database"
run "$E2E" perf-report --db "$TMP/p.db" --list
expect_rc 0 "--list of an empty database"
expect_out "no runs recorded" "--list of an empty database"
run "$E2E" perf-report --db "$TMP/none.db"
expect_rc 3 "missing database"
expect_err "e2e: perf-report: no database at '$TMP/none.db'" "missing database"
[ -e "$TMP/none.db" ] && fail "perf-report created a database"
printf 'not a database\n' >"$TMP/junk.db"
run "$E2E" perf-report --db "$TMP/junk.db"
expect_rc 2 "not a database"
case "$ERR" in "e2e: perf-report: "*"junk.db"*) ;; *) fail "not a database: '$ERR'";; esac
run "$E2E" perf-report --db "$DB" --run 2 -s billing
expect_rc 2 "run of another service"
expect_err "e2e: perf-report: run 2 is of service 'users-api', not 'billing'" "run of another service"
run "$E2E" perf-report --db "$DB" -s users-api --set-baseline --baseline-dir "$TMP/bl" -q
expect_rc 0 "a baseline to compare with"
run "$E2E" perf-report --db "$DB" -s empty-svc --compare-baseline -b "$TMP/bl/users-api.json"
expect_rc 4 "comparison with nothing captured"
expect_err "e2e: perf-report: nothing was captured: no request to compare with the baseline" "nothing captured"
run "$E2E" perf-report --db "$DB" --list -f html
expect_rc 2 "--list -f html"
expect_err "e2e: perf-report: '--list' supports -f text, json, csv" "--list -f html"
run "$E2E" perf-report --db "$DB" --trend -f junit
expect_rc 2 "--trend -f junit"
expect_err "e2e: perf-report: '--trend' supports -f text, json, markdown, html, csv" "--trend -f junit"
run "$E2E" perf-report --db "$DB" --list --compare-baseline
expect_rc 2 "--list with --compare-baseline"
expect_err "e2e: perf-report: '--list' does not go with '--compare-baseline'" "--list --compare-baseline"
run "$E2E" perf-report --db "$DB" --trend --run 3
expect_rc 2 "--trend --run"
run "$E2E" perf-report --db "$DB" --runs 9 -s users-api -f json
expect_rc 0 "--runs more than stored"
expect_err "e2e: perf-report: note: only 3 runs of 'users-api' stored: merging those" "--runs 9 note"

finish
