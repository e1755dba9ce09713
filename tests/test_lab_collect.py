"""What `pvequorum collect` reads on a lab node: every command of `bundle.commands` through
the lab executor, answered by the real corosync tools where a daemon runs, the journal from
each node's own logfile (`lab.journalview`, the lab's stand-in: no systemd in the lab)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prereq import require_lab

from pvequorum import bundle
from pvequorum.lab import journalview

NOW = datetime(2026, 12, 2, 22, 0, 0, tzinfo=UTC)
LINE = "Dec 02 21:47:48.329 [9755] vm corosync notice  [KNET  ] link: host: 2 link: 0 is down"
SHORT_ISO = re.compile(
    r"(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}) (?P<host>\S+) "
    r"(?P<ident>[\w.-]+)\[(?P<pid>\d+)\]: (?P<message>.*)"
)
STARTING = "Corosync Cluster Engine 3.1.7 starting up"
NODES = ("pve1", "pve2", "pve3")


# --- the pure conversion ----------------------------------------------------------------
def test_a_logfile_line_in_journal_short_iso_form() -> None:
    text = journalview.journal([LINE], "pve1", "-1h", NOW, UTC)
    assert text == (
        "2026-12-02T21:47:48+0000 pve1 corosync[9755]: [KNET  ] link: host: 2 link: 0 is down\n"
    )
    plain = LINE.replace("21:47:48.329", "21:47:48")  # `timestamp: on`, no fraction
    assert journalview.journal([plain], "pve1", "-1h", NOW, UTC) == text


def test_other_lines_are_dropped_and_nothing_left_is_no_entries() -> None:
    lines = [
        "  a continuation line",
        "parse error in config: This totem parser can only parse version 2 configurations.",
        "",
    ]
    assert journalview.journal(["\n".join(lines)], "pve1", "-1d", NOW, UTC) == "-- No entries --\n"
    assert journalview.journal([LINE], "pve1", "2099-01-01", NOW, UTC) == "-- No entries --\n"


def test_the_year_is_this_one_unless_the_date_lies_ahead() -> None:
    new_year = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    late = LINE.replace("Dec 02 21:47:48.329", "Dec 31 23:59:59.990")
    early = LINE.replace("Dec 02 21:47:48.329", "Jan 01 00:00:01.000")
    text = journalview.journal([f"{late}\n{early}"], "pve2", "-1h", new_year, UTC)
    assert [line[:24] for line in text.splitlines()] == [
        "2026-12-31T23:59:59+0000",
        "2027-01-01T00:00:01+0000",
    ]


@pytest.mark.parametrize(
    ("since", "start"),
    [
        ("-1h", NOW - timedelta(hours=1)),
        ("-90m", NOW - timedelta(minutes=90)),
        ("-30s", NOW - timedelta(seconds=30)),
        ("-2d", NOW - timedelta(days=2)),
        ("today", datetime(2026, 12, 2, tzinfo=UTC)),
        ("yesterday", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-11-30", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026-12-02 21:47", datetime(2026, 12, 2, 21, 47, tzinfo=UTC)),
        ("2026-12-02 21:47:49", datetime(2026, 12, 2, 21, 47, 49, tzinfo=UTC)),
    ],
)
def test_since_forms(since: str, start: datetime) -> None:
    assert bundle.check_since(since) == since
    assert journalview.parse_since(since, NOW, UTC) == start


def test_lines_at_or_after_since_in_time_order() -> None:
    second = LINE.replace("21:47:48.329", "21:47:49.000").replace("9755", "9756")
    first = LINE.replace("21:47:48.329", "21:47:47.000")
    text = journalview.journal([second, first], "pve1", "2026-12-02 21:47:48", NOW, UTC)
    assert [m["time"] for m in map(SHORT_ISO.fullmatch, text.splitlines()) if m] == [
        "2026-12-02T21:47:49+0000"
    ]
    both = journalview.journal([second, first], "pve1", "-1h", NOW, UTC).splitlines()
    assert [line[11:19] for line in both] == ["21:47:47", "21:47:49"]
    with pytest.raises(ValueError, match="Failed to parse timestamp: 2026-02-30"):
        journalview.parse_since("2026-02-30", NOW, UTC)


# --- on real corosync ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def lab() -> Iterator[Any]:
    """Three nodes; a corosync.conf written through /etc/pve on pve1 (pmxcfs copies it, a
    reload); then pve3 stopped.  `lab.pids[node]`: the pids that node's corosync had."""
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster
    from pvequorum.runbooks.executors import LabExecutor

    with Lab(simple_cluster(3)) as built:
        built.start(list(NODES))
        built.wait_settled()
        built.pids = {name: {built.nodes[name].pid} for name in NODES}
        built.reloaded = {name: built.log_path(name).stat().st_size for name in NODES}
        pve1 = LabExecutor("pve1", built.name)
        text = built.corosync_conf_text("pve1").replace("config_version: 1", "config_version: 2")
        assert pve1.write_file("/etc/pve/corosync.conf.new", text).returncode == 0
        moved = pve1.run(["mv", "/etc/pve/corosync.conf.new", "/etc/pve/corosync.conf"])
        assert moved.returncode == 0, moved
        _wait_for_reload(built)
        built.stop(["pve3"])
        built.wait_settled()
        yield built


