"""The votequorum and cman rules, checked against the reference's worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvequorum import cman
from pvequorum import votequorum as vq
from pvequorum.model import Cluster, Node, QDevice, QuorumOptions, simple_cluster


def _expected(n: int, *, t: int, quorate: bool, two_node: bool = False, nodes: int = 1):
    return vq.check_set_expected(
        n, total_votes=t, total_nodes=nodes, quorate=quorate, two_node=two_node
    )


class TestWorkedExamples24:
    """Reference 2.4: plain config, one vote per node."""

    def test_a_two_nodes_one_down(self) -> None:
        check = _expected(1, t=1, quorate=False)
        assert check.accepted and check.new_quorum == 1
        assert _expected(2, t=1, quorate=False).new_quorum == 2  # accepted, still inquorate
        assert _expected(3, t=1, quorate=False).accepted

    @pytest.mark.parametrize(
        ("n", "accepted", "quorum"),
        [
            (1, False, None),
            (2, False, None),
            (3, True, 2),
            (4, True, 3),
            (5, True, 3),
            (6, False, None),
        ],
    )
    def test_b_five_nodes_three_up(self, n: int, accepted: bool, quorum: int | None) -> None:
        check = _expected(n, t=3, quorate=True, nodes=3)
        assert check.accepted is accepted
        if quorum is not None:
            assert check.new_quorum == quorum

    @pytest.mark.parametrize(
        ("n", "accepted", "quorum"),
        [(1, False, None), (2, True, 2), (3, True, 2), (4, True, 3), (5, True, 3)],
    )
    def test_c_five_nodes_two_up(self, n: int, accepted: bool, quorum: int | None) -> None:
        check = _expected(n, t=2, quorate=False, nodes=2)
        assert check.accepted is accepted
        if quorum is not None:
            assert check.new_quorum == quorum


@given(st.integers(1, 40), st.integers(1, 90), st.booleans())
def test_expected_range_algebra(t: int, n: int, quorate: bool) -> None:
    """Reference 2.2 algebra: quorate accepts [T, 2T-1], inquorate accepts N >= T."""
    check = _expected(n, t=t, quorate=quorate, nodes=t)
    low, high = vq.accepted_expected_range(t, quorate)
    assert check.accepted == (n >= low and (high is None or n <= high))


def test_quorum_formula_is_floor_half_plus_one() -> None:
    for x in range(0, 50):
        assert vq.quorum_formula(x, 0) == x // 2 + 1


def test_quorum_never_decreases_without_permission() -> None:
    q = vq.calculate_quorum(
        highest_expected=1,
        total_votes=1,
        total_nodes=1,
        current_quorum=3,
        allow_decrease=False,
        two_node=False,
    )
    assert q == 3  # trap 10.5
    q = vq.calculate_quorum(
        highest_expected=1,
        total_votes=1,
        total_nodes=1,
        current_quorum=3,
        allow_decrease=True,
        two_node=False,
    )
    assert q == 1


def test_two_node_quorum_is_one_only_up_to_two_nodes() -> None:
    kwargs = dict(highest_expected=3, total_votes=3, current_quorum=0, allow_decrease=False)
    assert vq.calculate_quorum(total_nodes=2, two_node=True, **kwargs) == 1
    assert vq.calculate_quorum(total_nodes=3, two_node=True, **kwargs) == 2  # trap 10.6


def test_two_vote_sums() -> None:
    """Trap 10.1: the qdevice counts for expected always, for quorum only when casting."""
    assert vq.votes_for_quorum(2, 1, qdevice_casting=False) == 2
    assert vq.votes_for_expected(2, 1) == 3


def test_flags_in_corosync_order() -> None:
    assert vq.flags(
        two_node=True,
        quorate=True,
        wait_for_all=True,
        last_man_standing=False,
        auto_tie_breaker=False,
        qdevice_registered=True,
    ) == ("2Node", "Quorate", "WaitForAll", "Qdevice")
    assert vq.flags(
        two_node=False,
        quorate=False,
        wait_for_all=False,
        last_man_standing=True,
        auto_tie_breaker=True,
        allow_downscale=True,
    ) == ("LastManStanding", "AutoTieBreaker", "AllowDownscale")


class TestAtb19:
    def test_parse(self) -> None:
        assert vq.parse_atb(1, None) == (vq.Atb.LOWEST, ())
        assert vq.parse_atb(1, "highest") == (vq.Atb.HIGHEST, ())
        assert vq.parse_atb(1, "3 1 2") == (vq.Atb.LIST, (3, 1, 2))
        assert vq.parse_atb(0, "lowest") == (vq.Atb.NONE, ())

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("lowest", (vq.Atb.LOWEST, ())),
            ("highest", (vq.Atb.HIGHEST, ())),
            ("Lowest", (vq.Atb.NONE, ())),  # strcmp: case matters
            (" lowest", (vq.Atb.NONE, ())),
            ("+2", (vq.Atb.LIST, (2,))),  # strtol takes a sign
            ("1,2", (vq.Atb.LIST, (1,))),  # strtol stops at the comma; the next call reads 0
            ("1 0 3", (vq.Atb.LIST, (1,))),  # an id 0 ends the list
            ("3 1 x 5", (vq.Atb.LIST, (3, 1))),
            ("  \t7", (vq.Atb.LIST, (7,))),  # leading C white space
            ("-1", (vq.Atb.LIST, (4294967295,))),  # unsigned int atb_nodelist[]
            ("4294967296", (vq.Atb.NONE, ())),  # atoi() is (int) strtol(): low 32 bits 0
            ("1 4294967296 2", (vq.Atb.LIST, (1, 0, 2))),  # non-zero long, stored as 0
            ("99999999999999999999999", (vq.Atb.LIST, (4294967295,))),  # LONG_MAX, clamped
            ("0 1", (vq.Atb.NONE, ())),
            ("x1", (vq.Atb.NONE, ())),
            ("", (vq.Atb.NONE, ())),
            ("٣", (vq.Atb.NONE, ())),  # only ASCII digits
        ],
    )
    def test_parse_atb_string_is_corosyncs(self, text, expected) -> None:
        """`parse_atb_string()` of exec/votequorum.c v3.1.7, case by case (reference 1.9)."""
        assert vq.parse_atb_string(text) == expected

    def test_the_list_stops_at_processor_count_max(self) -> None:
        mode, ids = vq.parse_atb_string("1 " * 500)
        assert mode is vq.Atb.LIST and len(ids) == 384

    @given(st.text(alphabet="0123456789 +-,\tx", max_size=40))
    def test_the_loaders_form_means_what_corosync_reads(self, text) -> None:
        """One home: the config loader's model value parses back to corosync's reading."""
        from pvequorum.conf.corosync import atb_node_as_corosync_reads_it

        normalised = atb_node_as_corosync_reads_it(text)
        raw = vq.parse_atb_string(text)
        if normalised is None:
            assert raw[0] is vq.Atb.NONE
        else:
            assert vq.parse_atb(1, normalised) == raw

    def test_example_four_nodes_split_two_two(self) -> None:
        """Reference 1.9 example: {1,2} keeps quorum with ATB lowest, {3,4} does not."""
        assert vq.atb_tie_applies(
            total_votes=2, expected_votes=4, previous_count=4, current_count=2, quorum=3
        )

    def test_half_minus_one_for_odd_expected(self) -> None:
        """Trap 10.8: integer expected/2, so 2 votes of 5 is the tie case, counted in nodes."""
        assert vq.atb_tie_applies(
            total_votes=2, expected_votes=5, previous_count=4, current_count=2, quorum=3
        )
        # 3 nodes left at once: the other side (3 >= quorum) might be quorate
        assert not vq.atb_tie_applies(
            total_votes=2, expected_votes=5, previous_count=5, current_count=2, quorum=3
        )

    def test_list_walk(self) -> None:
        cur, prev = frozenset({2, 3}), frozenset({1, 2, 3, 4})
        assert not vq.atb_list_grants((1, 2), cur, prev)  # 1 may be on the other side
        assert vq.atb_list_grants((2, 1), cur, prev)
        assert not vq.atb_list_grants((4,), cur, prev)
        assert vq.atb_list_grants((1, 2), cur, frozenset({2, 3}))


class TestIncompatible112:
    """Each row of reference 1.12: refuse to start (error) vs a feature disabled (warning)."""

    @pytest.mark.parametrize(
        ("options", "error"),
        [
            ({"two_node": 1, "device": QDevice(votes=1)}, "two_node and quorum device"),
            (
                {"auto_tie_breaker": 1, "last_man_standing": 1},
                "auto_tie_breaker & last_man_standing not available in odd sized cluster",
            ),
            (
                {"device": QDevice(votes=1), "last_man_standing": 1},
                "not compatible with last_man_standing",
            ),
            (
                {"device": QDevice(votes=1), "auto_tie_breaker": 1, "wait_for_all": 1},
                "not compatible with auto_tie_breaker",
            ),
            (
                {"device": QDevice(), "expected_votes": 5},
                "must be specified when quorum.expected_votes is set",
            ),
            (
                {"device": QDevice(votes=2), "expected_votes": 3},
                "too high or expected_votes is too low",
            ),
        ],
    )
    def test_startup_errors(self, options: dict, error: str) -> None:
        cfg = vq.effective_config(simple_cluster(3, **options))
        assert cfg.error is not None and error in cfg.error

    def test_device_auto_votes_need_one_vote_nodes(self) -> None:
        cfg = vq.effective_config(simple_cluster(3, votes=[2, 1, 1], device=QDevice()))
        assert cfg.error is not None and "not all nodes votes 1" in cfg.error

    def test_two_node_with_atb_disables_two_node_but_keeps_wfa(self) -> None:
        cfg = vq.effective_config(simple_cluster(2, two_node=1, auto_tie_breaker=1))
        assert cfg.error is None
        assert not cfg.two_node and cfg.wait_for_all  # trap 10.7
        assert cfg.atb is vq.Atb.LOWEST

    def test_atb_odd_without_wfa_is_disabled(self) -> None:
        cfg = vq.effective_config(simple_cluster(3, auto_tie_breaker=1))
        assert cfg.error is None and cfg.atb is vq.Atb.NONE and cfg.warnings
        # oddness is the vote sum, not the node count (trap 10.9)
        cfg = vq.effective_config(simple_cluster(3, votes=[2, 1, 1], auto_tie_breaker=1))
        assert cfg.atb is vq.Atb.LOWEST
        cfg = vq.effective_config(simple_cluster(3, auto_tie_breaker=1, wait_for_all=1))
        assert cfg.atb is vq.Atb.LOWEST

    def test_checks_come_in_readconfig_order_and_corosync_stops_at_the_first_refusal(
        self,
    ) -> None:
        cluster = simple_cluster(
            3, two_node=1, device=QDevice(), auto_tie_breaker=1, last_man_standing=1
        )
        kinds = [c.kind for c in vq.startup_checks(cluster, allow_downscale=True)]
        assert kinds == [
            vq.StartupKind.TWO_NODE_WITH_QDEVICE,
            vq.StartupKind.TWO_NODE_WITH_ATB,
            vq.StartupKind.QDEVICE_WITH_LMS,
            vq.StartupKind.QDEVICE_WITH_ATB,
            vq.StartupKind.QDEVICE_WITH_DOWNSCALE,
        ]  # WFA, autoset by two_node, keeps ATB on with 3 votes; the list goes on
        cfg = vq.effective_config(cluster, allow_downscale=True)
        assert cfg.error is not None and "two_node and quorum device" in cfg.error
        assert cfg.warnings == () and [c.kind for c in cfg.checks] == kinds[:1]

    def test_a_check_carries_corosyncs_words_its_key_and_the_reload_effect(self) -> None:
        odd = vq.STARTUP_CHECKS[vq.StartupKind.ATB_ODD]
        assert not odd.refuses and odd.key == "auto_tie_breaker"
        assert odd.message == "auto_tie_breaker is set and the cluster has an odd number of nodes."
        assert odd.also_logged[-1].startswith("Therefore auto_tie_breaker has been disabled.")
        assert "comes back once the vote sum is even" in odd.runtime
        lms = vq.STARTUP_CHECKS[vq.StartupKind.QDEVICE_WITH_LMS]
        assert lms.refuses and lms.key == "last_man_standing" and "CS_ERR_ACCESS" in lms.runtime
        assert vq.effective_config(simple_cluster(3, auto_tie_breaker=1)).warnings == (odd.message,)


_flag = st.sampled_from([None, 0, 1])


@st.composite
def _clusters(draw: st.DrawFn) -> Cluster:
    n = draw(st.integers(1, 6))
    votes = draw(st.lists(st.sampled_from([None, 1, 1, 2, 0]), min_size=n, max_size=n))
    quorum = QuorumOptions(
        expected_votes=draw(st.sampled_from([None, 1, 2, 3, 5, 8])),
        two_node=draw(_flag),
        wait_for_all=draw(_flag),
        last_man_standing=draw(_flag),
        auto_tie_breaker=draw(_flag),
        auto_tie_breaker_node=draw(
            st.sampled_from([None, "lowest", "highest", "1 3", "2", "0", "0 1"])
        ),
        device=draw(
            st.one_of(st.none(), st.builds(QDevice, votes=st.sampled_from([None, 0, 1, 2, 4])))
        ),
    )
    return Cluster("c", tuple(Node(f"n{i}", i, votes[i - 1]) for i in range(1, n + 1)), quorum)


def _readconfig(cluster: Cluster, allow_downscale: bool) -> tuple[str | None, list[str]]:
    """`votequorum_readconfig(VOTEQUORUM_READCONFIG_STARTUP)` of exec/votequorum.c (corosync
    v3.1.7, lines 1243-1564) transliterated line by line, as a test oracle: the error string
    it returns and the lines it logs on the way (CRIT and WARNING)."""
    q, log = cluster.quorum, []
    expected_votes = q.expected_votes or 0
    node_count, node_expected_votes = len(cluster.nodes), cluster.nodelist_votes
    have_qdevice = q.device is not None
    qdevice_votes = -1 if q.device is None or q.device.votes is None else q.device.votes
    two_node = q.two_node or 0
    if two_node and have_qdevice:
        return (
            "configuration error: two_node and quorum device cannot be configured at the same "
            "time!",
            log,
        )
    wait_for_all_autoset = q.wait_for_all is None
    wait_for_all = q.wait_for_all or 0
    last_man_standing = q.last_man_standing or 0
    atb, atb_string = q.auto_tie_breaker or 0, q.auto_tie_breaker_node
    if atb:
        auto_tie_breaker = vq.Atb.LOWEST
    else:
        auto_tie_breaker = vq.Atb.NONE
        if atb_string is not None:
            log.append("auto_tie_breaker_node: is meaningless if auto_tie_breaker is set to 0")
    if atb and atb_string is not None:
        auto_tie_breaker = vq.parse_atb_string(atb_string)[0]
        if auto_tie_breaker is vq.Atb.NONE:
            log.append(
                "auto_tie_breaker_nodes is not valid. It must be 'lowest', 'highest' or a "
                "space-separated list of node IDs. auto_tie_breaker is disabled"
            )
    if wait_for_all_autoset:
        wait_for_all = two_node
    if two_node and auto_tie_breaker is not vq.Atb.NONE:
        log.append("two_node and auto_tie_breaker are both specified but are not compatible.")
        log.append("two_node has been disabled, please fix your corosync.conf")
        two_node = 0
    if auto_tie_breaker is not vq.Atb.NONE and node_expected_votes % 2 and not wait_for_all:
        if last_man_standing:
            log += [
                "auto_tie_breaker is set, the cluster has an odd number of nodes",
                "and last_man_standing is also set. With this situation a better",
                "solution would be to disable LMS, leave ATB enabled, and also",
                "enable wait_for_all (mandatory for ATB in odd-numbered clusters).",
                "Due to this ambiguity, corosync will fail to start. Please fix your corosync.conf",
            ]
            return (
                "configuration error: auto_tie_breaker & last_man_standing not available in "
                "odd sized cluster",
                log,
            )
        log += [
            "auto_tie_breaker is set and the cluster has an odd number of nodes.",
            "wait_for_all needs to be set for this configuration but it is missing",
            "Therefore auto_tie_breaker has been disabled. Please fix your corosync.conf",
        ]
        auto_tie_breaker = vq.Atb.NONE
    error = "configuration error: quorum.device"
    if have_qdevice and last_man_standing:
        return f"{error} is not compatible with last_man_standing", log
    if have_qdevice and auto_tie_breaker is not vq.Atb.NONE:
        return f"{error} is not compatible with auto_tie_breaker", log
    if have_qdevice and allow_downscale:
        return f"{error} is not compatible with allow_downscale", log
    if expected_votes and have_qdevice and qdevice_votes == -1:
        return f"{error}.votes must be specified when quorum.expected_votes is set", log
    if have_qdevice and qdevice_votes == -1 and node_count != node_expected_votes:
        return f"{error}.votes must be specified when not all nodes votes 1", log
    if qdevice_votes > 0 and expected_votes and expected_votes - qdevice_votes < 2:
        return (
            "configuration error: quorum.device.votes is too high or expected_votes is too low",
            log,
        )
    return None, log


@settings(max_examples=600, deadline=None)
@given(_clusters(), st.booleans())
def test_startup_reading_is_corosyncs_line_for_line(cluster: Cluster, downscale: bool) -> None:
    """effective_config's error and the lines its checks log are those of the C function."""
    error, log = _readconfig(cluster, downscale)
    cfg = vq.effective_config(cluster, allow_downscale=downscale)
    assert cfg.error == error
    logged = [
        line
        for c in cfg.checks
        for line in (c.also_logged if c.refuses else (c.message, *c.also_logged))
    ]
    assert logged == log


