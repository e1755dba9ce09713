"""A lab of real corosync daemons, one per network namespace (an edge: processes and netns).

Topology (Mininet's idea: a description is pure, the network is its runtime): a "switch"
namespace holds bridges; every node has its own namespace with a veth pair whose outer end
sits on a bridge of the switch.  Partitions move outer ends to separate bridges; heal moves
them back.  Each daemon runs in a private mount namespace with its own /run,
/var/lib/corosync and /var/log/corosync, so several daemons share one host.  All traffic
stays inside namespaces this lab created, on a private /24 used nowhere else.

State lives in one directory per lab (`/var/tmp/pvequorum-lab-UID/NAME/state.json`, one root
per user), so CLI invocations can act on a lab that an earlier invocation built, and `down`
can remove a lab that died.  Everything the kernel names machine-wide (namespaces, the
subnet) is named after the lab's index, which `up` claims atomically; the lab's name is only
a label, checked up front, and never part of shell text.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pvequorum import cfgtool
from pvequorum.errors import InputError, PrerequisiteError
from pvequorum.lab import qdevice
from pvequorum.lab.conffile import lab_corosync_conf
from pvequorum.lab.devicesteps import QDEVICE_QUIET_MAX_S, DeviceSteps
from pvequorum.lab.process import (
    claim_netns,
    delete_netns,
    in_namespace,
)
from pvequorum.lab.process import kill as _kill
from pvequorum.lab.process import ours as _ours
from pvequorum.lab.process import run as _run
from pvequorum.model import Cluster
from pvequorum.pmxcfs import etc_pve_writable
from pvequorum.scenario import MAX_LINKS, LinkSettings, LinkTable, Observation
from pvequorum.status import QuorumStatus, parse_status

ROOT_ENV = "PVEQUORUM_LAB_ROOT"
SUBNET_BASE = "10.213"  # 10.213.<lab index>.<nodeid>/24, only inside lab namespaces
# Network K (K > 0) of a lab: 10.<213 + K>.<lab index>.<nodeid>/24, also only inside them.
MAX_INDEX = 249
PVE_STANDIN = "/etc/pve"
# Every node's corosync.conf names this logfile, as on Proxmox VE; each daemon has its node's
# `log/` bound over LOG_DIR, so the file on the host is `Lab.log_path(node)`.
LOG_DIR = "/var/log/corosync"
LOGFILE = f"{LOG_DIR}/corosync.log"
SETTLE_TIMEOUT_S = 60.0  # a loaded CI machine once needed more than 30 s for a three-way split
DOWN_LOCK_WAIT_S = 60.0
# The links extension's quiet wait (docs/scenario-format.md, "Waits"): no running node's view
# changed for QUIET_S, at most QUIET_MAX_S; every tool gets TOOL_TIMEOUT_S.
QUIET_S = 6.0
QUIET_MAX_S = 60.0
TOOL_TIMEOUT_S = 5.0
OBSERVE_TRIES = 3
NFT_TABLE = "pvqfaults"  # the switch's bridge table for link cuts and random loss
# A lab name is a label (directory, lock file, messages): lower-case letters and digits only,
# so nothing in it means anything to a shell, a path or `ip`; short enough for any of them.
LAB_NAME = re.compile(r"[a-z][a-z0-9]{0,11}")


def _caller_uid() -> int:
    """Whose labs these are: the real uid, or under sudo (the lab needs root) the uid that ran
    sudo.  Root can remove anything, so this is no security boundary; it keeps one admin's
    `lab down --all` from removing the labs another admin built on the same machine."""
    sudo_uid = os.environ.get("SUDO_UID", "")
    if os.geteuid() == 0 and re.fullmatch(r"[0-9]+", sudo_uid):
        return int(sudo_uid)
    return os.getuid()


def default_root() -> Path:
    """`$PVEQUORUM_LAB_ROOT`, else `/var/tmp/pvequorum-lab-UID`: one root per user.

    Not under /run: every daemon gets a private /run bind-mounted over the host's."""
    return Path(os.environ.get(ROOT_ENV) or f"/var/tmp/pvequorum-lab-{_caller_uid()}")


LAB_ROOT = default_root()


def check_lab_name(name: str, where: str = "--lab") -> str:
    """`name` if it is a valid lab name; an InputError naming the option otherwise."""
    if not isinstance(name, str) or not LAB_NAME.fullmatch(name):
        raise InputError(
            f"invalid lab name {name!r}: 1 to 12 lower-case letters and digits, "
            "starting with a letter",
            where,
        )
    return name


def _checked_root(create: bool = False) -> Path | None:
    """LAB_ROOT (None while it does not exist), refused unless only its owner, us, can write it.

    The default root sits in world-writable /var/tmp: another local user could create it
    first (a directory they can write, or a symlink to one) and have root act on state files
    they wrote, which name processes to kill and namespaces to delete."""
    root = LAB_ROOT
    if create:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise PrerequisiteError(
            f"lab root {root} must be a directory (not a symlink) owned by uid {os.geteuid()} "
            f"that no one else can write; fix it or set {ROOT_ENV}"
        )
    return root