def _wait_for_reload(lab: Any) -> None:
    """Until every node runs with config_version 2, at most 10 s.  Not a log line: corosync
    3.1.7 reopens its logfile during the reload, and in some runs a line around that
    (`Config reload requested by node 1`, `Configuring link 0`) is missing from one node's
    file (seen on the lab's real daemons, also with one logfile path per node)."""
    deadline = time.monotonic() + 10
    while True:
        versions = {
            name: lab.exec(name, ["corosync-cmapctl", "-g", "totem.config_version"]).stdout
            for name in NODES
        }
        if all(v.strip().endswith("= 2") for v in versions.values()):
            return
        assert time.monotonic() < deadline, versions
        time.sleep(0.2)


def _since_reload(lab: Any, name: str) -> str:
    return lab.log_path(name).read_text()[lab.reloaded[name] :]


def _collect(lab: Any, node: str, since: str = "-1h") -> dict[str, Any]:
    from pvequorum.runbooks.executors import LabExecutor

    executor = LabExecutor(node, lab.name)
    return {name: executor.run(argv) for name, argv in bundle.commands(since)}


RUNNING_EXITS = {
    bundle.PVECM_STATUS: 0,
    bundle.QUORUMTOOL_L: 0,
    bundle.CFGTOOL_S: 0,
    bundle.CFGTOOL_N: 0,
    bundle.LOCAL_CONF: 0,
    bundle.CLUSTER_CONF: 0,
    bundle.JOURNAL: 0,
    bundle.PVEVERSION: 127,
    bundle.HA_STATUS: 127,
}
STOPPED_EXITS = {**RUNNING_EXITS, **dict.fromkeys(bundle.FILES[:4], 1)}


def _journal_pids(lab: Any, node: str, text: str) -> set[int]:
    pids = set()
    for line in text.splitlines():
        match = SHORT_ISO.fullmatch(line)
        assert match, line
        assert match["host"] == node and match["ident"] == "corosync", line
        pids.add(int(match["pid"]))
    return pids


