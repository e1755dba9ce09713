"""Where apply mode runs commands (an edge): `local`, `ssh:HOST`, `lab:NODE` / `lab:LAB:NODE`.

Every command of a plan names its host, and an executor runs it only where it says: the
`local` executor reaches exactly the machine it runs on (checked by host name), `ssh:HOST`
reaches hosts over OpenSSH in batch mode with strict host keys, `lab:NODE` the nodes of
one real corosync lab.  A step for a host the executor does not reach is refused
(`Unreachable`), never run somewhere else.

Commands are argv lists, never shell strings built from data.  Files travel as bytes on
standard input, base64 encoded, and are verified by SHA-256 after the write; no
here-document, so no line of a file can end the data and become shell code.

The lab executor runs what `pvecm` itself runs (reference 2.3, 3.3, 5.2): `pvecm qdevice
setup` and `remove` are the lab's own emulation of pvecm's steps on the lab's qnetd host
(which this executor reaches by its address), `pvecm expected N` is
`corosync-quorumtool -e N`, `pvecm status` is the cluster header plus
`corosync-quorumtool -siH`.  A `mv` onto /etc/pve/corosync.conf is followed by what pmxcfs
does (reference 4.3).  The lab has no systemd: `systemctl restart corosync` stops and starts
the node's daemon, `journalctl -b -u corosync` shows the end of its log file, and the
evidence bundle's journal command (`bundle.journal_argv`) shows that file's lines in
journalctl's short-iso form (`lab.journalview`); other journalctl commands are refused.
`cat /etc/corosync/corosync.conf` shows the file the node's corosync reads, and the lab has
no Proxmox VE: `pveversion` and `ha-manager` answer exit 127.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pvequorum.errors import InputError
from pvequorum.model import is_hostname

TIMEOUT_S = 300
EXEC_TIMEOUT_S = 30  # a command inside a lab node (lab.core.Lab.exec's own default)


class Unreachable(InputError):
    """A step names a host this executor does not reach (the executor chosen is wrong)."""


@dataclass(frozen=True)
class Result:
    """What one command did: where, what, its exit status and its output, verbatim."""

    host: str
    shown: str
    returncode: int
    output: str

    def line(self) -> str:
        return f"[{self.host}] $ {self.shown} -> exit {self.returncode}"


# A remote write: data arrives base64 on stdin; the temporary file next to the target is
# checked against the hash before it replaces the target, the old file is kept as .bak,
# and the target is checked again after the rename.  chmod/chown --reference keep mode and
# owner where the file system allows it (pmxcfs has fixed modes and refuses both).
WRITE_SCRIPT = (
    'set -eu; target="$1"; want="$2"; '
    'if [ -L "$target" ]; then target=$(readlink -e -- "$target") || '
    '{ echo "$1: dangling symlink; nothing written" >&2; exit 1; }; fi; '
    'if [ -e "$target" ] && [ ! -f "$target" ]; then '
    'echo "$target: not a regular file; nothing written" >&2; exit 1; fi; '
    'tmp=$(mktemp "$target.XXXXXX"); '
    'trap \'rm -f "$tmp"\' EXIT; base64 -d > "$tmp"; '
    'got=$(sha256sum < "$tmp" | cut -d" " -f1); '
    '[ "$got" = "$want" ] || { echo "written data does not match: $got" >&2; exit 1; }; '
    'sync "$tmp" 2>/dev/null || sync; '
    'if [ -e "$target" ]; then cp -p "$target" "$target.bak"; '
    'chmod --reference="$target" "$tmp" 2>/dev/null || true; '
    'chown --reference="$target" "$tmp" 2>/dev/null || true; fi; '
    'mv "$tmp" "$target"; trap - EXIT; '
    'got=$(sha256sum < "$target" | cut -d" " -f1); '
    '[ "$got" = "$want" ] || { echo "$target does not hold the data: $got" >&2; exit 1; }; '
    'echo "wrote $target (sha256 $want)"'
)


def encode_file(content: str) -> tuple[bytes, str]:
    """The bytes of `content` exactly (surrogate escapes back to their bytes), base64, and
    their SHA-256."""
    data = content.encode("utf-8", "surrogateescape")
    return base64.b64encode(data) + b"\n", hashlib.sha256(data).hexdigest()


class Executor:
    """Runs argv lists on one host; `for_host` gives the executor of another host."""

    label = "executor"
    host = ""

    def run(self, argv: Sequence[str], stdin: bytes | None = None) -> Result:
        raise NotImplementedError

    def reaches(self, host: str) -> bool:
        raise NotImplementedError

    def for_host(self, host: str) -> Executor:
        if not self.reaches(host):
            raise Unreachable(f"the {self.label} executor does not reach {host}")
        return self._other(host)

    def _other(self, host: str) -> Executor:
        return self

    def write_file(self, path: str, content: str) -> Result:
        """The remote twin of `conf.atomic.write_atomic`, verified by hash."""
        data, digest = encode_file(content)
        result = self.run(["sh", "-c", WRITE_SCRIPT, "write", path, digest], stdin=data)
        return Result(
            result.host, f"write {path} (sha256 {digest[:12]})", result.returncode, result.output
        )


def _completed(host: str, shown: str, result: subprocess.CompletedProcess[bytes]) -> Result:
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    return Result(host, shown, result.returncode, output)


def _subprocess(host: str, shown: str, argv: list[str], stdin: bytes | None) -> Result:
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=TIMEOUT_S)
    except FileNotFoundError:
        return Result(host, shown, 127, f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return Result(host, shown, 124, f"timed out after {TIMEOUT_S} s")
    return _completed(host, shown, done)


def this_host() -> str:
    """This machine's short host name, as Proxmox VE names its nodes."""
    return socket.gethostname().split(".")[0]


