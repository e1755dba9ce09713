"""Self-checks for the labs: `check_<question>(answer) -> CheckResult`.  PURE.

Every right answer is computed here from the library (the simulator, the failure analysis,
the timing model, the config editor), never typed in, so a lab cannot teach a number the
simulator disagrees with.  A wrong answer says what is wrong and gives a hint that cites the
reference section, without the solution; `...` (Ellipsis) means "not answered yet"; an
answer of the wrong type is "wrong" with a clear message, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pvequorum import analysis, timing
from pvequorum.model import Cluster, QDevice, simple_cluster
from pvequorum.simulator import Simulator

RIGHT = "right"
WRONG = "wrong"
NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class CheckResult:
    """A verdict: `status` is "right", "wrong" or "not answered"; `message` explains it."""

    status: str
    message: str

    @property
    def right(self) -> bool:
        return self.status == RIGHT

    def __str__(self) -> str:
        if self.status == RIGHT:
            return f"✔ right: {self.message}"
        if self.status == NOT_ANSWERED:
            return f"… not yet answered: {self.message}"
        return f"✘ not yet right: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def _right(message: str) -> CheckResult:
    return CheckResult(RIGHT, message)


def _wrong(what: str, hint: str) -> CheckResult:
    return CheckResult(WRONG, f"{what}. Hint: {hint}")


def _not_answered() -> CheckResult:
    return CheckResult(NOT_ANSWERED, "replace the ... with your answer")


def _shown(answer: object) -> str:
    text = repr(answer)
    return text if len(text) <= 40 else text[:37] + "..."


# --- answer types ------------------------------------------------------------------------------


def _as_int(answer: object) -> tuple[int | None, str]:
    """A whole number, or None and why not (bools and text are refused, 2.0 is 2)."""
    if isinstance(answer, bool):
        return None, f"{answer!r} is a yes/no value, but this question wants a whole number"
    if isinstance(answer, int):
        return answer, ""
    if isinstance(answer, float) and answer.is_integer():
        return int(answer), ""
    if isinstance(answer, str):
        return None, f"{_shown(answer)} is text: write the number without quotes"
    return None, f"{_shown(answer)} is not a whole number"


def _as_bool(answer: object) -> tuple[bool | None, str]:
    if isinstance(answer, bool):
        return answer, ""
    if isinstance(answer, str):
        return None, f"{_shown(answer)} is text: answer True or False, without quotes"
    return None, f"{_shown(answer)} is not True or False"


def _as_text(answer: object) -> tuple[str | None, str]:
    if isinstance(answer, str):
        return " ".join(answer.split()), ""
    return None, f"{_shown(answer)} is not text: put your answer in quotes"


def _as_names(answer: object) -> tuple[frozenset[str] | None, str]:
    """A collection of node names (a single name is accepted as a set of one)."""
    if isinstance(answer, str):
        return frozenset(answer.replace(",", " ").split()), ""
    if isinstance(answer, (list, tuple, set, frozenset)):
        if all(isinstance(x, str) for x in answer):
            return frozenset(answer), ""
        return None, "every entry must be a node name in quotes, e.g. 'pve9'"
    return None, f"{_shown(answer)} is not a list of node names such as ['pve9']"


def _check_number(
    answer: object,
    right: int,
    *,
    unit: str,
    right_message: str,
    hint: str,
    too_low: str = "",
    too_high: str = "",
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    value, problem = _as_int(answer)
    if value is None:
        return _wrong(problem, hint)
    if value == right:
        return _right(right_message)
    if value < right:
        return _wrong(f"{value} {unit} is too few" + (f": {too_low}" if too_low else ""), hint)
    return _wrong(f"{value} {unit} is too many" + (f": {too_high}" if too_high else ""), hint)


def _check_bool(
    answer: object, right: bool, *, right_message: str, wrong_message: str, hint: str
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    value, problem = _as_bool(answer)
    if value is None:
        return _wrong(problem, hint)
    if value == right:
        return _right(right_message)
    return _wrong(wrong_message, hint)


def _check_choice(
    answer: object,
    choices: dict[str, str],
    right: str,
    *,
    right_message: str,
    why_not: dict[str, str],
    hint: str,
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    letter = text.strip().lower().rstrip(")")
    if letter not in choices:
        return _wrong(f"{_shown(answer)} is not one of the letters {', '.join(choices)}", hint)
    if letter == right:
        return _right(right_message)
    return _wrong(f"({letter}) is not it: {why_not.get(letter, 'read that choice again')}", hint)


# --- the simulator, in the situations the labs ask about ---------------------------------------


def _running(cluster: Cluster, start: Iterable[str] | None = None) -> Simulator:
    sim = Simulator(cluster)
    sim.start(cluster.names if start is None else start)
    return sim


def _quorate_partitions(sim: Simulator) -> int:
    views = sim.views()
    return sum(1 for part in sim.partitions() if any(views[n].quorate for n in part))


def _votes(votes: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(v) for v in votes)


# ================================================================================================
# Lab 01: votes and failures
# ================================================================================================


@lru_cache(maxsize=512)
def votes_needed(votes: tuple[int, ...]) -> int:
    """The quorum of the intact cluster whose nodes carry these votes (reference 1.3)."""
    return analysis.analyze(simple_cluster(len(votes), votes=list(votes))).quorum


def check_votes_needed(answer: object, votes: Sequence[int] = (1, 1)) -> CheckResult:
    """How many votes must a partition hold to be quorate (the `Quorum:` line)?"""
    votes = _votes(votes)
    right = votes_needed(votes)
    return _check_number(
        answer,
        right,
        unit="votes",
        right_message=(
            f"with {len(votes)} nodes and {sum(votes)} expected votes a partition needs "
            f"{right} votes, more than half (reference 1.3)"
        ),
        hint="quorum is half of the expected votes, rounded down, plus one (reference 1.3)",
        too_low="then both halves of a split could be quorate at once: split brain",
        too_high="that is more than a strict majority",
    )


@lru_cache(maxsize=64)
def failures_survived(nodes: int) -> int:
    """How many node failures a cluster of 1-vote nodes always survives (reference 1.3)."""
    result = analysis.analyze(simple_cluster(nodes)).always_survived
    return 0 if result is None else result


def check_failures_survived(answer: object, nodes: int = 2) -> CheckResult:
    """A cluster of `nodes` nodes with one vote each: how many failed nodes does it always
    survive (the rest stays quorate)?"""
    right = failures_survived(nodes)
    return _check_number(
        answer,
        right,
        unit="failed nodes",
        right_message=(
            f"{nodes} nodes always survive {right} failed node(s); "
            "the survivors must still hold a majority (reference 1.3)"
        ),
        hint=(
            "take nodes away one at a time and compare the votes left with the quorum, which "
            "does not drop when nodes fail (reference 1.3, 10.5)"
        ),
        too_low="the survivors would still hold a majority of the expected votes",
        too_high="the survivors would no longer hold a majority of the expected votes",
    )


def fatal_single_failures(votes: tuple[int, ...]) -> frozenset[str]:
    """Nodes whose failure alone breaks quorum (reference 1.3)."""
    cluster = simple_cluster(len(votes), votes=list(votes))
    return frozenset(n for n in cluster.names if not analysis.survivors_quorate(cluster, [n]))


def check_fatal_nodes(answer: object, votes: Sequence[int] = (2, 1, 1)) -> CheckResult:
    """Nodes pve1..pveN carry `votes`: which nodes break quorum when they fail alone?"""
    if answer is ...:
        return _not_answered()
    votes = _votes(votes)
    right = fatal_single_failures(votes)
    hint = (
        "for each node, add up the votes of the others and compare with the quorum of the "
        "whole cluster (reference 1.2, 1.3)"
    )
    names, problem = _as_names(answer)
    if names is None:
        return _wrong(problem, hint)
    known = {f"pve{i}" for i in range(1, len(votes) + 1)}
    unknown = sorted(names - known)
    if unknown:
        return _wrong(f"the cluster has no node {', '.join(unknown)}", hint)
    if names == right:
        shown = ", ".join(sorted(right)) or "none"
        return _right(f"only the failure of {shown} leaves too few votes (reference 1.3)")
    if names - right:
        return _wrong(
            f"the others still hold enough votes when {', '.join(sorted(names - right))} fails",
            hint,
        )
    return _wrong("you missed a node whose votes the others cannot replace", hint)


# ================================================================================================
# Lab 02: pvecm expected
# ================================================================================================


def _two_node_one_down() -> Simulator:
    sim = _running(simple_cluster(2))
    sim.crash(["pve2"])
    return sim


def check_quorum_after_crash(answer: object) -> CheckResult:
    """Two nodes, pve2 crashed: what does pve1 show as `Quorum:`?"""
    right = _two_node_one_down().view("pve1").quorum
    return _check_number(
        answer,
        right,
        unit="votes",
        right_message=(
            f"quorum stays {right}: it never decreases when a node leaves, so the lone node "
            "with 1 vote is blocked (reference 1.3, 10.5)"
        ),
        hint="quorum is computed from the expected votes, and it does not go down when a "
        "member disappears (reference 10.5)",
        too_low="the threshold does not follow the members down",
        too_high="read the `Quorum:` line of pve1's status",
    )


def check_quorum_after_expected_one(answer: object) -> CheckResult:
    """Two nodes, pve2 crashed, then `pvecm expected 1` on pve1: pve1's `Quorum:`?"""
    sim = _two_node_one_down()
    sim.expected("pve1", 1)
    right = sim.view("pve1").quorum
    return _check_number(
        answer,
        right,
        unit="votes",
        right_message=(
            f"expected votes becomes 1, quorum becomes {right}: pve1 is quorate and /etc/pve "
            "takes writes again (reference 2.2, 2.4 A)"
        ),
        hint="`pvecm expected N` lowers the expected votes and quorum is recomputed from "
        "them with decrease allowed (reference 2.2)",
    )


