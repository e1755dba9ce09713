"""Procedures: goldens for the classic cases, refusals, and the rules behind them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pvequorum.errors import InputError
from pvequorum.model import Cluster, Node, QDevice, simple_cluster
from pvequorum.procedures import (
    ClusterState,
    Facts,
    NodeStatus,
    PlanInput,
    PveVersion,
    build_plan,
    confirm_token,
    to_json,
    to_markdown,
    to_shell,
)

GOLDEN = Path(__file__).parent / "golden" / "procedures"
UPDATE = os.environ.get("PVEQUORUM_UPDATE_GOLDEN") == "1"


def golden(name: str, text: str) -> None:
    """Compare with tests/golden/procedures/NAME; PVEQUORUM_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with PVEQUORUM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def plan_for(cluster, up, version, *, down=(), ha=False, kind="restore-quorum", **kw):
    state = ClusterState.build(cluster, up=up, confirmed_down=down)
    return build_plan(kind, PlanInput(cluster, state, PveVersion.parse(version), Facts(ha)), **kw)


def commands(plan) -> list[str]:
    return [" ".join(c.argv) for s in plan.steps for c in s.commands if c.argv]


# --- versions and inputs --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "stack", "corosync", "transport"),
    [
        ("2.3", "cman", 1, "udp (multicast)"),
        ("3.4", "cman", 1, "udp (multicast)"),
        ("4.4", "corosync", 2, "udp (multicast)"),
        ("5.4", "corosync", 2, "udp (multicast)"),
        ("6", "corosync", 3, "knet"),
        ("8.2.4", "corosync", 3, "knet"),
        (
            "pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-4-pve)",
            "corosync",
            3,
            "knet",
        ),
    ],
)
def test_version_generations(text, stack, corosync, transport):
    v = PveVersion.parse(text)
    assert (v.stack, v.corosync_major, v.transport) == (stack, corosync, transport)


@pytest.mark.parametrize("text", ["", "eight", "1.9", "10.0", "8.x", "3.4; reboot"])
def test_bad_versions_are_input_errors(text):
    with pytest.raises(InputError):
        PveVersion.parse(text)


def test_feature_gates():
    assert not PveVersion.parse("5.3").has_pvecm_qdevice
    assert PveVersion.parse("5.4").has_pvecm_qdevice
    assert not PveVersion.parse("7.3").has_node_maintenance  # 3.5.1; came with 7.4
    assert PveVersion.parse("7.4").has_node_maintenance


def test_version_must_match_config_format():
    c = simple_cluster(2)
    state = ClusterState.build(c, up=["pve1"])
    with pytest.raises(InputError, match=r"Proxmox VE 3\.4 uses cman.*corosync\.conf"):
        PlanInput(c, state, PveVersion.parse("3.4"))
    cman = simple_cluster(2, stack="cman")
    with pytest.raises(InputError, match=r"cluster\.conf"):
        PlanInput(cman, ClusterState.build(cman, up=["pve1"]), PveVersion.parse("8.2"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"up": ["pve9"]}, "unknown node 'pve9'"),
        ({"up": ["pve1"], "confirmed_down": ["nope"]}, "unknown node 'nope'"),
        ({"up": ["pve1"], "confirmed_down": ["pve1"]}, "both up and confirmed down"),
        ({}, "say which nodes are up"),
        ({"up": []}, "no node is up"),
        (
            {"up": ["pve1"], "status": [NodeStatus("pve1", False, ("pve1", "pve2"))]},
            "status shows members",
        ),
        (
            {
                "status": [
                    NodeStatus("pve1", True, ("pve1", "pve2")),
                    NodeStatus("pve3", False, ("pve3",)),
                ]
            },
            "different memberships",
        ),
        ({"status": [NodeStatus("pve1", False, ("pve2",))]}, "does not list pve1"),
    ],
)
def test_conflicting_state_is_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        ClusterState.build(simple_cluster(3), **kwargs)


def test_status_gives_up_and_local():
    c = simple_cluster(3)
    st = ClusterState.build(c, status=[NodeStatus("pve2", True, ("pve2", "pve3"))])
    assert st.up == {"pve2", "pve3"} and st.run_node(c) == "pve2"


