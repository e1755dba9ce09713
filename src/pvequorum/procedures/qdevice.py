"""Plans: add a QDevice (`pvecm qdevice setup`) and remove it (`pvecm qdevice remove`).

Reference 3.3: packages on the QNetd host and every node, every node online, no existing
device, an even node count (odd needs `--force` and gets algorithm lms with N-1 votes), and
no two_node (reference 1.12).  The commands configure corosync.conf themselves; we only run
them with their pre- and post-checks.  The cman era had quorum disks, not QDevices.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from pvequorum.errors import InputError
from pvequorum.model import Cluster, QDevice
from pvequorum.procedures import simulate
from pvequorum.procedures.common import startup_dangers, status_check, status_command, view_of
from pvequorum.procedures.plan import Command, Danger, Plan, Step
from pvequorum.procedures.state import PlanInput

ADD, REMOVE = "add-qdevice", "remove-qdevice"


def check_address(host: str | None) -> str:
    """`pvecm qdevice setup` takes an IP address (parameter format `ip`, reference 3.3)."""
    if not host:
        raise InputError("the QNetd host address is required", "--qdevice-host")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise InputError(
            f"{host!r} is not an IP address; `pvecm qdevice setup` takes the QNetd host's IP",
            "--qdevice-host",
        ) from None


def _common_blockers(inp: PlanInput, what: str) -> list[Danger]:
    out: list[Danger] = list(startup_dangers(inp.cluster))
    if inp.cluster.stack == "cman":
        out.append(
            Danger(
                "blocking",
                "Proxmox VE 2.x/3.x (cman) have no QDevice; their third vote was a quorum disk "
                "(`<quorumd>`, qdiskd), which these plans do not cover.",
                "8.3",
            )
        )
        return out
    if not inp.version.has_pvecm_qdevice:
        out.append(
            Danger(
                "blocking",
                f"`pvecm qdevice` arrived with pve-cluster 5.0-34 (Proxmox VE 5.4); "
                f"{inp.version} does not have it. Upgrade first.",
                "3.3",
            )
        )
    down = inp.state.missing(inp.cluster)
    if down:
        out.append(
            Danger(
                "blocking",
                f"All nodes must be online for `pvecm qdevice {what}` (it aborts with `All "
                f"nodes must be online! Node ... is offline, aborting.`); down: {', '.join(down)}.",
                "3.3",
            )
        )
    return out


def _with_device(cluster: Cluster, host: str) -> tuple[Cluster, QDevice]:
    odd = len(cluster.nodes) % 2 == 1
    device = QDevice(
        model="net", votes=None if odd else 1, algorithm="lms" if odd else "ffsplit", host=host
    )
    return cluster.with_quorum(device=device), device


def build_add(inp: PlanInput, host: str | None) -> Plan:
    c, node = inp.cluster, inp.run_node
    addr = check_address(host)
    q = c.quorum
    dangers = _common_blockers(inp, "setup")
    odd = len(c.nodes) % 2 == 1
    if q.device is not None:
        dangers.append(
            Danger(
                "blocking",
                "A QDevice is already configured (`QDevice already configured!`); remove it first.",
                "3.3",
            )
        )
    if q.two_node:
        dangers.append(
            Danger(
                "blocking",
                "two_node is set: two_node and a quorum device cannot be "
                "configured at the same time. Remove two_node first (edit-corosync).",
                "1.12",
            )
        )
    for key in ("auto_tie_breaker", "last_man_standing"):
        if getattr(q, key):
            dangers.append(
                Danger("blocking", f"{key} is not compatible with a quorum device.", "1.12")
            )
    if q.expected_votes is not None:
        dangers.append(
            Danger(
                "blocking",
                "quorum.expected_votes is set; with a QDevice corosync then "
                "needs explicit device votes. Remove expected_votes first.",
                "1.12",
            )
        )
    uneven = [n.name for n in c.nodes if n.effective_votes != 1]
    if uneven:
        dangers.append(
            Danger(
                "blocking",
                f"{', '.join(uneven)} do not have 1 vote; ffsplit and the "
                "automatic lms votes need 1 vote per node.",
                "1.2, 3.2",
            )
        )
    steps: list[Step] = []
    summary = f"Add a QDevice on {addr} to cluster {c.name}."
    if odd:
        dead = c.with_quorum(expected_votes=2 * len(c.nodes) - 1)
        lone = simulate.running(dead, c.names[1:])
        dangers.append(
            Danger(
                "warning",
                f"Odd node count ({len(c.nodes)}): not officially supported; needs --force and "
                f"gets algorithm lms with {len(c.nodes) - 1} votes. If the QNetd host fails, "
                "no node may fail: its votes still count toward expected votes (simulated with "
                f"one node down: {view_of(lone, lone.running[0]).total_votes} of "
                f"{view_of(lone, lone.running[0]).expected_votes} votes, quorate: "
                f"{'yes' if view_of(lone, lone.running[0]).quorate else 'no'}).",
                "3.3, 10.1",
            )
        )
    if not any(d.severity == "blocking" for d in dangers):
        new_cluster, device = _with_device(c, addr)
        after = view_of(simulate.running(new_cluster, c.names), node)
        setup = ("pvecm", "qdevice", "setup", addr, *(("--force",) if odd else ()))
        steps = [
            Step(
                title="Check that every node is online and quorate",
                why="`pvecm qdevice setup` aborts when any node is offline (reference 3.3).",
                references=("3.3",),
                commands=(status_command(node),),
                postcheck=status_check(
                    node,
                    view_of(simulate.running(c, c.names), node),
                    c.stack,
                    "all nodes members, quorate",
                ),
            ),
            Step(
                title=f"Install corosync-qnetd on the QNetd host {addr}",
                why="The external vote runs corosync-qnetd (reference 3.3). `-y` because the "
                "script has no terminal for apt's question.",
                references=("3.3",),
                commands=(Command(on=addr, argv=("apt", "install", "-y", "corosync-qnetd")),),
                rollback="apt remove corosync-qnetd on the QNetd host",
                changes_state=True,
            ),
            Step(
                title="Install corosync-qdevice on every node",
                why="Every cluster node runs the corosync-qdevice daemon (reference 3.3).",
                references=("3.3",),
                commands=tuple(
                    Command(on=n, argv=("apt", "install", "-y", "corosync-qdevice"))
                    for n in c.names
                ),
                rollback="apt remove corosync-qdevice on every node",
                changes_state=True,
            ),
            Step(
                title="Set up the QDevice",
                why=(
                    "Copies ssh keys and certificates, adds the quorum.device section with "
                    f"algorithm {device.algorithm}"
                    + ("" if odd else " and votes 1")
                    + ", starts corosync-qdevice on every node and reloads corosync "
                    "(reference 3.3). It asks for the QNetd host's root password once "
                    "(ssh-copy-id)."
                ),
                references=("3.3", "1.2", "1.4"),
                commands=(Command(on=node, argv=setup),),
                expected=simulate.status_lines(after, c.stack),
                postcheck=status_check(node, after, c.stack, "the QDevice votes", retries=30),
                rollback="pvecm qdevice remove",
                rollback_commands=(Command(on=node, argv=("pvecm", "qdevice", "remove")),),
                changes_state=True,
            ),
        ]
        dangers.append(
            Danger(
                "info",
                "PVE's docs say the QDevice picks a partition 'randomly' in a 50:50 split; "
                "qnetd decides deterministically (score, active clients, previous quorate "
                "partition, then tie_breaker lowest).",
                "3.2, 10.13",
            )
        )
    else:
        summary = "A QDevice cannot be added safely now; see the blocking dangers."
    return Plan(
        kind=ADD,
        title=f"Add a QDevice to cluster {c.name}",
        summary=summary,
        pve_version=str(inp.version),
        stack=c.stack,
        cluster_name=c.name,
        run_on=node,
        steps=tuple(steps),
        dangers=tuple(dangers),
        facts=(("qdevice_host", addr), ("nodes", str(len(c.nodes)))),
    )


def build_remove(inp: PlanInput) -> Plan:
    c, node = inp.cluster, inp.run_node
    dangers = _common_blockers(inp, "remove")
    steps: list[Step] = []
    device = c.quorum.device
    if device is None and c.stack == "corosync":
        summary = "No QDevice is configured; nothing to remove."
    elif any(d.severity == "blocking" for d in dangers):
        summary = "The QDevice cannot be removed safely now; see the blocking dangers."
    else:
        assert device is not None
        without = replace(c, quorum=replace(c.quorum, device=None))
        after = view_of(simulate.running(without, c.names), node)
        one_down = simulate.running(without, c.names[1:])
        if not view_of(one_down, one_down.running[0]).quorate:
            dangers.append(
                Danger(
                    "warning",
                    f"Without the QDevice this {len(c.nodes)}-node cluster loses quorum as soon "
                    "as one node is down (simulated); /etc/pve then turns read-only.",
                    "3.3, 6",
                )
            )
        summary = f"Remove the QDevice from cluster {c.name}."
        rollback = (
            (
                (
                    Command(
                        on=node,
                        argv=(
                            "pvecm",
                            "qdevice",
                            "setup",
                            device.host,
                            *(("--force",) if len(c.nodes) % 2 else ()),
                        ),
                    )
                ),
            )
            if device.host
            else ()
        )
        steps = [
            Step(
                title="Check that every node is online",
                why="`pvecm qdevice remove` needs every node online (reference 3.3).",
                references=("3.3",),
                commands=(status_command(node),),
                postcheck=status_check(
                    node,
                    view_of(simulate.running(c, c.names), node),
                    c.stack,
                    "all nodes members, with the QDevice's vote",
                ),
            ),
            Step(
                title="Remove the QDevice",
                why="Deletes the device section (version bump), removes /etc/corosync/qdevice, "
                "stops and disables corosync-qdevice on every node and reloads corosync; it "
                "prints `Removed Qdevice.` (reference 3.3).",
                references=("3.3",),
                commands=(Command(on=node, argv=("pvecm", "qdevice", "remove")),),
                expected=simulate.status_lines(after, c.stack),
                postcheck=status_check(node, after, c.stack, "no QDevice votes", retries=30),
                rollback="Set the QDevice up again (reference 3.3).",
                rollback_commands=rollback,
                changes_state=True,
            ),
        ]
    return Plan(
        kind=REMOVE,
        title=f"Remove the QDevice from cluster {c.name}",
        summary=summary,
        pve_version=str(inp.version),
        stack=c.stack,
        cluster_name=c.name,
        run_on=node,
        steps=tuple(steps),
        dangers=tuple(dangers),
    )
