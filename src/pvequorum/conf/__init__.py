"""Config files: corosync.conf (PVE 4+) and cluster.conf (PVE 2.x/3.x), lossless.

`load_config` reads a file or text, detects the format from the content (XML is a cman
cluster.conf, reference 8.1; anything else is corosync.conf), and returns the lossless
document with its `Cluster` view.  Edits live in `conf.edits`, findings in
`conf.validate`, the atomic write in `conf.atomic`, Proxmox's own parser in `conf.pve`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pvequorum.conf import clusterconf, corosync
from pvequorum.conf.corosync import ConfigParseError
from pvequorum.errors import InputError
from pvequorum.limits import MAX_CONFIG_BYTES
from pvequorum.model import Cluster

__all__ = [
    "ConfigParseError",
    "LoadedConfig",
    "kind_of",
    "load_config",
    "load_config_file",
    "load_text",
    "parse_config",
    "parse_document",
    "read_text",
]

Document = corosync.CorosyncConf | clusterconf.ClusterConf


@dataclass(frozen=True)
class LoadedConfig:
    """`kind, document, cluster = load_config(...)`; `.view`, `.text`, `.source` as well."""

    kind: str  # "corosync" or "cman"
    document: Any
    cluster: Cluster
    text: str
    source: str
    view: Any

    def __iter__(self) -> Iterator[Any]:
        return iter((self.kind, self.document, self.cluster))


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def read_text(path: str | Path, limit: int = MAX_CONFIG_BYTES) -> str:
    """A config file's text, byte-exact (CRLF kept; bytes that are not UTF-8 are kept as
    surrogate escapes, since corosync itself does not care about the encoding).

    Bounded like `textio.read_input`: only a regular file is read (opened non-blocking, so
    a FIFO cannot hang us; a device such as /dev/zero, a directory or a socket is refused),
    and at most `limit` bytes (`limits.MAX_CONFIG_BYTES`, far above any real config).  A
    NUL byte is a `ConfigParseError` naming its line and column."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            mode = os.fstat(fd).st_mode
            data = None
            if stat.S_ISREG(mode):
                with os.fdopen(fd, "rb", closefd=False) as handle:
                    data = handle.read(limit + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    if data is None:
        kind = next((name for test, name in _KINDS if test(mode)), "not a file")
        raise InputError(f"cannot read: not a regular file ({kind})", str(path))
    if len(data) > limit:
        raise InputError(f"cannot read: larger than {limit} bytes, not a config file", str(path))
    if b"\x00" in data:
        before = data[: data.index(b"\x00")]
        line = before.count(b"\n") + 1
        raise ConfigParseError(
            "binary data (NUL byte), not a config file",
            str(path),
            line,
            len(before) - (before.rfind(b"\n") + 1) + 1,
        )
    return data.decode("utf-8", "surrogateescape")


def kind_of(text: str) -> str:
    """cluster.conf is XML (reference 8.1); anything else is corosync.conf."""
    body = text.lstrip("\ufeff \t\r\n")
    return "cman" if body.startswith("<") else "corosync"


def parse_document(text: str, source: str = "<config>") -> Document:
    """The lossless document of either format; `ConfigParseError` names line and column."""
    if not text.strip():
        raise ConfigParseError("empty file", source, 1)
    if kind_of(text) == "cman":
        return clusterconf.parse(text, source)
    return corosync.parse(text, source)


def _looks_like_path(value: str | Path) -> bool:
    if isinstance(value, Path):
        return True
    if not value or "\n" in value or value.lstrip().startswith("<") or "{" in value:
        return False
    try:
        return Path(value).exists()
    except (OSError, ValueError):  # a name too long for a path, a NUL byte: text, not a path
        return False


def load_config(path_or_text: str | Path, source: str | None = None) -> LoadedConfig:
    """Parse a config file (a `Path`, or a string naming an existing file) or config text.

    Returns `LoadedConfig`, which unpacks as `(kind, document, cluster)`.
    """
    if _looks_like_path(path_or_text):
        return load_text(read_text(path_or_text), source or str(path_or_text))
    return load_text(str(path_or_text), source or "<config>")


def load_text(text: str, source: str = "<config>") -> LoadedConfig:
    """Parse config text (never taken for a file name, unlike `load_config`)."""
    doc = parse_document(text, source)
    if isinstance(doc, clusterconf.ClusterConf):
        cview = clusterconf.view(doc)
        return LoadedConfig("cman", doc, cview.cluster, text, source, cview)
    view = corosync.view(doc)
    return LoadedConfig("corosync", doc, view.cluster, text, source, view)


def load_config_file(path: str | Path) -> LoadedConfig:
    return load_config(Path(path))


def parse_config(text: str, where: str | None = None) -> Cluster:
    """The `Cluster` of a config text (either format)."""
    return load_config(text, where or "<config>").cluster
