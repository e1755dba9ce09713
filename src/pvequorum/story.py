"""The guided story: a two-node cluster during maintenance, told step by step.  PURE.

It follows the source article (a Proxmox partner's blog post, 2015) in our own words: a
two-node cluster loses one node to maintenance, the survivor's `/etc/pve` turns read-only,
`pvecm expected 1` helps until the next change, two-node mode fixes it ahead of time and
has its own trap, and a third vote is the lasting answer.  It is told twice, with the same
steps and the same lesson: `today` on Proxmox VE 8/9 (corosync 3, the output participants
see on their own clusters; the default), and `article` as the article tells it, on PVE 3
(cman, cluster.conf), ending with the corosync way.

Each step is a whole state (preset, nodes started, actions), not a delta, so Back and Next
are just an index and any step can be shown on its own.  Narration numbers are filled in
from the simulator (`{pve1.total_votes}`), and `claims` state what a step must show: a test
compares them with the simulator, so the story cannot drift from the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pvequorum.outage import PRESETS, Outage, Snapshot, replay, rewind, snapshot
from pvequorum.scenario import Step


@dataclass(frozen=True)
class StoryStep:
    title: str
    text: str  # str.format() fields: node names -> NodeView, e.g. {pve1.quorum}
    preset: str
    actions: tuple[Step, ...] = ()
    running: tuple[str, ...] | None = None  # nodes started at the beginning; None: all
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    split_brain: bool = False


def _crash(*nodes: str) -> Step:
    return Step("crash", nodes)


def _stop(*nodes: str) -> Step:
    return Step("stop", nodes)


def _expected(node: str, votes: int) -> Step:
    return Step("expected", (node,), votes=votes)


TODAY: tuple[StoryStep, ...] = (
    StoryStep(
        "1. A healthy two-node cluster",
        "Two Proxmox VE 8 nodes, one vote each, corosync 3. Each node expects "
        "{pve1.expected_votes} votes; quorum, more than half, is {pve1.quorum}. Both are "
        "present, so both are quorate and `/etc/pve` takes writes everywhere.",
        "two-node",
        claims={"pve1": {"quorate": True, "quorum": 2}, "pve2": {"quorate": True}},
    ),
    StoryStep(
        "2. pve2 goes down for maintenance",
        "The admin shuts pve2 down for a few days. The guests on pve1 keep running, but pve1 "
        "now holds {pve1.total_votes} of {pve1.expected_votes} votes, and quorum is "
        "{pve1.quorum}: 50 % is not a majority. `pvecm status` says `Activity blocked`, and "
        "pmxcfs makes `/etc/pve` read-only: no VM, storage or cluster change can be saved. "
        "This is not a bug: it is the safety rule.",
        "two-node",
        actions=(_stop("pve2"),),
        claims={"pve1": {"quorate": False, "total_votes": 1, "quorum": 2}},
    ),
    StoryStep(
        "3. Why 50 % must not be enough",
        "pve1 cannot tell a powered-off pve2 from a pve2 that is running behind a broken "
        "network link. If half the votes were enough, both halves of a split cluster could "
        "write `/etc/pve` and start the same guests: split brain. So pve1 waits.",
        "two-node",
        actions=(_stop("pve2"),),
        claims={"pve1": {"quorate": False}},
    ),
    StoryStep(
        "4. The quick fix: pvecm expected 1",
        "The admin knows pve2 is off and runs `pvecm expected 1` on pve1 (it runs "
        "`corosync-quorumtool -e 1`). Expected votes drop to {pve1.expected_votes}, quorum to "
        "{pve1.quorum}: pve1 is quorate and `/etc/pve` is writable again. This is only safe "
        "because pve2 is really off.",
        "two-node",
        actions=(_stop("pve2"), _expected("pve1", 1)),
        claims={"pve1": {"quorate": True, "expected_votes": 1, "quorum": 1}},
    ),
    StoryStep(
        "5. pve2 returns: the fix was temporary",
        "When pve2 starts again, the votes present exceed the lowered value and expected "
        "votes grow back to {pve1.expected_votes}, quorum {pve1.quorum}. The runtime fix is "
        "gone (a config reload would have undone it too), and the next maintenance window "
        "starts the trouble over.",
        "two-node",
        actions=(_stop("pve2"), _expected("pve1", 1), Step("start", ("pve2",))),
        claims={"pve1": {"quorate": True, "expected_votes": 2, "quorum": 2}},
    ),
    StoryStep(
        "6. The lasting fix: two_node: 1",
        "The admin adds `two_node: 1` to the `quorum {{}}` section of "
        "`/etc/pve/corosync.conf` and raises `config_version`. With both nodes up the status "
        "still shows {pve1.expected_votes} expected votes, but quorum is now {pve1.quorum}, "
        "and the flags read {pve1.flags[0]} and {pve1.flags[2]}.",
        "two-node-mode",
        claims={
            "pve1": {"quorate": True, "quorum": 1, "flags": ("2Node", "Quorate", "WaitForAll")}
        },
    ),
    StoryStep(
        "7. Maintenance again, no trouble",
        "pve2 goes down again. pve1 keeps {pve1.total_votes} vote with quorum {pve1.quorum}: "
        "it stays quorate and `/etc/pve` stays writable.",
        "two-node-mode",
        actions=(_stop("pve2"),),
        claims={"pve1": {"quorate": True, "total_votes": 1, "quorum": 1}},
    ),
    StoryStep(
        "8. The price: split brain",
        "Now the network link between the nodes breaks while both run. Each side has "
        "{pve1.total_votes} vote and quorum {pve1.quorum}: both are quorate at once, and "
        "both may write `/etc/pve` and start guests. This is why HA on two nodes alone is "
        "discouraged.",
        "two-node-mode",
        actions=(Step("partition", groups=(("pve1",), ("pve2",))),),
        claims={"pve1": {"quorate": True}, "pve2": {"quorate": True}},
        split_brain=True,
    ),
    StoryStep(
        "9. The second trap: a cold start waits for all",
        "two_node turns on wait_for_all. After a power cut only pve1 comes back: it stays "
        "blocked (flags {pve1.flags[0]} and {pve1.flags[1]}) until it has seen pve2 once, so "
        "two isolated nodes cannot both start quorate. If pve2 is confirmed off, `pvecm "
        "expected 1` ends the wait.",
        "two-node-mode",
        running=("pve1",),
        claims={"pve1": {"quorate": False, "flags": ("2Node", "WaitForAll")}},
    ),
    StoryStep(
        "10. Once both were seen, a node may leave",
        "After both nodes met, pve2 crashes: pve1 keeps quorum with {pve1.total_votes} vote "
        "(quorum {pve1.quorum}).",
        "two-node-mode",
        actions=(_crash("pve2"),),
        claims={"pve1": {"quorate": True, "quorum": 1}},
    ),
    StoryStep(
        "11. A third vote: the QDevice",
        "The article suggests a third vote. Today that is a QDevice (`pvecm qdevice setup`) "
        "on a small third machine, instead of two_node. With pve2 down, pve1 and the QDevice "
        "hold {pve1.total_votes} of {pve1.expected_votes} votes, quorum {pve1.quorum}: a real "
        "majority, no split brain possible.",
        "two-node-qdevice",
        actions=(_crash("pve2"),),
        claims={"pve1": {"quorate": True, "total_votes": 2, "expected_votes": 3, "quorum": 2}},
    ),
)

ARTICLE: tuple[StoryStep, ...] = (
    StoryStep(
        "1. A healthy two-node cluster",
        "Two Proxmox VE 3 nodes, one vote each. Each node expects {pve1.expected_votes} votes; "
        "quorum, more than half, is {pve1.quorum}. Both are present, so both are quorate and "
        "`/etc/pve` takes writes everywhere.",
        "two-node-cman",
        claims={"pve1": {"quorate": True, "quorum": 2}, "pve2": {"quorate": True}},
    ),
    StoryStep(
        "2. pve2 goes down for maintenance",
        "The admin shuts pve2 down for a few days. The guests on pve1 keep running, but pve1 "
        "now holds {pve1.total_votes} of {pve1.expected_votes} votes, and quorum is "
        "{pve1.quorum}: 50 % is not a majority. pmxcfs makes `/etc/pve` read-only, so no VM, "
        "storage or cluster change can be saved. This is not a bug: it is the safety rule.",
        "two-node-cman",
        actions=(_stop("pve2"),),
        claims={"pve1": {"quorate": False, "total_votes": 1, "quorum": 2}},
    ),
    StoryStep(
        "3. Why 50 % must not be enough",
        "pve1 cannot tell a powered-off pve2 from a pve2 that is running behind a broken "
        "network link. If half the votes were enough, both halves of a split cluster could "
        "write `/etc/pve` and start the same guests: split brain. So pve1 waits.",
        "two-node-cman",
        actions=(_stop("pve2"),),
        claims={"pve1": {"quorate": False}},
    ),
    StoryStep(
        "4. The quick fix: pvecm expected 1",
        "The admin knows pve2 is off and runs `pvecm expected 1` on pve1. Expected votes "
        "drop to {pve1.expected_votes}, quorum to {pve1.quorum}: pve1 is quorate and "
        "`/etc/pve` is writable again. This is only safe because pve2 is really off.",
        "two-node-cman",
        actions=(_stop("pve2"), _expected("pve1", 1)),
        claims={"pve1": {"quorate": True, "expected_votes": 1, "quorum": 1}},
    ),
    StoryStep(
        "5. pve2 returns: the fix was temporary",
        "When pve2 starts again it brings its configured expectation of 2 votes; the cluster "
        "now expects {pve1.expected_votes} again with quorum {pve1.quorum}. The runtime fix "
        "is gone, and the next maintenance window starts the trouble over.",
        "two-node-cman",
        actions=(_stop("pve2"), _expected("pve1", 1), Step("start", ("pve2",))),
        claims={"pve1": {"quorate": True, "expected_votes": 2, "quorum": 2}},
    ),
    StoryStep(
        "6. The lasting fix: two-node mode",
        'The admin sets `<cman two_node="1" expected_votes="1" ...>` in '
        "`/etc/pve/cluster.conf`, raises `config_version`, and activates it on both nodes. "
        "With both nodes up the status still shows {pve1.expected_votes} expected votes, "
        "but quorum is now {pve1.quorum}, and the flag {pve1.flags[0]} is set.",
        "two-node-mode-cman",
        claims={"pve1": {"quorate": True, "quorum": 1, "flags": ("2node",)}},
    ),
    StoryStep(
        "7. Maintenance again, no trouble",
        "pve2 goes down again. pve1 keeps {pve1.total_votes} vote with quorum {pve1.quorum}: "
        "it stays quorate and `/etc/pve` stays writable.",
        "two-node-mode-cman",
        actions=(_stop("pve2"),),
        claims={"pve1": {"quorate": True, "total_votes": 1, "quorum": 1}},
    ),
    StoryStep(
        "8. The price: split brain without fencing",
        "Now the network link between the nodes breaks while both run. Each side has "
        "{pve1.total_votes} vote and quorum {pve1.quorum}: both are quorate at once. "
        "With cman, only fencing (one node powering the other off) keeps them apart; without "
        "fencing, both may write `/etc/pve`. This is why HA on two nodes alone is discouraged.",
        "two-node-mode-cman",
        actions=(Step("partition", groups=(("pve1",), ("pve2",))),),
        claims={"pve1": {"quorate": True}, "pve2": {"quorate": True}},
        split_brain=True,
    ),
    StoryStep(
        "9. The corosync way (PVE 4 and later): two_node: 1",
        "Since PVE 4 the same idea is `two_node: 1` in the `quorum {{}}` section of "
        "`/etc/pve/corosync.conf`. It also turns on wait_for_all: after a cold start, pve1 "
        "alone stays blocked (flags 2Node and WaitForAll) until it has seen pve2 once, so two "
        "isolated nodes cannot both start quorate.",
        "two-node-mode",
        running=("pve1",),
        claims={"pve1": {"quorate": False, "flags": ("2Node", "WaitForAll")}},
    ),
    StoryStep(
        "10. Once both were seen, a node may leave",
        "After both nodes met, pve2 crashes: pve1 keeps quorum with {pve1.total_votes} vote "
        "(quorum {pve1.quorum}).",
        "two-node-mode",
        actions=(_crash("pve2"),),
        claims={"pve1": {"quorate": True, "quorum": 1}},
    ),
    StoryStep(
        "11. A third vote: the QDevice",
        "The article suggests a third vote. Today that is a QDevice on a small third machine. "
        "With pve2 down, pve1 and the QDevice hold {pve1.total_votes} of "
        "{pve1.expected_votes} votes, quorum {pve1.quorum}: a real majority, no split brain "
        "possible.",
        "two-node-qdevice",
        actions=(_crash("pve2"),),
        claims={"pve1": {"quorate": True, "total_votes": 2, "expected_votes": 3, "quorum": 2}},
    ),
)


# telling -> (label, steps); the first is the default
STORIES: dict[str, tuple[str, tuple[StoryStep, ...]]] = {
    "today": ("Proxmox VE 8/9 (corosync)", TODAY),
    "article": ("The article's Proxmox VE 3 (cman)", ARTICLE),
}
DEFAULT_TELLING = "today"
STORY = TODAY


def steps_of(telling: str) -> tuple[StoryStep, ...]:
    if telling not in STORIES:
        raise KeyError(f"no telling {telling!r}; tellings: {', '.join(STORIES)}")
    return STORIES[telling][1]


def story_outage(step: StoryStep) -> Outage:
    return replay(PRESETS[step.preset].cluster, step.actions, step.running)


def story_change(step: StoryStep) -> tuple[Snapshot, Step] | None:
    """The step's last action and the state before it: what the dashboard animates.

    Each step is a whole state, so its own last action is the change it shows, whichever
    step came before (Back, or a jump)."""
    if not step.actions:
        return None
    state = story_outage(step)
    return snapshot(rewind(state, len(step.actions) - 1)), step.actions[-1]


def story_snapshot(index: int, telling: str = DEFAULT_TELLING) -> Snapshot:
    return snapshot(story_outage(steps_of(telling)[index]))


def narration(index: int, telling: str = DEFAULT_TELLING) -> str:
    """The step's text with the simulator's numbers filled in."""
    step = steps_of(telling)[index]
    return step.text.format(**story_snapshot(index, telling).views)


def claim_mismatches(index: int, telling: str = DEFAULT_TELLING) -> list[str]:
    """Where the simulator disagrees with what step `index` claims (empty: it agrees)."""
    step = steps_of(telling)[index]
    snap = story_snapshot(index, telling)
    problems = []
    for node, expected in step.claims.items():
        view = snap.views.get(node)
        if view is None:
            problems.append(f"{node} is not running")
            continue
        for key, value in expected.items():
            actual = getattr(view, key)
            if actual != value:
                problems.append(f"{node}.{key} is {actual!r}, the story says {value!r}")
    if snap.split_brain != step.split_brain:
        problems.append(f"split brain is {snap.split_brain}, the story says {step.split_brain}")
    return problems
