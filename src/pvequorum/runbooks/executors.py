"""Where apply mode runs commands (an edge): `local`, `ssh:HOST`, `lab:NODE` / `lab:LAB:NODE`.

Commands are argv lists, never shell strings.  The lab executor runs what `pvecm` itself
runs (reference 2.3, 5.2): `pvecm expected N` is `corosync-quorumtool -e N`, `pvecm status`
is the cluster header plus `corosync-quorumtool -siH`.  In the lab, a `mv` onto
/etc/pve/corosync.conf is followed by what pmxcfs does (reference 4.3): the file is copied
to every node's corosync.conf when its config_version is not lower, then
`corosync-cfgtool -R` runs on the node that made the change.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from pvequorum.errors import InputError
from pvequorum.model import is_hostname


@dataclass(frozen=True)
class Result:
    returncode: int
    output: str


class Executor:
    """Runs argv lists on one host; `for_host` gives the executor of another host."""

    label = "executor"

    def run(self, argv: Sequence[str]) -> Result:  # pragma: no cover - interface
        raise NotImplementedError

    def write_file(self, path: str, content: str) -> Result:
        """The remote twin of `conf.atomic.write_atomic`: a temporary file next to the target,
        flushed, the old file kept as PATH.bak, then a rename; never a half-written file."""
        script = (
            'set -eu; target="$1"; tmp=$(mktemp "$target.XXXXXX"); '
            'cat > "$tmp"; sync "$tmp" 2>/dev/null || sync; '
            'if [ -e "$target" ]; then cp -p "$target" "$target.bak"; fi; mv "$tmp" "$target"'
        )
        return self.run_with_input(["sh", "-c", script, "write", path], content)

    def run_with_input(self, argv: Sequence[str], stdin: str) -> Result:
        """Run argv with `stdin` fed through a quoted here-document (no expansion)."""
        heredoc = f"{shlex.join(argv)} <<'PVEQUORUM_EOF'\n{stdin}PVEQUORUM_EOF\n"
        return self.run(["sh", "-c", heredoc])

    def for_host(self, host: str) -> Executor:
        return self


def _completed(result: subprocess.CompletedProcess[str]) -> Result:
    return Result(result.returncode, result.stdout + result.stderr)


class LocalExecutor(Executor):
    label = "local"

    def run(self, argv: Sequence[str]) -> Result:
        try:
            return _completed(
                subprocess.run(list(argv), capture_output=True, text=True, timeout=300)
            )
        except FileNotFoundError:
            return Result(127, f"{argv[0]}: command not found")

    def write_file(self, path: str, content: str) -> Result:
        from pvequorum.conf.atomic import write_atomic

        write_atomic(path, content)
        return Result(0, f"wrote {path}")


class SshExecutor(Executor):
    """OpenSSH in batch mode with host key checking on: never a password prompt, never trust."""

    def __init__(self, host: str) -> None:
        if not (is_hostname(host) or re.fullmatch(r"[0-9a-fA-F:.]+", host)):
            raise InputError(
                f"ssh host {host!r} is not a host name or address", "parameter executor"
            )
        self.host = host
        self.label = f"ssh:{host}"

    def run(self, argv: Sequence[str]) -> Result:
        command = [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            self.host,
            "--",
            shlex.join(argv),
        ]
        return _completed(subprocess.run(command, capture_output=True, text=True, timeout=300))

    def for_host(self, host: str) -> Executor:
        return self if host == self.host else SshExecutor(host)


class LabExecutor(Executor):
    """Inside a node of the real corosync lab (`pvequorum.lab`)."""

    def __init__(self, node: str, lab_name: str | None = None) -> None:
        from pvequorum.lab.core import Lab

        self.lab = Lab.load(lab_name)
        self.node = node
        self.lab._node(node)  # unknown node: a clear error
        self.label = f"lab:{self.lab.name}:{node}"

    def for_host(self, host: str) -> Executor:
        return self if host == self.node else LabExecutor(host, self.lab.name)

    def run(self, argv: Sequence[str]) -> Result:
        argv = list(argv)
        if argv[:2] == ["pvecm", "expected"] and len(argv) == 3:
            return self._exec(["corosync-quorumtool", "-e", argv[2]])
        if argv[:2] == ["pvecm", "status"]:
            return self._pvecm_status()
        result = self._exec(argv)
        if argv[:1] == ["mv"] and argv[-1] == "/etc/pve/corosync.conf" and result.returncode == 0:
            self.lab.pmxcfs_sync_corosync_conf(self.node)
        return result

    def _exec(self, argv: list[str]) -> Result:
        return _completed(self.lab.exec(self.node, argv))

    def _pvecm_status(self) -> Result:
        from pvequorum.conf import corosync as corosync_conf

        text = self.lab.corosync_conf_text(self.node)
        doc = corosync_conf.parse(text)
        header = (
            "Cluster information\n-------------------\n"
            f"{'Name:':<17} {doc.get('totem.cluster_name') or 'UNKOWN?'}\n"
            f"{'Config Version:':<17} {doc.get('totem.config_version') or -1}\n"
            f"{'Transport:':<17} {doc.get('totem.transport') or 'knet'}\n"
            f"{'Secure auth:':<17} {doc.get('totem.secauth') or 'off'}\n\n"
        )
        result = self._exec(["corosync-quorumtool", "-siH"])
        return Result(result.returncode, header + result.output)


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
