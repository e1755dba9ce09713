"""What the evidence says, checked against the config: the one place plans learn the state.

A plan must stand on what corosync reports, not on what we recompute (issue 12).  Two jobs:

* `situation_of`: which history explains the node's `pvecm status`.  The simulator is the
  judge of what the config should produce; we try the histories an operator meets (the
  cluster ran complete and lost nodes; only these nodes started, so wait_for_all still
  blocks; expected votes were lowered at runtime) and keep the one whose simulated status
  matches the reported lines exactly.  When none does, the plan stops and shows the lines
  that disagree: the config is not what corosync runs, or the cluster is in a state we do
  not model, and no command is safe to derive from either.
* `evidence_rows`: the pre-check table, row by row, with the values compared.  A row that
  could not be checked says `not checked` and why; a manual confirmation says `manual`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pvequorum.cfgtool import LinkStatus
from pvequorum.model import Cluster
from pvequorum.procedures import simulate
from pvequorum.procedures.plan import Danger
from pvequorum.procedures.state import ClusterState, NodeStatus
from pvequorum.simulator import NodeView, Simulator

History = Literal["lost", "cold-start", "expected-lowered"]
Result = Literal["ok", "FAILED", "warning", "not checked", "manual"]

HISTORY_TEXT: dict[str, str] = {
    "lost": "the cluster ran with every node, then lost the missing ones",
    "cold-start": "only these nodes started since corosync last started (no full cluster "
    "seen yet, so wait_for_all still blocks where it is configured)",
    "expected-lowered": "expected votes were lowered at runtime (`pvecm expected`)",
}


@dataclass(frozen=True)
class Situation:
    """The history that explains the evidence; `checked` is False when no status was given
    (then `lost` is an assumption that the plan's first step verifies on the node)."""

    cluster: Cluster
    up: tuple[str, ...]
    node: str
    history: History
    checked: bool
    lowered_to: int | None = None

    def simulator(self) -> Simulator:
        """A fresh simulator in this situation (each call replays it, so callers may act)."""
        if self.history == "cold-start":
            return simulate.started_alone(self.cluster, self.up)
        sim = simulate.running(self.cluster, self.up)
        if self.history == "expected-lowered" and self.lowered_to is not None:
            sim.expected(self.node, self.lowered_to)
        return sim

    def view(self) -> NodeView:
        return self.simulator().view(self.node)

    @property
    def text(self) -> str:
        lowered = f" to {self.lowered_to}" if self.history == "expected-lowered" else ""
        return HISTORY_TEXT[self.history] + lowered


@dataclass(frozen=True)
class Mismatch:
    """The status lines the config cannot produce, for the best-matching history."""

    node: str
    lines: tuple[tuple[str, str], ...]  # (what the status says, what the config gives)

    @property
    def text(self) -> str:
        shown = "; ".join(
            f"the status says `{got}`, the config gives `{want}`" for got, want in self.lines
        )
        return (
            f"The pvecm status of {self.node} disagrees with what its config produces for "
            f"these nodes: {shown}. Either the file is not what corosync runs, or the cluster "
            "is in a state no plan can be derived from safely; find out which before acting."
        )


def _reported(status: NodeStatus, stack: str) -> dict[str, str]:
    """The comparable lines of a status, as `label: value` text (reference 5.1, 5.3)."""
    out = {"Quorate": "Yes" if status.quorate else "No"}
    for label, value in (
        ("Expected votes", status.expected_votes),
        ("Highest expected", status.highest_expected),
        ("Total votes", status.total_votes),
        ("Quorum", status.quorum),
    ):
        if value is not None:
            out[label] = str(value)
    if stack == "corosync":
        out["Flags"] = " ".join(status.flags)
    return out


def _simulated(view: NodeView, stack: str) -> dict[str, str]:
    out = {
        "Quorate": "Yes" if view.quorate else "No",
        "Expected votes": str(view.expected_votes),
        "Highest expected": str(view.highest_expected),
        "Total votes": str(view.total_votes),
        "Quorum": str(view.quorum),
    }
    if stack == "corosync":
        out["Flags"] = " ".join(view.flags)
    return out


def _differences(status: NodeStatus, view: NodeView, stack: str) -> tuple[tuple[str, str], ...]:
    want = _simulated(view, stack)
    return tuple(
        (f"{label}: {got}", f"{label}: {want[label]}")
        for label, got in _reported(status, stack).items()
        if label in want and want[label] != got
    )


def situation_of(cluster: Cluster, state: ClusterState) -> Situation | Mismatch:
    """The history whose simulation shows exactly what the run node's status reports."""
    node = state.run_node(cluster)
    up = tuple(n for n in cluster.names if n in state.up)
    status = state.status_of(node)
    if status is None:
        return Situation(cluster, up, node, "lost", checked=False)
    candidates = [
        Situation(cluster, up, node, "lost", checked=True),
        Situation(cluster, up, node, "cold-start", checked=True),
    ]
    lowered = status.expected_votes
    if lowered is not None and lowered < cluster.nodelist_votes:
        candidates.append(Situation(cluster, up, node, "expected-lowered", True, lowered))
    best: tuple[tuple[str, str], ...] | None = None
    for candidate in candidates:
        sim = candidate.simulator()
        if node not in sim.views():
            continue
        differences = _differences(status, sim.view(node), cluster.stack)
        if not differences:
            return candidate
        if best is None or len(differences) < len(best):
            best = differences
    return Mismatch(node, best or (("(no simulation)", "a running node"),))


@dataclass(frozen=True)
class EvidenceRow:
    """One pre-check row: what was compared, the result, and the values on both sides."""

    check: str
    result: Result
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "result": self.result, "detail": self.detail}


