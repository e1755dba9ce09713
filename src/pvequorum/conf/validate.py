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
from pvequorum.conf import clusterconf, corosync, links, pve
from pvequorum.cvalues import one_line, parse_int, printable
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.timing import watchdog_margin
from pvequorum.votequorum import StartupKind, startup_checks

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
    "CQ130": ("error", "corosync refuses to start: a ringK_addr with K above 7 (4.6)"),
    "CQ131": ("error", "corosync refuses to start: several links and a node without name (4.6)"),
    "CQ132": ("error", "corosync refuses to start: a link not every node has (4.6)"),
    "CQ133": ("error", "corosync refuses to start: totem.link_mode not active/passive/rr (4.6)"),
    "CQ134": ("error", "corosync refuses to start: two address families on one link (4.6)"),
    "CQ135": ("error", "corosync refuses to start: knet_transport not udp or sctp (4.6)"),
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
    "CQ250": ("warning", "two nodes with the same address on a link (4.6)"),
    "CQ251": ("warning", "a node with the same address on two links: no redundancy (4.6)"),
    "CQ252": ("warning", "a host name instead of an IP address as a ring address (4.6)"),
    "CQ253": ("warning", "two links in the same networks on every node: no redundancy (4.6)"),
    "CQ301": ("note", "node without quorum_votes: it counts as 1 vote (1.2, 10.15)"),
    "CQ302": ("note", "two_node turns wait_for_all on when wait_for_all is absent (1.5, 1.7)"),
}

# Codes that mean "the daemon will not start with this file" (edits refuse to produce them).
REFUSES_TO_START: frozenset[str] = frozenset(
    {f"CQ1{n:02d}" for n in range(0, 13)} | {"CQ121"} | {f"CQ13{n}" for n in range(6)}
)


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
# The finding code of each check of `votequorum_readconfig()` (`votequorum.startup_checks`).
STARTUP_CODES: dict[StartupKind, str] = {
    StartupKind.TWO_NODE_WITH_QDEVICE: "CQ101",
    StartupKind.ATB_ODD_WITH_LMS: "CQ102",
    StartupKind.QDEVICE_WITH_LMS: "CQ103",
    StartupKind.QDEVICE_WITH_ATB: "CQ104",
    StartupKind.QDEVICE_VOTES_WITH_EXPECTED: "CQ105",
    StartupKind.QDEVICE_VOTES_UNEVEN: "CQ106",
    StartupKind.QDEVICE_VOTES_TOO_HIGH: "CQ107",
    StartupKind.QDEVICE_WITH_DOWNSCALE: "CQ109",
    StartupKind.TWO_NODE_WITH_ATB: "CQ201",
    StartupKind.ATB_ODD: "CQ202",
    StartupKind.ATB_NODE_INVALID: "CQ203",
    StartupKind.ATB_NODE_WITHOUT_ATB: "CQ203",
}


def startup_problems(
    cluster: Cluster, *, allow_downscale: bool = False, lines: dict[str, int] | None = None
) -> list[Finding]:
    """The reference 1.12 combinations, in the order of `votequorum_readconfig()`.

    Which checks fail is decided in one place, `votequorum.startup_checks`; this only words
    them as findings.  `error` findings (CQ101-CQ109) are what makes corosync refuse to
    start; the message quotes the string it logs.  `warning` findings are the combinations
    where corosync starts but disables a feature (CQ201 two_node, CQ202/CQ203
    auto_tie_breaker).  The first error is the one corosync reports (`effective_config`'s
    `error`); later ones are listed too, since fixing the first would reveal them.  For
    stack "cman" the rule is cman's two_node check (`cman.join_error`, 8.3).
    `allow_downscale` is not in the model, so it is a parameter.
    """
    at = lines or {}
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
    for check in startup_checks(cluster, allow_downscale=allow_downscale):
        code = STARTUP_CODES[check.kind]
        if check.refuses:
            text = (
                f"corosync refuses to start: '{check.message}'; added by a reload: "
                f"{check.runtime} (reference 1.12)"
            )
        else:
            text = _disabled_feature(check.kind, cluster)
        out.append(finding(code, text, at.get(check.key)))
    return out


