"""Percent-format sources -> notebook cells.  PURE.

One source per notebook or lab (the scikit-learn MOOC's rule: a single source of truth).

    # %% [markdown]          a markdown cell; its lines lose the leading "# "
    # %% [markdown] solution  a markdown cell only in the solution (the explanation)
    # %%                     a code cell
    # BEGIN SOLUTION ... # END SOLUTION   code only in the solution
    # EXERCISE: answer = ...              code only in the exercise (without the prefix)

A cell whose code contains `# NBVAL_CHECK_OUTPUT` keeps its committed output, and nbval
compares it strictly: what we teach cannot change without a failing test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pvequorum.errors import InputError

CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
VARIANTS = ("notebook", "exercise", "solution")
_HEADER = re.compile(r"^# %%(?: \[(markdown)\](?: (solution))?)?\s*$")


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    text: str

    @property
    def checked(self) -> bool:
        return self.kind == "code" and CHECK_MARKER in self.text


def _markdown_line(line: str, where: str) -> str:
    if line == "#":
        return ""
    if line.startswith("# "):
        return line[2:]
    if not line.strip():
        return ""
    raise InputError("a markdown cell's lines must start with '# '", where)


def _code_for(lines: list[tuple[int, str]], variant: str, where: str) -> list[str]:
    kept: list[str] = []
    in_solution = False
    for number, line in lines:
        stripped = line.strip()
        if stripped == "# BEGIN SOLUTION":
            if in_solution:
                raise InputError("BEGIN SOLUTION inside a solution block", f"{where}:{number}")
            in_solution = True
        elif stripped == "# END SOLUTION":
            if not in_solution:
                raise InputError("END SOLUTION without BEGIN SOLUTION", f"{where}:{number}")
            in_solution = False
        elif stripped.startswith("# EXERCISE:"):
            if variant == "exercise":
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + stripped[len("# EXERCISE:") :].strip())
        elif not in_solution or variant != "exercise":
            kept.append(line)
    if in_solution:
        raise InputError("BEGIN SOLUTION without END SOLUTION", where)
    return kept


def cells(text: str, variant: str = "notebook", source: str = "<source>") -> list[Cell]:
    """The cells of one variant: "notebook" (no exercise parts), "exercise" or "solution"."""
    if variant not in VARIANTS:
        raise InputError(f"unknown variant {variant!r}", source)
    blocks: list[tuple[str, bool, int, list[tuple[int, str]]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            kind = "markdown" if header.group(1) else "code"
            blocks.append((kind, header.group(2) == "solution", number, []))
        elif line.startswith("# %%"):
            raise InputError(f"unknown cell header {line!r}", f"{source}:{number}")
        elif blocks:
            blocks[-1][3].append((number, line))
        elif line.strip():
            raise InputError("text before the first '# %%' cell header", f"{source}:{number}")
    result = []
    for kind, solution_only, number, lines in blocks:
        where = f"{source}:{number}"
        if solution_only and variant == "exercise":
            continue
        if kind == "markdown":
            body = [_markdown_line(line, f"{source}:{n}") for n, line in lines]
        else:
            body = _code_for(lines, variant, where)
        content = "\n".join(body).strip("\n")
        if content:
            result.append(Cell(kind, content))
    return result