class LocalExecutor(Executor):
    """This machine only: it refuses steps for any other host."""

    def __init__(self, host: str | None = None) -> None:
        self.host = host or this_host()
        self.label = f"local ({self.host})"

    def reaches(self, host: str) -> bool:
        return host == self.host

    def run(self, argv: Sequence[str], stdin: bytes | None = None) -> Result:
        return _subprocess(self.host, shlex.join(argv), list(argv), stdin)


class SshExecutor(Executor):
    """OpenSSH in batch mode with host key checking on: never a password prompt, never trust."""

    def __init__(self, host: str) -> None:
        if not (is_hostname(host) or re.fullmatch(r"[0-9a-fA-F:.]+", host)):
            raise InputError(
                f"ssh host {host!r} is not a host name or address", "parameter executor"
            )
        self.host = host
        self.label = f"ssh:{host}"

    def reaches(self, host: str) -> bool:
        return bool(is_hostname(host) or re.fullmatch(r"[0-9a-fA-F:.]+", host))

    def _other(self, host: str) -> Executor:
        return self if host == self.host else SshExecutor(host)

    def run(self, argv: Sequence[str], stdin: bytes | None = None) -> Result:
        command = [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "--",
            self.host,
            shlex.join(argv),
        ]
        return _subprocess(self.host, shlex.join(argv), command, stdin)


