"""Verdicts for the labs' self-checks, and the answer types they accept.  PURE.

A wrong answer says what is wrong and gives a hint, never the solution; `...` (Ellipsis)
means "not answered yet"; an answer of the wrong type is "wrong", never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pvequorum.model import Cluster
from pvequorum.simulator import Simulator

RIGHT = "right"
WRONG = "wrong"
NOT_ANSWERED = "not answered"


@dataclass(frozen=True)
class CheckResult:
    """A verdict: `status` is "right", "wrong" or "not answered"; `message` explains it."""

    status: str
    message: str

    @property
    def right(self) -> bool:
        return self.status == RIGHT

    def __str__(self) -> str:
        if self.status == RIGHT:
            return f"✔ right: {self.message}"
        if self.status == NOT_ANSWERED:
            return f"… not yet answered: {self.message}"
        return f"✘ not yet right: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def _right(message: str) -> CheckResult:
    return CheckResult(RIGHT, message)


def _wrong(what: str, hint: str) -> CheckResult:
    return CheckResult(WRONG, f"{what}. Hint: {hint}")


def _not_answered() -> CheckResult:
    return CheckResult(NOT_ANSWERED, "replace the ... with your answer")


def _shown(answer: object) -> str:
    text = repr(answer)
    return text if len(text) <= 40 else text[:37] + "..."


# --- answer types ------------------------------------------------------------------------------


def _as_int(answer: object) -> tuple[int | None, str]:
    """A whole number, or None and why not (bools and text are refused, 2.0 is 2)."""
    if isinstance(answer, bool):
        return None, f"{answer!r} is a yes/no value, but this question wants a whole number"
    if isinstance(answer, int):
        return answer, ""
    if isinstance(answer, float) and answer.is_integer():
        return int(answer), ""
    if isinstance(answer, str):
        return None, f"{_shown(answer)} is text: write the number without quotes"
    return None, f"{_shown(answer)} is not a whole number"


def _as_bool(answer: object) -> tuple[bool | None, str]:
    if isinstance(answer, bool):
        return answer, ""
    if isinstance(answer, str):
        return None, f"{_shown(answer)} is text: answer True or False, without quotes"
    return None, f"{_shown(answer)} is not True or False"


def _as_text(answer: object) -> tuple[str | None, str]:
    if isinstance(answer, str):
        return " ".join(answer.split()), ""
    return None, f"{_shown(answer)} is not text: put your answer in quotes"


def _as_names(answer: object) -> tuple[frozenset[str] | None, str]:
    """A collection of node names (a single name is accepted as a set of one)."""
    if isinstance(answer, str):
        return frozenset(answer.replace(",", " ").split()), ""
    if isinstance(answer, (list, tuple, set, frozenset)):
        if all(isinstance(x, str) for x in answer):
            return frozenset(answer), ""
        return None, "every entry must be a node name in quotes, e.g. 'pve9'"
    return None, f"{_shown(answer)} is not a list of node names such as ['pve9']"


def _check_number(
    answer: object,
    right: int,
    *,
    unit: str,
    right_message: str,
    hint: str,
    too_low: str = "",
    too_high: str = "",
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    value, problem = _as_int(answer)
    if value is None:
        return _wrong(problem, hint)
    if value == right:
        return _right(right_message)
    if value < right:
        return _wrong(f"{value} {unit} is too few" + (f": {too_low}" if too_low else ""), hint)
    return _wrong(f"{value} {unit} is too many" + (f": {too_high}" if too_high else ""), hint)


def _check_bool(
    answer: object, right: bool, *, right_message: str, wrong_message: str, hint: str
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    value, problem = _as_bool(answer)
    if value is None:
        return _wrong(problem, hint)
    if value == right:
        return _right(right_message)
    return _wrong(wrong_message, hint)


def _check_choice(
    answer: object,
    choices: dict[str, str],
    right: str,
    *,
    right_message: str,
    why_not: dict[str, str],
    hint: str,
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    letter = text.strip().lower().rstrip(")")
    if letter not in choices:
        return _wrong(f"{_shown(answer)} is not one of the letters {', '.join(choices)}", hint)
    if letter == right:
        return _right(right_message)
    return _wrong(f"({letter}) is not it: {why_not.get(letter, 'read that choice again')}", hint)


# --- the simulator, in the situations the labs ask about ---------------------------------------


def _running(cluster: Cluster, start: Iterable[str] | None = None) -> Simulator:
    sim = Simulator(cluster)
    sim.start(cluster.names if start is None else start)
    return sim


def _quorate_partitions(sim: Simulator) -> int:
    views = sim.views()
    return sum(1 for part in sim.partitions() if any(views[n].quorate for n in part))


def _votes(votes: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(v) for v in votes)
