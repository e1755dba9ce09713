"""The labs' self-checks: right, wrong (with a hint, without the solution), unanswered, bad type."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import PROJECT

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
    ("qnetd_down_two", checks.check_quorate_while_qnetd_is_down, True, [False], "True"),
    (
        "qnetd_down_pve2",
        checks.check_quorate_after_a_node_fails_while_qnetd_is_down,
        False,
        [True],
        "False",
    ),
    ("total_without_qnetd", checks.check_total_after_qnetd_stop, 3, [5, 2], "3"),
    (
        "quorate_without_qnetd",
        checks.check_quorate_after_a_node_fails_without_qnetd,
        False,
        [True],
        "False",
    ),
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
    ("self_fence_s", checks.check_self_fence_seconds, 65, [59, 71, 120], "70"),
    ("recovery_s", checks.check_recovery_seconds, 120, [60, 70, 121], "120"),
    ("expected_on_isolated", checks.check_expected_on_isolated, "b", ["a", "c"], "(b)"),
    ("status_total", checks.check_status_total_votes, 2, [3], "2"),
    ("status_expected", checks.check_status_expected_votes, 3, [2], "3"),
    ("status_quorum", checks.check_status_quorum, 2, [1, 3], "2"),
    ("status_more_failures", checks.check_status_more_failures, 0, [1], "0"),
    ("two_node_flag", checks.check_two_node_flag, "2Node", ["Quorate", "two_node"], "2Node"),
    (
        "link0_after_link_down",
        checks.check_link_state_after_link_down,
        "disconnected",
        ["connected", "localhost"],
        "disconnected",
    ),
    (
        "link1_after_link_down",
        lambda a: checks.check_link_state_after_link_down(a, link=1),
        "connected",
        ["disconnected", "localhost"],
        "connected",
    ),
    ("nodes_after_link_down", checks.check_nodes_after_link_down, 3, [1, 2, 4], "3"),
    ("nodes_after_both_down", checks.check_nodes_after_both_links_down, 1, [0, 2, 3], "1"),
    ("quorate_after_both_down", checks.check_quorate_after_both_links_down, False, [True], "False"),
    ("carrying_link", checks.check_carrying_link, 1, [0, 2], "1"),
    ("carrying_after_failure", checks.check_carrying_link_after_failure, 0, [1, 2], "0"),
    (
        "unreachable_pair",
        checks.check_unreachable_pair,
        ["pve1", "pve3"],
        [["pve1", "pve2"], ["pve2", "pve3"], ["pve1"], "pve1 pve2 pve3"],
        "pve1 and pve3",
    ),
    ("simulator_decides", checks.check_simulator_decides, False, [True], "False"),
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
    assert result.status == "wrong"
    assert "expected a number, got the text '2': write it without quotes" in str(result)


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
        "heavy = ('matplotlib', 'ipywidgets', 'lxml', 'papermill', 'nbformat', 'subprocess',\n"
        "         'IPython')\n"
        "print(' '.join(m for m in heavy if m in sys.modules and m != 'subprocess'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# --- plural forms ------------------------------------------------------------------------------

SINGULAR_WITH_PLURAL = re.compile(
    r"(?<![\d.])1 (votes|nodes|failed nodes|expected votes|partitions|quorate partitions|"
    r"more failures|seconds|steps)\b"
)


@pytest.mark.parametrize(("name", "check", "right", "wrongs", "secret"), CASES, ids=IDS)
def test_messages_use_singular_and_plural_forms(
    name: str, check: Check, right: Any, wrongs: list[Any], secret: str
) -> None:
    answers = [right, *wrongs, *(range(0, 5) if isinstance(right, int) else [])]
    for answer in answers:
        text = str(check(answer))
        assert "(s)" not in text, (answer, text)
        assert not SINGULAR_WITH_PLURAL.search(text), (answer, text)


def test_one_vote_is_too_few_and_three_votes_too_many() -> None:
    assert str(checks.check_votes_needed(1)).startswith("✘ not yet right: 1 vote is too few: ")
    assert str(checks.check_votes_needed(3)).startswith("✘ not yet right: 3 votes is too many: ")
    assert "3 nodes always survive 1 failed node;" in str(checks.check_failures_survived(1, 3))
    assert "2 nodes always survive 0 failed nodes;" in str(checks.check_failures_survived(0, 2))
    assert "1 more failure is too many" in str(checks.check_status_more_failures(1))
    one = checks.check_expected_both_sides(1)
    assert one.message.startswith("1 quorate partition is too few")


def test_the_edit_steps_count_the_steps_in_order() -> None:
    assert "the first step is not the first one" in str(checks.check_edit_steps(list("dbeac")))
    assert "the first step is in order, the next one is not" in str(
        checks.check_edit_steps(list("bedac"))
    )
    assert "the first 2 steps are in order, the next one is not" in str(
        checks.check_edit_steps(list("bdaec"))
    )


# --- an undefined name, a wrong type -----------------------------------------------------------


@pytest.mark.parametrize(("name", "check", "right", "wrongs", "secret"), CASES, ids=IDS)
def test_an_undefined_name_is_named(
    name: str, check: Check, right: Any, wrongs: list[Any], secret: str
) -> None:
    result = check(checks.UndefinedName("viele"))
    assert result.status == "wrong", result
    assert result.message.startswith("`viele` is not defined: "), result
    assert "Hint: " in result.message and "reference " in result.message
    if isinstance(right, bool):
        assert "write True or False" in result.message
    elif isinstance(right, int):
        assert "write a number such as" in result.message
        assert not revealed(result.message.split(". Hint")[0], secret), result
    else:
        assert "quotes" in result.message


def test_an_undefined_name_for_a_number() -> None:
    result = checks.check_votes_needed(checks.UndefinedName("viele"))
    assert str(result) == (
        "✘ not yet right: `viele` is not defined: write a number such as 3. Hint: quorum is "
        "half of the expected votes, rounded down, plus one (reference 1.3)"
    )
    # the example number is never the right answer (3 expected votes)
    assert "such as 4" in str(checks.check_status_expected_votes(checks.UndefinedName("drei")))


def test_an_undefined_name_gets_the_spelling_the_type_wants() -> None:
    spelled = checks.check_two_node_cold_start(checks.UndefinedName("false"))
    assert "`false` is not defined: write True or False, with a capital letter" in str(spelled)
    text = checks.check_implied_option(checks.UndefinedName("wait_for_all"))
    assert "`wait_for_all` is not defined: put text in quotes, 'wait_for_all'" in str(text)
    names = checks.check_fatal_nodes(checks.UndefinedName("pve1"))
    assert "`pve1` is not defined: put node names in quotes, ['pve1']" in str(names)
    letter = checks.check_expected_on_isolated(checks.UndefinedName("b"))
    assert "`b` is not defined: put the letter in quotes" in str(letter)
    steps = checks.check_edit_steps(checks.UndefinedName("b"))
    assert "`b` is not defined: put each letter in quotes" in str(steps)


@pytest.mark.parametrize(
    ("check", "answer", "message"),
    [
        (checks.check_votes_needed, "zwei", "expected a number, got the text 'zwei'. Hint"),
        (checks.check_votes_needed, True, "expected a number, got the yes/no value True"),
        (checks.check_votes_needed, 2.5, "expected a whole number, got the number 2.5"),
        (checks.check_votes_needed, None, "expected a number, got None"),
        (checks.check_votes_needed, [2], "expected a number, got the list [2]"),
        (checks.check_votes_needed, object(), "expected a number, got a value of type object"),
        (checks.check_two_node_cold_start, "no", "expected True or False, got the text 'no'"),
        (checks.check_two_node_cold_start, 0, "expected True or False, got the number 0"),
        (checks.check_implied_option, 3, "expected text in quotes, got the number 3"),
        (checks.check_fatal_nodes, 3, "expected a list of node names such as ['pve9'], got"),
        (checks.check_fatal_nodes, ["pve1", 2], "expected node names in quotes, got the list"),
        (checks.check_edit_steps, 5, "expected a list of letters such as ['x', 'y'], got"),
        (checks.check_self_fence_seconds, "sixty", "expected a number, got the text 'sixty'"),
    ],
)
def test_a_wrong_type_says_what_was_expected_and_what_came(
    check: Check, answer: Any, message: str
) -> None:
    result = check(answer)
    assert result.status == "wrong" and message in result.message, result


# --- the HA timeline: a range, as in the reference ---------------------------------------------


def test_the_self_fence_window_is_the_references_60_to_70_seconds() -> None:
    from pvequorum import timing

    low, high = checks.self_fence_window()
    assert (low, high) == (60, 70)
    # watchdog-mux's client timeout plus the watchdog's, after a renewal 0..10 s before t=0
    client_and_dog = timing.CLIENT_WATCHDOG_TIMEOUT_S + timing.WATCHDOG_TIMEOUT_S
    assert (low, high) == (client_and_dog - timing.LRM_ROUND_S, client_and_dog)
    assert "some 60 to 70 s after the last lock renewal" in " ".join(
        (PROJECT / "docs" / "reference" / "ha.md").read_text().split()
    )
    readme = (PROJECT / "labs" / "06-ha-self-fencing" / "README.md").read_text()
    assert f"{low} to {high} s after the node loses quorum" in readme
    assert f"from {low} to {high}" in readme


@pytest.mark.parametrize("seconds", [60, 61, 65, 69, 70, 60.0])
def test_the_self_fence_check_accepts_the_whole_range(seconds: float) -> None:
    result = checks.check_self_fence_seconds(seconds)
    assert result.right, result
    assert "anything from 60 to 70 s is right" in result.message
    assert "'after 60 seconds'" in result.message and "reference 7" in result.message


def test_the_self_fence_check_outside_the_range() -> None:
    early = checks.check_self_fence_seconds(59)
    assert early.status == "wrong" and early.message.startswith("59 s is too early: ")
    late = checks.check_self_fence_seconds(71)
    assert late.status == "wrong" and late.message.startswith("71 s is too late: ")
    for result in (early, late):
        assert not revealed(result.message, "60") and not revealed(result.message, "70")


def test_the_recovery_check_accepts_its_range() -> None:
    assert checks.recovery_window() == (110, 120)
    assert checks.check_recovery_seconds(110).right and checks.check_recovery_seconds(120).right
    assert checks.check_recovery_seconds(109).message.startswith("109 s is too early")


# --- predictions: compared with the run --------------------------------------------------------


def _event(words: str) -> Any:
    from pvequorum.timing import ha_timeline

    return next(e for e in ha_timeline(simple_cluster(3)) if words in e.event)


# (check, a right prediction, a wrong one, the run's outcome, what the message names)
PREDICTIONS: list[tuple[str, Check, Any, Any, Any, str]] = [
    ("votes_needed", checks.check_votes_needed, 2, 1, 2, "1 vote, but the run shows 2 votes"),
    (
        "failures",
        lambda a, observed: checks.check_failures_survived(a, nodes=3, observed=observed),
        1,
        2,
        1,
        "2 failed nodes, but the run shows 1 failed node",
    ),
    ("quorum_after_crash", checks.check_quorum_after_crash, 2, 1, 2, "1 vote, but"),
    ("after_expected", checks.check_quorum_after_expected_one, 1, 2, 1, "2 votes, but"),
    ("rejoin", checks.check_expected_after_rejoin, 2, 1, 2, "1 expected vote, but"),
    ("lowest", checks.check_lowest_expected, 3, 1, 3, "1 expected vote, but the run shows 3"),
    ("both_sides", checks.check_expected_both_sides, 2, 1, 2, "1 quorate partition, but"),
    ("two_node_quorum", checks.check_two_node_quorum, 1, 2, 1, "2 votes, but the run shows 1"),
    ("cold_start", checks.check_two_node_cold_start, False, True, False, "True, but"),
    ("two_node_split", checks.check_two_node_split, 2, 1, 2, "1 quorate partition, but"),
    ("qdevice_split", checks.check_qdevice_split, 1, 2, 1, "2 quorate partitions, but"),
    ("with_qdevice", checks.check_two_node_with_qdevice, False, True, False, "True, but"),
    ("odd_votes", checks.check_odd_qdevice_votes, 2, 3, 2, "3 votes, but the run shows 2"),
    ("odd_alive", checks.check_odd_qdevice_survives, 2, 1, 2, "1 failed node, but"),
    ("odd_dead", checks.check_odd_qdevice_dead, 0, 1, 0, "1 failed node, but the run shows 0"),
    ("qnetd_two", checks.check_quorate_while_qnetd_is_down, True, False, True, "False, but"),
    (
        "qnetd_two_pve2",
        checks.check_quorate_after_a_node_fails_while_qnetd_is_down,
        False,
        True,
        False,
        "True, but",
    ),
    ("no_qnetd", checks.check_total_after_qnetd_stop, 3, 5, 3, "5 votes, but the run shows 3"),
    (
        "no_qnetd_pve3",
        checks.check_quorate_after_a_node_fails_without_qnetd,
        False,
        True,
        False,
        "True, but",
    ),
    ("even_dead", checks.check_even_qdevice_dead, 1, 0, 1, "0 failed nodes, but"),
    ("config_version", checks.check_new_config_version, 3, 2, 3, "config_version 2, but"),
    ("detection", checks.check_detection_ms, 8030, 6600, 8030, "6600 ms, but the run shows"),
    (
        "self_fence",
        checks.check_self_fence_seconds,
        62,
        50,
        _event("resets the node"),
        "50 s, but the run shows 60 to 70 s: ",
    ),
    (
        "recovery",
        checks.check_recovery_seconds,
        112,
        70,
        _event("services recovered"),
        "70 s, but the run shows 110 to 120 s",
    ),
    ("isolated", checks.check_expected_on_isolated, "b", "c", "b", "(c), but the run shows (b)"),
    ("status_total", checks.check_status_total_votes, 2, 3, 2, "3 votes, but"),
    ("status_expected", checks.check_status_expected_votes, 3, 2, 3, "2 expected votes, but"),
    ("status_quorum", checks.check_status_quorum, 2, 1, 2, "1 vote, but the run shows 2"),
    (
        "flag",
        checks.check_two_node_flag,
        "2Node",
        "Quorate",
        ("2Node", "Quorate", "WaitForAll"),
        "'Quorate', but the run shows the Flags line 2Node Quorate WaitForAll: Quorate is on",
    ),
    (
        "link_state",
        checks.check_link_state_after_link_down,
        "disconnected",
        "connected",
        "disconnected",
        "'connected', but the run shows 'disconnected'",
    ),
    (
        "nodes_link_down",
        checks.check_nodes_after_link_down,
        3,
        2,
        3,
        "2 nodes, but the run shows 3",
    ),
    (
        "nodes_both_down",
        checks.check_nodes_after_both_links_down,
        1,
        2,
        1,
        "2 nodes, but the run shows 1 node",
    ),
    ("quorate_both_down", checks.check_quorate_after_both_links_down, False, True, False, "True, "),
    ("decides", checks.check_simulator_decides, False, True, False, "True, but the run shows"),
]


@pytest.mark.parametrize(
    ("name", "check", "good", "bad", "observed", "named"),
    PREDICTIONS,
    ids=[p[0] for p in PREDICTIONS],
)
def test_a_prediction_is_compared_with_the_run(
    name: str, check: Any, good: Any, bad: Any, observed: Any, named: str
) -> None:
    right = check(good, observed=observed)
    assert right.right, right
    assert "as you predicted" in right.message or "is in that range" in right.message
    assert "please report" not in right.message
    wrong = check(bad, observed=observed)
    assert wrong.status == "wrong", wrong
    assert wrong.message.startswith("you predicted "), wrong
    assert named in wrong.message, wrong
    assert ". Why: " in wrong.message and "reference " in wrong.message
    assert check(..., observed=observed).status == "not answered"
    assert check("nonsense", observed=observed).status == "wrong"


def test_a_run_that_disagrees_with_the_simulator_says_so() -> None:
    result = checks.check_quorum_after_crash(1, observed=1)
    assert result.right  # the learner predicted what the run showed
    assert "the kit's simulator computes 2 votes here: please report the difference" in str(result)


def test_the_outcome_of_a_run_must_be_a_number() -> None:
    with pytest.raises(TypeError, match="observed"):
        checks.check_quorum_after_crash(2, observed="2")  # type: ignore[arg-type]


def test_every_check_with_an_observed_parameter_is_covered() -> None:
    import inspect

    takes = {
        name
        for name in every_check_function()
        if "observed" in inspect.signature(getattr(checks, name)).parameters
    }
    covered = {getattr(p[1], "__name__", "") for p in PREDICTIONS} | {"check_failures_survived"}
    assert takes <= covered


# --- how a failed answer cell reaches the check ------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "name", "target"),
    [
        ("answer_x = viele\n", 1, "viele", "answer_x"),
        ("answer_x = [pve1, 'pve2']\n", 1, "pve1", "answer_x"),
        ("y = 1\nanswer_q = zwei + 1\n", 2, "zwei", "answer_q"),
        ("answer_a = (\n    drei\n)\n", 2, "drei", "answer_a"),
        ("other = viele\n", 1, "viele", None),  # not an answer
        ("answer_x = f()\n", 1, "nope", None),  # the name is not in the cell's expression
        ("answer_x = y = viele\n", 1, "viele", None),  # not a plain answer assignment
        ("print(viele)\n", 1, "viele", None),
        ("answer_x = (\n", 1, "x", None),  # not Python
    ],
)
def test_the_answer_cell_is_recognised(
    source: str, line: int, name: str, target: str | None
) -> None:
    from pvequorum.checks.answers import answer_target

    assert answer_target(source, line, name) == target


@pytest.fixture
def shell(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A plain IPython shell (as in a kernel), with its profile and no history on disk."""
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    config = Config()
    config.HistoryManager.enabled = False
    shell = interactiveshell.InteractiveShell.instance(config=config)
    shell.set_custom_exc((), None)
    shell.pvequorum_answer_handler = None
    yield shell
    shell.set_custom_exc((), None)
    interactiveshell.InteractiveShell.clear_instance()


