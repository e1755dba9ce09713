"""Ask the simulator what a step will show, so that no expected number is written by hand.

Every "expected result" and every "could the other side become quorate" answer in a plan
comes from `pvequorum.simulator`, which replays the votequorum (or cman) state machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pvequorum.model import Cluster
from pvequorum.simulator import NodeView, Simulator


def running(cluster: Cluster, up: Iterable[str]) -> Simulator:
    """The cluster after it ran with every node and then lost the ones not in `up`.

    Starting all nodes first models a cluster that has been complete before, which is the
    normal history (wait_for_all has been satisfied, expected votes reached the full sum).
    """
    up = set(up)
    sim = Simulator(cluster)
    sim.start(cluster.names)
    gone = [n for n in cluster.names if n not in up]
    if gone:
        sim.stop(gone)
    return sim


def started_alone(cluster: Cluster, up: Iterable[str]) -> Simulator:
    """Only `up` start (a reboot while the others are still down): no history at all."""
    sim = Simulator(cluster)
    sim.start([n for n in cluster.names if n in set(up)])
    return sim


def after_expected(
    cluster: Cluster, up: Iterable[str], node: str, votes: int
) -> tuple[Simulator, bool]:
    """`running(...)` followed by `pvecm expected votes` on `node`; True when accepted."""
    sim = running(cluster, up)
    accepted = sim.expected(node, votes)
    return sim, accepted


def other_side_quorate(
    cluster: Cluster, up: Sequence[str], expected: Sequence[tuple[str, int]]
) -> bool:
    """Could both sides be quorate at once?

    Start everything, split it into `up` and the rest (the missing nodes coming back while
    the network is still split, or never having been down), run the plan's `expected`
    commands on the `up` side, and ask the simulator whether two partitions are quorate.
    """
    rest = [n for n in cluster.names if n not in set(up)]
    if not rest:
        return False
    sim = Simulator(cluster)
    sim.start(cluster.names)
    sim.partition([list(up), rest])
    for node, votes in expected:
        sim.expected(node, votes)
    return sim.split_brain()


def status_lines(view: NodeView, stack: str) -> tuple[str, ...]:
    """The lines of `pvecm status` this view prints (reference 5.1, 5.2; cman 5.3).

    corosync: `corosync-quorumtool -siH` labels are padded to 18 columns, `Quorum:` ends
    in two spaces when quorate, each flag is followed by a space.  cman: `cman_tool status`
    prints `Label: value` and `Quorum: %d %s` (RHCS `cman_tool/main.c` `show_status()`).
    """
    quorum = f"{view.quorum} " + (" " if view.quorate else "Activity blocked")
    if stack == "cman":
        return (
            f"Nodes: {len(view.members)}",
            f"Expected votes: {view.expected_votes}",
            f"Total votes: {view.total_votes}",
            f"Quorum: {quorum}",
        )
    return (
        f"{'Nodes:':<18}{len(view.members)}",
        f"{'Quorate:':<18}{'Yes' if view.quorate else 'No'}",
        f"{'Expected votes:':<18}{view.expected_votes}",
        f"{'Highest expected:':<18}{view.highest_expected}",
        f"{'Total votes:':<18}{view.total_votes}",
        f"{'Quorum:':<18}{quorum}",
        f"{'Flags:':<18}" + "".join(f + " " for f in view.flags),
    )
