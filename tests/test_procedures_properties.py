"""Property: no plan lowers expected votes below the votes present or lets two disjoint
partitions both become quorate.  Checked by running each plan's `pvecm expected` steps
through the simulator (reference 2.2, 10.2, 10.19)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pvequorum.model import Cluster, Node, QuorumOptions
from pvequorum.procedures import ClusterState, Facts, PlanInput, PveVersion, build_plan, simulate
from pvequorum.simulator import Simulator


@st.composite
def situations(draw):
    n = draw(st.integers(1, 7))
    votes = draw(st.lists(st.sampled_from([None, 1, 1, 1, 2, 3]), min_size=n, max_size=n))
    stack = draw(st.sampled_from(["corosync", "cman"]))
    nodes = tuple(Node(f"pve{i + 1}", i + 1, v) for i, v in enumerate(votes))
    quorum = {}
    if n == 2 and draw(st.booleans()):
        quorum["two_node"] = 1
        if stack == "cman":
            quorum["expected_votes"] = 1
    if stack == "corosync" and draw(st.booleans()):
        quorum["wait_for_all"] = draw(st.sampled_from([0, 1]))
    cluster = Cluster("lab", nodes, QuorumOptions(**quorum), stack=stack)
    names = list(cluster.names)
    up = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    missing = [x for x in names if x not in up]
    down = draw(st.lists(st.sampled_from(missing), unique=True)) if missing else []
    ha = draw(st.booleans())
    version = "3.4" if stack == "cman" else draw(st.sampled_from(["4.4", "6.4", "8.2"]))
    kind = draw(st.sampled_from(["restore-quorum", "separate-node", "maintenance"]))
    node = draw(st.sampled_from(up))
    return cluster, up, down, ha, version, kind, node


def _votes_present(cluster, up, node):
    return simulate.running(cluster, up).views()[node].total_votes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_expected_steps_are_safe(situation):
    cluster, up, down, ha, version, kind, node = situation
    state = ClusterState.build(cluster, up=up, confirmed_down=down)
    inp = PlanInput(cluster, state, PveVersion.parse(version), Facts(ha))
    try:
        plan = build_plan(kind, inp, node=node)
    except Exception as exc:  # only input refusals are allowed
        from pvequorum.errors import InputError

        assert isinstance(exc, InputError)
        return
    if plan.blocked:
        assert not any(s.changes_state for s in plan.steps)
        assert plan.expected_steps == ()
    for where, n in plan.expected_steps:
        # the partition the command runs in: the nodes up, minus a node being separated
        part = [x for x in up if not (kind == "separate-node" and x == node)]
        assert where in part
        assert n >= _votes_present(cluster, part, where), "below the votes present"
        # Worst case: every missing node that is not confirmed down runs on the other
        # side of a network split; confirmed-down nodes are off.
        sim = Simulator(cluster)
        sim.start(cluster.names)
        rest = [x for x in cluster.names if x not in part]
        if rest:
            sim.partition([part, rest])
        off = [x for x in down if x in rest]
        if kind == "separate-node":
            off.append(node)  # the plan stops corosync there and runs pmxcfs -l (4.4)
        if off:
            sim.crash(off)
        assert sim.expected(where, n), "the daemon would refuse it"
        assert sim.views()[where].quorate, "it would not restore quorum"
        assert not sim.split_brain(), "two partitions quorate at once"
