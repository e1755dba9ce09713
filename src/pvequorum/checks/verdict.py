"""Verdicts for the labs' self-checks, and the answer types they accept.  PURE.

A wrong answer says what is wrong and gives a hint, never the solution; `...` (Ellipsis)
means "not answered yet"; an answer of the wrong type is "wrong" and names the type it
expected and the one it got ("expected a number, got the text 'zwei'"), never an exception.
An answer cell that failed on an undefined name (`answer = viele`) reaches the check as
`UndefinedName("viele")` (see `pvequorum.checks.answers`), and the check names it.

A *prediction* is an answer written before the cell that runs the experiment.  Its check
gets the run's outcome as `observed`: the verdict compares the prediction with it and
explains the difference.  The run has shown the outcome, so that explanation may name it.
The check still computes the outcome from the library, and says so if the run disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pvequorum.checks.answers import UndefinedName
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


# --- counting words ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """What a number counts, in the singular and the plural, and how a wrong one is off."""

    one: str
    many: str
    few: str = "too few"
    lots: str = "too many"

    def count(self, n: int) -> str:
        return f"{n} {self.one if n == 1 else self.many}"


VOTES = Unit("vote", "votes")
EXPECTED_VOTES = Unit("expected vote", "expected votes")
FAILED_NODES = Unit("failed node", "failed nodes")
MORE_FAILURES = Unit("more failure", "more failures")
QUORATE_PARTITIONS = Unit("quorate partition", "quorate partitions")
SECONDS = Unit("s", "s", "too early", "too late")
MS = Unit("ms", "ms", "too short", "too long")


def _count(n: int, one: str, many: str | None = None) -> str:
    """'1 node', '2 nodes' ('1 failed node(s)' is never printed)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


# --- answer types ------------------------------------------------------------------------------


def _described(answer: object) -> str:
    """What the learner wrote, as the kind of value and the value itself."""
    if isinstance(answer, bool):
        return f"the yes/no value {answer!r}"
    if isinstance(answer, (int, float)):
        return f"the number {_shown(answer)}"
    if isinstance(answer, str):
        return f"the text {_shown(answer)}"
    if answer is None:
        return "None (a cell that assigns the result of print() gets None)"
    for kind, name in ((list, "list"), (tuple, "tuple"), ((set, frozenset), "set"), (dict, "dict")):
        if isinstance(answer, kind):
            return f"the {name} {_shown(answer)}"
    return f"a value of type {type(answer).__name__}"


def _example_number(right: int | None) -> str:
    """A number to show the format with, never the right answer."""
    return "3" if right != 3 else "4"


def _as_int(answer: object, example: str = "3") -> tuple[int | None, str]:
    """A whole number, or None and why not (bools and text are refused, 2.0 is 2)."""
    if isinstance(answer, UndefinedName):
        return None, f"`{answer.name}` is not defined: write a number such as {example}"
    if isinstance(answer, bool):
        return None, f"expected a number, got {_described(answer)}"
    if isinstance(answer, int):
        return answer, ""
    if isinstance(answer, float):
        if answer.is_integer():
            return int(answer), ""
        return None, f"expected a whole number, got {_described(answer)}"
    if isinstance(answer, str) and answer.strip().lstrip("-").isdigit():
        return None, f"expected a number, got {_described(answer)}: write it without quotes"
    return None, f"expected a number, got {_described(answer)}"


def _as_bool(answer: object) -> tuple[bool | None, str]:
    if isinstance(answer, UndefinedName):
        spelled = answer.name.lower() in ("true", "false")
        return None, f"`{answer.name}` is not defined: write True or False" + (
            ", with a capital letter" if spelled else ""
        )
    if isinstance(answer, bool):
        return answer, ""
    if isinstance(answer, str):
        return None, f"expected True or False, got {_described(answer)}: write it without quotes"
    return None, f"expected True or False, got {_described(answer)}"


def _as_text(answer: object) -> tuple[str | None, str]:
    if isinstance(answer, UndefinedName):
        return None, f"`{answer.name}` is not defined: put text in quotes, '{answer.name}'"
    if isinstance(answer, str):
        return " ".join(answer.split()), ""
    return None, f"expected text in quotes, got {_described(answer)}"


def _as_names(answer: object) -> tuple[frozenset[str] | None, str]:
    """A collection of node names (a single name is accepted as a set of one)."""
    if isinstance(answer, UndefinedName):
        return None, f"`{answer.name}` is not defined: put node names in quotes, ['{answer.name}']"
    if isinstance(answer, str):
        return frozenset(answer.replace(",", " ").split()), ""
    if isinstance(answer, (list, tuple, set, frozenset)):
        if all(isinstance(x, str) for x in answer):
            return frozenset(answer), ""
        return None, (
            f"expected node names in quotes, got {_described(answer)}: every entry must be a "
            "name such as 'pve9'"
        )
    return None, f"expected a list of node names such as ['pve9'], got {_described(answer)}"


