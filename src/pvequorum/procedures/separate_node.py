"""Plan: separate a node from the cluster without reinstalling (local mode, reference 4.4).

On the node: stop pve-cluster and corosync, start pmxcfs in local mode (`pmxcfs -l`, which
forces quorum), remove the cluster config, restart pve-cluster.  On a remaining node:
`pvecm delnode`, which needs quorum (reference 4.1); if the rest lost it, `pvecm expected`
under the restore-quorum checks first.  Finally clear /var/lib/corosync on the separated node.
"""

from __future__ import annotations

from pvequorum.errors import InputError
from pvequorum.procedures import restore_quorum, simulate
from pvequorum.procedures.common import startup_dangers, view_of
from pvequorum.procedures.plan import Command, Danger, Plan, Step
from pvequorum.procedures.state import ClusterState, PlanInput

KIND = "separate-node"


def build(inp: PlanInput, node: str | None) -> Plan:
    c, stack = inp.cluster, inp.cluster.stack
    if not node:
        raise InputError("which node is to be separated? (--node)")
    c.node(node)
    up = [n for n in c.names if n in inp.state.up]
    rest = [n for n in up if n != node]
    dangers: list[Danger] = list(startup_dangers(c))
    if stack == "cman":
        dangers.append(
            Danger(
                "blocking",
                "The documented separation is for corosync clusters (PVE 4 "
                "and later); PVE 2/3 used cman and is not covered.",
                "4.4, 8",
            )
        )
    if node not in up:
        dangers.append(
            Danger(
                "blocking",
                f"{node} is not up: local mode must be started on it. For a "
                "dead node, power it off for good and run `pvecm delnode` only.",
                "4.4",
            )
        )
    if not rest:
        dangers.append(
            Danger("blocking", f"No other node is up to run `pvecm delnode {node}`.", "4.1")
        )
    steps: list[Step] = []
    if not any(d.severity == "blocking" for d in dangers):
        run_on = inp.state.local if inp.state.local in rest else rest[0]
        after_sep = view_of(simulate.running(c, rest), run_on)
        pre: list[Step] = []
        if not after_sep.quorate:
            sub_state = ClusterState(
                up=frozenset(rest),
                confirmed_down=inp.state.confirmed_down | {node},
                local=run_on,
            )
            sub = PlanInput(c, sub_state, inp.version, inp.facts, inp.config_text)
            step, sub_dangers, _ = restore_quorum.expected_step(sub)
            dangers.extend(sub_dangers)
            if step is not None:
                pre.append(step)
        steps = _steps(node, run_on) if not any(d.severity == "blocking" for d in dangers) else []
        steps[5:5] = pre  # before `pvecm delnode`
        dangers.append(
            Danger(
                "warning",
                f"{node} keeps its guests and the storage definitions it had: make sure no "
                "guest runs on both sides and that shared storage is not written by both "
                f"(inference). {node} must never rejoin with its old cluster config.",
                "4.4",
            )
        )
    else:
        run_on = rest[0] if rest else node
    blocked = any(d.severity == "blocking" for d in dangers)
    return Plan(
        kind=KIND,
        title=f"Separate {node} from cluster {c.name}",
        summary=(
            f"Put {node} into local mode, remove its cluster config, and delete it from the "
            f"cluster on {run_on}."
            if not blocked
            else f"{node} cannot be separated safely now; see the blocking dangers."
        ),
        pve_version=str(inp.version),
        stack=stack,
        cluster_name=c.name,
        run_on=run_on,
        steps=tuple(s for s in steps if not (blocked and s.changes_state)),
        dangers=tuple(dict.fromkeys(dangers)),
        facts=(("node", node),),
    )


def _steps(node: str, run_on: str) -> list[Step]:
    def on_node(*argv: str) -> Command:
        return Command(on=node, argv=argv)

    local = Step(
        title=f"Stop the cluster services on {node} and start pmxcfs in local mode",
        why="`pmxcfs -l` ignores corosync.conf and forces quorum, so /etc/pve is writable "
        "without the cluster (reference 4.4, 6).",
        references=("4.4", "6"),
        commands=(
            on_node("systemctl", "stop", "pve-cluster"),
            on_node("systemctl", "stop", "corosync"),
            on_node("pmxcfs", "-l"),
        ),
        rollback=f"killall pmxcfs; systemctl start corosync pve-cluster on {node}",
        changes_state=True,
    )
    remove = Step(
        title=f"Remove the cluster config on {node}",
        why="Without corosync.conf the node stays a single node (reference 4.4).",
        references=("4.4",),
        commands=(
            on_node("rm", "/etc/pve/corosync.conf"),
            on_node("sh", "-c", "rm -r /etc/corosync/*"),
        ),
        rollback="No simple rollback: the config is gone on this node; rejoin with `pvecm add`.",
        changes_state=True,
    )
    restart = Step(
        title=f"Restart pmxcfs normally on {node}",
        why="The documented sequence (reference 4.4).",
        references=("4.4",),
        commands=(on_node("killall", "pmxcfs"), on_node("systemctl", "start", "pve-cluster")),
        changes_state=True,
    )
    delnode = Step(
        title=f"Delete {node} from the cluster on {run_on}",
        why="`pvecm delnode` removes it from corosync.conf (version bump) and needs quorum "
        "(reference 4.1, 4.4).",
        references=("4.1", "4.4"),
        commands=(Command(on=run_on, argv=("pvecm", "delnode", node)),),
        changes_state=True,
    )
    clean = Step(
        title=f"Clear the corosync state on {node}",
        why="The documented last step (reference 4.4).",
        references=("4.4",),
        commands=(on_node("sh", "-c", "rm /var/lib/corosync/*"),),
        changes_state=True,
    )
    look = Step(
        title=f"Look at quorum on {run_on}",
        why="pvecm status of the remaining cluster (reference 5.1).",
        references=("5.1",),
        commands=(Command(on=run_on, argv=("pvecm", "status"), may_fail=True),),
    )
    # Index 5 is where a `pvecm expected` step goes when the rest has lost quorum.
    return [local, remove, restart, look, _separated_check(node), delnode, clean]


def _separated_check(node: str) -> Step:
    return Step(
        title=f"Check that {node} runs on its own",
        why="In local mode pmxcfs forces quorum; `pvecm status` on it now fails because there "
        "is no corosync.conf (reference 2.3, 4.4).",
        references=("2.3", "4.4"),
        commands=(Command(on=node, argv=("ls", "/etc/pve")),),
    )


__all__ = ["KIND", "build"]
