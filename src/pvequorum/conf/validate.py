"""Findings about a config: what corosync, cman, pmxcfs and `pvecm` will do with it.

Each finding has a severity, a stable code, the 1-based line (when one line is to blame)
and one line of explanation that cites the reference.  `error`: the cluster will not work
as written (corosync or cman refuses to start, pmxcfs will not distribute the file);
`warning`: a feature is silently disabled or a trap is armed; `note`: worth knowing.

`startup_problems()` is the pure reference-1.12 table on a `Cluster`; `validate_cluster()`
adds the other model-level rules, so other modules can check a `Cluster` without text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pvequorum import cman
from pvequorum.conf import clusterconf, corosync, pve
from pvequorum.cvalues import one_line, parse_int, printable
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.timing import watchdog_margin
from pvequorum.votequorum import parse_atb

Severity = str  # "error" | "warning" | "note"

# code -> (severity, meaning).  Stable: tests, docs and other modules refer to these codes.
CODES: dict[str, tuple[Severity, str]] = {
    "CQ100": ("error", "corosync refuses to start: its parser rejects this value (coroparse.c)"),
    "CQ101": ("error", "corosync refuses to start: two_node with a quorum device (1.12)"),
    "CQ102": (
        "error",
        "corosync refuses to start: ATB + LMS on an odd vote sum without WFA (1.12)",
    ),
    "CQ103": ("error", "corosync refuses to start: quorum device with last_man_standing (1.12)"),
    "CQ104": ("error", "corosync refuses to start: quorum device with auto_tie_breaker (1.12)"),
    "CQ105": (
        "error",
        "corosync refuses to start: expected_votes set, device.votes missing (1.12)",
    ),
    "CQ106": ("error", "corosync refuses to start: device.votes missing, a node votes != 1 (1.12)"),
    "CQ107": ("error", "corosync refuses to start: expected_votes - device.votes < 2 (1.12)"),
    "CQ108": ("error", "corosync refuses to start: neither a nodelist nor expected_votes (1.12)"),
    "CQ109": ("error", "corosync refuses to start: quorum device with allow_downscale (1.12)"),
    "CQ110": ("error", "cman refuses to start: two_node needs exactly 2 nodes of 1 vote (8.3)"),
    "CQ111": ("error", 'cman: votes="0" fails the schema (positiveInteger) (8.1, 8.2)'),
    "CQ112": ("error", "cman cannot read a value: not an integer, or name/nodeid missing (8.2)"),
    "CQ120": (
        "error",
        "config_version missing or not positive: pmxcfs will not copy it (4.3, 8.1)",
    ),
    "CQ121": ("error", "duplicate node name or nodeid (1.2)"),
    "CQ122": ("warning", "pmxcfs reads another config_version than corosync (first match) (4.3)"),
    "CQ201": ("warning", "two_node with auto_tie_breaker: two_node is disabled (1.5, 1.12)"),
    "CQ202": ("warning", "auto_tie_breaker on an odd vote sum without wait_for_all: ATB off (1.9)"),
    "CQ203": ("warning", "auto_tie_breaker_node invalid, or set without auto_tie_breaker (1.9)"),
    "CQ210": ("warning", "votequorum two_node with more than 2 nodes or votes != 1 (1.5, 10.6)"),
    "CQ211": ("warning", "expected_votes written into the config: split brain risk (1.2, 2.4)"),
    "CQ212": ("warning", 'cman two_node="1" without expected_votes="1" (8.3)'),
    "CQ220": ("warning", "QDevice on an odd node count: not supported by Proxmox (3.3)"),
    "CQ221": ("warning", "ffsplit needs device votes 1 and every node at 1 vote (3.2)"),
    "CQ230": ("warning", "Proxmox's parser dies on this: `pvecm` cannot read the file (4.2)"),
    "CQ231": ("warning", "Proxmox's parser reads a different value here than corosync (4.2)"),
    "CQ240": (
        "warning",
        "token plus consensus leaves too little margin under the HA watchdog (7, 9)",
    ),
    "CQ301": ("note", "node without quorum_votes: it counts as 1 vote (1.2, 10.15)"),
    "CQ302": ("note", "two_node turns wait_for_all on when wait_for_all is absent (1.5, 1.7)"),
}

# Codes that mean "the daemon will not start with this file" (edits refuse to produce them).
REFUSES_TO_START: frozenset[str] = frozenset({f"CQ1{n:02d}" for n in range(0, 13)} | {"CQ121"})


@dataclass(frozen=True)
class Finding:
    """One problem or hint: severity, stable code, 1-based line (or None), one-line message."""

    severity: Severity
    code: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{self.severity} {self.code}: {where}{self.message}"

    @property
    def refuses_to_start(self) -> bool:
        return self.code in REFUSES_TO_START


def finding(code: str, message: str, line: int | None = None) -> Finding:
    """A finding; control characters and undecodable bytes quoted from the file are escaped
    in its message (`cvalues.printable`), so that it always prints as one line."""
    return Finding(CODES[code][0], code, line, one_line(message))


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    return any(f.severity == "error" for f in findings)


# --- reference 1.12: refuses to start vs feature disabled --------------------------------
def startup_problems(
    cluster: Cluster, *, allow_downscale: bool = False, lines: dict[str, int] | None = None
) -> list[Finding]:
    """The reference 1.12 combinations, in the order of `votequorum_readconfig()`.

    `error` findings (CQ101-CQ109) are what makes corosync refuse to start; the message
    quotes the string it logs.  `warning` findings are the combinations where corosync
    starts but disables a feature (CQ201 two_node, CQ202/CQ203 auto_tie_breaker).  The
    first error is the one corosync reports; later ones are listed too, since fixing the
    first would reveal them.  For stack "cman" the rule is cman's two_node check (8.3).
    `allow_downscale` is not in the model, so it is a parameter.
    """
    at = lines or {}
    q = cluster.quorum
    out: list[Finding] = []
    if cluster.stack == "cman":
        # cman's own rule (cman.join_error, the one home); it is checked on each node
        refusals: dict[str, list[str]] = {}
        for node in cluster.nodes:
            reason = cman.join_error(cluster, node)
            if reason is not None:
                refusals.setdefault(reason, []).append(node.name)
        for reason, names in refusals.items():
            out.append(
                finding(
                    "CQ110",
                    f'cman refuses to start on {", ".join(names)}: two_node="1" with '
                    f"{len(cluster.nodes)} nodes and {cluster.nodelist_votes} votes: "
                    f"'{reason}' (reference 8.3)",
                    at.get("two_node"),
                )
            )
        return out

    def refuse(code: str, text: str, key: str, runtime: str) -> None:
        out.append(
            finding(
                code,
                f"corosync refuses to start: 'configuration error: {text}'; "
                f"added by a reload: {runtime} (reference 1.12)",
                at.get(key),
            )
        )

    device = q.device
    device_votes = None if device is None else device.votes
    node_count = len(cluster.nodes)
    node_expected = cluster.nodelist_votes
    expected = q.expected_votes or 0
    if q.two_node and device is not None:
        refuse(
            "CQ101",
            "two_node and quorum device cannot be configured at the same time!",
            "device",
            "two_node is dropped if the qdevice is registered, else the qdevice is blocked",
        )
    wait_for_all = bool(q.two_node) if q.wait_for_all is None else bool(q.wait_for_all)
    atb = parse_atb(q.auto_tie_breaker, q.auto_tie_breaker_node)[0].value  # "none", "list", ...
    if q.auto_tie_breaker and atb == "none":
        out.append(
            finding(
                "CQ203",
                f"auto_tie_breaker_node {q.auto_tie_breaker_node!r} is not 'lowest', 'highest' "
                "or a list of node ids: corosync disables auto_tie_breaker (reference 1.9)",
                at.get("auto_tie_breaker_node"),
            )
        )
    if not q.auto_tie_breaker and q.auto_tie_breaker_node is not None:
        out.append(
            finding(
                "CQ203",
                "auto_tie_breaker_node is meaningless without auto_tie_breaker: 1 (reference 1.9)",
                at.get("auto_tie_breaker_node"),
            )
        )
    if q.two_node and atb != "none":
        out.append(
            finding(
                "CQ201",
                "two_node and auto_tie_breaker: corosync starts but disables two_node (CRIT "
                "'two_node has been disabled')"
                + (
                    ", and wait_for_all, implied by two_node, stays on"
                    if q.wait_for_all is None
                    else ""
                )
                + " (reference 1.5, 1.12)",
                at.get("two_node"),
            )
        )
    if atb != "none" and node_expected % 2 and not wait_for_all:
        if q.last_man_standing:
            refuse(
                "CQ102",
                "auto_tie_breaker & last_man_standing not available in odd sized cluster",
                "auto_tie_breaker",
                "the reload's votes and expected votes are not applied",
            )
        else:
            out.append(
                finding(
                    "CQ202",
                    f"auto_tie_breaker with an odd nodelist vote sum ({node_expected}) and no "
                    "wait_for_all: corosync starts but disables auto_tie_breaker "
                    "(reference 1.9, 1.12)",
                    at.get("auto_tie_breaker"),
                )
            )
            atb = "none"
    blocked = "the qdevice is blocked (CS_ERR_ACCESS)"
    if device is not None:
        if q.last_man_standing:
            refuse(
                "CQ103",
                "quorum.device is not compatible with last_man_standing",
                "last_man_standing",
                blocked,
            )
        if atb != "none":
            refuse(
                "CQ104",
                "quorum.device is not compatible with auto_tie_breaker",
                "auto_tie_breaker",
                blocked,
            )
        if allow_downscale:
            refuse(
                "CQ109",
                "quorum.device is not compatible with allow_downscale",
                "allow_downscale",
                blocked,
            )
        if expected and device_votes is None:
            refuse(
                "CQ105",
                "quorum.device.votes must be specified when quorum.expected_votes is set",
                "device",
                blocked,
            )
        if device_votes is None and node_count != node_expected:
            refuse(
                "CQ106",
                "quorum.device.votes must be specified when not all nodes votes 1",
                "device",
                blocked,
            )
        if device_votes and expected and expected - device_votes < 2:
            refuse(
                "CQ107",
                "quorum.device.votes is too high or expected_votes is too low",
                "device",
                blocked,
            )
    return out


def _watchdog_findings(cluster: Cluster, at: dict[str, int]) -> list[Finding]:
    """A membership change blocks every LRM's lock renewal; the watchdog resets HA nodes
    60 s after the last one (reference 7, 9, 12.3; `timing.watchdog_margin`)."""
    margin = watchdog_margin(cluster)
    if not margin.too_close:
        return []
    return [
        finding(
            "CQ240",
            f"with {len(cluster.nodes)} configured nodes a membership change takes about "
            f"{margin.membership_ms / 1000:.1f} s (token plus consensus), more than half the "
            "HA watchdog's 60 s: with HA, a slower change can reset every node at once; lower "
            "totem.token_coefficient (pve-cluster 9.1.0 writes 125 into new clusters) or the "
            "token (reference 7, 9, 12.3)",
            at.get("token_coefficient", at.get("token")),
        )
    ]


def validate_cluster(
    cluster: Cluster, *, allow_downscale: bool = False, lines: dict[str, int] | None = None
) -> list[Finding]:
    """All model-level rules: reference 1.12 plus two_node, expected_votes, QDevice, votes."""
    at = lines or {}
    q = cluster.quorum
    out = startup_problems(cluster, allow_downscale=allow_downscale, lines=at)
    n = len(cluster.nodes)
    if cluster.stack == "cman":
        for node in cluster.nodes:
            if node.votes == 0:
                out.append(
                    finding(
                        "CQ111",
                        f'clusternode {node.name} votes="0": ccs_config_validate rejects it '
                        '(positiveInteger); pvecm never writes it, "cman does not like '
                        'votes=0" (reference 8.1, 8.2)',
                        at.get(f"node:{node.name}"),
                    )
                )
        if q.two_node and q.expected_votes != 1:
            out.append(
                finding(
                    "CQ212",
                    f'two_node="1" needs expected_votes="1" on <cman> (cman(5), schema), got '
                    f"{q.expected_votes if q.expected_votes is not None else 'none'} "
                    "(reference 8.3)",
                    at.get("two_node"),
                )
            )
    else:
        if q.two_node and (n != 2 or any(node.effective_votes != 1 for node in cluster.nodes)):
            out.append(
                finding(
                    "CQ210",
                    f"two_node: 1 with {n} nodes and {cluster.nodelist_votes} votes: votequorum "
                    "does not check it and gives quorum 1 whenever at most 2 nodes are members "
                    "(cman would refuse to start) (reference 1.5, 10.6)",
                    at.get("two_node"),
                )
            )
        if q.two_node and q.wait_for_all is None:
            out.append(
                finding(
                    "CQ302",
                    "two_node: 1 without wait_for_all turns wait_for_all on: after a full "
                    "shutdown a node alone stays inquorate until it has seen its peer "
                    "(reference 1.5, 1.7)",
                    at.get("two_node"),
                )
            )
        for node in cluster.nodes:
            if node.votes is None:
                out.append(
                    finding(
                        "CQ301",
                        f"node {node.name} has no quorum_votes: corosync counts it as 1 "
                        "(reference 1.2, 10.15)",
                        at.get(f"node:{node.name}"),
                    )
                )
    cman_two_node = cluster.stack == "cman" and q.two_node and q.expected_votes == 1
    if q.expected_votes is not None and not cman_two_node:  # cman(5) requires that one (8.3)
        if q.expected_votes < cluster.nodelist_votes:
            risk = (
                f"below the nodelist sum {cluster.nodelist_votes}: a minority partition can be "
                "quorate, split brain risk"
            )
        else:
            risk = (
                f"pins expected votes (nodelist sum {cluster.nodelist_votes}); it goes stale "
                "when nodes are removed, and is a split brain risk as soon as it is lowered"
            )
        out.append(
            finding(
                "CQ211",
                f"expected_votes {q.expected_votes} written into the config as a permanent fix "
                f"{risk}; use `pvecm expected` at runtime only (reference 1.2, 2.4, 10.19)",
                at.get("expected_votes"),
            )
        )
    if cluster.stack == "corosync":
        out += _watchdog_findings(cluster, at)
    device = q.device
    if device is not None and device.model == "net":
        if n % 2:
            out.append(
                finding(
                    "CQ220",
                    f"QDevice on {n} nodes (odd): Proxmox refuses without --force; it gets N-1 "
                    "votes and if it fails no node may fail (reference 3.3)",
                    at.get("device"),
                )
            )
        if device.algorithm == "ffsplit" and (
            device.votes not in (None, 1)
            or any(node.effective_votes != 1 for node in cluster.nodes)
            or (device.votes is None and n > 2)
        ):
            out.append(
                finding(
                    "CQ221",
                    "ffsplit: corosync-qdevice refuses unless quorum.device.votes is 1 and every "
                    f"node has 1 vote (device votes {device.votes}) (reference 3.2)",
                    at.get("device"),
                )
            )
    return out


# --- corosync.conf -------------------------------------------------------------------------
_PERL_BLANK = re.compile(f"[{pve.PERL_SPACE}]")


def _pve_hazards(doc: corosync.CorosyncConf) -> list[Finding]:
    """Lines `PVE::Corosync::parse_conf()` dies on or reads differently (reference 4.2).

    pvecm splits the file at Perl's white space (`\\s`: space, tab, CR, LF, FF, VT), while
    corosync strips only spaces and tabs around a key or value: a VT, FF or lone CR inside
    a value is data to corosync and a word break to pvecm."""
    out: list[Finding] = []
    seen: dict[tuple[int, str], int] = {}
    for section in [doc.root, *doc.walk()]:
        for sub in section.sections:
            key = (id(section), sub.name)
            if sub.name not in pve.ARRAY_SECTIONS and key in seen:
                out.append(
                    finding(
                        "CQ230",
                        f"section '{sub.name}' appears again (first at line {seen[key]}): "
                        f"pvecm dies \"section '{sub.name}' already exists and not marked as "
                        'array!" (reference 4.2)',
                        sub.line,
                    )
                )
            seen.setdefault(key, sub.line)
    for index, line in enumerate(doc.lines):
        if line.kind not in ("open", "item"):
            continue
        number = index + 1
        body = line.text.strip(" \t")
        if line.kind == "open":
            head = body[: body.index("{")]
            if _PERL_BLANK.search(line.name):
                out.append(
                    finding(
                        "CQ230",
                        f"section name '{line.name}': pvecm dies (\"missing ':' after key "
                        f"'{pve.tokens(head)[0]}'\") (reference 4.2)",
                        number,
                    )
                )
            elif ":" in line.name:
                out.append(
                    finding(
                        "CQ230",
                        f"section name '{line.name}': pvecm dies (\"missing ':' after key\") "
                        "(reference 4.2)",
                        number,
                    )
                )
            elif head.strip(" \t") != line.name:
                out.append(
                    finding(
                        "CQ231",
                        f"'{body}': corosync opens section '{line.name}', pvecm one named "
                        f"'{head.strip(pve.PERL_SPACE)}' (reference 4.2)",
                        number,
                    )
                )
            elif not head or head[-1] not in pve.PERL_SPACE:
                out.append(
                    finding(
                        "CQ230",
                        f"'{body}' has no blank before '{{': pvecm dies \"missing ':' after "
                        f"key '{pve.tokens(body)[0]}'\" (reference 4.2)",
                        number,
                    )
                )
        if line.kind != "item":
            continue
        colon = body.index(":")
        key_part, after = body[:colon], body[colon + 1 :]
        if "#" in line.value or "#" in key_part:
            out.append(
                finding(
                    "CQ231",
                    f"inline '#' in '{line.name}: {line.value}': corosync keeps it, pvecm cuts "
                    "the line there as a comment (reference 4.2)",
                    number,
                )
            )
            continue
        if key_part != key_part.rstrip(pve.PERL_SPACE) or not key_part:
            out.append(
                finding(
                    "CQ230",
                    f"'{line.name} :' (blank before the colon): pvecm dies \"missing ':' after "
                    f"key '{(pve.tokens(key_part) or [''])[0]}'\" (reference 4.2)",
                    number,
                )
            )
        elif _PERL_BLANK.search(line.name):
            out.append(
                finding(
                    "CQ230",
                    f"key '{line.name}' with a blank: pvecm dies (reference 4.2)",
                    number,
                )
            )
        elif not line.value:
            out.append(
                finding(
                    "CQ231",
                    f"'{line.name}:' has no value: pvecm takes the next word of the file as its "
                    "value (reference 4.2)",
                    number,
                )
            )
        elif after[:1] not in tuple(pve.PERL_SPACE):
            out.append(
                finding(
                    "CQ230",
                    f"no blank after '{line.name}:': pvecm dies \"missing ':' after key "
                    f"'{pve.tokens(body)[0]}'\" (reference 4.2)",
                    number,
                )
            )
        elif _PERL_BLANK.search(line.value):
            out.append(_blank_in_value(line.name, line.value, number))
    if not any(f.code == "CQ230" for f in out):
        try:
            pve.parse_conf(doc.dump(), doc.source)
        except InputError as exc:
            out.append(finding("CQ230", f'pvecm dies: "{exc.problem}" (reference 4.2)'))
    return out


def _blank_in_value(name: str, value: str, number: int) -> Finding:
    """A value with Perl white space in it: pvecm dies at its second word, unless that word
    is a key itself (then it reads one more key); white space only at its ends, pvecm reads
    the value without it; white space only, it takes the next word of the file."""
    words = pve.tokens(value)
    if len(words) > 1 and not words[1].endswith(":"):
        return finding(
            "CQ230",
            f"value with blanks ('{name}: {value}'): pvecm dies \"missing ':' after key "
            f"'{words[1]}'\" (reference 4.2)",
            number,
        )
    if not words:
        return finding(
            "CQ231",
            f"'{name}: {value}' has only white space as its value: corosync keeps it, pvecm "
            "takes the next word of the file as the value (reference 4.2)",
            number,
        )
    more = f", then '{words[1]}' as another key" if len(words) > 1 else ""
    return finding(
        "CQ231",
        f"'{name}: {value}': corosync keeps the value as it is, pvecm reads "
        f"'{words[0]}'{more} (reference 4.2)",
        number,
    )


def _duplicates(entries: list[tuple[str | None, str | None, int]]) -> list[Finding]:
    out: list[Finding] = []
    names: dict[str, int] = {}
    ids: dict[str, int] = {}
    for name, nodeid, line in entries:
        if name is not None and name in names:
            out.append(
                finding(
                    "CQ121", f"node name {name!r} also at line {names[name]} (reference 1.2)", line
                )
            )
        if nodeid is not None and nodeid in ids:
            out.append(
                finding(
                    "CQ121", f"nodeid {nodeid} also at line {ids[nodeid]} (reference 1.2)", line
                )
            )
        if name is not None:
            names.setdefault(name, line)
        if nodeid is not None:
            ids.setdefault(nodeid, line)
    return out


def _normal_id(value: str | None) -> str | None:
    if value is None:
        return None
    number = corosync.parse_int(value)
    return str(number) if number is not None else value


def corosync_lines(doc: corosync.CorosyncConf) -> dict[str, int]:
    """Where the quorum keys, the device and each node are, for findings' line numbers."""
    at = {k: line for k, (_, line) in doc.merged("quorum").items()}
    devices = doc.sections("quorum.device")
    if devices:
        at["device"] = devices[0].line
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        name = values.get("name", values.get("ring0_addr", ("", 0)))[0]
        at.setdefault(f"node:{name}", section.line)
    return at


