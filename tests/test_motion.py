"""The frames of a change (`pvequorum.motion`): told in corosync's order, ending on the
simulator's state, with the kit's own timing numbers."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pvequorum import motion, outage, reference, timing
from pvequorum.errors import InputError
from pvequorum.outage import PRESETS, Outage
from pvequorum.scenario import Step

TWO = PRESETS["two-node"].cluster
FOUR_QDEVICE = PRESETS["four-node-qdevice"].cluster


def _change(cluster, *steps: Step) -> tuple[motion.Frame, ...]:
    state = outage.new_outage(cluster)
    for step in steps[:-1]:
        state = outage.act(state, step)
    before = outage.snapshot(state)
    after = outage.snapshot(outage.act(state, steps[-1]))
    return motion.transition(before, steps[-1], after)


def _states(frame: motion.Frame) -> dict[str, str]:
    return {n.name: n.state for n in frame.nodes}


def test_a_crash_is_noticed_only_after_token_and_consensus():
    frames = _change(TWO, Step("crash", ("pve2",)))
    detection = timing.failure_detection(TWO)
    titles = [f.title for f in frames]
    assert titles[:5] == [
        "pve2 crashes",
        "token lost",
        "consensus",
        "new membership without pve2",
        "quorum recalculated",
    ]
    crash, token, consensus, membership, counted = frames[:5]
    # the survivor still counts pve2's vote until the new membership has been counted
    for frame in (crash, token, consensus, membership):
        assert _states(frame) == {"pve1": "quorate", "pve2": "down"}
    assert _states(counted) == {"pve1": "blocked", "pve2": "stopped"}
    assert (token.t_ms, consensus.t_ms) == (3000, 3000 + 3600)
    assert counted.t_ms == detection.approx_ms
    assert "token timed out (3000ms), waiting 3600ms for consensus" in token.text


def test_a_clean_stop_needs_no_token_timeout():
    titles = [f.title for f in _change(TWO, Step("stop", ("pve2",)))]
    assert "token lost" not in titles and titles[0] == "pve2 shuts down cleanly"


def test_losing_quorum_tells_what_ha_would_do_and_keeping_it_does_not():
    lost = _change(TWO, Step("crash", ("pve2",)))
    ha = [f for f in lost if f.only_with_ha]
    assert [f.title for f in ha][-1] == "HA: watchdog reset"
    reset = ha[-1]
    start = lost[4].t_ms  # quorum lost
    assert (reset.t_ms - start, reset.latest_ms - start) == (60_000, 70_000)
    assert all(f.nodes == lost[4].nodes for f in ha)  # told, not simulated: no state change
    five = PRESETS["five-node"].cluster
    assert not any(f.only_with_ha for f in _change(five, Step("crash", ("pve5",))))


def test_a_partition_is_drawn_as_a_cut_before_the_sides_notice():
    frames = _change(FOUR_QDEVICE, Step("partition", groups=(("pve1", "pve2"), ("pve3", "pve4"))))
    assert frames[0].network == (("pve1", "pve2"), ("pve3", "pve4"))
    assert all(n.state == "quorate" for n in frames[0].nodes)
    last = frames[-1]
    # ffsplit gives the device's vote to one side only (reference 3)
    qdevice = {n.name: n.qdevice for n in last.nodes}
    assert sorted(qdevice.values()) == ["no vote", "no vote", "vote", "vote"]


def test_a_refused_expected_changes_nothing_and_says_so():
    frames = _change(TWO, Step("expected", ("pve1",), votes=1))
    assert len(frames) == 1 and "refused" in frames[0].title
    assert frames[0].text == "corosync refuses it, and nothing changes."


def test_the_payload_is_plain_json_data():
    frames = _change(TWO, Step("crash", ("pve2",)))
    payload = motion.payload(TWO, frames, scene=7)
    assert json.loads(json.dumps(payload)) == payload
    assert payload["scene"] == 7 and payload["timing"].startswith("token 3000 ms")
    assert len(payload["frames"]) == len(frames)


ACTIONS = st.lists(
    st.one_of(
        st.builds(lambda n: Step("crash", (n,)), st.sampled_from(FOUR_QDEVICE.names)),
        st.builds(lambda n: Step("stop", (n,)), st.sampled_from(FOUR_QDEVICE.names)),
        st.builds(lambda n: Step("start", (n,)), st.sampled_from(FOUR_QDEVICE.names)),
        st.builds(
            lambda v, n: Step("expected", (n,), votes=v),
            st.integers(1, 6),
            st.sampled_from(FOUR_QDEVICE.names),
        ),
        st.just(Step("heal")),
        st.just(Step("partition", groups=(("pve1",), ("pve2", "pve3", "pve4")))),
        st.just(Step("partition", groups=(("pve1", "pve2"), ("pve3", "pve4")))),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(ACTIONS)
def test_every_change_ends_on_the_simulators_state_in_time_order(actions):
    """Invariant: whatever happened before, the last frame is the simulator's settled state,
    and the frames never go back in time."""
    state: Outage = outage.new_outage(FOUR_QDEVICE)
    for step in actions:
        before = outage.snapshot(state)
        try:
            state = outage.act(state, step)
        except InputError:  # e.g. `expected` on a stopped node: refused before any change
            continue
        after = outage.snapshot(state)
        frames = motion.transition(before, step, after)
        settled = [f for f in frames if not f.only_with_ha][-1]
        assert settled.nodes == motion.node_frames(after), step
        assert frames[-1].nodes == settled.nodes
        times = [f.t_ms for f in frames]
        assert times == sorted(times), step
        assert all(f.latest_ms >= f.t_ms for f in frames)
        for frame in frames:  # every event cites sections that exist in docs/reference/
            for section in frame.reference.split(", "):
                reference.resolve(section)


def test_a_cman_cluster_is_told_with_corosync_1_and_without_the_pve4_ha_stack():
    cman = PRESETS["two-node-cman"].cluster
    frames = _change(cman, Step("crash", ("pve2",)))
    token = next(f for f in frames if f.title == "token lost")
    assert token.t_ms == timing.effective_token_ms(cman) and "token timed out" not in token.text
    assert not any(f.only_with_ha for f in frames)


def test_a_lost_link_is_seen_after_knet_ping_timeout_and_the_last_one_costs_the_membership():
    preset = PRESETS["three-node-two-links"]
    state = outage.new_outage(preset.cluster, links=preset.links)
    down0 = Step("link-down", ("pve1",), link=0)
    frames = motion.transition(
        outage.snapshot(state), down0, outage.snapshot(outage.act(state, down0))
    )
    ping = timing.knet_ping_timeout_ms(preset.cluster)
    assert [(f.t_ms, f.title) for f in frames] == [
        (0, "pve1 loses link 0"),
        (ping, "knet: link 0 between pve1 and pve2, pve3 is down"),
    ]
    # knet has not noticed yet: cfgtool still says connected
    assert all(p.state == "connected" for p in frames[0].links)
    assert "over link 1: no token is lost" in frames[1].text
    state = outage.act(state, down0)
    down1 = Step("link-down", ("pve1",), link=1)
    frames = motion.transition(
        outage.snapshot(state), down1, outage.snapshot(outage.act(state, down1))
    )
    titles = [f.title for f in frames]
    assert titles[:6] == [
        "pve1 loses link 1",
        "knet: link 1 between pve1 and pve2, pve3 is down",
        "token lost",
        "consensus",
        "the membership is formed again, without pve1",
        "quorum recalculated",
    ]
    assert frames[1].network == (("pve1",), ("pve2", "pve3"))
    payload = motion.payload(preset.cluster, frames, 1)
    json.dumps(payload)
    assert payload["link_count"] == 2
    assert len(payload["frames"][0]["links"]) == 6
    assert payload["frames"][-1]["links"][0] == {
        "a": "pve1",
        "b": "pve2",
        "link": 0,
        "state": "down",
        "carries": False,
    }
    assert (
        motion.payload(TWO, motion.transition(None, None, outage.snapshot(Outage(TWO))), 1)[
            "link_count"
        ]
        == 0
    )


LINK_PRESET = PRESETS["three-node-two-links"]
LINK_ACTIONS = st.lists(
    st.one_of(
        st.builds(
            lambda kind, n, k: Step(kind, (n,), link=k),
            st.sampled_from(("link-down", "link-up")),
            st.sampled_from(LINK_PRESET.cluster.names),
            st.integers(0, 1),
        ),
        st.builds(lambda n: Step("crash", (n,)), st.sampled_from(LINK_PRESET.cluster.names)),
        st.builds(lambda n: Step("start", (n,)), st.sampled_from(LINK_PRESET.cluster.names)),
        st.just(Step("partition", groups=(("pve1",), ("pve2", "pve3")))),
        st.just(Step("heal")),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(LINK_ACTIONS)
def test_every_link_change_ends_on_the_simulators_links_in_time_order(actions):
    """With knet links too: the last frame is the settled state, nodes and links alike, and
    a state the simulator cannot decide is refused before it reaches the history."""
    state: Outage = outage.new_outage(LINK_PRESET.cluster, links=LINK_PRESET.links)
    for step in actions:
        before = outage.snapshot(state)
        try:
            state = outage.act(state, step)
        except InputError:
            assert outage.snapshot(state) == before  # refused: nothing changed
            continue
        after = outage.snapshot(state)
        frames = motion.transition(before, step, after)
        settled = [f for f in frames if not f.only_with_ha][-1]
        assert settled.nodes == motion.node_frames(after), step
        assert settled.links == after.links and settled.network == after.network, step
        times = [f.t_ms for f in frames]
        assert times == sorted(times), step
        for frame in frames:
            for section in frame.reference.split(", "):
                reference.resolve(section)
