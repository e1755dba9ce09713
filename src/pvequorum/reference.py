"""The section ids of the kit's quorum reference (`docs/reference/`) and how to cite them.

Every rule in the kit cites a section such as "(reference 1.13, 4.4)".  `SECTIONS` maps each
id to the page that documents it and the section's title; `tests/test_reference.py` keeps
this table, the anchors in the pages and the citations in the code in sync.  Pure: no I/O.
"""

from __future__ import annotations

import re

__all__ = [
    "SECTIONS",
    "UPSTREAM",
    "citation_ids",
    "citation_spans",
    "link",
    "linkify",
    "resolve",
]

_ADMIN_GUIDE = "https://pve.proxmox.com/pve-docs/pve-admin-guide.html"
_MAN = "https://manpages.debian.org/bookworm"

ADMIN_GUIDE = _ADMIN_GUIDE
PVECM_DOC = f"{_ADMIN_GUIDE}#_cluster_manager"
HA_DOC = f"{_ADMIN_GUIDE}#chapter_ha_manager"
QDEVICE_DOC = f"{_ADMIN_GUIDE}#_corosync_external_vote_support"
COROSYNC_CONF_DOC = f"{_ADMIN_GUIDE}#_corosync_configuration"
VOTEQUORUM_5 = f"{_MAN}/corosync/votequorum.5.en.html"
COROSYNC_CONF_5 = f"{_MAN}/corosync/corosync.conf.5.en.html"
QUORUMTOOL_8 = f"{_MAN}/corosync/corosync-quorumtool.8.en.html"
QDEVICE_8 = f"{_MAN}/corosync-qdevice/corosync-qdevice.8.en.html"
CFGTOOL_8 = f"{_MAN}/corosync/corosync-cfgtool.8.en.html"
CMAP_KEYS_7 = f"{_MAN}/corosync/cmap_keys.7.en.html"

# The only upstream documents the reference links to.
ALLOWED_URLS: frozenset[str] = frozenset(
    {
        ADMIN_GUIDE,
        PVECM_DOC,
        HA_DOC,
        QDEVICE_DOC,
        COROSYNC_CONF_DOC,
        VOTEQUORUM_5,
        COROSYNC_CONF_5,
        QUORUMTOOL_8,
        QDEVICE_8,
        CFGTOOL_8,
        CMAP_KEYS_7,
    }
)

