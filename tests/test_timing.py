"""Timing against reference 9 (corosync 3.1.7), 8.3 (cman) and 7 (HA)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pvequorum import timing
from pvequorum.model import QDevice, Totem, simple_cluster

# Reference 9, table: configured nodes, token_eff, consensus, token + consensus (all ms)
REFERENCE_9 = [
    (2, 3000, 3600, 6600),
    (3, 3650, 4380, 8030),
    (4, 4300, 5160, 9460),
    (5, 4950, 5940, 10890),
    (7, 6250, 7500, 13750),
    (10, 8200, 9840, 18040),
    (16, 12100, 14520, 26620),
]


@pytest.mark.parametrize(("nodes", "token", "consensus", "total"), REFERENCE_9)
def test_reference_9_table(nodes: int, token: int, consensus: int, total: int) -> None:
    cluster = simple_cluster(nodes)
    assert timing.effective_token_ms(cluster) == token
    assert timing.consensus_ms(cluster) == consensus
    detection = timing.failure_detection(cluster)
    assert detection.token_plus_consensus_ms == total
    assert detection.approx_ms == total + 50
    assert "inference" in detection.inference
    assert timing.knet_ping_timeout_ms(cluster) == token // 2
    assert timing.knet_ping_interval_ms(cluster) == token // 4


def test_token_coefficient_zero_turns_growth_off() -> None:
    cluster = replace(simple_cluster(16), totem=Totem(token=1000, token_coefficient=0))
    assert timing.effective_token_ms(cluster) == 1000
    assert timing.consensus_ms(cluster) == 1200


def test_explicit_token_and_coefficient() -> None:
    cluster = replace(simple_cluster(5), totem=Totem(token=1000, token_coefficient=100))
    assert timing.effective_token_ms(cluster) == 1300
    assert timing.consensus_ms(cluster) == 1560
    assert timing.knet_ping_timeout_ms(cluster) == 650
    assert timing.knet_ping_interval_ms(cluster) == 325


def test_explicit_consensus_is_used_as_given() -> None:
    cluster = replace(simple_cluster(7), totem=Totem(consensus=1234))
    assert timing.consensus_ms(cluster) == 1234
    assert timing.effective_token_ms(cluster) == 6250


def test_consensus_truncates_through_a_c_float() -> None:
    """`(int)(float)(1.2 * token)`: the float cast rounds 16800001.2 up to 16800002."""
    cluster = replace(simple_cluster(2), totem=Totem(token=14000001))
    assert timing.consensus_ms(cluster) == 16800002


def test_qdevice_sync_bound() -> None:
    assert timing.qdevice_sync_delay_max_ms(simple_cluster(2)) == 0
    with_qdevice = simple_cluster(2, device=QDevice(votes=1))
    assert timing.qdevice_sync_delay_max_ms(with_qdevice) == 30000
    assert timing.failure_detection(with_qdevice).max_with_qdevice_ms == 6650 + 30000


@pytest.mark.parametrize(
    ("nodes", "token", "consensus"),
    [(3, None, 12000), (2, None, 2000), (2, 5000, 1000), (2, 500, 200), (2, 20000, 2000)],
)
def test_cman_defaults(nodes: int, token: int | None, consensus: int) -> None:
    cluster = replace(simple_cluster(nodes, stack="cman"), totem=Totem(token=token))
    assert timing.token_ms(cluster) == (token or 10000)
    assert timing.effective_token_ms(cluster) == (token or 10000)  # no token_coefficient
    assert timing.consensus_ms(cluster) == consensus
    assert timing.join_ms(cluster) == 60
    assert timing.knet_ping_timeout_ms(cluster) is None


def test_ha_timeline() -> None:
    events = timing.ha_timeline(simple_cluster(3))
    first = events[0]
    assert first.inference and first.earliest_ms == -8080
    reset = next(e for e in events if "resets the node" in e.event)
    assert (reset.earliest_ms, reset.latest_ms, reset.side) == (60000, 70000, "isolated")
    stop = next(e for e in events if "stops feeding" in e.event)
    assert (stop.earliest_ms, stop.latest_ms) == (50000, 60000)
    fence = next(e for e in events if "fence_delay" in e.event)
    assert (fence.earliest_ms, fence.side) == (60000, "quorate")
    expiry = next(e for e in events if "expires" in e.event)
    assert (expiry.earliest_ms, expiry.latest_ms) == (110000, 120000)
    recovered = events[-1]
    assert "got agent lock" in recovered.event
    assert (recovered.earliest_ms, recovered.latest_ms) == (110000, 120000)
    # the isolated node has reset before the majority recovers its services
    assert reset.latest_ms < recovered.earliest_ms
    assert all(e.earliest_ms <= e.latest_ms for e in events)
