"""A lab of real corosync daemons, one per network namespace (an edge: processes and netns).

Topology (Mininet's idea: a description is pure, the network is its runtime): a "switch"
namespace holds bridges; every node has its own namespace with a veth pair whose outer end
sits on a bridge of the switch.  Partitions move outer ends to separate bridges; heal moves
them back.  Each daemon runs in a private mount namespace with its own /run and
/var/lib/corosync, so several daemons share one host.  All traffic stays inside namespaces
this lab created, on a private /24 used nowhere else.

State lives in one directory (`/var/tmp/pvequorum-lab/NAME/state.json`), so CLI invocations
can act on a lab that an earlier invocation built, and `down` can remove a lab that died.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pvequorum.errors import InputError, PrerequisiteError
from pvequorum.lab.conffile import lab_corosync_conf
from pvequorum.model import Cluster
from pvequorum.status import QuorumStatus, parse_status

# Not under /run: every daemon gets a private /run bind-mounted over the host's.
LAB_ROOT = Path(os.environ.get("PVEQUORUM_LAB_ROOT", "/var/tmp/pvequorum-lab"))
SUBNET_BASE = "10.213"  # 10.213.<lab index>.<nodeid>/24, only inside lab namespaces
PVE_STANDIN = "/etc/pve"
SETTLE_TIMEOUT_S = 30.0


def check_prerequisites() -> None:
    """Root, the corosync package and iproute2; a clear one-line error otherwise."""
    if os.geteuid() != 0:
        raise PrerequisiteError("the lab needs root (network and mount namespaces)")
    for tool in ("corosync", "corosync-quorumtool", "ip", "unshare"):
        if shutil.which(tool) is None:
            package = (
                "iproute2" if tool == "ip" else "util-linux" if tool == "unshare" else "corosync"
            )
            raise PrerequisiteError(f"the lab needs `{tool}` (Debian package {package})")


def _run(
    argv: list[str], *, check: bool = True, timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise PrerequisiteError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return result


def in_namespace(netns: str, script: str, *args: str) -> list[str]:
    """argv running `sh -c script args...` inside `netns`, in a private mount namespace
    (so bind mounts over /run, /var/lib/corosync or /etc/pve stay with this process)."""
    return [
        "ip",
        "netns",
        "exec",
        netns,
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        *args,
    ]


@dataclass
class NodeRuntime:
    name: str
    nodeid: int
    netns: str
    address: str
    veth_out: str
    veth_in: str
    directory: str
    pid: int | None = None


class Lab:
    """One lab.  Use as a context manager (or call `down()`): it always cleans up."""

    def __init__(self, cluster: Cluster, name: str | None = None) -> None:
        check_prerequisites()
        self.cluster = cluster
        self.index = _free_index() if name is None else _index_of(name)
        self.name = name or f"pvq{self.index}"
        self.dir = LAB_ROOT / self.name
        self.switch = f"{self.name}-sw"
        self.groups: list[list[str]] | None = None
        self.nodes: dict[str, NodeRuntime] = {}
        for node in cluster.nodes:
            short = f"{self.name[:6]}n{node.nodeid}"
            self.nodes[node.name] = NodeRuntime(
                name=node.name,
                nodeid=node.nodeid,
                netns=f"{self.name}-{node.name}",
                address=f"{SUBNET_BASE}.{self.index}.{node.nodeid}",
                veth_out=f"{short}o"[:15],
                veth_in=f"{short}i"[:15],
                directory=str(self.dir / node.name),
            )

    # --- building and tearing down ----------------------------------------------------------
    def up(self) -> Lab:
        """Create namespaces, links and per-node directories (no daemon started yet)."""
        if self.dir.exists():
            raise InputError(
                f"a lab named {self.name!r} exists already; `pvequorum lab down {self.name}`"
            )
        try:
            self.dir.mkdir(parents=True)
            self._save()
            _run(["ip", "netns", "add", self.switch])
            _run(["ip", "-n", self.switch, "link", "set", "lo", "up"])
            self._bridge(0)
            for node in self.nodes.values():
                self._build_node(node)
            self._save()
        except BaseException:
            self.down()
            raise
        return self

    def _bridge(self, number: int) -> str:
        bridge = f"br{number}"
        exists = (
            _run(["ip", "-n", self.switch, "link", "show", bridge], check=False).returncode == 0
        )
        if not exists:
            _run(["ip", "-n", self.switch, "link", "add", bridge, "type", "bridge"])
            _run(["ip", "-n", self.switch, "link", "set", bridge, "up"])
        return bridge

    def _build_node(self, node: NodeRuntime) -> None:
        directory = Path(node.directory)
        for sub in ("run", "varlib", "pve", "etc"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / "pve").chmod(0o755)
        addresses = {n.name: n.address for n in self.nodes.values()}
        conf = lab_corosync_conf(self.cluster, addresses, str(directory / "corosync.log"))
        (directory / "etc" / "corosync.conf").write_text(conf)
        (directory / "pve" / "corosync.conf").write_text(conf)  # what /etc/pve would hold
        _run(["ip", "netns", "add", node.netns])
        _run(["ip", "-n", node.netns, "link", "set", "lo", "up"])
        _run(
            [
                "ip",
                "link",
                "add",
                node.veth_out,
                "netns",
                self.switch,
                "type",
                "veth",
                "peer",
                "name",
                node.veth_in,
                "netns",
                node.netns,
            ]
        )
        _run(["ip", "-n", self.switch, "link", "set", node.veth_out, "master", "br0", "up"])
        _run(["ip", "-n", node.netns, "addr", "add", f"{node.address}/24", "dev", node.veth_in])
        _run(["ip", "-n", node.netns, "link", "set", node.veth_in, "up"])

    def down(self) -> None:
        """Stop every daemon by its own pid, delete namespaces and the lab directory."""
        for node in self.nodes.values():
            _kill(node.pid, signal.SIGKILL)
            node.pid = None
        for node in self.nodes.values():
            _run(["ip", "netns", "del", node.netns], check=False)
        _run(["ip", "netns", "del", self.switch], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Lab:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()

    # --- state file ---------------------------------------------------------------------------
    def _save(self) -> None:
        state = {
            "name": self.name,
            "index": self.index,
            "cluster": {"stack": self.cluster.stack, **self.cluster.to_dict()},
            "groups": self.groups,
            "nodes": {n.name: n.__dict__ for n in self.nodes.values()},
        }
        tmp = self.dir / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=2))
        os.replace(tmp, self.dir / "state.json")

    @classmethod
    def load(cls, name: str | None = None) -> Lab:
        """The running lab `name`, or the only running lab."""
        names = running_labs()
        if name is None:
            if not names:
                raise InputError("no lab is running; start one with `pvequorum lab up`")
            if len(names) > 1:
                raise InputError(f"several labs run ({', '.join(names)}); name one with --lab")
            name = names[0]
        path = LAB_ROOT / name / "state.json"
        if not path.exists():
            raise InputError(f"no lab named {name!r} is running")
        state = json.loads(path.read_text())
        cluster_data = dict(state["cluster"])
        stack = cluster_data.pop("stack", "corosync")
        lab = cls.__new__(cls)
        lab.cluster = Cluster.from_dict(cluster_data, stack=stack)
        lab.index = state["index"]
        lab.name = state["name"]
        lab.dir = LAB_ROOT / lab.name
        lab.switch = f"{lab.name}-sw"
        lab.groups = state["groups"]
        lab.nodes = {k: NodeRuntime(**v) for k, v in state["nodes"].items()}
        return lab

    # --- faults -------------------------------------------------------------------------------
    def _node(self, name: str) -> NodeRuntime:
        if name not in self.nodes:
            raise InputError(f"unknown node {name!r}; the lab has {', '.join(self.nodes)}")
        return self.nodes[name]

    def running(self) -> list[str]:
        return [n.name for n in self.nodes.values() if n.pid is not None and _alive(n.pid)]

    def start(self, names: list[str]) -> None:
        for name in names:
            node = self._node(name)
            if node.pid is not None and _alive(node.pid):
                continue
            d = node.directory
            script = (
                f"mount --bind {d}/run /run && mount --bind {d}/varlib /var/lib/corosync && "
                f"exec corosync -f -c {d}/etc/corosync.conf"
            )
            process = subprocess.Popen(
                in_namespace(node.netns, script),
                stdin=subprocess.DEVNULL,
                stdout=open(Path(d) / "stdout.log", "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            node.pid = process.pid
        self._save()

    def stop(self, names: list[str]) -> None:
        self._signal(names, signal.SIGTERM)

    def crash(self, names: list[str]) -> None:
        self._signal(names, signal.SIGKILL)

    def _signal(self, names: list[str], sig: signal.Signals) -> None:
        nodes = [self._node(n) for n in names]
        for node in nodes:
            _kill(node.pid, sig)
        deadline = time.monotonic() + 10
        for node in nodes:
            while node.pid is not None and _alive(node.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if node.pid is not None and _alive(node.pid):
                _kill(node.pid, signal.SIGKILL)
            node.pid = None
        self._save()

    def partition(self, groups: list[list[str]]) -> None:
        placed = {n for g in groups for n in g}
        for name in placed:
            self._node(name)
        rest = [n for n in self.nodes if n not in placed]
        full = [list(g) for g in groups] + ([rest] if rest else [])
        for number, group in enumerate(full):
            bridge = self._bridge(number)
            for name in group:
                _run(
                    [
                        "ip",
                        "-n",
                        self.switch,
                        "link",
                        "set",
                        self.nodes[name].veth_out,
                        "master",
                        bridge,
                    ]
                )
        self.groups = full
        self._save()

    def heal(self) -> None:
        for node in self.nodes.values():
            _run(["ip", "-n", self.switch, "link", "set", node.veth_out, "master", "br0"])
        self.groups = None
        self._save()

    # --- inside a node ------------------------------------------------------------------------
    def exec(
        self, name: str, argv: list[str], *, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside a node's network namespace, with the /etc/pve stand-in.

        The stand-in imitates pmxcfs's quorum gate and nothing more: it is a plain directory
        bind-mounted at /etc/pve, read-only while the node is not quorate (reference 6).
        """
        node = self._node(name)
        quorate = self._quorate(node)
        mode = "rw" if quorate else "ro"
        standin = f"{node.directory}/pve"
        if not Path(PVE_STANDIN).exists():
            Path(PVE_STANDIN).mkdir(mode=0o755)  # an empty mount point; the host keeps none of it
        script = (
            f"mount --bind {standin} {PVE_STANDIN} && mount -o remount,bind,{mode} {PVE_STANDIN} "
            '&& exec "$@"'
        )
        return subprocess.run(
            in_namespace(node.netns, script, "sh", *argv),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _quorumtool(self, node: NodeRuntime, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", node.netns, "corosync-quorumtool", *args],
            capture_output=True,
            text=True,
            timeout=15,
        )

    def _quorate(self, node: NodeRuntime) -> bool:
        if node.pid is None or not _alive(node.pid):
            return False
        status = self.status(node.name)
        return status is not None and status.quorate

    def status(self, name: str) -> QuorumStatus | None:
        """The node's `corosync-quorumtool -s`, parsed; None while it cannot answer."""
        result = self._quorumtool(self._node(name), "-s")
        if result.returncode not in (0, 2) or "Quorum information" not in result.stdout:
            return None
        return parse_status(result.stdout, f"{name}: corosync-quorumtool -s")

    def set_expected(self, name: str, votes: int) -> bool:
        """`corosync-quorumtool -e N`, what `pvecm expected N` runs (reference 2.3)."""
        return self._quorumtool(self._node(name), "-e", str(votes)).returncode == 0

    def corosync_conf_text(self, name: str) -> str:
        """The corosync.conf the node's daemon runs with (/etc/corosync/corosync.conf)."""
        return (Path(self._node(name).directory) / "etc" / "corosync.conf").read_text()

    def pmxcfs_sync_corosync_conf(self, origin: str) -> list[str]:
        """What pmxcfs does after a write of /etc/pve/corosync.conf (reference 4.3).

        /etc/pve is one file system for the nodes that reach each other: the new file is
        copied to every node of the origin's partition whose local version is not higher,
        and the originating node runs `corosync-cfgtool -R` (without pmxcfs's 1 s sleep).
        """
        new_text = (Path(self._node(origin).directory) / "pve" / "corosync.conf").read_text()
        match = re.search(r"config_version\s*:\s*(\d+)", new_text)
        version = int(match.group(1)) if match else 0
        if version == 0:
            return []  # "unable to parse cluster config_version": not copied
        group = next((g for g in self.connected_groups() if origin in g), [origin])
        copied = []
        for name in group:
            local = self.corosync_conf_text(name)
            old = re.search(r"config_version\s*:\s*(\d+)", local)
            if old and int(old.group(1)) > version:
                continue  # "local corosync.conf is newer"
            directory = Path(self.nodes[name].directory)
            (directory / "etc" / "corosync.conf").write_text(new_text)
            (directory / "pve" / "corosync.conf").write_text(new_text)
            copied.append(name)
        if origin in self.running():
            subprocess.run(
                ["ip", "netns", "exec", self.nodes[origin].netns, "corosync-cfgtool", "-R"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        return copied

    def connected_groups(self) -> list[list[str]]:
        """Groups of running nodes that reach each other, sorted by nodeid."""
        running = set(self.running())
        groups = self.groups or [list(self.nodes)]
        order = {n.name: n.nodeid for n in self.nodes.values()}
        out = []
        for group in groups:
            members = sorted((n for n in group if n in running), key=order.__getitem__)
            if members:
                out.append(members)
        return out

    def wait_settled(self, timeout: float = SETTLE_TIMEOUT_S) -> dict[str, QuorumStatus]:
        """Poll until every running node sees exactly its connected group as members."""
        deadline = time.monotonic() + timeout
        last: dict[str, QuorumStatus | None] = {}
        while True:
            last = {}
            ok = True
            for group in self.connected_groups():
                for name in group:
                    status = self.status(name)
                    last[name] = status
                    if status is None or list(status.member_names()) != group:
                        ok = False
            if ok:
                return {k: v for k, v in last.items() if v is not None}
            if time.monotonic() > deadline:
                seen = {k: (list(v.member_names()) if v else None) for k, v in last.items()}
                raise PrerequisiteError(f"lab membership did not settle in {timeout:.0f} s: {seen}")
            time.sleep(0.2)

    def observe(self) -> dict[str, Any]:
        statuses = self.wait_settled()
        order = {n.name: n.nodeid for n in self.nodes.values()}
        return {
            "nodes": {
                name: statuses[name].to_observation()
                for name in sorted(statuses, key=order.__getitem__)
            }
        }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as dead
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return Path(f"/proc/{pid}").exists() and "Z" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def _kill(pid: int | None, sig: signal.Signals) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def running_labs() -> list[str]:
    if not LAB_ROOT.exists():
        return []
    return sorted(p.parent.name for p in LAB_ROOT.glob("*/state.json"))


def _index_of(name: str) -> int:
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) % 200) + 20 if digits else 20


def _free_index() -> int:
    used = set()
    for name in running_labs():
        try:
            used.add(json.loads((LAB_ROOT / name / "state.json").read_text())["index"])
        except (OSError, ValueError, KeyError):
            continue
    existing = set(_run(["ip", "netns", "list"], check=False).stdout.split())
    for index in range(1, 250):
        if index not in used and f"pvq{index}-sw" not in existing:
            return index
    raise PrerequisiteError("no free lab index")


def down_all_leftovers() -> list[str]:
    """Remove every lab (and orphaned pvq namespaces) — `pvequorum lab down --all`."""
    removed = []
    for name in running_labs():
        try:
            Lab.load(name).down()
        except (InputError, ValueError, OSError):
            shutil.rmtree(LAB_ROOT / name, ignore_errors=True)
        removed.append(name)
    listing = _run(["ip", "netns", "list"], check=False).stdout.split("\n")
    for line in listing:
        ns = line.split(" ")[0]
        if ns.startswith("pvq") and "-" in ns:
            pids = _run(["ip", "netns", "pids", ns], check=False).stdout.split()
            for pid in pids:
                _kill(int(pid), signal.SIGKILL)
            _run(["ip", "netns", "del", ns], check=False)
            removed.append(ns)
    return removed
