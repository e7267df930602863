#!/usr/bin/env bash
# tools/include-cycles on tiny source trees: no cycle, a cycle (with the
# #include lines that make it), a cycle through three modules, an allow-list
# that passes listed cycles (in any rotation) and fails on a stale entry,
# private X_impl.h headers, generated headers, usage errors.
. "$(dirname "$0")/../cli/lib.sh"
SRC=${E2E_SOURCE_ROOT:?}
# the interpreter itself: a version manager's python3 shim can take seconds
IC=("$(python3 -c 'import sys; print(sys.executable)')" "$SRC/tools/include-cycles")

# tree DIR FILE:INCLUDES...: writes each FILE under DIR with one
# '#include "x"' line per comma-separated name after its colon
tree() {
  local dir=$TMP/$1 spec f; shift
  mkdir -p "$dir"
  for spec in "$@"; do
    f=${spec%%:*}
    : >"$dir/$f"
    IFS=, read -ra incs <<<"${spec#*:}"
    for i in "${incs[@]}"; do printf '#include "%s"\n' "$i" >>"$dir/$f"; done
  done
}

# no cycle; e2e-config.h is not in the tree (generated) and left out
tree flat a.c:a.h,b.h,e2e-config.h a.h: b.c:b.h,c.h b.h:c.h c.h:
run "${IC[@]}" "$TMP/flat"
expect_rc 0 "no cycle"
expect_out "include-cycles: 3 modules, 2 dependencies, no cycle" "no cycle: summary"
run "${IC[@]}" --graph "$TMP/flat"
expect_rc 0 "--graph"
expect_out "a: b
b: c
c:" "--graph lists each module and its dependencies"

# a two-module cycle through a header, with the lines that make it
tree two a.c:a.h a.h:b.h b.c:b.h,a.h b.h:
run "${IC[@]}" "$TMP/two"
expect_rc 1 "cycle"
expect_out "include-cycles: cycle: a -> b -> a
  a -> b: a.h:1: #include \"b.h\"
  b -> a: b.c:2: #include \"a.h\"" "cycle: path and includes"

# three modules, listed in the allow-list in another rotation
tree three a.h:b.h b.h:c.h c.h:a.h d.c:a.h
printf '# known\n\nb -> c -> a -> b # rotation\n' >"$TMP/three.allow"
run "${IC[@]}" --allow "$TMP/three.allow" "$TMP/three"
expect_rc 0 "listed cycle passes"
expect_out "include-cycles: known cycle ($TMP/three.allow:3): a -> b -> c -> a
include-cycles: 4 modules, 4 dependencies, no cycle other than the 1 known" "listed cycle: named"
run "${IC[@]}" "$TMP/three"
expect_rc 1 "the same cycle without the allow-list"
expect_out_has "include-cycles: cycle: a -> b -> c -> a" "three-module cycle"

# a listed cycle that no longer exists fails; so does an unlisted one
printf 'a -> b -> a\n' >"$TMP/stale.allow"
run "${IC[@]}" --allow "$TMP/stale.allow" "$TMP/flat"
expect_rc 1 "stale allow-list entry"
expect_out "include-cycles: $TMP/stale.allow:1: cycle a -> b -> a no longer exists: remove the line" "stale entry named"
run "${IC[@]}" --allow "$TMP/stale.allow" "$TMP/three"
expect_rc 1 "cycle not listed"
expect_out_has "include-cycles: cycle: a -> b -> c -> a" "unlisted cycle named"
expect_out_has "stale.allow:1: cycle a -> b -> a no longer exists" "and the stale entry"

# X_impl.h is module X's private header: render.c <-> render_impl.h is no
# cycle, render_csv.c depends on render
tree impl render.c:render.h,render_impl.h render.h: render_impl.h:render.h render_csv.c:render_impl.h
run "${IC[@]}" --graph "$TMP/impl"
expect_out "render:
render_csv: render" "_impl.h belongs to its module"
run "${IC[@]}" "$TMP/impl"
expect_rc 0 "_impl.h: no cycle"

# usage and I/O errors
run "${IC[@]}" "$TMP/nonexistent"
expect_rc 2 "missing source directory"
expect_err "include-cycles: cannot read '$TMP/nonexistent': No such file or directory" "missing directory message"
printf 'a -> b\n' >"$TMP/bad.allow"
run "${IC[@]}" --allow "$TMP/bad.allow" "$TMP/flat"
expect_rc 2 "malformed allow-list"
expect_err "include-cycles: $TMP/bad.allow:1: not a cycle 'a -> b -> a': 'a -> b'" "malformed allow-list message"
run "${IC[@]}" --allow
expect_rc 2 "--allow without a file"
run "${IC[@]}" --bogus
expect_rc 2 "unknown option"
finish
