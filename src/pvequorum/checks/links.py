"""Self-checks for lab 08: knet links.  PURE.

A three-node cluster with two knet links (docs/scenario-format.md, "Extension: links").
Questions 1 and 2 are predictions checked against the run (`observed`: what the practice
cluster printed, real corosync when the machine allows it); the right values are computed
here on the simulator, which agrees with the recorded real runs
(`tests/scenarios/extensions/links-3n2l-node-loses-links.json`).  Questions 3 and 4 are
about what the simulator and `pvequorum.linkview` model: which link knet sends totem over,
and connectivity that is not transitive (reference 12.4).
"""

from __future__ import annotations

from pvequorum.checks.verdict import (
    CheckResult,
    Unit,
    _against_run,
    _as_int,
    _as_names,
    _as_text,
    _check_bool,
    _check_number,
    _not_answered,
    _right,
    _shown,
    _wrong,
)
from pvequorum.engine import Undecidable
from pvequorum.linkview import carrying_links
from pvequorum.model import simple_cluster
from pvequorum.scenario import LinkSettings
from pvequorum.simulator import Simulator

TWO_LINKS = LinkSettings(links=2)
PRIORITIES = LinkSettings(links=2, link_mode="passive", link_priority=((0, 10), (1, 20)))
"""Question 3's cluster: `knet_link_priority` 10 on link 0 and 20 on link 1, passive mode."""
NODES = Unit("node", "nodes")
PEER_WORDS = ("localhost", "connected", "disconnected")  # what cfgtool -s says of a peer


def _pve1_lost(*links: int) -> Simulator:
    """Three nodes on two links, all running; then pve1's port on each of `links` goes dark."""
    sim = Simulator(simple_cluster(3), links=TWO_LINKS)
    sim.start(["pve1", "pve2", "pve3"])
    for link in links:
        sim.link_down("pve1", link)
    return sim


def shown_for_pve2(link: int, lost: tuple[int, ...] = (0,)) -> str:
    """What pve1's `corosync-cfgtool -s` prints for pve2 on `link` after pve1 lost `lost`."""
    table = dict(_pve1_lost(*lost).link_table("pve1"))
    return dict(table["pve2"])[link]


def check_link_state_after_link_down(
    answer: object, link: int = 0, observed: str | None = None
) -> CheckResult:
    """3 nodes, 2 links, pve1's link 0 went down: what does pve1's `corosync-cfgtool -s`
    print for pve2 on LINK ID `link`?  `observed`: the word the run printed."""
    if answer is ...:
        return _not_answered()
    right = shown_for_pve2(link)
    if link == 0:
        why = (
            "knet marks a link dead once its pings go unanswered (about half a token), and "
            "cfgtool prints the state knet has for each peer on each link (reference 5.4, 12.4)"
        )
        hint = (
            "cfgtool prints, per link and per peer, whether knet gets answers to its pings "
            "there; the port of pve1 on link 0 is dark (reference 5.4, 12.4)"
        )
    else:
        why = (
            "only link 0 lost its port; link 1 keeps answering knet's pings, and totem now "
            "goes over it (reference 5.4, 12.4)"
        )
        hint = (
            "each link is a network of its own, and cfgtool reports each one separately; "
            "only the port of pve1 on link 0 went dark (reference 5.4, 12.4)"
        )
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    word = text.lower()
    if word not in PEER_WORDS:
        return _wrong(
            f"{_shown(answer)} is not a state corosync-cfgtool -s prints for a node", hint
        )
    if observed is not None:
        return _against_run(
            repr(word),
            repr(observed),
            word == observed,
            why=why,
            difference="localhost is only ever the node itself" if word == "localhost" else "",
            disagreement="" if observed == right else f"the kit's simulator shows {right!r} here",
        )
    if word == right:
        return _right(why)
    if word == "localhost":
        return _wrong("that word is only ever printed for the node itself", hint)
    return _wrong(f"that is not what pve1 shows for pve2 on link {link}", hint)


def check_nodes_after_link_down(answer: object, observed: int | None = None) -> CheckResult:
    """pve1 lost link 0 of two: what does pve1's `pvecm status` show on `Nodes:`?"""
    right = len(_pve1_lost(0).view("pve1").members)
    return _check_number(
        answer,
        right,
        unit=NODES,
        observed=observed,
        right_message=(
            "totem needs one working link between two nodes and knet fails over on its own, "
            "so the membership, the ring id and quorum stay as they were (reference 12.4)"
        ),
        hint="knet carries totem over any link that works; count the links that still join "
        "pve1 to its peers (reference 12.4)",
        too_low="totem still reaches every peer over the other link",
        too_high="the cluster has three nodes",
    )