def check_expected_after_rejoin(answer: object) -> CheckResult:
    """After `pvecm expected 1` on pve1, pve2 comes back: pve1's `Expected votes:`?"""
    sim = _two_node_one_down()
    sim.expected("pve1", 1)
    sim.start(["pve2"])
    right = sim.view("pve1").expected_votes
    return _check_number(
        answer,
        right,
        unit="expected votes",
        right_message=(
            f"expected votes grows back to {right} as soon as more votes are present than "
            "expected: the lowered value lasts only until a node rejoins or the config is "
            "reloaded (reference 1.4, 1.13, 2.4 A)"
        ),
        hint="expected votes is raised automatically whenever the votes present exceed it "
        "(reference 1.4)",
        too_low="the change is not permanent",
    )


def lowest_expected_accepted(nodes: int, up: int) -> int | None:
    """The smallest N that `pvecm expected N` accepts on pve1 with pve1..pve`up` running."""
    sim = _running(simple_cluster(nodes), [f"pve{i}" for i in range(1, up + 1)])
    return next(
        (n for n in range(1, 2 * nodes + 2) if sim.check_expected("pve1", n).accepted), None
    )


def check_lowest_expected(answer: object, nodes: int = 5, up: int = 3) -> CheckResult:
    """`nodes` nodes, `up` of them running: the smallest N `pvecm expected N` accepts?"""
    right = lowest_expected_accepted(nodes, up)
    assert right is not None
    return _check_number(
        answer,
        right,
        unit="expected votes",
        right_message=(
            f"anything below the {right} votes present is refused with CS_ERR_INVALID_PARAM; "
            "so `pvecm expected 1` only works when the partition holds exactly one vote "
            "(reference 2.2, 2.4 B/C, 10.2)"
        ),
        hint="corosync refuses an expected value below the votes the node sees right now "
        "(reference 2.2)",
        too_low="corosync refuses it with CS_ERR_INVALID_PARAM",
        too_high="a smaller value is accepted as well",
    )


