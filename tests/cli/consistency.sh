#!/usr/bin/env bash
# The documentation agrees with the binary: every option a command's --help
# prints is documented in its man page and offered by the bash, zsh and fish
# completions in that command's part (with a value when it takes one), and
# none of them knows an option --help lacks. Commands and exit statuses
# likewise.
. "$(dirname "$0")/lib.sh"
SRC=${E2E_SOURCE_ROOT:?E2E_SOURCE_ROOT not set}
BASH_COMP=$SRC/completions/e2e.bash
ZSH_COMP=$SRC/completions/_e2e
FISH_COMP=$SRC/completions/e2e.fish

# check DESCRIPTION WANT-LIST GOT-LIST: both are newline-separated sets.
check() {
  local missing stale
  NTESTS=$((NTESTS + 1))
  missing=$(comm -23 <(sort -u <<<"$2") <(sort -u <<<"$3") | tr '\n' ' ')
  stale=$(comm -13 <(sort -u <<<"$2") <(sort -u <<<"$3") | tr '\n' ' ')
  [ -z "$missing" ] || fail "$1 lacks: $missing"
  [ -z "$stale" ] || fail "$1 has unknown: $stale"
}

# section FILE START-REGEX END-REGEX: the lines after the first line matching
# START up to the next line matching END.
section() {
  awk -v s="$2" -v e="$3" 'on && $0 ~ e { exit } on { print } !on && $0 ~ s { on = 1 }' "$1"
}

# help_options CMD: "NAME ARG" per option of CMD --help (NAME is --long or
# -x, ARG the metavariable or "-" for a flag).
help_options() {
  local line re='^ +(-([A-Za-z]), )?--([a-z0-9][a-z0-9-]*)( ([A-Z][^ ]*))?'
  "$E2E" "$1" --help | while IFS= read -r line; do
    [[ $line =~ $re ]] || continue
    local arg=${BASH_REMATCH[5]:--}
    echo "--${BASH_REMATCH[3]} $arg"
    [ -z "${BASH_REMATCH[2]}" ] || echo "-${BASH_REMATCH[2]} $arg"
  done
}

# Options in text: --long and -x tokens.
opt_tokens() { grep -oE -- '(^|[^A-Za-z0-9_-])--?[A-Za-z][a-z0-9-]*' | sed -E 's/^[^-]+//'; }

commands=$("$E2E" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
NTESTS=$((NTESTS + 1))
[ "$(echo $commands)" = "perf-profile perf-report perf-ab perf-replay mark push store" ] ||
  fail "commands in 'e2e --help': '$(echo $commands)'"

# Commands: e2e(1) describes each; each completion offers each (and help).
check "e2e.1.scd commands" "$commands" \
  "$(sed -n 's/^\*\([a-z][a-z-]*\)\*$/\1/p' "$SRC/man/e2e.1.scd")"
check "e2e.bash commands" "$commands"$'\nhelp' \
  "$(grep -oE "compgen -W '[a-z -]*perf[a-z -]*'" "$BASH_COMP" | head -n 1 |
    sed -E "s/compgen -W '(.*)'/\1/" | tr ' ' '\n')"
check "_e2e commands" "$commands"$'\nhelp' \
  "$(section "$ZSH_COMP" '^[[:space:]]*commands=\($' '^[[:space:]]*\)$' | sed -E "s/^[[:space:]]*'([a-z-]+):.*/\1/")"
check "e2e.fish commands" "$commands"$'\nhelp' \
  "$(sed -n 's/^complete -c e2e -n __e2e_no_command -a \([a-z-]*\) .*/\1/p' "$FISH_COMP")"

# Top-level options (usage line of e2e --help, plus their short forms).
top=$'--help\n-h\n--version\n-V'
NTESTS=$((NTESTS + 1))
[ "$("$E2E" --help | head -n 1)" = "usage: e2e [--version] [--help] <command> [<args>]" ] ||
  fail "top-level usage line changed: update this test and the docs"
