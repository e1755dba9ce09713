"""`pvecm status` / `corosync-quorumtool -s` text: byte-exact rendering and parsing (5.1-5.3)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import NodeObservation
from pvequorum.simulator import Simulator
from pvequorum.status import (
    StatusParseError,
    parse_status,
    render_cman_status,
    render_pvecm_status,
    render_quorumtool,
)

ADDRESSES = {"pve1": "192.168.1.11", "pve2": "192.168.1.12", "pve3": "192.168.1.13"}

# Reference 5.1, "Quorate 3-node cluster, as `pvecm status` runs it (-siH)".
REFERENCE_QUORATE = """\
Quorum information
------------------
Date:             Tue Sep 14 11:06:47 2021
Quorum provider:  corosync_votequorum
Nodes:            3
Node ID:          0x00000001
Ring ID:          1.1a8
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   3
Highest expected: 3
Total votes:      3
Quorum:           2  ¶
Flags:            Quorate ¶

Membership information
----------------------
    Nodeid      Votes Name
0x00000001          1 192.168.1.11 (local)
0x00000002          1 192.168.1.12
0x00000003          1 192.168.1.13
""".replace("¶\n", "\n")  # ¶ marks trailing whitespace, as in the reference


def _sim(n: int, **quorum) -> Simulator:
    sim = Simulator(simple_cluster(n, **quorum))
    sim.start([f"pve{i}" for i in range(1, n + 1)])
    return sim


def test_render_matches_the_reference_byte_for_byte() -> None:
    view = _sim(3).views()["pve1"]
    text = render_quorumtool(view, hex_ids=True, addresses=ADDRESSES, ring_id="1.1a8")
    assert text == REFERENCE_QUORATE
    assert "Quorum:           2  \n" in text  # two trailing spaces when quorate
    assert "Flags:            Quorate \n" in text  # a space after every flag


def test_inquorate_survivor_of_two_nodes() -> None:
    sim = _sim(2)
    sim.crash(["pve2"])
    text = render_quorumtool(sim.views()["pve1"])
    assert "Quorate:          No\n" in text
    assert "Quorum:           2 Activity blocked\n" in text
    assert "Flags:            \n" in text
    assert text.endswith("    Nodeid      Votes Name\n         1          1 pve1 (local)\n")


def test_qdevice_column_and_row() -> None:
    sim = _sim(2, device=QDevice(votes=1))
    text = render_quorumtool(sim.views()["pve1"], hex_ids=True, addresses=ADDRESSES)
    assert "Flags:            Quorate Qdevice \n" in text
    assert "    Nodeid      Votes    Qdevice Name\n" in text
    assert "0x00000001          1    A,V,NMW 192.168.1.11 (local)\n" in text
    assert text.endswith("0x00000000          1            Qdevice\n")


def test_pvecm_status_header() -> None:
    view = _sim(3).views()["pve2"]
    text = render_pvecm_status(view, cluster_name="mycluster", config_version=1)
    assert text.startswith(
        "Cluster information\n-------------------\nName:             mycluster\n"
        "Config Version:   1\nTransport:        knet\nSecure auth:      on\n\nQuorum information\n"
    )


@pytest.mark.parametrize("hex_ids", [False, True])
@pytest.mark.parametrize("scenario", ["quorate", "blocked", "qdevice", "two_node"])
def test_parse_inverts_render(hex_ids: bool, scenario: str) -> None:
    sim = {
        "quorate": lambda: _sim(3),
        "blocked": lambda: _sim(3),
        "qdevice": lambda: _sim(2, device=QDevice(votes=1)),
        "two_node": lambda: _sim(2, two_node=1),
    }[scenario]()
    if scenario == "blocked":
        sim.crash(["pve2", "pve3"])
    view = sim.views()["pve1"]
    parsed = parse_status(render_pvecm_status(view, cluster_name="c", config_version=4))
    assert NodeObservation.read("pve1", parsed) == NodeObservation.read("pve1", view)
    assert parsed.local_name == "pve1" and parsed.config_version == 4
    plain = parse_status(render_quorumtool(view, hex_ids=hex_ids))
    assert plain.node_id == 1
    assert NodeObservation.read("pve1", plain) == NodeObservation.read("pve1", view)


def test_parse_with_ip_names_maps_back() -> None:
    view = _sim(3).views()["pve1"]
    parsed = parse_status(REFERENCE_QUORATE)
    by_ip = {ip: name for name, ip in ADDRESSES.items()}
    assert parsed.member_names(by_ip) == view.members
    named = NodeObservation.read("pve1", parsed)
    assert replace(named, members=view.members) == NodeObservation.read("pve1", view)


def test_parse_cman_status() -> None:
    cluster = simple_cluster(2, stack="cman", two_node=1, expected_votes=1)
    sim = Simulator(cluster)
    sim.start(["pve1", "pve2"])
    sim.crash(["pve2"])
    view = sim.views()["pve1"]
    text = render_cman_status(view, cluster_name="lab", config_version=3)
    assert "Flags: 2node \n" in text and "Quorum: 1  \n" in text
    parsed = parse_status(text)
    assert parsed.stack == "cman" and parsed.quorate and parsed.quorum == 1
    assert parsed.expected_votes == view.expected_votes


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("hello world\n", "line 1"),
        ("Quorum information\nQuorum:  x Activity blocked\n", "not a number"),
        ("Quorum:           2  \nFlags:            Quorate Bogus \n", "unknown flag"),
        ("Quorum:           2  \n\n    Nodeid      Votes Name\n   1\n", "line 4"),
    ],
)
def test_malformed_status_names_the_line(text: str, problem: str) -> None:
    with pytest.raises(StatusParseError, match=problem):
        parse_status(text, "status.txt")