def quorate_partitions_after_expected_on_both_sides() -> int:
    sim = _running(simple_cluster(2))
    sim.partition([["pve1"], ["pve2"]])
    sim.expected("pve1", 1)
    sim.expected("pve2", 1)
    return _quorate_partitions(sim)


def check_expected_both_sides(answer: object) -> CheckResult:
    """Link cut, both nodes alive, `pvecm expected 1` on each side: quorate partitions?"""
    right = quorate_partitions_after_expected_on_both_sides()
    return _check_number(
        answer,
        right,
        unit="quorate partitions",
        right_message=(
            f"{right} partitions are quorate at once: split brain, both sides write /etc/pve "
            "and may start the same guests. Only run `pvecm expected` after confirming the "
            "other nodes are really down (reference 2.4, 10.19)"
        ),
        hint="each isolated node holds exactly one vote, so each side's request is accepted "
        "(reference 2.2, 2.4 A)",
        too_low="nothing stops the second admin",
    )


# ================================================================================================
# Lab 03: two_node or a QDevice
# ================================================================================================


def check_two_node_quorum(answer: object) -> CheckResult:
    """`two_node: 1`, both nodes up: what does `Quorum:` show?"""
    right = _running(simple_cluster(2, two_node=1)).view("pve1").quorum
    return _check_number(
        answer,
        right,
        unit="votes",
        right_message=f"two_node forces quorum {right} whenever at most two nodes are members, "
        "even with both up (reference 1.5, 10.6)",
        hint="two_node overrides the quorum formula while at most two nodes are members "
        "(reference 1.5)",
        too_high="the normal formula is not what two_node shows",
    )


