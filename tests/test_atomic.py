"""`conf.atomic.write_atomic` against hostile targets: devices, FIFOs, directories, symlinks,
and the mode and owner of the file it replaces."""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from prereq import require

from pvequorum.conf.atomic import write_atomic
from pvequorum.errors import InputError


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail instead of hanging: opening a FIFO blocks until a writer comes."""

    def expired(*_: object) -> None:
        raise TimeoutError("write_atomic blocked")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_fifo_is_refused_without_opening_it(tmp_path: Path, deadline: None) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"fifo: not a regular file \(a FIFO\)"):
        write_atomic(fifo, "new\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_dev_null_is_refused_and_stays_a_device() -> None:
    with pytest.raises(InputError, match=r"/dev/null: not a regular file \(a character device\)"):
        write_atomic("/dev/null", "new\n")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    assert not Path("/dev/null.bak").exists()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "dir"
    target.mkdir()
    with pytest.raises(InputError, match=r"not a regular file \(a directory\)"):
        write_atomic(target, "new\n")
    assert target.is_dir() and list(target.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]


def test_a_symlink_is_followed(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "corosync.conf"
    real.write_text("old\n")
    link = tmp_path / "link.conf"
    link.symlink_to(real)
    backup = write_atomic(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new\n"
    assert backup == real_dir / "corosync.conf.bak" and backup.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.conf", "real"]


def test_a_chain_of_relative_symlinks_is_followed(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("old\n")
    (tmp_path / "one").symlink_to("file")
    (tmp_path / "two").symlink_to("one")
    write_atomic(tmp_path / "two", "new\n")
    assert (tmp_path / "file").read_text() == "new\n" and (tmp_path / "two").is_symlink()
    assert (tmp_path / "file.bak").read_text() == "old\n"


def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.conf"
    link.symlink_to("/dev/null")
    with pytest.raises(InputError, match="not a regular file"):
        write_atomic(link, "new\n")
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.conf"
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(InputError, match="dangling symlink"):
        write_atomic(link, "new\n")
    assert link.is_symlink() and not (tmp_path / "missing").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.conf"]


def test_mode_is_kept_by_the_file_and_its_backup(tmp_path: Path) -> None:
    target = tmp_path / "corosync.conf"
    target.write_text("old\n")
    target.chmod(0o640)
    backup = write_atomic(target, "new\n")
    assert backup is not None
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert stat.S_IMODE(backup.stat().st_mode) == 0o640


def test_owner_is_kept_by_the_file_and_its_backup(tmp_path: Path) -> None:
    require(os.geteuid() == 0, "giving a file to another owner needs root")
    target = tmp_path / "corosync.conf"
    target.write_text("old\n")
    target.chmod(0o640)
    os.chown(target, 1234, 1234)
    backup = write_atomic(target, "new\n")
    assert backup is not None and target.read_text() == "new\n"
    for path in (target, backup):
        info = path.stat()
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 1234, 0o640)


def test_an_owner_that_cannot_be_kept_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the right to chown, a rename would hand the file to whoever ran the edit."""
    target = tmp_path / "corosync.conf"
    target.write_text("old\n")
    real_stat = os.stat

    def foreign_owner(path: object, *args: object, **kwargs: object) -> os.stat_result:
        info = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        if Path(str(path)) != target:
            return info
        fields = list(info)
        fields[stat.ST_UID], fields[stat.ST_GID] = info.st_uid + 1234, info.st_gid + 1234
        return os.stat_result(fields)

    def refuse(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "stat", foreign_owner)
    monkeypatch.setattr(os, "fchown", refuse)
    with pytest.raises(InputError, match="cannot keep its owner"):
        write_atomic(target, "new\n")
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corosync.conf"]


def test_an_unchanged_owner_needs_no_chown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "corosync.conf"
    target.write_text("old\n")

    def refuse(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refuse)
    assert write_atomic(target, "new\n") == tmp_path / "corosync.conf.bak"
    assert target.read_text() == "new\n"


def test_a_new_file_and_surrogate_escapes_still_work(tmp_path: Path) -> None:
    target = tmp_path / "new.conf"
    assert write_atomic(target, "caf\udce9\n") is None
    assert target.read_bytes() == b"caf\xe9\n"
