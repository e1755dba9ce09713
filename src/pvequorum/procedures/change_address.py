"""Plan: move one node, or all nodes, to new addresses on a knet link (reference 4.7).

corosync 3.1.7 refuses, on a reload, an address that changes on a link that stays
configured: `check_things_have_not_changed()` (exec/totemconfig.c) logs `new config has
different address for link K (addr changed from A to B). Internal value was NOT changed.`
and `Cannot configure new interface definitions: To reconfigure an interface it must be
deleted and recreated. A working interface needs to be available to corosync at all
times`, and the whole reload is dropped (config_version stays; measured in the lab).
Adding and removing a link are allowed.  So, without a restart:

* with another link that works: remove link K (every node's `ringK_addr` and its
  interface), reload, check; add link K back with the new addresses, reload, check
  ("reload", the default);
* with link K the only link: add a temporary link J (the lowest free number) at the new
  addresses, check it connected everywhere, then remove link K.  The cluster then runs on
  link J: corosync cannot renumber a link.

`--method restart` is the documented way instead (PVE-DOCS `pvecm.adoc`, "Separate After
Cluster Creation"): the addresses changed in place, then `systemctl restart corosync` on
one node after the other.  The membership splits into the nodes restarted and the rest
while it runs, and a partition without quorum for about 60 s makes HA nodes self-fence
(reference 7); the plan shows what the simulator says about each stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pvequorum.conf import linkedits, validate
from pvequorum.conf.edits import EditRefused, EditResult, unified_diff
from pvequorum.errors import InputError
from pvequorum.procedures import confedit, linkplan
from pvequorum.procedures.common import PVE_COROSYNC
from pvequorum.procedures.config_steps import ConfigChange, edit_steps, version_check
from pvequorum.procedures.plan import Check, Command, Danger, Plan, Step
from pvequorum.procedures.state import PlanInput
from pvequorum.simulator import Simulator

KIND = "change-address"


def _text(inp: PlanInput) -> str:
    if inp.config_text is None:
        raise InputError("this plan edits corosync.conf, so it needs the config text")
    return inp.config_text


def _undo(node: str, change: ConfigChange) -> tuple[Command, ...]:
    new_path = PVE_COROSYNC + ".new"
    return (
        Command(on=node, write_file=new_path, content=change.rollback_text),
        Command(on=node, argv=("mv", new_path, PVE_COROSYNC)),
    )


def parameters(
    inp: PlanInput, link: str | None, addresses: str | None, method: str | None
) -> tuple[int, str, dict[str, linkplan.IPAddress]]:
    """The parameters, each refused on its own (before the config is looked at)."""
    number = linkplan.parse_link(link)
    how = linkplan.parse_method(method)
    return number, how, linkplan.parse_addresses(addresses, inp.cluster.names)


def build(
    inp: PlanInput,
    link: str | None = None,
    addresses: str | None = None,
    method: str | None = None,
) -> Plan:
    c, node = inp.cluster, inp.run_node
    number, how, new = parameters(inp, link, addresses, method)
    dangers: list[Danger] = linkplan.blockers(inp, f"Changing addresses on link {number}")
    steps: list[Step] = []
    options: list[str] = []
    diff = None
    summary = f"The addresses on link {number} cannot be changed now; see the blocking dangers."
    if not dangers:
        text = _text(inp)
        links = linkplan.links_of(text)
        final = _final(links, number, new)
        try:
            if how == "restart":
                result = _restart(inp, text, links, number, new)
            elif len(links.numbers) > 1:
                result = _recreate(inp, text, links, number, final)
            else:
                result = _via_temporary(inp, text, links, number, final)
        except EditRefused as exc:
            dangers.append(Danger("blocking", f"The edited file is refused: {exc}", "4.6"))
        else:
            steps, more, diff, summary, extra = result
            dangers += more
            options += extra
    blocked = any(d.severity == "blocking" for d in dangers)
    return Plan(
        kind=KIND,
        title=f"Change addresses on link {number} of cluster {c.name}",
        summary=summary
        if not blocked
        else f"The addresses on link {number} cannot be changed now; see the blocking dangers.",
        pve_version=str(inp.version),
        stack=c.stack,
        cluster_name=c.name,
        run_on=node,
        steps=tuple(s for s in steps if not (blocked and s.changes_state)),
        dangers=tuple(dict.fromkeys(dangers)),
        options=tuple(options),
        diff=diff,
    )


def _final(
    links: linkplan.Links, number: int, new: Mapping[str, linkplan.IPAddress]
) -> dict[str, str]:
    """Every node's address on link `number` after the change (the others keep theirs)."""
    if number not in links.numbers:
        shown = ", ".join(map(str, links.numbers))
        raise InputError(
            f"link {number} is not configured (links: {shown}); to add it use the add-link plan",
            linkplan.LINK,
        )
    current = links.addresses[number]
    for name, address in new.items():
        if name not in current:
            raise InputError(f"{name} has no address on link {number}", linkplan.ADDRESS)
        if linkplan.address_key(current[name]) == address:
            raise InputError(
                f"{name}={address} is already {name}'s address on link {number}: nothing to "
                "change (give only the nodes that move)",
                linkplan.ADDRESS,
            )
    linkplan.check_fresh(links, new)
    final = {name: str(new[name]) if name in new else current[name] for name in current}
    literal = [a for text in final.values() if not isinstance(a := linkplan.address_key(text), str)]
    linkplan.check_family(links, literal, number)
    return final


