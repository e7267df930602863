#!/usr/bin/env bash
# The completions work for real: bash's function is called the way bash
# calls it (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT), zsh's inside a
# real interactive zsh on a pty, fish's through `complete -C`. Each case
# checks the exact set of candidates. A missing shell fails under CI=true
# and is skipped otherwise.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
SKIPPED=0
export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/home/.config XDG_DATA_HOME=$TMP/home/.local/share
mkdir -p "$HOME"

# need WHAT PATH-OR-COMMAND: true when present.
need() {
  if [ -e "$2" ] || command -v "$2" >/dev/null 2>&1; then
    return 0
  fi
  if [ "${CI:-}" = true ]; then
    NTESTS=$((NTESTS + 1))
    fail "$1 is missing ($2): tools/deps.sh installs it"
  else
    echo "SKIP: $1 is missing ($2)" >&2
    SKIPPED=1
  fi
  return 1
}

# expect_set DESCRIPTION WANT GOT: WANT is space-separated, GOT one
# candidate per line; equal as sorted lists (duplicates count).
expect_set() {
  local want got
  NTESTS=$((NTESTS + 1))
  want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' ')
  got=$(sed '/^$/d' <<<"$3" | LC_ALL=C sort | tr '\n' ' ')
  [ "$want" = "$got" ] || fail "$1: got '$got', want '$want'"
}

# expect_has DESCRIPTION WORD GOT, expect_lacks DESCRIPTION WORD GOT
expect_has() {
  NTESTS=$((NTESTS + 1))
  grep -qxF -- "$2" <<<"$3" || fail "$1: '$2' not among '$(tr '\n' ' ' <<<"$3")'"
}
expect_lacks() {
  NTESTS=$((NTESTS + 1))
  ! grep -qxF -- "$2" <<<"$3" || fail "$1: '$2' offered"
}

# check_wrapped SHELL COMPLETE-FN: after "--" come commands, not options.
check_wrapped() {
  expect_has "$1 wrapped command" echo "$($2 "$WRAPPED ech")"
  expect_lacks "$1 option after --" --target "$($2 "$WRAPPED --ta")"
}

# The files that file, directory and service completion see.
WORK=$TMP/work
mkdir -p "$WORK/baselines" "$WORK/data"
echo '{}' >"$WORK/baselines/users-api.json"
echo '{}' >"$WORK/baselines/web.json"
echo '{}' >"$WORK/rules.json"
echo '{}' >"$WORK/session.har"
cd "$WORK" || exit 1

# Cases shared by the three shells: LINE|WANT (WANT space-separated; the
# cursor is at the end of LINE).
CASES=(
  'e2e |help mark perf-ab perf-profile perf-replay perf-report push store'
  'e2e perf-|perf-ab perf-profile perf-replay perf-report'
  'e2e -|-h --help -V --version'
  'e2e help |mark perf-ab perf-profile perf-replay perf-report push store'
  'e2e perf-report --f|--fail-on --format'
  'e2e perf-report -f |text json markdown html csv junit github gitlab-codequality'
  'e2e perf-profile --format m|markdown'
  'e2e perf-report --fail-on c|critical'
  'e2e perf-report --errors |5xx 4xx'
  'e2e perf-report --run |latest'
  'e2e perf-report -s |users-api web'
  'e2e perf-profile --rules r|rules.json'
  'e2e perf-profile --import s|session.har'
  'e2e perf-profile --pre|--preserve-host'
  'e2e perf-report --pre|'
  'e2e perf-report --days 3 --t|--threshold --trend'
  'e2e perf-profile -q --s|--sample-hz --serve --serve-grace --serve-timeout --service --set-baseline --store'
  'e2e perf-profile --target http://127.0.0.1:1 --listen|--listen'
  'e2e perf-ab --r|--rounds --routes --rules'
  'e2e perf-ab -f |text json markdown html csv junit github gitlab-codequality'
  'e2e mark |end start'
  'e2e mark end t --s|--status'
  'e2e mark end t --status f|failed'
)
WRAPPED='e2e perf-profile --target http://127.0.0.1:1 --'

# --- bash ----------------------------------------------------------------
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
if need bash-completion "$BASH_COMPLETION"; then
  NTESTS=$((NTESTS + 1))
  bash -n "$SRC/completions/e2e.bash" || fail "bash -n completions/e2e.bash"
  cat >"$TMP/bash-complete.sh" <<'EOF'
