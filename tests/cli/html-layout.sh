#!/usr/bin/env bash
# The HTML report in a real browser (issue 22): headless Chromium at
# 1280x2000 renders a failing comparison (shop run 6 against a baseline
# of runs 7-9), the same with history (sparklines; the golden file
# compare-history.sh checks) and a report with an 8 KiB raw path
# (mkfixture --hostile). The page's own check (its script,
# active only with ?check in the address) opens every <details> and
# records on <html> whether the page or any table overflows horizontally;
# --dump-dom prints it. A page made to overflow must be caught, and the
# screenshot must not be blank. Skips only when Chromium is not installed.
. "$(dirname "$0")/lib.sh"
MKFIXTURE=${E2E_MKFIXTURE:-$(dirname "$E2E_BIN")/tools/mkfixture}
[ -x "$MKFIXTURE" ] || { echo "mkfixture not built: $MKFIXTURE" >&2; exit 1; }
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
  { echo "skip: chromium is not installed (tools/deps.sh installs it)"; exit 77; }
PY=""
for p in python3 /usr/bin/python3; do
  "$p" -c 'import PIL' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || { echo "python3-pil missing (tools/deps.sh installs it)" >&2; exit 1; }

DB=$TMP/f.db
"$MKFIXTURE" "$DB" >/dev/null && "$MKFIXTURE" "$TMP/h.db" --hostile >/dev/null ||
  { echo "mkfixture failed" >&2; exit 1; }
"$E2E" perf-report --db "$DB" -s shop --runs 3 --set-baseline -b "$TMP/bl.json" -q ||
  { echo "--set-baseline failed" >&2; exit 1; }
run "$E2E" perf-report --db "$DB" -s shop --run 6 --compare-baseline -b "$TMP/bl.json" -f html --out "$TMP/gate.html"
expect_rc 1 "the failing comparison"
cp "$E2E_SOURCE_ROOT/tests/golden/compare/fail-history.html" "$TMP/history.html" &&
  "$E2E" perf-report --db "$TMP/h.db" -s long-paths -f html --out "$TMP/long.html" ||
  { echo "perf-report -f html failed" >&2; exit 1; }
# the failing comparison with a row that cannot wrap: the check must see it
sed 's|</footer>|</footer><table><tr><td style="white-space:nowrap">'"$(printf 'x%.0s' $(seq 1 400))"'</td></tr></table>|' \
  "$TMP/gate.html" >"$TMP/wide.html"

# chromium ARGS...: headless, 1280x2000, its own profile, bounded
chromium() {
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/profile" \
    --window-size=1280,2000 "$@" 2>>"$TMP/chromium.err"
}

# check PAGE WANT: the page's own verdict ("ok" or "overflow...")
check() {
  NTESTS=$((NTESTS + 1))
  chromium --dump-dom "file://$TMP/$1?check" >"$TMP/dom" || { fail "$1: chromium failed: $(tail -n 3 "$TMP/chromium.err")"; return; }
  local got width
  got=$(sed -n 's/.*data-e2e-check="\([^"]*\)".*/\1/p' "$TMP/dom" | head -n 1)
  width=$(sed -n 's/.*data-e2e-width="\([0-9]*\)\/\([0-9]*\)".*/\1 \2/p' "$TMP/dom" | head -n 1)
  case "$got" in
    $2) ;;
    *) fail "$1: the page's check says '$got', want '$2'";;
  esac
  [ "${width#* }" = 1280 ] || fail "$1: viewport '${width#* }', want 1280"
  if [ "$2" = ok ] && [ "${width% *}" -gt 1280 ]; then fail "$1: page width ${width% *} > 1280"; fi
}
check gate.html ok
check history.html ok
check long.html ok
check wide.html 'overflow: page *'

NTESTS=$((NTESTS + 1))
chromium --screenshot="$TMP/gate.png" "file://$TMP/gate.html" >/dev/null || fail "screenshot: $(tail -n 3 "$TMP/chromium.err")"
"$PY" - "$TMP/gate.png" <<'PY' || fail "the screenshot of gate.html"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
if im.size != (1280, 2000):
    sys.exit(f"size {im.size}, want (1280, 2000)")
colors = im.getcolors(1 << 20)
bg = max(colors)[1]
ink = sum(n for n, c in colors if c != bg) / (1280 * 2000)
# the red of the regression, the orange p95 marker, the overlay's navy line
want = {"regression text": (176, 0, 32), "p95": (245, 133, 24), "now": (31, 59, 115)}
missing = [k for k, c in want.items() if not any(sum(abs(a - b) for a, b in zip(c, x)) < 30 for _, x in colors)]
if len(colors) < 16 or ink < 0.01 or missing:
    sys.exit(f"blank? {len(colors)} colours, {ink:.1%} not background, missing {missing}")
PY

finish
