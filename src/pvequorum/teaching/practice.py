"""Practice on real corosync when the machine allows it, on the simulator otherwise.  An edge.

    with practice_cluster(PRESETS["two-node"].cluster) as practice:
        print(practice.notice)
        practice.crash("pve2")
        print(practice.status_text("pve1"))     # what `pvecm status` shows on pve1
        practice.expected("pve1", 1)            # what `pvecm expected 1` does

With a QDevice in the cluster (labs 03 and 04), `qnetd("stop")` / `qnetd("start")` stop
and start the real corosync-qnetd and wait for the device's vote to follow.

With knet links (`practice_cluster(cluster, links=LinkSettings(links=2))`, lab 08) the same
practice pulls a node's cable on one link (`link_down("pve1", 0)`, `link_up`), cuts one
pair (`link_cut`, `link_uncut`) and reads `corosync-cfgtool -s` (`cfgtool_text`).

The real backend is the corosync lab (`pvequorum.lab.core.Lab`: one daemon per network
namespace, needs root and the corosync package).  Without it, or with the environment
variable `PVEQUORUM_PRACTICE=simulator`, the same calls run on the simulator, which agrees
with real corosync on every scenario of `tests/scenarios`; `notice` says which one runs.
Labs print nothing backend-dependent in the cells nbval checks.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Collection
from typing import TYPE_CHECKING

from pvequorum import engine
from pvequorum.errors import InputError, PrerequisiteError
from pvequorum.model import Cluster
from pvequorum.scenario import Accepted, LinkSettings, LinkTable, Step, StepResult
from pvequorum.simulator import Simulator

if TYPE_CHECKING:
    from pvequorum.lab.core import Lab

ENV = "PVEQUORUM_PRACTICE"  # "simulator" forces the simulator, "real" forces the lab
REAL = "real corosync"
SIMULATOR = "simulator"
SIMULATOR_HELP = (
    "The real corosync lab needs root and the corosync package "
    "(`sudo make lab` on a machine with `apt-get install corosync`)."
)
SIMULATOR_NOTICE = f"Running on the simulator: {SIMULATOR_HELP[0].lower()}{SIMULATOR_HELP[1:]}"
REAL_NOTICE = (
    "Running on real corosync: one corosync daemon per node, each in its own network "
    "namespace (the lab uses a 1000 ms token, so failures are noticed within seconds)."
)


class Practice:
    """A running cluster to act on.  Use as a context manager, or call `close()`.

    Every action is a scenario step run through `engine.apply`, the one step dispatcher of
    the simulator and the lab, so both backends do exactly what a scenario does.  What is
    not a step (the `pvecm status` text, which nodes run, cleaning up) is the backend's.
    """

    backend: str = SIMULATOR
    notice: str = SIMULATOR_NOTICE

    def __init__(
        self, cluster: Cluster, runner: engine.Engine, links: LinkSettings | None = None
    ) -> None:
        self.cluster = cluster
        self.engine = runner
        self.links = links

    def _step(self, step: Step) -> StepResult:
        return engine.apply(self.engine, step)

    def crash(self, name: str) -> None:
        self._step(Step("crash", (self._known(name),)))

    def start(self, name: str) -> None:
        self._step(Step("start", (self._known(name),)))

    def expected(self, name: str, votes: int) -> bool:
        """`pvecm expected N` on a node (it runs `corosync-quorumtool -e N`, reference 2.3);
        True if corosync accepted it."""
        result = self._step(Step("expected", (self._running(name),), votes=votes))
        return isinstance(result, Accepted) and result.accepted

    def status_text(self, name: str) -> str:
        """The node's `pvecm status` (reference 5.2)."""
        return self._status_text(self._running(name))

    # --- a QDevice (a practice whose cluster has `quorum.device`; reference 3.1, 12.1) -----
    def qnetd(self, action: str) -> None:
        """Stop, kill or start corosync-qnetd, then wait until every running node's own
        device vote agrees with it (at most a minute: qdevice retries every 8 s)."""
        self._step(Step("qnetd", action=action))
        cast = action == "start"
        self._step(Step("await", conditions=(("device_cast", cast),), timeout_ms=60_000))

    # --- knet links (a practice started with `links`; reference 12.4) ----------------------
    def link_down(self, name: str, link: int) -> None:
        """Pull the node's cable on one link (the `link-down` step)."""
        self._step(Step("link-down", (self._known(name),), link=self._link(link)))

    def link_up(self, name: str, link: int) -> None:
        self._step(Step("link-up", (self._known(name),), link=self._link(link)))

    def link_cut(self, a: str, b: str, link: int) -> None:
        """Drop only the frames between two nodes on one link (the `link-cut` step)."""
        self._step(Step("link-cut", (self._known(a), self._known(b)), link=self._link(link)))

    def link_uncut(self, a: str, b: str, link: int) -> None:
        self._step(Step("link-uncut", (self._known(a), self._known(b)), link=self._link(link)))

    def cfgtool_text(self, name: str) -> str:
        """The node's `corosync-cfgtool -s` (reference 5.4)."""
        return self._cfgtool_text(self._running(name))

    def link_table(self, name: str) -> LinkTable:
        """The node's `corosync-cfgtool -s` as (peer, ((link, state), ...)) rows."""
        return self._link_table(self._running(name))

    def link_state(self, name: str, peer: str, link: int) -> str:
        """What the node's `corosync-cfgtool -s` prints for `peer` on `link`: `localhost`,
        `connected` or `disconnected`."""
        rows = dict(self.link_table(name))
        return dict(rows[self._known(peer)])[self._link(link)]

    def _link(self, link: int) -> int:
        count = 1 if self.links is None else self.links.count
        if isinstance(link, bool) or not isinstance(link, int) or not 0 <= link < count:
            raise InputError(f"link {link!r} is not one of the practice's links 0..{count - 1}")
        return link

    def summary_lines(self) -> tuple[str, ...]:
        """One line per node: stopped, or quorate/NOT quorate with its votes and quorum."""
        from pvequorum.outage import node_line

        seen = self.engine.observe()
        lines = [node_line(name, seen.get(name)) for name in self.cluster.names]
        if seen.split_brain:
            lines.append("SPLIT BRAIN: more than one partition is quorate")
        return tuple(lines)

    def close(self) -> None:
        """Stop everything this practice started (idempotent)."""

    def __enter__(self) -> Practice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _known(self, name: str) -> str:
        self.cluster.node(name)  # raises ModelError naming the unknown node
        return name

    def _running(self, name: str) -> str:
        if self._known(name) not in self._running_names():
            raise InputError(f"{name} is not running: pvecm cannot run there")
        return name

    def _running_names(self) -> Collection[str]:
        raise NotImplementedError

    def _status_text(self, name: str) -> str:
        raise NotImplementedError

    def _cfgtool_text(self, name: str) -> str:
        raise NotImplementedError

    def _link_table(self, name: str) -> LinkTable:
        raise NotImplementedError