Built = tuple[list[Step], list[Danger], str, str, list[str]]

# Without ring0_addr, corosync finds its own node only by `name` (find_local_node() in
# exec/totemconfig.c compares `name`, and ring0_addr as a fallback, with the host name).
NO_RING0 = Danger(
    "info",
    "While link 0 is gone, corosync finds which node it is by the node's `name` alone (it "
    "compares `name`, and ring0_addr as a fallback, with the host name): a node whose name "
    "is not its host name would not start then (`No valid name found for local host`, "
    "measured with corosync -t 3.1.7). Proxmox VE names its nodes after their host names.",
    "4.7",
)


def _findings(text: str, result: EditResult, what: str) -> list[Danger]:
    return linkplan.finding_dangers(validate.validate_text(text), result.findings, what)


def _refusal_danger(number: int, restart: bool = False) -> Danger:
    said = (
        f"corosync refuses, on a reload, an address that changes on a link that stays "
        f"configured (`new config has different address for link {number} ... Internal "
        "value was NOT changed.`), and drops the whole reload"
    )
    if restart:
        return Danger(
            "info",
            f"{said}: the new addresses take effect only as corosync restarts on each node.",
            "4.7",
        )
    return Danger(
        "info",
        f"{said}; removing and adding a link are allowed. This plan never changes an address "
        "in place, its rollbacks neither.",
        "4.7",
    )


def _recreate(
    inp: PlanInput, text: str, links: linkplan.Links, number: int, final: dict[str, str]
) -> Built:
    """(a): remove link K, reload, check; add it back with the new addresses."""
    c, node = inp.cluster, inp.run_node
    stay = [n for n in links.numbers if n != number]
    shown = ", ".join(map(str, stay))
    first = linkedits.remove_link(text, number)
    second = linkedits.add_link(first.new_text, number, final, options=links.options[number])
    remove = confedit.change_of(text, first)
    add = confedit.change_of(first.new_text, second)
    dangers = [_refusal_danger(number), *([NO_RING0] if number == 0 else [])]
    dangers += _findings(text, second, f"After the change of link {number}")
    if len(stay) == 1:
        dangers.append(
            Danger(
                "warning",
                f"While link {number} is out (a few seconds, between the two reloads), link "
                f"{shown} is the only one: if it fails then, the nodes lose each other.",
                "4.7, 12.4",
            )
        )
    steps = [
        linkplan.all_up_step(inp),
        *linkplan.connected_steps(
            c,
            stay,
            f"Link {number} goes away next: the cluster then runs on link {shown} alone, so "
            "that must connect every node to every other node now, seen from each node "
            "(reference 4.7, 5.4). A link that is down here stops the plan before anything "
            "changes.",
            first=node,
        ),
        *edit_steps(
            remove,
            node,
            "corosync",
            f"remove link {number}",
            activation_check=version_check(node, "corosync", remove.new_version),
        ),
        linkplan.absent_step(c, node, number, stay),
        *edit_steps(
            add,
            node,
            "corosync",
            f"add link {number} back with the new addresses",
            activation_check=version_check(node, "corosync", add.new_version),
        ),
        *linkplan.connected_steps(
            c,
            [number],
            f"Link {number} is back at its new addresses; corosync-cfgtool -s on each node "
            "must show it connected to every other node (reference 5.4, 4.7).",
            first=node,
            log_on=node,
            rollback=(
                f"Link {number} does not connect at the new addresses: check them, the "
                f"cabling and the firewall (UDP port {5405 + number}), or take link {number} "
                f"out again (config_version {add.new_version + 1}; the cluster keeps running "
                f"on link {shown}) and add it back at the old addresses with the add-link "
                "plan."
            ),
            rollback_commands=_undo(node, add),
        ),
        linkplan.still_quorate_step(inp),
    ]
    summary = (
        f"Move link {number} to new addresses without a restart: remove it (config_version "
        f"{remove.old_version} -> {remove.new_version}) while link {shown} carries the "
        f"cluster, then add it back at the new addresses (-> {add.new_version})."
    )
    return steps, dangers, unified_diff(text, second.new_text, "corosync.conf"), summary, []


