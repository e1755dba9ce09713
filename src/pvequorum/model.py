"""Frozen values that describe a cluster: the one vocabulary every part of the kit shares.

Config parsers produce a `Cluster`, the simulator and the analysis consume it, procedures
plan changes to it.  Values are validated on construction so that no later stage has to
guess: a bad value raises `ModelError` whose message quotes the offending value.

"Absent" and "set to 0" are different in corosync (reference 1.5: `two_node: 1` turns
`wait_for_all` on only when `wait_for_all` is *absent*; reference 1.2: a node without
`quorum_votes` counts as 1), so every optional key is `None` when absent.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any, Literal

from pvequorum import limits
from pvequorum.errors import InputError

Stack = Literal["corosync", "cman"]
STACKS: tuple[str, ...] = ("corosync", "cman")

# RFC 1123 host name label(s); Proxmox node names are such names.
_HOSTNAME = re.compile(
    r"^(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\Z"
)

QUORUM_KEYS: tuple[str, ...] = (
    "expected_votes",
    "two_node",
    "wait_for_all",
    "last_man_standing",
    "last_man_standing_window",
    "auto_tie_breaker",
    "auto_tie_breaker_node",
    "device",
)
TOTEM_KEYS: tuple[str, ...] = ("token", "token_coefficient", "consensus")
QDEVICE_MODELS: tuple[str, ...] = ("net", "disk")
QDEVICE_ALGORITHMS: tuple[str, ...] = ("ffsplit", "lms")


class ModelError(InputError):
    """A value that cannot describe a real cluster; the message names the value."""


_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 60
_SHOW.maxlevel, _SHOW.maxlist, _SHOW.maxdict = 2, 4, 4


def show(value: object) -> str:
    """A short, one-line repr of a value read from a file, for an error message."""
    return _SHOW.repr(value)


def show_keys(keys: Iterable[object]) -> str:
    """Keys for an error message: their short reprs, sorted, at most five, on one line."""
    shown = sorted(show(k) for k in keys)
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return ", ".join(shown[:5]) + more


def is_hostname(name: object) -> bool:
    """True for a valid host name (RFC 1123), which is what Proxmox requires of node names."""
    return isinstance(name, str) and bool(_HOSTNAME.match(name))


def is_nodeid_text(text: object) -> bool:
    """True for the decimal text of a possible nodeid (ASCII digits, at most MAX_NODEID)."""
    return (
        isinstance(text, str)
        and text.isascii()
        and text.isdigit()
        and len(text) <= len(str(limits.MAX_NODEID))
        and int(text) <= limits.MAX_NODEID
    )


def _check_int(
    what: str,
    value: object,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    required: bool = False,
) -> None:
    """`value` is an int (not a bool) within the bounds; None passes unless `required`."""
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelError(f"{what} must be an integer, got {show(value)}")
    if minimum is not None and value < minimum:
        raise ModelError(f"{what} must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ModelError(f"{what} must be <= {maximum}, got {value!r}")


def _check_flag(what: str, value: object) -> None:
    if value is None:
        return
    _check_int(what, value, 0)
    if value not in (0, 1):
        raise ModelError(f"{what} must be 0 or 1, got {value!r}")


def _check_count(what: str, count: int) -> None:
    if count > limits.MAX_NODES:
        raise ModelError(
            f"{what}: {count} nodes, more than corosync's limit of {limits.MAX_NODES} "
            "(PROCESSOR_COUNT_MAX)"
        )


def _check_keys(
    what: str, data: object, allowed: Iterable[str], required: Iterable[str] = ()
) -> dict[str, Any]:
    """`data` is an object (dict) with only `allowed` keys and no null for an optional one
    (absent is left out, never null); the message names `what`.  A required key's value is
    left to the type check that names it."""
    if not isinstance(data, dict):
        raise ModelError(f"{what} must be an object, got {show(data)}")
    unknown = set(data) - set(allowed)
    if unknown:
        raise ModelError(f"unknown {what} key(s): {show_keys(unknown)}")
    for key, value in data.items():
        if value is None and key not in required:
            raise ModelError(f"{what}.{key} must not be null (leave the key out instead)")
    return data


@dataclass(frozen=True)
class Node:
    """A nodelist entry.  `votes=None` means `quorum_votes` is absent: corosync counts 1."""

    name: str
    nodeid: int
    votes: int | None = None
    address: str | None = None

    def __post_init__(self) -> None:
        if not is_hostname(self.name):
            raise ModelError(f"node name {show(self.name)} is not a valid host name")
        _check_int(f"nodeid of {self.name}", self.nodeid, 1, limits.MAX_NODEID, required=True)
        _check_int(f"votes of {self.name}", self.votes, 0, limits.MAX_NODE_VOTES)
        if self.address is not None and not isinstance(self.address, str):
            raise ModelError(f"address of {self.name} must be text, got {show(self.address)}")

    @property
    def effective_votes(self) -> int:
        """Votes corosync counts for this node: an absent key is 1 (reference 1.2, 10.15)."""
        return 1 if self.votes is None else self.votes


@dataclass(frozen=True)
class QDevice:
    """A quorum device: corosync `quorum.device` (model net) or cman `<quorumd>` (disk).

    `votes=None` means `quorum.device.votes` is absent, so corosync computes it
    (reference 1.2 step 5); `algorithm` and `tie_breaker` are the `net {}` keys.
    """

    model: str = "net"
    votes: int | None = None
    algorithm: str = "ffsplit"
    tie_breaker: str = "lowest"
    host: str | None = None

    def __post_init__(self) -> None:
        if self.model not in QDEVICE_MODELS:
            raise ModelError(f"qdevice model {show(self.model)} is not one of {QDEVICE_MODELS}")
        _check_int("qdevice votes", self.votes, 0, limits.MAX_TOTAL_VOTES)
        if self.algorithm not in QDEVICE_ALGORITHMS:
            raise ModelError(
                f"qdevice algorithm {show(self.algorithm)} is not one of {QDEVICE_ALGORITHMS}"
            )
        tb = self.tie_breaker
        if tb not in ("lowest", "highest") and not (is_nodeid_text(tb) and int(tb) > 0):
            raise ModelError(
                f"qdevice tie_breaker {show(tb)} is not lowest, highest or a nodeid "
                f"from 1 to {limits.MAX_NODEID}"
            )
        if self.host is not None and not isinstance(self.host, str):
            raise ModelError(f"qdevice host must be text, got {show(self.host)}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model}
        if self.votes is not None:
            out["votes"] = self.votes
        net: dict[str, Any] = {"algorithm": self.algorithm, "tie_breaker": self.tie_breaker}
        if self.host is not None:
            net["host"] = self.host
        out["net"] = net
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QDevice:
        _check_keys("quorum.device", data, ("model", "votes", "net"))
        net = _check_keys(
            "quorum.device.net", data.get("net", {}), ("algorithm", "tie_breaker", "host")
        )
        tie_breaker = net.get("tie_breaker", "lowest")
        if isinstance(tie_breaker, int) and not isinstance(tie_breaker, bool):
            tie_breaker = str(tie_breaker)
        return cls(
            model=data.get("model", "net"),
            votes=data.get("votes"),
            algorithm=net.get("algorithm", "ffsplit"),
            tie_breaker=tie_breaker,
            host=net.get("host"),
        )


@dataclass(frozen=True)
class QuorumOptions:
    """The keys of the `quorum {}` section.  `None` = absent, which differs from 0."""

    expected_votes: int | None = None
    two_node: int | None = None
    wait_for_all: int | None = None
    last_man_standing: int | None = None
    last_man_standing_window: int | None = None
    auto_tie_breaker: int | None = None
    auto_tie_breaker_node: str | None = None
    device: QDevice | None = None

    def __post_init__(self) -> None:
        _check_int("expected_votes", self.expected_votes, 1, limits.MAX_TOTAL_VOTES)
        for key in ("two_node", "wait_for_all", "last_man_standing", "auto_tie_breaker"):
            _check_flag(key, getattr(self, key))
        _check_int("last_man_standing_window", self.last_man_standing_window, 1, limits.MAX_UINT32)
        atb = self.auto_tie_breaker_node
        if atb is not None:
            ids = atb.split() if isinstance(atb, str) else []
            ok = atb in ("lowest", "highest") or (
                0 < len(ids) <= limits.MAX_NODES and all(map(is_nodeid_text, ids))
            )
            if not ok:
                raise ModelError(
                    f"auto_tie_breaker_node {show(atb)} must be 'lowest', 'highest' "
                    f"or a space-separated list of at most {limits.MAX_NODES} node ids "
                    f"from 0 to {limits.MAX_NODEID}"
                )
        if self.device is not None and not isinstance(self.device, QDevice):
            raise ModelError(f"device must be a QDevice, got {show(self.device)}")

    def to_dict(self) -> dict[str, Any]:
        """Only the keys that are present, as in the scenario format."""
        out: dict[str, Any] = {}
        for key in QUORUM_KEYS:
            value = getattr(self, key)
            if value is None:
                continue
            out[key] = value.to_dict() if isinstance(value, QDevice) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuorumOptions:
        values = dict(_check_keys("quorum", data, QUORUM_KEYS))
        if values.get("device") is not None:
            values["device"] = QDevice.from_dict(values["device"])
        atb = values.get("auto_tie_breaker_node")
        if isinstance(atb, int) and not isinstance(atb, bool):
            values["auto_tie_breaker_node"] = str(values["auto_tie_breaker_node"])
        return cls(**values)


@dataclass(frozen=True)
class Totem:
    """Totem timing keys (reference 9); `None` = absent, corosync's default applies."""

    token: int | None = None
    token_coefficient: int | None = None
    consensus: int | None = None

    def __post_init__(self) -> None:
        _check_int("token", self.token, 1, limits.MAX_UINT32)
        _check_int("token_coefficient", self.token_coefficient, 0, limits.MAX_UINT32)
        _check_int("consensus", self.consensus, 1, limits.MAX_UINT32)

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Totem:
        return cls(**_check_keys("totem", data, TOTEM_KEYS))