def evidence_rows(
    cluster: Cluster,
    state: ClusterState,
    situation: Situation | Mismatch,
    *,
    config_transport: str | None,
    confirmed_by: str = "",
) -> tuple[EvidenceRow, ...]:
    """The pre-check table.  Conflicts that make the status another cluster's are raised by
    `livestatus.node_status` before this runs; here is what remains to show or warn."""
    status = state.status_of(state.run_node(cluster))
    rows: list[EvidenceRow] = []
    if status is None:
        why = "no pvecm status given: the plan assumes the nodes given as up"
        for check in ("cluster name", "config version", "node set", "transport", "quorum"):
            rows.append(EvidenceRow(check, "not checked", why))
    else:
        rows += _status_rows(cluster, status, config_transport)
        if isinstance(situation, Mismatch):
            rows.append(EvidenceRow("quorum as the config gives it", "FAILED", situation.text))
        else:
            rows.append(
                EvidenceRow(
                    "quorum as the config gives it",
                    "ok" if situation.history == "lost" else "warning",
                    f"status lines match the simulation of this config: {situation.text}",
                )
            )
    for name in sorted(state.confirmed_down):
        how = f" ({confirmed_by})" if confirmed_by else " (how: not given)"
        rows.append(
            EvidenceRow(
                f"{name} powered off",
                "manual",
                f"confirmed by parameter confirmed_down{how}; cannot be checked from inside "
                "this partition: a crashed node and a cut-off one look the same from here",
            )
        )
    return tuple(rows)


def _status_rows(
    cluster: Cluster, status: NodeStatus, config_transport: str | None
) -> list[EvidenceRow]:
    rows = []
    if status.cluster_name is None:
        rows.append(EvidenceRow("cluster name", "not checked", "the status has no Name line"))
    else:
        rows.append(
            EvidenceRow(
                "cluster name", "ok", f"status {status.cluster_name}, config {cluster.name}"
            )
        )
    if status.config_version is None:
        rows.append(
            EvidenceRow("config version", "not checked", "the status has no Config Version line")
        )
    elif status.config_version == cluster.config_version:
        rows.append(EvidenceRow("config version", "ok", f"status and file {status.config_version}"))
    else:
        rows.append(
            EvidenceRow(
                "config version",
                "warning",
                f"the node's /etc/pve/corosync.conf has config_version "
                f"{status.config_version} (pvecm status prints it), the file given has "
                f"{cluster.config_version}: the file is not the cluster's current config; "
                "plans that edit the file are blocked",
            )
        )
    shown = ", ".join(
        f"{name}: id {cluster.node(name).nodeid}, shown as {printed}, config "
        f"{cluster.node(name).address or name}"
        for name, printed in status.shown_as
    )
    rows.append(EvidenceRow("node set", "ok", f"members {shown or ', '.join(status.members)}"))
    if status.transport is None:
        rows.append(EvidenceRow("transport", "not checked", "the status has no Transport line"))
    else:
        rows.append(
            EvidenceRow("transport", "ok", f"status {status.transport}, config {config_transport}")
        )
    return rows


# Plans that write corosync.conf (or cluster.conf), directly or through pvecm.
EDITING_KINDS = frozenset(
    {
        "two-node",
        "add-qdevice",
        "remove-qdevice",
        "edit-corosync",
        "separate-node",
        "add-link",
        "change-address",
    }
)


def evidence_refusal(kind: str, cluster: Cluster, state: ClusterState) -> tuple[Danger, ...]:
    """Blocking dangers when the evidence forbids the plan `kind` (empty: go on).

    * The status disagrees with what the config produces: nothing can be derived.
    * Any plan but restore-quorum assumes a cluster that ran complete; a cold start that is
      still waiting, or expected votes lowered at runtime, must be dealt with first.
    * The file's config_version differs from the one corosync runs: an edit of this file
      would start from a version corosync does not run (reference 4.3).
    """
    situation = situation_of(cluster, state)
    if isinstance(situation, Mismatch):
        return (Danger("blocking", situation.text, "5.1, 1.3"),)
    out = []
    if situation.history != "lost" and kind != "restore-quorum":
        out.append(
            Danger(
                "blocking",
                f"The status of {situation.node} shows that {situation.text}. This plan "
                "assumes a cluster that ran complete: restore quorum first (`pvequorum plan "
                "restore-quorum`, or the restore-quorum runbook), then plan again.",
                "1.7, 2.4",
            )
        )
    status = state.status_of(situation.node)
    if (
        kind in EDITING_KINDS
        and status is not None
        and status.config_version is not None
        and status.config_version != cluster.config_version
    ):
        out.append(
            Danger(
                "blocking",
                f"The /etc/pve/corosync.conf of {situation.node} has config_version "
                f"{status.config_version} (the header of its pvecm status), the file given "
                f"has {cluster.config_version}: an edit made from this file would undo "
                "changes or be ignored. Plan from the node's current /etc/pve/corosync.conf.",
                "4.3",
            )
        )
    return tuple(out)


def links_show_down(links: LinkStatus, peers: tuple[tuple[str, int], ...]) -> str | None:
    """None when every peer is listed and `disconnected` on every link; else why not.

    Fails closed: a peer the tool does not list at all, or any state other than
    `disconnected` (connected, or a state we do not know), refuses.
    """
    for name, nodeid in peers:
        states = links.states_of(nodeid)
        if not states:
            return f"corosync-cfgtool -s does not list {name} (node id {nodeid}) on any link"
        alive = [f"link {link}: {state}" for link, state in states if state != "disconnected"]
        if alive:
            return (
                f"{name} (node id {nodeid}) is said to be down, but corosync-cfgtool -s shows "
                f"{', '.join(alive)}: it is alive and reachable; lowering expected votes now "
                "would split the brain"
            )
    return None