# --- restore quorum: the classic cases ------------------------------------------------------
@pytest.mark.parametrize(("version", "stack"), [("3.4", "cman"), ("8.2", "corosync")])
def test_two_node_one_down_restores_with_expected_1(version, stack):
    c = simple_cluster(2, stack=stack)
    plan = plan_for(c, ["pve1"], version, down=["pve2"])
    assert not plan.blocked
    assert plan.expected_steps == (("pve1", 1),)
    assert "pvecm expected 1" in commands(plan)
    step = next(s for s in plan.steps if s.changes_state)
    if stack == "cman":
        assert "cman_tool expected -e 1" in step.why
        assert step.expected == ("Nodes: 1", "Expected votes: 1", "Total votes: 1", "Quorum: 1  ")
    else:
        assert "corosync-quorumtool -e 1" in step.why
        assert "Quorate:          Yes" in step.expected
        assert "Quorum:           1  " in step.expected
    assert any(d.severity == "warning" for d in plan.all_dangers)  # the reload throws it away
    name = f"two-node-one-down-pve{version[0]}"
    golden(f"{name}.md", to_markdown(plan))
    golden(f"{name}.sh", to_shell(plan))
    golden(f"{name}.json", to_json(plan))


def test_five_nodes_three_up_is_already_quorate():
    plan = plan_for(simple_cluster(5), ["pve1", "pve2", "pve3"], "8.2")
    assert not plan.blocked and plan.expected_steps == ()
    assert "nothing to restore" in plan.summary
    assert any("`pvecm expected 1` would be refused" in d.text for d in plan.all_dangers)
    assert plan.steps[0].expected[1] == "Quorate:          Yes"
    golden("five-nodes-three-up.md", to_markdown(plan))


def test_five_nodes_two_up_confirmed_down_warns_about_their_restart():
    """Confirmed down, the three missing nodes cannot be quorate now, but would be on their
    own if started while the network is split: a warning, and expected = votes present."""
    plan = plan_for(simple_cluster(5), ["pve1", "pve2"], "8.2", down=["pve3", "pve4", "pve5"])
    assert not plan.blocked and plan.expected_steps == (("pve1", 2),)
    warnings = [d for d in plan.all_dangers if "split brain (simulated)" in d.text]
    assert warnings and all(d.severity == "warning" for d in warnings)


def test_five_nodes_two_up_unconfirmed_is_refused():
    plan = plan_for(simple_cluster(5), ["pve1", "pve2"], "8.2", down=["pve3"])
    assert plan.blocked and plan.expected_steps == ()


def test_isolated_node_must_not_run_expected_1():
    plan = plan_for(simple_cluster(3), ["pve1"], "8.2")
    assert plan.blocked
    assert "pvecm expected 1" not in commands(plan)
    texts = " ".join(d.text for d in plan.all_dangers if d.severity == "blocking")
    assert "pve2, pve3 not confirmed down" in texts
    assert not any(s.changes_state for s in plan.steps)
    golden("isolated-node.md", to_markdown(plan))
    golden("isolated-node.sh", to_shell(plan))


def test_unconfirmed_peer_blocks_the_two_node_fix():
    plan = plan_for(simple_cluster(2), ["pve1"], "8.2")
    assert plan.blocked and plan.expected_steps == ()


def test_ha_warns_about_self_fencing():
    plan = plan_for(simple_cluster(2), ["pve1"], "8.2", down=["pve2"], ha=True)
    assert any(d.reference == "7" and "watchdog" in d.text for d in plan.all_dangers)


def test_weighted_votes_choose_the_votes_present():
    c = Cluster("lab", (Node("a", 1, 3), Node("b", 2, 1), Node("c", 3, 1)))
    plan = plan_for(c, ["b", "c"], "8.2", down=["a"])
    # 2 of 5 votes; the missing node holds 3 >= quorum 3: quorate alone if it restarts split.
    assert plan.expected_steps == (("b", 2),)
    assert any(d.severity == "warning" and "split brain" in d.text for d in plan.all_dangers)
    c = Cluster("lab", (Node("a", 1, 2), Node("b", 2, 1), Node("c", 3, 1)))
    plan = plan_for(c, ["a"], "8.2", down=["b", "c"])  # 2 of 4; the others hold only 2
    assert plan.expected_steps == (("a", 2),)