# id -> (page in docs/reference/, title); the heading of each section is "<id> <title>".
SECTIONS: dict[str, tuple[str, str]] = {
    "0": ("index.md", "Sources and versions"),
    # votequorum
    "1": ("votequorum.md", "votequorum arithmetic"),
    "1.1": ("votequorum.md", "State the simulator must model"),
    "1.2": ("votequorum.md", "Where expected_votes comes from"),
    "1.3": ("votequorum.md", "The quorum formula"),
    "1.4": ("votequorum.md", "Highest expected and the automatic increase"),
    "1.5": ("votequorum.md", "two_node"),
    "1.6": ("votequorum.md", "Flags and display bits"),
    "1.7": ("votequorum.md", "wait_for_all"),
    "1.8": ("votequorum.md", "last_man_standing (LMS)"),
    "1.9": ("votequorum.md", "auto_tie_breaker (ATB) and auto_tie_breaker_node"),
    "1.10": ("votequorum.md", "allow_downscale (AD)"),
    "1.11": ("votequorum.md", "expected_votes_tracking (EVT)"),
    "1.12": ("votequorum.md", "Incompatible combinations: what corosync does"),
    "1.13": ("votequorum.md", "What a reload changes"),
    "1.14": ("votequorum.md", "Reference pseudo-code"),
    "1.15": ("votequorum.md", "Log lines the simulator may emit"),
    # expected votes
    "2": ("expected-votes.md", "Changing expected votes at runtime"),
    "2.1": ("expected-votes.md", "corosync-quorumtool -e N"),
    "2.2": ("expected-votes.md", "Validation in the daemon"),
    "2.3": ("expected-votes.md", "pvecm expected N"),
    "2.4": ("expected-votes.md", "Worked examples"),
    # QDevice
    "3": ("qdevice.md", "QDevice"),
    "3.1": ("qdevice.md", "The corosync side (votequorum)"),
    "3.2": ("qdevice.md", "Algorithms"),
    "3.3": ("qdevice.md", "How Proxmox sets it up"),
    "3.4": ("qdevice.md", "The same set-up in the lab"),
    # Proxmox corosync.conf
    "4": ("proxmox-corosync-conf.md", "Proxmox corosync.conf"),
    "4.1": ("proxmox-corosync-conf.md", "What pvecm create writes"),
    "4.2": ("proxmox-corosync-conf.md", "PVE's parser"),
    "4.3": ("proxmox-corosync-conf.md", "How /etc/pve/corosync.conf reaches corosync"),
    "4.4": ("proxmox-corosync-conf.md", "Documented safe editing procedure"),
    "4.5": ("proxmox-corosync-conf.md", "corosync's own reader"),
    "4.6": ("proxmox-corosync-conf.md", "Links in corosync.conf"),
    "4.7": ("proxmox-corosync-conf.md", "Adding a link, changing addresses"),
    # output formats
    "5": ("output-formats.md", "Output formats"),
    "5.1": ("output-formats.md", "corosync-quorumtool -s"),
    "5.2": ("output-formats.md", "pvecm status"),
    "5.3": ("output-formats.md", "cman era pvecm status (cman_tool status)"),
    "5.4": ("output-formats.md", "corosync-cfgtool -s, -n, -b"),
    "5.5": ("output-formats.md", "corosync-qdevice-tool -s/-sv and corosync-qnetd-tool -l/-lv"),
    # pmxcfs, HA
    "6": ("pmxcfs.md", "pmxcfs (/etc/pve) and quorum"),
    "7": ("ha.md", "HA and quorum"),
    # cman
    "8": ("cman.md", "cman era (Proxmox VE 2.x/3.x)"),
    "8.1": ("cman.md", "Files and flow"),
    "8.2": ("cman.md", "XML structure (RelaxNG schema)"),
    "8.3": ("cman.md", "cman quorum rules"),
    "8.4": ("cman.md", "cman_tool expected -e N validation"),
    "8.5": ("cman.md", "Documented change procedure (cman era)"),
    # timing
    "9": ("timing.md", "Timing"),
    # traps
    "10": ("traps.md", "Traps a simulator gets wrong"),
    "10.1": ("traps.md", "Two different vote sums"),
    "10.2": ("traps.md", "Expected votes only goes up by itself"),
    "10.3": ("traps.md", "A quorate node also rejects -e N when N >= 2T"),
    "10.4": ("traps.md", "A runtime -e does not survive a reload"),
    "10.5": ("traps.md", "Quorum never decreases on membership loss"),
    "10.6": ("traps.md", "two_node gives quorum 1 even with both nodes up"),
    "10.7": ("traps.md", "wait_for_all arms again on every quorum loss"),
    "10.8": ("traps.md", "The ATB 50/50 test"),
    "10.9": ("traps.md", "The ATB odd-size check uses the nodelist vote sum"),
    "10.10": ("traps.md", "LMS recalculates with the member count"),
    "10.11": ("traps.md", "Startup-only options"),
    "10.12": ("traps.md", "Incompatibilities are split"),
    "10.13": ("traps.md", "The QDevice 50/50 choice is deterministic"),
    "10.14": ("traps.md", "How PVE writes and parses corosync.conf"),
    "10.15": ("traps.md", "pvecm add --votes 0 omits quorum_votes"),
    "10.16": ("traps.md", "When pmxcfs copies corosync.conf"),
    "10.17": ("traps.md", "Output details"),
    "10.18": ("traps.md", "The effective token grows with the configured node count"),
    "10.19": ("traps.md", "The HA self-fence is driven by failed lock renewal"),
    "10.20": ("traps.md", "cman differs"),
    # measured on real daemons
    "11": ("real-daemon.md", "Checking a config with the real daemon"),
    "12": ("real-daemon.md", "Measured on real daemons: QDevice, faults, logs"),
    "12.1": ("real-daemon.md", "QDevice behaviour"),
    "12.2": ("real-daemon.md", "What corosync 3.1.7 logs for common faults"),
    "12.3": ("real-daemon.md", "Proxmox VE 9 and later corosync"),
    "12.4": ("real-daemon.md", "knet links"),
    # diagnosis from evidence
    "13": ("diagnosis.md", "Diagnosis from evidence"),
    "13.1": ("diagnosis.md", "Healthy"),
    "13.2": ("diagnosis.md", "Node down"),
    "13.3": ("diagnosis.md", "Crash or partition"),
    "13.4": ("diagnosis.md", "Partition"),
    "13.5": ("diagnosis.md", "Split brain"),
    "13.6": ("diagnosis.md", "No quorum"),
    "13.7": ("diagnosis.md", "Wait for all"),
    "13.8": ("diagnosis.md", "Expected votes lowered"),
    "13.9": ("diagnosis.md", "Config divergence"),
    "13.10": ("diagnosis.md", "Node cannot join"),
    "13.11": ("diagnosis.md", "Link down"),
    "13.12": ("diagnosis.md", "Lossy network"),
    "13.13": ("diagnosis.md", "QDevice down"),
}

# top-level area id -> the upstream document for that area (areas without one are absent)
UPSTREAM: dict[str, str] = {
    "1": VOTEQUORUM_5,
    "2": QUORUMTOOL_8,
    "3": QDEVICE_DOC,
    "4": COROSYNC_CONF_DOC,
    "5": QUORUMTOOL_8,
    "6": ADMIN_GUIDE,
    "7": HA_DOC,
    "9": COROSYNC_CONF_5,
    "11": COROSYNC_CONF_5,
    "12": QDEVICE_8,
}