def check_two_node_cold_start(answer: object) -> CheckResult:
    """`two_node: 1`, both nodes were shut down, only pve1 boots: is pve1 quorate?"""
    right = _running(simple_cluster(2, two_node=1), ["pve1"]).view("pve1").quorate
    return _check_bool(
        answer,
        right,
        right_message="two_node turns wait_for_all on: after a cold start a node must see its "
        "peer once before it becomes quorate (reference 1.5, 1.7)",
        wrong_message="look at the Flags line of a two_node cluster: one more feature is on",
        hint="two_node implies wait_for_all when wait_for_all is absent (reference 1.5, 1.7)",
    )


def check_two_node_split(answer: object) -> CheckResult:
    """`two_node: 1`, both up, then the link between them is cut: quorate partitions?"""
    sim = _running(simple_cluster(2, two_node=1))
    sim.partition([["pve1"], ["pve2"]])
    right = _quorate_partitions(sim)
    return _check_number(
        answer,
        right,
        unit="quorate partitions",
        right_message=f"{right}: each side keeps quorum 1, so both stay quorate; only fencing "
        "can settle who wins (reference 1.5, 1.7)",
        hint="after the split each side holds one vote; what is the quorum under two_node? "
        "(reference 1.5)",
    )


def check_qdevice_split(answer: object) -> CheckResult:
    """Two nodes + QDevice (ffsplit), the link between the nodes is cut: quorate partitions?"""
    sim = _running(simple_cluster(2, device=QDevice(votes=1)))
    sim.partition([["pve1"], ["pve2"]])
    right = _quorate_partitions(sim)
    return _check_number(
        answer,
        right,
        unit="quorate partitions",
        right_message=f"{right}: the QDevice gives its one vote to exactly one side "
        "(reference 3.2, 3.3)",
        hint="ffsplit gives its single vote to one partition only (reference 3.2)",
    )


