"""Load, validate and dump scenarios and observations (`docs/scenario-format.md`, version 1).

The format is a public contract between the simulator, the real-corosync lab, tests and
notebooks.  An invalid scenario is rejected before anything runs, with one message that
names the file, the step index and the problem (`ScenarioError`).
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pvequorum import limits
from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError, show, show_keys
from pvequorum.textio import read_input
from pvequorum.votequorum import FLAG_ORDER

SCENARIO_FORMAT = "pvequorum-scenario/1"
OBSERVATIONS_FORMAT = "pvequorum-observations/1"
LINK_STEP_KINDS = ("link-down", "link-up", "link-cut", "link-uncut", "netem")
QDEVICE_NODE_STEP_KINDS = (
    "start-corosync",
    "qdevice-start",
    "qdevice-stop",
    "qdevice-kill",
    "isolate-qdevice",
    "rejoin-qdevice",
)
"""The QDevice extension's steps that take a list of node names (docs/scenario-format.md,
"Extension: QDevice", New step kinds)."""
QDEVICE_STEP_KINDS = (*QDEVICE_NODE_STEP_KINDS, "qnetd", "await")
DEVICE_ONLY_KINDS = frozenset(QDEVICE_STEP_KINDS) - {"await"}
"""The QDevice steps that make sense only with `cluster.quorum.device`; `await` waits for
any observation field and runs on every scenario."""
STEP_KINDS = (
    "start",
    "stop",
    "crash",
    "partition",
    "heal",
    "expected",
    "wait",
    "observe",
    *LINK_STEP_KINDS,
    *QDEVICE_STEP_KINDS,
)
MEMBERSHIP_KINDS = frozenset({"start", "start-corosync", "stop", "crash", "partition", "heal"})
"""Steps after which an engine waits for membership (`engine.settle`); `start-corosync`
"waits for membership" like `start` (docs/scenario-format.md, "Extension: QDevice")."""
QNETD_ACTIONS = ("stop", "kill", "start")
AWAIT_DEFAULT_TIMEOUT_MS = 120_000
AWAIT_MAX_TIMEOUT_MS = 600_000
"""`await.timeout_ms` is 1..600000: the contract's default is 120 s; ten minutes bounds a
lab run that would otherwise hang on a typo in a condition."""
AWAIT_FIELD_CONDITIONS = (
    "quorate",
    "expected_votes",
    "highest_expected",
    "total_votes",
    "quorum",
    "flags",
    "members",
)
"""The per-node observation fields an `await` may wait for (docs/scenario-format.md,
"Per-node fields").  `links` and `qdevice` are nested tables; `device_cast` and
`device_state` are the QDevice conditions."""
AWAIT_CONDITIONS = (*AWAIT_FIELD_CONDITIONS, "device_cast", "device_state")
QDEVICE_COLUMN = re.compile(r"NR|N?A,N?V,N?MW")
"""A member's Qdevice column in `corosync-quorumtool -s`: NR, or alive,votes,master-wins
(corosync v3.1.7 `tools/corosync-quorumtool.c`, `display_nodes_data()`)."""
MAX_LINKS = 8
"""`cluster.links` is 1..8: knet has 8 links (docs/scenario-format.md, "Extension: links")."""
LINK_MODES = ("passive", "active", "rr")
MAX_LINK_PRIORITY = 255  # knet_link_priority is a uint8 in knet


class ScenarioError(InputError):
    """A scenario that cannot run; `where` is `FILE` or `FILE: step N`."""


@dataclass(frozen=True)
class Step:
    """One scenario step.  Only the fields of its kind are set."""

    kind: str
    nodes: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    votes: int | None = None
    ms: int | None = None
    label: str | None = None
    link: int | None = None
    loss: int | None = None  # netem: the loss in %, None for `clear`
    nondeterministic: bool = False
    action: str | None = None  # qnetd: "stop", "kill" or "start"
    conditions: tuple[tuple[str, object], ...] | None = None
    """await: (condition, value) in the order written; lists are kept as tuples."""
    timeout_ms: int | None = None  # await: None when absent (AWAIT_DEFAULT_TIMEOUT_MS)

    @property
    def await_timeout_ms(self) -> int:
        return AWAIT_DEFAULT_TIMEOUT_MS if self.timeout_ms is None else self.timeout_ms

    def condition_map(self) -> dict[str, object]:
        """An await's conditions as JSON values (lists, not tuples), for the engines."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.conditions or ()}

    @property
    def restores_connectivity(self) -> bool:
        """`heal`, `link-up`, `link-uncut`, `netem` with `clear`: the end of a
        nondeterministic stretch (docs/scenario-format.md, "Nondeterministic steps")."""
        if self.kind in ("heal", "link-up", "link-uncut"):
            return True
        return self.kind == "netem" and self.loss is None

    def to_dict(self) -> dict[str, Any]:
        if self.kind in LINK_STEP_KINDS:
            body: dict[str, Any]
            if self.kind in ("link-cut", "link-uncut"):
                body = {"between": list(self.nodes), "link": self.link}
            else:
                body = {"node": self.nodes[0], "link": self.link}
            if self.kind == "netem":
                if self.loss is None:
                    body["clear"] = True
                else:
                    body["loss"] = self.loss
            if self.nondeterministic:
                body["nondeterministic"] = True
            return {self.kind: body}
        if self.kind in ("start", "stop", "crash", *QDEVICE_NODE_STEP_KINDS):
            return {self.kind: list(self.nodes)}
        if self.kind == "qnetd":
            return {"qnetd": self.action}
        if self.kind == "await":
            waited: dict[str, Any] = self.condition_map()
            if self.nodes:
                waited["nodes"] = list(self.nodes)
            if self.timeout_ms is not None:
                waited["timeout_ms"] = self.timeout_ms
            return {"await": waited}
        if self.kind == "partition":
            return {"partition": [list(g) for g in self.groups]}
        if self.kind == "heal":
            return {"heal": True}
        if self.kind == "expected":
            return {"expected": {"node": self.nodes[0], "votes": self.votes}}
        if self.kind == "wait":
            return {"wait": self.ms}
        return {"observe": self.label}


