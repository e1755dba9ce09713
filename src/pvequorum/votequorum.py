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


class StartupKind(Enum):
    """Stable ids of the checks of `votequorum_readconfig()` (reference 1.12), in its order.

    The validator maps each to its finding code (`conf.validate.startup_problems`); lessons
    and tests may name them.  The value is the id as text.
    """

    TWO_NODE_WITH_QDEVICE = "two_node_with_qdevice"
    ATB_NODE_WITHOUT_ATB = "atb_node_without_atb"
    ATB_NODE_INVALID = "atb_node_invalid"
    TWO_NODE_WITH_ATB = "two_node_with_atb"
    ATB_ODD_WITH_LMS = "atb_odd_with_lms"
    ATB_ODD = "atb_odd"
    QDEVICE_WITH_LMS = "qdevice_with_lms"
    QDEVICE_WITH_ATB = "qdevice_with_atb"
    QDEVICE_WITH_DOWNSCALE = "qdevice_with_allow_downscale"
    QDEVICE_VOTES_WITH_EXPECTED = "qdevice_votes_missing_with_expected_votes"
    QDEVICE_VOTES_UNEVEN = "qdevice_votes_missing_with_uneven_votes"
    QDEVICE_VOTES_TOO_HIGH = "qdevice_votes_too_high"


@dataclass(frozen=True)
class StartupCheck:
    """One check of `votequorum_readconfig()` that a config fails (reference 1.12).

    `refuses`: corosync does not start (the quorum service fails to load with `message`,
    the string `votequorum_readconfig()` returns); otherwise it starts, logs `message` and
    disables a feature.  `also_logged` are the other lines the check logs (CRIT or WARNING;
    for a refusal, before it), without the trailing newlines of some C strings.  `key` is
    the quorum key the check is about (where a finding points), `runtime` what a reload
    that adds the combination does instead (reference 1.12, right column), and `source` the
    lines of exec/votequorum.c (corosync v3.1.7).
    """

    kind: StartupKind
    refuses: bool
    message: str
    key: str
    runtime: str
    source: str
    also_logged: tuple[str, ...] = ()


_QDEVICE_BLOCKED = "the qdevice is blocked (CS_ERR_ACCESS)"
_NOT_REREAD = "nothing: a reload reads neither auto_tie_breaker nor auto_tie_breaker_node"
_ATB_ODD_LINES = (
    "auto_tie_breaker is set and the cluster has an odd number of nodes.",
    "wait_for_all needs to be set for this configuration but it is missing",
    "Therefore auto_tie_breaker has been disabled. Please fix your corosync.conf",
)
_ATB_ODD_LMS_LINES = (
    "auto_tie_breaker is set, the cluster has an odd number of nodes",
    "and last_man_standing is also set. With this situation a better",
    "solution would be to disable LMS, leave ATB enabled, and also",
    "enable wait_for_all (mandatory for ATB in odd-numbered clusters).",
    "Due to this ambiguity, corosync will fail to start. Please fix your corosync.conf",
)


def _check(
    kind: StartupKind,
    message: str,
    key: str,
    runtime: str,
    source: str,
    also_logged: tuple[str, ...] = (),
) -> StartupCheck:
    """A check; it refuses to start exactly when its message is one of the strings
    `votequorum_readconfig()` returns, which all begin "configuration error: "."""
    refuses = message.startswith("configuration error: ")
    return StartupCheck(kind, refuses, message, key, runtime, source, also_logged)


