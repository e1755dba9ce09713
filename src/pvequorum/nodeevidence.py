"""One node's evidence, read from the texts of its bundle folder (PURE; docs/bundle-format.md).

Every file is read on its own: a file that is missing leaves its field empty, a file that
is not what its name says (another command's output, garbage, a truncated copy) becomes a
`Problem` naming the file and line, and the rest is still read.  Nothing here guesses: a
field is set only from a file that parsed.  Whether the node's corosync ran is decided
from the tools' own error text (`Cannot initialize QUORUM service` and its kin, which the
tools print when they cannot reach the daemon), not from a missing file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pvequorum import bundle, cfgtool, journal, qdevicetool, status
from pvequorum.conf import corosync as corosync_conf
from pvequorum.cvalues import printable
from pvequorum.errors import InputError

# What the corosync tools print when the daemon does not answer (corosync-quorumtool.c,
# corosync-cfgtool.c, corosync-qdevice-tool.c: "Cannot initialize %s service").
_DAEMON_DOWN = re.compile(
    r"Cannot initialize (?:QUORUM|CMAP|CFG|VOTEQUORUM|CPG) service|Could not initialize corosync"
)
_QDEVICE_DOWN = re.compile(r"Can't connect to QDevice socket|Connection refused|No such file")


@dataclass(frozen=True)
class Problem:
    """A file that could not be used, and why: named so the reader can look."""

    file: str
    line: int | None
    text: str

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class NodeEvidence:
    """What one node's folder says.  `folder` is the bundle-relative folder name."""

    name: str
    folder: str
    texts: Mapping[str, str] = field(default_factory=dict, repr=False)
    collected: bundle.Collected | None = None
    status: status.QuorumStatus | None = None
    daemon_down: str | None = None  # the tool's error text: corosync did not answer
    links: cfgtool.LinkStatus | None = None
    local_conf: corosync_conf.CorosyncView | None = None
    cluster_conf: corosync_conf.CorosyncView | None = None
    journal: journal.Journal | None = None
    qdevice: qdevicetool.QdeviceStatus | None = None
    qdevice_error: str | None = None
    problems: tuple[Problem, ...] = ()
    report: str | None = None  # the pvereport file the `derived` files were cut from
    derived: frozenset[str] = frozenset()

    @property
    def unreachable(self) -> str | None:
        return self.collected.unreachable if self.collected else None

    @property
    def running(self) -> bool | None:
        """corosync answered (True), said it is not there (False), or no evidence (None)."""
        if self.status is not None:
            return True
        return False if self.daemon_down is not None else None

    @property
    def usable(self) -> bool:
        """Something in the folder parsed (or it says why the node was not reached)."""
        return any(
            x is not None
            for x in (
                self.status,
                self.daemon_down,
                self.links,
                self.local_conf,
                self.cluster_conf,
                self.journal,
                self.qdevice,
                self.qdevice_error,
                self.unreachable,
            )
        )

    def file(self, name: str) -> str:
        """Where the reader finds file `name`: its path in the bundle, or the pvereport
        section it was read from."""
        if name in self.derived and self.report is not None:
            return f"{self.report} [# {name}]"
        return f"{self.folder}/{name}"

    def path_of(self, name: str) -> str | None:
        """The bundle-relative path of a real file `name` (None: absent or from a report)."""
        if name not in self.texts or name in self.derived:
            return None
        return f"{self.folder}/{name}"

    def cfgtool_line(self, link_id: int, nodeid: int) -> tuple[int | None, str]:
        """(1-based line, text) of the `nodeid: N:` line under `LINK ID K` of cfgtool -s."""
        current = None
        for number, line in enumerate(self.texts.get(bundle.CFGTOOL_S, "").splitlines(), 1):
            words = line.split()
            if line.startswith("LINK ID ") and len(words) >= 3 and words[2].isdigit():
                current = int(words[2])
            elif current == link_id and words[:1] == ["nodeid:"] and words[1:2] == [f"{nodeid}:"]:
                return number, printable(line.strip(), 160)
        return None, ""

    def line_of(self, name: str, pattern: str) -> tuple[int | None, str]:
        """(1-based line, text) of the first line of file `name` that contains `pattern`."""
        for number, line in enumerate(self.texts.get(name, "").splitlines(), 1):
            if pattern in line:
                return number, printable(line.strip(), 160)
        return None, ""


def _problem(exc: InputError, folder: str, name: str) -> Problem:
    where = exc.where or ""
    match = re.search(r":(\d+)(?::\d+)?$", where)
    return Problem(
        f"{folder}/{name}", int(match.group(1)) if match else None, printable(exc.problem, 300)
    )


