"""The links extension on real corosync 3.1.7: the lab's networks, link steps and quiet waits
(docs/scenario-format.md, "Extension: links"), every recorded links scenario against its
recording and the simulator, and `pvequorum lab link-*` / `netem` for teaching."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from labcompare import lab_verdict
from paths import PROJECT
from prereq import require_lab

from pvequorum.conf import corosync as corosync_conf
from pvequorum.lab.conffile import lab_corosync_conf
from pvequorum.model import simple_cluster
from pvequorum.scenario import LinkSettings, first_difference, load_scenario
from pvequorum.simulator import run_scenario

EXTENSIONS = PROJECT / "tests" / "scenarios" / "extensions"
LINK_SCENARIOS = sorted(p for p in EXTENSIONS.glob("links-*.json") if ".real." not in p.name)
# Most of a links scenario is the quiet wait (6 s of no change after every step), so the
# labs run side by side; each has its own index, namespaces and networks.
PARALLEL_LABS = 3


def test_the_generated_conf_with_links_is_what_corosync_accepts() -> None:
    """Two links with priorities and a link mode: our exact reader of `corosync -t` accepts
    it and every node has one address per link, as the format's example shows."""
    cluster = simple_cluster(3)
    addresses = {n: [f"10.220.0.{i}", f"10.220.1.{i}"] for i, n in enumerate(cluster.names, 1)}
    links = LinkSettings(links=2, link_mode="passive", link_priority=((0, 10), (1, 20)))
    text = lab_corosync_conf(cluster, addresses, "/tmp/x.log", links)
    assert corosync_conf.corosync_verdict(text) is None
    doc = corosync_conf.parse(text)
    assert doc.get("totem.link_mode") == "passive"
    assert "    linknumber: 1\n    knet_link_priority: 20\n" in text
    links_seen = corosync_conf.view(doc).links
    assert [link.number for link in links_seen] == [0, 1]
    assert dict(links_seen[1].addresses)["pve3"] == "10.220.1.3"
    assert dict(links_seen[1].options) == {"knet_link_priority": "20"}
    plain = lab_corosync_conf(cluster, addresses, "/tmp/x.log")
    assert "ring1_addr" not in plain and "link_mode" not in plain
    assert plain.count("linknumber") == 1


def test_every_links_scenario_is_recorded() -> None:
    assert len(LINK_SCENARIOS) >= 7
    for path in LINK_SCENARIOS:
        assert path.with_name(path.stem + ".real.json").exists(), path.name


def test_the_simulator_agrees_with_every_links_recording() -> None:
    """Runs anywhere: the recordings are from real corosync 3.1.7 (the lab or the team's
    recorder); nondeterministic stretches are skipped, as the format says."""
    for path in LINK_SCENARIOS:
        scenario = load_scenario(path)
        recorded = json.loads(path.with_name(path.stem + ".real.json").read_text())
        assert recorded["engine"] == "lab"
        difference = first_difference(run_scenario(scenario), recorded, scenario)
        assert difference is None, f"{path.name}: {difference}"


@pytest.mark.lab
def test_the_lab_agrees_with_every_links_recording_and_the_simulator() -> None:
    require_lab()
    with ThreadPoolExecutor(PARALLEL_LABS) as pool:
        verdicts = dict(zip(LINK_SCENARIOS, pool.map(lab_verdict, LINK_SCENARIOS), strict=True))
    differing = {p.name: v for p, v in verdicts.items() if v is not None}
    assert not differing, differing


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args], capture_output=True, text=True, timeout=180
    )


@pytest.mark.lab
def test_lab_link_commands_for_teaching() -> None:
    """`lab up --links 2`, a dead port, a cut, random loss: each waits for quiet and shows
    what `corosync-cfgtool -s` shows; wrong input is one line and exit 2."""
    require_lab()
    if shutil.which("nft") is None:
        pytest.fail("link cuts need nftables (`apt-get install nftables`)")
    name = "pvqlinks"
    up = _cli("lab", "up", "--nodes", "3", "--links", "2", "--name", name)
    assert up.returncode == 0, up.stderr
    try:
        assert "links: pve2 0:connected 1:connected; pve3 0:connected 1:connected" in up.stdout
        down = _cli("lab", "--lab", name, "link-down", "pve1", "0")
        assert down.returncode == 0, down.stderr
        # One link of two lost: the membership stays, cfgtool shows the link down.
        assert "pve1: quorate=yes /etc/pve=rw total=3" in down.stdout
        assert "pve2 0:disconnected 1:connected" in down.stdout.split("pve2:")[0]
        cut = _cli("lab", "--lab", name, "link-cut", "pve2", "pve3", "1")
        assert cut.returncode == 0, cut.stderr
        pve2_line = cut.stdout.split("pve2: ")[1].split("\n  pve3")[0]
        assert "pve3 0:connected 1:disconnected" in pve2_line
        loss = _cli("lab", "--lab", name, "netem", "pve3", "1", "--loss", "100")
        assert loss.returncode == 0, loss.stderr
        cleared = _cli("lab", "--lab", name, "netem", "pve3", "1", "--clear")
        assert cleared.returncode == 0, cleared.stderr
        for args, message in (
            (("link-down", "pve1", "2"), "link 2 is not one of the lab's links 0..1"),
            (("link-down", "pve9", "0"), "unknown node 'pve9'"),
            (("link-cut", "pve1", "pve1", "0"), "two different nodes"),
            (("link-down", "pve1", "x"), "a link number 0..7"),
            (("netem", "pve1", "0", "--loss", "101"), "a whole percentage 0..100"),
        ):
            bad = _cli("lab", "--lab", name, *args)
            assert bad.returncode == 2, (args, bad.stdout, bad.stderr)
            assert message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
            assert len(bad.stderr.strip().splitlines()) <= 3  # argparse adds its usage
        healed = _cli("lab", "--lab", name, "link-up", "pve1", "0")
        uncut = _cli("lab", "--lab", name, "link-uncut", "pve2", "pve3", "1")
        assert healed.returncode == 0 and uncut.returncode == 0
        assert "disconnected" not in uncut.stdout
    finally:
        assert _cli("lab", "down", name).returncode == 0


@pytest.mark.lab
def test_a_lab_with_a_spare_network_for_add_link() -> None:
    """`networks` beyond the configured links: addresses exist, corosync does not use them."""
    require_lab()
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(2), networks=2) as lab:
        assert lab.address("pve2", 1) == f"10.214.{lab.index}.2"
        assert "ring1_addr" not in lab.corosync_conf_text("pve1")
        lab.start(["pve1", "pve2"])
        lab.wait_settled()
        ping = lab.exec("pve1", ["ping", "-c", "1", "-W", "2", lab.address("pve2", 1)])
        assert ping.returncode == 0, ping.stdout + ping.stderr
        text = lab.cfgtool("pve1")
        assert text is not None and "LINK ID 1" not in text
