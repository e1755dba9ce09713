"""Golden plans: every plan for each Proxmox VE generation it applies to (cman, corosync 2,
corosync 3/knet).  PVEQUORUM_UPDATE_GOLDEN=1 rewrites them; review the diff."""

from __future__ import annotations

import pytest
from test_cli_plan import CLUSTER_CONF_2, COROSYNC_2
from test_procedures import golden

from pvequorum.conf import edits, parse_config
from pvequorum.procedures import (
    ClusterState,
    Facts,
    PlanInput,
    PveVersion,
    build_plan,
    to_markdown,
    to_shell,
)

COROSYNC_4 = edits.add_node(
    edits.add_node(COROSYNC_2, "pve3", "192.168.1.13", votes=1).new_text,
    "pve4",
    "192.168.1.14",
    votes=1,
).new_text

CASES = [
    # (golden name, plan kind, pve version, config text, nodes up, confirmed down, extra)
    ("restore-quorum-pve3", "restore-quorum", "3.4", CLUSTER_CONF_2, ["pve1"], ["pve2"], {}),
    ("restore-quorum-pve5", "restore-quorum", "5.4", COROSYNC_2, ["pve1"], ["pve2"], {}),
    ("two-node-pve5", "two-node", "5.4", COROSYNC_2, ["pve1", "pve2"], [], {}),
    (
        "add-qdevice-even-pve8",
        "add-qdevice",
        "8.2",
        COROSYNC_4,
        ["pve1", "pve2", "pve3", "pve4"],
        [],
        {"qdevice_host": "192.168.1.50"},
    ),
    (
        "add-qdevice-pve6",
        "add-qdevice",
        "6.4",
        COROSYNC_2,
        ["pve1", "pve2"],
        [],
        {"qdevice_host": "192.168.1.50"},
    ),
    (
        "remove-qdevice-pve8",
        "remove-qdevice",
        "8.2",
        edits.add_qdevice(COROSYNC_2, "192.168.1.50").new_text,
        ["pve1", "pve2"],
        [],
        {},
    ),
    (
        "edit-corosync-pve8",
        "edit-corosync",
        "8.2",
        COROSYNC_2,
        ["pve1", "pve2"],
        [],
        {"new_text": edits.set_votes(COROSYNC_2, "pve1", 2).new_text},
    ),
    (
        "edit-corosync-not-quorate-pve8",
        "edit-corosync",
        "8.2",
        COROSYNC_2,
        ["pve1"],
        ["pve2"],
        {"new_text": edits.set_votes(COROSYNC_2, "pve1", 2).new_text},
    ),
    (
        "edit-cluster-conf-pve3",
        "edit-corosync",
        "3.4",
        CLUSTER_CONF_2,
        ["pve1", "pve2"],
        [],
        {"new_text": edits.set_expected_votes(CLUSTER_CONF_2, 2).new_text},
    ),
    (
        "maintenance-pve3",
        "maintenance",
        "3.4",
        CLUSTER_CONF_2,
        ["pve1", "pve2"],
        [],
        {"node": "pve2"},
    ),
    (
        "maintenance-four-nodes-pve8",
        "maintenance",
        "8.2",
        COROSYNC_4,
        ["pve1", "pve2", "pve3", "pve4"],
        [],
        {"node": "pve4"},
    ),
    (
        "separate-node-pve8",
        "separate-node",
        "8.2",
        COROSYNC_4,
        ["pve1", "pve2", "pve3", "pve4"],
        [],
        {"node": "pve4"},
    ),
    (
        "separate-node-pve5",
        "separate-node",
        "5.4",
        COROSYNC_4,
        ["pve1", "pve2", "pve3", "pve4"],
        [],
        {"node": "pve4"},
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "version", "text", "up", "down", "extra"), CASES, ids=[c[0] for c in CASES]
)
def test_golden_plan(name, kind, version, text, up, down, extra) -> None:
    cluster = parse_config(text)
    state = ClusterState.build(cluster, up=up, confirmed_down=down)
    inp = PlanInput(cluster, state, PveVersion.parse(version), Facts(False), text)
    plan = build_plan(kind, inp, **extra)
    assert plan.kind == kind
    golden(f"{name}.md", to_markdown(plan))
    golden(f"{name}.sh", to_shell(plan))
