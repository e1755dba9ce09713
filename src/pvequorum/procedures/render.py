"""Render a `Plan` as Markdown, as a guarded POSIX shell script, or as JSON.

The shell script is the dangerous face, so it is the strictest: `set -eu`; it runs only on the
plan's node and only when given the plan's confirm token; every step runs its pre-check
first and stops on the first failure, printing that step's rollback; every value we did not
write ourselves goes through `shlex.quote` (commands are argv tuples, file contents are
single-quoted literals, never here-documents), and free text only ever lands in comments
after control characters are removed.  A blocked plan renders as a script that explains and
exits 3 without running anything.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import textwrap

from pvequorum.errors import ExitStatus
from pvequorum.procedures.plan import Check, Command, Danger, Plan, Step
from pvequorum.reference import linkify

EXIT_BLOCKED = int(ExitStatus.NO_GO)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def confirm_token(plan: Plan) -> str:
    """A short stable hash of everything the plan would run (commands, hosts, file contents),
    for which version and on which node, and of every input it was built from (`basis`:
    the config and status bytes, the nodes up and confirmed down, the facts, the kit
    version).

    Runbooks and scripts require it to apply, so that what is applied is exactly what was
    read: a token from another cluster, another situation or another input is refused.
    """
    payload = [[c.to_dict() for c in step.commands] for step in plan.steps if step.commands]
    data = json.dumps(
        [plan.kind, plan.stack, plan.pve_version, plan.run_on, plan.basis, payload],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:12]


# --- JSON -----------------------------------------------------------------------------------
def to_json(plan: Plan) -> str:
    data = plan.to_dict()
    data["confirm_token"] = confirm_token(plan)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- Markdown -------------------------------------------------------------------------------
def _fence(text: str, lang: str = "") -> str:
    """A code fence longer than any backtick run inside `text`."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip(chr(10))}\n{ticks}"


