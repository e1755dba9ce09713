"""The QDevice extension's steps on the real lab (an edge), mixed into `lab.core.Lab`.

docs/scenario-format.md, "Extension: QDevice": corosync first, then `corosync-qdevice` once
the membership has settled (systemd's `After=corosync.service`); `stop` and `crash` reach
the qdevice daemon first; qnetd can be stopped, killed and started again; a node's port on
the qnetd network can be taken off its bridge (`isolate-qdevice`) and put back; `await`
polls the nodes' views until its conditions hold, then waits for quiet.  Every daemon start
and exit lands on the lab's `events` timeline (ms since the lab was built), which is where
the device-vote times in the notes come from.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvequorum.errors import InputError, PrerequisiteError
from pvequorum.lab import qdevice
from pvequorum.lab.process import ours
from pvequorum.lab.process import run as run_tool
from pvequorum.scenario import QNETD_ACTIONS, conditions_hold

if TYPE_CHECKING:
    from pvequorum.lab.core import NodeRuntime
    from pvequorum.model import Cluster
    from pvequorum.scenario import Observation
    from pvequorum.status import QuorumStatus

QDEVICE_QUIET_MAX_S = 150.0  # the QDevice extension's quiet wait: 6 s quiet within 150 s
AWAIT_POLL_S = 0.3
STARTED_WAIT_S = 15.0  # corosync answers its IPC or has exited by then (it refused)
QNETD_BRIDGE = "qbr"


class DeviceSteps:
    """What the QDevice steps need from the lab, and the steps themselves."""

    if TYPE_CHECKING:
        cluster: Cluster
        nodes: dict[str, NodeRuntime]
        qnetd_host: qdevice.QnetdHost | None

        @property
        def has_qdevice(self) -> bool: ...

        qdevice_isolated: set[str]
        switch: str

        def _node(self, name: str) -> NodeRuntime: ...
        def log_path(self, name: str) -> Path: ...
        def _save(self) -> None: ...
        def _event(self, event: str, **fields: Any) -> None: ...
        def _spawn_corosync(self, node: NodeRuntime) -> None: ...
        def status(self, name: str) -> QuorumStatus | None: ...
        def running(self) -> list[str]: ...
        def wait_settled(self) -> dict[str, QuorumStatus]: ...
        def wait_quiet(self, quiet: float = ..., limit: float = ...) -> bool: ...
        def _readings_as_they_are(self) -> Observation: ...
        def pmxcfs_sync_corosync_conf(self, origin: str) -> list[str]: ...
        def exec(self, name: str, argv: list[str]) -> Any: ...

    # --- corosync, and the refusals -----------------------------------------------------
    def start_corosync(self, names: Sequence[str]) -> list[str]:
        """Start corosync alone on these nodes; the names whose corosync refused to run.

        A refusal (say `two_node` with a device) makes corosync exit within a second of its
        start, with the reason in its log; a node that took its configuration answers
        `corosync-quorumtool -s`.  Each started node is watched until one of the two."""
        started = []
        for name in names:
            node = self._node(name)
            if not ours(node.pid, node.netns):
                self._spawn_corosync(node)
                self._event("corosync-start", node=name, pid=node.pid)
                started.append(node)
        self._save()
        refused = [node.name for node in started if not self._came_up(node)]
        for name in refused:
            self.nodes[name].pid = None
        self._save()
        return refused

    def _came_up(self, node: NodeRuntime) -> bool:
        deadline = time.monotonic() + STARTED_WAIT_S
        while time.monotonic() < deadline:
            if not ours(node.pid, node.netns):
                self._event("corosync-exit", node=node.name, reason=self._refusal(node))
                return False
            if self.status(node.name) is not None:
                return True
            time.sleep(0.1)
        raise PrerequisiteError(
            f"{node.name}: corosync neither answered nor exited in {STARTED_WAIT_S:.0f} s"
        )

    def _refusal(self, node: NodeRuntime) -> str:
        """The last error line of the node's corosync log (the reason it gave)."""
        log = self.log_path(node.name)
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        errors = [line for line in lines if "[error]" in line or "failed" in line]
        return (errors or lines or ["(no log)"])[-1][-300:]

    # --- corosync-qdevice ---------------------------------------------------------------
    def _device_required(self, step: str) -> qdevice.QnetdHost:
        if not self.has_qdevice or self.qnetd_host is None:
            raise InputError(f"{step}: the lab's cluster has no quorum.device")
        return self.qnetd_host

    def qdevice_start(self, names: Sequence[str]) -> None:
        """corosync-qdevice on those of these nodes whose corosync runs (not waited for)."""
        self._device_required("qdevice-start")
        for name in names:
            node = self._node(name)
            if ours(node.pid, node.netns) and not ours(node.qdevice_pid, node.netns):
                node.qdevice_pid = qdevice.start_qdevice(node.netns, node.directory)
                self._event("qdevice-start", node=name, pid=node.qdevice_pid)
        self._save()

    def qdevice_stop(self, names: Sequence[str]) -> None:
        self._device_required("qdevice-stop")
        self._stop_qdevices(names, signal.SIGTERM)

    def qdevice_kill(self, names: Sequence[str]) -> None:
        self._device_required("qdevice-kill")
        self._stop_qdevices(names, signal.SIGKILL)

    def _stop_qdevices(self, names: Sequence[str], sig: signal.Signals) -> None:
        for name in names:
            node = self._node(name)
            if ours(node.qdevice_pid, node.netns):
                qdevice.stop(node.qdevice_pid, node.netns, sig)
                self._event("qdevice-exit", node=name, signal=sig.name)
            node.qdevice_pid = None
        self._save()

    # --- qnetd and its network ------------------------------------------------------------
    def qnetd(self, action: str) -> None:
        """`stop` (SIGTERM), `kill` (SIGKILL) or `start` the lab's corosync-qnetd."""
        host = self._device_required("qnetd")
        if action not in QNETD_ACTIONS:
            raise InputError(f"qnetd: {action!r} is not one of {', '.join(QNETD_ACTIONS)}")
        if action == "start":
            qdevice.start_qnetd(host)
            self._event("qnetd-start", pid=host.pid)
        else:
            sig = signal.SIGTERM if action == "stop" else signal.SIGKILL
            qdevice.stop(host.pid, host.netns, sig)
            host.pid = None
            self._event("qnetd-exit", signal=sig.name)
        self._save()

    def qnetd_running(self) -> bool:
        return self.qnetd_host is not None and ours(self.qnetd_host.pid, self.qnetd_host.netns)

    def isolate_qdevice(self, names: Sequence[str]) -> None:
        """Take these nodes' ports off the qnetd bridge: frames vanish, nothing is reset."""
        self._device_required("isolate-qdevice")
        for name in names:
            self._qnetd_port(self._node(name), attached=False)
            self.qdevice_isolated.add(name)
        self._save()

    def rejoin_qdevice(self, names: Sequence[str]) -> None:
        self._device_required("rejoin-qdevice")
        for name in names:
            self._qnetd_port(self._node(name), attached=True)
            self.qdevice_isolated.discard(name)
        self._save()

    def _qnetd_port(self, node: NodeRuntime, *, attached: bool) -> None:
        assert node.qnetd_ports is not None
        where = ["master", QNETD_BRIDGE] if attached else ["nomaster"]
        run_tool(["ip", "-n", self.switch, "link", "set", node.qnetd_ports[0], *where])

    # --- waiting ------------------------------------------------------------------------
    def await_(
        self, conditions: Mapping[str, object], nodes: Sequence[str] | None, timeout_ms: int
    ) -> tuple[bool, int]:
        """Poll about every 0.3 s until the conditions hold on every listed node (default:
        the running ones); then wait for quiet.  (met, ms until the first poll that saw it)."""
        began = time.monotonic()
        deadline = began + timeout_ms / 1000
        while True:
            observation = self._readings_as_they_are()
            listed = list(nodes) if nodes is not None else self.running()
            if conditions_hold(observation, conditions, listed):
                elapsed = round((time.monotonic() - began) * 1000)
                self._event("await-met", conditions=dict(conditions), elapsed_ms=elapsed)
                self.wait_quiet(limit=QDEVICE_QUIET_MAX_S)
                return True, elapsed
            if time.monotonic() >= deadline:
                self._event("await-timeout", conditions=dict(conditions))
                return False, round((time.monotonic() - began) * 1000)
            time.sleep(AWAIT_POLL_S)

    # --- what `pvecm qdevice setup` and `pvecm qdevice remove` do (reference 3.3) --------
    def install_qnetd(self) -> str:
        """`apt install corosync-qnetd` on the qnetd host: its postinst makes the CA and
        server certificate and starts the daemon."""
        host = self.qnetd_host
        if host is None:
            raise InputError("the lab has no qnetd host (build it with a device or qnetd=True)")
        qdevice.init_qnetd(host)
        qdevice.start_qnetd(host)
        self._event("qnetd-start", pid=host.pid)
        self._save()
        return "lab: corosync-qnetd installed and running on the qnetd host\n"

    def qdevice_setup(self, origin: str, address: str, force: bool) -> tuple[int, str]:
        """`pvecm qdevice setup ADDRESS [--force]` run on `origin`, in pvecm's order: every
        node online, certificates, the device section written through /etc/pve (a version
        bump, pmxcfs copies it), corosync-qdevice started on every member, a reload."""
        from pvequorum.conf import edits, parse_config

        refusal = self._pvecm_refusal(origin)
        if refusal is None and self.has_qdevice:
            refusal = "QDevice already configured!"
        if refusal is None and len(self.nodes) % 2 and not force:
            refusal = "Clusters with an odd node count are not officially supported!"
        host = self.qnetd_host
        if refusal is None and (host is None or address != host.address):
            refusal = f"ssh: connect to host {address} port 22: No route to host"
        if refusal is None and not self.qnetd_running():
            refusal = f"{address}: corosync-qnetd is not installed or not running"
        if refusal is not None:
            return 255, refusal + "\n"
        assert host is not None
        ordered = sorted(self.nodes.values(), key=lambda n: n.nodeid)
        qdevice.node_certificates(host, [n.directory for n in ordered], self.cluster.name)
        self._event("certificates", by="pvecm qdevice setup")
        new_text = edits.add_qdevice(self._cluster_conf(origin), address).new_text
        self._write_cluster_conf(origin, new_text)
        device = parse_config(new_text).quorum.device
        self.cluster = replace(self.cluster, quorum=replace(self.cluster.quorum, device=device))
        self._save()
        self.pmxcfs_sync_corosync_conf(origin)
        self.qdevice_start([n.name for n in ordered])
        self.exec(origin, ["corosync-cfgtool", "-R"])
        return 0, "INFO: add QDevice to cluster configuration\n"

    def qdevice_remove(self, origin: str) -> tuple[int, str]:
        """`pvecm qdevice remove` on `origin`: the section deleted (a version bump), every
        node's /etc/corosync/qdevice removed, corosync-qdevice stopped, a reload."""
        from pvequorum.conf import edits

        refusal = self._pvecm_refusal(origin)
        if refusal is None and not self.has_qdevice:
            refusal = "No QDevice configured!"
        if refusal is not None:
            return 255, refusal + "\n"
        new_text = edits.remove_qdevice(self._cluster_conf(origin)).new_text
        self._write_cluster_conf(origin, new_text)
        for node in self.nodes.values():
            shutil.rmtree(Path(node.directory) / "qdevice", ignore_errors=True)
            (Path(node.directory) / "qdevice").mkdir()
        self.cluster = replace(self.cluster, quorum=replace(self.cluster.quorum, device=None))
        self.pmxcfs_sync_corosync_conf(origin)
        self._stop_qdevices(list(self.nodes), signal.SIGTERM)
        self.exec(origin, ["corosync-cfgtool", "-R"])
        return 0, "\nRemoved Qdevice.\n"

    def _pvecm_refusal(self, origin: str) -> str | None:
        """pvecm's own checks before it changes anything: /etc/pve writable (quorate) and
        every node online (a member of the origin's view)."""
        status = self.status(origin)
        if status is None:
            return "Cannot initialize CMAP service"
        if not status.quorate:
            return "cluster not ready - no quorum?"
        members = set(status.member_names())
        for name in sorted(self.nodes):
            if name not in members:
                return f"All nodes must be online! Node {name} is offline, aborting."
        return None

    def _cluster_conf(self, origin: str) -> str:
        return (Path(self._node(origin).directory) / "pve" / "corosync.conf").read_text()

    def _write_cluster_conf(self, origin: str, text: str) -> None:
        """/etc/pve/corosync.conf on `origin`, written to a new file and renamed into place."""
        target = Path(self._node(origin).directory) / "pve" / "corosync.conf"
        temporary = target.with_name("corosync.conf.new")
        temporary.write_text(text)
        os.replace(temporary, target)
