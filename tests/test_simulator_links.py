"""The links extension (docs/scenario-format.md, "Extension: links"; reference 12.4):
the loader's refusals, the simulator against real corosync 3.1.7 recordings, and knet's
failover as a property: a node that keeps one working link to every peer stays a member."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import PROJECT

from pvequorum.engine import Undecidable
from pvequorum.model import simple_cluster
from pvequorum.scenario import (
    NOT_COMPARED,
    ScenarioError,
    first_difference,
    load_scenario,
    observations_agree,
    parse_scenario,
    scenario_to_dict,
)
from pvequorum.simulator import Simulator, run_scenario

EXTENSIONS = PROJECT / "tests" / "scenarios" / "extensions"
RECORDED = sorted(EXTENSIONS.glob("links-*.real.json"))


def test_recordings_are_present() -> None:
    assert len(RECORDED) >= 2


@pytest.mark.parametrize("real", RECORDED, ids=lambda p: p.name.removesuffix(".real.json"))
def test_simulator_agrees_with_real_corosync(real: Path) -> None:
    scenario = load_scenario(real.with_name(real.name.replace(".real.json", ".json")))
    simulated = run_scenario(scenario)
    recorded = json.loads(real.read_text())
    assert len(simulated["results"]) == len(recorded["results"])
    assert observations_agree(simulated, recorded, scenario), first_difference(
        simulated, recorded, scenario
    )


def test_nontransitive_stretch_is_undecided_and_skipped() -> None:
    scenario = load_scenario(EXTENSIONS / "links-3n1l-nontransitive.json")
    assert scenario.uncompared_steps() == frozenset({2, 3, 4, 5})
    results = run_scenario(scenario)["results"]
    assert "undecidable" in results[3] and "not transitive" in results[3]["undecidable"]
    recorded = json.loads((EXTENSIONS / "links-3n1l-nontransitive.real.json").read_text())
    # without the scenario the stretch is compared, and the simulator did not guess it
    assert first_difference(run_scenario(scenario), recorded) is not None
    assert NOT_COMPARED not in recorded["results"]


def test_undecidable_outside_a_marked_stretch_is_an_error() -> None:
    doc = json.loads((EXTENSIONS / "links-3n1l-nontransitive.json").read_text())
    del doc["steps"][2]["link-cut"]["nondeterministic"]
    with pytest.raises(Undecidable, match=r"step 3.*not transitive.*nondeterministic"):
        run_scenario(parse_scenario(doc))


def test_netem_loss_is_undecidable_until_cleared() -> None:
    sim = Simulator(simple_cluster(3))
    sim.start(["pve1", "pve2", "pve3"])
    sim.netem("pve1", 0, 30)
    with pytest.raises(Undecidable, match="30% random loss"):
        sim.observe()
    sim.netem("pve1", 0, None)
    assert all(v.quorate for v in sim.views().values())


def test_scenarios_dump_back_unchanged() -> None:
    for path in sorted(EXTENSIONS.glob("links-*.json")):
        if path.name.endswith(".real.json"):
            continue
        doc = json.loads(path.read_text())
        doc.pop("stack")  # the default, which the dump leaves out
        assert scenario_to_dict(load_scenario(path)) == doc
    doc = _base()
    doc["cluster"].update(links=2, link_priority={"0": 10, "1": 20})
    doc["cluster"]["totem"]["link_mode"] = "passive"
    doc["steps"] += [
        {"netem": {"node": "pve1", "link": 1, "loss": 30, "nondeterministic": True}},
        {"netem": {"node": "pve1", "link": 1, "clear": True}},
    ]
    assert scenario_to_dict(parse_scenario(doc)) == doc


def _base() -> dict[str, Any]:
    return {
        "format": "pvequorum-scenario/1",
        "name": "links",
        "cluster": {
            "name": "lab",
            "nodes": [{"name": f"pve{i}", "nodeid": i, "votes": 1} for i in (1, 2, 3)],
            "links": 2,
            "quorum": {},
            "totem": {"token": 1000},
        },
        "steps": [{"start": ["pve1", "pve2", "pve3"]}],
    }


def _with_cluster(**keys: Any) -> dict[str, Any]:
    doc = _base()
    doc["cluster"].update(keys)
    return doc


def _with_step(step: dict[str, Any]) -> dict[str, Any]:
    doc = _base()
    doc["steps"].append(step)
    return doc


def _with_mode(mode: object) -> dict[str, Any]:
    doc = _base()
    doc["cluster"]["totem"]["link_mode"] = mode
    return doc


REFUSED = [
    (_with_cluster(links=0), "cluster.links"),
    (_with_cluster(links=9), "cluster.links"),
    (_with_cluster(links=True), "cluster.links"),
    (_with_cluster(links="2"), "cluster.links"),
    (_with_mode("broadcast"), "cluster.totem.link_mode"),
    (_with_cluster(link_priority={"2": 1}), "cluster.link_priority"),
    (_with_cluster(link_priority={"01": 1}), "cluster.link_priority"),
    (_with_cluster(link_priority={"0": 256}), r"cluster.link_priority\[0\]"),
    (_with_cluster(link_priority=[10, 20]), "cluster.link_priority"),
    (_with_cluster(links=2, link_speed=1), "link_speed"),
    (_with_step({"link-down": {"node": "pve1", "link": 2}}), "step 1: link-down.link"),
    (_with_step({"link-down": {"node": "pve1", "link": -1}}), "link-down.link"),
    (_with_step({"link-down": {"node": "pve9", "link": 0}}), "unknown node 'pve9'"),
    (_with_step({"link-up": {"node": "pve1"}}), "missing key"),
    (_with_step({"link-up": {"node": "pve1", "link": 0, "port": 1}}), "unknown key"),
    (_with_step({"link-up": [["pve1", 0]]}), "link-up takes an object"),
    (_with_step({"link-cut": {"between": ["pve1"], "link": 0}}), "two node names"),
    (_with_step({"link-cut": {"between": ["pve1", "pve1"], "link": 0}}), "listed twice"),
    (_with_step({"link-uncut": {"between": ["pve1", "pve4"], "link": 0}}), "unknown node"),
    (_with_step({"netem": {"node": "pve1", "link": 0, "loss": 101}}), "netem.loss"),
    (_with_step({"netem": {"node": "pve1", "link": 0, "loss": -1}}), "netem.loss"),
    (_with_step({"netem": {"node": "pve1", "link": 0, "loss": 2.5}}), "netem.loss"),
    (_with_step({"netem": {"node": "pve1", "link": 0}}), "either"),
    (_with_step({"netem": {"node": "pve1", "link": 0, "loss": 5, "clear": True}}), "either"),
    (_with_step({"netem": {"node": "pve1", "link": 0, "clear": False}}), "netem.clear"),
    (
        _with_step({"link-down": {"node": "pve1", "link": 0, "nondeterministic": 1}}),
        "nondeterministic",
    ),
]


@pytest.mark.parametrize(("doc", "message"), REFUSED, ids=lambda v: None)
def test_the_loader_refuses(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(doc)


def test_a_link_beyond_the_default_single_link_is_refused() -> None:
    doc = _base()
    del doc["cluster"]["links"]
    doc["steps"].append({"link-down": {"node": "pve1", "link": 1}})
    with pytest.raises(ScenarioError, match=r"cluster\.links is 1"):
        parse_scenario(doc)


def test_links_key_only_with_the_extension() -> None:
    plain = copy.deepcopy(_base())
    del plain["cluster"]["links"]
    plain["steps"].append({"observe": "up"})
    node = run_scenario(parse_scenario(plain))["results"][1]["nodes"]["pve1"]
    assert "links" not in node
    doc = _base()
    doc["steps"] += [{"crash": ["pve3"]}, {"observe": "pve3 down"}]
    links = run_scenario(parse_scenario(doc))["results"][2]["nodes"]["pve1"]["links"]
    # every nodelist node has a row, running or not
    assert links == {
        "pve1": {"0": "localhost", "1": "localhost"},
        "pve2": {"0": "connected", "1": "connected"},
        "pve3": {"0": "disconnected", "1": "disconnected"},
    }


def test_partition_cuts_every_link_and_link_down_survives_heal() -> None:
    sim = Simulator(simple_cluster(3), links=parse_scenario(_base()).link_settings)
    sim.start(["pve1", "pve2", "pve3"])
    sim.link_down("pve1", 0)
    sim.partition([["pve1"], ["pve2", "pve3"]])
    assert sim.partitions() == [("pve1",), ("pve2", "pve3")]
    assert not sim.flows("pve1", "pve2", 1)
    sim.heal()
    assert sim.partitions() == [("pve1", "pve2", "pve3")]
    assert not sim.flows("pve1", "pve2", 0) and sim.flows("pve1", "pve2", 1)


NAMES = ["pve1", "pve2", "pve3", "pve4"]


@settings(max_examples=60, deadline=None)
@given(
    links=st.integers(min_value=2, max_value=4),
    downs=st.lists(
        st.tuples(st.sampled_from(NAMES), st.integers(min_value=0, max_value=3)), max_size=10
    ),
)
def test_link_downs_that_leave_a_working_link_never_change_membership(
    links: int, downs: list[tuple[str, int]]
) -> None:
    doc = _base()
    doc["cluster"]["nodes"].append({"name": "pve4", "nodeid": 4, "votes": 1})
    doc["cluster"]["links"] = links
    scenario = parse_scenario(doc)
    sim = Simulator(scenario.cluster, links=scenario.link_settings)
    sim.start(NAMES)
    before = sim.observe()
    detached: set[tuple[str, int]] = set()
    for name, link in downs:
        link %= links
        wanted = detached | {(name, link)}
        # a pair keeps a link when neither end is detached on it
        keeps = all(
            any((a, k) not in wanted and (b, k) not in wanted for k in range(links))
            for i, a in enumerate(NAMES)
            for b in NAMES[i + 1 :]
        )
        if not keeps:
            continue
        detached = wanted
        sim.link_down(name, link)
        after = sim.observe()
        assert [(n.name, n.members, n.quorate, n.total_votes) for n in after.nodes] == [
            (n.name, n.members, n.quorate, n.total_votes) for n in before.nodes
        ]


def _doc_link_scenarios() -> list[dict[str, Any]]:
    text = (PROJECT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"^```json[ \t]*\n(.*?)^```[ \t]*$", text, re.M | re.S):
        try:
            doc = json.loads(block)
        except json.JSONDecodeError:
            continue
        if isinstance(doc, dict) and "steps" in doc and "links" in doc.get("cluster", {}):
            out.append(doc)
    return out


def test_the_documents_links_scenarios_load_and_run() -> None:
    scenarios = _doc_link_scenarios()
    assert scenarios
    for doc in scenarios:
        scenario = parse_scenario(doc, "docs/scenario-format.md")
        assert len(run_scenario(scenario)["results"]) == len(doc["steps"])