@dataclass(frozen=True)
class LinkSettings:
    """The links extension's cluster keys (docs/scenario-format.md, "Extension: links").

    `links`, `link_mode` and `link_priority` are kept as written (None: absent) so that a
    scenario dumps back unchanged; `count` is what the engines use (absent means 1 link).
    """

    links: int | None = None
    link_mode: str | None = None
    link_priority: tuple[tuple[int, int], ...] | None = None

    @property
    def count(self) -> int:
        return 1 if self.links is None else self.links


@dataclass(frozen=True)
class Scenario:
    name: str
    cluster: Cluster
    steps: tuple[Step, ...]
    description: str | None = None
    link_settings: LinkSettings | None = None
    """None when the scenario does not use the links extension (no `links` key anywhere)."""

    @property
    def stack(self) -> str:
        return self.cluster.stack

    @property
    def uses_links(self) -> bool:
        return self.link_settings is not None

    def uncompared_steps(self) -> frozenset[int]:
        """Indexes of results that comparisons skip: from each step marked
        `nondeterministic` up to (not including) the next step that restores connectivity
        (docs/scenario-format.md, "Nondeterministic steps").  That step's own result is `{}`
        on every engine, and from it on the results are compared again."""
        skipped: set[int] = set()
        inside = False
        for i, step in enumerate(self.steps):
            if step.nondeterministic:
                inside = True
            elif inside and step.restores_connectivity:
                inside = False
            if inside:
                skipped.add(i)
        return frozenset(skipped)


# --- results: what an engine answers to each step -------------------------------------------
LinkStatus = str
"""`localhost`, `connected` or `disconnected`, as `corosync-cfgtool -s` prints it."""
LinkTable = tuple[tuple[str, tuple[tuple[int, LinkStatus], ...]], ...]
"""One node's `corosync-cfgtool -s`: per nodelist node (nodeid order) its (link, status)
rows in link order; JSON `{"pve2": {"0": "connected"}}` (docs/scenario-format.md,
"Extension: links", Observations)."""


