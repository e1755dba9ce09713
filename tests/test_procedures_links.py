"""The add-link and change-address plans (reference 4.7): the edits corosync takes (our replay
of `corosync -t` and the real one), the version bumps, the order of the steps, refusals of
bad parameters, the link checks (Python and the shell's awk agree), and properties over
generated clusters: add-link adds exactly its keys and one interface; no file the
change-address plan writes, forward or back, changes an address of a link in place."""

from __future__ import annotations

import difflib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prereq import require
from test_cli_plan import COROSYNC_2
from test_procedures import golden

from pvequorum.cfgtool import LinkPeer, LinkStatus, LocalLink, StatusLink, render_status
from pvequorum.conf import corosync, linkedits, parse_config
from pvequorum.conf.corosync import corosync_verdict, ring_number
from pvequorum.errors import InputError
from pvequorum.procedures import (
    ClusterState,
    Facts,
    PlanInput,
    PveVersion,
    build_plan,
    to_json,
    to_markdown,
    to_shell,
)
from pvequorum.procedures.linkstate import link_problem
from pvequorum.procedures.plan import LinkState, Plan
from pvequorum.procedures.render import _LINK_STATE
from pvequorum.runbooks.apply import _lines_ok

ADDRESSES = "pve1=10.10.10.1,pve2=10.10.10.2"


def conf(nodes: int, links: dict[int, str], *, version: int = 7, priority: dict | None = None):
    """A Proxmox-style corosync.conf: `links` maps a link number to an address pattern with
    `{n}` for the node id."""
    priority = priority or {}
    body = ""
    for n in range(1, nodes + 1):
        body += f"  node {{\n    name: pve{n}\n    nodeid: {n}\n    quorum_votes: 1\n"
        body += "".join(f"    ring{k}_addr: {links[k].format(n=n)}\n" for k in sorted(links))
        body += "  }\n"
    interfaces = ""
    for k in sorted(links):
        interfaces += f"  interface {{\n    linknumber: {k}\n"
        if k in priority:
            interfaces += f"    knet_link_priority: {priority[k]}\n"
        interfaces += "  }\n"
    return (
        "logging {\n  debug: off\n  to_syslog: yes\n}\n\n"
        f"nodelist {{\n{body}}}\n\nquorum {{\n  provider: corosync_votequorum\n}}\n\n"
        f"totem {{\n  cluster_name: lab\n  config_version: {version}\n{interfaces}"
        "  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  version: 2\n}\n"
    )


def plan(text: str, kind: str, *, up=None, down=(), version="8.2", ha=False, **kw) -> Plan:
    cluster = parse_config(text)
    state = ClusterState.build(cluster, up=up or cluster.names, confirmed_down=down)
    inp = PlanInput(cluster, state, PveVersion.parse(version), Facts(ha), text)
    return build_plan(kind, inp, **kw)


def written(p: Plan) -> list[str]:
    """The file contents the plan writes, in order (the forward edits)."""
    return [c.content for s in p.steps for c in s.commands if c.write_file]


def rollbacks(p: Plan) -> list[str]:
    return list(
        dict.fromkeys(c.content for s in p.steps for c in s.rollback_commands if c.write_file)
    )


def links_of(text: str) -> dict[int, dict[str, str]]:
    doc = corosync.parse(text)
    return {k: linkedits.addresses_of(doc, k) for k in linkedits.configured_links(doc)}


def version_of(text: str) -> int:
    return int(corosync.parse(text).get("totem.config_version"))


def in_place_changes(before: str, after: str) -> list[str]:
    """Addresses that differ on a link both files have: what corosync refuses on a reload."""
    old, new = links_of(before), links_of(after)
    return [
        f"link {k}: {node} {old[k][node]} -> {new[k][node]}"
        for k in set(old) & set(new)
        for node in old[k]
        if node in new[k] and old[k][node] != new[k][node]
    ]


