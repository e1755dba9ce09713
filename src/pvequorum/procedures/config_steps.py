"""The documented ways to change the cluster config, as steps (reference 4.4, 8.5).

corosync (PVE 4+): copy to `corosync.conf.new`, edit (config_version incremented), keep a
`.bak`, `mv` into place; pmxcfs copies the file to /etc/corosync and reloads corosync
(reference 4.3).  cman (PVE 2/3): copy to `cluster.conf.new`, edit with a `config_version`
bump, `ccs_config_validate -v -f`, activate in the GUI or with `mv` (reference 8.5).

We write the planned file content rather than asking for an editor, guarded by the hash of
the file the plan was computed from: if the live file differs, the step stops.  Rolling back
is a second edit with a *higher* version, because pmxcfs ignores a lower one ("local
corosync.conf is newer", reference 4.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from pvequorum.procedures.common import file_hash_check, sha256
from pvequorum.procedures.plan import Check, Command, Danger, Step


@dataclass(frozen=True)
class ConfigChange:
    """Old and new text of the live config, with versions; `rollback_text` restores the old
    content under a version above the new one."""

    path: str
    old_text: str
    new_text: str
    old_version: int
    new_version: int
    rollback_text: str
    diff: str


def edit_steps(
    change: ConfigChange,
    node: str,
    stack: str,
    what: str,
    activation_check: Check | None = None,
    activation_expected: tuple[str, ...] = (),
    activation_dangers: tuple[Danger, ...] = (),
) -> list[Step]:
    path, new_path = change.path, change.path + ".new"
    bak = change.path + ".bak"
    out = [
        Step(
            title=f"Copy {path} to {new_path}",
            why="Edits to the live file take effect on every save (pmxcfs syncs each write), "
            "so the change is prepared in a copy (reference "
            + ("4.4)." if stack == "corosync" else "8.5)."),
            references=("4.3", "4.4") if stack == "corosync" else ("8.5",),
            commands=(Command(on=node, argv=("cp", path, new_path)),),
            precheck=file_hash_check(
                node, path, change.old_text, "the live file is the one this plan was made from"
            ),
            rollback=f"rm {new_path}",
            rollback_commands=(Command(on=node, argv=("rm", "-f", new_path)),),
            changes_state=True,
        ),
        Step(
            title=f"Write the change into {new_path}: {what}",
            why=f"config_version goes from {change.old_version} to {change.new_version}: "
            "pmxcfs copies the file out only when its version is not lower than the local "
            "one, and corosync/cman compare versions between nodes (reference "
            + ("4.3)." if stack == "corosync" else "8.1, 8.5)."),
            references=("4.3", "4.4") if stack == "corosync" else ("8.1", "8.5"),
            commands=(Command(on=node, write_file=new_path, content=change.new_text),),
            expected=tuple(change.diff.splitlines()),
            postcheck=file_hash_check(node, new_path, change.new_text, "exactly the planned text"),
            rollback=f"rm {new_path}",
            rollback_commands=(Command(on=node, argv=("rm", "-f", new_path)),),
            changes_state=True,
        ),
    ]
    if stack == "cman":
        out.append(
            Step(
                title=f"Validate {new_path}",
                why="The GUI's Activate runs the same schema check before it renames the file "
                "(`ccs_config_validate`, `-f` validates an alternate file, reference 8.5).",
                references=("8.2", "8.5"),
                commands=(Command(on=node, argv=("ccs_config_validate", "-v", "-f", new_path)),),
                rollback=f"rm {new_path}",
                rollback_commands=(Command(on=node, argv=("rm", "-f", new_path)),),
            )
        )
        activate: tuple[Command, ...] = (
            Command(
                on=node,
                manual="The next command renames the file, the manual equivalent of the "
                "GUI's Datacenter -> HA -> Activate (which validates, checks quorum and renames, "
                "reference 8.5). To activate in the GUI instead, answer no here and press "
                "Activate there.",
                confirmed_by="confirm",
            ),
            Command(on=node, argv=("mv", new_path, path)),
        )
        why = (
            "The rename is what the GUI's Activate does (`commit_config`); the `mv` is its "
            "manual equivalent (reference 8.5, inference there). pmxcfs then writes "
            "/etc/cluster/cluster.conf and runs `cman_tool version -r -S` (reference 8.1)."
        )
    else:
        out.append(
            Step(
                title=f"Back up {path}",
                why="The documented procedure keeps the previous file as .bak (reference 4.4).",
                references=("4.4",),
                commands=(Command(on=node, argv=("cp", path, bak)),),
                changes_state=True,
            )
        )
        activate = (Command(on=node, argv=("mv", new_path, path)),)
        why = (
            "Renaming the new file into place is one write: pmxcfs copies it to "
            "/etc/corosync/corosync.conf on every node (version "
            f"{change.new_version} >= local) and this node runs `corosync-cfgtool -R` one "
            "second later, which makes every corosync re-read it (reference 4.3, 1.13)."
        )
    rollback_cmds = (
        Command(on=node, write_file=new_path, content=change.rollback_text),
        *(
            (Command(on=node, argv=("ccs_config_validate", "-v", "-f", new_path)),)
            if stack == "cman"
            else ()
        ),
        Command(on=node, argv=("mv", new_path, path)),
    )
    rollback_version = change.new_version + 1
    out.append(
        Step(
            title=f"Activate: rename {new_path} to {path}",
            why=why,
            references=("4.3", "4.4", "1.13") if stack == "corosync" else ("8.1", "8.5"),
            precheck=file_hash_check(node, new_path, change.new_text, "still the planned text"),
            commands=activate,
            expected=activation_expected,
            postcheck=activation_check,
            rollback=(
                f"Write the old content back with config_version {rollback_version} (pmxcfs "
                f"ignores a lower version than the active {change.new_version}, reference "
                "4.3) and rename it into place"
                + ("." if stack == "corosync" else " after validating it.")
                + (f" The .bak copy is in {bak}." if stack == "corosync" else "")
            ),
            rollback_commands=rollback_cmds,
            dangers=activation_dangers,
            changes_state=True,
        )
    )
    return out


def version_check(node: str, stack: str, version: int) -> Check:
    """The running daemon has loaded the new config version (reference 4.3, 5.3)."""
    if stack == "cman":
        return Check(
            command=Command(on=node, argv=("cman_tool", "status")),
            must_show=(f"Config Version: {version}",),
            description=f"cman runs config version {version}",
            retries=10,
        )
    return Check(
        command=Command(on=node, argv=("corosync-cmapctl", "-g", "totem.config_version")),
        must_show=(f"totem.config_version (u64) = {version}",),
        description=f"corosync has reloaded config version {version}",
        retries=10,
    )


__all__ = ["ConfigChange", "edit_steps", "sha256", "version_check"]