def test_an_undefined_name_in_an_answer_cell_reaches_the_check(
    shell: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from pvequorum.checks import answers

    assert answers.install(shell) and answers.install(shell)  # idempotent
    shell.run_cell("answer_x = ...")
    result = shell.run_cell("answer_x = viele")
    # the cell still fails and shows its traceback: nothing is hidden
    assert isinstance(result.error_in_exec, NameError)
    out = capsys.readouterr().out
    assert "NameError" in out and "`viele` is not defined, so answer_x is not set" in out
    assert shell.user_ns["answer_x"] == checks.UndefinedName("viele")
    check = checks.check_votes_needed(shell.user_ns["answer_x"])
    assert "`viele` is not defined: write a number such as 3" in str(check)
    # a right answer afterwards replaces it
    shell.run_cell("answer_x = 2")
    assert checks.check_votes_needed(shell.user_ns["answer_x"]).right


def test_other_name_errors_are_left_alone(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from pvequorum.checks import answers

    assert answers.install(shell)
    for cell in (
        "other = viele",  # not an answer
        "def f():\n    return nope\nanswer_y = f()",  # raised inside a function
        "answer_z = 2\nprint(undefined_thing)",  # another statement of the cell
    ):
        result = shell.run_cell(cell)
        assert isinstance(result.error_in_exec, NameError), cell
        out = capsys.readouterr().out
        assert "NameError" in out and "is not set" not in out, cell
    assert "other" not in shell.user_ns and "answer_y" not in shell.user_ns
    assert shell.user_ns["answer_z"] == 2
    # other exceptions never reach the handler
    result = shell.run_cell("answer_w = 1 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert "answer_w" not in shell.user_ns


def test_the_guard_leaves_another_handler_alone(shell: Any) -> None:
    from pvequorum.checks import answers

    def theirs(self: Any, etype: Any, value: Any, tb: Any, tb_offset: Any = None) -> None:
        return None

    shell.set_custom_exc((KeyError,), theirs)
    assert not answers.install(shell)
    assert shell.custom_exceptions == (KeyError,)


def test_the_guard_is_not_installed_outside_ipython() -> None:
    from pvequorum.checks import answers

    # pytest runs no IPython shell: the import of pvequorum.checks changed nothing
    ipython = sys.modules.get("IPython")
    if ipython is not None:
        assert ipython.get_ipython() is None
    assert answers.install() is False