@dataclass(frozen=True)
class Cluster:
    """A whole cluster configuration, independent of the file format it came from."""

    name: str
    nodes: tuple[Node, ...]
    quorum: QuorumOptions = field(default_factory=QuorumOptions)
    totem: Totem = field(default_factory=Totem)
    stack: Stack = "corosync"
    config_version: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ModelError(f"cluster name must be non-empty text, got {show(self.name)}")
        if self.stack not in STACKS:
            raise ModelError(f"stack {show(self.stack)} is not one of {STACKS}")
        object.__setattr__(self, "nodes", tuple(self.nodes))
        if not self.nodes:
            raise ModelError("a cluster needs at least one node")
        _check_count("nodes", len(self.nodes))
        seen_names: set[str] = set()
        seen_ids: set[int] = set()
        for node in self.nodes:
            if not isinstance(node, Node):
                raise ModelError(f"nodes must be Node values, got {show(node)}")
            if node.name in seen_names:
                raise ModelError(f"duplicate node name {node.name!r}")
            if node.nodeid in seen_ids:
                raise ModelError(f"duplicate nodeid {node.nodeid} (node {node.name!r})")
            seen_names.add(node.name)
            seen_ids.add(node.nodeid)
        _check_int("config_version", self.config_version, 0, limits.MAX_CONFIG_VERSION)
        device = self.quorum.device
        qdevice_votes = 0 if device is None or device.votes is None else device.votes
        total = self.nodelist_votes + qdevice_votes
        if total > limits.MAX_TOTAL_VOTES:
            raise ModelError(
                f"the nodes' and the qdevice's votes add up to {total}, "
                f"more than the limit of {limits.MAX_TOTAL_VOTES}"
            )

    # --- lookups -------------------------------------------------------------------
    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise ModelError(f"unknown node {show(name)}; the cluster has {', '.join(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    @cached_property
    def nodelist_votes(self) -> int:
        """Sum of nodelist votes, absent keys counted as 1 (reference 1.2 step 1)."""
        return sum(n.effective_votes for n in self.nodes)

    def by_nodeid(self) -> tuple[Node, ...]:
        return tuple(sorted(self.nodes, key=lambda n: n.nodeid))

    # --- conversions ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The scenario format's `cluster` object (plus `stack` kept by the caller)."""
        nodes = []
        for n in self.nodes:
            entry: dict[str, Any] = {"name": n.name, "nodeid": n.nodeid}
            if n.votes is not None:
                entry["votes"] = n.votes
            if n.address is not None:
                entry["address"] = n.address
            nodes.append(entry)
        return {
            "name": self.name,
            "nodes": nodes,
            "quorum": self.quorum.to_dict(),
            "totem": self.totem.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], stack: str = "corosync") -> Cluster:
        _check_keys("cluster", data, ("name", "nodes", "quorum", "totem", "config_version"))
        raw_nodes = data.get("nodes")
        if not isinstance(raw_nodes, list):
            raise ModelError(f"cluster.nodes must be a list, got {show(raw_nodes)}")
        _check_count("cluster.nodes", len(raw_nodes))
        nodes = []
        for i, raw in enumerate(raw_nodes):
            _check_keys(
                f"cluster.nodes[{i}]",
                raw,
                ("name", "nodeid", "votes", "address"),
                ("name", "nodeid"),
            )
            if "name" not in raw or "nodeid" not in raw:
                raise ModelError(f"cluster.nodes[{i}] needs 'name' and 'nodeid'")
            nodes.append(Node(raw["name"], raw["nodeid"], raw.get("votes"), raw.get("address")))
        return cls(
            name=data.get("name", "cluster"),
            nodes=tuple(nodes),
            quorum=QuorumOptions.from_dict(data.get("quorum", {})),
            totem=Totem.from_dict(data.get("totem", {})),
            stack=stack,  # type: ignore[arg-type]
            config_version=data.get("config_version"),
        )

    def with_quorum(self, **changes: Any) -> Cluster:
        return replace(self, quorum=replace(self.quorum, **changes))


def simple_cluster(
    count: int,
    *,
    votes: list[int] | None = None,
    name: str = "lab",
    prefix: str = "pve",
    stack: Stack = "corosync",
    **quorum: Any,
) -> Cluster:
    """A cluster of `count` nodes named pve1..pveN with nodeids 1..N, for presets and tests."""
    if votes is not None and len(votes) != count:
        raise ModelError(f"votes has {len(votes)} entries for {count} nodes")
    nodes = tuple(
        Node(f"{prefix}{i}", i, 1 if votes is None else votes[i - 1]) for i in range(1, count + 1)
    )
    return Cluster(name, nodes, QuorumOptions(**quorum), stack=stack)