# --- predictions -------------------------------------------------------------------------------


def _against_run(
    predicted: str,
    observed: str,
    agree: bool,
    *,
    why: str,
    difference: str = "",
    disagreement: str = "",
) -> CheckResult:
    """A prediction compared with the run that followed it."""
    note = f" ({disagreement})" if disagreement else ""
    if agree:
        return _right(f"the run shows {observed}, as you predicted: {why}{note}")
    off = f": {difference}" if difference else ""
    return CheckResult(
        WRONG, f"you predicted {predicted}, but the run shows {observed}{off}. Why: {why}{note}"
    )


def _disagreement(observed: object, right: object, shown: str) -> str:
    if observed == right:
        return ""
    return f"the kit's simulator computes {shown} here: please report the difference"


def _observed_int(observed: object) -> int:
    if isinstance(observed, bool) or not isinstance(observed, int):
        raise TypeError(f"observed must be the whole number the run showed, not {observed!r}")
    return observed


# --- the checks' shapes ------------------------------------------------------------------------


def _off(unit: Unit, value: int, low: bool, too_low: str, too_high: str) -> str:
    """'1 vote is too few: ...', '3 votes is too many: ...'."""
    detail = too_low if low else too_high
    return f"{unit.count(value)} is {unit.few if low else unit.lots}" + (
        f": {detail}" if detail else ""
    )


def _check_number(
    answer: object,
    right: int,
    *,
    unit: Unit,
    right_message: str,
    hint: str,
    too_low: str = "",
    too_high: str = "",
    observed: int | None = None,
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    value, problem = _as_int(answer, _example_number(right))
    if value is None:
        return _wrong(problem, hint)
    if observed is not None:
        seen = _observed_int(observed)
        return _against_run(
            unit.count(value),
            unit.count(seen),
            value == seen,
            why=right_message,
            difference=(too_low if value < seen else too_high),
            disagreement=_disagreement(seen, right, unit.count(right)),
        )
    if value == right:
        return _right(right_message)
    return _wrong(_off(unit, value, value < right, too_low, too_high), hint)


def _check_range(
    answer: object,
    right: tuple[int, int],
    *,
    unit: Unit,
    right_message: str,
    hint: str,
    too_low: str = "",
    too_high: str = "",
    observed: tuple[int, int] | None = None,
) -> CheckResult:
    """A number that is right anywhere in `right` = (lowest, highest), both included."""
    if answer is ...:
        return _not_answered()
    low, high = right
    value, problem = _as_int(answer, str(high + 10))
    if value is None:
        return _wrong(problem, hint)
    if observed is not None:
        seen_low, seen_high = (_observed_int(x) for x in observed)
        shown = f"{seen_low} to {unit.count(seen_high)}"
        note = _disagreement((seen_low, seen_high), right, f"{low} to {unit.count(high)}")
        if seen_low <= value <= seen_high:
            return _right(
                f"the run shows {shown}, and your {unit.count(value)} is in that range: "
                f"{right_message}" + (f" ({note})" if note else "")
            )
        return _against_run(
            unit.count(value),
            shown,
            False,
            why=right_message,
            difference=(too_low if value < seen_low else too_high),
            disagreement=note,
        )
    if low <= value <= high:
        return _right(f"anything from {low} to {unit.count(high)} is right: {right_message}")
    return _wrong(_off(unit, value, value < low, too_low, too_high), hint)


def _check_bool(
    answer: object,
    right: bool,
    *,
    right_message: str,
    wrong_message: str,
    hint: str,
    observed: bool | None = None,
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    value, problem = _as_bool(answer)
    if value is None:
        return _wrong(problem, hint)
    if observed is not None:
        return _against_run(
            repr(value),
            repr(bool(observed)),
            value == bool(observed),
            why=right_message,
            difference=wrong_message,
            disagreement=_disagreement(bool(observed), right, repr(right)),
        )
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
    observed: str | None = None,
) -> CheckResult:
    if answer is ...:
        return _not_answered()
    if isinstance(answer, UndefinedName):
        problem = f"`{answer.name}` is not defined: put the letter in quotes, such as 'x'"
        return _wrong(problem, hint)
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    letter = text.strip().lower().strip("()")
    if letter not in choices:
        return _wrong(f"{_shown(answer)} is not one of the letters {', '.join(choices)}", hint)
    if observed is not None:
        seen = observed.strip().lower()
        return _against_run(
            f"({letter})",
            f"({seen})",
            letter == seen,
            why=right_message,
            difference=why_not.get(letter, "read that choice again"),
            disagreement=_disagreement(seen, right, f"({right})"),
        )
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