class SimulatorPractice(Practice):
    backend = SIMULATOR

    def __init__(
        self,
        cluster: Cluster,
        notice: str = SIMULATOR_NOTICE,
        links: LinkSettings | None = None,
    ) -> None:
        self.sim = Simulator(cluster, links=links)
        super().__init__(cluster, self.sim, links)
        self.notice = notice
        self._step(Step("start", cluster.names))

    def _running_names(self) -> Collection[str]:
        return self.sim.running

    def _status_text(self, name: str) -> str:
        from pvequorum.outage import status_text

        return status_text(self.cluster, self.sim.view(name))

    def _link_table(self, name: str) -> LinkTable:
        return self.sim.link_table(name)

    def _cfgtool_text(self, name: str) -> str:
        from pvequorum.linkview import cfgtool_text

        return cfgtool_text(self.cluster, name, self.sim.link_table(name))


class RealPractice(Practice):
    """The corosync lab: every node starts at once; each step waits until it settled."""

    backend = REAL
    notice = REAL_NOTICE
    lab: Lab

    def __init__(self, cluster: Cluster, links: LinkSettings | None = None) -> None:
        from pvequorum.lab.core import Lab

        self.lab = Lab(cluster, links=links)
        super().__init__(cluster, self.lab, links)
        self._closed = False
        self.lab.up()
        atexit.register(self.close)
        try:
            self._step(Step("start", cluster.names))
        except BaseException:
            self.close()
            raise

    def _running_names(self) -> Collection[str]:
        return self.lab.running()

    def _status_text(self, name: str) -> str:
        """`pvecm status`: its cluster header, then the real `corosync-quorumtool -siH`."""
        from pvequorum.status import pvecm_header

        result = self.lab.exec(name, ["corosync-quorumtool", "-siH"], timeout=15)
        if result.returncode not in (0, 2):  # 2: not quorate (reference 5.1)
            raise PrerequisiteError(f"corosync-quorumtool failed on {name}: {result.stderr}")
        header = pvecm_header(
            cluster_name=self.cluster.name,
            config_version=self.cluster.config_version or 1,
            transport="knet",
            secure_auth="off",  # the lab runs without crypto (lab/conffile.py)
        )
        return header + result.stdout

    def _cfgtool_text(self, name: str) -> str:
        text = self.lab.cfgtool(name)
        if text is None:
            raise PrerequisiteError(f"corosync-cfgtool -s did not answer on {name}")
        return text

    def _link_table(self, name: str) -> LinkTable:
        return self.lab.link_table(name)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.lab.down()


def practice_cluster(
    cluster: Cluster, backend: str | None = None, *, links: LinkSettings | None = None
) -> Practice:
    """A practice cluster with every node started.

    `backend`: "real", "simulator" or None (the environment variable `PVEQUORUM_PRACTICE`,
    else real corosync when the machine has it, else the simulator with a notice saying
    why).  `links`: the knet links (the scenario format's links extension), None for one.
    """
    choice = (backend or os.environ.get(ENV) or "auto").strip().lower()
    if choice in ("simulator", "sim"):
        why = "chosen" if backend else f"{ENV}=simulator"
        notice = f"Running on the simulator ({why}). {SIMULATOR_HELP}"
        return SimulatorPractice(cluster, notice, links)
    if choice not in ("auto", "real", "corosync"):
        raise InputError(f"{ENV}={choice!r}: use 'real' or 'simulator'")
    from pvequorum.lab.core import check_prerequisites

    try:
        check_prerequisites()
        return RealPractice(cluster, links)
    except PrerequisiteError as exc:
        if choice != "auto":
            raise
        notice = f"{SIMULATOR_NOTICE} (Here: {exc}.)"
        return SimulatorPractice(cluster, notice, links)