def real_corosync_t(text: str) -> str | None:
    """The refusal of the real `corosync -t` 3.1.7 (reader and totem stage), or None.

    Node 1 is named after this machine, so that corosync finds its local node by name (as
    on Proxmox VE, where node names are host names), also without a ring0_addr."""
    require(os.geteuid() == 0, "needs root for a network namespace")
    require(shutil.which("corosync") is not None, "needs `apt-get install corosync`")
    text = text.replace("name: pve1\n", f"name: {os.uname().nodename}\n")
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


def accepted(text: str) -> None:
    assert corosync_verdict(text) is None
    assert real_corosync_t(text) is None


# --- add-link ---------------------------------------------------------------------------------
def test_add_link_plan_edits_checks_and_bumps() -> None:
    p = plan(COROSYNC_2, "add-link", link="1", addresses=ADDRESSES)
    assert not p.blocked
    (new,) = written(p)
    assert version_of(new) == 3  # from 2
    assert links_of(new) == {
        0: {"pve1": "192.168.1.11", "pve2": "192.168.1.12"},
        1: {"pve1": "10.10.10.1", "pve2": "10.10.10.2"},
    }
    doc = corosync.parse(new)
    assert [linkedits.interface_link(doc, s) for s in doc.sections("totem.interface")] == [0, 1]
    accepted(new)
    titles = [s.title for s in p.steps]
    assert titles[0] == "Check that every node is up and the cluster is quorate"
    assert titles[4] == "Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf"
    assert p.steps[4].postcheck.must_show == ("totem.config_version (u64) = 3",)
    checks = p.steps[5:7]
    assert [s.precheck.command.on for s in checks] == ["pve1", "pve2"]
    assert [s.precheck.links for s in checks] == [(LinkState(1, (2,)),), (LinkState(1, (1,)),)]
    assert p.steps[5].commands[0].argv == ("journalctl", "-b", "-u", "corosync", "--no-pager")
    assert p.steps[-1].postcheck.command.argv == ("pvecm", "status")
    # the rollback takes the link out again, above the new version (reference 4.3)
    (undo,) = rollbacks(p)
    assert version_of(undo) == 4 and links_of(undo) == links_of(COROSYNC_2)
    # every command is an argv or a file write, never a shell string
    for step in p.steps:
        for c in (*step.commands, *step.rollback_commands):
            assert c.argv or c.write_file or c.manual
            assert not any(" " in a for a in c.argv if a.startswith(("sh", "bash")))


def test_add_link_with_priority_and_ipv6() -> None:
    text = conf(3, {0: "fd00::{n}"})
    p = plan(
        text,
        "add-link",
        link="5",
        addresses="pve1=fd01::1,pve2=fd01::2,pve3=fd01::3",
        link_priority="20",
    )
    (new,) = written(p)
    doc = corosync.parse(new)
    (section,) = linkedits.interfaces(doc, 5)
    assert doc.values(section)["knet_link_priority"][0] == "20"
    assert any("carries the cluster traffic" in d.text for d in p.dangers)  # 20 > 1
    accepted(new)


def test_add_link_warns_about_the_same_network() -> None:
    text = conf(2, {0: "10.0.0.{n}"})
    p = plan(text, "add-link", link="1", addresses="pve1=10.0.0.101,pve2=10.0.0.102")
    (warning,) = [d for d in p.dangers if d.severity == "warning"]
    assert "CQ253 links 0 and 1 are in the same networks" in warning.text
    assert "10.0.0.0/24" in warning.text and not p.blocked


