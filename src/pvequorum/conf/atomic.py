"""Write a file so that it is either the old or the new content, never half of either.

A temporary file in the same directory, fsync, then rename over the target; an existing
target is first kept as `PATH.bak` (itself written to a temporary file and renamed, so a
failure never leaves a torn backup either).  Reference 4.4 keeps `corosync.conf.bak` the
same way, and `pvecm` itself writes `corosync.conf.new` and renames it (reference 4.1).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _write_temp(directory: Path, name: str, data: bytes, mode: int | None) -> str:
    """A fsynced temporary file next to the target; removed again if anything fails."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be synced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str | Path, text: str, backup: bool = True) -> Path | None:
    """Write `text` to `path` atomically; returns the backup path when one was made.

    Text is encoded as UTF-8 with surrogate escapes, so bytes read by `conf.read_text`
    come back unchanged.  The target keeps its permission bits.
    """
    target = Path(path)
    directory = target.parent
    data = text.encode("utf-8", "surrogateescape")
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    backup_path: Path | None = None
    tmp = _write_temp(directory, target.name, data, mode)
    try:
        if backup and target.exists():
            backup_path = target.with_name(target.name + ".bak")
            old = _write_temp(directory, backup_path.name, target.read_bytes(), mode)
            try:
                os.replace(old, backup_path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(old)
                raise
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    return backup_path
