"""The device's vote on a time axis: the recorded real run, its JSON form (fail closed) and
its figure."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pvequorum.devicetimeline import (
    TIMELINE_FORMAT,
    DeviceTimeline,
    TimelineEvent,
    VoteSample,
    timeline_from_dict,
    timeline_to_dict,
)
from pvequorum.errors import InputError
from pvequorum.examples import example_path

RECORDED = json.loads(example_path("qdevice-vote-timeline.json").read_text())


def test_the_recorded_run_shows_the_vote_arriving_leaving_and_coming_back() -> None:
    timeline = timeline_from_dict(RECORDED, "qdevice-vote-timeline.json")
    changes = timeline.changes()
    assert [c.change for c in changes] == ["arrives", "leaves", "arrives"]
    assert [c.after.label for c in changes if c.after] == [
        "corosync-qdevice starts on pve1 and pve2",
        "qnetd stops",
        "qnetd starts again",
    ]
    delays = [c.delay_ms for c in changes]
    assert all(d is not None and 0 <= d <= 9000 for d in delays), delays  # reference 12.1
    assert "real corosync 3.1.7" in timeline.source


def test_the_figure_names_each_change_and_its_delay() -> None:
    from pvequorum.viz import figure_texts
    from pvequorum.vizqdevice import device_vote_figure

    timeline = timeline_from_dict(RECORDED)
    texts = " ".join(figure_texts(device_vote_figure(timeline)))
    for change in timeline.changes():
        assert f"vote {change.change} {change.delay_ms} ms after it" in texts
    assert "qnetd stops" in texts


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"extra": 1}, "unknown key"),
        ({"format": "other/1"}, "format"),
        ({"samples": [[0, 2, "yes", True]]}, "samples[0]"),
        ({"samples": [[5, 2, True, True], [1, 2, True, True]]}, "backwards"),
        ({"events": [{"t_ms": -1, "label": "x"}]}, "events[0]"),
        ({"node": "pve1\n"}, "node"),
    ],
)
def test_a_bad_timeline_is_refused_naming_the_field(change: dict, where: str) -> None:
    with pytest.raises(InputError) as caught:
        timeline_from_dict({**RECORDED, **change}, "t.json")
    assert where in str(caught.value)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.none() | st.integers(0, 20),
            st.none() | st.booleans(),
            st.none() | st.booleans(),
        ),
        max_size=30,
    ),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["qnetd stops", "x"])), max_size=5),
)
def test_json_round_trip_and_changes_alternate(samples: list, events: list) -> None:
    timeline = DeviceTimeline(
        "pve1",
        "test",
        tuple(VoteSample(*s) for s in sorted(samples, key=lambda s: s[0])),
        tuple(TimelineEvent(*e) for e in sorted(events, key=lambda e: e[0])),
    )
    data = timeline_to_dict(timeline)
    assert data["format"] == TIMELINE_FORMAT
    assert timeline_from_dict(json.loads(json.dumps(data))) == timeline
    kinds = [c.change for c in timeline.changes()]
    assert all(a != b for a, b in itertools.pairwise(kinds))
