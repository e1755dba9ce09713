"""Run scenarios on the real lab, and compare the lab with the simulator.

After every membership step the runner waits until each group of connected running nodes
agrees on its membership (the scenario format's rule); `wait` sleeps real time.
"""

from __future__ import annotations

import time
from typing import Any

from pvequorum.lab.core import Lab
from pvequorum.scenario import MEMBERSHIP_KINDS, OBSERVATIONS_FORMAT, Scenario, first_difference
from pvequorum.simulator import run_scenario


def run_on_lab(scenario: Scenario) -> dict[str, Any]:
    """The observations document of a scenario run on real corosync (`engine: lab`)."""
    if scenario.stack != "corosync":
        from pvequorum.errors import InputError

        raise InputError("the lab runs corosync (PVE 4+); cman scenarios run on the simulator only")
    results: list[dict[str, Any]] = []
    with Lab(scenario.cluster) as lab:
        for step in scenario.steps:
            if step.kind == "start":
                lab.start(list(step.nodes))
            elif step.kind == "stop":
                lab.stop(list(step.nodes))
            elif step.kind == "crash":
                lab.crash(list(step.nodes))
            elif step.kind == "partition":
                lab.partition([list(g) for g in step.groups])
            elif step.kind == "heal":
                lab.heal()
            if step.kind in MEMBERSHIP_KINDS:
                lab.wait_settled()
                results.append({})
            elif step.kind == "expected":
                results.append({"accepted": lab.set_expected(step.nodes[0], step.votes or 0)})
            elif step.kind == "wait":
                time.sleep((step.ms or 0) / 1000)
                results.append({})
            else:
                results.append(lab.observe())
    return {
        "format": OBSERVATIONS_FORMAT,
        "scenario": scenario.name,
        "engine": "lab",
        "results": results,
    }


def compare(scenario: Scenario) -> tuple[bool, str | None, dict[str, Any]]:
    """(agree, first difference, lab observations) for one scenario."""
    lab = run_on_lab(scenario)
    simulated = run_scenario(scenario)
    difference = first_difference(simulated, lab)
    return difference is None, difference, lab
