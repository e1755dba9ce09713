"""Explain a `pvecm status` field by field, for learners who paste their own output.  PURE.

Every explanation cites its section of the reference (5.1-5.3 for the format, 1.x for the
arithmetic), and the verdict is recomputed from the numbers, so a learner sees *why* the
node is (not) quorate, not just that it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from pvequorum.status import QuorumStatus, parse_status

FLAG_MEANINGS = {
    "2Node": "two_node is set: quorum is 1 with 2 expected votes (reference 1.5)",
    "Quorate": "this partition is quorate: /etc/pve takes writes (reference 1.6, 6)",
    "WaitForAll": "wait_for_all is configured; it blocks quorum after a cold start until "
    "all nodes were seen once (reference 1.7)",
    "LastManStanding": "last_man_standing: expected votes shrink step by step after "
    "failures (reference 1.8)",
    "AutoTieBreaker": "auto_tie_breaker: in an exact 50:50 split the side with the lowest "
    "nodeid (or the named node) wins (reference 1.9)",
    "AllowDownscale": "allow_downscale is set (reference 1.10)",
    "Qdevice": "a QDevice is registered and may add votes (reference 3.1)",
    "2node": 'cman two_node="1": one vote is enough (reference 8.3)',
}


@dataclass(frozen=True)
class Explained:
    field: str
    value: str
    meaning: str


def _quorum_formula(status: QuorumStatus) -> str:
    expected = max(status.expected_votes or 0, status.highest_expected or 0)
    if "2Node" in status.flags or "2node" in status.flags:
        return "two-node mode sets it to 1 (reference 1.5, 8.3)"
    return (
        f"more than half of {expected}: {expected} // 2 + 1 = {expected // 2 + 1} (reference 1.3)"
    )


def explain(status: QuorumStatus) -> list[Explained]:
    """One row per field a learner should understand, in the order `pvecm status` prints."""
    rows: list[Explained] = []

    def add(label: str, value: object, meaning: str) -> None:
        if value is not None:
            rows.append(Explained(label, str(value), meaning))

    add("Name", status.cluster_name, "cluster_name in corosync.conf (reference 5.2)")
    add(
        "Config Version",
        status.config_version,
        "config_version of the file; every edit must raise it (reference 4.3, 4.4)",
    )
    add("Nodes", status.nodes, "nodes in this node's membership; a QDevice is not counted (5.1)")
    add(
        "Expected votes",
        status.expected_votes,
        "votes this node expects in the whole cluster: the sum of the configured votes, "
        "or what `pvecm expected` set (reference 1.2, 2.3)",
    )
    add(
        "Highest expected",
        status.highest_expected,
        "the highest expectation among the members; quorum is computed from it (1.4)",
    )
    add(
        "Total votes",
        status.total_votes,
        "votes present in this partition, QDevice included when it casts a vote (5.1)",
    )
    if status.quorum is not None:
        add("Quorum", status.quorum, "votes needed: " + _quorum_formula(status))
    verdict = "Yes" if status.quorate else "No"
    add(
        "Quorate",
        verdict,
        f"total votes {status.total_votes} "
        + (">=" if status.quorate else "<")
        + f" quorum {status.quorum}"
        + ("" if status.quorate else ": Activity blocked, /etc/pve read-only (reference 6)"),
    )
    for flag in status.flags:
        add("Flag " + flag, flag, FLAG_MEANINGS.get(flag, "see reference 1.6"))
    for member in status.members:
        if member.nodeid == 0:
            add("Member 0", member.votes, "the QDevice's row: the votes it casts (reference 5.1)")
        else:
            local = " (this node)" if member.local else ""
            add(f"Member {member.nodeid}", member.name, f"{member.votes} vote(s){local}")
    return rows


def explain_text(text: str, source: str = "<status>") -> str:
    """The explanation as plain text; a malformed status raises `StatusParseError`."""
    rows = explain(parse_status(text, source))
    width = max(len(r.field) for r in rows)
    return "\n".join(f"{r.field:<{width}}  {r.value:<6} {r.meaning}" for r in rows)
