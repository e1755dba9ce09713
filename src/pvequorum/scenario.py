"""Load, validate and dump scenarios and observations (`shared/scenario-format.md`, version 1).

The format is a public contract between the simulator, the real-corosync lab, tests and
notebooks.  An invalid scenario is rejected before anything runs, with one message that
names the file, the step index and the problem (`ScenarioError`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError

SCENARIO_FORMAT = "pvequorum-scenario/1"
OBSERVATIONS_FORMAT = "pvequorum-observations/1"
STEP_KINDS = ("start", "stop", "crash", "partition", "heal", "expected", "wait", "observe")
MEMBERSHIP_KINDS = frozenset({"start", "stop", "crash", "partition", "heal"})


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

    def to_dict(self) -> dict[str, Any]:
        if self.kind in ("start", "stop", "crash"):
            return {self.kind: list(self.nodes)}
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
class Scenario:
    name: str
    cluster: Cluster
    steps: tuple[Step, ...]
    description: str | None = None

    @property
    def stack(self) -> str:
        return self.cluster.stack


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _name_list(value: object, where: str, known: set[str], what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"{what} needs a non-empty list of node names, got {value!r}", where)
    names: list[str] = []
    for name in value:
        if not isinstance(name, str):
            raise ScenarioError(f"{what}: node names must be strings, got {name!r}", where)
        if name not in known:
            raise ScenarioError(f"unknown node {name!r} in {what}", where)
        if name in names:
            raise ScenarioError(f"node {name!r} listed twice in {what}", where)
        names.append(name)
    return tuple(names)


def _parse_step(raw: object, where: str, known: set[str]) -> Step:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ScenarioError(f"a step is an object with exactly one key, got {raw!r}", where)
    ((kind, value),) = raw.items()
    if kind not in STEP_KINDS:
        raise ScenarioError(f"unknown step {kind!r} (known: {', '.join(STEP_KINDS)})", where)
    if kind in ("start", "stop", "crash"):
        return Step(kind, nodes=_name_list(value, where, known, kind))
    if kind == "partition":
        if not isinstance(value, list) or not value:
            raise ScenarioError(f"partition needs a list of groups, got {value!r}", where)
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
            raise ScenarioError(f"heal takes true, got {value!r}", where)
        return Step(kind)
    if kind == "expected":
        if not isinstance(value, dict) or set(value) != {"node", "votes"}:
            raise ScenarioError(
                f'expected takes {{"node": NAME, "votes": N}}, got {value!r}', where
            )
        node, votes = value["node"], value["votes"]
        if not isinstance(node, str) or node not in known:
            raise ScenarioError(f"unknown node {node!r} in expected", where)
        if not _is_int(votes) or votes < 1:
            raise ScenarioError(f"expected votes must be a positive integer, got {votes!r}", where)
        return Step(kind, nodes=(node,), votes=votes)
    if kind == "wait":
        if not _is_int(value) or value < 0:
            raise ScenarioError(f"wait takes milliseconds >= 0, got {value!r}", where)
        return Step(kind, ms=value)
    if not isinstance(value, str):
        raise ScenarioError(f"observe takes a label string, got {value!r}", where)
    return Step(kind, label=value)


def _check_running(steps: tuple[Step, ...], source: str) -> None:
    """Reject `expected` on a node that is not running at that point (statically)."""
    running: set[str] = set()
    for i, step in enumerate(steps):
        if step.kind == "start":
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
        raise ScenarioError(f"format must be {SCENARIO_FORMAT!r}, got {fmt!r}", source)
    unknown = set(data) - {"format", "name", "description", "stack", "cluster", "steps"}
    if unknown:
        raise ScenarioError(f"unknown key(s) {', '.join(sorted(unknown))}", source)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"name must be a non-empty string, got {name!r}", source)
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise ScenarioError(f"description must be a string, got {description!r}", source)
    stack = data.get("stack", "corosync")
    try:
        cluster = Cluster.from_dict(data.get("cluster"), stack=stack)  # type: ignore[arg-type]
    except ModelError as exc:
        raise ScenarioError(f"cluster: {exc}", source) from None
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list):
        raise ScenarioError(f"steps must be a list, got {raw_steps!r}", source)
    known = set(cluster.names)
    steps = tuple(_parse_step(raw, f"{source}: step {i}", known) for i, raw in enumerate(raw_steps))
    _check_running(steps, source)
    return Scenario(name=name, cluster=cluster, steps=steps, description=description)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; errors name the file (and step)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", str(path)) from None
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"invalid JSON: {exc.msg}", f"{path}: line {exc.lineno}") from None
    return parse_scenario(data, str(path))


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    out: dict[str, Any] = {"format": SCENARIO_FORMAT, "name": scenario.name}
    if scenario.description is not None:
        out["description"] = scenario.description
    if scenario.cluster.stack != "corosync":
        out["stack"] = scenario.cluster.stack
    out["cluster"] = scenario.cluster.to_dict()
    out["steps"] = [s.to_dict() for s in scenario.steps]
    return out


def dump_json(document: dict[str, Any]) -> str:
    """Stable, diff-friendly JSON text for scenarios and observations."""
    return json.dumps(document, indent=2) + "\n"


def comparable_results(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Results with the simulator-only `split_brain` key removed (scenario format)."""
    return [
        {k: v for k, v in result.items() if k != "split_brain"} for result in document["results"]
    ]


def observations_agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two observation documents agree when their results match entry by entry."""
    return comparable_results(a) == comparable_results(b)


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """A one-paragraph description of the first differing result, or None when they agree."""
    ra, rb = comparable_results(a), comparable_results(b)
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