def validate_corosync(doc: corosync.CorosyncConf) -> list[Finding]:
    """Every finding for a corosync.conf, each with its line when one line is to blame."""
    out = [
        finding("CQ100", f"corosync refuses to start: '{msg}'", line)
        for line, msg in corosync.value_problems(doc)
    ]
    nodes = doc.sections("nodelist.node")
    entries = []
    for section in nodes:
        values = doc.values(section)
        name = values.get("name", values.get("ring0_addr", (None, 0)))[0]
        entries.append((name, _normal_id(values.get("nodeid", (None, 0))[0]), section.line))
    out += _duplicates(entries)
    version = doc.get("totem.config_version")
    number = corosync.parse_int(version) if version is not None else None
    if number is None or number <= 0:
        totem = doc.find("totem")
        shown = "absent" if version is None else f"'{printable(version, 40)}'"
        out.append(
            finding(
                "CQ120",
                f"totem.config_version is {shown}: pmxcfs logs 'unable to parse cluster "
                "config_version' and never copies the file to /etc/corosync (reference 4.3)",
                doc.line_of("totem.config_version") or (totem.line if totem else None),
            )
        )
    first = re.search(r"config_version\s*:\s*([0-9]+)", doc.dump(), re.ASCII)
    first_number = parse_int(first.group(1)) if first else None
    if first and number is not None and number > 0 and first_number != number:
        out.append(
            finding(
                "CQ122",
                f"pmxcfs takes the first 'config_version: {first.group(1)}' in the file (line "
                f"{doc.dump().count(chr(10), 0, first.start()) + 1}), corosync uses {number}: "
                "version checks and copies go by the wrong number (reference 4.3)",
                doc.dump().count("\n", 0, first.start()) + 1,
            )
        )
    expected = doc.get("quorum.expected_votes")
    if not nodes and not corosync.parse_int(expected or "0"):
        out.append(
            finding(
                "CQ108",
                "corosync refuses to start: 'configuration error: nodelist or "
                "quorum.expected_votes must be configured!' (reference 1.2, 1.12)",
            )
        )
    out += _pve_hazards(doc)
    if not any(f.code in ("CQ100", "CQ121") for f in out) and nodes:
        try:
            cluster = corosync.to_cluster(doc)
        except InputError:
            cluster = None
        if cluster is not None:
            raw_atb = doc.get("quorum.auto_tie_breaker_node")
            if raw_atb is not None and cluster.quorum.auto_tie_breaker_node is None:
                out.append(
                    finding(
                        "CQ203",
                        f"auto_tie_breaker_node {raw_atb!r} is not 'lowest', 'highest' or a list "
                        "of node ids: corosync ignores it"
                        + (
                            " and disables auto_tie_breaker"
                            if doc.get("quorum.auto_tie_breaker") not in (None, "0")
                            else ""
                        )
                        + " (reference 1.9)",
                        doc.line_of("quorum.auto_tie_breaker_node"),
                    )
                )
            downscale = corosync.parse_int(doc.get("quorum.allow_downscale") or "0")
            out += validate_cluster(
                cluster, allow_downscale=bool(downscale), lines=corosync_lines(doc)
            )
    return _sorted(out)


