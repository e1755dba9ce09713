"""Plan: take one node down for planned maintenance.

Before node X goes down: does the rest stay quorate (simulated)?  If not, the options are
ranked: a QDevice ahead of time, two-node mode, accepting read-only /etc/pve for the window,
or `pvecm expected` after the shutdown under the restore-quorum conditions.  HA guests move
away first: node maintenance mode where the version has it (pve-ha-manager 3.6.0, PVE 7.4),
otherwise per-service migration.  With HA and a rest that loses quorum the plan refuses:
nodes with active HA services self-fence about 60 s after losing quorum (reference 7).
"""

from __future__ import annotations

from pvequorum.errors import InputError
from pvequorum.model import Cluster, QDevice
from pvequorum.procedures import simulate
from pvequorum.procedures.common import (
    confirm_down_hint,
    startup_dangers,
    status_check,
    status_command,
    view_of,
)
from pvequorum.procedures.plan import Command, Danger, Plan, Step
from pvequorum.procedures.state import PlanInput
from pvequorum.timing import watchdog_margin

KIND = "maintenance"


def build(inp: PlanInput, node: str | None) -> Plan:
    c, stack, version = inp.cluster, inp.cluster.stack, inp.version
    if not node:
        raise InputError("which node goes down? (--node)")
    c.node(node)  # unknown names raise ModelError (an InputError)
    up = [n for n in c.names if n in inp.state.up]
    if node not in up:
        raise InputError(f"node {node!r} is not up; there is nothing to take down", "--node")
    rest = [n for n in up if n != node]
    if not rest:
        raise InputError(f"{node} is the only node up; no node would remain", "--node")
    run_on = inp.state.local if inp.state.local in rest else rest[0]
    dangers: list[Danger] = list(startup_dangers(c))
    before = view_of(simulate.running(c, up), run_on)
    during_sim = simulate.running(c, rest)
    during = view_of(during_sim, run_on)
    options: list[str] = []
    if not during.quorate:
        options = _options(inp, node, rest)
        if inp.facts.ha_resources:
            dangers.append(
                Danger(
                    "blocking",
                    f"Without {node} the remaining nodes lose quorum (simulated: "
                    f"{during.total_votes} of {during.expected_votes} votes, quorum "
                    f"{during.quorum}); with HA resources their LRMs self-fence about 60 s "
                    "later. Take one of the options first.",
                    "7",
                )
            )
        else:
            dangers.append(
                Danger(
                    "warning",
                    f"Without {node} the remaining nodes lose quorum (simulated: "
                    f"{during.total_votes} of {during.expected_votes} votes, quorum "
                    f"{during.quorum}): /etc/pve is read-only for the whole window; guests keep "
                    "running but no config change is possible. See the options.",
                    "6, 2.4",
                )
            )
    if not before.quorate:
        dangers.append(
            Danger(
                "blocking",
                f"The cluster is not quorate now on {run_on}; fix that first (restore-quorum).",
                "6",
            )
        )
    if inp.facts.ha_resources and stack == "corosync":
        dangers += _watchdog_dangers(inp)
    steps: list[Step] = []
    blocked = any(d.severity == "blocking" for d in dangers)
    if not blocked:
        steps.append(
            Step(
                title="Check quorum before the window",
                why="The plan was computed for these members (reference 5.1).",
                references=("5.1",),
                commands=(status_command(run_on),),
                postcheck=status_check(run_on, before, stack, "the members the plan expects"),
            )
        )
        if inp.facts.ha_resources:
            steps.append(_ha_away(inp, node, run_on))
        steps.append(
            Step(
                title=f"Shut down {node}",
                why="A clean poweroff; the rest notices after token + consensus (reference 9).",
                references=("9",),
                commands=(Command(on=node, argv=("systemctl", "poweroff"), may_fail=True),),
                rollback=f"Power {node} on again.",
                changes_state=True,
            )
        )
        steps.append(
            Step(
                title=f"Check quorum without {node}",
                why="Simulated status of the remaining partition (reference 1.3, 1.4).",
                references=("1.3", "1.4", "9"),
                commands=(status_command(run_on),),
                expected=simulate.status_lines(during, stack),
                postcheck=status_check(run_on, during, stack, f"{node} has left", retries=60),
            )
        )
        back = view_of(simulate.running(c, up), run_on)
        steps.append(
            Step(
                title=f"Maintain {node}, then boot it",
                why="The window itself.",
                commands=(
                    Command(on=run_on, manual=f"Do the maintenance on {node} and power it on."),
                ),
            )
        )
        steps.append(
            Step(
                title=f"Check that {node} is back",
                why="Expected votes and quorum return with the node (reference 1.4).",
                references=("1.4",),
                commands=(status_command(run_on),),
                expected=simulate.status_lines(back, stack),
                postcheck=status_check(run_on, back, stack, f"{node} is a member", retries=600),
            )
        )
        if inp.facts.ha_resources and version.has_node_maintenance:
            steps.append(
                Step(
                    title=f"End HA maintenance mode for {node}",
                    why="Its services migrate back (pve-ha-manager 3.6.0, fix #4371).",
                    commands=(
                        Command(
                            on=run_on,
                            argv=("ha-manager", "crm-command", "node-maintenance", "disable", node),
                        ),
                    ),
                    changes_state=True,
                )
            )
    summary = f"Take {node} down: the rest ({', '.join(rest)}) " + (
        "stays quorate." if during.quorate else "loses quorum - see the options."
    )
    return Plan(
        kind=KIND,
        title=f"Planned maintenance of {node}",
        summary=summary,
        pve_version=str(version),
        stack=stack,
        cluster_name=c.name,
        run_on=run_on,
        steps=tuple(steps),
        dangers=tuple(dangers),
        options=tuple(options),
        facts=(("node", node), ("ha_resources", "yes" if inp.facts.ha_resources else "no")),
    )


