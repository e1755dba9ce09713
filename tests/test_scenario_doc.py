"""docs/scenario-format.md, the project's copy of the scenario contract, stays true to the kit.

Every ```json block parses; every complete base-format scenario in it loads and runs on the
simulator; an observations example matches what the simulator prints for its scenario; and
every step kind, observation field and flag word the code knows is named in the document.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from paths import PROJECT

from pvequorum.model import (
    QDEVICE_ALGORITHMS,
    QDEVICE_MODELS,
    QUORUM_KEYS,
    STACKS,
    TOTEM_KEYS,
)
from pvequorum.scenario import (
    OBSERVATIONS_FORMAT,
    SCENARIO_FORMAT,
    STEP_KINDS,
    parse_scenario,
)
from pvequorum.simulator import run_scenario
from pvequorum.votequorum import FLAG_ORDER

DOC = PROJECT / "docs" / "scenario-format.md"
TEXT = DOC.read_text(encoding="utf-8") if DOC.exists() else ""

# The extensions' vocabulary (the QDevice and links sections of the contract).  A scenario
# that uses any of it is not a base-format scenario (the links extension is checked in
# tests/test_simulator_links.py; the QDevice steps are not loaded yet).
EXTENSION_STEPS = frozenset(
    {
        "start-corosync",
        "qdevice-start",
        "qdevice-stop",
        "qdevice-kill",
        "qnetd",
        "isolate-qdevice",
        "rejoin-qdevice",
        "await",
        "link-down",
        "link-up",
        "link-cut",
        "link-uncut",
        "netem",
    }
)
EXTENSION_CLUSTER_KEYS = frozenset({"links", "link_priority"})
EXTENSION_TOTEM_KEYS = frozenset({"link_mode"})

_JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _json_blocks() -> list[tuple[int, str]]:
    """(line number of the opening fence, block text) for every ```json block."""
    return [
        (TEXT.count("\n", 0, match.start()) + 1, match.group(1))
        for match in _JSON_BLOCK.finditer(TEXT)
    ]


BLOCKS = _json_blocks()


def _decoded() -> list[tuple[int, Any]]:
    out = []
    for line, text in BLOCKS:
        try:
            out.append((line, json.loads(text)))
        except json.JSONDecodeError:
            continue  # reported by test_every_json_block_parses
    return out


def _has_key(value: object, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(_has_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(_has_key(v, key) for v in value)
    return False


def _uses_extension(doc: dict[str, Any]) -> bool:
    cluster = doc.get("cluster")
    if isinstance(cluster, dict):
        if EXTENSION_CLUSTER_KEYS & set(cluster):
            return True
        totem = cluster.get("totem")
        if isinstance(totem, dict) and EXTENSION_TOTEM_KEYS & set(totem):
            return True
    steps = doc.get("steps")
    if isinstance(steps, list):
        for step in steps:
            if isinstance(step, dict) and EXTENSION_STEPS & set(step):
                return True
    return _has_key(doc, "nondeterministic")


def _is_scenario(doc: object) -> bool:
    return isinstance(doc, dict) and "cluster" in doc and "steps" in doc


BASE_SCENARIOS = [
    (line, doc) for line, doc in _decoded() if _is_scenario(doc) and not _uses_extension(doc)
]
OBSERVATION_EXAMPLES = [
    (line, doc)
    for line, doc in _decoded()
    if isinstance(doc, dict) and doc.get("format") == OBSERVATIONS_FORMAT
]


def _line_id(item: tuple[int, object]) -> str:
    return f"line{item[0]}"


def test_the_document_exists_and_has_examples() -> None:
    assert DOC.exists(), DOC
    assert BLOCKS, "no ```json block in docs/scenario-format.md"
    assert BASE_SCENARIOS, "no complete base-format scenario in docs/scenario-format.md"


