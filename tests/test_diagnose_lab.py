"""The diagnosis on real evidence: bundles collected from the real corosync lab (corosync
3.1.7, corosync-qnetd, corosync-qdevice in network namespaces) under each fault of issue 18,
through `pvequorum collect`'s own path (the lab executor), then `diagnose`.

Each test asserts the kinds the evidence must yield and, as important, the kinds it must
not: one side of a partition is `crash-or-partition`, never `node-down`; a plan to lower
expected votes is never handed over while the other side may run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from prereq import require, require_lab

from pvequorum import bundle
from pvequorum.bundleio import read_bundle
from pvequorum.collect import collect
from pvequorum.diagnosis import Diagnosis, diagnose
from pvequorum.diagnosis.text import render_text
from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import LinkSettings

pytestmark = pytest.mark.lab


def _diagnosis(lab, out: Path, nodes: list[str] | None = None, via: str | None = None) -> Diagnosis:
    from pvequorum.runbooks.executors import LabExecutor

    names = nodes if nodes is not None else list(lab.nodes)
    executor = LabExecutor(via or names[0], lab.name)
    collect(executor, names, "-1h", out)
    keep = os.environ.get("PVEQUORUM_KEEP_BUNDLES")  # to refresh tests/data/bundles/lab
    if keep:
        shutil.copytree(out, Path(keep) / out.name, dirs_exist_ok=True)
    found = diagnose(read_bundle(out))
    render_text(found)  # the text form renders for every real bundle
    json.dumps(found.to_dict())
    return found


def _kinds(found: Diagnosis) -> set[str]:
    return set(found.kinds())


def _finding(found: Diagnosis, kind: str):
    return next(f for f in found.findings if f.kind == kind)


def _settle(lab) -> None:
    lab.wait_settled()
    time.sleep(1.5)  # the journal's last lines of the change


def test_three_nodes_healthy_crash_stop_partition_and_divergence(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(3)) as lab:
        lab.start(list(lab.nodes))
        _settle(lab)
        healthy = _diagnosis(lab, tmp_path / "healthy")
        assert healthy.kinds() == ("healthy",), render_text(healthy)
        assert healthy.verdict == "HEALTHY"

        lab.crash(["pve3"])
        _settle(lab)
        crashed = _diagnosis(lab, tmp_path / "crash")
        assert _kinds(crashed) == {"node-down"}, render_text(crashed)
        down = _finding(crashed, "node-down")
        assert down.nodes == ("pve3",) and "crashed or killed" in down.summary
        assert crashed.verdict == "DEGRADED"
        # only the survivors' evidence: a crash and a cut look the same from there
        one_side = _diagnosis(lab, tmp_path / "crash-one-side", ["pve1", "pve2"])
        assert _kinds(one_side) == {"crash-or-partition"}, render_text(one_side)

        lab.start(["pve3"])
        _settle(lab)
        lab.stop(["pve3"])
        _settle(lab)
        stopped = _diagnosis(lab, tmp_path / "stop")
        assert _kinds(stopped) == {"node-down"}, render_text(stopped)
        assert "stopped cleanly" in _finding(stopped, "node-down").summary

        lab.start(["pve3"])
        _settle(lab)
        lab.partition([["pve1", "pve2"], ["pve3"]])
        _settle(lab)
        both = _diagnosis(lab, tmp_path / "partition")
        assert {"partition", "no-quorum"} <= _kinds(both), render_text(both)
        assert not _kinds(both) & {"node-down", "crash-or-partition", "split-brain"}
        blocked = _finding(both, "no-quorum")
        assert blocked.nodes == ("pve3",) and blocked.next_step is not None
        assert blocked.next_step.plan is None  # never lower expected with the other side up
        side = _diagnosis(lab, tmp_path / "partition-one-side", ["pve1", "pve2"])
        assert _kinds(side) == {"crash-or-partition"}, render_text(side)
        far = _diagnosis(lab, tmp_path / "partition-far-side", ["pve3"])
        assert {"no-quorum"} <= _kinds(far) and "node-down" not in _kinds(far)
        assert _finding(far, "no-quorum").next_step.plan is None
        lab.heal()
        _settle(lab)

        # pve3 is away while the others change the config; it comes back with the old one
        lab.stop(["pve3"])
        _settle(lab)
        _bump_config_version(lab, "pve1")
        _settle(lab)
        lab.start(["pve3"])
        time.sleep(6)
        diverged = _diagnosis(lab, tmp_path / "divergence")
        assert "config-divergence" in _kinds(diverged), render_text(diverged)
        assert _finding(diverged, "config-divergence").nodes == ("pve3",)
        assert "node-down" not in _kinds(diverged)


def _bump_config_version(lab, origin: str) -> None:
    """An edit through the /etc/pve stand-in, as an admin does it: version + 1."""
    standin = Path(lab.nodes[origin].directory) / "pve" / "corosync.conf"
    text = standin.read_text()
    version = int(re.search(r"config_version:\s*(\d+)", text).group(1))
    standin.write_text(re.sub(r"config_version:\s*\d+", f"config_version: {version + 1}", text))
    lab.pmxcfs_sync_corosync_conf(origin)


def test_wait_for_all_after_a_cold_start(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(2, two_node=1)) as lab:
        lab.start(["pve1"])
        _settle(lab)
        found = _diagnosis(lab, tmp_path / "wfa")
        assert "wait-for-all" in _kinds(found), render_text(found)
        assert "no-quorum" not in _kinds(found)
        assert found.verdict == "BROKEN"


def test_expected_lowered_then_the_node_returns(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(2)) as lab:
        lab.start(list(lab.nodes))
        _settle(lab)
        lab.crash(["pve2"])
        _settle(lab)
        blocked = _diagnosis(lab, tmp_path / "blocked")
        assert {"no-quorum", "node-down"} <= _kinds(blocked), render_text(blocked)
        step = _finding(blocked, "no-quorum").next_step
        assert step is not None and step.plan == "restore-quorum"  # pve2's own folder: down
        assert dict(step.parameters)["confirmed_down"] == "pve2"
        assert lab.expected("pve1", 1)
        _settle(lab)
        lowered = _diagnosis(lab, tmp_path / "lowered")
        assert "expected-lowered" in _kinds(lowered), render_text(lowered)
        assert "no-quorum" not in _kinds(lowered)
        lab.start(["pve2"])
        _settle(lab)
        back = _diagnosis(lab, tmp_path / "back")
        assert _kinds(back) == {"expected-lowered"}, render_text(back)
        assert "worn off" in _finding(back, "expected-lowered").summary
        assert back.verdict == "DEGRADED"


def test_a_node_that_cannot_join(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(3)) as lab:
        conf = Path(lab.nodes["pve3"].directory) / "etc" / "corosync.conf"
        text = conf.read_text()
        # pve3's own copy gives it node id 7: the others never hear of a node 7
        conf.write_text(re.sub(r"(name: pve3\n\s*nodeid: )3", r"\g<1>7", text))
        assert conf.read_text() != text
        lab.start(list(lab.nodes))
        lab.wait_quiet()  # it never settles: pve3 stays alone
        found = _diagnosis(lab, tmp_path / "join")
        assert "node-cannot-join" in _kinds(found), render_text(found)
        assert _finding(found, "node-cannot-join").nodes == ("pve3",)
        assert not _kinds(found) & {"split-brain", "partition", "node-down"}


def test_links_one_of_two_down_and_all_links_of_a_node(tmp_path: Path) -> None:
    require_lab()
    require(
        __import__("shutil").which("nft") is not None, "link faults need `apt-get install nftables`"
    )
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(3), links=LinkSettings(links=2)) as lab:
        lab.start(list(lab.nodes))
        _settle(lab)
        lab.link_down("pve1", 0)
        lab.wait_quiet()
        one = _diagnosis(lab, tmp_path / "one-link")
        assert _kinds(one) == {"link-down"}, render_text(one)
        finding = _finding(one, "link-down")
        assert "pve1" in finding.nodes and "Link 0" in finding.summary
        assert finding.severity == "warning"
        lab.link_up("pve1", 0)
        lab.link_down("pve3", 0)
        lab.link_down("pve3", 1)
        lab.wait_quiet()
        _settle_partial(lab)
        cut = _diagnosis(lab, tmp_path / "all-links")
        assert {"link-down", "partition", "no-quorum"} <= _kinds(cut), render_text(cut)
        assert any(
            f.kind == "link-down" and f.nodes == ("pve3",) and "All links" in f.summary
            for f in cut.findings
        )
        assert not _kinds(cut) & {"node-down", "split-brain"}


def _settle_partial(lab) -> None:
    time.sleep(2)


def test_a_lossy_link(tmp_path: Path) -> None:
    require_lab()
    require(__import__("shutil").which("nft") is not None, "random loss needs nftables")
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(3)) as lab:
        lab.start(list(lab.nodes))
        _settle(lab)
        lab.netem("pve3", 0, 30)
        # A day of real loss leaves plenty of lines; a few seconds may leave few: collect
        # again while the loss goes on, at most three times (the evidence only grows).
        for attempt in range(3):
            time.sleep(20)
            found = _diagnosis(lab, tmp_path / f"lossy-{attempt}")
            if "lossy-network" in _kinds(found):
                break
        assert "lossy-network" in _kinds(found), render_text(found)
        assert "healthy" not in _kinds(found)


def test_five_nodes_without_a_quorate_side(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(5)) as lab:
        lab.start(list(lab.nodes))
        _settle(lab)
        lab.partition([["pve1", "pve2"], ["pve3", "pve4"], ["pve5"]])
        _settle(lab)
        found = _diagnosis(lab, tmp_path / "five")
        assert {"partition", "no-quorum"} <= _kinds(found), render_text(found)
        blocked = [f for f in found.findings if f.kind == "no-quorum"]
        assert len(blocked) == 3 and all(f.next_step.plan is None for f in blocked)
        assert not any(p.quorate for p in found.partitions)
        assert "split-brain" not in _kinds(found) and found.verdict == "BROKEN"


def test_qnetd_down(tmp_path: Path) -> None:
    require_lab(qdevice=True)
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(2, device=QDevice(votes=1))) as lab:
        lab.start(list(lab.nodes))
        lab.wait_quiet()
        healthy = _diagnosis(lab, tmp_path / "device-healthy")
        assert healthy.kinds() == ("healthy",), render_text(healthy)
        assert (tmp_path / "device-healthy" / "pve1" / bundle.QDEVICE_TOOL).exists()
        lab.qnetd("stop")
        lab.wait_quiet()
        found = _diagnosis(lab, tmp_path / "qnetd-down")
        assert "qdevice-down" in _kinds(found), render_text(found)
        assert set(_finding(found, "qdevice-down").nodes) == {"pve1", "pve2"}
        assert found.verdict == "DEGRADED"


def test_split_brain_after_expected_1_on_both_sides(tmp_path: Path) -> None:
    """The trap the README warns of: a two-node cluster cut in two, `pvecm expected 1` on
    both sides; each side is quorate on its own."""
    require_lab()
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(2)) as lab:
        lab.start(list(lab.nodes))
        _settle(lab)
        lab.partition([["pve1"], ["pve2"]])
        _settle(lab)
        assert lab.expected("pve1", 1) and lab.expected("pve2", 1)
        _settle(lab)
        found = _diagnosis(lab, tmp_path / "split-brain")
        assert found.findings[0].kind == "split-brain", render_text(found)
        assert found.findings[0].severity == "critical" and found.verdict == "BROKEN"
        assert set(found.findings[0].nodes) == {"pve1", "pve2"}
        assert "expected-lowered" in _kinds(found) and "link-down" not in _kinds(found)
        assert all(f.next_step is None or f.next_step.plan is None for f in found.findings)