check "e2e.1.scd OPTIONS" "$top" \
  "$(section "$SRC/man/e2e.1.scd" '^# OPTIONS$' '^# ' | grep '^\*-' | opt_tokens)"
check "e2e.bash top-level options" "$top" \
  "$(grep -oE "compgen -W '-[^']*'" "$BASH_COMP" | head -n 1 | cut -d"'" -f2 | opt_tokens)"
check "_e2e top-level options" "$top" \
  "$(section "$ZSH_COMP" '^_e2e\(\) \{$' '^\}$' | grep -E "^[[:space:]]*'\(- :\)'" | opt_tokens | grep -v '^-$')"
check "e2e.fish top-level options" "$top" \
  "$(grep -E '^complete -c e2e -n __e2e_no_command (-s|-l) ' "$FISH_COMP" |
    sed -E 's/ -d .*//' | grep -oE -- ' -[sl] [A-Za-z][a-z-]*' |
    sed -E 's/ -s /-/; s/ -l /--/')"

all_names=$(for cmd in $commands; do help_options "$cmd"; done | cut -d' ' -f1 | sort -u)
for cmd in $commands; do
  opts=$(help_options "$cmd")
  names=$(cut -d' ' -f1 <<<"$opts")
  valued=$(awk '$2 != "-" { print $1 }' <<<"$opts")
  flags=$(awk '$2 == "-" { print $1 }' <<<"$opts")
  NTESTS=$((NTESTS + 1))
  min=20
  case $cmd in push | store) min=5 ;; mark) min=1 ;; esac
  [ "$(wc -l <<<"$names")" -ge $min ] || fail "$cmd --help: only $(wc -l <<<"$names") options parsed"

  # man page: one OPTIONS entry per option, with the help's metavariable.
  page=$SRC/man/e2e-$cmd.1.scd
  entries=$(section "$page" '^# OPTIONS$' '^# ' | grep '^\*-')
  check "e2e-$cmd.1.scd OPTIONS" "$names" "$(opt_tokens <<<"$entries")"
  while read -r name arg; do
    [ "$arg" = - ] && continue
    NTESTS=$((NTESTS + 1))
    grep -qE -- "\*$name\*.* _${arg}_\$" <<<"$entries" ||
      fail "e2e-$cmd.1.scd: entry of $name does not end in _${arg}_"
  done <<<"$opts"
  # the rest of the text names only options that exist, but for other
  # programs' options listed in a "; not e2e's: -x --y" scdoc comment
  foreign=$(sed -n "s/^; not e2e's: //p" "$page" | opt_tokens)
  check "e2e-$cmd.1.scd text" "$all_names" \
    "$( (opt_tokens <"$page" | grep -vxF -e "${foreign:-^}" -f <(echo "$foreign"); echo "$all_names") | sort -u)"

  # bash: the command's option list (with the common list when it uses
  # it), and the value case shared by both.
  block=$(section "$BASH_COMP" "^	$cmd\\)\$" '^		;;$' | sed -n '/opts="/,/"/p')
  bash_opts=$(opt_tokens <<<"$block")
  if grep -qF '$common' <<<"$block"; then
    bash_opts+=$'\n'$(section "$BASH_COMP" "^	local common='\$" "^	'\$" | opt_tokens)
  fi
  check "e2e.bash $cmd" "$names" "$bash_opts"
  bash_valued=$(section "$BASH_COMP" '^	case \$prev in$' '^	esac$' |
    grep -E '^	[^	]|^		-' | opt_tokens)
  for o in $valued; do
    NTESTS=$((NTESTS + 1))
    grep -qxF -- "$o" <<<"$bash_valued" || fail "e2e.bash: value of $cmd $o is not handled in 'case \$prev'"
  done
  for o in $flags; do
    NTESTS=$((NTESTS + 1))
    ! grep -qxF -- "$o" <<<"$bash_valued" || fail "e2e.bash: flag $cmd $o takes a value in 'case \$prev'"
  done

  # zsh: the _arguments specs of _e2e_<cmd> (with the common ones when
  # it uses them).
  fn=_e2e_${cmd//-/_}
  body=$(section "$ZSH_COMP" "^$fn\\(\\) \\{\$" '^\}$')
  specs=$(grep -E "^[[:space:]]*'" <<<"$body")
  if grep -qF '"${_e2e_common_opts[@]}"' <<<"$body"; then
    specs+=$'\n'$(section "$ZSH_COMP" '^_e2e_common_opts=\($' '^\)$')
  fi
  zsh_all=$(sed 's/,/,,/g' <<<"$specs" | grep -oE -- "['{,)*]--?[A-Za-z][a-z0-9-]*[+=]?[[,}]")
  check "_e2e $cmd" "$names" "$(sed -E 's/^.//; s/[+=]?[[,}]$//' <<<"$zsh_all")"
  zsh_valued=$(grep -E -- '[+=][[,}]$' <<<"$zsh_all" | sed -E 's/^.//; s/[+=]?[[,}]$//')
  check "_e2e $cmd options taking a value" "$valued" "$zsh_valued"

  # fish: the lines for '__e2e_using <cmd>', and those of a
  # 'for cmd in ...' loop naming it.
  lines=$(grep -F -- "-n '__e2e_using $cmd' " "$FISH_COMP"
    awk -v c="$cmd" '/^for cmd in / { on = (" " $0 " " ~ " " c " ") } /^end$/ { on = 0 }
      on && /-n "__e2e_using \$cmd" / { print }' "$FISH_COMP")
  lines=$(sed -E 's/ -d .*//' <<<"$lines")
  fish_names() { grep -oE -- ' -[sl] [A-Za-z][a-z0-9-]*' | sed -E 's/ -s /-/; s/ -l /--/'; }
  check "e2e.fish $cmd" "$names" "$(fish_names <<<"$lines")"
  check "e2e.fish $cmd options taking a value" "$valued" \
    "$(grep -E -- ' -(x|r)( |$)' <<<"$lines" | fish_names)"
done

# EXIT STATUS: every status of src/exitcode.h is a row in each section-1 page.
codes=$(sed -n 's/^[[:space:]]*E2E_EXIT_[A-Z_]* = \([0-9][0-9]*\),.*/\1/p' "$SRC/src/exitcode.h")
NTESTS=$((NTESTS + 1))
[ "$(echo $codes)" = "0 1 2 3 4" ] || fail "exit codes in exitcode.h: '$(echo $codes)'"
for page in "$SRC"/man/*.1.scd; do
  check "$(basename "$page") EXIT STATUS" "$codes"$'\nother' \
    "$(section "$page" '^# EXIT STATUS$' '^# ' | sed -n 's/^|  \([0-9a-z]*\)$/\1/p')"
done


# Recipes (issue 24): every `e2e COMMAND` call in a code block of the README
# or a man page uses only options that COMMAND's --help lists; and the
# check does fail on an option that does not exist.
for cmd in $commands; do help_options "$cmd" | awk -v c="$cmd" '{ print c, $1 }'; done >"$TMP/known-options"
run python3 "$SRC/tests/cli/recipe_options.py" "$TMP/known-options" "$SRC/README.md" "$SRC"/man/*.scd
expect_rc 0 "options of the recipes in README.md and man/*.scd"
[ "$RC" -eq 0 ] || fail "recipes: $OUT"
NTESTS=$((NTESTS + 1))
n=$(sed -n 's/^checked \([0-9]*\) calls in README.md$/\1/p' <<<"$OUT")
[ "${n:-0}" -ge 10 ] || fail "recipes: only ${n:-0} e2e calls found in README.md's code blocks"
printf '# X\n\n```\ne2e perf-profile -s a \\\n  --no-such-option 1 -- true\n```\n' >"$TMP/bad.scd"
run python3 "$SRC/tests/cli/recipe_options.py" "$TMP/known-options" "$TMP/bad.scd"
expect_rc 1 "a recipe with an unknown option"
expect_out "$TMP/bad.scd:4: e2e perf-profile: unknown option --no-such-option
checked 1 calls in bad.scd" "a recipe with an unknown option"

finish
