"""Self-checks for the labs: `check_<question>(answer) -> CheckResult`.  PURE.

One module per lab; this package exports them all, so a lab imports from `pvequorum.checks`.

Every right answer is computed here from the library (the simulator, the failure analysis,
the timing model, the config editor), never typed in, so a lab cannot teach a number the
simulator disagrees with.  A wrong answer says what is wrong and gives a hint that cites the
reference section, without the solution; `...` (Ellipsis) means "not answered yet"; an
answer of the wrong type is "wrong" with a clear message, never an exception.

A lab asks some questions as predictions ("predict, then run it"): the answer is written
before the cell that runs the experiment, and the check gets the run's outcome as `observed`
and explains the difference (`pvequorum.checks.verdict`).

Imported inside a running IPython kernel, this package installs the answer guard of
`pvequorum.checks.answers`: an answer cell that fails on an undefined name (`answer =
viele`) still shows its traceback, and its check then names the undefined name instead of
saying "not yet answered".  Outside IPython the import has no side effect.
"""

from __future__ import annotations

from pvequorum.checks import answers as _answers
from pvequorum.checks.answers import UndefinedName
from pvequorum.checks.editing import (
    EDIT_ORDER,
    EDIT_STEPS,
    check_cman_reload_command,
    check_cman_validate_command,
    check_edit_steps,
    check_implied_option,
    check_new_config_version,
    edited_config_version,
)
from pvequorum.checks.expected import (
    check_expected_after_rejoin,
    check_expected_both_sides,
    check_lowest_expected,
    check_quorum_after_crash,
    check_quorum_after_expected_one,
    lowest_expected_accepted,
    quorate_partitions_after_expected_on_both_sides,
)
from pvequorum.checks.ha import (
    EXPECTED_ON_ISOLATED_CHOICES,
    check_detection_ms,
    check_expected_on_isolated,
    check_recovery_seconds,
    check_self_fence_seconds,
    expected_on_isolated_outcome,
    recovery_window,
    self_fence_window,
)
from pvequorum.checks.links import (
    PRIORITIES,
    TWO_LINKS,
    carrying_link,
    check_carrying_link,
    check_carrying_link_after_failure,
    check_link_state_after_link_down,
    check_nodes_after_both_links_down,
    check_nodes_after_link_down,
    check_quorate_after_both_links_down,
    check_simulator_decides,
    check_unreachable_pair,
    shown_for_pve2,
    simulator_decides,
    unreachable_pairs,
)
from pvequorum.checks.qdevice import (
    check_even_qdevice_dead,
    check_odd_qdevice_dead,
    check_odd_qdevice_survives,
    check_odd_qdevice_votes,
    check_quorate_after_a_node_fails_without_qnetd,
    check_total_after_qnetd_stop,
)
from pvequorum.checks.status import (
    check_status_expected_votes,
    check_status_more_failures,
    check_status_quorum,
    check_status_total_votes,
    check_two_node_flag,
    further_failures_survived,
)
from pvequorum.checks.two_node import (
    check_qdevice_split,
    check_quorate_after_a_node_fails_while_qnetd_is_down,
    check_quorate_while_qnetd_is_down,
    check_two_node_cold_start,
    check_two_node_quorum,
    check_two_node_split,
    check_two_node_with_qdevice,
)
from pvequorum.checks.verdict import NOT_ANSWERED, RIGHT, WRONG, CheckResult
from pvequorum.checks.votes import (
    check_failures_survived,
    check_fatal_nodes,
    check_votes_needed,
    failures_survived,
    fatal_single_failures,
    votes_needed,
)

__all__ = [
    "EDIT_ORDER",
    "EDIT_STEPS",
    "EXPECTED_ON_ISOLATED_CHOICES",
    "NOT_ANSWERED",
    "PRIORITIES",
    "RIGHT",
    "TWO_LINKS",
    "WRONG",
    "CheckResult",
    "UndefinedName",
    "carrying_link",
    "check_carrying_link",
    "check_carrying_link_after_failure",
    "check_cman_reload_command",
    "check_cman_validate_command",
    "check_detection_ms",
    "check_edit_steps",
    "check_even_qdevice_dead",
    "check_expected_after_rejoin",
    "check_expected_both_sides",
    "check_expected_on_isolated",
    "check_failures_survived",
    "check_fatal_nodes",
    "check_implied_option",
    "check_link_state_after_link_down",
    "check_lowest_expected",
    "check_new_config_version",
    "check_nodes_after_both_links_down",
    "check_nodes_after_link_down",
    "check_odd_qdevice_dead",
    "check_odd_qdevice_survives",
    "check_odd_qdevice_votes",
    "check_qdevice_split",
    "check_quorate_after_a_node_fails_while_qnetd_is_down",
    "check_quorate_after_a_node_fails_without_qnetd",
    "check_quorate_after_both_links_down",
    "check_quorate_while_qnetd_is_down",
    "check_quorum_after_crash",
    "check_quorum_after_expected_one",
    "check_recovery_seconds",
    "check_self_fence_seconds",
    "check_simulator_decides",
    "check_status_expected_votes",
    "check_status_more_failures",
    "check_status_quorum",
    "check_status_total_votes",
    "check_total_after_qnetd_stop",
    "check_two_node_cold_start",
    "check_two_node_flag",
    "check_two_node_quorum",
    "check_two_node_split",
    "check_two_node_with_qdevice",
    "check_unreachable_pair",
    "check_votes_needed",
    "edited_config_version",
    "expected_on_isolated_outcome",
    "failures_survived",
    "fatal_single_failures",
    "further_failures_survived",
    "lowest_expected_accepted",
    "quorate_partitions_after_expected_on_both_sides",
    "recovery_window",
    "self_fence_window",
    "shown_for_pve2",
    "simulator_decides",
    "unreachable_pairs",
    "votes_needed",
]

_answers.install()
