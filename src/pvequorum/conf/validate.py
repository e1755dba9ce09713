"""Findings about a config: what corosync, cman, pmxcfs and `pvecm` will do with it.

Each finding has a severity, a stable code, the line and one line of explanation citing the
reference.  `error` means the cluster will not work as written (corosync refuses to start,
pmxcfs will not distribute the file, cman refuses to join); `warning` means a feature is
silently disabled or a trap is armed; `note` is worth knowing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pvequorum import votequorum as vq
from pvequorum.conf import clusterconf, corosync
from pvequorum.model import Cluster

# code -> (severity, meaning); the note on the config issue lists these.
CODES: dict[str, tuple[str, str]] = {
    "CQ101": ("error", "corosync refuses to start: two_node with a quorum device (1.12)"),
    "CQ102": (
        "error",
        "corosync refuses to start: auto_tie_breaker + last_man_standing, odd vote sum (1.12)",
    ),
    "CQ103": ("error", "corosync refuses to start: quorum device with last_man_standing (1.12)"),
    "CQ104": ("error", "corosync refuses to start: quorum device with auto_tie_breaker (1.12)"),
    "CQ105": (
        "error",
        "corosync refuses to start: device.votes missing while expected_votes is set (1.12)",
    ),
    "CQ106": (
        "error",
        "corosync refuses to start: device.votes missing and not all nodes vote 1 (1.12)",
    ),
    "CQ107": (
        "error",
        "corosync refuses to start: device.votes too high or expected_votes too low (1.12)",
    ),
    "CQ108": ("error", "corosync refuses to start: neither a nodelist nor expected_votes (1.12)"),
    "CQ110": ("error", "cman refuses to join: two_node needs exactly 2 nodes of 1 vote (8.3)"),
    "CQ111": ("error", 'cman schema: votes="0" is invalid, votes is a positiveInteger (8.2)'),
    "CQ120": (
        "error",
        "config_version missing or not positive: pmxcfs will not distribute the file (4.3)",
    ),
    "CQ121": ("error", "duplicate node name or nodeid (1.2)"),
    "CQ201": (
        "warning",
        "two_node with auto_tie_breaker: two_node is disabled, wait_for_all stays (1.5)",
    ),
    "CQ202": (
        "warning",
        "auto_tie_breaker on an odd vote sum without wait_for_all: ATB disabled (1.9)",
    ),
    "CQ203": (
        "warning",
        "auto_tie_breaker_node not valid or meaningless without auto_tie_breaker (1.9)",
    ),
    "CQ210": (
        "warning",
        "two_node with more than 2 nodes or votes other than 1: votequorum does not check (1.5)",
    ),
    "CQ211": (
        "warning",
        "expected_votes written into the config as a permanent fix: split brain risk (2.4, 10.19)",
    ),
    "CQ212": (
        "warning",
        "two_node turns wait_for_all on: a cold start waits for both nodes (1.5, 1.7)",
    ),
    "CQ220": (
        "warning",
        "QDevice on an odd node count: discouraged, its failure leaves no tolerance (3.3)",
    ),
    "CQ230": (
        "warning",
        "Proxmox's parser cannot read this line: `pvecm` would fail on the file (4.2)",
    ),
    "CQ301": ("note", "node without quorum_votes: corosync counts it as 1 vote (1.2, 10.15)"),
}

_STARTUP_CODES = {
    "two_node and quorum device": "CQ101",
    "auto_tie_breaker & last_man_standing": "CQ102",
    "not compatible with last_man_standing": "CQ103",
    "not compatible with auto_tie_breaker": "CQ104",
    "must be specified when quorum.expected_votes is set": "CQ105",
    "must be specified when not all nodes votes 1": "CQ106",
    "too high or expected_votes is too low": "CQ107",
}


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{self.severity} {self.code}: {where}{self.message}"


def _finding(code: str, message: str, line: int | None = None) -> Finding:
    return Finding(CODES[code][0], code, line, message)


def startup_problems(cluster: Cluster, lines: dict[str, int] | None = None) -> list[Finding]:
    """Model-level rules: the reference 1.12 table (refuse to start vs feature disabled)
    and the two_node rules of votequorum (1.5) and cman (8.3)."""
    at = lines or {}
    findings: list[Finding] = []
    if cluster.stack == "cman":
        if cluster.quorum.two_node and (len(cluster.nodes) != 2 or cluster.nodelist_votes != 2):
            findings.append(
                _finding(
                    "CQ110",
                    f'two_node="1" with {len(cluster.nodes)} nodes and {cluster.nodelist_votes} '
                    "votes: cman fails with 'two_node set but there are more than 2 nodes' (8.3)",
                    at.get("two_node"),
                )
            )
        return findings
    cfg = vq.effective_config(cluster)
    if cfg.error:
        code = next((c for key, c in _STARTUP_CODES.items() if key in cfg.error), "CQ108")
        line = at.get("device") or at.get("two_node") or at.get("auto_tie_breaker")
        findings.append(_finding(code, f"corosync refuses to start: '{cfg.error}'", line))
    q = cluster.quorum
    if q.two_node and q.auto_tie_breaker and not cfg.error:
        findings.append(
            _finding(
                "CQ201",
                "two_node and auto_tie_breaker: corosync disables two_node (CRIT) and keeps "
                "wait_for_all on" + ("" if q.wait_for_all is not None else " (it was implied)"),
                at.get("two_node"),
            )
        )
    if q.auto_tie_breaker and cfg.atb is vq.Atb.NONE and not cfg.error:
        invalid = vq.parse_atb(q.auto_tie_breaker, q.auto_tie_breaker_node)[0] is vq.Atb.NONE
        code = "CQ203" if invalid else "CQ202"
        findings.append(_finding(code, "; ".join(cfg.warnings), at.get("auto_tie_breaker")))
    if q.auto_tie_breaker_node is not None and not q.auto_tie_breaker:
        findings.append(
            _finding(
                "CQ203",
                "auto_tie_breaker_node is meaningless without auto_tie_breaker: 1",
                at.get("auto_tie_breaker_node"),
            )
        )
    if q.two_node and not cfg.error:
        if len(cluster.nodes) != 2 or any(n.effective_votes != 1 for n in cluster.nodes):
            findings.append(
                _finding(
                    "CQ210",
                    f"two_node with {len(cluster.nodes)} nodes / {cluster.nodelist_votes} votes: "
                    "votequorum applies it whenever at most 2 nodes are members",
                    at.get("two_node"),
                )
            )
        if q.wait_for_all is None:
            findings.append(
                _finding(
                    "CQ212",
                    "two_node: 1 without wait_for_all: wait_for_all is on, so after a full "
                    "shutdown a node alone stays blocked until it has seen its peer",
                    at.get("two_node"),
                )
            )
    if q.expected_votes is not None:
        findings.append(
            _finding(
                "CQ211",
                f"expected_votes: {q.expected_votes} overrides the nodelist sum "
                f"{cluster.nodelist_votes}: a partition can become quorate with fewer votes "
                "than a majority of the nodes",
                at.get("expected_votes"),
            )
        )
    if q.device is not None and len(cluster.nodes) % 2:
        findings.append(
            _finding(
                "CQ220",
                f"QDevice on {len(cluster.nodes)} nodes: it gets N-1 votes; if it fails, no node "
                "may fail (Proxmox: 'not officially supported')",
                at.get("device"),
            )
        )
    return findings


def _duplicates(cluster_nodes: list[tuple[str, int, int]]) -> list[Finding]:
    findings = []
    seen_names: dict[str, int] = {}
    seen_ids: dict[int, int] = {}
    for name, nodeid, line in cluster_nodes:
        if name in seen_names:
            findings.append(_finding("CQ121", f"node name {name!r} appears twice", line))
        if nodeid in seen_ids:
            findings.append(_finding("CQ121", f"nodeid {nodeid} appears twice", line))
        seen_names.setdefault(name, line)
        seen_ids.setdefault(nodeid, line)
    return findings


def validate_corosync(doc: corosync.CorosyncConf) -> list[Finding]:
    findings: list[Finding] = []
    for index, line in enumerate(doc.lines):
        if line.kind != "item":
            continue
        number = index + 1
        body = line.text.strip()
        if " " in line.value.strip() or "\t" in line.value.strip():
            findings.append(
                _finding(
                    "CQ230",
                    f"value with spaces ({line.name}: {line.value}): "
                    "PVE's parser dies with \"missing ':' after key\"",
                    number,
                )
            )
        if not body.startswith(f"{line.name}:"):
            findings.append(
                _finding("CQ230", f"'{line.name} :' with a space before the colon", number)
            )
        elif line.value and body[len(line.name) + 1 : len(line.name) + 2] not in (" ", "\t"):
            findings.append(_finding("CQ230", f"no space after '{line.name}:'", number))
        if "#" in line.value:
            findings.append(
                _finding(
                    "CQ230",
                    "'#' inside a value: PVE's parser cuts it off as a comment, corosync keeps it",
                    number,
                )
            )
    nodes: list[tuple[str, int, int]] = []
    nodelist = doc.find("nodelist")
    for section in nodelist.all("node") if nodelist else []:
        values = doc.values(section)
        line = (section.open or 0) + 1
        name = values.get("name", values.get("ring0_addr", ("?", line)))[0]
        nodeid = values.get("nodeid", ("0", line))[0]
        nodes.append((name, int(nodeid) if nodeid.isdigit() else 0, line))
        if "quorum_votes" not in values:
            findings.append(
                _finding("CQ301", f"node {name!r} has no quorum_votes: it counts 1", line)
            )
    findings += _duplicates(nodes)
    version = doc.get("totem.config_version")
    if version is None or not version.isdigit() or int(version) <= 0:
        totem = doc.find("totem")
        findings.append(
            _finding(
                "CQ120",
                f"totem.config_version is {version!r}: pmxcfs logs 'unable to parse "
                "cluster config_version' and never copies the file",
                (totem.open + 1) if totem and totem.open is not None else None,
            )
        )
    if findings and any(f.code == "CQ121" for f in findings):
        return findings
    cluster = corosync.to_cluster(doc)
    lines = _quorum_lines(doc)
    if nodelist is None and cluster.quorum.expected_votes is None:
        findings.append(
            _finding(
                "CQ108",
                "configuration error: nodelist or quorum.expected_votes must be configured!",
            )
        )
    findings += startup_problems(cluster, lines)
    return findings


def _quorum_lines(doc: corosync.CorosyncConf) -> dict[str, int]:
    quorum = doc.find("quorum")
    if quorum is None:
        return {}
    lines = {key: line for key, (_, line) in doc.values(quorum).items()}
    device = quorum.section("device")
    if device is not None and device.open is not None:
        lines["device"] = device.open + 1
    return lines


def validate_clusterconf(doc: clusterconf.ClusterConf) -> list[Finding]:
    findings: list[Finding] = []
    root = doc.first("cluster")
    version = root.attr("config_version") if root else None
    if version is None or not version.value.isdigit() or int(version.value) <= 0:
        findings.append(
            _finding(
                "CQ120",
                "<cluster config_version> missing or not a positive integer: "
                "pmxcfs will not distribute the file",
                doc.line_of(root) if root else 1,
            )
        )
    nodes = []
    for tag in doc.all("clusternode"):
        line = doc.line_of(tag)
        votes = tag.attr("votes")
        if votes is not None and votes.value == "0":
            findings.append(
                _finding("CQ111", 'clusternode votes="0" fails ccs_config_validate', line)
            )
        nodeid = tag.attr("nodeid")
        name = tag.attr("name")
        nodes.append(
            (
                name.value if name else "?",
                int(nodeid.value) if nodeid and nodeid.value.isdigit() else 0,
                line,
            )
        )
    findings += _duplicates(nodes)
    if any(f.code == "CQ121" for f in findings) or not nodes:
        return findings
    cman = doc.first("cman")
    lines = {"two_node": doc.line_of(cman)} if cman else {}
    findings += startup_problems(clusterconf.to_cluster(doc), lines)
    return findings


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
