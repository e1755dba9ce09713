"""Reading and writing evidence bundles on disk (an edge; the format is docs/bundle-format.md).

Reading is bounded and never follows a symbolic link: a bundle comes from another machine
(or a ticket), so it is data, and a link in it could point at any file of this one.  A
file that cannot be used becomes a `Problem` naming it; the rest is read.  Writing puts
each file in place through a temporary file and a rename, so a bundle never holds a half
written file.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from pvequorum import bundle
from pvequorum.cvalues import printable
from pvequorum.errors import InputError
from pvequorum.model import is_hostname
from pvequorum.nodeevidence import Bundle, NodeEvidence, Problem, read_node

MAX_NODE_FOLDERS = 64
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_JOURNAL_BYTES = 64 * 1024 * 1024
PVEREPORT = "pvereport.txt"


def _read(path: Path, shown: str, limit: int) -> str:
    """The text of a regular file, no link followed; InputError when it cannot be used."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        reason = "a symbolic link: not followed" if path.is_symlink() else exc.strerror
        raise InputError(f"cannot read: {reason}", shown) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("not a regular file", shown)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", shown) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(f"larger than {limit} bytes: not read", shown)
    if b"\x00" in data:
        raise InputError("holds a NUL byte: binary data, not text", shown)
    return data.decode("utf-8", "replace")


def _folder_texts(
    folder: Path, shown: str, problems: list[Problem]
) -> tuple[dict[str, str], frozenset[str]]:
    """The folder's bundle files, and the names filled from its pvereport.txt."""
    texts: dict[str, str] = {}
    for name in (*bundle.FILES, PVEREPORT):
        path = folder / name
        if not os.path.lexists(path):
            continue
        limit = MAX_JOURNAL_BYTES if name in (bundle.JOURNAL, PVEREPORT) else MAX_FILE_BYTES
        try:
            texts[name] = _read(path, f"{shown}/{name}", limit)
        except InputError as exc:
            problems.append(Problem(f"{shown}/{name}", None, exc.problem))
    derived: set[str] = set()
    if PVEREPORT in texts:
        _, found = bundle.split_pvereport(texts.pop(PVEREPORT))
        for name, text in found.items():
            if name not in texts:
                texts[name] = text
                derived.add(name)
    return texts, frozenset(derived)


def read_bundle(path: str | Path) -> Bundle:
    """The bundle at `path`: a directory of node folders, or one `pvereport` text file.

    InputError (exit 2) only when nothing usable is there."""
    root = Path(path)
    shown = str(path)
    problems: list[Problem] = []
    nodes: list[NodeEvidence] = []
    if root.is_file() and not root.is_symlink():
        text = _read(root, shown, MAX_JOURNAL_BYTES)
        if not bundle.looks_like_pvereport(text):
            raise InputError("neither a bundle directory nor a pvereport text", shown)
        host, texts = bundle.split_pvereport(text)
        name = host or root.stem
        if not is_hostname(name):
            raise InputError("a pvereport without a host name", shown)
        nodes.append(read_node(name, name, texts, problems, report=shown, derived=frozenset(texts)))
        return _checked(Bundle(shown, tuple(nodes), tuple(problems)))
    if not root.is_dir() or root.is_symlink():
        raise InputError("not a bundle directory (nor a pvereport file)", shown)
    try:
        entries = sorted(root.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    except OSError as exc:
        raise InputError(f"cannot list: {exc.strerror or exc}", shown) from None
    for entry in entries:
        if entry.is_symlink():
            problems.append(Problem(printable(entry.name), None, "a symbolic link: not followed"))
        elif entry.is_dir():
            if not is_hostname(entry.name):
                problems.append(
                    Problem(printable(entry.name), None, "not a node folder (not a host name)")
                )
            elif len(nodes) >= MAX_NODE_FOLDERS:
                problems.append(
                    Problem(printable(entry.name), None, f"more than {MAX_NODE_FOLDERS} nodes")
                )
            else:
                texts, derived = _folder_texts(entry, entry.name, problems)
                if texts:
                    report = f"{entry.name}/{PVEREPORT}" if derived else None
                    nodes.append(
                        read_node(
                            entry.name, entry.name, texts, problems, report=report, derived=derived
                        )
                    )
                else:
                    problems.append(
                        Problem(printable(entry.name), None, "holds none of the bundle's files")
                    )
        elif entry.suffix == ".txt" and len(nodes) < MAX_NODE_FOLDERS:
            _top_level_report(entry, nodes, problems)
    return _checked(Bundle(shown, tuple(nodes), tuple(problems)))


def _top_level_report(entry: Path, nodes: list[NodeEvidence], problems: list[Problem]) -> None:
    """A pvereport text dropped next to the node folders: a partial bundle for its node."""
    try:
        text = _read(entry, entry.name, MAX_JOURNAL_BYTES)
    except InputError as exc:
        problems.append(Problem(printable(entry.name), None, exc.problem))
        return
    if not bundle.looks_like_pvereport(text):
        problems.append(Problem(printable(entry.name), None, "not a pvereport text: not used"))
        return
    host, texts = bundle.split_pvereport(text)
    if host is None or any(n.name.lower() == host.lower() for n in nodes):
        problems.append(
            Problem(printable(entry.name), None, "no host name, or its node has a folder")
        )
        return
    nodes.append(
        read_node(host, host, texts, problems, report=entry.name, derived=frozenset(texts))
    )


def _checked(found: Bundle) -> Bundle:
    usable = [n for n in found.nodes if n.usable]
    if not usable:
        first = found.problems[0].where() + ": " + found.problems[0].text if found.problems else ""
        raise InputError(
            "nothing usable: no node folder with bundle files" + (f" ({first})" if first else ""),
            found.path,
        )
    return found


def write_file(path: Path, text: str) -> None:
    """`text` into `path` through a temporary file and a rename."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8", errors="replace")
    os.replace(temporary, path)


def write_node(root: Path, collected: bundle.Collected, outputs: dict[str, str]) -> Path:
    """One node's folder: each command's output under its file name, then collected.json."""
    if not is_hostname(collected.node):
        raise InputError(f"{collected.node!r} is not a host name", "node")
    folder = root / collected.node
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in outputs.items():
        if name not in bundle.FILES or name == bundle.COLLECTED:
            raise InputError(f"{name!r} is not a bundle file", str(folder))
        write_file(folder / name, text)
    write_file(folder / bundle.COLLECTED, json.dumps(collected.to_dict(), indent=2) + "\n")
    return folder