def test_live_status_mismatch_blocks():
    c = simple_cluster(2)
    st = ClusterState.build(
        c,
        confirmed_down=["pve2"],
        status=[NodeStatus("pve1", False, ("pve1",), expected_votes=2, total_votes=2)],
    )
    plan = build_plan("restore-quorum", PlanInput(c, st, PveVersion.parse("8.2")))
    text = plan.all_dangers[0].text
    assert plan.blocked and "status says `Total votes: 2`" in text
    assert "config gives `Total votes: 1`" in text
    assert not plan.steps


def test_startup_error_blocks():
    c = simple_cluster(2, two_node=1, device=QDevice(votes=1))
    plan = plan_for(c, ["pve1"], "8.2", down=["pve2"])
    assert plan.blocked and "two_node and quorum device" in plan.all_dangers[0].text


# --- QDevice ------------------------------------------------------------------------------
def test_qdevice_even_count():
    plan = plan_for(
        simple_cluster(2), ["pve1", "pve2"], "8.2", kind="add-qdevice", qdevice_host="192.0.2.10"
    )
    assert not plan.blocked
    cmds = commands(plan)
    assert "pvecm qdevice setup 192.0.2.10" in cmds
    assert "apt install -y corosync-qdevice" in cmds
    assert plan.steps[-1].expected[2] == "Expected votes:   3"


def test_qdevice_odd_count_needs_force_and_warns():
    plan = plan_for(
        simple_cluster(3),
        ["pve1", "pve2", "pve3"],
        "8.2",
        kind="add-qdevice",
        qdevice_host="192.0.2.10",
    )
    assert "pvecm qdevice setup 192.0.2.10 --force" in commands(plan)
    warn = next(d for d in plan.all_dangers if d.severity == "warning")
    assert "lms with 2 votes" in warn.text and "2 of 5 votes, quorate: no" in warn.text
    assert plan.steps[-1].expected[2] == "Expected votes:   5"
    golden("qdevice-odd.md", to_markdown(plan))
    golden("qdevice-odd.sh", to_shell(plan))


@pytest.mark.parametrize(
    ("cluster", "up", "version", "text"),
    [
        (simple_cluster(2), ["pve1"], "8.2", "All nodes must be online"),
        (simple_cluster(2, two_node=1), ["pve1", "pve2"], "8.2", "two_node is set"),
        (simple_cluster(2, device=QDevice(votes=1)), ["pve1", "pve2"], "8.2", "already"),
        (simple_cluster(2), ["pve1", "pve2"], "5.3", "5.4"),
        (simple_cluster(2, stack="cman"), ["pve1", "pve2"], "3.4", "quorum disk"),
        (simple_cluster(2, votes=[2, 1]), ["pve1", "pve2"], "8.2", "1 vote"),
    ],
)
def test_qdevice_refusals(cluster, up, version, text):
    plan = plan_for(cluster, up, version, kind="add-qdevice", qdevice_host="192.0.2.10")
    assert plan.blocked and not any(s.changes_state for s in plan.steps)
    assert any(text in d.text for d in plan.all_dangers if d.severity == "blocking")


@pytest.mark.parametrize("host", ["qnetd.example", "1.2.3.4; reboot", "$(reboot)", "a b", None])
def test_qdevice_host_must_be_an_ip(host):
    with pytest.raises(InputError, match="qdevice-host"):
        plan_for(simple_cluster(2), ["pve1", "pve2"], "8.2", kind="add-qdevice", qdevice_host=host)


def test_remove_qdevice():
    c = simple_cluster(2, device=QDevice(votes=1, host="192.0.2.10"))
    plan = plan_for(c, ["pve1", "pve2"], "8.2", kind="remove-qdevice")
    assert "pvecm qdevice remove" in commands(plan)
    assert plan.steps[-1].rollback_commands[0].argv == ("pvecm", "qdevice", "setup", "192.0.2.10")
    assert any("loses quorum" in d.text for d in plan.all_dangers)