BAD_ADD = [
    ({"link": None}, "--link", "link number is needed"),
    ({"link": "8"}, "--link", "0..7"),
    ({"link": "-1"}, "--link", "0..7"),
    ({"link": "1.0"}, "--link", "0..7"),
    ({"link": "0"}, "--link", "already configured"),
    ({"addresses": None}, "--address", "NODE=ADDRESS"),
    ({"addresses": "pve1=10.10.10.1"}, "--address", "missing: pve2"),
    ({"addresses": ADDRESSES + ",pve3=10.10.10.3"}, "--address", "unknown node 'pve3'"),
    ({"addresses": ADDRESSES + ",pve1=10.10.10.9"}, "--address", "pve1 is given twice"),
    ({"addresses": "pve1=10.10.10.1,pve2"}, "--address", "is not NODE=ADDRESS"),
    ({"addresses": "pve1=10.10.10.1,pve2=pve2.lan"}, "--address", "host name"),
    ({"addresses": "pve1=10.10.10.1,pve2=10.10.10"}, "--address", "not an IP address"),
    ({"addresses": "pve1=10.10.10.1,pve2=127.0.0.2"}, "--address", "loopback"),
    ({"addresses": "pve1=10.10.10.1,pve2=239.1.1.1"}, "--address", "multicast"),
    ({"addresses": "pve1=10.10.10.1,pve2=0.0.0.0"}, "--address", "unspecified"),
    ({"addresses": "pve1=10.10.10.1,pve2=fe80::2"}, "--address", "link-local"),
    ({"addresses": "pve1=10.10.10.1,pve2=10.10.10.1"}, "--address", "CQ250"),
    ({"addresses": "pve1=10.10.10.1,pve2=fd00::2"}, "--address", "CQ134"),
    ({"addresses": "pve1=fd00::1,pve2=fd00::2"}, "--address", "IPv4 as well"),
    ({"addresses": "pve1=192.168.1.11,pve2=10.10.10.2"}, "--address", "CQ251"),
    ({"addresses": "pve1=192.168.1.12,pve2=10.10.10.2"}, "--address", "pve2's address"),
    ({"link_priority": "256"}, "--link-priority", "0..255"),
    ({"link_priority": "high"}, "--link-priority", "0..255"),
]


@pytest.mark.parametrize(("change", "field", "said"), BAD_ADD)
def test_add_link_refuses_bad_parameters(change: dict, field: str, said: str) -> None:
    kw = {"link": "1", "addresses": ADDRESSES, **change}
    with pytest.raises(InputError) as info:
        plan(COROSYNC_2, "add-link", **kw)
    assert info.value.where == field and said in info.value.problem
    assert "\n" not in str(info.value)


def test_bad_parameters_are_refused_even_when_the_evidence_refuses() -> None:
    with pytest.raises(InputError) as info:
        plan(COROSYNC_2, "add-link", up=["pve1"], link="9", addresses=ADDRESSES)
    assert info.value.where == "--link"


@pytest.mark.parametrize(
    ("text", "version", "up", "said"),
    [
        (COROSYNC_2, "8.2", ["pve1"], "needs every node up: pve2 is not a member"),
        (COROSYNC_2.replace("  linknumber: 0\n", "  ringnumber: 0\n"), "5.4", None, "corosync 3"),
        (
            COROSYNC_2.replace("  version: 2\n", "  version: 2\n  transport: udpu\n"),
            "8.2",
            None,
            "totem.transport is udpu",
        ),
    ],
)
def test_add_link_is_blocked_by_the_evidence(text, version, up, said) -> None:
    p = plan(text, "add-link", up=up, version=version, link="1", addresses=ADDRESSES)
    assert p.blocked and not any(s.changes_state for s in p.steps)
    assert any(said in d.text for d in p.dangers if d.severity == "blocking"), p.dangers


def test_cman_is_blocked() -> None:
    from test_cli_plan import CLUSTER_CONF_2

    p = plan(CLUSTER_CONF_2, "add-link", version="3.4", link="1", addresses=ADDRESSES)
    assert p.blocked and "cman" in p.dangers[0].text


