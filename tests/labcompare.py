"""One scenario on the real lab, compared with its recording and with the simulator."""

from __future__ import annotations

import json
from pathlib import Path

from pvequorum.scenario import first_difference, load_scenario
from pvequorum.simulator import run_scenario


def lab_verdict(path: Path) -> str | None:
    """None when the lab agrees with `NAME.real.json` and the simulator with the lab."""
    from pvequorum.lab.runner import run_on_lab

    scenario = load_scenario(path)
    lab = run_on_lab(scenario)
    recorded = json.loads(path.with_name(path.stem + ".real.json").read_text())
    against_recording = first_difference(lab, recorded, scenario)
    if against_recording is not None:
        return f"lab vs recording: {against_recording}"
    against_simulator = first_difference(run_scenario(scenario), lab, scenario)
    return None if against_simulator is None else f"simulator vs lab: {against_simulator}"