def check_two_node_with_qdevice(answer: object) -> CheckResult:
    """Does corosync start with both `two_node: 1` and a QDevice configured?"""
    cluster = simple_cluster(2, two_node=1, device=QDevice(votes=1))
    right = Simulator(cluster).startup_error("pve1") is None
    return _check_bool(
        answer,
        right,
        right_message="corosync refuses to start: 'two_node and quorum device cannot be "
        "configured at the same time!' Remove two_node when you add a QDevice (reference 1.12)",
        wrong_message="votequorum checks this combination when it starts",
        hint="look for two_node in the table of incompatible combinations (reference 1.12)",
    )


# ================================================================================================
# Lab 04: a QDevice on an odd node count
# ================================================================================================


def _odd_qdevice() -> Cluster:
    # what `pvecm qdevice setup --force` writes for an odd count: lms, no votes key (3.3)
    return simple_cluster(3, device=QDevice(algorithm="lms"))


def check_odd_qdevice_votes(answer: object) -> CheckResult:
    """3 nodes + QDevice (lms, no `votes:` line): how many votes does the QDevice get?"""
    right = _running(_odd_qdevice()).view("pve1").qdevice_votes
    return _check_number(
        answer,
        right,
        unit="votes",
        right_message=f"corosync gives it {right} votes, the vote sum of the nodes minus one "
        "(reference 1.2 step 5, 3.3)",
        hint="without a votes key corosync computes the device's votes from the nodelist "
        "(reference 1.2 step 5)",
    )


def check_odd_qdevice_survives(answer: object) -> CheckResult:
    """3 nodes + lms QDevice, QDevice alive: how many failed nodes are always survived?"""
    right = analysis.analyze(_odd_qdevice()).always_survived
    return _check_number(
        answer,
        right or 0,
        unit="failed nodes",
        right_message=f"{right}: a single node plus the QDevice still holds quorum, "
        "'all but one' survival (reference 3.3)",
        hint="count the QDevice's votes on the side of every surviving node (reference 3.3)",
    )


def check_odd_qdevice_dead(answer: object) -> CheckResult:
    """3 nodes + lms QDevice, the QDevice host is down: failed nodes always survived?"""
    right = analysis.analyze(_odd_qdevice(), qdevice_alive=False).always_survived
    return _check_number(
        answer,
        right or 0,
        unit="failed nodes",
        right_message=f"{right or 0}: the expected votes still count the QDevice's votes, so "
        "without it no node may fail; without any QDevice one could. That is why PVE "
        "discourages a QDevice on an odd count (reference 3.3)",
        hint="expected votes still include the dead QDevice's votes; compare the quorum with "
        "the node votes left (reference 1.4, 3.3)",
        too_high="the dead QDevice's votes are still expected",
    )


def check_even_qdevice_dead(answer: object) -> CheckResult:
    """4 nodes + ffsplit QDevice (1 vote), the QDevice host is down: always survived?"""
    cluster = simple_cluster(4, device=QDevice(votes=1))
    right = analysis.analyze(cluster, qdevice_alive=False).always_survived
    without = analysis.analyze(simple_cluster(4)).always_survived
    same = "the same as" if right == without else "different from"
    return _check_number(
        answer,
        right or 0,
        unit="failed nodes",
        right_message=f"{right}, {same} 4 nodes without a QDevice: on an even count a dead "
        "QDevice costs nothing (reference 3.3)",
        hint="the device has one vote only; compare with the same cluster without a QDevice "
        "(reference 3.3)",
    )


# ================================================================================================
# Lab 05: editing configs safely
# ================================================================================================

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
    if isinstance(answer, str):
        answer = (
            list(answer.replace(",", " ").split())
            if " " in answer or "," in answer
            else (list(answer))
        )
    if not isinstance(answer, (list, tuple)) or not all(isinstance(x, str) for x in answer):
        return _wrong(f"{_shown(answer)} is not a list of letters such as ['x', 'y']", hint)
    letters = [x.strip().lower() for x in answer]
    if sorted(letters) != sorted(EDIT_STEPS):
        return _wrong(f"use each of the letters {', '.join(EDIT_STEPS)} exactly once", hint)
    if tuple(letters) == EDIT_ORDER:
        return _right(
            "copy to .new, edit and bump config_version, keep a .bak, replace the live file "
            "with one atomic mv, then watch corosync apply it (reference 4.4, 4.3)"
        )
    first_bad = next(i for i, (a, b) in enumerate(zip(letters, EDIT_ORDER, strict=True)) if a != b)
    return _wrong(f"the first {first_bad} step(s) are in order, the next one is not", hint)


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


