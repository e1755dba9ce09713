"""Generate `notebooks/runbooks/*.ipynb` from one source, so the runbooks never drift.

    python -m pvequorum.runbooks.build        # rewrite the notebooks
A test compares the committed notebooks with this output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from pvequorum.runbooks.core import RUNBOOKS
from pvequorum.runbooks.params import parameters_of

SECTIONS = [
    ("Inputs as understood", "rb.inputs(run)"),
    ("Pre-checks", "rb.prechecks(run)"),
    ("The plan", "rb.plan(run)"),
    ("Apply", "rb.apply(run)"),
    ("Post-checks", "rb.postchecks(run)"),
    ("Rollback", "rb.rollback(run)"),
    ("End", "rb.finish(run)"),
]


def _new_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def notebook_for(name: str) -> nbformat.NotebookNode:
    purpose = RUNBOOKS[name][1]
    nb = _new_notebook()
    cells = [
        nbformat.v4.new_markdown_cell(
            f"## Runbook: {name}\n\n{purpose}\n\nRun it with "
            f"`pvequorum runbook {name} -p KEY VALUE` or "
            f"`papermill notebooks/runbooks/{name}.ipynb out.ipynb -p KEY VALUE`. In plan mode"
            " nothing is changed; the verdict comes first."
        ),
        nbformat.v4.new_code_cell(
            "from pvequorum.runbooks import notebook as rb\n\nrb.before_parameters(globals())"
        ),
        nbformat.v4.new_code_cell(
            "\n".join(f"{p.name} = {p.literal()}  # {p.help}" for p in parameters_of(name)),
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_markdown_cell("## Verdict"),
        nbformat.v4.new_code_cell(f"run = rb.start({name!r}, globals())\nrb.verdict(run)"),
    ]
    for title, call in SECTIONS:
        cells.append(nbformat.v4.new_markdown_cell(f"## {title}"))
        cells.append(nbformat.v4.new_code_cell(call))
    nb.cells = cells
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i}"
    return nb


DIAGNOSE_CALLS = ("dx.picture(run)", "dx.findings(run)", "dx.timeline(run)", "dx.finish(run)")


def diagnose_notebook() -> nbformat.NotebookNode:
    """The `diagnose` runbook: no plan and no GO, a verdict on the evidence.  Its cells
    show their own headings, in the language the run chose (parameter `lang`)."""
    from pvequorum.runbooks import diagnose

    nb = _new_notebook()
    cells = [
        nbformat.v4.new_markdown_cell("## Runbook: diagnose"),
        nbformat.v4.new_code_cell(
            "from pvequorum.runbooks import diagnose as dx\n"
            "from pvequorum.runbooks import notebook as rb\n\nrb.before_parameters(globals())"
        ),
        nbformat.v4.new_code_cell(
            "\n".join(f"{n} = {d!r}  # {h}" for n, d, h in diagnose.PARAMETERS),
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell("run = dx.start(globals())\ndx.verdict(run)"),
        *(nbformat.v4.new_code_cell(call) for call in DIAGNOSE_CALLS),
    ]
    nb.cells = cells
    for i, cell in enumerate(nb.cells):
        cell.id = f"diagnose-{i}"
    return nb


def render(name: str) -> str:
    notebook = diagnose_notebook() if name == "diagnose" else notebook_for(name)
    return nbformat.writes(notebook) + "\n"


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0] if argv else "notebooks/runbooks")
    out.mkdir(parents=True, exist_ok=True)
    for name in (*RUNBOOKS, "diagnose"):
        (out / f"{name}.ipynb").write_text(render(name), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
