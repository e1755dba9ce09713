"""Numbers as corosync's C code reads them, and values as error messages show them.

corosync (and cman, corosync-qdevice, pmxcfs) turn text into numbers with `strtol`,
`strtoll` and `strtoull`: ASCII digits only, leading C white space (`isspace`: space, tab,
`\\n \\v \\f \\r`) and one sign allowed, and a value beyond the C type is `ERANGE`, a value
it refuses like any other bad one.  Python's `int()` differs in ways a hostile file can
reach: it takes Unicode digits (`int('٣') == 3`, and `'²'.isdigit()` is True although
`int('²')` fails), underscores and trailing blanks, and it raises for literals over 4300
digits.  Every conversion of text in `pvequorum.conf` and `pvequorum.votequorum` goes
through this module instead: only ASCII digits, and never more than `MAX_INT_DIGITS`
significant digits converted.
"""

from __future__ import annotations

import re

MAX_INT_DIGITS = 20
"""Most significant digits ever converted: 2**64 - 1, the largest C value corosync reads
(`totem.config_version`, a uint64), has 20.  A longer literal is out of range for every C
type corosync uses, so it is reported as such without being converted."""

C_SPACE = " \t\n\v\f\r"  # isspace() in the C locale: what strtol() skips before a number
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1  # long and long long on Linux (LP64)
UINT64_MAX = 2**64 - 1

_SIGNED = re.compile(r"[ \t\n\v\f\r]*([+-]?)(?=[0-9])0*([0-9]*)")
_UNSIGNED = re.compile(r"0*([0-9]+)")


def _magnitude(digits: str) -> int | None:
    """The value of ASCII digits without leading zeros; None when longer than MAX_INT_DIGITS."""
    if len(digits) > MAX_INT_DIGITS:
        return None
    return int(digits) if digits else 0


def strtol(text: str, start: int = 0) -> tuple[int, int]:
    """C `strtol(text + start, &end, 10)` on LP64: (value, end index).

    No digits: (0, start), as C sets `end` back to the start.  Out of range: clamped to
    LONG_MIN or LONG_MAX, as C does (with `ERANGE`).
    """
    match = _SIGNED.match(text, start)
    if match is None:
        return 0, start
    magnitude = _magnitude(match.group(2))
    negative = match.group(1) == "-"
    if magnitude is None:
        return (LONG_MIN if negative else LONG_MAX), match.end()
    value = -magnitude if negative else magnitude
    return max(LONG_MIN, min(LONG_MAX, value)), match.end()


def parse_int(value: str) -> int | None:
    """`strtoll(value, &end, 10)` that must consume everything; None when it does not.

    None as well for a literal of more than MAX_INT_DIGITS significant digits: that is
    beyond every C integer type corosync reads (strtoll/strtoull report ERANGE), so no
    caller needs its exact value.  Within that bound the exact value is returned, for the
    caller to check against the range of its C type.
    """
    match = _SIGNED.fullmatch(value)
    if match is None:
        return None
    magnitude = _magnitude(match.group(2))
    if magnitude is None:
        return None
    return -magnitude if match.group(1) == "-" else magnitude


def parse_uint64(value: str) -> int | None:
    """`strtoull(value, &end, 10)` that must consume everything (corosync's `str_to_ull`).

    Like C, a minus sign is accepted and wraps: "-1" reads as 2**64 - 1.  None when the
    text is not a whole number or the magnitude is beyond 2**64 - 1 (`ERANGE`).
    """
    match = _SIGNED.fullmatch(value)
    if match is None:
        return None
    magnitude = _magnitude(match.group(2))
    if magnitude is None or magnitude > UINT64_MAX:
        return None
    return (-magnitude) % 2**64 if match.group(1) == "-" else magnitude


def ascii_uint(text: str) -> int | None:
    """The value of a string of ASCII digits (nothing else, no sign, no blanks), or None;
    None too beyond MAX_INT_DIGITS significant digits."""
    match = _UNSIGNED.fullmatch(text)
    if match is None:
        return None
    return _magnitude(match.group(1))


def is_ascii_int(text: str) -> bool:
    """True for an optional sign and ASCII digits only (of any length)."""
    return re.fullmatch(r"[+-]?[0-9]+", text) is not None


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8, kept as a surrogate escape
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


def printable(text: str, limit: int = 80) -> str:
    """`text` for an error message: control characters, line separators and bytes that are
    not UTF-8 escaped (so that the message stays one line), cut after `limit` characters."""
    shown = _UNPRINTABLE.sub(_escape, text[:limit])
    if len(text) > limit:
        shown += f"... ({len(text)} characters)"
    return shown


def one_line(message: str) -> str:
    """`message` with its control characters, line separators and undecodable bytes escaped
    (nothing cut): what `printable` does to a value, for a whole message."""
    return _UNPRINTABLE.sub(_escape, message) if _UNPRINTABLE.search(message) else message