# --- the property: add-link adds exactly its keys ---------------------------------------------
@st.composite
def clusters(draw):
    nodes = draw(st.integers(1, 6))
    links = draw(st.sets(st.integers(0, 7), min_size=1, max_size=3))
    v6 = draw(st.booleans())
    pattern = {k: (f"fd0{k}::{{n}}" if v6 else f"10.{k}.0.{{n}}") for k in links}
    free = [k for k in range(8) if k not in links]
    link = draw(st.sampled_from(free))
    base = draw(st.integers(1, 200))
    new = {
        f"pve{n}": (f"fd10::{base}:{n}" if v6 else f"172.16.{base}.{n}")
        for n in range(1, nodes + 1)
    }
    version = draw(st.integers(1, 10**6))
    return conf(nodes, pattern, version=version), link, new


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_add_link_adds_exactly_the_ring_keys_and_one_interface(case) -> None:
    text, link, new = case
    p = plan(
        text, "add-link", link=str(link), addresses=",".join(f"{n}={a}" for n, a in new.items())
    )
    assert not p.blocked, p.dangers
    (edited,) = written(p)
    assert corosync_verdict(edited) is None
    old_lines, new_lines = text.splitlines(), edited.splitlines()
    removed, added = [], []
    for line in difflib.ndiff(old_lines, new_lines):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    version = version_of(text)
    assert removed == [f"  config_version: {version}"]
    assert sorted(added) == sorted(
        [f"  config_version: {version + 1}", "  interface {", f"    linknumber: {link}", "  }"]
        + [f"    ring{link}_addr: {a}" for a in new.values()]
    )
    before, after = links_of(text), links_of(edited)
    assert after == {**before, link: new}
    # each node got its own address (the key sits in its own section)
    doc = corosync.parse(edited)
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        rings = [k for k in values if ring_number(k) == link]
        assert rings == [f"ring{link}_addr"]
        assert values[rings[0]][0] == new[values["name"][0]]


# --- change-address -----------------------------------------------------------------------------
def _check_never_in_place(p: Plan, text: str) -> None:
    """Every transition the plan makes, forward and each rollback, keeps the addresses of
    the links that stay (corosync refuses anything else on a reload)."""
    states = [text, *written(p)]
    for before, after in itertools.pairwise(states):
        assert in_place_changes(before, after) == []
        assert version_of(after) == version_of(before) + 1
    for step in p.steps:
        for c in step.rollback_commands:
            if c.write_file:
                live = next(
                    w for w in reversed(states) if version_of(w) == version_of(c.content) - 1
                )
                assert in_place_changes(live, c.content) == [], step.title


def test_change_address_with_another_link_removes_and_adds_back() -> None:
    text = conf(3, {0: "10.0.0.{n}", 1: "10.1.0.{n}"}, priority={0: 10})
    p = plan(text, "change-address", link="0", addresses="pve2=10.2.0.2")
    assert not p.blocked
    first, second = written(p)
    assert links_of(first) == {1: links_of(text)[1]}
    assert linkedits.interfaces(corosync.parse(first), 0) == []
    assert links_of(second)[0] == {"pve1": "10.0.0.1", "pve2": "10.2.0.2", "pve3": "10.0.0.3"}
    doc = corosync.parse(second)
    (back,) = linkedits.interfaces(doc, 0)
    assert doc.values(back)["knet_link_priority"][0] == "10"  # its options come back
    assert (version_of(first), version_of(second)) == (8, 9)
    for t in (first, second):
        accepted(t)
    _check_never_in_place(p, text)
    titles = [s.title for s in p.steps]
    # link 1 checked on every node before link 0 goes; link 0 checked gone, then back
    assert titles[1:4] == [f"Check on pve{n} that link 1 connects it to every other node"
                           for n in (1, 2, 3)]  # fmt: skip
    gone = next(s for s in p.steps if "is gone" in s.title)
    assert gone.precheck.links == (LinkState(0, absent=True), LinkState(1, (2, 3)))
    assert titles.index(gone.title) > titles.index("Back up /etc/pve/corosync.conf")
    assert p.steps[-2].precheck.links == (LinkState(0, (1, 2)),)  # on pve3


def test_change_address_on_the_only_link_goes_through_a_temporary_link() -> None:
    text = conf(3, {0: "10.0.0.{n}"})
    new = "pve1=10.5.0.1,pve2=10.5.0.2,pve3=10.5.0.3"
    p = plan(text, "change-address", link="0", addresses=new)
    first, second = written(p)
    assert links_of(first) == {0: links_of(text)[0], 1: links_of(second)[1]}
    assert links_of(second) == {1: {"pve1": "10.5.0.1", "pve2": "10.5.0.2", "pve3": "10.5.0.3"}}
    for t in (first, second):
        accepted(t)
    _check_never_in_place(p, text)
    assert any("runs on link 1" in d.text for d in p.dangers)
    assert p.steps[-2].precheck.links == (LinkState(0, absent=True), LinkState(1, (2, 3)))