class TestExpectedVotes12:
    def test_nodelist_sum_and_explicit_override(self) -> None:
        assert vq.effective_config(simple_cluster(3, votes=[2, 1, 1])).expected_votes == 4
        assert vq.effective_config(simple_cluster(3, expected_votes=7)).expected_votes == 7

    def test_qdevice_auto_votes(self) -> None:
        cfg = vq.effective_config(simple_cluster(3, device=QDevice(algorithm="lms")))
        assert (cfg.qdevice_votes, cfg.expected_votes) == (2, 5)  # reference 3.3 check

    def test_wait_for_all_follows_two_node_only_when_absent(self) -> None:
        assert vq.effective_config(simple_cluster(2, two_node=1)).wait_for_all
        assert not vq.effective_config(simple_cluster(2, two_node=1, wait_for_all=0)).wait_for_all


class TestCman:
    def test_expected_accepts_below_present_votes(self) -> None:
        """Reference 8.4: 5-node cman cluster with 3 up accepts -e 1 (quorum 2)."""
        check = cman.check_expected(1, total_votes=3, current_quorum=3)
        assert check.accepted and check.new_quorum == 2
        assert not cman.check_expected(6, total_votes=3, current_quorum=3).accepted
        assert cman.check_expected(5, total_votes=3, current_quorum=3).accepted

    def test_two_node_requirements(self) -> None:
        ok = simple_cluster(2, stack="cman", two_node=1, expected_votes=1)
        assert cman.join_error(ok, ok.nodes[0]) is None
        three = simple_cluster(3, stack="cman", two_node=1)
        assert "more than 2 nodes" in (cman.join_error(three, three.nodes[0]) or "")
        heavy = simple_cluster(2, votes=[2, 1], stack="cman", two_node=1)
        assert cman.join_error(heavy, heavy.nodes[0]) is not None

    def test_qdisk_default_votes(self) -> None:
        assert cman.qdisk_votes(simple_cluster(3, device=QDevice(model="disk"))) == 2
        assert cman.expected_votes(simple_cluster(2, expected_votes=1)) == 1
