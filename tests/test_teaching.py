"""Notebook sources: one source of truth per notebook and lab; committed notebooks must match."""

from __future__ import annotations

import pytest
from paths import PROJECT

from pvequorum.errors import InputError
from pvequorum.teaching import build
from pvequorum.teaching.source import cells

LAB = """\
# %% [markdown]
# # A lab
#
# Text.

# %%
from pvequorum import checks

# %%
# BEGIN SOLUTION
answer = 2
# END SOLUTION
# EXERCISE: answer = ...

# %% [markdown] solution
# Why 2: the quorum.
"""


def test_exercise_and_solution_come_from_one_source():
    solution = cells(LAB, "solution")
    exercise = cells(LAB, "exercise")
    assert [c.text for c in solution] == [
        "# A lab\n\nText.",
        "from pvequorum import checks",
        "answer = 2",
        "Why 2: the quorum.",
    ]
    assert [c.text for c in exercise] == [
        "# A lab\n\nText.",
        "from pvequorum import checks",
        "answer = ...",
    ]
    assert [c.kind for c in exercise] == ["markdown", "code", "code"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x = 1\n", "text before the first"),
        ("# %% [raw]\n", "unknown cell header"),
        ("# %% [markdown]\nnot a comment\n", "must start with '# '"),
        ("# %%\n# BEGIN SOLUTION\nx = 1\n", "BEGIN SOLUTION without END SOLUTION"),
        ("# %%\n# END SOLUTION\n", "END SOLUTION without BEGIN"),
    ],
)
def test_malformed_sources_name_the_line(text, problem):
    with pytest.raises(InputError, match=problem) as info:
        cells(text, "solution", "lab.py")
    assert "lab.py" in str(info.value)


def test_check_marker_makes_a_cell_checked():
    checked, plain = cells("# %%\n# NBVAL_CHECK_OUTPUT\nprint(1)\n# %%\nprint(2)\n")
    assert checked.checked and not plain.checked


TARGETS = list(build.targets(PROJECT))


def test_every_notebook_and_lab_has_a_source():
    notebooks = {t.notebook.relative_to(PROJECT).as_posix() for t in TARGETS}
    committed = {
        p.relative_to(PROJECT).as_posix()
        for pattern in ("notebooks/*.ipynb", "labs/*/*.ipynb")
        for p in PROJECT.glob(pattern)
        if p.name != "dashboard.ipynb"
    }
    assert committed <= notebooks
    assert sum(t.variant == "notebook" for t in TARGETS) >= 8
    assert sum(t.variant == "solution" for t in TARGETS) >= 8


@pytest.mark.parametrize(
    "target", TARGETS, ids=lambda t: t.notebook.relative_to(PROJECT).as_posix()
)
def test_committed_notebook_matches_its_source(target):
    """Run `python -m pvequorum.teaching.build` after editing a source."""
    assert build.drift(target) is None


def test_labs_have_a_readme_with_objectives_time_and_prerequisites():
    labs = sorted({t.source.parent for t in TARGETS if t.variant == "solution"})
    for lab in labs:
        readme = (lab / "README.md").read_text(encoding="utf-8").lower()
        for heading in ("objectives", "time", "prerequisites"):
            assert heading in readme, f"{lab.name}/README.md lacks {heading}"