def _disabled_feature(kind: StartupKind, cluster: Cluster) -> str:
    """The message of a startup check that disables a feature (reference 1.5, 1.9, 1.12)."""
    q = cluster.quorum
    if kind is StartupKind.ATB_NODE_INVALID:
        return (
            f"auto_tie_breaker_node {q.auto_tie_breaker_node!r} is not 'lowest', 'highest' "
            "or a list of node ids: corosync disables auto_tie_breaker (reference 1.9)"
        )
    if kind is StartupKind.ATB_NODE_WITHOUT_ATB:
        return "auto_tie_breaker_node is meaningless without auto_tie_breaker: 1 (reference 1.9)"
    if kind is StartupKind.TWO_NODE_WITH_ATB:
        return (
            "two_node and auto_tie_breaker: corosync starts but disables two_node (CRIT "
            "'two_node has been disabled')"
            + (
                ", and wait_for_all, implied by two_node, stays on"
                if q.wait_for_all is None
                else ""
            )
            + " (reference 1.5, 1.12)"
        )
    if kind is StartupKind.ATB_ODD:
        return (
            f"auto_tie_breaker with an odd nodelist vote sum ({cluster.nodelist_votes}) and "
            "no wait_for_all: corosync starts but disables auto_tie_breaker (reference 1.9, "
            "1.12)"
        )
    raise AssertionError(f"startup check {kind.value} has no wording")  # a new check: word it


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
    """CQ230 where `PVE::Corosync::parse_conf()` dies, CQ231 where it reads a line other than
    corosync does (reference 4.2).

    CQ230 is exactly "Perl's parse_conf dies on this file": the file goes through the
    emulation in `conf.pve`, held to a recording of the real Perl sub.  The first CQ230 is
    where and how Perl dies; later ones are where it would die next, each earlier one fixed.
    `write_conf` dying is not CQ230: on a file corosync accepts it dies only on an empty
    file (or one that is just `0`), which `parse_conf` reads as having no sections at all.

    CQ231 compares, line by line, corosync's reading with what pvecm did with the words
    starting on that line: pvecm splits the file at Perl's white space (`\\s`: space, tab,
    CR, LF, FF, VT) and cuts at any `#`, corosync strips only spaces and tabs around a key or
    value and keeps a `#` after the first character of a line."""
    reading = pve.read(doc.dump(), doc.source)
    repeats = _repeated_sections(doc) if reading.deaths else {}
    out = []
    for index, death in enumerate(reading.deaths):
        dies = "pvecm dies" if index == 0 else "pvecm dies next, once the earlier death is fixed"
        out.append(
            finding(
                "CQ230",
                f'{dies}: "{death.problem}"{_pve_why(doc, death, repeats)} (reference 4.2)',
                death.line,
            )
        )
    died = {death.line for death in reading.deaths}
    by_line: dict[int, list[pve.Event]] = {}
    for event in reading.events:
        by_line.setdefault(event.line, []).append(event)
    for index, line in enumerate(doc.lines):
        number = index + 1
        events = by_line.get(number)
        if line.kind not in ("open", "item") or number in died or not events:
            continue  # no words start here: they are the value of the key before (CQ231 there)
        message = _pve_misread(line, number, events)
        if message:
            out.append(finding("CQ231", message + " (reference 4.2)", number))
    return out


def _shown(text: str) -> str:
    return printable(text, 60)


def _repeated_sections(doc: corosync.CorosyncConf) -> dict[int, tuple[str, int]]:
    """line of a section opened again in the same parent -> (its name, the first's line)."""
    out: dict[int, tuple[str, int]] = {}
    for section in [doc.root, *doc.walk()]:
        first: dict[str, int] = {}
        for sub in section.sections:
            if sub.name in first:
                out[sub.line] = (sub.name, first[sub.name])
            first.setdefault(sub.name, sub.line)
    return out