STARTUP_CHECKS: dict[StartupKind, StartupCheck] = {
    c.kind: c
    for c in (
        _check(
            StartupKind.TWO_NODE_WITH_QDEVICE,
            "configuration error: two_node and quorum device cannot be configured at the "
            "same time!",
            "device",
            "two_node is dropped if the qdevice is registered, else the qdevice is blocked",
            "lines 1299-1314",
        ),
        _check(
            StartupKind.ATB_NODE_WITHOUT_ATB,
            "auto_tie_breaker_node: is meaningless if auto_tie_breaker is set to 0",
            "auto_tie_breaker_node",
            _NOT_REREAD,
            "lines 1330-1340 (WARNING)",
        ),
        _check(
            StartupKind.ATB_NODE_INVALID,
            "auto_tie_breaker_nodes is not valid. It must be 'lowest', 'highest' or a "
            "space-separated list of node IDs. auto_tie_breaker is disabled",
            "auto_tie_breaker_node",
            _NOT_REREAD,
            "line 1342, parse_atb_string() lines 694-735 (WARNING)",
        ),
        _check(
            StartupKind.TWO_NODE_WITH_ATB,
            "two_node and auto_tie_breaker are both specified but are not compatible.",
            "two_node",
            "the same: two_node, read again, is disabled again",
            "lines 1375-1379 (CRIT)",
            ("two_node has been disabled, please fix your corosync.conf",),
        ),
        _check(
            StartupKind.ATB_ODD_WITH_LMS,
            "configuration error: auto_tie_breaker & last_man_standing not available in odd "
            "sized cluster",
            "auto_tie_breaker",
            "the reload's votes and expected votes are not applied",
            "lines 1385-1397",
            _ATB_ODD_LMS_LINES,
        ),
        _check(
            StartupKind.ATB_ODD,
            _ATB_ODD_LINES[0],
            "auto_tie_breaker",
            "the same: auto_tie_breaker is disabled, and comes back once the vote sum is even",
            "lines 1385-1405 (CRIT)",
            _ATB_ODD_LINES[1:],
        ),
        _check(
            StartupKind.QDEVICE_WITH_LMS,
            "configuration error: quorum.device is not compatible with last_man_standing",
            "last_man_standing",
            _QDEVICE_BLOCKED,
            "lines 1415-1424",
        ),
        _check(
            StartupKind.QDEVICE_WITH_ATB,
            "configuration error: quorum.device is not compatible with auto_tie_breaker",
            "auto_tie_breaker",
            _QDEVICE_BLOCKED,
            "lines 1426-1435",
        ),
        _check(
            StartupKind.QDEVICE_WITH_DOWNSCALE,
            "configuration error: quorum.device is not compatible with allow_downscale",
            "allow_downscale",
            _QDEVICE_BLOCKED,
            "lines 1437-1446",
        ),
        _check(
            StartupKind.QDEVICE_VOTES_WITH_EXPECTED,
            "configuration error: quorum.device.votes must be specified when "
            "quorum.expected_votes is set",
            "device",
            _QDEVICE_BLOCKED,
            "lines 1453-1462",
        ),
        _check(
            StartupKind.QDEVICE_VOTES_UNEVEN,
            "configuration error: quorum.device.votes must be specified when not all nodes votes 1",
            "device",
            _QDEVICE_BLOCKED,
            "lines 1469-1481",
        ),
        _check(
            StartupKind.QDEVICE_VOTES_TOO_HIGH,
            "configuration error: quorum.device.votes is too high or expected_votes is too low",
            "device",
            _QDEVICE_BLOCKED,
            "lines 1487-1499",
        ),
    )
}


def startup_checks(cluster: Cluster, *, allow_downscale: bool = False) -> tuple[StartupCheck, ...]:
    """Every check of `votequorum_readconfig()` that `cluster` fails, in the function's order.

    The one home of the startup rules (reference 1.12, also 1.5 and 1.9): `effective_config`
    takes its refusal and warnings from here and `conf.validate.startup_problems` only turns
    these into findings.  exec/votequorum.c (corosync v3.1.7) lines 1243-1564:

    * corosync stops at the first refusal (`goto out`), so it logs only the warnings before
      it; this list goes on past a refusal, with the state the code had reached, because
      fixing the first refusal would reveal the next ones;
    * the wait_for_all autoset (line 1368, `wait_for_all = two_node` when the key is absent)
      happens before two_node is disabled by ATB, so WFA stays on (trap 10.7); the ATB
      checks after line 1385 see ATB as parsed, then as disabled for an odd vote sum;
    * `quorum.device.votes` absent is the C value -1 (uint32 0xffffffff), which the model's
      vote limit (2**31 - 1) keeps apart from any real value, so `expected - votes` below is
      the same in C's int arithmetic;
    * line 1282, "nodelist or quorum.expected_votes must be configured!", cannot fail on a
      `Cluster` (it always has a node): `conf.validate` checks it on the file (CQ108).  The
      ev_tracking file (line 1352) is machine state, not config, and is not modelled.

    `allow_downscale` is not in the model, so it is a parameter.  For a cman cluster cman's
    own rule applies instead (`cman.join_error`, reference 8.3).
    """
    q = cluster.quorum
    found: list[StartupCheck] = []

    def fails(kind: StartupKind) -> None:
        found.append(STARTUP_CHECKS[kind])

    device = q.device
    node_count = len(cluster.nodes)
    node_expected = cluster.nodelist_votes
    expected = q.expected_votes or 0
    device_votes = -1 if device is None or device.votes is None else device.votes
    if q.two_node and device is not None:
        fails(StartupKind.TWO_NODE_WITH_QDEVICE)
    if not q.auto_tie_breaker and q.auto_tie_breaker_node is not None:
        fails(StartupKind.ATB_NODE_WITHOUT_ATB)
    atb, _ = parse_atb(q.auto_tie_breaker, q.auto_tie_breaker_node)
    if q.auto_tie_breaker and atb is Atb.NONE:
        fails(StartupKind.ATB_NODE_INVALID)
    wait_for_all = wait_for_all_enabled(q.two_node, q.wait_for_all)
    if q.two_node and atb is not Atb.NONE:
        fails(StartupKind.TWO_NODE_WITH_ATB)
    if atb is not Atb.NONE and node_expected % 2 and not wait_for_all:
        if q.last_man_standing:
            fails(StartupKind.ATB_ODD_WITH_LMS)
        else:
            fails(StartupKind.ATB_ODD)
            atb = Atb.NONE
    if device is not None:
        if q.last_man_standing:
            fails(StartupKind.QDEVICE_WITH_LMS)
        if atb is not Atb.NONE:
            fails(StartupKind.QDEVICE_WITH_ATB)
        if allow_downscale:
            fails(StartupKind.QDEVICE_WITH_DOWNSCALE)
        if expected and device_votes == -1:
            fails(StartupKind.QDEVICE_VOTES_WITH_EXPECTED)
        if device_votes == -1 and node_count != node_expected:
            fails(StartupKind.QDEVICE_VOTES_UNEVEN)
        if device_votes > 0 and expected and expected - device_votes < 2:
            fails(StartupKind.QDEVICE_VOTES_TOO_HIGH)
    return tuple(found)


