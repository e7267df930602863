#!/usr/bin/env python3
"""The options of every `e2e COMMAND` call in the code blocks of README.md
and the man pages (fenced ``` blocks, and the README's 4-space indented
blocks), checked against each command's --help (tests/cli/consistency.sh).
usage: recipe_options.py OPTIONS-FILE FILE...
OPTIONS-FILE has one "COMMAND OPTION" a line (--long and -x forms).
Prints "FILE:LINE: e2e COMMAND: unknown option OPT" per unknown option and
last "checked N calls in FILE" per file."""
import re
import shlex
import sys

known = {}
with open(sys.argv[1]) as f:
    for line in f:
        cmd, opt = line.split()
        known.setdefault(cmd, set()).add(opt)


def blocks(path):
    """(first line number, [lines]) of each code block."""
    lines = open(path).read().split("\n")
    out, cur, start, fenced = [], None, 0, False
    for n, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            if fenced:
                out.append((start, cur))
                fenced, cur = False, None
            else:
                fenced, cur, start = True, [], n + 1
            continue
        if fenced:
            cur.append(line)
        elif path.endswith(".md") and line.startswith("    "):
            if cur is None:
                cur, start = [], n
            cur.append(line[4:])
        elif cur is not None and line.strip() == "":
            cur.append("")
        elif cur is not None:
            out.append((start, cur))
            cur = None
    if cur is not None and not fenced:
        out.append((start, cur))
    return out


def logical(start, lines):
    """Lines joined at a trailing backslash (scdoc's \\\\ too)."""
    buf, first = "", None
    for i, line in enumerate(lines):
        if first is None:
            first = start + i
        s = line.rstrip()
        if s.endswith("\\"):
            buf += s.rstrip("\\") + " "
            continue
        yield first, buf + s
        buf, first = "", None
    if buf:
        yield first, buf


def words(text):
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


bad = 0
for path in sys.argv[2:]:
    calls = 0
    for start, lines in blocks(path):
        for n, text in logical(start, lines):
            for m in re.finditer(r"(?:^|[\s|;&(`$:-])e2e (perf-[a-z]+)\b(.*)", text):
                cmd, rest = m.group(1), m.group(2)
                if cmd not in known:
                    print(f"{path}:{n}: unknown command e2e {cmd}")
                    bad += 1
                    continue
                calls += 1
                for w in words(rest):
                    if w in ("--", "|", ">", ">>", "&&", "||", ";") or w.startswith((">", "#")):
                        break
                    if re.fullmatch(r"--?[A-Za-z][A-Za-z0-9-]*(=.*)?", w):
                        opt = w.split("=", 1)[0]
                        if opt not in known[cmd]:
                            print(f"{path}:{n}: e2e {cmd}: unknown option {opt}")
                            bad += 1
    print(f"checked {calls} calls in {path.rsplit('/', 1)[-1]}")
sys.exit(1 if bad else 0)