def _boot_id() -> str:
    """Namespaces and processes end with the boot; a state file from an earlier boot names
    none that are still this lab's."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


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


class LabBusy(InputError):
    """Another process holds the lab's lock: it is building or tearing that lab down."""


class LabExists(InputError):
    """A lab of that name exists already in this lab root."""


class _IndexTaken(Exception):
    """A namespace of the chosen index exists: another lab (anyone's) or its leftover has it."""


@contextlib.contextmanager
def _locked(name: str, wait: float = 0.0) -> Iterator[None]:
    """An exclusive flock on LAB_ROOT/NAME.lock while a lab is built or torn down.

    Two `up` of one name then never both pass the "exists" check, and a failing `up` never
    tears down the lab another process is building.  The lock file stays: unlinking it
    while another process waits on it would let a third lock a new file at the same path."""
    root = _checked_root(create=True)
    assert root is not None
    path = root / f"{check_lab_name(name)}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LabBusy(
                        f"lab {name!r} is being built or torn down by another process "
                        "(its lock is held); try again when that is done"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass
class NodeRuntime:
    """One node's names.  `address`, `veth_out` and `veth_in` are network 0's;
    `addresses[K]` and `ports[K]` (switch end, node end) are network K's."""

    name: str
    nodeid: int
    netns: str
    address: str
    veth_out: str
    veth_in: str
    directory: str
    pid: int | None = None
    addresses: list[str] = field(default_factory=list)
    ports: list[list[str]] = field(default_factory=list)
    qnetd_address: str | None = None  # on the qnetd network, with a device only
    qnetd_ports: list[str] | None = None
    qdevice_pid: int | None = None

    def __post_init__(self) -> None:
        if not self.addresses:  # a state file from before the links extension
            self.addresses = [self.address]
            self.ports = [[self.veth_out, self.veth_in]]