def reached_checks(checks: tuple[StartupCheck, ...]) -> tuple[StartupCheck, ...]:
    """The checks corosync itself gets to: up to and with the first refusal (`goto out`)."""
    for i, check in enumerate(checks):
        if check.refuses:
            return checks[: i + 1]
    return checks


@dataclass(frozen=True)
class EffectiveConfig:
    """What votequorum makes of a config at startup (`votequorum_readconfig()`, reference 1.2-1.12).

    `error` is the startup refusal string when corosync would refuse to start; `warnings`
    are the CRIT/WARNING lines of features that get disabled instead, as far as corosync
    gets (the first line of each check; `checks` has them whole).
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
    checks: tuple[StartupCheck, ...] = ()


def effective_config(
    cluster: Cluster, nodeid: int | None = None, *, allow_downscale: bool = False
) -> EffectiveConfig:
    """Startup reading of the quorum section, in the order of `votequorum_readconfig()`.

    Reference 1.2 (expected votes and qdevice auto votes), 1.5 (two_node, WFA autoset, two_node
    vs ATB), 1.9 (ATB parsing and the odd-sum rule), 1.12 (incompatible combinations).  Which
    checks fail is decided once, in `startup_checks`; here they take effect as corosync
    applies them: the first refusal is `error` and ends the reading, the warnings before it
    disable two_node or ATB.
    """
    q = cluster.quorum
    checks = reached_checks(startup_checks(cluster, allow_downscale=allow_downscale))
    kinds = {c.kind for c in checks}
    error = next((c.message for c in checks if c.refuses), None)
    node_expected = cluster.nodelist_votes
    node_count = len(cluster.nodes)
    own = (
        cluster.nodes[0] if nodeid is None else next(n for n in cluster.nodes if n.nodeid == nodeid)
    )
    expected_cfg = q.expected_votes or 0
    device = q.device
    qdevice_votes = -1 if device is None or device.votes is None else device.votes
    atb, atb_list = parse_atb(q.auto_tie_breaker, q.auto_tie_breaker_node)
    if StartupKind.ATB_ODD in kinds:
        atb = Atb.NONE
    if (
        device is not None
        and qdevice_votes == -1
        and not expected_cfg
        and node_count == node_expected
    ):
        # line 1505: the device's votes default to the nodes' votes minus one (reference 1.2)
        qdevice_votes = node_expected - 1
        node_expected += qdevice_votes
    expected = expected_cfg if expected_cfg else node_expected
    return EffectiveConfig(
        own_votes=own.effective_votes,
        expected_votes=expected,
        qdevice_votes=max(qdevice_votes, 0) if device is not None else 0,
        two_node=bool(q.two_node) and StartupKind.TWO_NODE_WITH_ATB not in kinds,
        wait_for_all=wait_for_all_enabled(q.two_node, q.wait_for_all),
        last_man_standing=bool(q.last_man_standing),
        lms_window_ms=q.last_man_standing_window or DEFAULT_LMS_WINDOW_MS,
        atb=atb,
        atb_list=atb_list,
        error=error,
        warnings=tuple(c.message for c in checks if not c.refuses),
        checks=checks,
    )
