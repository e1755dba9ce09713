"""Plan: add a knet link to a running cluster (PVE-DOCS `pvecm.adoc`, "Adding Redundant
Links To An Existing Cluster"; reference 4.7).

The edit: `ringK_addr` on every node, `interface { linknumber: K }` in totem (with
`knet_link_priority` when asked for), config_version incremented, through the documented
`.new` / `.bak` / `mv` procedure (reference 4.4).  pmxcfs copies the file to every node and
runs `corosync-cfgtool -R`; corosync takes a new link on the reload, no restart (measured:
connected 1.5-1.7 s after the reload, reference 4.7).  Then every node must show the new
link connected to every other node in `corosync-cfgtool -s`, which is the evidence the
link works; the config only says that it should.

Every node must be up and the cluster quorate: /etc/pve is read-only without quorum
(reference 6), and a node that is down would take the link when it starts, unchecked.
"""

from __future__ import annotations

from pvequorum.conf import linkedits, validate
from pvequorum.conf.edits import EditRefused
from pvequorum.errors import InputError
from pvequorum.procedures import confedit, linkplan
from pvequorum.procedures.common import PVE_COROSYNC
from pvequorum.procedures.config_steps import ConfigChange, edit_steps, version_check
from pvequorum.procedures.plan import Command, Danger, Plan, Step
from pvequorum.procedures.state import PlanInput

KIND = "add-link"
DEFAULT_PRIORITY = 1  # corosync's knet_link_priority when none is set (`best link: 0 (pri: 1)`)


def parameters(
    inp: PlanInput, link: str | None, addresses: str | None, priority: str | None
) -> tuple[int, dict[str, linkplan.IPAddress], int | None]:
    number = linkplan.parse_link(link)
    new = linkplan.parse_addresses(addresses, inp.cluster.names)
    missing = [n for n in inp.cluster.names if n not in new]
    if missing:
        raise InputError(
            f"a new link needs an address for every node (corosync refuses a link not every "
            f"node has, CQ132, reference 4.6); missing: {', '.join(missing)}",
            linkplan.ADDRESS,
        )
    return number, new, linkplan.parse_priority(priority)


def _text(inp: PlanInput) -> str:
    if inp.config_text is None:
        raise InputError("this plan edits corosync.conf, so it needs the config text")
    return inp.config_text


def _carrier(links: linkplan.Links, number: int, priority: int | None) -> int:
    """The link knet sends over with link_mode passive: the highest priority, then the
    lowest number (reference 12.4)."""

    def pri(link: int) -> int:
        if link == number:
            return DEFAULT_PRIORITY if priority is None else priority
        value = dict(links.options.get(link, ())).get("knet_link_priority")
        return int(value) if value and value.isdigit() else DEFAULT_PRIORITY

    return max((*links.numbers, number), key=lambda k: (pri(k), -k))


def build(
    inp: PlanInput,
    link: str | None = None,
    addresses: str | None = None,
    priority: str | None = None,
) -> Plan:
    c, node = inp.cluster, inp.run_node
    number, new, prio = parameters(inp, link, addresses, priority)
    dangers: list[Danger] = linkplan.blockers(inp, f"Adding link {number}")
    steps: list[Step] = []
    diff = None
    summary = f"Link {number} cannot be added now; see the blocking dangers."
    if not dangers:
        text = _text(inp)
        links = linkplan.links_of(text)
        if number in links.numbers:
            raise InputError(
                f"link {number} is already configured (links: "
                f"{', '.join(map(str, links.numbers))}); to move its addresses use the "
                "change-address plan",
                linkplan.LINK,
            )
        linkplan.check_fresh(links, new)
        linkplan.check_family(links, new.values(), number)
        options = (("knet_link_priority", str(prio)),) if prio is not None else ()
        try:
            result = linkedits.add_link(
                text, number, {n: str(a) for n, a in new.items()}, options=options
            )
        except EditRefused as exc:
            dangers.append(Danger("blocking", f"The edited file is refused: {exc}", "4.6"))
        else:
            dangers += linkplan.finding_dangers(
                validate.validate_text(text), result.findings, f"With link {number}"
            )
            dangers += _hints(links, number, new, prio, bool(c.quorum.two_node))
            if not any(d.severity == "blocking" for d in dangers):
                change = confedit.change_of(text, result)
                diff = change.diff
                steps = _steps(inp, number, change)
                summary = (
                    f"Add link {number} ({linkplan.family_name(new.values())}) to cluster "
                    f"{c.name}: ring{number}_addr on every node and its totem interface, "
                    f"config_version {change.old_version} -> {change.new_version}; corosync "
                    "takes the new link on the reload, no restart."
                )
    blocked = any(d.severity == "blocking" for d in dangers)
    return Plan(
        kind=KIND,
        title=f"Add link {number} to cluster {c.name}",
        summary=summary,
        pve_version=str(inp.version),
        stack=c.stack,
        cluster_name=c.name,
        run_on=node,
        steps=tuple(s for s in steps if not (blocked and s.changes_state)),
        dangers=tuple(dict.fromkeys(dangers)),
        diff=diff,
    )


def _hints(
    links: linkplan.Links,
    number: int,
    new: dict[str, linkplan.IPAddress],
    prio: int | None,
    two_node: bool,
) -> list[Danger]:
    out = []
    # Same networks as an existing link: the validator's CQ253 on the result says it.
    mode = links.doc.get("totem.link_mode") or "passive"
    if mode == "passive" and _carrier(links, number, prio) == number:
        out.append(
            Danger(
                "info",
                f"Once it is connected, link {number} carries the cluster traffic: with "
                "link_mode passive knet sends over the link with the highest "
                "knet_link_priority, then the lowest link number.",
                "12.4",
            )
        )
    if two_node:
        out.append(
            Danger(
                "info",
                "two_node is set: a second link makes a split of the two nodes less likely, "
                "which two_node alone cannot prevent.",
                "1.5, 12.4",
            )
        )
    return out


def _steps(inp: PlanInput, number: int, change: ConfigChange) -> list[Step]:
    c, node = inp.cluster, inp.run_node
    new_path = PVE_COROSYNC + ".new"
    undo = (
        Command(on=node, write_file=new_path, content=change.rollback_text),
        Command(on=node, argv=("mv", new_path, PVE_COROSYNC)),
    )
    port = 5405 + number
    return [
        linkplan.all_up_step(inp),
        *edit_steps(
            change,
            node,
            "corosync",
            f"add link {number}",
            activation_check=version_check(node, "corosync", change.new_version),
            activation_expected=(
                f"corosync logs on every node: [TOTEM ] Configuring link {number}",
                f"[TOTEM ] Configured link number {number}: local addr: <its address>, port={port}",
            ),
        ),
        *linkplan.connected_steps(
            c,
            [number],
            f"The config says link {number} exists; only corosync-cfgtool -s says whether "
            f"knet reaches the other nodes on it (`rx: host: N link: {number} is up` in the "
            "log). A node sees only its own links, so every node is checked (reference 5.4, "
            "4.7).",
            first=node,
            log_on=node,
            rollback=(
                f"Link {number} is configured but does not connect: check the addresses, the "
                f"cabling and the firewall (knet uses UDP port {port} for link {number}), or "
                f"take the link out again: write the previous file back with config_version "
                f"{change.new_version + 1} and rename it into place (removing a link is "
                "allowed on a reload, reference 4.7)."
            ),
            rollback_commands=undo,
        ),
        linkplan.still_quorate_step(inp),
    ]