def _watchdog_dangers(inp: PlanInput) -> list[Danger]:
    """The shutdown is a membership change: with HA, it must end well inside the watchdog
    timeout (reference 7, 9, 12.3)."""
    margin = watchdog_margin(inp.cluster)
    if not margin.too_close:
        return []
    fix = (
        "pve-cluster 9.1.0 writes `token_coefficient: 125` into new clusters for this reason"
        if inp.version.pvecm_create_token_coefficient is None
        else "new clusters on this version get `token_coefficient: 125`"
    )
    return [
        Danger(
            "warning",
            f"A membership change in this {len(inp.cluster.nodes)}-node cluster takes about "
            f"{margin.membership_ms / 1000:.1f} s (token plus consensus), more than half the "
            f"HA watchdog's 60 s; no LRM renews its lock meanwhile, so any slower change can "
            f"reset every HA node at once. Lower the token growth first ({fix}).",
            "7, 9, 12.3",
        )
    ]


def _affinity_dangers(inp: PlanInput, node: str) -> tuple[Danger, ...]:
    """PVE 9 places HA services by node-affinity rules instead of HA groups (12.3)."""
    if not inp.version.has_ha_rules:
        return ()
    return (
        Danger(
            "info",
            f"Proxmox VE 9 places HA services by node-affinity rules (they replace HA groups): "
            f"a strict rule that allows only {node} leaves its services nowhere to go. Check "
            f"the rules before the window.",
            "7, 12.3",
        ),
    )