def check_nodes_after_both_links_down(answer: object, observed: int | None = None) -> CheckResult:
    """The node then lost its last link too: what does its `pvecm status` show on `Nodes:`?"""
    right = len(_pve1_lost(0, 1).view("pve1").members)
    return _check_number(
        answer,
        right,
        unit=NODES,
        observed=observed,
        right_message=(
            "it is alone: no link reaches a peer, so after token and consensus it forms a "
            "membership of its own, while the other two go on together (reference 12.4, 9)"
        ),
        hint="with no link left, totem reaches no peer at all; the node still counts itself "
        "(reference 12.4)",
        too_low="a running node is always a member of its own membership",
        too_high="no link is left to reach a peer",
    )


def check_quorate_after_both_links_down(
    answer: object, observed: bool | None = None
) -> CheckResult:
    """And its `Quorate:` line: is the node that lost both links quorate?"""
    right = _pve1_lost(0, 1).view("pve1").quorate
    return _check_bool(
        answer,
        right,
        observed=observed,
        right_message=(
            "alone it holds 1 of 3 votes, below the quorum of 2: `Quorate: No`, "
            "`Activity blocked`, and /etc/pve turns read-only there, while pve2 and pve3 keep "
            "quorum with 2 votes (reference 1.3, 6, 12.4)"
        ),
        wrong_message="one vote of three is not a majority",
        hint="quorum is a strict majority of the expected votes, and expected votes did not "
        "change (reference 1.3)",
    )


def carrying_link(working: tuple[int, ...] = (0, 1)) -> int:
    """Question 3: the link knet sends totem over with `PRIORITIES`, of the `working` ones."""
    (link,) = carrying_links(PRIORITIES, working)
    return link


def _check_link_number(answer: object, right: int, *, right_message: str, hint: str) -> CheckResult:
    if answer is ...:
        return _not_answered()
    value, problem = _as_int(answer, "7")
    if value is None:
        return _wrong(problem, hint)
    if value == right:
        return _right(right_message)
    if not 0 <= value < (PRIORITIES.links or 1):
        return _wrong(f"link {value} is not one of the cluster's two links", hint)
    return _wrong(f"link {value} is not it", hint)


def check_carrying_link(answer: object) -> CheckResult:
    """Passive mode, link 0 with priority 10, link 1 with 20, both working: which link
    carries totem?"""
    return _check_link_number(
        answer,
        carrying_link(),
        right_message=(
            "in passive mode knet sends everything over the working link with the highest "
            "knet_link_priority; the other one only answers pings, ready to take over (the "
            "Proxmox VE admin guide, Corosync Redundancy; reference 12.4)"
        ),
        hint="in passive mode the higher knet_link_priority wins; the link number only "
        "breaks a tie (reference 12.4; the Proxmox VE admin guide, Corosync Redundancy)",
    )


def check_carrying_link_after_failure(answer: object) -> CheckResult:
    """The same cluster; the link that carried totem fails.  Which link carries it now?"""
    used = carrying_link()
    return _check_link_number(
        answer,
        carrying_link(tuple(k for k in (0, 1) if k != used)),
        right_message=(
            "knet fails over to the best link that still works, within about half a token, "
            "without a membership change (reference 12.4)"
        ),
        hint="knet only ever sends over a link that works (reference 12.4)",
    )


def _nontransitive() -> Simulator:
    """Question 4: pve1 loses link 0 and pve3 loses link 1."""
    sim = _pve1_lost(0)
    sim.link_down("pve3", 1)
    return sim


def unreachable_pairs() -> frozenset[frozenset[str]]:
    sim = _nontransitive()
    names = sim.cluster.names
    return frozenset(
        frozenset((a, b))
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if not sim.reachable(a, b)
    )


def check_unreachable_pair(answer: object) -> CheckResult:
    """pve1 lost link 0, pve3 lost link 1: which two nodes have no working link between
    them?"""
    if answer is ...:
        return _not_answered()
    (right,) = unreachable_pairs()
    hint = "two nodes reach each other when some link has a working port on both sides "
    hint += "(reference 12.4)"
    names, problem = _as_names(answer)
    if names is None:
        return _wrong(problem, hint)
    if names == right:
        return _right(
            "they share no working link, yet each still reaches pve2: the connectivity is not "
            "transitive (reference 12.4)"
        )
    if len(names) != 2:
        return _wrong(f"name two nodes, not {len(names)}", hint)
    (a, b) = sorted(names)
    return _wrong(f"{a} and {b} still share a link on which both ports work", hint)


def simulator_decides() -> bool:
    """Whether the simulator answers for question 4's state (it raises `Undecidable`)."""
    try:
        _nontransitive().views()
    except Undecidable:
        return False
    return True


def check_simulator_decides(answer: object, observed: bool | None = None) -> CheckResult:
    """In that state, will the simulator tell you what `pvecm status` shows?"""
    return _check_bool(
        answer,
        simulator_decides(),
        observed=observed,
        right_message=(
            "it raises Undecidable: real corosync never settles there, it re-forms its "
            "membership again and again, and a guess could show a state corosync never "
            "reaches (reference 12.4)"
        ),
        wrong_message="there is no settled state to show here",
        hint="think about what totem can agree on when two members cannot reach each other "
        "but both reach a third (reference 12.4)",
    )