def _conf(
    texts: Mapping[str, str], name: str, folder: str, problems: list[Problem]
) -> corosync_conf.CorosyncView | None:
    text = texts.get(name)
    if text is None:
        return None
    try:
        return corosync_conf.view(corosync_conf.parse(text, f"{folder}/{name}"))
    except InputError as exc:
        problems.append(_problem(exc, folder, name))
        return None


def _year(collected: bundle.Collected | None) -> int | None:
    if collected is None or collected.collected_at is None:
        return None
    return datetime.fromtimestamp(collected.collected_at, UTC).year


def read_node(
    name: str,
    folder: str,
    texts: Mapping[str, str],
    problems: list[Problem],
    *,
    report: str | None = None,
    derived: frozenset[str] = frozenset(),
) -> NodeEvidence:
    """The evidence of node `name` from its files' texts (bundle file name -> text)."""
    collected = None
    if bundle.COLLECTED in texts:
        try:
            collected = bundle.parse_collected(
                texts[bundle.COLLECTED], f"{folder}/{bundle.COLLECTED}"
            )
        except InputError as exc:
            problems.append(_problem(exc, folder, bundle.COLLECTED))
        if collected is not None and collected.node != name:
            problems.append(
                Problem(
                    f"{folder}/{bundle.COLLECTED}",
                    None,
                    f"says node {collected.node!r}, but the folder is {name!r}: not used",
                )
            )
            collected = None
    quorum, down = _status(texts, folder, problems)
    links = None
    if bundle.CFGTOOL_S in texts and down is None:
        text = texts[bundle.CFGTOOL_S]
        if _DAEMON_DOWN.search(text):
            down = down or _first_line(text)
        else:
            try:
                links = cfgtool.parse_status(text, f"{folder}/{bundle.CFGTOOL_S}")
            except InputError as exc:
                problems.append(_problem(exc, folder, bundle.CFGTOOL_S))
    log = None
    if bundle.JOURNAL in texts:
        try:
            log = journal.read_journal(
                texts[bundle.JOURNAL], f"{folder}/{bundle.JOURNAL}", year=_year(collected)
            )
        except InputError as exc:
            problems.append(_problem(exc, folder, bundle.JOURNAL))
    device, device_error = _qdevice(texts, folder, problems)
    return NodeEvidence(
        name=name,
        folder=folder,
        texts=texts,
        collected=collected,
        status=quorum,
        daemon_down=down,
        links=links,
        local_conf=_conf(texts, bundle.LOCAL_CONF, folder, problems),
        cluster_conf=_conf(texts, bundle.CLUSTER_CONF, folder, problems),
        journal=log,
        qdevice=device,
        qdevice_error=device_error,
        problems=tuple(p for p in problems if p.file.startswith(f"{folder}/")),
        report=report,
        derived=derived,
    )


def _first_line(text: str) -> str:
    found = _DAEMON_DOWN.search(text)
    return printable(found.group(0) if found else text.strip().splitlines()[0], 160)


def _status(
    texts: Mapping[str, str], folder: str, problems: list[Problem]
) -> tuple[status.QuorumStatus | None, str | None]:
    for name in (bundle.PVECM_STATUS, bundle.QUORUMTOOL_L):
        text = texts.get(name)
        if text is not None and _DAEMON_DOWN.search(text):
            return None, _first_line(text)
    text = texts.get(bundle.PVECM_STATUS)
    if text is None:
        return None, None
    try:
        parsed = status.parse_status(text, f"{folder}/{bundle.PVECM_STATUS}")
    except InputError as exc:
        problems.append(_problem(exc, folder, bundle.PVECM_STATUS))
        return None, None
    if parsed.stack != "corosync" or not parsed.members:
        problems.append(
            Problem(
                f"{folder}/{bundle.PVECM_STATUS}",
                None,
                "holds no corosync membership (not a pvecm status of corosync 3): not used",
            )
        )
        return None, None
    return parsed, None


def _qdevice(
    texts: Mapping[str, str], folder: str, problems: list[Problem]
) -> tuple[qdevicetool.QdeviceStatus | None, str | None]:
    text = texts.get(bundle.QDEVICE_TOOL)
    if text is None:
        return None, None
    if _QDEVICE_DOWN.search(text) or not text.strip():
        return None, printable(text.strip().splitlines()[0] if text.strip() else "(empty)", 160)
    try:
        return qdevicetool.parse_qdevice_status(text, f"{folder}/{bundle.QDEVICE_TOOL}"), None
    except InputError as exc:
        problems.append(_problem(exc, folder, bundle.QDEVICE_TOOL))
        return None, None


@dataclass(frozen=True)
class Bundle:
    """The nodes a bundle holds, and the files it could not use (bundleio reads it)."""

    path: str
    nodes: tuple[NodeEvidence, ...]
    problems: tuple[Problem, ...]