@pytest.mark.lab
@pytest.mark.parametrize(("node", "exits"), [("pve1", RUNNING_EXITS), ("pve3", STOPPED_EXITS)])
def test_every_bundle_command_on_a_running_and_a_stopped_node(
    lab: Any, node: str, exits: dict[str, int]
) -> None:
    got = _collect(lab, node)
    assert {name: r.returncode for name, r in got.items()} == exits, got
    conf = lab.corosync_conf_text(node)
    assert "config_version: 2" in conf and "logfile: /var/log/corosync/corosync.log" in conf
    assert got[bundle.LOCAL_CONF].output == conf
    assert got[bundle.CLUSTER_CONF].output == conf
    journal = got[bundle.JOURNAL].output
    assert STARTING in journal
    pids = _journal_pids(lab, node, journal)
    others = set().union(*(lab.pids[n] for n in NODES if n != node))
    assert pids == lab.pids[node] and not pids & others
    for name in (bundle.PVEVERSION, bundle.HA_STATUS):
        command = dict(bundle.commands())[name][0]
        assert got[name].output == f"lab: no Proxmox VE here: {command} is not installed\n"
    status = got[bundle.PVECM_STATUS].output
    assert status.startswith(
        "Cluster information\n-------------------\nName:             lab\n"
        "Config Version:   2\nTransport:        knet\nSecure auth:      off\n\n"
    )
    if node == "pve1":
        assert "Quorate:          Yes" in status
        assert "pve2" in got[bundle.QUORUMTOOL_L].output
        assert "LINK ID 0" in got[bundle.CFGTOOL_S].output
        assert "nodeid: 2 reachable" in got[bundle.CFGTOOL_N].output
    else:  # the real tools' own refusals, corosync not running
        assert status.endswith("\n\nCannot initialize CMAP service\n"), status
        assert got[bundle.QUORUMTOOL_L].output == "Cannot initialize CMAP service\n"
        refused = "Could not initialize corosync configuration API error 2\n"
        assert got[bundle.CFGTOOL_S].output == got[bundle.CFGTOOL_N].output == refused


@pytest.mark.lab
def test_each_node_logs_into_its_own_file_after_a_write_through_etc_pve(lab: Any) -> None:
    for name in NODES:
        text = lab.log_path(name).read_text()
        pids = {int(p) for p in re.findall(r"^\w{3} [ \d]\d [\d:.]+ \[(\d+)\]", text, re.M)}
        assert pids == lab.pids[name], (name, pids, lab.pids)
    reason = lab._refusal(lab.nodes["pve3"])  # what a refused start reports: its own log
    assert reason and reason in lab.log_path("pve3").read_text()
    # After the reload every daemon went on writing its own file: pve3 its exit, the
    # others the membership without it.
    assert "Corosync Cluster Engine exiting normally" in _since_reload(lab, "pve3")
    for name in ("pve1", "pve2"):
        assert "[QUORUM] Members[2]: 1 2" in _since_reload(lab, name), name
    assert "Members[2]: 1 2" not in lab.log_path("pve3").read_text()


@pytest.mark.lab
def test_journal_since_in_the_future_and_other_journalctl_commands(lab: Any) -> None:
    from pvequorum.runbooks.executors import LabExecutor

    pve2 = LabExecutor("pve2", lab.name)
    future = pve2.run(bundle.journal_argv("2099-01-01"))
    assert (future.returncode, future.output) == (0, "-- No entries --\n")
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert pve2.run(bundle.journal_argv(tomorrow)).output == "-- No entries --\n"
    since_start = pve2.run(bundle.journal_argv("today"))
    assert since_start.returncode == 0 and STARTING in since_start.output
    argv = list(bundle.journal_argv("-1h"))
    for refused in (
        ["journalctl", "-u", "corosync"],
        argv[:-2],
        [*argv, "-u", "ssh"],
        [*argv[:5], "-1y", *argv[6:]],
        ["journalctl", "--flush"],
    ):
        result = pve2.run(refused)
        assert result.returncode == 1 and result.output.count("\n") == 1, result
        assert result.output.startswith("lab: journalctl answers only"), result
    tail = pve2.run(["journalctl", "-b", "-u", "corosync"])  # the runbooks' own, as before
    assert tail.returncode == 0 and STARTING in tail.output
    assert tail.output.splitlines()[-1] == lab.log_path("pve2").read_text().splitlines()[-1]


@pytest.mark.lab
def test_qdevice_tool_without_a_device_is_the_real_tools_error(lab: Any) -> None:
    from pvequorum.runbooks.executors import LabExecutor

    assert lab.qdevice_log_path("pve1") is None
    for node in ("pve1", "pve3"):
        result = LabExecutor(node, lab.name).run(["corosync-qdevice-tool", "-s"])
        assert result.returncode == 3, result
        assert result.output == (
            "corosync-qdevice-tool: Can't connect to QDevice socket (is QDevice running?): "
            "No such file or directory\n"
        )
