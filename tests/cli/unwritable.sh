# Sourced by CLI tests after lib.sh: a copy of a database that e2e may read
# but not write, in a directory it may not write either.
#
#   unwritable_copy SRC DIR: copies SRC to DIR/perf.db and sets READER to
#     the command prefix that runs e2e without write access to them (root
#     writes anything: as root the prefix runs it as nobody).
#   unwritable_dir DIR: the same for a directory the test filled itself.
#   unwritable_undo DIR: lets the test remove DIR again.
READER=()
unwritable_copy() {
  mkdir -p "$2"
  cp "$1" "$2/perf.db"
  unwritable_dir "$2"
}
unwritable_dir() {
  if [ "$(id -u)" = 0 ]; then
    READER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    chmod 755 "$TMP" "$1"
    chmod 644 "$1"/*
  else
    chmod 444 "$1"/*
    chmod 555 "$1"
  fi
}
unwritable_undo() { chmod 700 "$1"; READER=(); }