def _via_temporary(
    inp: PlanInput, text: str, links: linkplan.Links, number: int, final: dict[str, str]
) -> Built:
    """(b): link K is the only one: add link J at the new addresses, then remove link K."""
    c, node = inp.cluster, inp.run_node
    temporary = next(n for n in range(linkedits.MAX_LINK + 1) if n not in links.numbers)
    first = linkedits.add_link(text, temporary, final, options=links.options[number])
    second = linkedits.remove_link(first.new_text, number)
    add = confedit.change_of(text, first)
    remove = confedit.change_of(first.new_text, second)
    kept = [n for n in c.names if final[n] == links.addresses[number][n]]
    dangers = [
        _refusal_danger(number),
        Danger(
            "info",
            f"Link {number} is the cluster's only link, so it cannot be taken out first: "
            f"link {temporary} is added at the new addresses, and link {number} removed once "
            f"link {temporary} connects every node. Afterwards the cluster runs on link "
            f"{temporary} (ring{temporary}_addr): corosync cannot renumber a link.",
            "4.7",
        ),
    ]
    if kept:
        dangers.append(
            Danger(
                "info",
                f"Until link {number} is removed, {', '.join(kept)} "
                f"{'has' if len(kept) == 1 else 'have'} the same address on link {number} "
                f"and link {temporary} (CQ251, no redundancy); knet runs them on separate "
                f"ports ({5405 + number} and {5405 + temporary}, measured).",
                "4.6, 4.7",
            )
        )
    if number == 0:
        dangers.append(NO_RING0)
    dangers += _findings(text, second, f"After the change of link {number}")
    steps = [
        linkplan.all_up_step(inp),
        *edit_steps(
            add,
            node,
            "corosync",
            f"add link {temporary} at the new addresses",
            activation_check=version_check(node, "corosync", add.new_version),
        ),
        *linkplan.connected_steps(
            c,
            [temporary],
            f"Link {number} goes away next: link {temporary} must connect every node to "
            "every other node first, seen from each node (reference 4.7, 5.4).",
            first=node,
            log_on=node,
            rollback=(
                f"Link {temporary} does not connect: check the new addresses, the cabling "
                f"and the firewall (UDP port {5405 + temporary}), or take link {temporary} "
                f"out again (config_version {add.new_version + 1}); the cluster still runs "
                f"on link {number}."
            ),
            rollback_commands=_undo(node, add),
        ),
        *edit_steps(
            remove,
            node,
            "corosync",
            f"remove link {number}",
            activation_check=version_check(node, "corosync", remove.new_version),
        ),
        linkplan.absent_step(c, node, number, [temporary]),
        linkplan.still_quorate_step(inp),
    ]
    summary = (
        f"Move the cluster to the new addresses without a restart: add link {temporary} "
        f"there (config_version {add.old_version} -> {add.new_version}), check it, then "
        f"remove link {number} (-> {remove.new_version}); the cluster then runs on link "
        f"{temporary}."
    )
    return steps, dangers, unified_diff(text, second.new_text, "corosync.conf"), summary, []


@dataclass(frozen=True)
class Stage:
    """One restart, simulated: who has no quorum while the node is down, and after it is
    back (`running` are the nodes up at that moment)."""

    node: str
    during: tuple[str, ...]
    after: tuple[str, ...]
    running_during: int

    @property
    def blocked_during(self) -> bool:
        return len(self.during) == self.running_during


def _stages(inp: PlanInput, order: list[str], alone: bool) -> list[Stage]:
    """Each restart, simulated.

    With another link (`alone` False) the nodes keep reaching each other there, so a
    restart takes one node out for a moment.  With link K the only link, the nodes restarted
    so far and the others cannot reach each other over it (the worst case)."""
    c = inp.cluster
    sim = Simulator(c)
    sim.start(c.names)
    out = []

    def without() -> tuple[tuple[str, ...], int]:
        views = sim.views()
        return tuple(n for n in c.names if n in views and not views[n].quorate), len(views)

    for k, name in enumerate(order, start=1):
        sim.stop([name])
        during, running = without()
        if alone:
            moved, rest = order[:k], order[k:]
            if rest:
                sim.partition([moved, rest])
            else:
                sim.heal()
        sim.start([name])
        after, _ = without()
        out.append(Stage(name, during, after, running))
    return out


