"""Run scenarios on the real lab, and compare the lab with the simulator.

The steps go through `engine.run_scenario`, as on the simulator: after every membership
step the lab waits until each group of connected running nodes agrees on its membership
(the scenario format's rule); `wait` sleeps real time.
"""

from __future__ import annotations

from typing import Any

from pvequorum import engine
from pvequorum.errors import InputError
from pvequorum.lab.core import Lab
from pvequorum.scenario import Scenario, first_difference
from pvequorum.simulator import run_scenario


def run_on_lab(scenario: Scenario) -> dict[str, Any]:
    """The observations document of a scenario run on real corosync (`engine: lab`)."""
    if scenario.stack != "corosync":
        raise InputError("the lab runs corosync (PVE 4+); cman scenarios run on the simulator only")
    with Lab(scenario.cluster, links=scenario.link_settings) as lab:
        return engine.run_scenario(scenario, lab)


def compare(scenario: Scenario) -> tuple[bool, str | None, dict[str, Any]]:
    """(agree, first difference, lab observations) for one scenario."""
    lab = run_on_lab(scenario)
    simulated = run_scenario(scenario)
    difference = first_difference(simulated, lab, scenario)
    return difference is None, difference, lab
