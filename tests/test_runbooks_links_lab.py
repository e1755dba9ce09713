"""The add-link and change-address runbooks applied on real corosync 3.1.7 (reference 4.7):
a link added to a running 3-node cluster and seen connected on every node; the cluster's
only link moved to other addresses (through a temporary link), another link removed and
added back at new addresses, and the documented restart, each with the quorum polled on
every node all along."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prereq import require_lab

from pvequorum.cfgtool import parse_nodes, parse_status
from pvequorum.conf import corosync, linkedits
from pvequorum.runbooks.runner import execute

pytestmark = pytest.mark.lab

NODES = ("pve1", "pve2", "pve3")


def _params(lab, **extra) -> dict:
    return {
        "config_text": lab.corosync_conf_text("pve1"),
        "status_source": "live",
        "executor": f"lab:{lab.name}:pve1",
        "node": "pve1",
        **extra,
    }


def _addresses(lab, network: int, nodes=NODES) -> str:
    return ",".join(f"{n}={lab.address(n, network)}" for n in nodes)


class QuorumWatch:
    """Polls `corosync-quorumtool -s` on every node, five times a second."""

    def __init__(self, lab) -> None:
        self.lab = lab
        self.samples: list[tuple[float, str, bool | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name in NODES:
                status = self.lab.status(name)
                self.samples.append(
                    (time.monotonic(), name, None if status is None else status.quorate)
                )
            time.sleep(0.2)

    def lost(self) -> list[tuple[float, str, bool | None]]:
        """Samples of a node that did not answer quorate (None: it did not answer)."""
        return [s for s in self.samples if s[2] is not True]

    def blocked(self) -> float:
        """How long no node that answered was quorate (the whole cluster blocked)."""
        last: dict[str, bool | None] = {}
        since: float | None = None
        total = 0.0
        for t, name, q in self.samples:
            last[name] = q
            if len(last) < len(NODES):
                continue
            none_quorate = not any(v is True for v in last.values())
            if none_quorate and since is None:
                since = t
            elif not none_quorate and since is not None:
                total, since = total + t - since, None
        return total

    def spans(self, state: bool | None) -> dict[str, float]:
        """Per node, how long it was in `state` in all (from the sample times)."""
        out: dict[str, float] = {}
        for name in NODES:
            mine = [s for s in self.samples if s[1] == name]
            for (t0, _, q), (t1, _, _) in itertools.pairwise(mine):
                if q is state:
                    out[name] = out.get(name, 0.0) + t1 - t0
        return out


@contextmanager
def watching(lab) -> Iterator[QuorumWatch]:
    watch = QuorumWatch(lab)
    watch._thread.start()
    try:
        yield watch
    finally:
        watch._stop.set()
        watch._thread.join()


def _apply(name: str, params: dict, tmp_path: Path, tag: str) -> dict:
    planned = execute(name, params, tmp_path / f"{tag}-plan.ipynb")
    assert planned.error is None, planned.error
    assert planned.result["verdict"] == "GO", planned.result["reasons"]
    token = planned.result["confirm_token"]
    started = time.monotonic()
    applied = execute(
        name, {**params, "mode": "apply", "confirm": token}, tmp_path / f"{tag}-apply.ipynb"
    )
    took = time.monotonic() - started
    assert applied.error is None, (applied.error, applied.result and applied.result["applied"])
    steps = applied.result["applied"]
    assert steps and all(s["result"] == "ok" for s in steps), steps
    print(f"{name}: {len(steps)} steps applied in {took:.1f} s")
    for step in steps:
        polls = [line for line in step["log"] if "check" in line]
        print(f"  {step['result']}: {step['step']} | {' | '.join(polls)}")
    return applied.result


def _connected(lab, link: int) -> None:
    """`corosync-cfgtool -s` on every node shows `link` connected to every other node."""
    for name in NODES:
        status = parse_status(lab.cfgtool(name), name)
        (block,) = [b for b in status.links if b.link.link_id == link]
        states = {p.nodeid: p.state for p in block.peers}
        assert sorted(states.values()) == ["connected", "connected", "localhost"], (name, states)


def _log_lines(lab, *needles: str) -> list[str]:
    lines: list[str] = []
    for name in NODES:
        path = lab.log_path(name)
        if path.exists():
            lines += [x for x in path.read_text().splitlines() if any(n in x for n in needles)]
    return lines


def test_add_link_applied_on_a_running_cluster(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster

    with Lab(simple_cluster(3), "pvqaddl", networks=2) as lab:
        lab.start(list(NODES))
        lab.wait_settled()
        params = _params(lab, link="1", addresses=_addresses(lab, 1))
        with watching(lab) as watch:
            result = _apply("add-link", params, tmp_path, "add")
        assert watch.samples and watch.lost() == [], watch.lost()
        _connected(lab, 1)
        _connected(lab, 0)
        for name in NODES:
            doc = corosync.parse(lab.corosync_conf_text(name))
            assert linkedits.addresses_of(doc, 1) == {n: lab.address(n, 1) for n in NODES}
        journal = next(s for s in result["applied"] if "journalctl" in str(s["commands"]))
        assert any("link: 1 is up" in c["output"] for c in journal["commands"])
        for line in _log_lines(lab, "Configuring link", "Configured link", "link: 1 is up"):
            print(line)


def test_change_address_of_the_only_link_keeps_quorum(tmp_path: Path) -> None:
    """Link 0 of every node moves to network 1's addresses: corosync refuses that on a
    reload, so the plan adds link 1 there and removes link 0."""
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster

    with Lab(simple_cluster(3), "pvqchad", networks=2) as lab:
        lab.start(list(NODES))
        lab.wait_settled()
        params = _params(lab, link="0", addresses=_addresses(lab, 1))
        with watching(lab) as watch:
            _apply("change-address", params, tmp_path, "move")
        assert watch.samples and watch.lost() == [], watch.lost()
        for name in NODES:
            doc = corosync.parse(lab.corosync_conf_text(name))
            assert linkedits.configured_links(doc) == (1,)
            assert linkedits.addresses_of(doc, 1) == {n: lab.address(n, 1) for n in NODES}
        _connected(lab, 1)
        for name in NODES:
            status = parse_status(lab.cfgtool(name), name)
            assert [b.link.link_id for b in status.links] == [1]
            nodes = parse_nodes(lab.cfgtool(name, "-n"), name)
            for peer in nodes.peers:
                (link,) = peer.links
                other = next(n for n in NODES if lab._node(n).nodeid == peer.nodeid)
                assert (link.link_id, link.source, link.destination, link.connected) == (
                    1,
                    lab.address(name, 1),
                    lab.address(other, 1),
                    True,
                )
        for line in _log_lines(lab, "Configuring link", "Config reload", "best link: 1"):
            print(line)


def test_change_address_with_a_second_link_removes_and_adds_back(tmp_path: Path) -> None:
    """Two links: link 0 goes to network 2's addresses, while link 1 carries the cluster."""
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster
    from pvequorum.scenario import LinkSettings

    with Lab(simple_cluster(3), "pvqchrc", links=LinkSettings(links=2), networks=3) as lab:
        lab.start(list(NODES))
        lab.wait_settled()
        params = _params(lab, link="0", addresses=_addresses(lab, 2))
        with watching(lab) as watch:
            _apply("change-address", params, tmp_path, "recreate")
        assert watch.samples and watch.lost() == [], watch.lost()
        for name in NODES:
            doc = corosync.parse(lab.corosync_conf_text(name))
            assert linkedits.addresses_of(doc, 0) == {n: lab.address(n, 2) for n in NODES}
            assert linkedits.addresses_of(doc, 1) == {n: lab.address(n, 1) for n in NODES}
            nodes = parse_nodes(lab.cfgtool(name, "-n"), name)
            shown = {(link.link_id, link.source) for peer in nodes.peers for link in peer.links}
            assert shown == {(0, lab.address(name, 2)), (1, lab.address(name, 1))}
        _connected(lab, 0)
        _connected(lab, 1)


