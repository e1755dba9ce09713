"""The rules of corosync 3 votequorum, one small pure function per rule.

Each function restates one piece of `exec/votequorum.c` (corosync v3.1.7) and cites the
section of the quorum reference (`docs/reference/`) that documents it.  The simulator
composes them; notebooks and procedures call them to explain a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pvequorum import limits
from pvequorum.cvalues import strtol
from pvequorum.model import Cluster

# Flag words of `corosync-quorumtool -s`, in the order it prints them (reference 5.1, 1.6).
FLAG_ORDER: tuple[str, ...] = (
    "2Node",
    "Quorate",
    "WaitForAll",
    "LastManStanding",
    "AutoTieBreaker",
    "AllowDownscale",
    "Qdevice",
)

DEFAULT_LMS_WINDOW_MS = 10000  # DEFAULT_LMS_WIN, reference 1.8


class Atb(Enum):
    """auto_tie_breaker modes (reference 1.9)."""

    NONE = "none"
    LOWEST = "lowest"
    HIGHEST = "highest"
    LIST = "list"


def quorum_formula(highest_expected: int, total_votes: int) -> int:
    """max((highest_expected+2)//2, (total_votes+2)//2), the OpenVMS formula (reference 1.3)."""
    return max((highest_expected + 2) // 2, (total_votes + 2) // 2)


def calculate_quorum(
    *,
    highest_expected: int,
    total_votes: int,
    total_nodes: int,
    current_quorum: int,
    allow_decrease: bool,
    two_node: bool,
) -> int:
    """New quorum threshold (reference 1.3).

    Quorum never goes down on its own (`allow_decrease` false keeps the current value as a
    floor, reference 10.5), and two_node forces 1 while at most two nodes, counting a
    vote-casting qdevice as a node, are members (reference 1.5).
    """
    newquorum = quorum_formula(highest_expected, total_votes)
    if not allow_decrease:
        newquorum = max(current_quorum, newquorum)
    if two_node and total_nodes <= 2:
        newquorum = 1
    return newquorum


def votes_for_quorum(member_votes: int, qdevice_votes: int, qdevice_casting: bool) -> int:
    """Total votes compared with quorum: qdevice only while *this* node's qdevice casts a vote.

    Reference 1.3 and trap 10.1.
    """
    return member_votes + (qdevice_votes if qdevice_casting else 0)


def votes_for_expected(member_votes: int, qdevice_votes: int) -> int:
    """Total used for the automatic increase of expected votes: the qdevice's votes always count.

    Reference 1.4 (`get_total_votes()`) and trap 10.1.
    """
    return member_votes + qdevice_votes


def raised_expected(expected: int, votes_present_for_expected: int) -> int:
    """Expected votes grows to the votes present, never shrinks by itself (reference 1.4, 10.2)."""
    return max(expected, votes_present_for_expected)


@dataclass(frozen=True)
class ExpectedCheck:
    """Outcome of `corosync-quorumtool -e N` (what `pvecm expected N` runs)."""

    accepted: bool
    new_quorum: int
    reason: str


def check_set_expected(
    requested: int,
    *,
    total_votes: int,
    total_nodes: int,
    quorate: bool,
    two_node: bool,
    current_quorum: int = 0,
) -> ExpectedCheck:
    """Validate `corosync-quorumtool -e N` on one node (reference 2.2, traps 10.2 and 10.3).

    Refused with CS_ERR_INVALID_PARAM when N is below the votes present, or when the node is
    quorate and the resulting quorum would exceed the votes present (N >= 2T).
    `total_votes` is the quorum-side total T (reference 1.3).
    """
    if requested < 1:
        return ExpectedCheck(False, current_quorum, "not a positive number (reference 2.1)")
    newquorum = calculate_quorum(
        highest_expected=requested,
        total_votes=total_votes,
        total_nodes=total_nodes,
        current_quorum=current_quorum,
        allow_decrease=True,
        two_node=two_node,
    )
    if requested < total_votes:
        return ExpectedCheck(
            False,
            newquorum,
            f"{requested} is below the {total_votes} votes present: CS_ERR_INVALID_PARAM "
            "(reference 2.2)",
        )
    if quorate and newquorum > total_votes:
        return ExpectedCheck(
            False,
            newquorum,
            f"quorum would become {newquorum} > {total_votes} votes present on a quorate node: "
            "CS_ERR_INVALID_PARAM (reference 2.2)",
        )
    return ExpectedCheck(True, newquorum, "accepted (reference 2.2)")


def accepted_expected_range(total_votes: int, quorate: bool) -> tuple[int, int | None]:
    """The N accepted by `-e N` without two_node: [T, 2T-1] when quorate, [T, inf) otherwise.

    Reference 2.2 "Algebra".  The upper bound is None when there is none.
    """
    low = max(1, total_votes)
    return (low, 2 * total_votes - 1) if quorate else (low, None)


def wait_for_all_enabled(two_node: int | None, wait_for_all: int | None) -> bool:
    """Effective wait_for_all: the explicit value, or two_node when absent (reference 1.5)."""
    if wait_for_all is None:
        return bool(two_node)
    return bool(wait_for_all)


def parse_atb(auto_tie_breaker: int | None, atb_node: str | None) -> tuple[Atb, tuple[int, ...]]:
    """Startup parse of auto_tie_breaker and auto_tie_breaker_node (`votequorum_readconfig()`,
    reference 1.9): ATB off without the flag, "lowest" without a node string."""
    if not auto_tie_breaker:
        return Atb.NONE, ()
    if atb_node is None:
        return Atb.LOWEST, ()
    return parse_atb_string(atb_node)


def parse_atb_string(text: str) -> tuple[Atb, tuple[int, ...]]:
    """corosync's `parse_atb_string()` (exec/votequorum.c, v3.1.7 lines 694-735), exactly.

    "lowest" and "highest" by `strcmp`.  Otherwise a list only when `atoi(text)` is not 0;
    glibc's `atoi` is `(int) strtol()`, so its low 32 bits decide ("+2" and "1,2" start a
    list, "4294967296" does not).  Then `strtol` reads ids until one is 0 or no number is
    left ("1,2" is [1]; "1 0 3" is [1]); each is stored in `unsigned int atb_nodelist[]`,
    so it keeps its low 32 bits ("-1" is 4294967295).  corosync writes past the end of
    that array after PROCESSOR_COUNT_MAX ids; the kit stops there.  Anything else: NONE,
    which corosync logs as invalid and which disables ATB.  The one home of this rule: the
    loader, the validator and the simulator all call it.
    """
    if text == "lowest":
        return Atb.LOWEST, ()
    if text == "highest":
        return Atb.HIGHEST, ()
    if strtol(text)[0] % 2**32 == 0:  # atoi(atb_string) == 0
        return Atb.NONE, ()
    ids: list[int] = []
    position = 0
    while len(ids) < limits.MAX_NODES:
        number, position = strtol(text, position)
        if number == 0:
            break
        ids.append(number % 2**32)
    return (Atb.LIST, tuple(ids)) if ids else (Atb.NONE, ())


def atb_list_grants(
    atb_list: tuple[int, ...], current: frozenset[int], previous: frozenset[int]
) -> bool:
    """The ATB list walk of `check_auto_tie_breaker()` (reference 1.9 point 4).

    Grant at the first list node present in our partition unless an earlier list node was in
    the previous membership; deny if no list node is present.
    """
    for i, nodeid in enumerate(atb_list):
        if nodeid in current:
            return not any(earlier in previous for earlier in atb_list[:i])
    return False


def atb_tie_applies(
    *, total_votes: int, expected_votes: int, previous_count: int, current_count: int, quorum: int
) -> bool:
    """ATB 50/50 preconditions: T == expected//2, fewer *nodes* left than quorum (1.9, 10.8)."""
    return total_votes == expected_votes // 2 and previous_count - current_count < quorum


def lms_timer_starts(
    *,
    member_count: int,
    quorum: int,
    nodes_left: bool,
    atb_on: bool,
    lowest_in_partition: bool,
) -> bool:
    """Whether a membership change (re)starts the last_man_standing timer (reference 1.8).

    Counts are node counts, not votes (trap 10.10); the ATB branch always uses the lowest-id
    test.
    """
    return (member_count >= quorum and nodes_left) or (
        member_count <= quorum and atb_on and lowest_in_partition
    )


def flags(
    *,
    two_node: bool,
    quorate: bool,
    wait_for_all: bool,
    last_man_standing: bool,
    auto_tie_breaker: bool,
    allow_downscale: bool = False,
    qdevice_registered: bool = False,
) -> tuple[str, ...]:
    """The `Flags:` words in corosync's order (reference 1.6, 5.1).

    WaitForAll shows the *configured* feature, not the waiting status.
    """
    on = (
        two_node,
        quorate,
        wait_for_all,
        last_man_standing,
        auto_tie_breaker,
        allow_downscale,
        qdevice_registered,
    )
    return tuple(word for word, set_ in zip(FLAG_ORDER, on, strict=True) if set_)


@dataclass(frozen=True)
class EffectiveConfig:
    """What votequorum makes of a config at startup (`votequorum_readconfig()`, reference 1.2-1.12).

    `error` is the startup refusal string when corosync would refuse to start; `warnings`
    are the CRIT/WARNING lines of features that get disabled instead.
    """

    own_votes: int
    expected_votes: int
    qdevice_votes: int
    two_node: bool
    wait_for_all: bool
    last_man_standing: bool
    lms_window_ms: int
    atb: Atb
    atb_list: tuple[int, ...]
    error: str | None
    warnings: tuple[str, ...]


def effective_config(cluster: Cluster, nodeid: int | None = None) -> EffectiveConfig:
    """Startup reading of the quorum section, in the order of `votequorum_readconfig()`.

    Reference 1.2 (expected votes and qdevice auto votes), 1.5 (two_node, WFA autoset, two_node
    vs ATB), 1.9 (ATB parsing and the odd-sum rule), 1.12 (incompatible combinations).
    """
    q = cluster.quorum
    warnings: list[str] = []
    error: str | None = None
    node_expected = cluster.nodelist_votes
    node_count = len(cluster.nodes)
    own = (
        cluster.nodes[0] if nodeid is None else next(n for n in cluster.nodes if n.nodeid == nodeid)
    )
    expected_cfg = q.expected_votes or 0
    device = q.device
    qdevice_votes = -1 if device is None or device.votes is None else device.votes
    two_node = bool(q.two_node)

    if two_node and device is not None:
        error = (
            "configuration error: two_node and quorum device cannot be configured at the same time!"
        )
    wfa = wait_for_all_enabled(q.two_node, q.wait_for_all)
    lms = bool(q.last_man_standing)
    lms_window = q.last_man_standing_window or DEFAULT_LMS_WINDOW_MS
    atb, atb_list = parse_atb(q.auto_tie_breaker, q.auto_tie_breaker_node)
    if q.auto_tie_breaker and atb is Atb.NONE:
        warnings.append(
            "auto_tie_breaker_nodes is not valid. It must be 'lowest', 'highest' or a "
            "space-separated list of node IDs. auto_tie_breaker is disabled"
        )
    if not q.auto_tie_breaker and q.auto_tie_breaker_node is not None:
        warnings.append("auto_tie_breaker_node: is meaningless if auto_tie_breaker is set to 0")
    if error is None and two_node and atb is not Atb.NONE:
        warnings.append("two_node and auto_tie_breaker are both specified but are not compatible.")
        two_node = False
    if error is None and atb is not Atb.NONE and node_expected % 2 and not wfa:
        if lms:
            error = (
                "configuration error: auto_tie_breaker & last_man_standing not available in "
                "odd sized cluster"
            )
        else:
            warnings.append(
                "auto_tie_breaker is set and the cluster has an odd number of nodes: "
                "auto_tie_breaker has been disabled"
            )
            atb = Atb.NONE
    if error is None and device is not None:
        if lms:
            error = "configuration error: quorum.device is not compatible with last_man_standing"
        elif atb is not Atb.NONE:
            error = "configuration error: quorum.device is not compatible with auto_tie_breaker"
        elif expected_cfg and qdevice_votes == -1:
            error = (
                "configuration error: quorum.device.votes must be specified when "
                "quorum.expected_votes is set"
            )
        elif qdevice_votes == -1 and node_count != node_expected:
            error = (
                "configuration error: quorum.device.votes must be specified when not all "
                "nodes votes 1"
            )
        elif qdevice_votes > 0 and expected_cfg and expected_cfg - qdevice_votes < 2:
            error = (
                "configuration error: quorum.device.votes is too high or expected_votes is too low"
            )
    if (
        device is not None
        and qdevice_votes == -1
        and not expected_cfg
        and node_count == node_expected
    ):
        qdevice_votes = node_expected - 1
        node_expected += qdevice_votes
    expected = expected_cfg if expected_cfg else node_expected
    return EffectiveConfig(
        own_votes=own.effective_votes,
        expected_votes=expected,
        qdevice_votes=max(qdevice_votes, 0) if device is not None else 0,
        two_node=two_node,
        wait_for_all=wfa,
        last_man_standing=lms,
        lms_window_ms=lms_window,
        atb=atb,
        atb_list=atb_list,
        error=error,
        warnings=tuple(warnings),
    )
