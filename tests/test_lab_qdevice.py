"""The QDevice extension on real daemons: corosync 3.1.7, corosync-qnetd and corosync-qdevice
3.0.3 (docs/scenario-format.md, "Extension: QDevice").  Every recorded QDevice scenario
against its recording and the simulator, the configuration corosync refuses, and
`pvequorum lab up --qdevice`, `lab qnetd`, `lab isolate-qdevice` for teaching."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from labcompare import lab_verdict
from paths import PROJECT
from prereq import require_lab

from pvequorum.conf import corosync as corosync_conf
from pvequorum.lab.conffile import lab_corosync_conf
from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import first_difference, load_scenario
from pvequorum.simulator import run_scenario

EXTENSIONS = PROJECT / "tests" / "scenarios" / "extensions"
QDEVICE_SCENARIOS = sorted(
    p for p in EXTENSIONS.glob("qdv-*.json") if ".real." not in p.name and ".lab." not in p.name
)
# Each step with a device ends in a quiet wait (6 s of no change), so labs run side by side.
PARALLEL_LABS = 2


def test_the_generated_device_section_is_what_pvecm_writes() -> None:
    """tls on and the qnetd host first, as `pvecm qdevice setup` writes them; corosync's
    own parser (`corosync -t`, through our exact reader) accepts the file."""
    cluster = simple_cluster(2, device=QDevice(votes=1, tie_breaker="highest"))
    addresses = {"pve1": ["10.213.9.1"], "pve2": ["10.213.9.2"]}
    text = lab_corosync_conf(cluster, addresses, "/dev/null", qnetd_host="10.221.9.254")
    assert corosync_conf.corosync_verdict(text) is None
    doc = corosync_conf.parse(text)
    assert doc.get("quorum.device.net.tls") == "on"
    assert doc.get("quorum.device.net.host") == "10.221.9.254"
    assert doc.get("quorum.device.net.tie_breaker") == "highest"
    assert doc.get("quorum.device.votes") == "1"


def test_every_qdevice_scenario_the_issue_asks_for_is_recorded() -> None:
    names = {p.stem for p in QDEVICE_SCENARIOS}
    for wanted in (
        "qdv-2n-ffsplit-node-down",
        "qdv-2n-ffsplit-qnetd-down-node-down",
        "qdv-3n-lms-qnetd-down",
        "qdv-3n-lms-node-failures",
        "qdv-4n-ffsplit-split-lowest",
        "qdv-4n-ffsplit-split-highest",
        "qdv-4n-ffsplit-winner-isolated",
        "qdv-2n-two_node-refused",
    ):
        assert wanted in names, wanted
    for path in QDEVICE_SCENARIOS:
        recorded = json.loads(path.with_name(path.stem + ".real.json").read_text())
        assert recorded["engine"] == "lab", path.name


def test_the_simulator_agrees_with_every_qdevice_recording() -> None:
    """Runs anywhere: the recordings are from the real daemons."""
    for path in QDEVICE_SCENARIOS:
        scenario = load_scenario(path)
        recorded = json.loads(path.with_name(path.stem + ".real.json").read_text())
        difference = first_difference(run_scenario(scenario), recorded, scenario)
        assert difference is None, f"{path.name}: {difference}"


@pytest.mark.lab
def test_the_lab_agrees_with_every_qdevice_recording_and_the_simulator() -> None:
    require_lab(qdevice=True)
    with ThreadPoolExecutor(PARALLEL_LABS) as pool:
        verdicts = dict(
            zip(QDEVICE_SCENARIOS, pool.map(lab_verdict, QDEVICE_SCENARIOS), strict=True)
        )
    differing = {p.name: v for p, v in verdicts.items() if v is not None}
    assert not differing, differing


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.lab
def test_lab_qdevice_commands_for_teaching() -> None:
    """`lab up --qdevice`, qnetd stopped and started, a node cut off from qnetd: each shows
    the device's vote as quorumtool shows it; wrong input is one line and exit 2."""
    require_lab(qdevice=True)
    for bad in (
        ("lab", "up", "--nodes", "2", "--tie-breaker", "lowest"),
        ("lab", "up", "--nodes", "2", "--qdevice", "ffsplt"),
        ("lab", "up", "--nodes", "2", "--qdevice", "ffsplit", "--tie-breaker", "0"),
    ):
        refused = _cli(*bad)
        assert refused.returncode == 2, (bad, refused.stderr)
        assert "Traceback" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) <= 3, refused.stderr
    name = "pvqdevcli"
    up = _cli("lab", "up", "--nodes", "2", "--qdevice", "ffsplit", "--name", name)
    assert up.returncode == 0, up.stderr
    try:
        assert "qdevice: votes=1 cast=yes pve1=A,V,NMW pve2=A,V,NMW" in up.stdout, up.stdout
        assert "total=3 expected=3" in up.stdout
        assert "qnetd 10.221." in up.stdout and ": running" in up.stdout
        stopped = _cli("lab", "--lab", name, "qnetd", "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert ": stopped" in stopped.stdout
        bad = _cli("lab", "--lab", name, "qnetd", "restart")
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
        started = _cli("lab", "--lab", name, "qnetd", "start")
        assert started.returncode == 0 and ": running" in started.stdout, started.stderr
        cut = _cli("lab", "--lab", name, "isolate-qdevice", "pve2")
        assert cut.returncode == 0, cut.stderr
        assert "cut off from it: pve2" in cut.stdout
        unknown = _cli("lab", "--lab", name, "isolate-qdevice", "pve9")
        assert unknown.returncode == 2 and "pve9" in unknown.stderr
    finally:
        _cli("lab", "down", name)
