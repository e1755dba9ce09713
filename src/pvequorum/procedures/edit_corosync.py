"""Plan: change corosync.conf (or, on PVE 2/3, cluster.conf) the documented safe way.

Reference 4.4 (corosync): `.new` copy, edit with config_version incremented, `.bak`, `mv`.
Not quorate: /etc/pve is read-only (reference 6), so quorum comes first with `pvecm expected
N` under the restore-quorum checks, and the reload triggered by saving throws that lowered
value away again (reference 4.4 caveats, 1.13).  Some keys need a restart, not a reload
(reference 1.13, 10.11).
"""

from __future__ import annotations

from pvequorum.model import Cluster
from pvequorum.procedures import confedit, restore_quorum, simulate
from pvequorum.procedures.common import PVE_CLUSTER_CONF, PVE_COROSYNC, view_of
from pvequorum.procedures.config_steps import edit_steps, version_check
from pvequorum.procedures.plan import Command, Danger, Plan, Step
from pvequorum.procedures.state import PlanInput

KIND = "edit-corosync"

# Read only at startup: a reload ignores them silently (reference 1.13, 10.11).
RESTART_KEYS = (
    "wait_for_all",
    "last_man_standing",
    "last_man_standing_window",
    "auto_tie_breaker",
    "auto_tie_breaker_node",
)


def restart_keys_changed(old: Cluster, new: Cluster) -> tuple[str, ...]:
    return tuple(k for k in RESTART_KEYS if getattr(old.quorum, k) != getattr(new.quorum, k))


def build(inp: PlanInput, new_text: str | None = None) -> Plan:
    c, stack, node = inp.cluster, inp.cluster.stack, inp.run_node
    path = PVE_CLUSTER_CONF if stack == "cman" else PVE_COROSYNC
    up = [n for n in c.names if n in inp.state.up]
    dangers: list[Danger] = []
    steps: list[Step] = []
    options: list[str] = []
    diff = None
    now = view_of(simulate.running(c, up), node)
    if not now.quorate:
        sub = restore_quorum.build(inp)
        dangers.extend(sub.dangers)
        options.extend(sub.options)
        steps.extend(s for s in sub.steps if not s.deferred)
        if stack == "corosync":
            dangers.append(
                Danger(
                    "warning",
                    "Saving corosync.conf makes pmxcfs run `corosync-cfgtool -R`, which resets "
                    "expected votes to the configured sum: this partition loses quorum again "
                    "right after the write (inference). Make the one change, then check.",
                    "4.4, 1.13",
                )
            )
    blocked = any(d.severity == "blocking" for d in dangers)
    if not blocked and new_text is not None:
        change = confedit.replace_text(inp, new_text)
        diff = change.diff
        new_cluster = confedit.cluster_of(new_text, stack)
        if change.new_version <= change.old_version:
            dangers.append(
                Danger(
                    "blocking",
                    f"The new file keeps config_version {change.new_version} (was "
                    f"{change.old_version}): increment it, or pmxcfs and the other nodes do "
                    "not take the change.",
                    "4.3, 4.4",
                )
            )
        changed = restart_keys_changed(c, new_cluster)
        if changed and stack == "corosync":
            dangers.append(
                Danger(
                    "warning",
                    f"{', '.join(changed)} changed: read only at startup, a reload ignores it. "
                    "Restart corosync on every node, one at a time (`systemctl restart "
                    "corosync`).",
                    "1.13, 10.11",
                )
            )
        if not any(d.severity == "blocking" for d in dangers):
            steps.extend(
                edit_steps(
                    change,
                    node,
                    stack,
                    "the prepared file",
                    activation_check=version_check(node, stack, change.new_version),
                )
            )
    elif not blocked:
        steps.extend(_manual_steps(node, stack, path, c.config_version))
    blocked = any(d.severity == "blocking" for d in dangers)
    return Plan(
        kind=KIND,
        title=f"Edit {path} safely",
        summary=(
            f"Change {path} through {path}.new with config_version incremented"
            + (", after restoring quorum." if not now.quorate else ".")
        )
        if not blocked
        else f"{path} cannot be edited safely now; see the blocking dangers.",
        pve_version=str(inp.version),
        stack=stack,
        cluster_name=c.name,
        run_on=node,
        steps=tuple(s for s in steps if not (blocked and s.changes_state)),
        dangers=tuple(dict.fromkeys(dangers)),
        options=tuple(options),
        diff=diff,
    )


def _manual_steps(node: str, stack: str, path: str, version: int | None) -> list[Step]:
    new, bak = path + ".new", path + ".bak"
    after = f"{(version or 0) + 1}" if version else "the old value + 1"
    steps = [
        Step(
            title=f"Copy {path} to {new}",
            why="Every save of the live file is synced at once; work on a copy (reference "
            + ("4.4)." if stack == "corosync" else "8.5)."),
            references=("4.4",) if stack == "corosync" else ("8.5",),
            commands=(Command(on=node, argv=("cp", path, new)),),
            rollback=f"rm {new}",
            rollback_commands=(Command(on=node, argv=("rm", "-f", new)),),
            changes_state=True,
        ),
        Step(
            title=f"Edit {new}",
            why="ALWAYS increment config_version, or pmxcfs does not copy the file out "
            "(reference 4.3, 4.4).",
            references=("4.3", "4.4"),
            commands=(
                Command(
                    on=node,
                    manual=f"Edit {new} (nano or vim.tiny): make the change and set "
                    f"config_version to {after}.",
                ),
            ),
            rollback=f"rm {new}",
            changes_state=True,
        ),
    ]
    if stack == "cman":
        steps.append(
            Step(
                title=f"Validate {new}",
                why="Schema check before activation (reference 8.5).",
                references=("8.5",),
                commands=(Command(on=node, argv=("ccs_config_validate", "-v", "-f", new)),),
            )
        )
    else:
        steps.append(
            Step(
                title=f"Back up {path}",
                why="Keep the previous file (reference 4.4).",
                references=("4.4",),
                commands=(Command(on=node, argv=("cp", path, bak)),),
                changes_state=True,
            )
        )
    steps.append(
        Step(
            title=f"Activate: rename {new} to {path}",
            why="pmxcfs copies it out and reloads corosync/cman (reference 4.3, 8.1).",
            references=("4.3", "8.1"),
            commands=(Command(on=node, argv=("mv", new, path)),),
            postcheck=version_check(node, stack, version + 1) if version else None,
            rollback="Write the old content with a config_version above the new one, then "
            "rename it into place (a lower version is ignored, reference 4.3).",
            changes_state=True,
        )
    )
    if stack == "corosync":
        steps.append(
            Step(
                title="Check corosync",
                why="The documented checks after the change (reference 4.4).",
                references=("4.4",),
                commands=(
                    Command(on=node, argv=("systemctl", "status", "corosync"), may_fail=True),
                    Command(on=node, argv=("journalctl", "-b", "-u", "corosync", "--no-pager")),
                ),
            )
        )
    return steps