_ID = r"\d+(?:\.\d+)?"
_ITEM = rf"{_ID}(?:\s*[-–]\s*{_ID})?"
# what may follow an id inside one citation: "1.2 step 5", "2.4 B/C", "4.4 caveats"
_QUALIFIER = r"(?:\s+(?:step\s+\d+|[A-Z](?:/[A-Z])*(?![\w])|(?!and\b)[a-z]+))?"
_SEPARATOR = r"\s*(?:,|;|\band\b)\s*(?:(?:traps?|sections?|cman)\s+)?"
_CITATION = re.compile(
    r"(?:\b(?i:references?|referenz)\b(?:\s+(?i:sections?)\b\.?)?|\b(?i:traps?)(?=\s+10\.\d))[\s:*\-]*"
    rf"(?P<ids>{_ITEM}(?!\d){_QUALIFIER}(?:{_SEPARATOR}{_ITEM}(?!\d){_QUALIFIER})*)"
)
_ITEM_RE = re.compile(rf"(?<![\w.])(?<!step )(?P<lo>{_ID})(?:\s*[-–]\s*(?P<hi>{_ID}))?(?![\d])")


def resolve(section_id: str) -> tuple[str, str]:
    """(page, title) of a section id such as "1.13"; KeyError for an unknown id."""
    try:
        return SECTIONS[section_id]
    except KeyError:
        raise KeyError(f"no section {section_id!r} in the quorum reference") from None


def link(section_id: str, base: str = "docs/reference/") -> str:
    """A Markdown link to a section: `[1.13](docs/reference/votequorum.md#ref-1.13)`."""
    page, _title = resolve(section_id)
    return f"[{section_id}]({base}{page}#ref-{section_id})"


def _expand(lo: str, hi: str | None) -> list[str]:
    """A range 2.2-2.4 -> 2.2, 2.3, 2.4 (within one area; 5-7 -> 5, 6, 7); otherwise both ends."""
    if hi is None:
        return [lo]
    lo_major, _, lo_minor = lo.partition(".")
    hi_major, _, hi_minor = hi.partition(".")
    if lo_major == hi_major and lo_minor and hi_minor and int(lo_minor) <= int(hi_minor):
        return [f"{lo_major}.{minor}" for minor in range(int(lo_minor), int(hi_minor) + 1)]
    if not lo_minor and not hi_minor and int(lo_major) <= int(hi_major):
        return [str(major) for major in range(int(lo_major), int(hi_major) + 1)]
    return [lo, hi]


def citation_spans(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """Each citation in `text` as (offset of its first word, the ids it cites).

    Recognised: "reference 1.13", "(reference 1.13, 4.4)", "reference 7, 10.19",
    "references 2.2 and 2.3", "reference section 8", "reference 1.2 step 5, 3.3",
    "reference 2.4 B/C", "Reference 1.3 and trap 10.1", "Reference sections. 2.2-2.4",
    and a trap cited alone: "trap 10.20".
    """
    out: list[tuple[int, tuple[str, ...]]] = []
    for match in _CITATION.finditer(text):
        ids: list[str] = []
        for item in _ITEM_RE.finditer(match.group("ids")):
            ids.extend(_expand(item.group("lo"), item.group("hi")))
        out.append((match.start(), tuple(ids)))
    return out


def citation_ids(text: str) -> list[str]:
    """The section ids cited in `text`, in order of first appearance, without duplicates."""
    seen: dict[str, None] = {}
    for _offset, ids in citation_spans(text):
        for section_id in ids:
            seen.setdefault(section_id, None)
    return list(seen)


_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)
_UPSTREAM_NAMES = {
    VOTEQUORUM_5: "votequorum(5)",
    QUORUMTOOL_8: "corosync-quorumtool(8)",
    QDEVICE_8: "corosync-qdevice(8)",
    COROSYNC_CONF_5: "corosync.conf(5)",
    QDEVICE_DOC: "PVE admin guide: QDevice",
    COROSYNC_CONF_DOC: "PVE admin guide: corosync",
    HA_DOC: "PVE admin guide: HA",
    ADMIN_GUIDE: "PVE admin guide",
}


def _linked(text: str, base: str | None) -> str:
    out, last = [], 0
    for match in _CITATION.finditer(text):
        ids_span = match.span("ids")
        cited = match.group("ids")
        pieces, at, upstream = [], 0, []
        for item in _ITEM_RE.finditer(cited):
            section = item.group("lo")
            if base is not None and section in SECTIONS and item.group("hi") is None:
                pieces += [cited[at : item.start()], link(section, base)]
                at = item.end()
            url = UPSTREAM.get(section.split(".")[0])
            if url and url not in upstream:
                upstream.append(url)
        pieces.append(cited[at:])
        extra = "".join(f"; [{_UPSTREAM_NAMES.get(u, u)}]({u})" for u in upstream)
        out += [text[last : ids_span[0]], "".join(pieces), extra]
        last = ids_span[1]
    out.append(text[last:])
    return "".join(out)


def linkify(markdown: str, base: str | None = "docs/reference/") -> str:
    """Markdown with every citation outside code turned into links: each section id to its
    page in `base` (None: no local page, e.g. where the docs are not served) and the area's
    upstream document after the ids.  Code spans and fences are left exactly as they are."""
    parts = _CODE.split(markdown)
    return "".join(part if i % 2 else _linked(part, base) for i, part in enumerate(parts))