class QuorumReading(Protocol):
    """What an engine reads on one running node: a simulator `NodeView` or the lab's parsed
    `corosync-quorumtool -s` (`status.QuorumStatus`).  `None` is a line the tool did not
    print; the format keeps it as null.

    The QDevice part (docs/scenario-format.md, "Per-node key `qdevice`") is what the
    membership table shows: `qdevice_columns` the Qdevice column of every member as
    (nodeid, column), empty when the table has no such column; `qdevice_name` the name in
    the nodeid-0 row, None without that row; `qdevice_votes` the device's votes (the row's
    votes, or N of `(votes N)`); `qdevice_cast` whether this node's device casts them."""

    @property
    def quorate(self) -> bool: ...
    @property
    def expected_votes(self) -> int | None: ...
    @property
    def highest_expected(self) -> int | None: ...
    @property
    def total_votes(self) -> int | None: ...
    @property
    def quorum(self) -> int | None: ...
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def qdevice_columns(self) -> tuple[tuple[int, str], ...]: ...
    @property
    def qdevice_name(self) -> str | None: ...
    @property
    def qdevice_votes(self) -> int | None: ...
    @property
    def qdevice_cast(self) -> bool: ...
    def member_names(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class QdeviceObservation:
    """A node's per-node key `qdevice` (docs/scenario-format.md, "Extension: QDevice"):
    `{"votes": N, "cast": bool, "name": "Qdevice", "members": {"pve1": "A,V,NMW"}}`.

    `members` keeps the membership table's order (nodeid order); a member whose nodeid the
    cluster does not know is keyed `"nodeid N"`, as the links extension does."""

    votes: int | None
    cast: bool
    name: str
    members: tuple[tuple[str, str], ...]

    def column(self, name: str) -> str | None:
        """The Qdevice column of this member, or None when it is not a member."""
        return next((state for member, state in self.members if member == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "votes": self.votes,
            "cast": self.cast,
            "name": self.name,
            "members": dict(self.members),
        }

    @classmethod
    def read(
        cls, reading: QuorumReading, names: Mapping[int, str] | None = None
    ) -> QdeviceObservation | None:
        """The key, whenever the table shows a Qdevice column or row; else None, so that
        a document without a device stays byte for byte the same.

        Member names come from `names` (nodeid -> name, the cluster's); without it, from
        the reading itself: its members and its columns are the same rows, both in nodeid
        order."""
        columns = reading.qdevice_columns
        if not columns and reading.qdevice_name is None:
            return None
        if names is None:
            ids = sorted(nodeid for nodeid, _ in columns)
            listed = reading.member_names()
            names = dict(zip(ids, listed, strict=True)) if len(ids) == len(listed) else {}
        return cls(
            votes=reading.qdevice_votes,
            cast=reading.qdevice_cast,
            name=reading.qdevice_name or "",
            members=tuple(
                (names.get(nodeid, f"nodeid {nodeid}"), state) for nodeid, state in sorted(columns)
            ),
        )


@dataclass(frozen=True)
class NodeObservation:
    """One running node in an `observe` result: the format's "Per-node fields".

    The extensions' per-node keys (docs/scenario-format.md, "Extensions") are optional
    fields, left out of `to_dict` while unset, so that version-1 documents stay byte for
    byte the same: `links` (the links extension) and `qdevice` (the QDevice extension).
    """

    name: str
    quorate: bool
    expected_votes: int | None
    highest_expected: int | None
    total_votes: int | None
    quorum: int | None
    flags: tuple[str, ...]
    members: tuple[str, ...]
    links: LinkTable | None = None
    """`corosync-cfgtool -s` on this node, only when the scenario uses the links extension."""
    qdevice: QdeviceObservation | None = None
    """The Qdevice column and row of this node's table, only when the table shows them."""

    @classmethod
    def read(
        cls,
        name: str,
        reading: QuorumReading,
        links: LinkTable | None = None,
        names: Mapping[int, str] | None = None,
    ) -> NodeObservation:
        """The one place where a reading becomes a node's view, for both engines; `names`
        (nodeid -> name) names the members of the `qdevice` key."""
        return cls(
            name=name,
            quorate=reading.quorate,
            expected_votes=reading.expected_votes,
            highest_expected=reading.highest_expected,
            total_votes=reading.total_votes,
            quorum=reading.quorum,
            flags=tuple(reading.flags),
            members=tuple(reading.member_names()),
            links=links,
            qdevice=QdeviceObservation.read(reading, names),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "quorate": self.quorate,
            "expected_votes": self.expected_votes,
            "highest_expected": self.highest_expected,
            "total_votes": self.total_votes,
            "quorum": self.quorum,
            "flags": list(self.flags),
            "members": list(self.members),
        }
        if self.links is not None:
            out["links"] = {
                peer: {str(link): status for link, status in row} for peer, row in self.links
            }
        if self.qdevice is not None:
            out["qdevice"] = self.qdevice.to_dict()
        return out


@dataclass(frozen=True)
class Observation:
    """The result of an `observe` step: every running node, in nodeid order.

    `split_brain` is the simulator's own key (two disjoint quorate groups); the lab never
    sets it and comparisons drop it (`comparable_results`).
    """

    nodes: tuple[NodeObservation, ...]
    split_brain: bool = False

    @classmethod
    def read(
        cls,
        cluster: Cluster,
        readings: Mapping[str, QuorumReading],
        *,
        split_brain: bool = False,
        links: Mapping[str, LinkTable] | None = None,
    ) -> Observation:
        """The one place where both engines' readings become an observation (nodeid order).

        `links` (the links extension) gives each node's `corosync-cfgtool -s` table."""
        order = {n.name: n.nodeid for n in cluster.nodes}
        by_id = {n.nodeid: n.name for n in cluster.nodes}
        names = sorted(readings, key=order.__getitem__)
        return cls(
            tuple(
                NodeObservation.read(
                    n, readings[n], None if links is None else links[n], names=by_id
                )
                for n in names
            ),
            split_brain,
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def get(self, name: str) -> NodeObservation | None:
        """The node's view, or None when it is not running."""
        return next((n for n in self.nodes if n.name == name), None)

    def node(self, name: str) -> NodeObservation:
        found = self.get(name)
        if found is None:
            raise KeyError(f"{name!r} is not running (running: {', '.join(self.names)})")
        return found

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"nodes": {n.name: n.to_dict() for n in self.nodes}}
        if self.split_brain:
            out["split_brain"] = True
        return out


@dataclass(frozen=True)
class Accepted:
    """The result of an `expected` step: whether corosync took the value (reference 2.2)."""

    accepted: bool

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted}


@dataclass(frozen=True)
class Done:
    """The result of a membership step or a wait: nothing to report."""

    def to_dict(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class Undecided:
    """The simulator's result for a step it cannot decide (`engine.Undecidable`): only
    inside a stretch that the scenario marks `nondeterministic`, whose results comparisons
    skip.  The key `undecidable` is the simulator's own, like `split_brain`."""

    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"undecidable": self.reason}


@dataclass(frozen=True)
class Refused:
    """A `start` or `start-corosync` where corosync quit at once on some nodes because it
    refused the configuration (docs/scenario-format.md, "Results of the QDevice
    extension"; the refusals are reference 1.12).  With no refusal the result is `Done`."""

    nodes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"refused": list(self.nodes)}


