"""How a lab's answers reach its checks, and what happens when an answer cell fails.

A lab asks in one cell (`answer_quorum = ...`, the learner replaces the `...`) and checks in a
later one (`print(check_quorum(answer_quorum))`): the answer reaches the check as a plain
function argument, a global of the notebook.  So a check cannot see an answer whose cell
failed: `answer_quorum = viele` raises NameError in the answer cell, `answer_quorum` keeps
its old `...`, and the check would say "not yet answered".

`install()` fixes that at the one place where the error is raised: the kernel.  It registers
an IPython handler for NameError that acts only when the undefined name is used directly in
the right-hand side of a top-level assignment to a name starting with `answer`, in the cell
itself (not in a function it calls, not in an imported module).  Then it records the answer as
`UndefinedName("viele")`, so the check says "`viele` is not defined: write a number such as
3", and shows the usual traceback with a note: the cell still fails, nothing is hidden.
Every other NameError gets IPython's usual traceback and nothing else.

`pvequorum.checks` calls `install()` when it is imported inside a running IPython kernel
(a lab's first cell); outside IPython it does nothing, and IPython is never imported here.
"""

from __future__ import annotations

import ast
import linecache
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

ANSWER_PREFIX = "answer"


@dataclass(frozen=True)
class UndefinedName:
    """The answer of a cell that failed because its expression used an undefined name."""

    name: str

    def __repr__(self) -> str:
        return f"<answer not set: {self.name!r} is not defined>"


def answer_target(source: str, lineno: int, undefined: str) -> str | None:
    """The answer variable assigned by the statement at `lineno` of a cell's `source`, if
    that statement is `answer... = <expression using undefined>`; None otherwise."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for statement in tree.body:
        end = statement.end_lineno or statement.lineno
        if not statement.lineno <= lineno <= end:
            continue
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            return None
        target = statement.targets[0]
        if not isinstance(target, ast.Name) or not target.id.startswith(ANSWER_PREFIX):
            return None
        used = {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
        return target.id if undefined in used else None
    return None


def _innermost(tb: TracebackType | None) -> TracebackType | None:
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def failed_answer(
    value: BaseException, tb: TracebackType | None, user_ns: dict[str, Any]
) -> tuple[str, str] | None:
    """(answer variable, undefined name) when `value` is a NameError raised by an answer
    cell's own expression, else None."""
    name = getattr(value, "name", None)
    last = _innermost(tb)
    if not isinstance(value, NameError) or not isinstance(name, str) or last is None:
        return None
    frame = last.tb_frame
    # the cell's own top-level code runs in the notebook's namespace; a function or an
    # imported module that raised has a frame of its own
    if frame.f_code.co_name != "<module>" or frame.f_globals is not user_ns:
        return None
    source = "".join(linecache.getlines(frame.f_code.co_filename))
    target = answer_target(source, last.tb_lineno, name)
    return None if target is None else (target, name)


def _handler(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> None:
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
    found = failed_answer(value, tb, shell.user_ns)
    if found is None:
        return
    target, name = found
    shell.user_ns[target] = UndefinedName(name)
    print(
        f"`{name}` is not defined, so {target} is not set. "
        "Run the check below: it says what kind of answer it expects."
    )


_handler.pvequorum_answers = True  # type: ignore[attr-defined]


def install(shell: Any = None) -> bool:
    """Register the answer handler in `shell` (default: the running IPython shell).

    Returns True when it is installed (now or before); False outside IPython, or when the
    shell already has another custom exception handler, which it leaves alone.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        if ipython is None:
            return False
        shell = ipython.get_ipython()
        if shell is None:
            return False
    if getattr(getattr(shell, "pvequorum_answer_handler", None), "pvequorum_answers", False):
        return True
    if tuple(getattr(shell, "custom_exceptions", ())):
        return False
    shell.set_custom_exc((NameError,), _handler)
    shell.pvequorum_answer_handler = _handler
    return True