def check_new_config_version(answer: object) -> CheckResult:
    """The example corosync.conf with two_node switched on: which config_version must the
    new file carry?"""
    old, right = edited_config_version()
    if answer is ...:
        return _not_answered()
    hint = "pmxcfs compares the new file's config_version with the local one (reference 4.3, 4.4)"
    value, problem = _as_int(answer)
    if value is None:
        return _wrong(problem, hint)
    if value == right:
        return _right(f"one more than the old {old}: every change increments it (reference 4.4)")
    if value < old:
        return _wrong(
            "lower than the running version: pmxcfs logs 'local corosync.conf is "
            "newer' and does not copy the file",
            hint,
        )
    if value == old:
        return _wrong(
            "the same version is copied, but the docs say to ALWAYS increment it so "
            "every node can tell the files apart",
            hint,
        )
    return _wrong(f"{value} works but skips versions; the edit tools increment by one", hint)


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


# ================================================================================================
# Lab 06: why an HA node reboots
# ================================================================================================


def _event(cluster: Cluster, words: str) -> timing.TimelineEvent:
    return next(e for e in timing.ha_timeline(cluster) if words in e.event)


def check_self_fence_seconds(answer: object) -> CheckResult:
    """An HA node loses quorum at t=0: at the latest, after how many seconds is it reset?"""
    event = _event(simple_cluster(3), "resets the node")
    right = event.latest_ms // 1000
    return _check_number(
        answer,
        right,
        unit="seconds",
        right_message=f"at most {right} s: the lock renewal fails, watchdog-mux stops feeding "
        "the watchdog after its client timeout, and the watchdog fires after its own timeout "
        "(reference 7)",
        hint="the last good lock renewal may be one LRM round before t=0; add the client "
        "timeout of watchdog-mux and the watchdog's own timeout (reference 7)",
    )


def check_recovery_seconds(answer: object) -> CheckResult:
    """Same outage: at the latest, when does the quorate side recover the HA services?"""
    event = _event(simple_cluster(3), "services recovered")
    right = event.latest_ms // 1000
    return _check_number(
        answer,
        right,
        unit="seconds",
        right_message=f"at most {right} s: the quorate side must wait until the lost node's "
        "agent lock expires, which is after the node has reset itself (reference 7)",
        hint="the quorate side can only take the node's agent lock once it has expired "
        "(reference 6, 7)",
        too_low="the lock has not expired yet at that time",
    )


def check_detection_ms(answer: object, nodes: int = 3) -> CheckResult:
    """Default timing, `nodes` configured nodes: token + consensus in milliseconds?"""
    detection = timing.failure_detection(simple_cluster(nodes))
    right = detection.token_plus_consensus_ms
    return _check_number(
        answer,
        right,
        unit="ms",
        right_message=f"token {detection.token_ms} ms + consensus {detection.consensus_ms} ms: "
        "only then does the new membership form (reference 9, 10.18)",
        hint="the effective token grows by token_coefficient per configured node above two, "
        "and consensus is 1.2 times it (reference 9)",
    )


EXPECTED_ON_ISOLATED_CHOICES: dict[str, str] = {
    "a": "corosync refuses it: the node is not quorate",
    "b": "accepted: the node keeps its HA guests running while the majority recovers them",
    "c": "accepted, but the node still resets itself after the watchdog timeout",
}


