"""The labs' self-checks: right, wrong (with a hint, without the solution), unanswered, bad type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvequorum import checks
from pvequorum.conf.edits import set_two_node
from pvequorum.examples import example_path
from pvequorum.model import simple_cluster
from pvequorum.simulator import Simulator

Check = Callable[[Any], checks.CheckResult]

# (check, right answer, typical wrong answers, the right value as it must not be revealed)
CASES: list[tuple[str, Check, Any, list[Any], str]] = [
    ("votes_needed", checks.check_votes_needed, 2, [1, 3], "2"),
    ("failures_2", lambda a: checks.check_failures_survived(a, nodes=2), 0, [1], "0"),
    ("failures_3", lambda a: checks.check_failures_survived(a, nodes=3), 1, [0, 2], "1"),
    ("failures_4", lambda a: checks.check_failures_survived(a, nodes=4), 1, [2], "1"),
    ("fatal_nodes", checks.check_fatal_nodes, ["pve1"], [["pve2"], [], ["pve1", "pve3"]], "pve1"),
    ("quorum_after_crash", checks.check_quorum_after_crash, 2, [1], "2"),
    ("quorum_after_expected", checks.check_quorum_after_expected_one, 1, [2], "1"),
    ("expected_after_rejoin", checks.check_expected_after_rejoin, 2, [1], "2"),
    ("lowest_expected", checks.check_lowest_expected, 3, [1, 2, 4], "3"),
    ("expected_both_sides", checks.check_expected_both_sides, 2, [1, 0], "2"),
    ("two_node_quorum", checks.check_two_node_quorum, 1, [2], "1"),
    ("two_node_cold_start", checks.check_two_node_cold_start, False, [True], "False"),
    ("two_node_split", checks.check_two_node_split, 2, [1], "2"),
    ("qdevice_split", checks.check_qdevice_split, 1, [2], "1"),
    ("two_node_with_qdevice", checks.check_two_node_with_qdevice, False, [True], "False"),
    ("odd_qdevice_votes", checks.check_odd_qdevice_votes, 2, [1, 3], "2"),
    ("odd_qdevice_survives", checks.check_odd_qdevice_survives, 2, [1], "2"),
    ("odd_qdevice_dead", checks.check_odd_qdevice_dead, 0, [1, 2], "0"),
    ("even_qdevice_dead", checks.check_even_qdevice_dead, 1, [2, 0], "1"),
    ("edit_steps", checks.check_edit_steps, ["b", "d", "e", "a", "c"], [list("bdaec")], "b, d"),
    ("new_config_version", checks.check_new_config_version, 3, [2, 1, 4], "3"),
    ("implied_option", checks.check_implied_option, "wait_for_all", ["two_node"], "wait_for"),
    (
        "cman_validate",
        checks.check_cman_validate_command,
        "ccs_config_validate -v -f /etc/pve/cluster.conf.new",
        ["xmllint cluster.conf"],
        "ccs_config_validate",
    ),
    (
        "cman_reload",
        checks.check_cman_reload_command,
        "cman_tool version -r",
        ["cman_tool status", "corosync-cfgtool -R"],
        "version -r",
    ),
    ("detection_ms", checks.check_detection_ms, 8030, [6600, 3650], "8030"),
    ("self_fence_s", checks.check_self_fence_seconds, 70, [60, 120], "70"),
    ("recovery_s", checks.check_recovery_seconds, 120, [60, 70], "120"),
    ("expected_on_isolated", checks.check_expected_on_isolated, "b", ["a", "c"], "(b)"),
    ("status_total", checks.check_status_total_votes, 2, [3], "2"),
    ("status_expected", checks.check_status_expected_votes, 3, [2], "3"),
    ("status_quorum", checks.check_status_quorum, 2, [1, 3], "2"),
    ("status_more_failures", checks.check_status_more_failures, 0, [1], "0"),
    ("two_node_flag", checks.check_two_node_flag, "2Node", ["Quorate", "two_node"], "2Node"),
]
IDS = [c[0] for c in CASES]


def every_check_function() -> set[str]:
    return {name for name in dir(checks) if name.startswith("check_")}


def test_every_check_function_is_covered() -> None:
    covered = set()
    for _, check, *_ in CASES:
        name = getattr(check, "__name__", "<lambda>")
        covered.add(name)
    covered.add("check_failures_survived")  # the lambdas
    assert every_check_function() <= covered


def revealed(message: str, right: str) -> bool:
    """Whether the message shows the right value, ignoring '(reference x.y)' citations."""
    text = re.sub(r"\(reference [^)]*\)", "", message)
    if right.isdigit():
        return re.search(rf"(?<![\d.]){right}(?![\d.])", text) is not None
    return right.lower() in text.lower()


@pytest.mark.parametrize(("name", "check", "right", "wrongs", "secret"), CASES, ids=IDS)
def test_right_answer(name: str, check: Check, right: Any, wrongs: list[Any], secret: str) -> None:
    result = check(right)
    assert result.status == "right", result
    assert str(result).startswith("✔ right: ")


@pytest.mark.parametrize(("name", "check", "right", "wrongs", "secret"), CASES, ids=IDS)
def test_wrong_answers_hint_without_the_solution(
    name: str, check: Check, right: Any, wrongs: list[Any], secret: str
) -> None:
    for wrong in wrongs:
        result = check(wrong)
        assert result.status == "wrong", (wrong, result)
        assert str(result).startswith("✘ not yet right: ")
        assert "Hint: " in result.message and "reference " in result.message
        assert not revealed(result.message, secret), (wrong, result.message)


@pytest.mark.parametrize(("name", "check", "right", "wrongs", "secret"), CASES, ids=IDS)
def test_not_answered(name: str, check: Check, right: Any, wrongs: list[Any], secret: str) -> None:
    result = check(...)
    assert result.status == "not answered"
    assert str(result) == "… not yet answered: replace the ... with your answer"


@pytest.mark.parametrize(("name", "check", "right", "wrongs", "secret"), CASES, ids=IDS)
@pytest.mark.parametrize("bad", ["two", 3.5, None, {"a": 1}, object(), True, 7, ["x", 1]])
def test_bad_types_are_wrong_not_exceptions(
    name: str, check: Check, right: Any, wrongs: list[Any], secret: str, bad: Any
) -> None:
    if (isinstance(bad, type(right)) and not isinstance(right, bool)) or bad == right:
        return  # a value of the right type is a wrong answer, tested above
    result = check(bad)
    assert result.status == "wrong", (bad, result)
    assert "Hint: " in result.message


def test_a_string_for_a_number_says_so() -> None:
    result = checks.check_votes_needed("2")
    assert result.status == "wrong" and "is text: write the number without quotes" in str(result)


def test_repr_and_pretty_print_one_line() -> None:
    result = checks.check_votes_needed(...)
    assert repr(result) == str(result) and "\n" not in str(result)

    out: list[str] = []

    class Printer:
        def text(self, s: str) -> None:
            out.append(s)

    result._repr_pretty_(Printer(), False)
    assert out == [str(result)]


def test_checks_accept_lenient_spellings() -> None:
    assert checks.check_fatal_nodes("pve1").right
    assert checks.check_fatal_nodes({"pve1"}).right
    assert checks.check_edit_steps("b, d, e, a, c").right
    assert checks.check_edit_steps("bdeac").right
    assert checks.check_implied_option("quorum.wait_for_all").right
    assert checks.check_expected_on_isolated(" B ").right
    assert checks.check_votes_needed(2.0).right
    assert checks.check_fatal_nodes(["pve7"]).status == "wrong"


def test_answers_come_from_the_library() -> None:
    # the edit really bumps the version and notes the implied wait_for_all (reference 1.5, 4.4)
    text = example_path("two-node-corosync.conf").read_text()
    result = set_two_node(text, True)
    assert any("wait_for_all" in note for note in result.notes)
    old, new = checks.edited_config_version()
    assert new == old + 1
    # the isolated HA node: the simulator accepts -e 1 and reports split brain (reference 10.19)
    assert checks.expected_on_isolated_outcome() == "b"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=6))
def test_votes_needed_agrees_with_the_simulator(votes: list[int]) -> None:
    cluster = simple_cluster(len(votes), votes=votes)
    sim = Simulator(cluster)
    sim.start(cluster.names)
    quorum = sim.view("pve1").quorum
    assert checks.check_votes_needed(quorum, votes=votes).right
    assert checks.check_votes_needed(quorum + 1, votes=votes).status == "wrong"
    # the majority rule itself: more than half of the votes, never more than all (reference 1.3)
    assert sum(votes) / 2 < quorum <= sum(votes)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=5))
def test_fatal_nodes_agree_with_the_simulator(votes: list[int]) -> None:
    cluster = simple_cluster(len(votes), votes=votes)
    fatal = []
    for name in cluster.names:
        sim = Simulator(cluster)
        sim.start(cluster.names)
        sim.crash([name])
        if not any(v.quorate for v in sim.views().values()):
            fatal.append(name)
    assert checks.check_fatal_nodes(fatal, votes=votes).right


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=2, max_value=7), st.data())
def test_lowest_expected_is_the_votes_present(nodes: int, data: st.DataObject) -> None:
    up = data.draw(st.integers(min_value=1, max_value=nodes))
    # corosync refuses N below the votes present (reference 2.2, 10.2)
    assert checks.check_lowest_expected(up, nodes=nodes, up=up).right
    if up > 1:
        assert checks.check_lowest_expected(up - 1, nodes=nodes, up=up).status == "wrong"


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=1, max_value=9))
def test_failures_survived_is_a_minority(nodes: int) -> None:
    # one-vote nodes: the survivors must keep a strict majority (reference 1.3)
    assert checks.check_failures_survived((nodes - 1) // 2, nodes=nodes).right


def test_checks_import_is_pure() -> None:
    import subprocess
    import sys

    code = (
        "import sys, pvequorum.checks\n"
        "heavy = ('matplotlib', 'ipywidgets', 'lxml', 'papermill', 'nbformat', 'subprocess')\n"
        "print(' '.join(m for m in heavy if m in sys.modules and m != 'subprocess'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
