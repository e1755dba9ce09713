"""Config files: corosync.conf (PVE 4+) and cluster.conf (PVE 2.x/3.x), lossless.

`load_config` reads a file or text, detects the format from the content, and returns the
lossless document with its `Cluster` view.  Edits live in `conf.edits`, findings in
`conf.validate`, the atomic write in `conf.atomic`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pvequorum.conf import clusterconf, corosync
from pvequorum.conf.corosync import ConfigParseError
from pvequorum.errors import InputError
from pvequorum.model import Cluster

__all__ = ["ConfigParseError", "LoadedConfig", "load_config", "parse_config", "read_text"]


@dataclass(frozen=True)
class LoadedConfig:
    kind: str  # "corosync" or "cman"
    document: corosync.CorosyncConf | clusterconf.ClusterConf
    cluster: Cluster
    text: str
    source: str


def read_text(path: str | Path) -> str:
    """Read a config file as text, keeping CRLF; errors name the file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", str(path)) from None
    if b"\x00" in data:
        raise InputError("binary data, not a config file", str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", str(path)) from None


def kind_of(text: str) -> str:
    """cluster.conf is XML (reference 8.1); anything else is corosync.conf."""
    return "cman" if text.lstrip().startswith("<") else "corosync"


def load_config(text: str, source: str = "<config>") -> LoadedConfig:
    """Parse config text of either format into its document and `Cluster`."""
    if not text.strip():
        raise InputError("empty file", source)
    if kind_of(text) == "cman":
        doc = clusterconf.parse(text, source)
        return LoadedConfig("cman", doc, clusterconf.to_cluster(doc), text, source)
    cdoc = corosync.parse(text, source)
    return LoadedConfig("corosync", cdoc, corosync.to_cluster(cdoc), text, source)


def load_config_file(path: str | Path) -> LoadedConfig:
    return load_config(read_text(path), str(path))


def parse_config(text: str, where: str | None = None) -> Cluster:
    """The `Cluster` of a config text (either format)."""
    return load_config(text, where or "<config>").cluster