def test_change_address_of_one_node_on_the_only_link() -> None:
    text = conf(2, {3: "10.3.0.{n}"})
    p = plan(text, "change-address", link="3", addresses="pve2=10.9.0.2")
    _, second = written(p)
    assert links_of(second) == {0: {"pve1": "10.3.0.1", "pve2": "10.9.0.2"}}  # 0: lowest free
    assert any("CQ251" in d.text and "pve1" in d.text for d in p.dangers)  # until link 3 goes
    accepted(second)
    _check_never_in_place(p, text)


def test_change_address_by_restart() -> None:
    text = conf(3, {0: "10.0.0.{n}"})
    p = plan(
        text,
        "change-address",
        link="0",
        addresses="pve1=10.5.0.1,pve2=10.5.0.2,pve3=10.5.0.3",
        method="restart",
        ha=True,
    )
    (new,) = written(p)
    assert in_place_changes(text, new)  # the one plan that does, and says so
    accepted(new)
    restarts = [
        s for s in p.steps if s.commands and s.commands[0].argv[:2] == ("systemctl", "restart")
    ]
    assert [s.commands[0].on for s in restarts] == ["pve1", "pve2", "pve3"]
    assert all(s.postcheck.must_show == ("totem.config_version (u64) = 8",) for s in restarts)
    activation = next(s for s in p.steps if s.title.startswith("Activate"))
    assert activation.postcheck.must_show == ("config.reload_status (i32) = 7",)
    texts = " ".join(d.text for d in p.dangers)
    assert "after pve1 restarts: pve1 without quorum" in texts  # alone on the new network
    assert "after pve2 restarts: pve3 without quorum" in texts
    assert "while pve2 restarts: pve1, pve3 without quorum" in texts
    assert "While pve2 restarts, no node has quorum" in texts
    assert "watchdog" in texts and p.options


def test_change_address_by_restart_with_another_link_keeps_the_membership() -> None:
    text = conf(2, {0: "10.0.0.{n}", 1: "10.1.0.{n}"})
    p = plan(text, "change-address", link="0", addresses="pve2=10.5.0.2", method="restart")
    texts = " ".join(d.text for d in p.dangers)
    assert "while pve1 restarts: pve2 without quorum" in texts  # two nodes: one is not half


BAD_CHANGE = [
    ({"link": "2"}, "--link", "link 2 is not configured"),
    ({"addresses": "pve2=10.0.0.2"}, "--address", "already pve2's address on link 0"),
    ({"addresses": "pve2=10.1.0.3"}, "--address", "pve3's address on link 1"),
    ({"addresses": "pve2=10.1.0.2"}, "--address", "CQ251"),
    ({"addresses": "pve2=fd00::2"}, "--address", "CQ134"),
    ({"method": "hot"}, "--method", "reload (the default"),
    ({"addresses": "pve9=10.7.0.9"}, "--address", "unknown node 'pve9'"),
]


@pytest.mark.parametrize(("change", "field", "said"), BAD_CHANGE)
def test_change_address_refuses_bad_parameters(change: dict, field: str, said: str) -> None:
    text = conf(3, {0: "10.0.0.{n}", 1: "10.1.0.{n}"})
    kw = {"link": "0", "addresses": "pve2=10.7.0.2", **change}
    with pytest.raises(InputError) as info:
        plan(text, "change-address", **kw)
    assert info.value.where == field and said in info.value.problem, info.value
    assert "\n" not in str(info.value)


def test_change_address_blocked_with_a_node_down() -> None:
    text = conf(3, {0: "10.0.0.{n}"})
    p = plan(text, "change-address", up=["pve1", "pve2"], link="0", addresses="pve2=10.7.0.2")
    assert p.blocked and not any(s.changes_state for s in p.steps)


