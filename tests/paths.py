"""Where the tests' data lives: inside the repository, so that a bare clone is complete.

`tests/data/corpus/` holds real config files from public projects, `tests/scenarios/team/`
the team's recordings from real corosync 3.1.7, `tests/scenarios/` the project's own.
"""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "tests" / "data"
CORPUS = DATA / "corpus"
TEAM_SCENARIOS = PROJECT / "tests" / "scenarios" / "team"
