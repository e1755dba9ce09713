"""Record the device's vote on a time axis on the real lab (an edge: polls real daemons).

Polls one node's `corosync-quorumtool -s` about every 0.1 s while a sequence of QDevice
actions runs, each action followed by the poll until the vote has changed and then a
little longer, so that the delay of each change is measured, not assumed (reference 12.1).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from pvequorum.devicetimeline import DeviceTimeline, TimelineEvent, VoteSample
from pvequorum.lab.core import Lab
from pvequorum.scenario import Observation

POLL_S = 0.1
Action = tuple[str, Callable[[], None]]


def _sample(lab: Lab, node: str, t_ms: int) -> VoteSample:
    status = lab.status(node)
    if status is None:
        return VoteSample(t_ms, None, None, None)
    device = Observation.read(lab.cluster, {node: status}).nodes[0].qdevice
    cast = device is not None and device.cast  # no Qdevice row: no vote cast
    return VoteSample(t_ms, status.total_votes, cast, status.quorate)


def record(
    lab: Lab,
    node: str,
    actions: Sequence[Action],
    *,
    change_within_s: float = 30.0,
    hold_s: float = 3.0,
    source: str = "",
) -> DeviceTimeline:
    """Run each (label, action) in turn on `lab`; after each, poll until `node`'s device
    vote flips (at most `change_within_s`) and `hold_s` more."""
    began = time.monotonic()
    samples: list[VoteSample] = []
    events: list[TimelineEvent] = []

    def now_ms() -> int:
        return round((time.monotonic() - began) * 1000)

    def poll_for(seconds: float, until_flip_from: bool | None = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            sample = _sample(lab, node, now_ms())
            samples.append(sample)
            flipped = sample.cast is not None and sample.cast != until_flip_from
            if until_flip_from is not None and flipped:
                return
            time.sleep(POLL_S)

    poll_for(hold_s)
    for label, action in actions:
        before = next((s.cast for s in reversed(samples) if s.cast is not None), False)
        events.append(TimelineEvent(now_ms(), label))
        action()
        poll_for(change_within_s, until_flip_from=before)
        poll_for(hold_s)
    return DeviceTimeline(node, source, tuple(samples), tuple(events))