@st.composite
def moves(draw):
    nodes = draw(st.integers(2, 5))
    links = sorted(draw(st.sets(st.integers(0, 7), min_size=1, max_size=3)))
    link = draw(st.sampled_from(links))
    movers = draw(st.sets(st.integers(1, nodes), min_size=1))
    base = draw(st.integers(1, 200))
    text = conf(nodes, {k: f"10.{k}.0.{{n}}" for k in links})
    new = ",".join(f"pve{n}=172.20.{base}.{n}" for n in sorted(movers))
    method = draw(st.sampled_from([None, "reload", "restart"]))
    return text, link, new, method


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves())
def test_every_change_address_plan_reaches_the_new_addresses_safely(case) -> None:
    text, link, new, method = case
    p = plan(text, "change-address", link=str(link), addresses=new, method=method)
    assert not p.blocked, p.dangers
    states = written(p)
    for t in states:
        assert corosync_verdict(t) is None
    final = links_of(states[-1])
    wanted = dict(links_of(text)[link])
    wanted.update(dict(entry.split("=") for entry in new.split(",")))
    assert wanted in final.values()  # the addresses are there, on link K or the new one
    if method != "restart":
        _check_never_in_place(p, text)
    assert version_of(states[-1]) == version_of(text) + len(states)


# --- link checks: Python and the shell agree ----------------------------------------------------
def _status(local: int, states: dict[int, dict[int, str]]) -> str:
    """A `corosync-cfgtool -s` text: per link, node id -> connected/disconnected."""
    links = []
    for link, peers in sorted(states.items()):
        rows = [LinkPeer(n, "localhost" if n == local else s) for n, s in sorted(peers.items())]
        links.append(StatusLink(LocalLink(link, "udp", f"10.{link}.0.{local}"), tuple(rows)))
    return render_status(LinkStatus(local, "knet", tuple(links)))


CONNECTED = {1: "localhost", 2: "connected", 3: "connected"}
HALF = {1: "localhost", 2: "connected", 3: "disconnected"}
TEXTS = {
    "both": _status(1, {0: CONNECTED, 1: CONNECTED}),
    "one-half": _status(1, {0: CONNECTED, 1: HALF}),
    "only-0": _status(1, {0: CONNECTED}),
    "only-1": _status(1, {1: CONNECTED}),
    "error": "Could not initialize corosync configuration API error 2\n",
    "empty": "",
}
WANTS = [
    (LinkState(1, (2, 3)),),
    (LinkState(0, (2, 3)), LinkState(1, (2, 3))),
    (LinkState(0, absent=True),),
    (LinkState(0, absent=True), LinkState(1, (2, 3))),
    (LinkState(1, (2, 4)),),
]


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("wanted", WANTS, ids=lambda w: ";".join(s.describe() for s in w))
def test_link_checks_agree_in_python_and_shell(name: str, wanted, tmp_path: Path) -> None:
    text = TEXTS[name]
    python_ok = link_problem(text, wanted, "test") is None
    ids = ["absent" if s.absent else ",".join(map(str, s.peers)) for s in wanted]
    script = _LINK_STATE + "".join(
        f'link_state "$1" {s.link} {i} || exit 1\n' for s, i in zip(wanted, ids, strict=True)
    )
    path = tmp_path / "check.sh"
    path.write_text(script)
    shell_ok = subprocess.run(["sh", str(path), text], check=False).returncode == 0
    assert python_ok == shell_ok
    expected = {
        ("both", 0), ("both", 1), ("only-1", 0), ("only-1", 2), ("only-1", 3),
    }  # fmt: skip
    assert python_ok == ((name, WANTS.index(wanted)) in expected)


def test_apply_reads_a_link_check_as_a_whole_table() -> None:
    p = plan(COROSYNC_2, "add-link", link="1", addresses=ADDRESSES)
    check = p.steps[5].precheck
    ok, _ = _lines_ok(check, _status(1, {0: {1: "localhost", 2: "connected"},
                                         1: {1: "localhost", 2: "connected"}}))  # fmt: skip
    assert ok
    ok, why = _lines_ok(check, _status(1, {0: {1: "localhost", 2: "connected"},
                                           1: {1: "localhost", 2: "disconnected"}}))  # fmt: skip
    assert not ok and why == "link 1: node id 2 is disconnected"
    ok, why = _lines_ok(check, "Could not initialize corosync configuration API error 2\n")
    assert not ok and why.startswith("not a corosync-cfgtool -s table")


