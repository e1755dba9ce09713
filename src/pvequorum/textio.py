"""Reading what an operator hands over: byte-exact, bounded, one clear line on failure.

Files are read as bytes and decoded without newline translation, so a CRLF config keeps its
CRs and matches its own hash (`Path.read_text` would turn CRLF into LF).  Bytes that are not
UTF-8 survive as surrogate escapes and are written back unchanged.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pvequorum.errors import InputError

MAX_INPUT_BYTES = 4 * 1024 * 1024  # far above any corosync.conf, status or cluster.conf


def read_input(path: str | Path, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """The text of `path`; InputError naming the file when it cannot be used."""
    try:
        # O_NONBLOCK: a FIFO given by mistake must not hang us; fstat tells what it is.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(f"the {what} is not a regular file", str(path))
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", str(path)) from None
    if len(data) > limit:
        raise InputError(f"the {what} is larger than {limit} bytes", str(path))
    if b"\x00" in data:
        raise InputError(f"the {what} holds a NUL byte: binary data, not text", str(path))
    return data.decode("utf-8", "surrogateescape")