def expected_on_isolated_outcome() -> str:
    """The letter the simulator supports: 3 nodes, pve1 cut off, `pvecm expected 1` on it."""
    sim = _running(simple_cluster(3))
    sim.partition([["pve1"], ["pve2", "pve3"]])
    if not sim.expected("pve1", 1):
        return "a"
    # quorate again: pmxcfs takes writes, the LRM renews its lock, the watchdog stays fed (7)
    return "b" if sim.split_brain() else "c"


def check_expected_on_isolated(answer: object) -> CheckResult:
    """pve1 of 3 is cut off and runs HA guests; someone runs `pvecm expected 1` on it."""
    right = expected_on_isolated_outcome()
    return _check_choice(
        answer,
        EXPECTED_ON_ISOLATED_CHOICES,
        right,
        right_message="both partitions are quorate: pve1 renews its own agent lock and is not "
        "fenced, while pve2/pve3 take the lock after it expires and start the same guests. "
        "Split brain (reference 7, 10.19)",
        why_not={
            "a": "an inquorate node accepts any N at or above its own votes",
            "c": "the watchdog is fed again as soon as the lock renewal works",
        },
        hint="first decide whether corosync accepts it (reference 2.2), then what a quorate "
        "/etc/pve means for the lock renewal (reference 7)",
    )


# ================================================================================================
# Lab 07: reading pvecm status
# ================================================================================================


def _three_node_one_down() -> Simulator:
    sim = _running(simple_cluster(3))
    sim.crash(["pve3"])
    return sim


def _status_number(field: str, label: str, hint: str) -> Callable[[object], CheckResult]:
    def check(answer: object) -> CheckResult:
        right = getattr(_three_node_one_down().view("pve1"), field)
        return _check_number(
            answer,
            right,
            unit="votes",
            right_message=f"`{label}:` shows {right} (reference 5.1)",
            hint=hint,
        )

    return check


def check_status_total_votes(answer: object) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Total votes:`?"""
    return _status_number(
        "total_votes",
        "Total votes",
        "Total votes counts the votes of the current members only (reference 5.1, 1.3)",
    )(answer)


def check_status_expected_votes(answer: object) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Expected votes:`?"""
    return _status_number(
        "expected_votes",
        "Expected votes",
        "expected votes does not drop when a member leaves (reference 1.4, 10.2)",
    )(answer)


def check_status_quorum(answer: object) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Quorum:`?"""
    return _status_number(
        "quorum",
        "Quorum",
        "the first number on the `Quorum:` line; it never decreases on membership loss "
        "(reference 5.1, 10.5)",
    )(answer)


def further_failures_survived() -> int:
    """3 nodes, pve3 crashed: how many more nodes may fail while pve1 stays quorate."""
    sim = _three_node_one_down()
    more = 0
    for name in ("pve2",):
        sim.crash([name])
        if not sim.view("pve1").quorate:
            break
        more += 1
    return more


def check_status_more_failures(answer: object) -> CheckResult:
    """From that status: how many more nodes may fail before pve1 loses quorum?"""
    right = further_failures_survived()
    return _check_number(
        answer,
        right,
        unit="more failures",
        right_message=f"{right}: Total votes already equals Quorum, one more loss and the "
        "node blocks (reference 1.3, 5.1)",
        hint="compare `Total votes:` with `Quorum:`; quorum will not drop (reference 10.5)",
    )


def check_two_node_flag(answer: object) -> CheckResult:
    """Which word on the `Flags:` line tells you two_node is on?"""
    if answer is ...:
        return _not_answered()
    right = _running(simple_cluster(2, two_node=1)).view("pve1").flags[0]
    hint = "the flags are printed in a fixed order and two_node's comes first (reference 5.1, 1.6)"
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    if text.strip().lower() == right.lower():
        return _right(
            f"`{right}` (always followed by a space); it stays even when more than "
            "two nodes are members and two_node no longer applies (reference 1.5, 5.1)"
        )
    return _wrong(f"{_shown(answer)} is not a word corosync-quorumtool prints for two_node", hint)
