"""The real-corosync lab: the referee for the simulator (needs root and corosync)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from paths import PROJECT, TEAM_SCENARIOS
from prereq import require_lab

from pvequorum.conf import corosync as corosync_conf
from pvequorum.conf import validate
from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import comparable_results, first_difference, load_scenario
from pvequorum.simulator import run_scenario

OWN = PROJECT / "tests" / "scenarios"
ALL_SCENARIOS = [
    p for d in (TEAM_SCENARIOS, OWN) for p in sorted(d.glob("*.json")) if ".real." not in p.name
]

pytestmark = pytest.mark.lab


@pytest.fixture(autouse=True)
def _lab_prerequisites() -> None:
    require_lab()


def test_own_scenarios_are_recorded() -> None:
    own = [p for p in ALL_SCENARIOS if p.parent == OWN]
    assert len(own) >= 20
    for path in own:
        assert path.with_name(path.stem + ".real.json").exists(), path.name


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: p.stem)
def test_lab_agrees_with_recording_and_simulator(path: Path) -> None:
    from pvequorum.lab.runner import run_on_lab

    scenario = load_scenario(path)
    lab = run_on_lab(scenario)
    recorded = json.loads(path.with_name(path.stem + ".real.json").read_text())
    assert comparable_results(lab) == recorded["results"], first_difference(lab, recorded)
    simulated = run_scenario(scenario)
    assert first_difference(simulated, lab) is None


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args], capture_output=True, text=True, timeout=120
    )


def test_the_source_article_story_on_real_corosync() -> None:
    """lab up --nodes 2, crash pve2, /etc/pve read-only, corosync-quorumtool -e 1, writable."""
    name = "pvq199"
    assert _cli("lab", "up", "--nodes", "2", "--name", name).returncode == 0
    try:
        crashed = _cli("lab", "--lab", name, "crash", "pve2")
        assert "pve1: quorate=NO /etc/pve=read-only" in crashed.stdout
        blocked = _cli("lab", "--lab", name, "exec", "pve1", "--", "touch", "/etc/pve/x")
        assert blocked.returncode != 0 and "Read-only file system" in blocked.stderr
        fix = _cli("lab", "--lab", name, "exec", "pve1", "--", "corosync-quorumtool", "-e", "1")
        assert fix.returncode == 0
        works = _cli("lab", "--lab", name, "exec", "pve1", "--", "touch", "/etc/pve/x")
        assert works.returncode == 0, works.stderr
        refused = _cli("lab", "--lab", name, "exec", "pve1", "--", "corosync-quorumtool", "-e", "0")
        assert refused.returncode == 1
    finally:
        assert _cli("lab", "down", name).returncode == 0
    assert _cli("lab", "--lab", name, "status").returncode == 2


def test_lab_commands_without_a_lab_or_with_unknown_nodes() -> None:
    result = _cli("lab", "--lab", "pvq198", "status")
    assert result.returncode == 2 and "no lab named 'pvq198'" in result.stderr
    name = "pvq197"
    assert _cli("lab", "up", "--nodes", "1", "--name", name).returncode == 0
    try:
        result = _cli("lab", "--lab", name, "crash", "pve9")
        assert result.returncode == 2 and "unknown node 'pve9'" in result.stderr
    finally:
        _cli("lab", "down", name)


def test_two_labs_side_by_side_and_cleanup() -> None:
    from pvequorum.lab.core import Lab

    with Lab(simple_cluster(1)) as first, Lab(simple_cluster(1)) as second:
        assert first.name != second.name
        first.start(["pve1"])
        second.start(["pve1"])
        assert first.observe().node("pve1").quorate
        assert second.observe().node("pve1").quorate
        names = (first.name, second.name)
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not any(name in listing for name in names)


def test_lab_cleans_up_after_an_exception() -> None:
    from pvequorum.lab import core
    from pvequorum.lab.core import Lab

    with pytest.raises(RuntimeError), Lab(simple_cluster(2)) as lab:
        lab.start(["pve1", "pve2"])
        name = lab.name
        raise RuntimeError("boom")
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert name not in listing and not (core.LAB_ROOT / name).exists()


TWO = (
    "totem {\n  cluster_name: lab\n  config_version: 2\n  version: 2\n}\n"
    "nodelist {\n  node {\n    name: pve1\n    nodeid: 1\n    ring0_addr: 10.213.250.1\n  }\n"
    "  node {\n    name: pve2\n    nodeid: 2\n    ring0_addr: 10.213.250.2\n  }\n}\n"
    "quorum {\n  provider: corosync_votequorum\n%s}\n"
)
DEVICE = (
    "  device {\n    model: net\n%s    net {\n      algorithm: ffsplit\n"
    "      host: 127.0.0.1\n    }\n  }\n"
)
VOTES1 = "    votes: 1\n"


@pytest.mark.parametrize(
    ("quorum", "refused"),
    [
        ("", False),
        ("  two_node: 1\n" + DEVICE % VOTES1, True),
        ("  auto_tie_breaker: 1\n  last_man_standing: 1\n  expected_votes: 3\n", False),
        ("  last_man_standing: 1\n" + DEVICE % VOTES1, True),
        ("  auto_tie_breaker: 1\n" + DEVICE % VOTES1, True),
        ("  expected_votes: 5\n" + DEVICE % "", True),
        ("  expected_votes: 3\n" + DEVICE % "    votes: 2\n", True),
        ("  two_node: 1\n  auto_tie_breaker: 1\n", False),
    ],
)
def test_real_corosync_agrees_with_our_validator(quorum: str, refused: bool) -> None:
    """Reference 1.12 / 11: `corosync -t` plus a brief start against `config check`."""
    from pvequorum.lab.configcheck import check_with_corosync

    text = TWO % quorum
    ours = validate.validate_corosync(corosync_conf.parse(text))
    startup_errors = [f for f in ours if f.code.startswith("CQ10")]
    real = check_with_corosync(text)
    assert real.ok is (not refused), real
    assert bool(startup_errors) is refused, ours
    if refused:
        assert real.stage == "start" and real.exit_code == 20
        assert real.message in startup_errors[0].message


def test_three_nodes_odd_atb_lms_refused_by_real_corosync() -> None:
    from pvequorum.lab.configcheck import check_with_corosync

    node3 = "  node {\n    name: pve3\n    nodeid: 3\n    ring0_addr: 10.213.250.3\n  }\n"
    three = TWO.replace("  }\n}\nquorum", "  }\n" + node3 + "}\nquorum")
    three %= "  auto_tie_breaker: 1\n  last_man_standing: 1\n"
    real = check_with_corosync(three)
    assert not real.ok and "auto_tie_breaker & last_man_standing" in real.message


def test_generated_configs_are_accepted_by_real_corosync() -> None:
    """Every corosync.conf our edits generate passes `corosync -t` and a brief start."""
    from pvequorum.conf import edits
    from pvequorum.lab.configcheck import check_with_corosync

    base = TWO % ""
    generated = [
        edits.set_two_node(base, True).new_text,
        edits.add_qdevice(base, "127.0.0.1").new_text,
        edits.set_votes(base, "pve2", 2).new_text,
        edits.set_expected_votes(base, 2).new_text,
        edits.add_node(base, "pve3", "10.213.250.3", votes=1).new_text,
    ]
    for text in generated:
        result = check_with_corosync(text)
        assert result.ok, (result, text)


def test_model_qdevice_scenario_lab_config_is_valid() -> None:
    from pvequorum.lab.conffile import lab_corosync_conf
    from pvequorum.lab.configcheck import check_with_corosync

    cluster = simple_cluster(2, device=QDevice(votes=1))
    addresses = {"pve1": ["10.213.250.1"], "pve2": ["10.213.250.2"]}
    text = lab_corosync_conf(cluster, addresses, "/dev/null")
    assert check_with_corosync(text).ok


def test_proxmox_config_with_secauth_is_checked() -> None:
    """A real `pvecm create` config has `secauth: on`; the check brings its own authkey."""
    from test_cli_plan import COROSYNC_2

    from pvequorum.lab.configcheck import check_with_corosync

    assert "secauth: on" in COROSYNC_2
    assert check_with_corosync(COROSYNC_2).ok