@pytest.mark.parametrize(("line", "text"), BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_every_json_block_parses(line: int, text: str) -> None:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        pytest.fail(f"docs/scenario-format.md: the json block at line {line}: {exc}")


@pytest.mark.parametrize("item", BASE_SCENARIOS, ids=_line_id)
def test_base_scenarios_load_and_run_on_the_simulator(item: tuple[int, dict[str, Any]]) -> None:
    line, doc = item
    scenario = parse_scenario(doc, f"docs/scenario-format.md: line {line}")
    observations = run_scenario(scenario)
    assert observations["format"] == OBSERVATIONS_FORMAT
    assert observations["engine"] == "simulator"
    assert observations["scenario"] == doc["name"]
    assert len(observations["results"]) == len(doc["steps"])


@pytest.mark.parametrize("item", OBSERVATION_EXAMPLES, ids=_line_id)
def test_simulator_observation_examples_are_what_the_simulator_prints(
    item: tuple[int, dict[str, Any]],
) -> None:
    line, example = item
    if example.get("engine") != "simulator":
        pytest.skip("not a simulator example")
    scenarios = [doc for _, doc in BASE_SCENARIOS if doc.get("name") == example["scenario"]]
    assert scenarios, f"line {line}: no scenario named {example['scenario']!r} in the document"
    observations = run_scenario(parse_scenario(scenarios[0], "docs/scenario-format.md"))
    assert example == observations, f"docs/scenario-format.md line {line}"


def _mentioned(name: str) -> bool:
    return f"`{name}`" in TEXT or f'"{name}"' in TEXT


def _probe(stack: str, quorum: dict[str, Any]) -> dict[str, Any]:
    """Observations of a three-node split with `expected 1` on the lone node."""
    return run_scenario(
        parse_scenario(
            {
                "format": SCENARIO_FORMAT,
                "name": "probe",
                "stack": stack,
                "cluster": {
                    "name": "lab",
                    "nodes": [{"name": f"pve{i}", "nodeid": i} for i in (1, 2, 3)],
                    "quorum": quorum,
                },
                "steps": [
                    {"start": ["pve1", "pve2", "pve3"]},
                    {"observe": "all up"},
                    {"partition": [["pve1"], ["pve2", "pve3"]]},
                    {"expected": {"node": "pve1", "votes": 1}},
                    {"observe": "both sides quorate"},
                ],
            }
        )
    )


def _observation_names() -> set[str]:
    """Document keys, result keys, per-node fields and flag words the simulator prints."""
    names: set[str] = set()
    for observations in (
        _probe("corosync", {"wait_for_all": 1, "last_man_standing": 1, "auto_tie_breaker": 1}),
        _probe("corosync", {}),
        _probe("cman", {}),
    ):
        names.update(observations)
        for result in observations["results"]:
            names.update(result)
            for view in result.get("nodes", {}).values():
                names.update(view)
                names.update(view["flags"])
    return names


def test_the_probe_sees_every_result_kind() -> None:
    names = _observation_names()
    assert {"nodes", "accepted", "split_brain", "quorate", "members"} <= names


def test_every_step_kind_of_the_loader_is_documented() -> None:
    missing = [kind for kind in STEP_KINDS if not _mentioned(kind)]
    assert not missing, f"docs/scenario-format.md does not name step kind(s) {missing}"


def test_every_observation_field_is_documented() -> None:
    missing = sorted(name for name in _observation_names() if not _mentioned(name))
    assert not missing, f"docs/scenario-format.md does not name observation field(s) {missing}"


def test_every_flag_word_and_cluster_key_is_documented() -> None:
    names = [
        *FLAG_ORDER,
        *QUORUM_KEYS,
        *TOTEM_KEYS,
        *STACKS,
        *QDEVICE_MODELS,
        *QDEVICE_ALGORITHMS,
        SCENARIO_FORMAT,
        OBSERVATIONS_FORMAT,
    ]
    missing = [name for name in names if not _mentioned(name)]
    assert not missing, f"docs/scenario-format.md does not name {missing}"