# --- maintenance and separation -------------------------------------------------------------
def test_maintenance_three_nodes_stays_quorate():
    plan = plan_for(
        simple_cluster(3), ["pve1", "pve2", "pve3"], "7.4", kind="maintenance", node="pve3", ha=True
    )
    assert not plan.blocked and plan.run_on == "pve1"
    cmds = commands(plan)
    assert "ha-manager crm-command node-maintenance enable pve3" in cmds
    assert "ha-manager crm-command node-maintenance disable pve3" in cmds
    during = next(s for s in plan.steps if s.title == "Check quorum without pve3")
    assert "Quorate:          Yes" in during.expected


def test_maintenance_before_7_4_migrates_by_hand():
    plan = plan_for(
        simple_cluster(3), ["pve1", "pve2", "pve3"], "7.3", kind="maintenance", node="pve3", ha=True
    )
    assert not any("node-maintenance" in c for c in commands(plan))
    assert any("crm-command migrate" in (c.manual or "") for s in plan.steps for c in s.commands)


def test_maintenance_two_nodes_ranks_options():
    plan = plan_for(simple_cluster(2), ["pve1", "pve2"], "8.2", kind="maintenance", node="pve2")
    assert not plan.blocked
    assert plan.options[0].startswith("Add a QDevice") and "stay quorate" in plan.options[0]
    assert plan.options[1].startswith("Switch to two-node mode")
    assert plan.options[2].startswith("Accept read-only")
    assert "pvecm expected 1" in plan.options[3]
    golden("maintenance-two-nodes.md", to_markdown(plan))


def test_maintenance_two_nodes_with_ha_is_refused():
    plan = plan_for(
        simple_cluster(2), ["pve1", "pve2"], "8.2", kind="maintenance", node="pve2", ha=True
    )
    assert plan.blocked and plan.steps == ()
    assert not any(o.startswith("Switch to two-node") for o in plan.options)


def test_separate_node_uses_local_mode():
    plan = plan_for(
        simple_cluster(3), ["pve1", "pve2", "pve3"], "8.2", kind="separate-node", node="pve3"
    )
    cmds = commands(plan)
    assert cmds.index("pmxcfs -l") < cmds.index("pvecm delnode pve3")
    assert "sh -c rm -r /etc/corosync/*" in cmds
    assert all(c.on == "pve1" for s in plan.steps for c in s.commands if "delnode" in c.argv)


def test_separate_node_of_two_restores_quorum_first():
    plan = plan_for(simple_cluster(2), ["pve1", "pve2"], "8.2", kind="separate-node", node="pve2")
    cmds = commands(plan)
    assert cmds.index("pvecm expected 1") < cmds.index("pvecm delnode pve2")


def test_separate_node_refused_on_cman():
    plan = plan_for(
        simple_cluster(2, stack="cman"), ["pve1", "pve2"], "3.4", kind="separate-node", node="pve2"
    )
    assert plan.blocked


# --- tokens and JSON ------------------------------------------------------------------------
def test_confirm_token_is_stable_and_tracks_commands():
    a = plan_for(simple_cluster(2), ["pve1"], "8.2", down=["pve2"])
    b = plan_for(simple_cluster(2), ["pve1"], "8.2", down=["pve2"])
    c = plan_for(
        Cluster("lab", (Node("pve1", 1, 2), Node("pve2", 2, 1), Node("pve3", 3, 1))),
        ["pve1"],
        "8.2",
        down=["pve2", "pve3"],
    )
    assert confirm_token(a) == confirm_token(b)
    assert len(confirm_token(a)) == 12
    assert confirm_token(a) != confirm_token(c)


def test_json_round_trips():
    plan = plan_for(simple_cluster(2), ["pve1"], "8.2", down=["pve2"])
    data = json.loads(to_json(plan))
    assert data["format"] == "pvequorum-plan/1" and data["blocked"] is False
    assert data["confirm_token"] == confirm_token(plan)
    assert ["pvecm", "expected", "1"] in [
        c.get("argv") for s in data["steps"] for c in s["commands"]
    ]