@dataclass(frozen=True)
class Awaited:
    """The result of an `await`: whether the conditions held in time, and after how many
    ms.  `elapsed_ms` is a timing, never compared (`comparable_results`)."""

    met: bool
    elapsed_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"met": self.met, "elapsed_ms": self.elapsed_ms}


StepResult = Done | Accepted | Observation | Undecided | Refused | Awaited
"""One entry of an observations document's `results`; `to_dict()` is its JSON form."""


def conditions_hold(
    observation: Observation, conditions: Mapping[str, object], nodes: Sequence[str] | None
) -> bool:
    """Whether every listed node (None: every running one) meets every `await` condition.

    The one evaluation of `await` for both engines (docs/scenario-format.md, "New step
    kinds"): a field condition compares the node's observation field (a list compares with
    the field's list); `device_cast` is the node's `qdevice.cast`, `device_state` the
    node's own entry in `qdevice.members`.  A listed node that is not running, or that
    shows no Qdevice table for a device condition, does not meet it."""
    for name in observation.names if nodes is None else nodes:
        view = observation.get(name)
        if view is None:
            return False
        for key, wanted in conditions.items():
            if key in ("device_cast", "device_state"):
                device = view.qdevice
                if device is None:
                    return False
                seen: object = device.cast if key == "device_cast" else device.column(name)
            elif key in AWAIT_FIELD_CONDITIONS:
                seen = getattr(view, key)
            else:
                raise ValueError(f"unknown await condition {key!r}")  # past the loader
            if isinstance(wanted, list | tuple):
                if not isinstance(seen, tuple) or tuple(wanted) != seen:
                    return False
            elif type(seen) is not type(wanted) or seen != wanted:
                return False
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _name_list(value: object, where: str, known: set[str], what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(
            f"{what} needs a non-empty list of node names, got {show(value)}", where
        )
    names: dict[str, None] = {}  # ordered, with O(1) membership
    for name in value:
        if not isinstance(name, str):
            raise ScenarioError(f"{what}: node names must be strings, got {show(name)}", where)
        if name not in known:
            raise ScenarioError(f"unknown node {show(name)} in {what}", where)
        if name in names:
            raise ScenarioError(f"node {name!r} listed twice in {what}", where)
        names[name] = None
    return tuple(names)


_LINK_STEP_KEYS = {
    "link-down": ({"node", "link"}, set()),
    "link-up": ({"node", "link"}, set()),
    "link-cut": ({"between", "link"}, set()),
    "link-uncut": ({"between", "link"}, set()),
    "netem": ({"node", "link"}, {"loss", "clear"}),
}


def _parse_link_step(kind: str, value: object, where: str, known: set[str], links: int) -> Step:
    """A links-extension step, fail-closed: every key and value is checked
    (docs/scenario-format.md, "Extension: links", New steps)."""
    required, optional = _LINK_STEP_KEYS[kind]
    if not isinstance(value, dict):
        raise ScenarioError(f"{kind} takes an object, got {show(value)}", where)
    unknown = set(value) - required - optional - {"nondeterministic"}
    if unknown:
        raise ScenarioError(f"{kind}: unknown key(s) {show_keys(unknown)}", where)
    missing = required - set(value)
    if missing:
        raise ScenarioError(f"{kind}: missing key(s) {show_keys(missing)}", where)
    link = value["link"]
    if not _is_int(link) or not 0 <= link < links:
        raise ScenarioError(
            f"{kind}.link must be a link number 0..{links - 1} (cluster.links is {links}), "
            f"got {show(link)}",
            where,
        )
    nondeterministic = value.get("nondeterministic", False)
    if not isinstance(nondeterministic, bool):
        raise ScenarioError(
            f"{kind}.nondeterministic takes true or false, got {show(nondeterministic)}", where
        )
    if "between" in required:
        pair = _name_list(value["between"], where, known, f"{kind}.between")
        if len(pair) != 2:
            raise ScenarioError(f"{kind}.between takes two node names, got {len(pair)}", where)
        return Step(kind, nodes=pair, link=link, nondeterministic=nondeterministic)
    node = value["node"]
    if not isinstance(node, str) or node not in known:
        raise ScenarioError(f"unknown node {show(node)} in {kind}.node", where)
    loss: int | None = None
    if kind == "netem":
        if ("loss" in value) == ("clear" in value):
            raise ScenarioError('netem takes either "loss": P or "clear": true', where)
        if "clear" in value:
            if value["clear"] is not True:
                raise ScenarioError(f"netem.clear takes true, got {show(value['clear'])}", where)
        else:
            loss = value["loss"]
            if not _is_int(loss) or not 0 <= loss <= 100:
                raise ScenarioError(
                    f"netem.loss must be an integer percentage 0..100, got {show(loss)}", where
                )
    return Step(kind, nodes=(node,), link=link, loss=loss, nondeterministic=nondeterministic)


def _device_problem(cluster: Cluster) -> str | None:
    """Why this cluster cannot run the QDevice steps, or None: they drive corosync-qdevice
    and corosync-qnetd, so they need a corosync cluster whose `quorum.device` is a net
    model (docs/scenario-format.md, "Extension: QDevice"; a cman quorum disk has neither)."""
    device = cluster.quorum.device
    if device is None:
        return "needs cluster.quorum.device"
    if cluster.stack != "corosync" or device.model != "net":
        return "needs a corosync cluster whose quorum.device has model net (corosync-qnetd)"
    return None


def _parse_await(value: object, where: str, cluster: Cluster) -> Step:
    """`{"await": {COND..., "nodes": [...], "timeout_ms": N}}`, fail-closed: every key is a
    known condition or `nodes`/`timeout_ms`, and every value has the field's type (docs/
    scenario-format.md, "New step kinds")."""
    if not isinstance(value, dict):
        raise ScenarioError(f"await takes an object of conditions, got {show(value)}", where)
    unknown = set(value) - set(AWAIT_CONDITIONS) - {"nodes", "timeout_ms"}
    if unknown:
        raise ScenarioError(
            f"await: unknown key(s) {show_keys(unknown)} (conditions: "
            f"{', '.join(AWAIT_CONDITIONS)}; also nodes, timeout_ms)",
            where,
        )
    known = set(cluster.names)
    nodes: tuple[str, ...] = ()
    if "nodes" in value:
        nodes = _name_list(value["nodes"], where, known, "await.nodes")
    timeout: int | None = None
    if "timeout_ms" in value:
        timeout = value["timeout_ms"]
        if not _is_int(timeout) or not 1 <= timeout <= AWAIT_MAX_TIMEOUT_MS:
            raise ScenarioError(
                f"await.timeout_ms must be an integer 1..{AWAIT_MAX_TIMEOUT_MS}, "
                f"got {show(timeout)}",
                where,
            )
    conditions = tuple(
        (key, _condition_value(key, wanted, where, cluster))
        for key, wanted in value.items()
        if key not in ("nodes", "timeout_ms")
    )
    if not conditions:
        raise ScenarioError(
            f"await needs at least one condition ({', '.join(AWAIT_CONDITIONS)})", where
        )
    return Step("await", nodes=nodes, conditions=conditions, timeout_ms=timeout)


def _condition_value(key: str, wanted: object, where: str, cluster: Cluster) -> object:
    """One await condition's value, of the type its observation field has.  Lists come
    back as tuples in the order the observation prints them (corosync's flag order,
    nodeid order), so that a condition that could never hold is refused here."""
    what = f"await.{key}"
    if key in ("quorate", "device_cast"):
        if not isinstance(wanted, bool):
            raise ScenarioError(f"{what} takes true or false, got {show(wanted)}", where)
    elif key in ("expected_votes", "highest_expected", "total_votes", "quorum"):
        in_range = isinstance(wanted, int) and 0 <= wanted <= limits.MAX_TOTAL_VOTES
        if isinstance(wanted, bool) or not in_range:
            raise ScenarioError(
                f"{what} must be an integer 0..{limits.MAX_TOTAL_VOTES}, got {show(wanted)}",
                where,
            )
    elif key == "device_state":
        if not isinstance(wanted, str) or not QDEVICE_COLUMN.fullmatch(wanted):
            raise ScenarioError(
                f'{what} takes a Qdevice column such as "A,V,NMW" or "NR", got {show(wanted)}',
                where,
            )
    elif key == "flags":
        words = ("2node",) if cluster.stack == "cman" else FLAG_ORDER
        if not isinstance(wanted, list) or not all(isinstance(w, str) for w in wanted):
            raise ScenarioError(f"{what} takes a list of flag words, got {show(wanted)}", where)
        bad = [w for w in wanted if w not in words]
        if bad:
            raise ScenarioError(
                f"{what}: unknown flag {show(bad[0])} (flags: {', '.join(words)})", where
            )
        if list(wanted) != sorted(set(wanted), key=words.index):
            raise ScenarioError(
                f"{what} must list each flag once, in the order corosync prints them "
                f"({', '.join(words)})",
                where,
            )
        return tuple(wanted)
    else:  # members
        names = _name_list(wanted, where, set(cluster.names), what)
        order = {n.name: n.nodeid for n in cluster.nodes}
        if list(names) != sorted(names, key=order.__getitem__):
            raise ScenarioError(f"{what} must list the members in nodeid order", where)
        return names
    if key.startswith("device_") and _device_problem(cluster) is not None:
        raise ScenarioError(f"{what} {_device_problem(cluster)}", where)
    return wanted


def _parse_qdevice_step(kind: str, value: object, where: str, cluster: Cluster) -> Step:
    """A QDevice-extension step (docs/scenario-format.md, "New step kinds")."""
    problem = _device_problem(cluster) if kind in DEVICE_ONLY_KINDS else None
    if problem is not None:
        raise ScenarioError(f"{kind} {problem}", where)
    if kind == "await":
        return _parse_await(value, where, cluster)
    if kind == "qnetd":
        if value not in QNETD_ACTIONS:
            raise ScenarioError(
                f"qnetd takes one of {', '.join(map(repr, QNETD_ACTIONS))}, got {show(value)}",
                where,
            )
        assert isinstance(value, str)
        return Step(kind, action=value)
    return Step(kind, nodes=_name_list(value, where, set(cluster.names), kind))


def _parse_step(raw: object, where: str, cluster: Cluster, links: int = 1) -> Step:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ScenarioError(f"a step is an object with exactly one key, got {show(raw)}", where)
    ((kind, value),) = raw.items()
    if kind not in STEP_KINDS:
        raise ScenarioError(f"unknown step {show(kind)} (known: {', '.join(STEP_KINDS)})", where)
    known = set(cluster.names)
    if kind in LINK_STEP_KINDS:
        return _parse_link_step(kind, value, where, known, links)
    if kind in QDEVICE_STEP_KINDS:
        return _parse_qdevice_step(kind, value, where, cluster)
    if kind in ("start", "stop", "crash"):
        return Step(kind, nodes=_name_list(value, where, known, kind))
    if kind == "partition":
        if not isinstance(value, list) or not value:
            raise ScenarioError(f"partition needs a list of groups, got {show(value)}", where)
        groups = []
        seen: set[str] = set()
        for group in value:
            names = _name_list(group, where, known, "a partition group")
            twice = seen.intersection(names)
            if twice:
                raise ScenarioError(f"node {sorted(twice)[0]!r} is in two partition groups", where)
            seen.update(names)
            groups.append(names)
        missing = known - seen
        if missing:
            raise ScenarioError(
                f"partition must place every node; missing {', '.join(sorted(missing))}", where
            )
        return Step(kind, groups=tuple(groups))
    if kind == "heal":
        if value is not True:
            raise ScenarioError(f"heal takes true, got {show(value)}", where)
        return Step(kind)
    if kind == "expected":
        if not isinstance(value, dict) or set(value) != {"node", "votes"}:
            raise ScenarioError(
                f'expected takes {{"node": NAME, "votes": N}}, got {show(value)}', where
            )
        node, votes = value["node"], value["votes"]
        if not isinstance(node, str) or node not in known:
            raise ScenarioError(f"unknown node {show(node)} in expected", where)
        if not _is_int(votes) or not 1 <= votes <= limits.MAX_TOTAL_VOTES:
            raise ScenarioError(
                f"expected votes must be a positive integer of at most "
                f"{limits.MAX_TOTAL_VOTES}, got {show(votes)}",
                where,
            )
        return Step(kind, nodes=(node,), votes=votes)
    if kind == "wait":
        if not _is_int(value) or not 0 <= value <= limits.MAX_UINT32:
            raise ScenarioError(
                f"wait takes milliseconds >= 0 and <= {limits.MAX_UINT32}, got {show(value)}",
                where,
            )
        return Step(kind, ms=value)
    if not isinstance(value, str):
        raise ScenarioError(f"observe takes a label string, got {show(value)}", where)
    return Step(kind, label=value)


def _check_running(steps: tuple[Step, ...], source: str) -> None:
    """Reject `expected` on a node that is not running at that point (statically)."""
    running: set[str] = set()
    for i, step in enumerate(steps):
        if step.kind in ("start", "start-corosync"):
            running.update(step.nodes)
        elif step.kind in ("stop", "crash"):
            running.difference_update(step.nodes)
        elif step.kind == "expected" and step.nodes[0] not in running:
            raise ScenarioError(
                f"expected on {step.nodes[0]!r}, which is not running at this step",
                f"{source}: step {i}",
            )


def parse_scenario(data: object, source: str = "<scenario>") -> Scenario:
    """Validate a decoded scenario document and build a `Scenario`."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a JSON object", source)
    fmt = data.get("format")
    if fmt != SCENARIO_FORMAT:
        raise ScenarioError(f"format must be {SCENARIO_FORMAT!r}, got {show(fmt)}", source)
    unknown = set(data) - {"format", "name", "description", "stack", "cluster", "steps"}
    if unknown:
        raise ScenarioError(f"unknown key(s) {show_keys(unknown)}", source)
    for key, value in data.items():
        if value is None:
            raise ScenarioError(f"{key} must not be null (leave the key out instead)", source)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"name must be a non-empty string, got {show(name)}", source)
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise ScenarioError(f"description must be a string, got {show(description)}", source)
    stack = data.get("stack", "corosync")
    raw_cluster, settings = _split_link_settings(data.get("cluster"), source)
    try:
        cluster = Cluster.from_dict(raw_cluster, stack=stack)  # type: ignore[arg-type]
    except ModelError as exc:
        raise ScenarioError(f"cluster: {exc}", source) from None
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list):
        raise ScenarioError(f"steps must be a list, got {show(raw_steps)}", source)
    if len(raw_steps) > limits.MAX_STEPS:
        raise ScenarioError(
            f"steps: {len(raw_steps)} steps, more than the limit of {limits.MAX_STEPS}", source
        )
    count = 1 if settings is None else settings.count
    steps = tuple(
        _parse_step(raw, f"{source}: step {i}", cluster, count) for i, raw in enumerate(raw_steps)
    )
    _check_running(steps, source)
    if settings is None and any(s.kind in LINK_STEP_KINDS for s in steps):
        settings = LinkSettings()
    if settings is not None and stack != "corosync":
        raise ScenarioError("the links extension is for the corosync stack (knet)", source)
    return Scenario(
        name=name,
        cluster=cluster,
        steps=steps,
        description=description,
        link_settings=settings,
    )


def _split_link_settings(raw: object, source: str) -> tuple[object, LinkSettings | None]:
    """Take the links extension's keys out of `cluster` (docs/scenario-format.md,
    "Extension: links", Cluster keys): `links`, `link_priority` and `totem.link_mode`.
    The rest goes to `Cluster.from_dict`, which refuses anything else."""
    if not isinstance(raw, dict):
        return raw, None
    totem = raw.get("totem")
    has_mode = isinstance(totem, dict) and "link_mode" in totem
    if "links" not in raw and "link_priority" not in raw and not has_mode:
        return raw, None
    rest = {k: v for k, v in raw.items() if k not in ("links", "link_priority")}
    links: int | None = None
    if "links" in raw:
        links = raw["links"]
        if not _is_int(links) or not 1 <= links <= MAX_LINKS:
            raise ScenarioError(
                f"cluster.links must be an integer 1..{MAX_LINKS}, got {show(links)}", source
            )
    count = 1 if links is None else links
    mode: str | None = None
    if has_mode:
        assert isinstance(totem, dict)
        mode = totem["link_mode"]
        if mode not in LINK_MODES:
            raise ScenarioError(
                f"cluster.totem.link_mode must be one of {', '.join(LINK_MODES)}, got {show(mode)}",
                source,
            )
        rest["totem"] = {k: v for k, v in totem.items() if k != "link_mode"}
    priority: tuple[tuple[int, int], ...] | None = None
    if "link_priority" in raw:
        value = raw["link_priority"]
        if not isinstance(value, dict):
            raise ScenarioError(
                f'cluster.link_priority takes {{"LINK": PRIORITY}}, got {show(value)}', source
            )
        pairs = []
        for key, pri in value.items():
            is_number = isinstance(key, str) and key.isascii() and key.isdigit()
            if not is_number or str(int(key)) != key or int(key) >= count:
                raise ScenarioError(
                    f"cluster.link_priority: {show(key)} is not a link number 0..{count - 1} "
                    f"(cluster.links is {count})",
                    source,
                )
            if not _is_int(pri) or not 0 <= pri <= MAX_LINK_PRIORITY:
                raise ScenarioError(
                    f"cluster.link_priority[{key}] must be an integer 0..{MAX_LINK_PRIORITY}, "
                    f"got {show(pri)}",
                    source,
                )
            pairs.append((int(key), pri))
        priority = tuple(sorted(pairs))
    return rest, LinkSettings(links=links, link_mode=mode, link_priority=priority)


# A JSON string, also one that runs to the end of the text.  It always matches where it
# starts, and its possessive repeats keep no backtracking state, so stripping strings takes
# linear time and little memory even on hostile input.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_BRACKETS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def json_too_deep(text: str, limit: int) -> bool:
    """Whether arrays and objects in JSON text may nest more than `limit` levels deep.

    Found without recursion, in linear time: strip the strings, keep the brackets, then
    strip the innermost pairs once per level.  Brackets left unmatched count as levels too,
    so the answer errs on the safe side for text that is not JSON anyway.
    """
    brackets = _JSON_STRING.sub("", text).encode("utf-8", "surrogatepass")
    brackets = brackets.translate(_BRACKETS, _NOT_BRACKETS)
    too_many_opening = b"(" * (limit + 1)  # so many in a row nest too deep (or are no JSON)
    for depth in range(limit + 1):
        if too_many_opening in brackets:
            return True
        shorter = brackets.replace(b"()", b"")
        if shorter == brackets:  # no pair left: only unmatched ones, ")...)(...("
            return depth + brackets.count(b"(") > limit
        brackets = shorter
    return True


class _HugeInteger:
    """An integer literal too long to convert (limits.MAX_INT_DIGITS); every field refuses it."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<an integer of {self.digits} digits>"

    __str__ = __repr__


