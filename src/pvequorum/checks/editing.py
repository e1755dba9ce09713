"""Self-checks for lab 05: editing configs safely.  PURE."""

from __future__ import annotations

from collections.abc import Sequence

from pvequorum.checks.answers import UndefinedName
from pvequorum.checks.verdict import (
    CheckResult,
    _against_run,
    _as_int,
    _as_text,
    _described,
    _disagreement,
    _example_number,
    _not_answered,
    _observed_int,
    _right,
    _shown,
    _wrong,
)

# The documented safe edit of /etc/pve/corosync.conf, as shuffled cards (reference 4.4).
EDIT_STEPS: dict[str, str] = {
    "a": "mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf",
    "b": "cp /etc/pve/corosync.conf /etc/pve/corosync.conf.new",
    "c": "systemctl status corosync; journalctl -b -u corosync",
    "d": "edit /etc/pve/corosync.conf.new and increment config_version",
    "e": "cp /etc/pve/corosync.conf /etc/pve/corosync.conf.bak",
}
EDIT_ORDER = ("b", "d", "e", "a", "c")  # reference 4.4


def check_edit_steps(answer: object) -> CheckResult:
    """Put the cards of `EDIT_STEPS` in the documented order, e.g. ['x', 'y', ...]."""
    if answer is ...:
        return _not_answered()
    hint = (
        "nothing may touch the live file until the new one is complete, and the live file is "
        "replaced in one atomic step (reference 4.4)"
    )
    if isinstance(answer, UndefinedName):
        return _wrong(
            f"`{answer.name}` is not defined: put each letter in quotes, such as ['x', 'y']", hint
        )
    if isinstance(answer, str):
        answer = (
            list(answer.replace(",", " ").split())
            if " " in answer or "," in answer
            else (list(answer))
        )
    if not isinstance(answer, (list, tuple)) or not all(isinstance(x, str) for x in answer):
        return _wrong(
            f"expected a list of letters such as ['x', 'y'], got {_described(answer)}", hint
        )
    letters = [x.strip().lower() for x in answer]
    if sorted(letters) != sorted(EDIT_STEPS):
        return _wrong(f"use each of the letters {', '.join(EDIT_STEPS)} exactly once", hint)
    if tuple(letters) == EDIT_ORDER:
        return _right(
            "copy to .new, edit and bump config_version, keep a .bak, replace the live file "
            "with one atomic mv, then watch corosync apply it (reference 4.4, 4.3)"
        )
    first_bad = next(i for i, (a, b) in enumerate(zip(letters, EDIT_ORDER, strict=True)) if a != b)
    if first_bad == 0:
        return _wrong("the first step is not the first one of the procedure", hint)
    placed = "the first step is" if first_bad == 1 else f"the first {first_bad} steps are"
    return _wrong(f"{placed} in order, the next one is not", hint)


def _example_corosync_conf() -> str:
    from pvequorum.examples import example_path

    return example_path("two-node-corosync.conf").read_text(encoding="utf-8")


def edited_config_version() -> tuple[int, int]:
    """(old, new) config_version when two_node is switched on in the example file."""
    from pvequorum.conf import load_config
    from pvequorum.conf.edits import set_two_node

    text = _example_corosync_conf()
    result = set_two_node(text, True)
    old = load_config(text).cluster.config_version
    new = load_config(result.new_text).cluster.config_version
    assert old is not None and new is not None
    return old, new


def check_new_config_version(answer: object, observed: int | None = None) -> CheckResult:
    """The example corosync.conf with two_node switched on: which config_version must the
    new file carry?

    `observed`: the config_version of the file the editor wrote, when `answer` is a
    prediction."""
    old, right = edited_config_version()
    if answer is ...:
        return _not_answered()
    hint = "pmxcfs compares the new file's config_version with the local one (reference 4.3, 4.4)"
    value, problem = _as_int(answer, _example_number(right))
    if value is None:
        return _wrong(problem, hint)
    why = f"one more than the old {old}: every change increments it (reference 4.4)"
    if value < old:
        difference = (
            "a version lower than the running one is never copied: pmxcfs logs 'local "
            "corosync.conf is newer'"
        )
    elif value == old:
        difference = (
            "the same version is copied, but the docs say to ALWAYS increment it so every "
            "node can tell the files apart"
        )
    else:
        difference = f"{value} works but skips versions; the edit tools increment by one"
    if observed is not None:
        seen = _observed_int(observed)
        return _against_run(
            f"config_version {value}",
            f"config_version {seen}",
            value == seen,
            why=why,
            difference=difference,
            disagreement=_disagreement(seen, right, f"config_version {right}"),
        )
    if value == right:
        return _right(why)
    if value < old:
        return _wrong(
            "lower than the running version: pmxcfs logs 'local corosync.conf is "
            "newer' and does not copy the file",
            hint,
        )
    return _wrong(difference, hint)


def check_implied_option(answer: object) -> CheckResult:
    """Which quorum option does `two_node: 1` switch on when it is absent from the file?"""
    from pvequorum import votequorum as vq

    if answer is ...:
        return _not_answered()
    hint = "read the note the edit printed, or the Flags line of a two_node cluster "
    hint += "(reference 1.5)"
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    key = text.strip().lower().replace("-", "_").removeprefix("quorum.").rstrip(":").strip()
    right = "wait_for_all"
    # the rule itself: absent wait_for_all follows two_node (reference 1.5)
    assert vq.wait_for_all_enabled(1, None) and not vq.wait_for_all_enabled(0, None)
    if key in (right, "waitforall"):
        return _right(
            "two_node implies wait_for_all unless `wait_for_all: 0` is written (reference 1.5, 1.7)"
        )
    if key in ("expected_votes", "two_node"):
        return _wrong(f"{text} is not switched on implicitly", hint)
    return _wrong(f"{_shown(answer)} is not the option two_node turns on", hint)


def _command_check(
    answer: object, required: Sequence[str], right_message: str, hint: str, what: str
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    words = text.split()
    if all(_has_word(words, r) for r in required):
        return _right(right_message)
    return _wrong(f"{_shown(answer)} is not the command that {what}", hint)


def _has_word(words: list[str], required: str) -> bool:
    parts = required.split()
    return any(words[i : i + len(parts)] == parts for i in range(len(words)))


def check_cman_validate_command(answer: object) -> CheckResult:
    """PVE 3 (cman): which program checks /etc/pve/cluster.conf.new before it is activated?"""
    return _command_check(
        answer,
        ["ccs_config_validate"],
        "ccs_config_validate -v -f /etc/pve/cluster.conf.new checks it against the RelaxNG "
        "schema; the GUI's Activate button runs the same check (reference 8.5)",
        "it is part of the cluster config tools (ccs_*) and checks against the schema "
        "(reference 8.2, 8.5)",
        "validates cluster.conf",
    )


def check_cman_reload_command(answer: object) -> CheckResult:
    """PVE 3 (cman): which command makes cman load the new cluster.conf version?"""
    return _command_check(
        answer,
        ["cman_tool", "version", "-r"],
        "cman_tool version -r (pmxcfs runs it with -S on the node where the change was made) "
        "(reference 8.1)",
        "it is a cman_tool subcommand that reports, and with a flag reloads, the config "
        "version (reference 8.1)",
        "reloads cluster.conf",
    )