class LabExecutor(Executor):
    """Inside a node of the real corosync lab (`pvequorum.lab`)."""

    def __init__(self, node: str, lab_name: str | None = None) -> None:
        from pvequorum.lab.core import Lab

        self.lab = Lab.load(lab_name)
        qnetd = self.lab.qnetd_host
        self.on_qnetd_host = qnetd is not None and node == qnetd.address
        if not self.on_qnetd_host:
            self.lab._node(node)  # unknown node: a clear error
        self.host = node
        self.label = f"lab:{self.lab.name}:{node}"

    def reaches(self, host: str) -> bool:
        qnetd = self.lab.qnetd_host
        return host in self.lab.nodes or (qnetd is not None and host == qnetd.address)

    def _other(self, host: str) -> Executor:
        return self if host == self.host else LabExecutor(host, self.lab.name)

    def run(self, argv: Sequence[str], stdin: bytes | None = None) -> Result:
        from pvequorum.lab.core import Lab

        argv = list(argv)
        shown = shlex.join(argv)
        # The state on disk is the truth: another executor (the qnetd host's) may have
        # started a daemon since this one loaded the lab.
        self.lab = Lab.load(self.lab.name)
        if self.on_qnetd_host:
            return self._on_qnetd_host(shown, argv)
        if (
            argv[:3] == ["pvecm", "qdevice", "setup"]
            and len(argv) in (4, 5)
            and argv[4:] in ([], ["--force"])
        ):
            rc, output = self.lab.qdevice_setup(self.host, argv[3], force=len(argv) == 5)
            return Result(self.host, shown, rc, output)
        if argv == ["pvecm", "qdevice", "remove"]:
            return Result(self.host, shown, *self.lab.qdevice_remove(self.host))
        if argv == ["apt", "install", "-y", "corosync-qdevice"]:
            return Result(self.host, shown, 0, "lab: corosync-qdevice is installed here\n")
        if argv[:2] == ["pvecm", "expected"] and len(argv) == 3:
            return self._exec(shown, ["corosync-quorumtool", "-e", argv[2]], stdin)
        if argv[:2] == ["pvecm", "status"]:
            return self._pvecm_status(shown)
        if argv == ["systemctl", "restart", "corosync"]:
            self.lab.stop([self.host])  # waits until the daemon is gone
            self.lab.start([self.host])
            return Result(self.host, shown, 0, f"lab: corosync on {self.host} stopped, started")
        if argv[:4] == ["journalctl", "-b", "-u", "corosync"]:
            return self._journal(shown)
        if argv[:1] == ["journalctl"]:
            return self._journal_since(shown, argv)
        if argv == ["cat", "/etc/corosync/corosync.conf"]:
            # The file the node's corosync reads (`corosync -c`), not the host's.
            return Result(self.host, shown, 0, self.lab.corosync_conf_text(self.host))
        if argv[:1] in (["pveversion"], ["ha-manager"]):
            return Result(
                self.host, shown, 127, f"lab: no Proxmox VE here: {argv[0]} is not installed\n"
            )
        if argv[:1] == ["corosync-qdevice-tool"]:
            return self._qdevice_tool(shown, argv[1:])
        result = self._exec(shown, argv, stdin)
        if argv[:1] == ["mv"] and argv[-1] == "/etc/pve/corosync.conf" and result.returncode == 0:
            self.lab.pmxcfs_sync_corosync_conf(self.host)
        return result

    def _on_qnetd_host(self, shown: str, argv: list[str]) -> Result:
        """The lab's qnetd host runs its package's install and `corosync-qnetd-tool`."""
        from pvequorum.lab import qdevice

        host = self.lab.qnetd_host
        assert host is not None
        if argv == ["apt", "install", "-y", "corosync-qnetd"]:
            return Result(self.host, shown, 0, self.lab.install_qnetd())
        if argv[:1] == ["corosync-qnetd-tool"]:
            output = qdevice.qnetd_tool(host, *argv[1:])
            return Result(self.host, shown, 0 if output is not None else 1, output or "")
        return Result(
            self.host,
            shown,
            127,
            "lab: the qnetd host runs only apt install -y corosync-qnetd and corosync-qnetd-tool\n",
        )

    def _exec(self, shown: str, argv: list[str], stdin: bytes | None) -> Result:
        try:
            done = self.lab.exec(self.host, argv, input=stdin, timeout=EXEC_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            # corosync's tools wait forever while a sync never ends (lab.core._tool).
            return Result(self.host, shown, 124, f"timed out after {EXEC_TIMEOUT_S} s\n")
        return Result(self.host, shown, done.returncode, done.stdout + done.stderr)

    def _journal(self, shown: str) -> Result:
        """The lab's stand-in for `journalctl -b -u corosync`: the end of the node's own
        corosync logfile (`Lab.log_path`) as corosync wrote it."""
        path = self.lab.log_path(self.host)
        if not path.is_file():
            return Result(self.host, shown, 1, f"lab: no corosync log at {path}")
        lines = path.read_text(errors="replace").splitlines()[-200:]
        return Result(self.host, shown, 0, "\n".join(lines) + "\n")

    def _journal_since(self, shown: str, argv: list[str]) -> Result:
        """The bundle's journal command (`bundle.journal_argv(SINCE)`) and no other: the
        node's corosync (and corosync-qdevice) logfile lines since SINCE in journalctl's
        short-iso form (`lab.journalview`: the lab has no systemd journal)."""
        from datetime import datetime

        from pvequorum import bundle
        from pvequorum.lab import journalview

        since = argv[5] if len(argv) > 5 else ""
        try:
            wanted = bundle.journal_argv(since)
        except InputError:
            wanted = ()
        if tuple(argv) != wanted:
            return Result(
                self.host,
                shown,
                1,
                "lab: journalctl answers only `journalctl -b -u corosync` and the bundle's "
                "journal command\n",
            )
        paths = [self.lab.log_path(self.host), self.lab.qdevice_log_path(self.host)]
        logs = [p.read_text(errors="replace") for p in paths if p is not None and p.is_file()]
        try:
            text = journalview.journal(logs, self.host, since, datetime.now().astimezone())
        except ValueError as exc:  # a date that does not exist: journalctl's own words
            return Result(self.host, shown, 1, f"{exc}\n")
        return Result(self.host, shown, 0, text)

    def _qdevice_tool(self, shown: str, args: list[str]) -> Result:
        """The real `corosync-qdevice-tool` against the node's corosync-qdevice (its socket
        under the node's private /run), with the tool's own error when none runs."""
        from pvequorum.lab import qdevice

        node = self.lab._node(self.host)
        done = qdevice.qdevice_tool_run(node.netns, node.directory, *args)
        return Result(self.host, shown, done.returncode, done.stdout + done.stderr)

    def _pvecm_status(self, shown: str) -> Result:
        from pvequorum.conf import corosync as corosync_conf
        from pvequorum.status import pvecm_header

        # pvecm reads its header from /etc/pve/corosync.conf (reference 5.2): the stand-in.
        standin = Path(self.lab._node(self.host).directory) / "pve" / "corosync.conf"
        doc = corosync_conf.parse(standin.read_text())
        version = doc.get("totem.config_version")
        header = pvecm_header(
            cluster_name=doc.get("totem.cluster_name") or "UNKOWN?",
            config_version=int(version) if version and version.isdigit() else None,
            transport=doc.get("totem.transport") or "knet",
            secure_auth=doc.get("totem.secauth") or "off",
        )
        result = self._exec(shown, ["corosync-quorumtool", "-siH"], None)
        return Result(self.host, shown, result.returncode, header + result.output)


def executor_from(spec: str) -> Executor:
    """`local`, `ssh:HOST`, `lab:NODE` or `lab:LAB:NODE`."""
    if spec == "local":
        return LocalExecutor()
    kind, _, rest = spec.partition(":")
    if kind == "ssh" and rest:
        return SshExecutor(rest)
    if kind == "lab" and rest:
        lab, _, node = rest.rpartition(":")
        return LabExecutor(node, lab or None)
    raise InputError(
        f"executor must be local, ssh:HOST or lab:[LAB:]NODE, got {spec!r}", "parameter executor"
    )