def _parse_int(literal: str) -> int | _HugeInteger:
    digits = len(literal) - literal.startswith("-")
    return int(literal) if digits <= limits.MAX_INT_DIGITS else _HugeInteger(digits)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, source: str) -> object:
    """Decode JSON text within the limits: depth, integer length, no NaN or Infinity.

    Every problem is a `ScenarioError` naming `source` (and the line for a syntax error).
    """
    if json_too_deep(text, limits.MAX_JSON_DEPTH):
        raise ScenarioError(f"JSON nests more than {limits.MAX_JSON_DEPTH} levels deep", source)
    # Decoding makes no reference cycles; without the cyclic collector running again and
    # again over the new containers, a 4 MiB file of small arrays decodes 4 times faster.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"invalid JSON: {exc.msg}", f"{source}: line {exc.lineno}") from None
    except ValueError as exc:  # NaN or Infinity, refused by the hook
        raise ScenarioError(f"invalid JSON: {exc}", source) from None
    finally:
        if collecting:
            gc.enable()


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; errors name the file (and step)."""
    source = str(path)
    if not source.isprintable():
        source = repr(source)  # keep the message on one line
    text = read_input(path, "scenario file", limits.MAX_SCENARIO_BYTES)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # read_input keeps undecodable bytes as surrogates
            raise ScenarioError("not UTF-8 text", source) from None
    return parse_scenario(parse_json(text, source), source)


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    out: dict[str, Any] = {"format": SCENARIO_FORMAT, "name": scenario.name}
    if scenario.description is not None:
        out["description"] = scenario.description
    if scenario.cluster.stack != "corosync":
        out["stack"] = scenario.cluster.stack
    out["cluster"] = scenario.cluster.to_dict()
    settings = scenario.link_settings
    if settings is not None:
        if settings.links is not None:
            out["cluster"]["links"] = settings.links
        if settings.link_mode is not None:
            out["cluster"]["totem"]["link_mode"] = settings.link_mode
        if settings.link_priority is not None:
            out["cluster"]["link_priority"] = {str(k): v for k, v in settings.link_priority}
    out["steps"] = [s.to_dict() for s in scenario.steps]
    return out


def dump_json(document: dict[str, Any]) -> str:
    """Stable, diff-friendly JSON text for scenarios and observations."""
    return json.dumps(document, indent=2) + "\n"


NOT_COMPARED: dict[str, Any] = {"not compared": "nondeterministic"}
"""What `comparable_results` puts in place of a result that comparisons skip."""


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A result without what comparisons drop: the simulator-only `split_brain`, and an
    await's `elapsed_ms`, a timing (docs/scenario-format.md, "Comparing with the QDevice
    extension")."""
    dropped = {"split_brain", "elapsed_ms"} if "met" in result else {"split_brain"}
    return {k: v for k, v in result.items() if k not in dropped}