def _stage_text(stages: list[Stage]) -> str:
    parts = []
    for stage in stages:
        if stage.during:
            parts.append(f"while {stage.node} restarts: {', '.join(stage.during)} without quorum")
        if stage.after:
            parts.append(f"after {stage.node} restarts: {', '.join(stage.after)} without quorum")
    return "; ".join(parts)


def _restart(
    inp: PlanInput,
    text: str,
    links: linkplan.Links,
    number: int,
    new: Mapping[str, linkplan.IPAddress],
) -> Built:
    """(c): the documented way: addresses in place, corosync restarted node by node."""
    c, node = inp.cluster, inp.run_node
    result = linkedits.set_link_addresses(text, number, {n: str(a) for n, a in new.items()})
    change = confedit.change_of(text, result)
    order = [node, *(n for n in c.names if n != node)]
    alone = links.numbers == (number,)
    stages = _stages(inp, order, alone)
    dangers = [
        _refusal_danger(number, restart=True),
        *_findings(text, result, f"After the change of link {number}"),
    ]
    shown = _stage_text(stages)
    if shown:
        how = (
            f"link {number} is the only link, so the nodes restarted so far and the others "
            "cannot reach each other over it (simulated)"
            if alone
            else "the other links keep the nodes in touch, and each restart takes one node "
            "out for a moment (simulated)"
        )
        dangers.append(
            Danger(
                "warning",
                f"While corosync restarts node by node, {how}: {shown}. A node that has just "
                "started is also without quorum until it has joined the others (1.5 s in the "
                "lab). /etc/pve is read-only on a node without quorum.",
                "4.7, 6",
            )
        )
    blocked = [st.node for st in stages if st.blocked_during]
    if blocked:
        dangers.append(
            Danger(
                "warning",
                f"While {', '.join(blocked)} restart{'s' if len(blocked) == 1 else ''}, no "
                "node has quorum: the whole cluster is blocked (simulated; measured in the "
                "lab with 3 nodes: about 3 s). Restart the next node at once.",
                "4.7, 6",
            )
        )
    if inp.facts.ha_resources:
        dangers.append(
            Danger(
                "warning",
                "With HA, a node that stays without quorum for about 60 s is reset by its "
                "watchdog: restart the next node at once, or use the reload method, which "
                "keeps the membership.",
                "7, 10.19",
            )
        )
    refused = (
        f"corosync refuses the reload: `new config has different address for link {number} "
        "(addr changed from A to B). Internal value was NOT changed.`",
        "config.reload_status (i32) = 7 (CS_ERR_INVALID_PARAM); config_version stays "
        f"{change.old_version} in the running corosync until it restarts",
    )
    steps = [
        linkplan.all_up_step(inp),
        *edit_steps(
            change,
            node,
            "corosync",
            f"new addresses on link {number}",
            activation_check=Check(
                command=Command(on=node, argv=("corosync-cmapctl", "-g", "config.reload_status")),
                must_show=("config.reload_status (i32) = 7",),
                description="corosync refused the reload, as it must for a changed address",
                retries=10,
            ),
            activation_expected=refused,
        ),
    ]
    for stage in stages:
        said = _stage_text([stage])
        steps.append(
            Step(
                title=f"Restart corosync on {stage.node}",
                why="A restart reads the new addresses (a reload cannot, reference 4.7); "
                "pve-docs restarts one node, checks it, then the others."
                + (f" Simulated: {said}." if said else ""),
                references=("4.7",),
                commands=(Command(on=stage.node, argv=("systemctl", "restart", "corosync")),),
                postcheck=version_check(stage.node, "corosync", change.new_version),
                rollback="The old addresses need a restart as well: write the old file back "
                f"with config_version {change.new_version + 1} and restart corosync on every "
                "node again.",
                changes_state=True,
            )
        )
    steps.append(linkplan.still_quorate_step(inp, retries=30))
    summary = (
        f"Change the addresses on link {number} in place (config_version {change.old_version} "
        f"-> {change.new_version}) and restart corosync on every node, one after the other; "
        "the membership splits while it runs."
    )
    options = [
        "The default method (reload) changes the addresses without a restart and keeps the "
        "membership: link removed and added again, or a temporary link when there is only "
        "one."
    ]
    return steps, dangers, change.diff or "", summary, options
