#!/usr/bin/env python3
"""Checks action.yml against the action metadata schema's rules and runs a
composite action's steps in order, as a GitHub runner would (tests/cli/
action.sh). usage: action_run.py ACTION.yml check
       action_run.py ACTION.yml run WORKDIR [INPUT=VALUE ...]

`run` needs RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_ENV set; it
sets RUNNER_OS (Linux) as a runner does. It
evaluates the ${{ }} references a composite action may use here
(github.action_path, runner.os, runner.temp, inputs.X, steps.ID.outputs.X),
`if:` conditions of the form `REF == 'v'`, `REF != 'v'` and always(),
runs `run:` steps with their shell and env, and stands in for
actions/cache with a directory per key under WORKDIR/cache (restore before,
save after all steps, like the real post step). When not root, steps that
call apt-get are skipped with a note. Prints one line per step: "run NAME",
"skip NAME (REASON)"; exits 1 on the first failing step or check."""
import os
import re
import shutil
import subprocess
import sys

import yaml

TOP_KEYS = {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
STEP_KEYS = {"run", "shell", "uses", "with", "name", "id", "if", "env",
             "working-directory", "continue-on-error", "timeout-minutes"}
SHELLS = {"bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
          "sh": ["sh", "-e", "{0}"], "python": ["python3", "{0}"]}


def die(msg):
    print(f"action: {msg}", file=sys.stderr)
    sys.exit(1)


def check(a):
    """The metadata schema's rules for a composite action."""
    if not isinstance(a, dict):
        die("not a mapping")
    for k in ("name", "description", "runs"):
        if not isinstance(a.get(k), (str, dict)) or not a.get(k):
            die(f"required key '{k}' missing or empty")
    for k in a:
        if k not in TOP_KEYS:
            die(f"unknown top-level key '{k}'")
    for name, i in (a.get("inputs") or {}).items():
        if not isinstance(i, dict) or "description" not in i:
            die(f"input '{name}' has no description")
    for name, o in (a.get("outputs") or {}).items():
        if not isinstance(o, dict) or "value" not in o or "description" not in o:
            die(f"output '{name}' of a composite action needs description and value")
    runs = a["runs"]
    if runs.get("using") != "composite":
        die(f"runs.using is '{runs.get('using')}', want 'composite'")
    steps = runs.get("steps")
    if not isinstance(steps, list) or not steps:
        die("runs.steps is not a non-empty list")
    ids = set()
    for n, s in enumerate(steps, 1):
        where = f"step {n} ({s.get('name', s.get('id', '?'))})"
        for k in s:
            if k not in STEP_KEYS:
                die(f"{where}: unknown key '{k}'")
        if ("run" in s) == ("uses" in s):
            die(f"{where}: needs exactly one of run and uses")
        if "run" in s and s.get("shell") not in SHELLS:
            die(f"{where}: a run step needs shell (one of {', '.join(SHELLS)}), has {s.get('shell')!r}")
        if "id" in s:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", s["id"]) or s["id"] in ids:
                die(f"{where}: bad or repeated id '{s['id']}'")
            ids.add(s["id"])
        if "run" in s and "${{" in s["run"]:
            die(f"{where}: an expression inside run: (pass it through env: instead)")
    return steps


def ref(ctx, path):
    cur = ctx
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return ""
        cur = cur[part]
    return cur if isinstance(cur, str) else ""


def expr(ctx, e):
    e = e.strip()
    if e == "always()":
        return True
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(==|!=)\s*'([^']*)'", e)
    if m:
        eq = ref(ctx, m.group(1)) == m.group(3)
        return eq if m.group(2) == "==" else not eq
    if re.fullmatch(r"[A-Za-z0-9_.-]+", e):
        return ref(ctx, e)
    die(f"unsupported expression '{e}'")


def subst(ctx, v):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(expr(ctx, m.group(1))), str(v))


def outputs(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
        os.truncate(path, 0)
    return out


def run(a, steps, work, given):
    inputs = {k: str(i.get("default", "")) for k, i in (a.get("inputs") or {}).items()}
    for kv in given:
        k, v = kv.split("=", 1)
        if k not in inputs:
            die(f"no input '{k}'")
        inputs[k] = v
    ctx = {"github": {"action_path": os.path.dirname(os.path.abspath(sys.argv[1]))},
           "runner": {"os": "Linux", "temp": os.environ["RUNNER_TEMP"]},
           "inputs": inputs, "steps": {}}
    saves = []
    for n, s in enumerate(steps, 1):
        name = s.get("name", s.get("id", f"step {n}"))
        sid = s.get("id", f"__{n}")
        cond = str(s.get("if", "always()")).strip()
        if cond.startswith("${{") and cond.endswith("}}"):
            cond = cond[3:-2]
        if not expr(ctx, cond):
            print(f"skip {name} (if: {s['if']})")
            continue
        if "uses" in s:
            if not s["uses"].startswith("actions/cache@"):
                die(f"{name}: cannot stand in for '{s['uses']}'")
            w = {k: subst(ctx, v) for k, v in (s.get("with") or {}).items()}
            path = os.path.expanduser(w["path"])
            store = os.path.join(work, "cache", w["key"])
            hit = os.path.isdir(store)
            if hit:
                shutil.rmtree(path, ignore_errors=True)
                shutil.copytree(store, path, symlinks=True)
            else:
                saves.append((path, store))
            ctx["steps"][sid] = {"outputs": {"cache-hit": "true" if hit else "false"}}
            print(f"run {name} (cache {'hit' if hit else 'miss'}: {w['key']})")
            continue
        if os.geteuid() != 0 and "apt-get" in s["run"]:
            print(f"skip {name} (calls apt-get and this is not root; the packages must be installed)")
            continue
        env = dict(os.environ)
        env["RUNNER_OS"] = ctx["runner"]["os"]  # a runner's environment
        env.update({k: subst(ctx, v) for k, v in (s.get("env") or {}).items()})
        script = os.path.join(os.environ["RUNNER_TEMP"], f"step-{n}.sh")
        with open(script, "w") as f:
            f.write(s["run"])
        argv = [x.replace("{0}", script) for x in SHELLS[s["shell"]]]
        print(f"run {name}", flush=True)
        cwd = subst(ctx, s.get("working-directory", os.environ.get("GITHUB_WORKSPACE", work)))
        rc = subprocess.run(argv, env=env, cwd=cwd).returncode
        ctx["steps"][sid] = {"outputs": outputs(os.environ["GITHUB_OUTPUT"])}
        if rc != 0:
            die(f"step '{name}' exited with {rc}")
    for path, store in saves:
        if os.path.isdir(path):
            shutil.copytree(path, store, symlinks=True)
    for k, o in (a.get("outputs") or {}).items():
        print(f"output {k}={subst(ctx, o['value'])}")


def main():
    with open(sys.argv[1]) as f:
        a = yaml.safe_load(f)
    steps = check(a)
    if sys.argv[2] == "check":
        print(f"ok: {len(steps)} steps")
    else:
        run(a, steps, sys.argv[3], sys.argv[4:])


main()