def comparable_results(
    document: dict[str, Any], scenario: Scenario | None = None
) -> list[dict[str, Any]]:
    """Results with the simulator-only `split_brain` key and the `elapsed_ms` of each
    await removed (scenario format); with the scenario, the results of its nondeterministic
    stretches (`Scenario.uncompared_steps`) are replaced by `NOT_COMPARED`, whatever either
    engine recorded there."""
    skipped = frozenset() if scenario is None else scenario.uncompared_steps()
    return [
        NOT_COMPARED if i in skipped else _comparable(result)
        for i, result in enumerate(document["results"])
    ]


def observations_agree(
    a: dict[str, Any], b: dict[str, Any], scenario: Scenario | None = None
) -> bool:
    """Two observation documents agree when their results match entry by entry (skipping
    the scenario's nondeterministic stretches when it is given)."""
    return comparable_results(a, scenario) == comparable_results(b, scenario)


def first_difference(
    a: dict[str, Any], b: dict[str, Any], scenario: Scenario | None = None
) -> str | None:
    """A one-paragraph description of the first differing result, or None when they agree.

    Pass the scenario whenever it may mark steps `nondeterministic`: their results are then
    not compared (docs/scenario-format.md, "Nondeterministic steps")."""
    ra, rb = comparable_results(a, scenario), comparable_results(b, scenario)
    for i, (x, y) in enumerate(zip(ra, rb, strict=False)):
        if x == y:
            continue
        for node in sorted(set(x.get("nodes", {})) | set(y.get("nodes", {}))):
            vx, vy = x.get("nodes", {}).get(node), y.get("nodes", {}).get(node)
            if vx != vy:
                if vx is None or vy is None:
                    return f"step {i}: node {node}: {vx!r} vs {vy!r}"
                fields = [k for k in sorted(set(vx) | set(vy)) if vx.get(k) != vy.get(k)]
                parts = ", ".join(f"{k}: {vx.get(k)!r} vs {vy.get(k)!r}" for k in fields)
                return f"step {i}: node {node}: {parts}"
        return f"step {i}: {x!r} vs {y!r}"
    if len(ra) != len(rb):
        return f"{len(ra)} results vs {len(rb)}"
    return None
