"""two-node plans for PVE 3 (the source article) and PVE 8.

The config edits come from `pvequorum.conf.edits`.  Until that module lands, a test double
replaces the two calls the plan makes (the edit and the parse), with the exact texts for
the two fixture files, so the plan's own logic is still under test.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess

import pytest
from test_cli_plan import CLUSTER_CONF_2, COROSYNC_2

from pvequorum.model import simple_cluster
from pvequorum.procedures import (
    ClusterState,
    Facts,
    PlanInput,
    PveVersion,
    build_plan,
    confedit,
    to_markdown,
    to_shell,
)
from pvequorum.procedures.config_steps import ConfigChange

CLUSTER_CONF_NEW = CLUSTER_CONF_2.replace('config_version="2"', 'config_version="3"').replace(
    '<cman keyfile="/var/lib/pve-cluster/corosync.authkey">',
    '<cman two_node="1" expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey">',
)
COROSYNC_NEW = COROSYNC_2.replace("config_version: 2", "config_version: 3").replace(
    "  provider: corosync_votequorum\n", "  provider: corosync_votequorum\n  two_node: 1\n"
)


def _has_real_edits() -> bool:
    try:
        from pvequorum.conf import edits  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def edits(monkeypatch):
    if _has_real_edits():
        return "real"
    stack_cluster = {
        CLUSTER_CONF_2: simple_cluster(2, stack="cman"),
        CLUSTER_CONF_NEW: simple_cluster(2, stack="cman", two_node=1, expected_votes=1),
        COROSYNC_2: simple_cluster(2),
        COROSYNC_NEW: simple_cluster(2, two_node=1),
    }

    def fake_two_node(inp):
        old = inp.config_text
        new = CLUSTER_CONF_NEW if inp.cluster.stack == "cman" else COROSYNC_NEW
        path = "/etc/pve/cluster.conf" if inp.cluster.stack == "cman" else "/etc/pve/corosync.conf"
        diff = "".join(
            difflib.unified_diff(old.splitlines(True), new.splitlines(True), path, path + ".new")
        )
        rollback = old.replace("config_version: 2", "config_version: 4").replace(
            'config_version="2"', 'config_version="4"'
        )
        return ConfigChange(path, old, new, 2, 3, rollback, diff)

    monkeypatch.setattr(confedit, "two_node", fake_two_node)
    monkeypatch.setattr(
        confedit, "cluster_of", lambda text, stack=None, where=None: stack_cluster[text]
    )
    return "double"


def plan(stack, version, text, up=("pve1",), down=("pve2",), ha=False):
    cluster = simple_cluster(2, stack=stack)
    state = ClusterState.build(cluster, up=up, confirmed_down=down)
    inp = PlanInput(cluster, state, PveVersion.parse(version), Facts(ha), text)
    return build_plan("two-node", inp)


def commands(p):
    return [" ".join(c.argv) for s in p.steps for c in s.commands if c.argv]


def test_pve3_two_node_is_the_article(edits):
    p = plan("cman", "3.4", CLUSTER_CONF_2)
    assert not p.blocked
    cmds = commands(p)
    assert cmds[1] == "pvecm expected 1"  # after `pvecm status`
    assert "cp /etc/pve/cluster.conf /etc/pve/cluster.conf.new" in cmds
    assert "ccs_config_validate -v -f /etc/pve/cluster.conf.new" in cmds
    assert cmds[-1] == "mv /etc/pve/cluster.conf.new /etc/pve/cluster.conf"
    # exactly the source article's change: two_node and expected_votes first on <cman>
    assert (
        '+  <cman two_node="1" expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey">'
        in p.diff
    )
    changed = [x for x in p.diff.splitlines() if x[:1] in "+-" and x[:3] not in ("+++", "---")]
    assert len(changed) == 4  # the <cman> line and the version line, old and new
    assert '+<cluster name="mycluster" config_version="3">' in p.diff
    md = to_markdown(p)
    assert "Datacenter -> HA -> Activate" in md and "answer no" in md
    assert any(
        d.severity == "warning" and "both nodes stay quorate" in d.text for d in p.all_dangers
    )
    activate = next(s for s in p.steps if s.title.startswith("Activate"))
    assert activate.postcheck.must_show == ("Config Version: 3",)
    rollback = activate.rollback_commands[0]
    assert 'config_version="4"' in rollback.content


def test_pve8_two_node_corosync(edits):
    p = plan("corosync", "8.2", COROSYNC_2)
    cmds = commands(p)
    assert cmds[1] == "pvecm expected 1"
    assert (
        cmds.index("cp /etc/pve/corosync.conf /etc/pve/corosync.conf.new")
        < cmds.index("cp /etc/pve/corosync.conf /etc/pve/corosync.conf.bak")
        < cmds.index("mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf")
    )
    assert "+  two_node: 1" in p.diff
    activate = next(s for s in p.steps if s.title.startswith("Activate"))
    assert activate.postcheck.must_show == ("totem.config_version (u64) = 3",)
    texts = " ".join(d.text for d in p.all_dangers)
    assert "wait_for_all" in texts and "both nodes stay quorate" in texts
    final = p.steps[-1]
    assert "Flags:            2Node Quorate WaitForAll " in final.expected
    assert "Quorum:           1  " in final.expected


@pytest.mark.parametrize(
    ("stack", "version", "text"), [("cman", "3.4", CLUSTER_CONF_2), ("corosync", "8.2", COROSYNC_2)]
)
def test_two_node_scripts_pass_shellcheck(edits, stack, version, text, tmp_path):
    p = plan(stack, version, text)
    path = tmp_path / "p.sh"
    path.write_text(to_shell(p))
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed")
    subprocess.run(["bash", "-n", str(path)], check=True)
    r = subprocess.run(["shellcheck", "-s", "sh", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_two_node_refusals(edits):
    assert plan("corosync", "8.2", COROSYNC_2, up=("pve1", "pve2"), down=(), ha=True).blocked
    three = simple_cluster(3)
    st = ClusterState.build(three, up=three.names)
    p = build_plan("two-node", PlanInput(three, st, PveVersion.parse("8.2"), Facts(), "x"))
    assert p.blocked and "exactly two nodes" in p.all_dangers[0].text


def test_two_node_already_set():
    c = simple_cluster(2, two_node=1)
    st = ClusterState.build(c, up=c.names)
    p = build_plan("two-node", PlanInput(c, st, PveVersion.parse("8.2")))
    assert not p.blocked and p.steps == () and "already" in p.summary
