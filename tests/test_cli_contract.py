"""Issue 14: the CLI's contract.  The Proxmox VE version where the evidence decides it, plans
made ahead of time without a status, one name per procedure, one exit status enum."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from paths import PROJECT

from pvequorum.errors import ExitStatus, InputError
from pvequorum.procedures.version import PveVersion, from_pveversion, generations_of

EXAMPLES = PROJECT / "src" / "pvequorum" / "examples"
CONF = EXAMPLES / "two-node-corosync.conf"
STATUS = EXAMPLES / "two-node-one-down.pvecm-status.txt"
CLUSTER_CONF = EXAMPLES / "two-node-cluster.conf.xml"
PVEVERSION = """proxmox-ve: 8.2.0 (running kernel: 6.8.4-2-pve)
pve-manager: 8.2.2 (running version: 8.2.2/9355359cd7afbae4)
corosync: 3.1.7-pve3
"""


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args], capture_output=True, text=True, timeout=120
    )


def test_restore_quorum_without_a_version_says_what_it_assumed() -> None:
    result = _cli(
        "plan",
        "restore-quorum",
        "--config",
        str(CONF),
        "--status",
        str(STATUS),
        "--confirmed-down",
        "pve2",
    )
    assert result.returncode == ExitStatus.OK, result.stderr
    assert "Proxmox VE 6.0 to 9.x (assumed)" in result.stdout
    assert "the config has `linknumber`, which only corosync 3 (PVE 6+) knows" in result.stdout
    assert "pvecm expected 1" in result.stdout


def test_two_node_ahead_of_time_needs_no_status_and_checks_first(tmp_path: Path) -> None:
    result = _cli("plan", "two-node", "--config", str(CLUSTER_CONF), "--format", "json")
    assert result.returncode == ExitStatus.OK, result.stderr
    import json

    plan = json.loads(result.stdout)
    assert plan["pve_version"] == "2.0 to 3.x (assumed)" and plan["stack"] == "cman"
    first = plan["steps"][0]
    assert first["title"].startswith("Check that the cluster is as assumed")
    assert "Nodes: 2" in first["precheck"]["must_show"]


def test_a_version_that_changes_the_plan_must_be_given(tmp_path: Path) -> None:
    three = CONF.read_text().replace(
        "nodelist {",
        "nodelist {\n  node {\n    name: pve3\n    nodeid: 3\n    quorum_votes: 1\n"
        "    ring0_addr: 192.168.1.13\n  }",
    )
    (tmp_path / "c.conf").write_text(three)
    base = (
        "plan",
        "maintenance",
        "--config",
        str(tmp_path / "c.conf"),
        "--up",
        "pve1,pve2,pve3",
        "--node",
        "pve3",
        "--ha",
    )
    result = _cli(*base)
    assert result.returncode == ExitStatus.BAD_INPUT and result.stdout == ""
    assert "give the Proxmox VE version" in result.stderr and "--pve-version" in result.stderr
    assert result.stderr.count("\n") == 1
    (tmp_path / "pveversion.txt").write_text(PVEVERSION)
    result = _cli(*base, "--pveversion", str(tmp_path / "pveversion.txt"))
    assert result.returncode == ExitStatus.OK, result.stderr
    assert "Proxmox VE 8.2 (corosync)" in result.stdout
    assert "node-maintenance" in result.stdout  # PVE 7.4+ has maintenance mode


def test_pveversion_texts() -> None:
    assert from_pveversion(PVEVERSION, "f") == PveVersion(8, 2)
    assert from_pveversion("pve-manager/7.4-3/9002ab8a (running kernel: 5.15)\n", "f") == (
        PveVersion(7, 4)
    )
    with pytest.raises(InputError, match="not the output of `pveversion -v`"):
        from_pveversion("proxmox-ve: 8.2.0\n", "f")


def test_generations_from_the_config() -> None:
    assert generations_of("<cluster/>", "cman")[0] == ("cman",)
    assert generations_of("totem {\n  link_mode: passive\n}\n", "corosync")[0] == ("corosync 3",)
    assert generations_of("totem {\n  transport: knet\n}\n", "corosync")[0] == ("corosync 3",)
    # ringnumber does not prove corosync 2: upgraded clusters keep it
    old = "totem {\n  interface {\n    ringnumber: 0\n    bindnetaddr: 10.0.0.0\n  }\n}\n"
    assert generations_of(old, "corosync")[0] == ("corosync 2", "corosync 3")


@pytest.mark.parametrize(
    ("old", "new"), [("two-node-mode", "two-node"), ("edit-corosync-conf", "edit-corosync")]
)
def test_old_names_are_aliases(old: str, new: str) -> None:
    args = ("--config", str(CONF), "--up", "pve1,pve2", "--format", "json")
    extra = ("--new-config", str(CONF)) if new == "edit-corosync" else ()
    a, b = _cli("plan", old, *args, *extra), _cli("plan", new, *args, *extra)
    assert a.returncode == b.returncode and a.stdout == b.stdout and f'"kind": "{new}"' in a.stdout


def test_exit_status_is_one_enum() -> None:
    assert [int(s) for s in ExitStatus] == [0, 1, 2, 3]
    from pvequorum.cli import EXIT_USAGE
    from pvequorum.cli.runbook import EXIT_NO_GO
    from pvequorum.procedures.render import EXIT_BLOCKED

    assert (EXIT_USAGE, EXIT_NO_GO, EXIT_BLOCKED) == (2, 3, 3)
    blocked = _cli("plan", "restore-quorum", "--config", str(CONF), "--status", str(STATUS))
    assert blocked.returncode == ExitStatus.NO_GO


# --- Proxmox VE 9 ------------------------------------------------------------------------------
def _maintenance(nodes: int, version: str, **totem: int):
    import dataclasses

    from pvequorum.model import Totem, simple_cluster
    from pvequorum.procedures import ClusterState, Facts, PlanInput, PveVersion, build_plan

    c = dataclasses.replace(simple_cluster(nodes), totem=Totem(**totem))
    state = ClusterState.build(c, up=c.names)
    inp = PlanInput(c, state, PveVersion.parse(version), Facts(ha_resources=True))
    return build_plan("maintenance", inp, node=c.names[-1])


def test_watchdog_margin_warns_for_large_clusters_only() -> None:
    import dataclasses

    from pvequorum.model import Totem, simple_cluster
    from pvequorum.timing import watchdog_margin

    assert not watchdog_margin(simple_cluster(18)).too_close  # 29.5 s
    assert watchdog_margin(simple_cluster(19)).too_close  # 30.9 s with 650 per node
    lowered = dataclasses.replace(simple_cluster(32), totem=Totem(token_coefficient=125))
    assert (
        watchdog_margin(lowered).membership_ms == 14850 and not watchdog_margin(lowered).too_close
    )
    warn = [d for d in _maintenance(20, "8.2").all_dangers if "HA watchdog" in d.text]
    assert warn and "32.3 s" in warn[0].text and "pve-cluster 9.1.0" in warn[0].text
    assert not [
        d
        for d in _maintenance(20, "9.1", token_coefficient=125).all_dangers
        if "HA watchdog" in d.text
    ]


def test_pve9_gates() -> None:
    assert PveVersion(9, 1).pvecm_create_token_coefficient == 125
    assert PveVersion(9, 0).pvecm_create_token_coefficient is None
    assert PveVersion(9, 2).has_disarm_ha and not PveVersion(9, 1).has_disarm_ha
    plan9 = _maintenance(3, "9.2")
    plan8 = _maintenance(3, "8.2")
    texts9 = " ".join(d.text for d in plan9.all_dangers)
    assert "node-affinity rules" in texts9
    assert "node-affinity" not in " ".join(d.text for d in plan8.all_dangers)
    two9, two8 = _maintenance(2, "9.2"), _maintenance(2, "9.1")
    assert any("disarm-ha" in o for o in two9.options)
    assert not any("disarm-ha" in o for o in two8.options)


@pytest.mark.parametrize("version", ["9" * 5000, "٨.٢", "²", "8.2\n9.0", "8." + "1" * 4400])
def test_hostile_versions_are_one_line(version: str) -> None:
    result = _cli("plan", "two-node", "--config", str(CONF), "--pve-version", version)
    assert result.returncode == ExitStatus.BAD_INPUT and result.stdout == ""
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 200
    assert "Traceback" not in result.stderr


def test_a_full_disk_is_one_line_not_a_traceback() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "pvequorum", "config", "show", str(CONF)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == ExitStatus.BAD_INPUT
    assert result.stderr == "pvequorum: cannot write the output: No space left on device\n"


def test_errors_stay_on_one_line_and_a_closed_stdout_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad\nname.conf"
    bad.write_text("x")
    result = _cli("config", "check", str(bad))
    assert result.returncode == ExitStatus.BAD_INPUT
    assert result.stderr.count("\n") == 1 and "bad\\nname.conf" in result.stderr
    closed = subprocess.run(
        [sys.executable, "-m", "pvequorum", "simulate"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: __import__("os").close(1),
    )
    assert closed.returncode == ExitStatus.BAD_INPUT
    assert closed.stderr == "pvequorum: cannot write the output: stdout is closed\n"
