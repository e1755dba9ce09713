"""Exception types shared by the kit.

Every error caused by what a user gave us (a file, a scenario, a parameter) is an
`InputError`: the CLI turns it into one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations


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
