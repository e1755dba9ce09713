"""Write the teaching notebooks and the labs' exercise and solution notebooks.  An edge.

    python -m pvequorum.teaching.build            # rebuild every notebook (runs kernels)
    python -m pvequorum.teaching.build --check    # exit 1 if a committed notebook drifted

Sources: `notebooks/source/NN-name.py` -> `notebooks/NN-name.ipynb`, and
`labs/NN-name/lab.py` -> `labs/NN-name/exercise.ipynb` and `solution.ipynb`.  Outputs are
kept only for the cells nbval checks strictly; all others are committed empty, so diffs stay
small and the notebooks carry no stale figures.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

from pvequorum.reference import linkify
from pvequorum.teaching.source import Cell, cells

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass(frozen=True)
class Target:
    source: Path
    notebook: Path
    variant: str


def targets(root: Path) -> Iterator[Target]:
    for source in sorted((root / "notebooks" / "source").glob("[0-9][0-9]-*.py")):
        yield Target(source, root / "notebooks" / f"{source.stem}.ipynb", "notebook")
    for source in sorted((root / "labs").glob("[0-9][0-9]-*/lab.py")):
        for variant in ("exercise", "solution"):
            yield Target(source, source.parent / f"{variant}.ipynb", variant)


def target_cells(target: Target) -> list[Cell]:
    """The notebook's cells; citations in Markdown cells link to the reference pages, as
    seen from the notebook's folder (and to the upstream documents)."""
    found = cells(target.source.read_text(encoding="utf-8"), target.variant, str(target.source))
    root = target.source.parents[2]  # notebooks/source/X.py and labs/NN/lab.py alike
    docs = os.path.relpath(root / "docs" / "reference", target.notebook.parent) + "/"
    return [Cell(c.kind, linkify(c.text, docs)) if c.kind == "markdown" else c for c in found]


def new_notebook(cell_list: list[Cell]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for i, cell in enumerate(cell_list):
        v4 = nbformat.v4
        make = v4.new_markdown_cell if cell.kind == "markdown" else v4.new_code_cell
        nb.cells.append(make(cell.text, id=f"cell-{i:02d}"))
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path) -> None:
    """Run the notebook in a kernel (in place); a cell that raises fails the build."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()


def keep_checked_outputs(nb: nbformat.NotebookNode, cell_list: list[Cell]) -> None:
    for cell, meta in zip(nb.cells, cell_list, strict=True):
        if cell.cell_type != "code":
            continue
        cell.metadata = {}
        if not meta.checked:
            # nbval runs a checked cell only if it has an execution count, so only those
            # keep theirs (deterministic: cells run in order).
            cell.execution_count = None
            cell.outputs = []


def build(target: Target) -> nbformat.NotebookNode:
    cell_list = target_cells(target)
    nb = new_notebook(cell_list)
    if any(c.checked for c in cell_list):
        execute(nb, target.notebook.parent)
    keep_checked_outputs(nb, cell_list)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    return nb


def drift(target: Target) -> str | None:
    """Why the committed notebook differs from its source (None: it does not)."""
    if not target.notebook.exists():
        return f"{target.notebook} is missing"
    committed = nbformat.read(target.notebook, as_version=4)
    want = [(c.kind, c.text) for c in target_cells(target)]
    have = [(c.cell_type, c.source) for c in committed.cells]
    if want != have:
        return f"{target.notebook} differs from {target.source}"
    for cell in committed.cells:
        if cell.cell_type == "code" and cell.outputs and "NBVAL_CHECK_OUTPUT" not in cell.source:
            return f"{target.notebook} has outputs in a cell nbval does not check"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pvequorum.teaching.build")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--check", action="store_true", help="only report drift")
    parser.add_argument("only", nargs="*", help="build only sources whose path contains this")
    args = parser.parse_args(argv)
    problems = []
    for target in targets(args.root):
        if args.only and not any(o in str(target.source) for o in args.only):
            continue
        if args.check:
            problem = drift(target)
            if problem:
                problems.append(problem)
            continue
        nbformat.write(build(target), target.notebook)
        print(f"wrote {target.notebook}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
