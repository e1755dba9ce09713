"""Write a file so that it is either the old or the new content, never half of either.

A temporary file in the same directory, fsync, then rename over the target; an existing
target is kept as `PATH.bak` first (reference 4.4 keeps `corosync.conf.bak` the same way).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, text: str, *, backup: bool = True) -> Path | None:
    """Write `text` to `path` atomically; returns the backup path when one was made."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    backup_path: Path | None = None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(tmp_name, target.stat().st_mode & 0o7777)
            if backup:
                backup_path = target.with_name(target.name + ".bak")
                with open(target, "rb") as src, open(backup_path, "wb") as dst:
                    dst.write(src.read())
                    dst.flush()
                    os.fsync(dst.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return backup_path
