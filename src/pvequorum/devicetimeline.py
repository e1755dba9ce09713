"""The device's vote on a time axis: polls of one node's quorum view around QDevice events.
PURE.

A timeline is what a trainer shows in notebook 04: the vote arriving a moment after
corosync-qdevice starts, leaving at once when qnetd stops, and coming back only at the
qdevice's next connect attempt when qnetd is started again (reference 12.1).  The lab
records one live (`pvequorum.lab.devicetimeline`); a recording of a real run ships with the
kit for machines without the daemons.  The JSON form is checked field by field and fails
closed, because a timeline file may come from anywhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pvequorum.errors import InputError

TIMELINE_FORMAT = "pvequorum-device-timeline/1"
MAX_SAMPLES = 100_000


@dataclass(frozen=True)
class VoteSample:
    """One poll of `corosync-quorumtool -s` on the node: None where it did not answer."""

    t_ms: int
    total_votes: int | None
    cast: bool | None
    quorate: bool | None


@dataclass(frozen=True)
class TimelineEvent:
    """Something done to the cluster at `t_ms` (`qnetd stop`, `qdevice start pve1`...)."""

    t_ms: int
    label: str


@dataclass(frozen=True)
class VoteChange:
    """The node's device vote changed between two polls: `arrives` or `leaves`, and how long
    after the event before it (None when no event came before)."""

    t_ms: int
    change: str
    after: TimelineEvent | None

    @property
    def delay_ms(self) -> int | None:
        return None if self.after is None else self.t_ms - self.after.t_ms


@dataclass(frozen=True)
class DeviceTimeline:
    node: str
    source: str  # where the samples come from: "real corosync 3.1.7 ..." or a file
    samples: tuple[VoteSample, ...]
    events: tuple[TimelineEvent, ...]

    def changes(self) -> tuple[VoteChange, ...]:
        """Every poll at which the node's own device vote flipped, with its cause."""
        out: list[VoteChange] = []
        previous: bool | None = None
        for sample in self.samples:
            if sample.cast is None:
                continue
            if previous is not None and sample.cast != previous:
                before = [e for e in self.events if e.t_ms <= sample.t_ms]
                change = "arrives" if sample.cast else "leaves"
                out.append(VoteChange(sample.t_ms, change, before[-1] if before else None))
            previous = sample.cast
        return tuple(out)

    def end_ms(self) -> int:
        times = [s.t_ms for s in self.samples] + [e.t_ms for e in self.events]
        return max(times, default=0)


def timeline_to_dict(timeline: DeviceTimeline) -> dict[str, Any]:
    return {
        "format": TIMELINE_FORMAT,
        "node": timeline.node,
        "source": timeline.source,
        "events": [{"t_ms": e.t_ms, "label": e.label} for e in timeline.events],
        "samples": [[s.t_ms, s.total_votes, s.cast, s.quorate] for s in timeline.samples],
    }


def _int(value: object, where: str, low: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 10**9:
        raise InputError(f"expected an integer {low}..10^9, got {value!r}"[:200], where)
    return value


def _optional(value: object, kind: type, where: str) -> Any:
    if value is None:
        return None
    if kind is bool:
        if not isinstance(value, bool):
            raise InputError(f"expected true, false or null, got {value!r}"[:200], where)
        return value
    return _int(value, where)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 200 or not value.isprintable():
        raise InputError("expected a printable string of 1..200 characters", where)
    return value


def timeline_from_dict(data: object, source: str = "<timeline>") -> DeviceTimeline:
    """A timeline from its JSON form; any unknown key or wrong value is an InputError."""
    if not isinstance(data, dict):
        raise InputError("a device timeline is a JSON object", source)
    unknown = set(data) - {"format", "node", "source", "events", "samples"}
    if unknown:
        raise InputError(f"unknown key {sorted(unknown)[0]!r}", source)
    if data.get("format") != TIMELINE_FORMAT:
        raise InputError(f"format must be {TIMELINE_FORMAT!r}", f"{source}: format")
    events_raw, samples_raw = data.get("events"), data.get("samples")
    if not isinstance(events_raw, list) or not isinstance(samples_raw, list):
        raise InputError("events and samples must be lists", source)
    if len(samples_raw) > MAX_SAMPLES or len(events_raw) > MAX_SAMPLES:
        raise InputError(f"more than {MAX_SAMPLES} entries", source)
    events = []
    for i, raw in enumerate(events_raw):
        where = f"{source}: events[{i}]"
        if not isinstance(raw, dict) or set(raw) != {"t_ms", "label"}:
            raise InputError('an event is {"t_ms": N, "label": "..."}', where)
        events.append(TimelineEvent(_int(raw["t_ms"], where), _text(raw["label"], where)))
    samples = []
    for i, raw in enumerate(samples_raw):
        where = f"{source}: samples[{i}]"
        if not isinstance(raw, list) or len(raw) != 4:
            raise InputError("a sample is [t_ms, total_votes, cast, quorate]", where)
        samples.append(
            VoteSample(
                _int(raw[0], where),
                _optional(raw[1], int, where),
                _optional(raw[2], bool, where),
                _optional(raw[3], bool, where),
            )
        )
    _check_order([s.t_ms for s in samples], f"{source}: samples")
    _check_order([e.t_ms for e in events], f"{source}: events")
    return DeviceTimeline(
        node=_text(data.get("node"), f"{source}: node"),
        source=_text(data.get("source"), f"{source}: source"),
        samples=tuple(samples),
        events=tuple(events),
    )


def _check_order(times: Sequence[int], where: str) -> None:
    if any(b < a for a, b in itertools.pairwise(times)):
        raise InputError("times must not go backwards", where)
