"""Exception types shared by the kit.

Every error caused by what a user gave us (a file, a scenario, a parameter) is an
`InputError`: the CLI turns it into one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class PvequorumError(Exception):
    """Base of all errors the kit raises on purpose."""


class InputError(PvequorumError, ValueError):
    """Bad input.  `where` names the file, line or field; the message names the problem."""

    def __init__(self, message: str, where: str | None = None) -> None:
        self.where = where
        self.problem = message
        super().__init__(f"{where}: {message}" if where else message)


class PrerequisiteError(PvequorumError):
    """Something outside the kit is missing (root, the corosync package, a running lab)."""


class ExitStatus(IntEnum):
    """The exit status of every `pvequorum` command, and of the shell scripts plans print.

    0 done or GO; 1 findings (`config check` found errors) or an unexpected failure of a
    runbook; 2 bad input, nothing executed; 3 NO-GO, a blocked plan, or an apply that
    stopped before its end.
    """

    OK = 0
    FINDINGS = 1
    BAD_INPUT = 2
    NO_GO = 3
