"""Processes and network namespaces for the lab (an edge): run a tool, enter a namespace,
claim or delete one, and tell whether a pid is still the daemon a lab started there."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from pvequorum.errors import PrerequisiteError

NETNS_DIR = Path("/var/run/netns")  # where `ip netns add` creates its names (iproute2)


def run(
    argv: list[str], *, check: bool = True, timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise PrerequisiteError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return result


def in_namespace(netns: str, script: str, *args: str) -> list[str]:
    """argv running `sh -c script args...` inside `netns`, in a private mount namespace
    (so bind mounts over /run, /var/lib/corosync or /etc/pve stay with this process).

    `args` are the script's $0, $1, ...: values go there, never into the script's text, so
    a path or name is never parsed by the shell."""
    return ["ip", "netns", "exec", netns, *in_private_mounts(script, *args)]


def in_private_mounts(script: str, *args: str) -> list[str]:
    """argv running `sh -c script args...` in a private mount namespace of its own."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, *args]


def claim_netns(netns: str) -> bool:
    """`ip netns add`; False when the name is taken already.

    iproute2 creates /var/run/netns/NAME with O_EXCL, so of two callers racing for one name
    exactly one gets it: that makes a lab index, and everything named after it, unique on
    the machine whoever's lab root the other lab's state lives in."""
    result = run(["ip", "netns", "add", netns], check=False)
    if result.returncode == 0:
        return True
    if "File exists" in result.stderr or (NETNS_DIR / netns).exists():
        return False
    raise PrerequisiteError(f"ip netns add {netns} failed: {result.stderr.strip()}")


def delete_netns(netns: str) -> None:
    """Kill what runs inside `netns` (only what this lab put there can), then delete it."""
    for pid in run(["ip", "netns", "pids", netns], check=False).stdout.split():
        if pid.isdigit():
            kill(int(pid), signal.SIGKILL)
    run(["ip", "netns", "del", netns], check=False)


def ours(pid: int | None, netns: str) -> bool:
    """Whether `pid` is still the daemon this lab started in `netns`.

    A pid in state.json may be anything's by now (the daemon died and the pid was reused):
    it counts only while that process runs inside the node's own namespace.  A child of this
    process that is not reaped yet cannot have been reused, whatever namespace it is in."""
    if pid is None:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        pass
    try:
        theirs = os.stat(f"/proc/{pid}/ns/net")
        node = os.stat(NETNS_DIR / netns)
    except OSError:
        return False
    same = (theirs.st_dev, theirs.st_ino) == (node.st_dev, node.st_ino)
    return same and "Z" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def kill(pid: int | None, sig: signal.Signals) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