def _code(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def _md_danger(d: Danger) -> str:
    label = {"blocking": "**BLOCKING**", "warning": "**warning**", "info": "info"}[d.severity]
    ref = f" (reference {d.reference})" if d.reference else ""
    return f"- {label}: {_one_line(d.text)}{ref}"


def _md_command(c: Command) -> str:
    if c.manual is not None:
        return f"By hand, at `{c.on}`: {_one_line(c.manual)}"
    if c.write_file is not None:
        return f"Write `{c.write_file}` on `{c.on}` with this content:\n\n" + _fence(
            c.content or "", "text"
        )
    note = " (a non-zero exit here is information, not an error)" if c.may_fail else ""
    return f"On `{c.on}`{note}:\n\n" + _fence(shlex.join(c.argv), "sh")


def _md_check(label: str, check: Check) -> str:
    parts = [f"**{label}** ({_one_line(check.description)}): on `{check.command.on}` run "]
    parts.append(_code(shlex.join(check.command.argv)))
    if check.must_show:
        parts.append("; the output must show these lines:\n\n" + _fence("\n".join(check.must_show)))
    if check.must_not_show:
        parts.append("\n\nand must not show:\n\n" + _fence("\n".join(check.must_not_show)))
    if check.links:
        shown = "\n".join(state.describe() for state in check.links)
        parts.append(
            "; read as a whole table (reference 5.4), the output must show:\n\n" + _fence(shown)
        )
    return "".join(parts)


def _md_step(i: int, step: Step) -> str:
    later = " (later)" if step.deferred else ""
    out = [f"### {i}. {_one_line(step.title)}{later}", "", f"*Why:* {_one_line(step.why)}"]
    if step.precheck:
        out += ["", _md_check("Pre-check", step.precheck)]
    if step.peers_down:
        where = step.commands[0].on if step.commands else "the node"
        nodes = ", ".join(f"{name} (node id {nodeid})" for name, nodeid in step.peers_down)
        out += [
            "",
            f"**Link check**: on `{where}`, `corosync-cfgtool -s` must list {nodes} as "
            "`disconnected` on every link; a connected link means the node is alive "
            "(reference 12.4).",
        ]
    for c in step.commands:
        out += ["", _md_command(c)]
    if step.expected:
        out += ["", "*Expected result:*", "", _fence("\n".join(step.expected))]
    if step.postcheck and step.postcheck.must_show == step.expected:
        check = step.postcheck
        out += [
            "",
            f"**Post-check** ({_one_line(check.description)}): on `{check.command.on}`, "
            f"{_code(shlex.join(check.command.argv))} must show the expected result above.",
        ]
    elif step.postcheck:
        out += ["", _md_check("Post-check", step.postcheck)]
    if step.rollback or step.rollback_commands:
        out += ["", f"*Rollback:* {_one_line(step.rollback)}"]
        for c in step.rollback_commands:
            out += ["", _md_command(c)]
    if step.dangers:
        out += ["", *(_md_danger(d) for d in step.dangers)]
    return "\n".join(out)


def to_markdown(plan: Plan, references: str | None = "docs/reference/") -> str:
    """The plan as Markdown; every citation links to its section in `references` (the docs
    folder as seen from where the text is read; None: upstream documents only)."""
    return linkify(_markdown(plan), references)


def _markdown(plan: Plan) -> str:
    out = [
        f"# {_one_line(plan.title)}",
        "",
        f"Plan `{plan.kind}` for cluster {_code(_one_line(plan.cluster_name))}, "
        f"Proxmox VE {plan.pve_version} ({plan.stack}), run on `{plan.run_on}`, "
        f"confirm token `{confirm_token(plan)}`.",
        "",
    ]
    if plan.blocked:
        out += [
            "> **BLOCKED: this plan refuses to act.** Nothing below changes the cluster; "
            "read the blocking dangers.",
            "",
        ]
    out += [_one_line(plan.summary), ""]
    if plan.all_dangers:
        out += ["## Dangers", "", *(_md_danger(d) for d in plan.all_dangers), ""]
    if plan.options:
        out += ["## Options, best first", ""]
        out += [f"{i}. {_one_line(o)}" for i, o in enumerate(plan.options, 1)] + [""]
    if plan.diff:
        out += ["## Config change", "", _fence(plan.diff, "diff"), ""]
    if plan.steps:
        out += ["## Steps", ""]
        for i, step in enumerate(plan.steps, 1):
            out += [_md_step(i, step), ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --- shell ----------------------------------------------------------------------------------
_PRELUDE = """\
normalise() {
  sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
}

# has_line TEXT LINE: TEXT contains LINE (white space at both ends ignored).
has_line() {
  printf '%s\\n' "$1" | normalise | grep -qxF -- "$2"
}

# poll TRIES CHECK: run the check function until it passes, once a second.
poll() {
  tries=$1
  shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$tries" ]; then
      return 1
    fi
    n=$((n + 1))
    sleep 1
  done
}

manual() {
  printf '\\nBY HAND: %s\\n' "$1"
  printf 'Type yes when done: '
  answer=
  read -r answer </dev/tty || answer=
  if [ "$answer" != yes ]; then
    echo 'stopped: manual step not confirmed' >&2
    exit 1
  fi
}

# links_down ID: corosync-cfgtool -s lists node ID, and on every link as disconnected.
links_down() {
  corosync-cfgtool -s | awk -v id="$1" '
    $1 == "nodeid:" && $2 == id ":" { seen = 1; if ($3 != "disconnected") bad = 1 }
    END { exit (seen && !bad) ? 0 : 1 }'
}

ROLLBACK='nothing has been changed yet'
on_exit() {
  rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '\\nFAILED (exit %s). Rollback for the step that failed:\\n%s\\n' "$rc" "$ROLLBACK" >&2
  fi
}
trap on_exit EXIT
"""


# Only in scripts with a link check (a `Check` with `links`): the awk twin of
# `procedures.linkstate.link_problem`, failing closed on text that is not a cfgtool table.
_LINK_STATE = """\
# link_state TEXT LINK IDS: the corosync-cfgtool -s output TEXT shows every node id in IDS
# (comma separated) as connected on link LINK; with IDS 'absent', no link LINK at all.
link_state() {
  printf '%s\\n' "$1" | awk -v link="$2" -v ids="$3" '
    NR == 1 { if ($1 != "Local" || $2 != "node" || $3 != "ID") exit 1; ok = 1; next }
    $1 == "LINK" && $2 == "ID" { cur = $3; if (cur == link) seen = 1; next }
    seen && cur == link && $1 == "nodeid:" { id = $2; sub(/:$/, "", id); state[id] = $3 }
    END {
      if (!ok) exit 1
      if (ids == "absent") exit (seen ? 1 : 0)
      n = split(ids, want, ",")
      for (i = 1; i <= n; i++) if (state[want[i]] != "connected") exit 1
      exit 0
    }'
}
"""


def _comment(text: str, indent: str = "") -> list[str]:
    lines = textwrap.wrap(_one_line(text), 92) or [""]
    return [f"{indent}# {line}".rstrip() for line in lines]


def _remote(c: Command, run_on: str, words: str) -> str:
    """`words` (already quoted) locally, or through ssh as one quoted remote command line."""
    if c.on == run_on:
        return words
    return shlex.join(["ssh", f"root@{c.on}", words])


def _sh_command(c: Command, run_on: str) -> list[str]:
    if c.manual is not None:
        return [f"manual {shlex.quote(_one_line(c.manual))}"]
    if c.write_file is not None:
        data = shlex.quote(c.content or "")
        target = shlex.quote(c.write_file)
        if c.on == run_on:
            return [f"printf '%s' {data} > {target}"]
        return [f"printf '%s' {data} | {_remote(c, run_on, f'cat > {target}')}"]
    line = _remote(c, run_on, shlex.join(c.argv))
    return [f"{line} || true" if c.may_fail else line]


def _sh_check(name: str, check: Check, run_on: str) -> list[str]:
    run = _remote(check.command, run_on, shlex.join(check.command.argv))
    out = [f"{name}() {{", f"  out=$({run} 2>&1) || true"]
    for line in check.must_show:
        quoted = shlex.quote(line.strip())
        out.append(
            f'  has_line "$out" {quoted} || '
            f"{{ echo {shlex.quote('missing line: ' + line.strip())} >&2; return 1; }}"
        )
    for line in check.must_not_show:
        quoted = shlex.quote(line.strip())
        out.append(
            f'  if has_line "$out" {quoted}; then '
            f"echo {shlex.quote('unexpected line: ' + line.strip())} >&2; return 1; fi"
        )
    for state in check.links:
        ids = "absent" if state.absent else ",".join(str(p) for p in state.peers)
        said = shlex.quote("link check failed, wanted " + state.describe())
        out.append(f'  link_state "$out" {state.link} {ids} || {{ echo {said} >&2; return 1; }}')
    out += ["  return 0", "}"]
    return out


def _sh_step(i: int, step: Step, run_on: str) -> list[str]:
    out = ["", f"# --- Step {i}: {_one_line(step.title)}"]
    out += _comment("Why: " + step.why)
    if step.deferred:
        out += _comment("Later, not run by this script:")
        for c in step.commands:
            out += _comment(
                f"on {c.on}: " + (c.manual or shlex.join(c.argv) or f"write {c.write_file}")
            )
        for line in step.expected:
            out += _comment(f"  expect: {line}")
        return out
    for d in step.dangers:
        out += _comment(f"{d.severity.upper()}: {d.text} (reference {d.reference})")
    if step.precheck:
        out += _sh_check(f"step{i}_pre", step.precheck, run_on)
    if step.postcheck:
        out += _sh_check(f"step{i}_post", step.postcheck, run_on)
    out.append(f"echo {shlex.quote(f'==> Step {i}: {_one_line(step.title)}')}")
    rollback = _one_line(step.rollback) or "nothing to roll back for this step"
    for c in step.rollback_commands:
        rollback += " | " + (
            "by hand: " + _one_line(c.manual)
            if c.manual
            else f"on {c.on}: "
            + (f"write {c.write_file} (see the plan)" if c.write_file else shlex.join(c.argv))
        )
    out.append(f"ROLLBACK={shlex.quote(rollback)}")
    if step.precheck:
        tries = step.precheck.retries
        msg = shlex.quote(f"pre-check of step {i} failed: {_one_line(step.precheck.description)}")
        out.append(f"poll {tries} step{i}_pre || {{ echo {msg} >&2; exit 1; }}")
    for name, nodeid in step.peers_down:
        msg = shlex.quote(f"{name} (node id {nodeid}) is not disconnected on every link: alive?")
        out.append(f"links_down {nodeid} || {{ echo {msg} >&2; exit 1; }}")
    for c in step.commands:
        out += _sh_command(c, run_on)
    if step.postcheck:
        tries = step.postcheck.retries
        msg = shlex.quote(f"post-check of step {i} failed: {_one_line(step.postcheck.description)}")
        out.append(f"poll {tries} step{i}_post || {{ echo {msg} >&2; exit 1; }}")
    return out


def to_shell(plan: Plan) -> str:
    token = confirm_token(plan)
    out = [
        "#!/bin/sh",
        "# Text in single quotes is literal on purpose (commands shown, not run):",
        "# shellcheck disable=SC2016",
        f"# pvequorum plan {plan.kind}: {_one_line(plan.title)}",
        *_comment(
            f"Proxmox VE {plan.pve_version} ({plan.stack}); cluster {plan.cluster_name}; "
            f"run on {plan.run_on} as root."
        ),
        *_comment(plan.summary),
    ]
    for d in plan.all_dangers:
        out += _comment(f"{d.severity.upper()}: {d.text} (reference {d.reference})")
    out += ["set -eu", ""]
    if plan.blocked:
        out += ["cat >&2 <<'PVEQUORUM_BLOCKED'", "This plan is BLOCKED and changes nothing:"]
        # Quoted here-document: nothing in it is expanded; control characters are removed and
        # a line equal to the terminator cannot occur because every line starts with "- ".
        out += [f"- {_one_line(d.text)}" for d in plan.all_dangers if d.severity == "blocking"]
        out += ["PVEQUORUM_BLOCKED", f"exit {EXIT_BLOCKED}"]
        return "\n".join(out) + "\n"
    out += [
        f"TOKEN={shlex.quote(token)}",
        'if [ "${1:-}" != "$TOKEN" ]; then',
        '  echo "Read this script first, then run it as: sh $0 $TOKEN" >&2',
        "  exit 2",
        "fi",
        f'if [ "$(hostname)" != {shlex.quote(plan.run_on)} ]; then',
        f"  echo {shlex.quote(f'run this script on {plan.run_on}')} >&2",
        "  exit 2",
        "fi",
        "",
        _PRELUDE.rstrip("\n"),
    ]
    if any(
        check.links for step in plan.steps for check in (step.precheck, step.postcheck) if check
    ):
        out += ["", _LINK_STATE.rstrip("\n")]
    for i, step in enumerate(plan.steps, 1):
        out += _sh_step(i, step, plan.run_on)
    out += ["", "ROLLBACK='nothing: every step passed'", "echo '==> all steps passed'"]
    return "\n".join(out) + "\n"


def render(plan: Plan, fmt: str) -> str:
    """`md`, `sh` or `json`."""
    if fmt == "md":
        return to_markdown(plan)
    if fmt == "sh":
        return to_shell(plan)
    if fmt == "json":
        return to_json(plan)
    raise ValueError(f"unknown format {fmt!r}")
