"""Explain a `pvecm status` field by field, for learners who paste their own output.  PURE.

Every explanation cites its section of the reference (5.1-5.3 for the format, 1.x for the
arithmetic).  The verdict is corosync's own (the `Quorate:` line, else `Activity blocked`);
the explanation compares the numbers behind it, so a learner sees *why* the node is (not)
quorate.  A partial paste is explained as far as it goes: a row whose line is missing is
left out, and an explanation that needs a missing line names it ("the paste has no 'Total
votes:' line") instead of printing None.
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


def _no_lines(labels: list[str]) -> str:
    """ "the paste has no 'Total votes:' line" (or "... no 'A:' or 'B:' line")."""
    return "the paste has no " + " or ".join(f"'{label}:'" for label in labels) + " line"


def _missing(*fields: tuple[str, int | None]) -> list[str]:
    return [label for label, value in fields if value is None]


def _quorum_formula(status: QuorumStatus) -> str:
    if "2Node" in status.flags or "2node" in status.flags:
        return "two-node mode sets it to 1 (reference 1.5, 8.3)"
    known = [v for v in (status.expected_votes, status.highest_expected) if v is not None]
    if not known:
        return (
            "more than half of the expected votes (reference 1.3); "
            + _no_lines(["Expected votes", "Highest expected"])
            + " to compute it from"
        )
    expected = max(known)
    return (
        f"more than half of {expected}: {expected} // 2 + 1 = {expected // 2 + 1} (reference 1.3)"
    )


def _quorate_meaning(status: QuorumStatus) -> str:
    """Why the partition is (not) quorate, from the votes when the paste has them."""
    blocked = ": Activity blocked, /etc/pve read-only (reference 6)"
    total, quorum = status.total_votes, status.quorum
    if total is None or quorum is None:
        missing = _missing(("Total votes", total), ("Quorum", quorum))
        said = "corosync says quorate" if status.quorate else "corosync says not quorate"
        return f"{said}; {_no_lines(missing)}, so the votes cannot be compared with the quorum" + (
            "" if status.quorate else blocked
        )
    if status.quorate == (total >= quorum):
        return (
            f"total votes {total} "
            + (">=" if status.quorate else "<")
            + f" quorum {quorum}"
            + ("" if status.quorate else blocked)
        )
    if not status.quorate and "WaitForAll" in status.flags:
        return (
            f"total votes {total} >= quorum {quorum}, but wait_for_all still blocks: after a "
            "cold start every node must have been seen once (reference 1.7)" + blocked
        )
    compared = ">=" if total >= quorum else "<"
    said = "quorate" if status.quorate else "not quorate"
    return (
        f"corosync says {said} although total votes {total} {compared} quorum {quorum}: "
        "trust corosync's verdict, and check that the paste is from one moment (reference 5.1)"
    )


def explain(status: QuorumStatus) -> list[Explained]:
    """One row per field a learner should understand, in the order `pvecm status` prints."""
    rows: list[Explained] = []

    def add(label: str, value: object, meaning: str) -> None:
        if value is not None:
            rows.append(Explained(label, str(value), meaning))

    name_source = (
        "the name attribute of <cluster> in cluster.conf (reference 5.3, 8.1)"
        if status.stack == "cman"
        else "cluster_name in /etc/pve/corosync.conf (reference 5.2)"
    )
    add("Name", status.cluster_name, name_source)
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
    add("Quorate", verdict, _quorate_meaning(status))
    for flag in status.flags:
        add("Flag " + flag, flag, FLAG_MEANINGS.get(flag, "see reference 1.6"))
    for member in status.members:
        if member.nodeid == 0:
            add("Member 0", member.votes, "the QDevice's row: the votes it casts (reference 5.1)")
        else:
            local = " (this node)" if member.local else ""
            add(
                f"Member {member.nodeid}",
                member.name,
                f"{member.votes} vote{'' if member.votes == 1 else 's'}{local}",
            )
    return rows


def explain_text(text: str, source: str = "<status>") -> str:
    """The explanation as plain text; a malformed status raises `StatusParseError`."""
    rows = explain(parse_status(text, source))
    width = max(len(r.field) for r in rows)
    return "\n".join(f"{r.field:<{width}}  {r.value:<6} {r.meaning}" for r in rows)