class Lab(DeviceSteps):
    """One lab.  Use as a context manager (or call `down()`): it always cleans up.

    It is an `engine.Engine`: scenarios run on it as on the simulator."""

    engine_name = "lab"

    def __init__(
        self,
        cluster: Cluster,
        name: str | None = None,
        links: LinkSettings | None = None,
        networks: int | None = None,
        qnetd: bool = False,
    ) -> None:
        """`links`: the scenario's links extension (None: one link, format/1 behaviour);
        `networks`: how many separate networks to build (default: the configured links);
        networks beyond the links are ready for a link corosync does not use yet.
        `qnetd`: a qnetd host even without a device, not yet running (as before
        `apt install corosync-qnetd`), for `pvecm qdevice setup`; a device implies it."""
        if name is not None:
            check_lab_name(name)
        count = 1 if links is None else links.count
        if networks is None:
            networks = count
        if not isinstance(networks, int) or not count <= networks <= MAX_LINKS:
            raise InputError(f"networks must be {count}..{MAX_LINKS}, got {networks!r}")
        check_prerequisites()
        self.cluster = cluster
        self.with_qnetd = self.has_qdevice or qnetd
        if self.with_qnetd:
            qdevice.check_prerequisites()
        self.link_settings = links
        self.networks = networks
        self.ports_down: set[tuple[str, int]] = set()
        self.cuts: set[tuple[str, str, int]] = set()
        self.loss: dict[tuple[str, int], int] = {}
        self._auto_name = name is None
        self.name = name or ""
        self.owner: int | None = _caller_uid()
        self.boot_id: str | None = _boot_id()
        self.build: str | None = secrets.token_hex(8)  # tells this build from a later one
        self.groups: list[list[str]] | None = None
        self.qdevice_isolated: set[str] = set()
        self.events: list[dict[str, Any]] = []
        self._epoch = time.monotonic()
        self._layout(_free_index())

    def _layout(self, index: int) -> None:
        """Name everything after `index`, the one thing `up` makes unique machine-wide."""
        self.index = index
        if self._auto_name:
            self.name = f"pvq{index}"
        self.dir = LAB_ROOT / self.name
        self.switch = f"pvq{index}-sw"
        self.nodes: dict[str, NodeRuntime] = {}
        self.qnetd_host: qdevice.QnetdHost | None = None
        if self.with_qnetd:
            self.qnetd_host = qdevice.QnetdHost(
                netns=f"pvq{index}-qn",
                address=qdevice.qnetd_address(index),
                ports=[f"pvq{index}qno", f"pvq{index}qni"],
                directory=str(self.dir / "qnetd"),
            )
        for node in self.cluster.nodes:
            short = f"pvq{index}n{node.nodeid}"
            ports = [[f"{short}o"[:15], f"{short}i"[:15]]]
            ports += [[f"{short}l{k}o"[:15], f"{short}l{k}i"[:15]] for k in range(1, self.networks)]
            addresses = [f"{SUBNET_BASE}.{index}.{node.nodeid}"]
            addresses += [f"10.{213 + k}.{index}.{node.nodeid}" for k in range(1, self.networks)]
            self.nodes[node.name] = NodeRuntime(
                name=node.name,
                nodeid=node.nodeid,
                netns=f"pvq{index}-{node.name}",
                address=addresses[0],
                veth_out=ports[0][0],
                veth_in=ports[0][1],
                directory=str(self.dir / node.name),
                addresses=addresses,
                ports=ports,
            )
            if self.with_qnetd:
                self.nodes[node.name].qnetd_address = qdevice.qnetd_address(index, node.nodeid)
                self.nodes[node.name].qnetd_ports = [f"{short}qo"[:15], f"{short}qi"[:15]]

    @property
    def has_qdevice(self) -> bool:
        """A device is configured (it can come and go: `pvecm qdevice setup` / `remove`)."""
        return self.cluster.stack == "corosync" and self.cluster.quorum.device is not None

    # --- building and tearing down ----------------------------------------------------------
    def up(self) -> Lab:
        """Create namespaces, links and per-node directories (no daemon started yet).

        Under the lab's lock.  A named lab that exists or is being built is an InputError and
        is left alone; an index another lab took meanwhile means another index, and so does
        any collision of a lab named after its index (the default)."""
        tried: set[int] = set()
        while True:
            try:
                with _locked(self.name):
                    self._up_locked()
                return self
            except _IndexTaken:
                pass
            except (LabBusy, LabExists):
                if not self._auto_name:
                    raise
            tried.add(self.index)
            self._layout(_free_index(tried))

    def _up_locked(self) -> None:
        if (self.dir / "state.json").exists():
            raise LabExists(
                f"a lab named {self.name!r} exists already; `pvequorum lab down {self.name}`"
            )
        if not claim_netns(self.switch):
            raise _IndexTaken
        created = [self.switch]  # what this call made, and all its failure path removes
        self._epoch = time.monotonic()  # the events timeline counts from here
        try:
            # A directory without state.json is what an interrupted up or down left; we hold
            # its lock, so no one else is working on it.
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir()
            self._save()
            _run(["ip", "-n", self.switch, "link", "set", "lo", "up"])
            for network in range(self.networks):
                self._bridge(0, network)
            for node in self.nodes.values():
                self._build_node(node, created)
            if self.qnetd_host is not None:
                self._build_qnetd(self.qnetd_host, created)
        except BaseException:
            self._teardown(created)
            raise

    def _bridge(self, number: int, network: int = 0) -> str:
        """The switch's bridge of partition group `number` on `network`."""
        bridge = f"br{number}" if network == 0 else f"l{network}br{number}"
        exists = (
            _run(["ip", "-n", self.switch, "link", "show", bridge], check=False).returncode == 0
        )
        if not exists:
            _run(["ip", "-n", self.switch, "link", "add", bridge, "type", "bridge"])
            _run(["ip", "-n", self.switch, "link", "set", bridge, "up"])
        return bridge

    def _build_node(self, node: NodeRuntime, created: list[str]) -> None:
        directory = Path(node.directory)
        for sub in ("run", "varlib", "pve", "etc", "log"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / "pve").chmod(0o755)
        addresses = {n.name: n.addresses for n in self.nodes.values()}
        conf = lab_corosync_conf(
            self.cluster,
            addresses,
            LOGFILE,
            self.link_settings,
            qnetd_host=None if self.qnetd_host is None else self.qnetd_host.address,
        )
        (directory / "etc" / "corosync.conf").write_text(conf)
        (directory / "pve" / "corosync.conf").write_text(conf)  # what /etc/pve would hold
        if not claim_netns(node.netns):
            raise _IndexTaken  # a leftover, or a lab that raced us: not ours to delete
        created.append(node.netns)
        _run(["ip", "-n", node.netns, "link", "set", "lo", "up"])
        for network, (outer, inner) in enumerate(node.ports):
            self._plug(node.netns, outer, inner, self._bridge(0, network), node.addresses[network])

    def _plug(self, netns: str, outer: str, inner: str, bridge: str, address: str) -> None:
        """A veth pair from `netns` (end `inner`, with `address`/24) to `bridge` of the switch."""
        veth = ["type", "veth", "peer", "name", inner, "netns", netns]
        _run(["ip", "link", "add", outer, "netns", self.switch, *veth])
        _run(["ip", "-n", self.switch, "link", "set", outer, "master", bridge, "up"])
        _run(["ip", "-n", netns, "addr", "add", f"{address}/24", "dev", inner])
        _run(["ip", "-n", netns, "link", "set", inner, "up"])

    def _build_qnetd(self, host: qdevice.QnetdHost, created: list[str]) -> None:
        """The qnetd network, its host, the certificates, and qnetd running (the contract:
        "qnetd starts by itself before the first step whenever a device is configured")."""
        if not claim_netns(host.netns):
            raise _IndexTaken
        created.append(host.netns)
        _run(["ip", "-n", host.netns, "link", "set", "lo", "up"])
        _run(["ip", "-n", self.switch, "link", "add", "qbr", "type", "bridge"])
        _run(["ip", "-n", self.switch, "link", "set", "qbr", "up"])
        ends = [(host.netns, host.ports, host.address)]
        for node in self.nodes.values():
            assert node.qnetd_ports is not None and node.qnetd_address is not None
            ends.append((node.netns, node.qnetd_ports, node.qnetd_address))
        for netns, (outer, inner), address in ends:
            self._plug(netns, outer, inner, "qbr", address)
        if not self.has_qdevice:
            return  # a bare host: `apt install corosync-qnetd` is a runbook's step
        ordered = sorted(self.nodes.values(), key=lambda n: n.nodeid)
        took = qdevice.make_certificates(host, [n.directory for n in ordered], self.cluster.name)
        self._event("certificates", took_ms=round(took * 1000))
        qdevice.start_qnetd(host)
        self._event("qnetd-start", pid=host.pid)

    def _event(self, event: str, **fields: Any) -> None:
        """The run's timeline (the raw sidecar's `events`): ms since the lab was built."""
        t_ms = round((time.monotonic() - self._epoch) * 1000)
        self.events.append({"t_ms": t_ms, "event": event, **fields})

    def down(self) -> None:
        """Stop this lab's daemons, delete its namespaces and its directory (under its lock).

        Only this object's build: a state file of a later build (the lab was taken down and
        built again, by anyone) is left alone, since the index may be another lab's by now.
        A state file from an earlier boot names no namespace or process that is still ours;
        then, as when there is no state file at all, only the directory goes."""
        with _locked(self.name, wait=DOWN_LOCK_WAIT_S):
            try:
                disk = json.loads((self.dir / "state.json").read_text())
            except FileNotFoundError:
                disk = None
            if disk is not None and disk.get("build") != self.build:
                return
            current = disk is not None and self.boot_id in (None, _boot_id())
            namespaces = [n.netns for n in self.nodes.values()] + [self.switch]
            if self.qnetd_host is not None:
                namespaces.insert(0, self.qnetd_host.netns)
            self._teardown(namespaces if current else [])

    def _teardown(self, namespaces: list[str]) -> None:
        """Kill this lab's daemons and delete `namespaces`, the switch last.

        state.json goes just before the switch: releasing the switch frees the index for
        other labs, and no state file may still name its namespaces by then."""
        for node in self.nodes.values():
            if _ours(node.pid, node.netns):
                _kill(node.pid, signal.SIGKILL)
            node.pid = None
        for netns in namespaces:
            if netns != self.switch:
                delete_netns(netns)
        with contextlib.suppress(FileNotFoundError):
            (self.dir / "state.json").unlink()
        if self.switch in namespaces:
            delete_netns(self.switch)
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
            "owner": self.owner,
            "boot_id": self.boot_id,
            "build": self.build,
            "switch": self.switch,
            "cluster": {"stack": self.cluster.stack, **self.cluster.to_dict()},
            "groups": self.groups,
            "nodes": {n.name: n.__dict__ for n in self.nodes.values()},
            "links": None if self.link_settings is None else _links_to_state(self.link_settings),
            "networks": self.networks,
            "ports_down": sorted([n, k] for n, k in self.ports_down),
            "cuts": sorted([a, b, k] for a, b, k in self.cuts),
            "loss": sorted([n, k, p] for (n, k), p in self.loss.items()),
            "qnetd": None if self.qnetd_host is None else self.qnetd_host.__dict__,
            "qdevice_isolated": sorted(self.qdevice_isolated),
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
        check_lab_name(name)
        path = LAB_ROOT / name / "state.json"
        if not path.exists():
            raise InputError(f"no lab named {name!r} is running")
        try:
            state = json.loads(path.read_text())
            if not isinstance(state, dict) or not isinstance(state.get("cluster"), dict):
                raise ValueError("not a lab state")
        except (OSError, ValueError) as exc:  # JSONDecodeError is a ValueError
            raise InputError(
                f"the lab's state file is damaged ({exc}); remove the lab with "
                f"`pvequorum lab down {name}`",
                str(path),
            ) from None
        if state.get("name") != name:
            raise InputError(f"{path} is the state of lab {state.get('name')!r}, not {name!r}")
        cluster_data = dict(state["cluster"])
        stack = cluster_data.pop("stack", "corosync")
        lab = cls.__new__(cls)
        lab.cluster = Cluster.from_dict(cluster_data, stack=stack)
        lab._auto_name = False
        lab.index = state["index"]
        lab.name = name
        lab.owner = state.get("owner")
        lab.boot_id = state.get("boot_id")
        lab.build = state.get("build")
        lab.dir = LAB_ROOT / name
        lab.switch = state.get("switch", f"{name}-sw")
        lab.groups = state["groups"]
        lab.nodes = {k: NodeRuntime(**v) for k, v in state["nodes"].items()}
        links = state.get("links")
        lab.link_settings = None if links is None else _links_from_state(links)
        lab.networks = state.get("networks", 1)
        lab.ports_down = {(n, k) for n, k in state.get("ports_down", [])}
        lab.cuts = {(a, b, k) for a, b, k in state.get("cuts", [])}
        lab.loss = {(n, k): p for n, k, p in state.get("loss", [])}
        qnetd = state.get("qnetd")
        lab.qnetd_host = None if qnetd is None else qdevice.QnetdHost(**qnetd)
        lab.with_qnetd = lab.qnetd_host is not None
        lab.qdevice_isolated = set(state.get("qdevice_isolated", []))
        lab.events, lab._epoch = [], time.monotonic()  # a later call's own timeline
        return lab

    # --- faults -------------------------------------------------------------------------------
    def _node(self, name: str) -> NodeRuntime:
        if name not in self.nodes:
            raise InputError(f"unknown node {name!r}; the lab has {', '.join(self.nodes)}")
        return self.nodes[name]

    def running(self) -> list[str]:
        return [n.name for n in self.nodes.values() if _ours(n.pid, n.netns)]

    def start(self, names: Sequence[str]) -> list[str]:
        """corosync on these nodes, and with a device then corosync-qdevice once the
        membership has settled (systemd's order); the names whose corosync refused."""
        refused = self.start_corosync(names)
        if self.has_qdevice:
            if not self.link_fault_active():
                self.wait_settled()
            self.qdevice_start([n for n in names if n not in refused])
        return refused

    def _spawn_corosync(self, node: NodeRuntime) -> None:
        """corosync in the node's namespace, in a private mount namespace where the node's
        directories are bound over /run, /var/lib/corosync and LOG_DIR: every node's
        corosync.conf names the same logfile (so a copy made by pmxcfs's sync names it too),
        and each daemon writes its own (`log_path`)."""
        (Path(node.directory) / "log").mkdir(exist_ok=True)
        if not Path(LOG_DIR).exists():  # a mount point; the lab writes nothing into it
            Path(LOG_DIR).mkdir(mode=0o755, parents=True)
        script = (
            'mount --bind "$1/run" /run && mount --bind "$1/varlib" /var/lib/corosync && '
            'mount --bind "$1/log" "$2" && exec corosync -f -c "$1/etc/corosync.conf"'
        )
        with open(Path(node.directory) / "stdout.log", "ab") as log:
            process = subprocess.Popen(
                in_namespace(node.netns, script, "lab-node", node.directory, LOG_DIR),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        node.pid = process.pid

    def stop(self, names: Sequence[str]) -> None:
        """SIGTERM, to corosync-qdevice first and then to corosync."""
        self._stop_qdevices(names, signal.SIGTERM)
        self._signal(names, signal.SIGTERM)

    def crash(self, names: Sequence[str]) -> None:
        """SIGKILL to both daemons."""
        self._stop_qdevices(names, signal.SIGKILL)
        self._signal(names, signal.SIGKILL)

    def _signal(self, names: Sequence[str], sig: signal.Signals) -> None:
        nodes = [self._node(n) for n in names]
        for node in nodes:
            if _ours(node.pid, node.netns):
                _kill(node.pid, sig)
        deadline = time.monotonic() + 10
        for node in nodes:
            while _ours(node.pid, node.netns) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _ours(node.pid, node.netns):
                _kill(node.pid, signal.SIGKILL)
            node.pid = None
        self._save()

    def partition(self, groups: Sequence[Sequence[str]]) -> None:
        """Every network splits the same way (a partition cuts all links between groups)."""
        placed = {n for g in groups for n in g}
        for name in placed:
            self._node(name)
        rest = [n for n in self.nodes if n not in placed]
        self.groups = [list(g) for g in groups] + ([rest] if rest else [])
        self._wire()
        self._save()

    def heal(self) -> None:
        """One bridge per network again; ports that are link-down stay detached."""
        self.groups = None
        self._wire()
        self._save()

    def _group_of(self, name: str) -> int:
        groups = self.groups or [list(self.nodes)]
        return next(i for i, group in enumerate(groups) if name in group)

    def _wire(self) -> None:
        """Every switch port on its group's bridge, or detached while it is link-down."""
        for node in self.nodes.values():
            for network in range(self.networks):
                self._attach(node, network)

    def _attach(self, node: NodeRuntime, network: int) -> None:
        outer = node.ports[network][0]
        if (node.name, network) in self.ports_down:
            _run(["ip", "-n", self.switch, "link", "set", outer, "nomaster"])
            return
        bridge = self._bridge(self._group_of(node.name), network)
        _run(["ip", "-n", self.switch, "link", "set", outer, "master", bridge])

    # --- the links extension (docs/scenario-format.md, "Extension: links", New steps) -----
    def _link(self, link: int) -> int:
        if not isinstance(link, int) or not 0 <= link < self.networks:
            raise InputError(f"link {link!r} is not one of the lab's links 0..{self.networks - 1}")
        return link

    def link_down(self, name: str, link: int) -> None:
        """A dead switch port: N keeps carrier and address, its frames on `link` vanish."""
        node, link = self._node(name), self._link(link)
        self.ports_down.add((name, link))
        self._attach(node, link)
        self._save()

    def link_up(self, name: str, link: int) -> None:
        node, link = self._node(name), self._link(link)
        self.ports_down.discard((name, link))
        self._attach(node, link)
        self._save()

    def link_cut(self, a: str, b: str, link: int) -> None:
        """Only the frames between `a` and `b` on `link` are dropped, at the switch."""
        self._node(a), self._node(b)
        if a == b:
            raise InputError(f"a link cut needs two different nodes, got {a!r} twice")
        first, second = sorted((a, b))
        self.cuts.add((first, second, self._link(link)))
        self._apply_rules()
        self._save()

    def link_uncut(self, a: str, b: str, link: int) -> None:
        self._node(a), self._node(b)
        first, second = sorted((a, b))
        self.cuts.discard((first, second, self._link(link)))
        self._apply_rules()
        self._save()

    def netem(self, name: str, link: int, loss: int | None) -> None:
        """`loss` % random loss of every frame `name` sends into the switch on `link`
        (None clears it).  The lab kernel may have no sch_netem; an nftables bridge rule
        (`numgen random mod 100 < P drop`) is the same silent egress loss."""
        self._node(name)
        link = self._link(link)
        if loss is None:
            self.loss.pop((name, link), None)
        elif not isinstance(loss, int) or not 0 <= loss <= 100:
            raise InputError(f"loss must be a percentage 0..100, got {loss!r}")
        else:
            self.loss[(name, link)] = loss
        self._apply_rules()
        self._save()

    def _apply_rules(self) -> None:
        """Replace the switch's fault table at once (nft applies a file atomically).

        Only interface names this lab made and integers go into the rules."""
        if shutil.which("nft") is None:
            raise PrerequisiteError(
                "link cuts and random loss need `nft` (Debian package nftables)"
            )
        rules = []
        for a, b, link in sorted(self.cuts):
            port_a, port_b = self.nodes[a].ports[link][0], self.nodes[b].ports[link][0]
            rules.append(f'iifname "{port_a}" oifname "{port_b}" drop')
            rules.append(f'iifname "{port_b}" oifname "{port_a}" drop')
        for (name, link), percent in sorted(self.loss.items()):
            port = self.nodes[name].ports[link][0]
            if percent >= 100:  # numgen's range is 0..99: all of it is a plain drop
                rules.append(f'iifname "{port}" drop')
            elif percent > 0:
                rules.append(f'iifname "{port}" numgen random mod 100 < {int(percent)} drop')
        script = "\n".join(
            [
                f"table bridge {NFT_TABLE}",
                f"delete table bridge {NFT_TABLE}",
                f"table bridge {NFT_TABLE} {{",
                "  chain faults {",
                "    type filter hook forward priority 0; policy accept;",
                *(f"    {rule}" for rule in rules),
                "  }",
                "}",
                "",
            ]
        )
        done = subprocess.run(
            ["ip", "netns", "exec", self.switch, "nft", "-f", "-"],
            input=script,
            capture_output=True,
            text=True,
            timeout=20,
        )
        if done.returncode != 0:
            raise PrerequisiteError(f"nft failed in the lab switch: {done.stderr.strip()}")

    def link_fault_active(self) -> bool:
        """Whether any link-down, cut or loss is in place on a link corosync uses."""
        used = self.link_count
        return (
            any(k < used for _, k in self.ports_down)
            or any(k < used for _, _, k in self.cuts)
            or any(k < used and p > 0 for (_, k), p in self.loss.items())
        )

    @property
    def link_count(self) -> int:
        return 1 if self.link_settings is None else self.link_settings.count

    def address(self, name: str, link: int) -> str:
        """The node's address on network `link` (10.213.I.N on 0, 10.(213+K).I.N on K)."""
        return self._node(name).addresses[self._link(link)]

    # --- inside a node ------------------------------------------------------------------------
    def exec(
        self, name: str, argv: list[str], *, timeout: float = 30, input: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside a node's network namespace, with the /etc/pve stand-in.

        The stand-in imitates pmxcfs's quorum gate and nothing more: it is a plain directory
        bind-mounted at /etc/pve, read-only while the node is not quorate (reference 6).
        `input` is fed to the command's standard input as bytes (a file to write).
        """
        node = self._node(name)
        quorate = self._quorate(node)
        mode = "rw" if etc_pve_writable(quorate) else "ro"
        standin = f"{node.directory}/pve"
        if not Path(PVE_STANDIN).exists():
            Path(PVE_STANDIN).mkdir(mode=0o755)  # an empty mount point; the host keeps none of it
        script = 'mount --bind "$1" "$2" && mount -o "remount,bind,$3" "$2" && shift 3 && exec "$@"'
        done = subprocess.run(
            in_namespace(node.netns, script, "lab-exec", standin, PVE_STANDIN, mode, *argv),
            input=input,
            capture_output=True,
            timeout=timeout,
        )
        return subprocess.CompletedProcess(
            done.args,
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )

    def _quorumtool(self, node: NodeRuntime, *args: str) -> subprocess.CompletedProcess[str]:
        return self._tool(node, "corosync-quorumtool", *args)

    def _tool(self, node: NodeRuntime, *argv: str) -> subprocess.CompletedProcess[str]:
        """A corosync tool inside the node, at most TOOL_TIMEOUT_S (exit 124 after that).

        corosync blocks every IPC service but votequorum's while a sync is in progress, and
        with non-transitive connectivity a sync may never end (docs/scenario-format.md,
        "Nodes whose tools hang"): the tools then wait forever."""
        command = ["ip", "netns", "exec", node.netns, *argv]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            partial = exc.stdout.decode("utf-8", "replace") if exc.stdout else ""
            return subprocess.CompletedProcess(command, 124, partial, "timed out")

    def cfgtool(self, name: str, *args: str) -> str | None:
        """The node's `corosync-cfgtool -s` (or other `args`) text; None if it did not answer."""
        result = self._tool(self._node(name), "corosync-cfgtool", *(args or ("-s",)))
        return result.stdout if result.returncode == 0 else None

    def _quorate(self, node: NodeRuntime) -> bool:
        if not _ours(node.pid, node.netns):
            return False
        status = self.status(node.name)
        return status is not None and status.quorate

    def status(self, name: str) -> QuorumStatus | None:
        """The node's `corosync-quorumtool -s`, parsed; None while it cannot answer."""
        result = self._quorumtool(self._node(name), "-s")
        if result.returncode not in (0, 2) or "Quorum information" not in result.stdout:
            return None
        return parse_status(result.stdout, f"{name}: corosync-quorumtool -s")

    def expected(self, name: str, votes: int) -> bool:
        """`corosync-quorumtool -e N`, what `pvecm expected N` runs (reference 2.3).

        The tool returns once the reconfigure message is sent; the node takes the value when
        that message comes back through totem, a moment later.  So an accepted value is
        waited for (at most 5 s) on this node, and the next step sees it."""
        node = self._node(name)
        accepted = self._quorumtool(node, "-e", str(votes)).returncode == 0
        deadline = time.monotonic() + 5
        while accepted and time.monotonic() < deadline:
            status = self.status(name)
            if status is not None and status.expected_votes == votes:
                break
            time.sleep(0.1)
        self._quiet_after_step()
        return accepted

    def wait(self, ms: int) -> None:
        """Real time passes (a scenario's `wait` step)."""
        time.sleep(ms / 1000)

    def settle(self) -> None:
        """After a membership or link step: until every connected group agrees on its
        members (only while no link fault is active: then who sees whom is corosync's to
        find out), and with the links extension until every view is quiet."""
        if not self.link_fault_active():
            self.wait_settled()
        self._quiet_after_step()

    def _quiet_after_step(self) -> None:
        """The extensions' quiet wait: 6 s, at most 60 s with links, 150 s with a device."""
        if self.has_qdevice:
            self.wait_quiet(limit=QDEVICE_QUIET_MAX_S)
        elif self.link_settings is not None:
            self.wait_quiet()

    def _view(self, node: NodeRuntime) -> tuple[str, str]:
        """What the quiet wait compares: `corosync-quorumtool -s` without its Date line (so
        every field and the Ring ID) and the `corosync-cfgtool -s` table."""
        quorum = self._quorumtool(node, "-s")
        links = self._tool(node, "corosync-cfgtool", "-s")
        fields = "\n".join(
            line for line in quorum.stdout.splitlines() if not line.startswith("Date:")
        )
        return f"{quorum.returncode}\n{fields}", f"{links.returncode}\n{links.stdout}"

    def wait_quiet(self, quiet: float = QUIET_S, limit: float = QUIET_MAX_S) -> bool:
        """Until no running node's view has changed for `quiet` seconds, at most `limit`
        (docs/scenario-format.md, "Waits"); False when it was not quiet by then."""
        start = time.monotonic()
        last_change = start
        seen: dict[str, tuple[str, str]] = {}
        while True:
            views = {
                node.name: self._view(node)
                for node in self.nodes.values()
                if _ours(node.pid, node.netns)
            }
            now = time.monotonic()
            if views != seen:
                seen, last_change = views, now
            elif now - last_change >= quiet:
                return True
            if now - start >= limit:
                return False
            time.sleep(0.25)

    def log_path(self, name: str) -> Path:
        """The node's own corosync logfile on the host (its daemon writes it as LOGFILE)."""
        return Path(self._node(name).directory) / "log" / "corosync.log"

    def qdevice_log_path(self, name: str) -> Path | None:
        """What the node's corosync-qdevice wrote to stdout and stderr (None before its
        first start).  With the lab's logging section (`to_stderr: no`, `to_syslog: no`)
        corosync-qdevice 3.0.3 writes nothing there; it has no logfile of its own."""
        path = Path(self._node(name).directory) / qdevice.QDEVICE_OUTPUT
        return path if path.is_file() else None

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

    def observe(self) -> Observation:
        """Every running node's `corosync-quorumtool -s`, once the membership has settled;
        with the links extension also its `corosync-cfgtool -s` table.  While a link fault
        is active the membership is what corosync makes of it, so it is read as it is."""
        if self.link_fault_active():
            readings = {name: self._answer(name) for name in self.running()}
        else:
            readings = self.wait_settled()
        links = None
        if self.link_settings is not None:
            links = {name: self.link_table(name) for name in readings}
        return Observation.read(self.cluster, readings, links=links)

    def _readings_as_they_are(self) -> Observation:
        """Every running node that answers now, read as it is (what `await` polls)."""
        readings = {}
        for name in self.running():
            status = self.status(name)
            if status is not None:
                readings[name] = status
        return Observation.read(self.cluster, readings)

    def _answer(self, name: str) -> QuorumStatus:
        """`corosync-quorumtool -s`, tried OBSERVE_TRIES times before the lab gives up."""
        for _ in range(OBSERVE_TRIES):
            status = self.status(name)
            if status is not None:
                return status
        raise PrerequisiteError(
            f"{name}: corosync-quorumtool -s did not answer in {OBSERVE_TRIES} tries "
            f"of {TOOL_TIMEOUT_S:.0f} s"
        )

    def link_table(self, name: str) -> LinkTable:
        """The node's `corosync-cfgtool -s` as the observation's `links`: per nodelist node
        (node id order) its (link, status) rows (docs/scenario-format.md, Observations)."""
        for _ in range(OBSERVE_TRIES):
            text = self.cfgtool(name)
            if text is not None:
                status = cfgtool.parse_status(text, f"{name}: corosync-cfgtool -s")
                return tuple(
                    (node.name, status.states_of(node.nodeid))
                    for node in sorted(self.cluster.nodes, key=lambda n: n.nodeid)
                )
        raise PrerequisiteError(
            f"{name}: corosync-cfgtool -s did not answer in {OBSERVE_TRIES} tries "
            f"of {TOOL_TIMEOUT_S:.0f} s"
        )


def _links_to_state(links: LinkSettings) -> dict[str, object]:
    return {
        "links": links.links,
        "link_mode": links.link_mode,
        "link_priority": None if links.link_priority is None else list(links.link_priority),
    }


def _links_from_state(state: dict[str, Any]) -> LinkSettings:
    priority = state.get("link_priority")
    return LinkSettings(
        links=state.get("links"),
        link_mode=state.get("link_mode"),
        link_priority=None if priority is None else tuple((int(k), int(v)) for k, v in priority),
    )


def running_labs() -> list[str]:
    """Names of the labs with a state file under this user's lab root."""
    root = _checked_root()
    if root is None:
        return []
    return sorted(
        p.parent.name for p in root.glob("*/state.json") if LAB_NAME.fullmatch(p.parent.name)
    )


def _free_index(exclude: set[int] | None = None) -> int:
    """A lab index that no namespace on the machine and no state file of this user's uses.

    Namespace names are global, so `ip netns list` shows every user's labs whatever root
    their state lives in; `up` then claims the index by creating its switch namespace."""
    used = set(exclude or ())
    for name in running_labs():
        try:
            used.add(json.loads((LAB_ROOT / name / "state.json").read_text())["index"])
        except (OSError, ValueError, KeyError):
            continue
    for line in _run(["ip", "netns", "list"], check=False).stdout.splitlines():
        match = re.match(r"pvq(\d+)-", line)
        if match:
            used.add(int(match.group(1)))
    for index in range(1, MAX_INDEX + 1):
        if index not in used and not (LAB_ROOT / f"pvq{index}").exists():
            return index
    raise PrerequisiteError("no free lab index")


def down_all_leftovers() -> list[str]:
    """`pvequorum lab down --all`: remove the caller's labs, and nothing else.

    Only labs under the caller's root whose state file records the caller as owner: a state
    that names another owner, or none, or cannot be read, is left alone.  So is every
    namespace no such state names: namespace names are global, and a `pvq*` namespace no
    state of ours knows may be another user's running lab."""
    removed = []
    for name in running_labs():
        try:
            lab = Lab.load(name)
        except (InputError, ValueError, OSError, KeyError, TypeError):
            continue
        if lab.owner != _caller_uid():
            continue
        lab.down()
        removed.append(name)
    return removed
