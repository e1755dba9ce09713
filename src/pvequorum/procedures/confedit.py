"""The one place where procedures call `pvequorum.conf` (parsers and edit transforms).

Plans edit the live file text losslessly through `conf.edits` (every transform bumps
config_version and returns the new text with a unified diff), and read the result back as a
`Cluster` so that the simulator can tell what the new config does.
"""

from __future__ import annotations

from pvequorum import conf
from pvequorum.conf import edits
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.procedures.common import PVE_CLUSTER_CONF, PVE_COROSYNC
from pvequorum.procedures.config_steps import ConfigChange
from pvequorum.procedures.state import PlanInput


def _text(inp: PlanInput) -> str:
    if inp.config_text is None:
        raise InputError("this plan edits the config file, so it needs the config text")
    return inp.config_text


def cluster_of(text: str, stack: str | None = None, where: str | None = None) -> Cluster:
    """Parse config text (corosync.conf or cluster.conf) into the model."""
    cluster = conf.parse_config(text, where=where)
    if stack is not None and cluster.stack != stack:
        raise InputError(f"expected a {stack} config, got {cluster.stack}", where)
    return cluster


def _change(path: str, old: str, new_text: str, diff: str, stack: str) -> ConfigChange:
    old_cluster = cluster_of(old, stack)
    new_cluster = cluster_of(new_text, stack)
    rollback = bump_to(old, stack, (new_cluster.config_version or 0) + 1)
    return ConfigChange(
        path=path,
        old_text=old,
        new_text=new_text,
        old_version=old_cluster.config_version or 0,
        new_version=new_cluster.config_version or 0,
        rollback_text=rollback,
        diff=diff,
    )


def bump_to(text: str, stack: str, version: int) -> str:
    """`text` with config_version set to `version` (rollback content, reference 4.3)."""
    return edits.set_config_version(text, version, stack=stack).new_text


def two_node(inp: PlanInput) -> ConfigChange:
    """two_node on: `two_node: 1` (corosync, 1.5) or `two_node="1" expected_votes="1"` on
    `<cman>` (cman, 8.3); config_version bumped by the transform."""
    old = _text(inp)
    stack = inp.cluster.stack
    result = edits.set_two_node(old, True, stack=stack)
    path = PVE_CLUSTER_CONF if stack == "cman" else PVE_COROSYNC
    return _change(path, old, result.new_text, result.diff, stack)


def change_of(old: str, result: edits.EditResult) -> ConfigChange:
    """The change a corosync.conf transform made to `old` (the link plans chain two)."""
    return _change(PVE_COROSYNC, old, result.new_text, result.diff, "corosync")


def replace_text(inp: PlanInput, new_text: str) -> ConfigChange:
    """A whole new file the operator wrote (the edit-corosync plan)."""
    import difflib

    old = _text(inp)
    stack = inp.cluster.stack
    path = PVE_CLUSTER_CONF if stack == "cman" else PVE_COROSYNC
    diff = "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=path,
            tofile=path + ".new",
        )
    )
    return _change(path, old, new_text, diff, stack)


def transport_of(text: str, stack: str, corosync_major: int) -> str | None:
    """The transport corosync runs with this config: `totem.transport`, else knet on
    corosync 3 (reference 9); None where we cannot say (cman, corosync 2's default)."""
    if stack != "corosync":
        return None
    explicit = conf.corosync.parse(text).get("totem.transport")
    if explicit:
        return str(explicit)
    return "knet" if corosync_major >= 3 else None
