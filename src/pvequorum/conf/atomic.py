"""Write a file so that it is either the old or the new content, never half of either.

A temporary file in the same directory, fsync, then rename over the target; an existing
target is first kept as `PATH.bak` (itself written to a temporary file and renamed, so a
failure never leaves a torn backup either).  Reference 4.4 keeps `corosync.conf.bak` the
same way, and `pvecm` itself writes `corosync.conf.new` and renames it (reference 4.1).

Only a regular file is ever replaced.  A symlink is followed: the file it points to is
replaced (its `.bak` next to it) and the link stays a link.  Anything else that exists (a
device such as /dev/null, a FIFO, a directory, a socket) and a dangling symlink are refused
before anything is written: a rename would replace the device node itself, and reading a
FIFO for the backup blocks.  The new file and the backup keep the replaced file's
permission bits, owner and group.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from pvequorum.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def target_of(path: str | Path) -> Path:
    """The file a write to `path` replaces: `path` itself, or the file its symlink points to.

    InputError for a dangling symlink and for anything that exists and is not a regular
    file.  Checked with stat, never by opening: opening a FIFO blocks until a writer comes."""
    given = Path(path)
    target = Path(os.path.realpath(given))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        if given.is_symlink():
            raise InputError(
                f"dangling symlink (to {os.readlink(given)}); not creating its target", str(given)
            ) from None
        return target
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
        raise InputError(f"not a regular file ({kind}); nothing written", str(given))
    return target


def _keep_owner(fd: int, like: os.stat_result, where: str) -> None:
    """Give the temporary file the owner and group of the file it replaces.

    Only root can give a file away.  When the owner or group would change and chown is not
    permitted, that is an error: a rename would silently hand the file to whoever ran the
    edit (a non-root user who can write the directory but not be the file's owner).  When
    nothing would change, nothing is asked of chown."""
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) == (like.st_uid, like.st_gid):
        return
    try:
        os.fchown(fd, like.st_uid, like.st_gid)
    except PermissionError:
        raise InputError(
            f"cannot keep its owner {like.st_uid}:{like.st_gid} (chown not permitted; run as "
            "its owner or root); nothing written",
            where,
        ) from None


def _write_temp(
    directory: Path, name: str, data: bytes, like: os.stat_result | None, where: str
) -> str:
    """A fsynced temporary file next to the target, with `like`'s mode and owner when given;
    removed again if anything fails."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if like is not None:
                _keep_owner(handle.fileno(), like, where)  # first: chown may clear set-id bits
                os.fchmod(handle.fileno(), like.st_mode & 0o7777)
            os.fsync(handle.fileno())
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
    come back unchanged.  See the module docstring for what is refused and what is kept.
    """
    where = str(path)
    target = target_of(path)
    directory = target.parent
    data = text.encode("utf-8", "surrogateescape")
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    backup_path: Path | None = None
    tmp = _write_temp(directory, target.name, data, old, where)
    try:
        if backup and old is not None:
            backup_path = target.with_name(target.name + ".bak")
            saved = _write_temp(directory, backup_path.name, target.read_bytes(), old, where)
            try:
                os.replace(saved, backup_path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(saved)
                raise
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    return backup_path