def _sorted(findings: list[Finding]) -> list[Finding]:
    order = {"error": 0, "warning": 1, "note": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.line or 0, f.code))


# --- cluster.conf --------------------------------------------------------------------------
def validate_clusterconf(doc: clusterconf.ClusterConf) -> list[Finding]:
    """Every finding for a cman cluster.conf."""
    out: list[Finding] = []
    root = doc.root
    version = root.get("config_version")
    if clusterconf.positive_version(version) is None:
        shown = "absent" if version is None else f"'{printable(version, 40)}'"
        out.append(
            finding(
                "CQ120",
                f"<cluster config_version> is {shown}, not a positive integer: pmxcfs will "
                "not copy the file to /etc/cluster (reference 8.1, 4.3)",
                doc.line_of(root),
            )
        )
    entries = []
    at: dict[str, int] = {}
    for element in doc.all("clusternode"):
        line = doc.line_of(element)
        entries.append((element.get("name"), _normal_id(element.get("nodeid")), line))
        at.setdefault(f"node:{element.get('name')}", line)
    out += _duplicates(entries)
    cman = root.find("cman")
    if cman is not None:
        at["two_node"] = at["expected_votes"] = doc.line_of(cman)
    quorumd = root.find("quorumd")
    if quorumd is not None:
        at["device"] = doc.line_of(quorumd)
    if not entries:
        out.append(
            finding(
                "CQ112",
                "no <clusternode>: cman cannot find the local node and does not start "
                "(reference 8.2)",
                doc.line_of(root),
            )
        )
    if not any(f.code == "CQ121" for f in out) and entries:
        try:
            cluster = clusterconf.to_cluster(doc)
        except InputError as exc:
            # Only a ConfigParseError carries a line; any other InputError has none.
            error_line = exc.line if isinstance(exc, corosync.ConfigParseError) else None
            out.append(
                finding(
                    "CQ112", f"cman cannot read this: {exc.problem} (reference 8.2)", error_line
                )
            )
            cluster = None
        if cluster is not None:
            out += validate_cluster(cluster, lines=at)
    return _sorted(out)


def validate_document(doc: corosync.CorosyncConf | clusterconf.ClusterConf) -> list[Finding]:
    if isinstance(doc, clusterconf.ClusterConf):
        return validate_clusterconf(doc)
    return validate_corosync(doc)


def validate_text(text: str, source: str = "<config>") -> list[Finding]:
    """Parse (either format) and validate; parse errors raise `ConfigParseError`."""
    from pvequorum.conf import parse_document

    return validate_document(parse_document(text, source))