def test_change_address_by_restart_is_what_the_plan_says(tmp_path: Path) -> None:
    """The documented way: addresses in place (the reload is refused), then a restart on
    every node; the quorum drops where the plan's simulation says it may."""
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster

    with Lab(simple_cluster(3), "pvqchrs", networks=2) as lab:
        lab.start(list(NODES))
        lab.wait_settled()
        params = _params(lab, link="0", addresses=_addresses(lab, 1), method="restart")
        with watching(lab) as watch:
            result = _apply("change-address", params, tmp_path, "restart")
        start = watch.samples[0][0]
        last: dict[str, bool | None] = {}
        for t, name, q in watch.samples:  # the changes, for the record
            if last.get(name, True) is not q:
                print(f"  {t - start:5.1f} s: {name} {'quorate' if q else q}")
            last[name] = q
        inquorate = watch.spans(False)
        print("running without quorum (s):", {k: round(v, 1) for k, v in inquorate.items()})
        print("not answering (s):", {k: round(v, 1) for k, v in watch.spans(None).items()})
        blocked = watch.blocked()
        print(f"no node quorate for {blocked:.1f} s")
        dangers = " ".join(d["text"] for d in result["plan"]["dangers"])
        said = dangers.split("(simulated): ", 1)[1].split(". ", 1)[0]
        print("the plan said:", said)
        for name, seconds in inquorate.items():
            # a running node without quorum: the plan said it may be, or it had just
            # started and had not joined yet ("until it has joined the others")
            named = f"{name} without quorum" in said or f"{name}, " in said
            assert named or seconds < 3, (name, seconds, said)
        assert (blocked > 0) == ("no node has quorum" in dangers)
        refusals = _log_lines(lab, "different address for link 0", "Cannot configure new")
        assert refusals, "corosync took the changed address on a reload"
        for line in refusals:
            print(line)
        for name in NODES:
            nodes = parse_nodes(lab.cfgtool(name, "-n"), name)
            assert {link.source for peer in nodes.peers for link in peer.links} == {
                lab.address(name, 1)
            }