def test_scripts_pass_shellcheck(tmp_path: Path) -> None:
    from test_procedures_shell import require as require_tool

    two = conf(3, {0: "10.0.0.{n}", 1: "10.1.0.{n}"})
    for p, link_checks in (
        (plan(COROSYNC_2, "add-link", link="1", addresses=ADDRESSES), True),
        (plan(two, "change-address", link="0", addresses="pve2=10.2.0.2"), True),
        (
            plan(conf(2, {0: "10.0.0.{n}"}), "change-address", link="0", addresses="pve2=10.2.0.2"),
            True,
        ),
        (plan(two, "change-address", link="1", addresses="pve3=10.4.0.3", method="restart"), False),
    ):
        path = tmp_path / "plan.sh"
        path.write_text(to_shell(p))
        subprocess.run([require_tool("bash"), "-n", str(path)], check=True)
        result = subprocess.run(
            [require_tool("shellcheck"), "-s", "sh", str(path)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout
        assert ('"links": [' in to_json(p)) == link_checks
        assert ("link_state() {" in to_shell(p)) == link_checks


# --- goldens ------------------------------------------------------------------------------------
GOLDENS = [
    ("add-link-pve8", COROSYNC_2, {"link": "1", "addresses": ADDRESSES}),
    (
        "change-address-recreate-pve8",
        conf(3, {0: "10.0.0.{n}", 1: "10.1.0.{n}"}),
        {"link": "0", "addresses": "pve2=10.2.0.2"},
    ),
    (
        "change-address-temporary-pve8",
        conf(2, {0: "10.0.0.{n}"}),
        {"link": "0", "addresses": "pve1=10.5.0.1,pve2=10.5.0.2"},
    ),
    (
        "change-address-restart-pve8",
        conf(3, {0: "10.0.0.{n}"}),
        {"link": "0", "addresses": "pve1=10.5.0.1,pve2=10.5.0.2,pve3=10.5.0.3",
         "method": "restart"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "kw"), GOLDENS, ids=[g[0] for g in GOLDENS])
def test_golden_link_plans(name: str, text: str, kw: dict) -> None:
    kind = "add-link" if name.startswith("add-link") else "change-address"
    p = plan(text, kind, **kw)
    golden(f"{name}.md", to_markdown(p))
    golden(f"{name}.sh", to_shell(p))


# --- the CLI --------------------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args], capture_output=True, text=True, cwd=cwd
    )


def test_cli_plans_add_link_and_refuses_a_host_name(tmp_path: Path) -> None:
    config = tmp_path / "corosync.conf"
    config.write_text(COROSYNC_2)
    base = ["plan", "add-link", "--config", str(config), "--up", "pve1,pve2", "--link", "1"]
    ok = _cli(*base, "--address", "pve1=10.10.10.1", "--address", "pve2=10.10.10.2", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Add link 1 to cluster mycluster" in ok.stdout
    same = _cli(*base, "--address", ADDRESSES, cwd=tmp_path)
    assert same.stdout == ok.stdout  # repeated or comma separated: one plan, one token
    bad = _cli(*base, "--address", "pve1=10.10.10.1,pve2=pve2.example", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "--address" in bad.stderr and "host name" in bad.stderr
    moved = _cli(
        "plan", "change-address", "--config", str(config), "--up", "pve1,pve2", "--link", "0",
        "--address", "pve2=192.168.2.12", "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert '"kind": "change-address"' in moved.stdout


@pytest.mark.parametrize("name", ["add-link", "change-address"])
def test_papermill_reads_every_parameter_of_the_link_runbooks(name: str) -> None:
    import nbformat
    from papermill.translators import PythonTranslator
    from paths import PROJECT

    nb = nbformat.read(str(PROJECT / "notebooks" / "runbooks" / f"{name}.ipynb"), as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    found = [p.name for p in PythonTranslator.inspect(cell)]
    assert found == [line.split(" = ")[0] for line in cell.source.splitlines()]
    assert {"link", "addresses"} <= set(found)