def _ha_away(inp: PlanInput, node: str, run_on: str) -> Step:
    version = inp.version
    if inp.cluster.stack == "cman":
        return Step(
            title=f"Move HA services off {node}",
            why="PVE 2/3 HA runs rgmanager services; move them before the shutdown.",
            commands=(
                Command(
                    on=run_on,
                    manual=f"Relocate every HA service from {node} "
                    "(GUI, HA tab) and wait until none runs there.",
                ),
            ),
            dangers=(Danger("info", "rgmanager relocation is not covered in detail here.", "8"),),
        )
    if version.has_node_maintenance:
        return Step(
            title=f"Put {node} into HA maintenance mode",
            why="Moves every HA service away and keeps them away until disabled "
            "(`ha-manager crm-command node-maintenance`, pve-ha-manager 3.6.0 = PVE 7.4, "
            "changelog fix #4371; version mapping inferred from release dates).",
            commands=(
                Command(
                    on=run_on,
                    argv=("ha-manager", "crm-command", "node-maintenance", "enable", node),
                ),
                Command(
                    on=run_on,
                    manual=f"Wait until `ha-manager status` shows no started service on {node}.",
                ),
            ),
            dangers=_affinity_dangers(inp, node),
            rollback=f"ha-manager crm-command node-maintenance disable {node}",
            rollback_commands=(
                Command(
                    on=run_on,
                    argv=("ha-manager", "crm-command", "node-maintenance", "disable", node),
                ),
            ),
            changes_state=True,
        )
    cmd = "ha-manager crm-command migrate" if version.has_crm_command else "ha-manager migrate"
    return Step(
        title=f"Migrate HA services off {node}",
        why=f"Proxmox VE {version} has no node maintenance mode (it came with PVE 7.4); migrate "
        "each service by hand.",
        commands=(
            Command(on=run_on, argv=("ha-manager", "status")),
            Command(
                on=run_on,
                manual=f"For every service on {node}: `{cmd} SID TARGET`; wait "
                f"until none runs on {node}.",
            ),
        ),
        changes_state=True,
    )


def _options(inp: PlanInput, node: str, rest: list[str]) -> list[str]:
    c, version = inp.cluster, inp.version
    out = []
    if c.stack == "corosync" and version.has_pvecm_qdevice and not c.quorum.two_node:
        odd = len(c.nodes) % 2 == 1
        with_dev = c.with_quorum(
            device=QDevice(votes=None if odd else 1, algorithm="lms" if odd else "ffsplit")
        )
        ok = _quorate(with_dev, rest)
        if ok is not None:
            out.append(
                f"Add a QDevice before the window (plan add-qdevice): the rest would "
                f"{'stay quorate' if ok else 'still lose quorum'} (simulated)"
                + (
                    "; odd node count: not recommended (reference 3.3)."
                    if odd
                    else " (reference 3.3)."
                )
            )
    if inp.facts.ha_resources and version.has_disarm_ha:
        out.append(
            "Proxmox VE 9.2 and later can disarm HA for the whole cluster during the window "
            "(`ha-manager crm-command disarm-ha`, then `arm-ha`): no node self-fences while "
            "quorum is lost; see `ha-manager help crm-command` for its arguments "
            "(reference 12.3)."
        )
    if len(c.nodes) == 2 and not inp.facts.ha_resources and c.quorum.device is None:
        tn = c.with_quorum(two_node=1, **({"expected_votes": 1} if c.stack == "cman" else {}))
        ok = _quorate(tn, rest)
        if ok is not None:
            out.append(
                f"Switch to two-node mode before the window (plan two-node): the remaining "
                f"node {'stays quorate' if ok else 'still loses quorum'} (simulated); both "
                "halves of a network split stay quorate too (reference 1.5, 8.3)."
            )
    if inp.facts.ha_resources:
        out.append(
            "Accepting read-only /etc/pve is not an option with HA resources: the "
            "remaining nodes would self-fence (reference 7)."
        )
    else:
        out.append(
            "Accept read-only /etc/pve for the window: guests keep running, no config "
            "changes, nothing to undo (reference 6)."
        )
    missing_votes = sum(c.node(n).effective_votes for n in c.names if n not in rest)
    present = view_of(simulate.running(c, rest), rest[0]).total_votes
    safe = not simulate.other_side_quorate(c, rest, [(rest[0], present)])
    out.append(
        f"After {node} is powered off and confirmed down, `pvecm expected {present}` on "
        f"{rest[0]} ({confirm_down_hint(node)}): "
        + (
            "safe by the simulator's split check"
            if safe
            else f"refused, the {missing_votes} missing votes could form a quorate side"
        )
        + "; runtime only, lost on the next reload (reference 2.2, 1.13)."
    )
    return out


def _quorate(cluster: Cluster, rest: list[str]) -> bool | None:
    """Would `rest` be quorate with this variant of the config?  None: it would not start."""
    if startup_dangers(cluster):
        return None
    return view_of(simulate.running(cluster, rest), rest[0]).quorate


__all__ = ["KIND", "build"]