def _pve_why(
    doc: corosync.CorosyncConf, death: pve.PveParseError, repeats: dict[int, tuple[str, int]]
) -> str:
    """Why pvecm dies there, from how corosync reads that line (empty when nothing to add)."""
    if death.line is None or not 0 < death.line <= len(doc.lines):
        return ""
    line = doc.lines[death.line - 1]
    problem = death.problem
    if problem.startswith("section '"):
        if death.line in repeats:
            name, first = repeats[death.line]
            return f" (section '{_shown(name)}' first opens at line {first})"
        return ""
    if problem.startswith("Can't use string"):
        return ": a value where pvecm needs a section (or a list of sections)"
    if not problem.startswith("missing ':'"):
        return ""
    body = line.text.strip(" \t")
    if line.kind == "open":
        head = body.split("{", 1)[0]
        if _PERL_BLANK.search(line.name):
            return ": the section name has white space in it"
        if not head or head[-1] not in pve.PERL_SPACE:
            return ": no blank before '{'"
        return ""
    if line.kind != "item":
        return ""
    key_part, _, after = body.partition(":")
    if key_part != key_part.rstrip(pve.PERL_SPACE) or not key_part:
        return ": a blank before the colon"
    if _PERL_BLANK.search(line.name):
        return ": the key has white space in it"
    if "#" in line.name:
        return ": pvecm cuts the key at its '#'"
    if after[:1] and after[:1] not in pve.PERL_SPACE:
        return ": no blank after the colon"
    if _PERL_BLANK.search(line.value):
        return ": a value with white space in it (pvecm reads one word per value)"
    return ""


def _pve_words(events: list[pve.Event]) -> str:
    """What pvecm did with the words of one line, for a message."""
    parts = []
    for event in events:
        if event.kind == "key":
            parts.append(f"'{_shown(event.name)}' = '{_shown(event.value or '')}'")
        elif event.kind == "open":
            parts.append(f"opens section '{_shown(event.name)}'")
        else:
            parts.append("closes a section")
    return ", then ".join(parts)


def _pve_misread(line: corosync.Line, number: int, events: list[pve.Event]) -> str | None:
    """The CQ231 message for a line pvecm reads other than corosync, None if it agrees."""
    first, more = events[0], events[1:]
    body = line.text.strip(" \t")
    if line.kind == "open":
        if first.kind == "open" and first.name == line.name and not more:
            return None
        if first.kind == "open" and not more:
            return (
                f"'{_shown(body)}': corosync opens section '{_shown(line.name)}', pvecm one "
                f"named '{_shown(first.name)}'"
            )
        return (
            f"'{_shown(body)}': corosync opens section '{_shown(line.name)}', pvecm reads "
            + _pve_words(events)
        )
    name, value = line.name, line.value
    same_key = first.kind == "key" and first.name == name
    if same_key and first.value == value and first.value_line == number and not more:
        return None
    shown = f"'{_shown(name)}: {_shown(value)}'"
    if "#" in body and same_key and first.value_line == number:
        return f"inline '#' in {shown}: corosync keeps it, pvecm cuts the line there as a comment"
    if same_key and first.value_line != number:
        if not value:
            return (
                f"'{_shown(name)}:' has no value: pvecm takes the next word of the file as its "
                "value"
            )
        return (
            f"{shown} has only white space as its value: corosync keeps it, pvecm takes the "
            "next word of the file as the value"
        )
    if same_key:
        then = "".join(
            f", then '{_shown(e.name)}' as another key"
            if e.kind == "key"
            else f", then {_pve_words([e])}"
            for e in more
        )
        return (
            f"{shown}: corosync keeps the value as it is, pvecm reads "
            f"'{_shown(first.value or '')}'{then}"
        )
    return f"{shown}: corosync reads key '{_shown(name)}', pvecm reads " + _pve_words(events)


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
    out += [finding(p.code, p.message, p.line) for p in links.findings(doc)]
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