# bash-complete.sh LINE: prints the candidates _e2e gives, one a line. Words
# are split as bash splits them by default (COMP_WORDBREAKS has '=').
. "$1" >/dev/null 2>&1
. "$2"
line=$3
read -ra COMP_WORDS <<<"${line//=/ = }"
[[ -z $line || $line == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
COMPREPLY=()
_e2e e2e "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
EOF
  bcomp() { bash --norc --noprofile "$TMP/bash-complete.sh" "$BASH_COMPLETION" "$SRC/completions/e2e.bash" "$1"; }
  for c in "${CASES[@]}"; do
    expect_set "bash '${c%%|*}'" "${c#*|}" "$(bcomp "${c%%|*}")"
  done
  expect_set "bash 'e2e perf-report --format=j'" "json junit" "$(bcomp 'e2e perf-report --format=j')"
  expect_set "bash 'e2e perf-profile -o '" "baselines data" "$(bcomp 'e2e perf-profile -o ')"
  expect_set "bash 'e2e perf-profile --target '" "" "$(bcomp 'e2e perf-profile --target ')"
  check_wrapped bash bcomp
  # the complete(1) registration itself
  NTESTS=$((NTESTS + 1))
  [ "$(bash --norc --noprofile -c '. "$1" >/dev/null 2>&1; . "$2"; complete -p e2e' _ \
    "$BASH_COMPLETION" "$SRC/completions/e2e.bash")" = "complete -F _e2e e2e" ] ||
    fail "e2e.bash does not register _e2e for e2e"
fi

# --- zsh -----------------------------------------------------------------
if need zsh zsh; then
  NTESTS=$((NTESTS + 1))
  zsh -n "$SRC/completions/_e2e" || fail "zsh -n completions/_e2e"
  # Drives an interactive zsh on a pty: compinit with completions/ first in
  # fpath, compadd wrapped to print every match, TAB after the line.
  cat >"$TMP/zsh-complete.zsh" <<'EOF'
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
init=$1.init
cat >$init <<INIT
PROMPT=
fpath=($2 \$fpath)
autoload -U compinit
compinit -u -D
bindkey '^I' complete-word
null-line () { echo -E - \$'\0' }
compprefuncs=( null-line )
comppostfuncs=( null-line exit )
zstyle ':completion:*' insert-tab false
compadd () {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "\$@"
    return
  fi
  local -a __hits
  builtin compadd -A __hits "\$@"
  local h
  for h in \$__hits; do echo -E - "MATCH:\$h"; done
}
echo ok
INIT
zpty -w z "source $init"
repeat 10; do zpty -r z line; [[ $line == ok* ]] && break; done
zpty -w z "$3"$'\t'
integer tog=0
while zpty -r z line; do
  if [[ $line == *$'\0'* ]]; then
    (( tog++ )) && break || continue
  fi
  line=${line//[$'\r\n']/}
  (( tog )) && [[ $line == MATCH:* ]] && print -r -- ${line#MATCH:}
done
zpty -d z
EOF
  zcomp() { timeout 30 zsh -f "$TMP/zsh-complete.zsh" "$TMP/zsh" "$SRC/completions" "$1"; }
  for c in "${CASES[@]}"; do
    expect_set "zsh '${c%%|*}'" "${c#*|}" "$(zcomp "${c%%|*}")"
  done
  check_wrapped zsh zcomp
fi

# --- fish ----------------------------------------------------------------
if need fish fish; then
  NTESTS=$((NTESTS + 1))
  fish -n "$SRC/completions/e2e.fish" || fail "fish -n completions/e2e.fish"
  fcomp() { fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$SRC/completions/e2e.fish" "$1" | cut -f1; }
  for c in "${CASES[@]}"; do
    expect_set "fish '${c%%|*}'" "${c#*|}" "$(fcomp "${c%%|*}")"
  done
  expect_set "fish 'e2e perf-report --format=j'" "--format=json --format=junit" "$(fcomp 'e2e perf-report --format=j')"
  expect_set "fish 'e2e perf-profile -o '" "baselines/ data/" "$(fcomp 'e2e perf-profile -o ')"
  check_wrapped fish fcomp
fi

if [ "$FAILS" -eq 0 ] && [ "$SKIPPED" -ne 0 ]; then
  echo "$NTESTS checks passed, some skipped"
  exit 77
fi
finish
