"""The validator's link checks (reference 4.6): refusals as real corosync 3.1.7 makes them,
hazards it accepts."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prereq import require

from pvequorum.conf import corosync, links
from pvequorum.conf.validate import REFUSES_TO_START, validate_text

ADDRESS = {4: "127.0.{link}.{n}", 6: "::{n}"}


def conf(nodes: list[dict[str, str]], totem: str = "") -> str:
    body = "".join(
        "  node {\n" + "".join(f"    {k}: {v}\n" for k, v in node.items()) + "  }\n"
        for node in nodes
    )
    return (
        f"totem {{\n  version: 2\n  cluster_name: lab\n{totem}}}\n"
        f"nodelist {{\n{body}}}\nquorum {{\n  provider: corosync_votequorum\n}}\n"
    )


def node(n: int, *links_: int, name: bool = True) -> dict[str, str]:
    out = {"name": f"n{n}"} if name else {}
    out["nodeid"] = str(n)
    for link in links_:
        out[f"ring{link}_addr"] = f"127.0.{link}.{n}"
    return out


def codes(text: str) -> list[str]:
    return [p.code for p in links.refusals(corosync.parse(text))]


def test_each_refusal() -> None:
    assert codes(conf([node(1, 0, 1), node(2, 0, 1)])) == []
    assert codes(conf([node(1, 0, 1), node(2, 0)])) == ["CQ132"]
    assert codes(conf([node(1, 0, 1, name=False), node(2, 0, 1)])) == ["CQ131"]
    assert codes(conf([node(1, 0, 8), node(2, 0, 8)])) == ["CQ130", "CQ130"]
    assert codes(conf([node(1, 0), node(2, 0)], "  link_mode: fast\n")) == ["CQ133"]
    mixed = [node(1, 0), {"name": "n2", "nodeid": "2", "ring0_addr": "::2"}]
    assert codes(conf(mixed)) == ["CQ134"]
    # a node with no address at all: every link has the same count, corosync takes it
    assert codes(conf([node(1, 0, 1), node(2, 0, 1), node(3)])) == []


def test_ring_numbers_are_read_as_sscanf_reads_them() -> None:
    assert corosync.ring_number("ring1_addr") == 1
    assert corosync.ring_number("ring01_addr") == 1
    assert corosync.ring_number("ring+2_addr") == 2
    assert corosync.ring_number("ring-1_addr") == 2**32 - 1
    assert corosync.ring_number("ring1_addrx") is None
    assert corosync.ring_number("ring_addr") is None


def test_hazards_and_their_findings() -> None:
    shared = conf([node(1, 0), {"name": "n2", "nodeid": "2", "ring0_addr": "127.0.0.1"}])
    one = {"name": "n1", "nodeid": "1", "ring0_addr": "10.0.0.1", "ring1_addr": "10.0.0.1"}
    two = {"name": "n2", "nodeid": "2", "ring0_addr": "10.0.0.2", "ring1_addr": "10.0.1.2"}
    same = conf([one, two])
    named = conf([{"name": "n1", "nodeid": "1", "ring0_addr": "pve1"}, node(2, 0)])
    for text, code in ((shared, "CQ250"), (same, "CQ251"), (named, "CQ252")):
        found = [f for f in validate_text(text) if f.code == code]
        assert len(found) == 1 and found[0].severity == "warning" and found[0].line, found
    refused = [f for f in validate_text(conf([node(1, 0, 1), node(2, 0)])) if f.code == "CQ132"]
    assert (
        refused and refused[0].code in REFUSES_TO_START and "link 1 lacks n2" in refused[0].message
    )


# --- against real corosync -t ---------------------------------------------------------------
def _corosync_says(text: str) -> str | None:
    """The totem stage's refusal of real `corosync -t` (in a network namespace with only
    loopback, where the first node's 127.0.0.1 is local), or None when it starts."""
    with tempfile.TemporaryDirectory(prefix="pvq-links-") as tmp:
        key = Path(tmp) / "authkey"
        key.write_bytes(os.urandom(256))
        key.chmod(0o400)
        path = Path(tmp) / "c.conf"
        path.write_text(text.replace("  version: 2\n", f"  version: 2\n  keyfile: {key}\n", 1))
        result = subprocess.run(
            ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec corosync -t -c "$1"',
             "sh", str(path)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    for line in result.stderr.splitlines():
        if "parse error in config: " in line:
            return line.split("parse error in config: ", 1)[1].rstrip()
    assert result.returncode == 0, result.stderr
    return None


NODES = st.lists(
    st.tuples(
        st.booleans(),  # has a name
        st.sets(st.sampled_from([0, 1, 2, 8]), max_size=3),  # links with an address
        st.sampled_from([4, 4, 4, 6]),  # the address family
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(
    NODES, st.sampled_from(["", "  link_mode: passive\n", "  link_mode: rr\n", "  link_mode: x\n"])
)
def test_refusals_are_real_corosyncs(spec: list[tuple[bool, set[int], int]], totem: str) -> None:
    require(os.geteuid() == 0, "needs root for a network namespace")
    require(shutil.which("corosync") is not None, "needs `apt-get install corosync`")
    nodes = [{"name": "n1", "nodeid": "1", "ring0_addr": "127.0.0.1"}]  # the local node
    for n, (named, rings, family) in enumerate(spec, start=2):
        entry = {"name": f"n{n}"} if named else {}
        entry["nodeid"] = str(n)
        for link in sorted(rings):
            entry[f"ring{link}_addr"] = ADDRESS[family].format(link=link, n=n)
        nodes.append(entry)
    text = conf(nodes, totem)
    found = links.refusals(corosync.parse(text), local="n1")
    assert _corosync_says(text) == (found[0].said if found else None), text


@pytest.mark.parametrize("text", [conf([node(1, 0, 1), node(2, 0, 1)])])
def test_a_two_link_cluster_is_clean(text: str) -> None:
    assert not [f for f in validate_text(text) if f.code.startswith(("CQ13", "CQ25"))]


def test_the_typed_view_knows_the_links() -> None:
    text = conf(
        [{"name": "n1", "nodeid": "1", "ring0_addr": "10.0.0.1", "ring01_addr": "10.1.0.1"},
         {"name": "n2", "nodeid": "2", "ring0_addr": "10.0.0.2", "ring1_addr": "10.1.0.2"}],
        "  link_mode: rr\n  interface {\n    linknumber: 1\n    knet_link_priority: 20\n  }\n",
    )  # fmt: skip
    view = corosync.view(corosync.parse(text))
    assert view.link_mode == "rr" and view.to_dict()["link_mode"] == "rr"
    assert [link.number for link in view.links] == [0, 1]
    assert dict(view.links[1].options) == {"knet_link_priority": "20"}
    assert dict(view.links[1].addresses) == {"n1": "10.1.0.1", "n2": "10.1.0.2"}


def _hazard_codes(text: str) -> list[str]:
    return [p.code for p in links.hazards(corosync.parse(text))]


@given(
    st.integers(min_value=2, max_value=6),
    st.integers(min_value=0, max_value=255),
    st.integers(min_value=0, max_value=255),
    st.data(),
)
def test_two_links_in_the_same_networks_on_every_node(
    count: int, net0: int, net1: int, data: st.DataObject
) -> None:
    """CQ253 exactly when, on every node, both links' addresses share a /24: one network
    (reference 4.6).  One node on another network for link 1 is enough redundancy to stay
    quiet: the rule says "every node"."""
    elsewhere = data.draw(st.sets(st.integers(1, count), max_size=count))
    nodes = []
    for n in range(1, count + 1):
        second = (net1 if n in elsewhere else net0) + (1 if net0 == net1 and n in elsewhere else 0)
        nodes.append(
            {
                "name": f"n{n}",
                "nodeid": str(n),
                "ring0_addr": f"10.1.{net0}.{n}",
                "ring1_addr": f"10.1.{second % 256}.{n + 100}",
            }
        )
    text = conf(nodes)
    same_everywhere = all(
        shared == f"10.1.{net0}.0/24"
        for shared in (
            links.shared_network(node["ring0_addr"], node["ring1_addr"]) for node in nodes
        )
    )
    assert ("CQ253" in _hazard_codes(text)) == same_everywhere


def test_shared_network_takes_a_24_or_a_64_and_only_literals() -> None:
    assert links.shared_network("192.0.2.1", "192.0.2.200") == "192.0.2.0/24"
    assert links.shared_network("192.0.2.1", "192.0.3.1") is None
    assert links.shared_network("2001:db8::1", "2001:db8::ffff:1") == "2001:db8::/64"
    assert links.shared_network("2001:db8::1", "192.0.2.1") is None
    assert links.shared_network("pve1", "192.0.2.1") is None


@pytest.mark.parametrize("value", ["udp", "sctp", "UDP", "tcp", "udp,sctp"])
def test_knet_transport_values_as_real_corosync_reads_them(value: str) -> None:
    """Only `udp` and `sctp` (strcmp in get_interface_params()); anything else is CQ135 with
    corosync's words, checked against the real `corosync -t` where it is installed."""
    text = conf([node(1, 0), node(2, 0)]).replace(
        "  cluster_name: lab\n",
        "  cluster_name: lab\n  interface {\n    linknumber: 0\n"
        f"    knet_transport: {value}\n  }}\n",
    )
    found = [p for p in links.refusals(corosync.parse(text)) if p.code == "CQ135"]
    assert bool(found) == (value not in ("udp", "sctp"))
    if found:
        assert found[0].said == "Unrecognised knet_transport. expected 'udp' or 'sctp'"
        assert found[0].line == text.splitlines().index(f"    knet_transport: {value}") + 1
    require(
        shutil.which("corosync") is not None and shutil.which("unshare") is not None,
        "comparing with real corosync -t needs corosync and unshare",
    )
    with tempfile.TemporaryDirectory(prefix="pvq-links-") as tmp:
        path = Path(tmp) / "c.conf"
        path.write_text(text)
        result = subprocess.run(
            ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec corosync -t -c "$1"',
             "sh", str(path)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    said = "Unrecognised knet_transport. expected 'udp' or 'sctp'" in result.stderr
    assert said == bool(found), result.stderr
