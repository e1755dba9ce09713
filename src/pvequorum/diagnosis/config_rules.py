"""Config findings (PURE; reference 13.9, 13.10): copies that differ, nodes that cannot join.

corosync refuses a member whose config version differs from its own and the node with the
other version exits (`Received config version (X) is different than my config version
(Y)! Exiting`, reference 12.2); a node whose own nodelist gives it another node id or
other addresses than the cluster's is simply never seen by the others.  Both are read from
the copies in the bundle: each node's /etc/corosync (what its corosync runs) and /etc/pve
(what pmxcfs distributes), and from the journal's exit line.
"""

from __future__ import annotations

from pvequorum import bundle
from pvequorum.conf.corosync import CorosyncView
from pvequorum.diagnosis.model import Evidence, Finding, NextStep
from pvequorum.diagnosis.picture import Picture
from pvequorum.i18n import _
from pvequorum.nodeevidence import NodeEvidence


def _version_line(node: NodeEvidence, name: str) -> list[Evidence]:
    line, text = node.line_of(name, "config_version")
    return [Evidence(node.file(name), line, text)] if line else []


def _fix_copy(name: str, source: str, version: int) -> NextStep:
    return NextStep(
        action=_(
            "On {name}: save /etc/corosync/corosync.conf as a backup, copy the cluster's "
            "current corosync.conf (config_version {version}, from "
            "{source}:/etc/pve/corosync.conf) to {name}:/etc/corosync/corosync.conf, then "
            "`systemctl restart corosync` on {name}; pmxcfs syncs /etc/pve once it has rejoined."
        ).format(name=name, version=version, source=source)
    )


def _version(view: CorosyncView | None) -> int | None:
    return None if view is None else view.cluster.config_version


def config_findings(picture: Picture) -> list[Finding]:
    findings: list[Finding] = []
    if picture.config is None:
        return findings
    newest = picture.config.cluster.config_version or 0
    source = (picture.config_file or "?").split("/")[0]
    for node in picture.nodes.values():
        exits = [
            e
            for e in (node.journal.entries if node.journal else ())
            if e.kind == "config-version-differs"
        ]
        local = _version(node.local_conf)
        stale = local is not None and local < newest
        if exits and (node.running is False or node.name in picture.missing):
            last = exits[-1]
            findings.append(
                Finding(
                    "config-divergence",
                    (node.name,),
                    "error",
                    _(
                        "{name} came back with config version {mine} while the cluster runs "
                        "{theirs}: corosync on {name} exited and stays out until its copy is "
                        "replaced."
                    ).format(name=node.name, mine=last.get("mine"), theirs=last.get("theirs")),
                    "13.9",
                    (
                        Evidence(node.file(bundle.JOURNAL), last.line, last.text),
                        *_version_line(node, bundle.LOCAL_CONF),
                    ),
                    _fix_copy(node.name, source, int(last.get("theirs") or newest)),
                )
            )
        elif stale:
            findings.append(
                Finding(
                    "config-divergence",
                    (node.name,),
                    "warning" if node.name not in picture.missing else "error",
                    _(
                        "{name}'s /etc/corosync/corosync.conf has config_version {local}, the "
                        "cluster's newest copy {newest} ({where})."
                    ).format(name=node.name, local=local, newest=newest, where=picture.config_file),
                    "13.9",
                    tuple(_version_line(node, bundle.LOCAL_CONF)),
                    _fix_copy(node.name, source, newest),
                )
            )
        elif (
            node.cluster_conf is not None
            and node.local_conf is not None
            and _version(node.cluster_conf) != local
            and node.name not in picture.missing
        ):
            findings.append(
                Finding(
                    "config-divergence",
                    (node.name,),
                    "warning",
                    _(
                        "On {name} the two copies differ: /etc/pve has config_version "
                        "{cluster}, /etc/corosync {local}; pmxcfs copies only a higher "
                        "version, a reload reads /etc/corosync."
                    ).format(name=node.name, cluster=_version(node.cluster_conf), local=local),
                    "13.9",
                    tuple(
                        _version_line(node, bundle.CLUSTER_CONF)
                        + _version_line(node, bundle.LOCAL_CONF)
                    ),
                    NextStep(
                        collect_more=_(
                            "why the copies on {name} differ (an edit without a "
                            "config_version bump is not distributed)"
                        ).format(name=node.name)
                    ),
                )
            )
    findings += _cannot_join(picture)
    return findings


def _identity(view: CorosyncView) -> dict[str, tuple[int, tuple[str, ...]]]:
    addresses: dict[str, list[str]] = {}
    for link in view.links:
        for name, address in link.addresses:
            addresses.setdefault(name, []).append(address)
    return {n.name: (n.nodeid, tuple(addresses.get(n.name, ()))) for n in view.cluster.nodes}


def _cannot_join(picture: Picture) -> list[Finding]:
    """A node alone (or missing) whose own nodelist disagrees with the cluster's."""
    if picture.config is None:
        return []
    cluster = _identity(picture.config)
    findings = []
    for node in picture.nodes.values():
        view = node.local_conf
        alone = picture.views.get(node.name) == (node.name,) or node.name in picture.missing
        if view is None or not alone or len(picture.configured) < 2:
            continue
        own = _identity(view)
        differs = sorted(
            name for name in set(own) | set(cluster) if own.get(name) != cluster.get(name)
        )
        name_differs = view.cluster.name != picture.config.cluster.name
        if not differs and not name_differs:
            continue
        details = []
        if name_differs:
            details.append(
                _("cluster_name {here!r} instead of {cluster!r}").format(
                    here=view.cluster.name, cluster=picture.config.cluster.name
                )
            )
        for name in differs[:3]:
            details.append(
                _("{name}: {here} here, {cluster} in the cluster's copy").format(
                    name=name, here=_where(own.get(name)), cluster=_where(cluster.get(name))
                )
            )
        findings.append(
            Finding(
                "node-cannot-join",
                (node.name,),
                "error",
                _(
                    "{name} cannot join: its own corosync.conf disagrees with the cluster's "
                    "({details})."
                ).format(name=node.name, details="; ".join(details)),
                "13.10",
                tuple(_own_node_lines(node))
                + tuple(
                    Evidence(node.file(bundle.PVECM_STATUS), line, text)
                    for line, text in (node.line_of(bundle.PVECM_STATUS, "Quorate:"),)
                    if line
                ),
                NextStep(
                    action=_(
                        "Make {name}:/etc/corosync/corosync.conf the cluster's copy ({where}) "
                        "after a backup, then `systemctl restart corosync` on {name}."
                    ).format(name=node.name, where=picture.config_file)
                ),
            )
        )
    return findings


def _names(items: tuple[str, ...]) -> str:
    return ", ".join(items) if items else _("no address")


def _where(identity: tuple[int, tuple[str, ...]] | None) -> str:
    if identity is None:
        return _("absent")
    return _("nodeid {nodeid} at {addresses}").format(
        nodeid=identity[0], addresses=_names(identity[1])
    )


def _own_node_lines(node: NodeEvidence) -> list[Evidence]:
    """The `name:` and `nodeid:` lines of the node's own entry in its local copy."""
    lines = node.texts.get(bundle.LOCAL_CONF, "").splitlines()
    for number, line in enumerate(lines, 1):
        if line.strip() == f"name: {node.name}":
            block = lines[max(0, number - 5) : number + 4]
            found = [
                Evidence(node.file(bundle.LOCAL_CONF), max(0, number - 5) + i + 1, text.strip())
                for i, text in enumerate(block)
                if text.strip().startswith(("nodeid", "ring0_addr", "name:"))
            ]
            return found[:3]
    return []
