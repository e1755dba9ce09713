"""Issue 12: every GO earned.  The state is what corosync says, evidence is checked against
the config, parameters fail closed, the token binds to the inputs, manual steps are manual,
a NO-GO is a verdict, executors run only where a step says, files travel as bytes.

Recordings under tests/data/real/ come from the real corosync 3.1.7 lab (2-node clusters).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import PROJECT

from pvequorum.cfgtool import parse_status as parse_link_status
from pvequorum.errors import InputError
from pvequorum.model import Cluster, Node, QuorumOptions
from pvequorum.procedures import build_plan
from pvequorum.procedures.evidence import links_show_down
from pvequorum.procedures.render import confirm_token, to_markdown
from pvequorum.procedures.request import PlanRequest, make_plan
from pvequorum.runbooks.params import RunbookParameterError, parse, to_bool
from pvequorum.runbooks.runner import execute, read_result
from pvequorum.simulator import Simulator
from pvequorum.status import render_pvecm_status

REAL = PROJECT / "tests" / "data" / "real"
WFA_CONF = (REAL / "two-node-wfa-cold-start.corosync.conf").read_text()
WFA_STATUS = (REAL / "two-node-wfa-cold-start.pvecm-status.txt").read_text()
PLAIN_CONF = (REAL / "two-node.corosync.conf").read_text()
CRASHED = (REAL / "two-node-crashed.pvecm-status.txt").read_text()


def request(**kw) -> PlanRequest:
    base = dict(kind="restore-quorum", config_text=PLAIN_CONF, config_where="c", pve_version="8.2")
    base.update(kw)
    return PlanRequest(**base)


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=cwd,
    )


# --- 1. the state is what corosync says --------------------------------------------------
def test_wait_for_all_cold_start_is_blocked_not_quorate() -> None:
    planned = make_plan(
        request(config_text=WFA_CONF, statuses=(("s", WFA_STATUS),), confirmed_down=("pve2",))
    )
    plan = planned.plan
    assert "nothing to restore" not in plan.summary
    assert "waiting for all nodes" in plan.summary
    assert plan.expected_steps == (("pve1", 1),)
    step = next(s for s in plan.steps if s.changes_state)
    assert "Quorum:           1 Activity blocked" in step.precheck.must_show
    assert "Flags:            2Node WaitForAll " in step.precheck.must_show
    assert any("cancel_wait_for_all" in o for o in plan.options)
    row = next(r for r in planned.rows if r.check == "quorum as the config gives it")
    assert row.result == "warning" and "only these nodes started" in row.detail


def test_cold_start_blocks_every_other_plan() -> None:
    planned = make_plan(
        request(kind="two-node", config_text=WFA_CONF, statuses=(("s", WFA_STATUS),))
    )
    assert planned.plan.blocked and not planned.plan.steps
    assert "restore quorum first" in planned.plan.all_dangers[0].text


def test_status_that_the_config_cannot_produce_is_no_go() -> None:
    # the plain config (no two_node) cannot give `Quorum: 1` with one of two votes
    status = WFA_STATUS.replace("Flags:            2Node WaitForAll ", "Flags:            ")
    plan = make_plan(request(statuses=(("s", status),), confirmed_down=("pve2",))).plan
    text = plan.all_dangers[0].text
    assert plan.blocked and not any(s.changes_state for s in plan.steps)
    assert "the status says `Quorum: 1`" in text and "the config gives `Quorum: 2`" in text


CLUSTERS = st.builds(
    lambda n, votes, two_node, wfa: Cluster(
        "lab",
        tuple(Node(f"pve{i}", i, votes[i - 1]) for i in range(1, n + 1)),
        QuorumOptions(two_node=1 if two_node and n == 2 else None, wait_for_all=wfa),
    ),
    st.integers(2, 5),
    st.lists(st.integers(1, 3), min_size=5, max_size=5),
    st.booleans(),
    st.sampled_from([None, 0, 1]),
)


@settings(max_examples=150, deadline=None)
@given(CLUSTERS, st.data())
def test_never_nothing_to_restore_when_quorate_is_no(cluster: Cluster, data) -> None:
    """Property: whatever history produced a pasted status (the simulator's own rendering
    after a loss, a cold start, or a partition), a plan never calls a `Quorate: No`
    partition writable, and never acts on a quorate one."""
    from pvequorum.lab.conffile import lab_corosync_conf

    addresses = {n.name: f"10.0.0.{n.nodeid}" for n in cluster.nodes}
    text = lab_corosync_conf(
        cluster, {n: [a] for n, a in addresses.items()}, "/var/log/corosync/corosync.log"
    )
    up = data.draw(st.lists(st.sampled_from(cluster.names), min_size=1, unique=True))
    history = data.draw(st.sampled_from(["lost", "cold", "split"]))
    sim = Simulator(cluster)
    if history == "cold":
        sim.start(up)
    else:
        sim.start(cluster.names)
        rest = [n for n in cluster.names if n not in up]
        if rest and history == "split":
            sim.partition([up, rest])
        elif rest:
            sim.stop(rest)
    view = sim.view(up[0])
    status = render_pvecm_status(view, cluster_name="lab", config_version=1, addresses=addresses)
    down = tuple(n for n in cluster.names if n not in up)
    plan = make_plan(request(config_text=text, statuses=(("s", status),), confirmed_down=down)).plan
    assert ("Quorate:          No" in status) == (not view.quorate)
    if not view.quorate:
        assert "nothing to restore" not in plan.summary
    else:
        assert not any(s.changes_state for s in plan.steps)


# --- 2. evidence checked against the config -------------------------------------------------
def test_another_clusters_status_is_refused() -> None:
    other = CRASHED.replace("Name:             lab", "Name:             prod")
    with pytest.raises(InputError, match="cluster 'prod', the config of 'lab'"):
        make_plan(request(statuses=(("s", other),)))
    moved = CRASHED.replace("10.213.", "10.99.")
    with pytest.raises(InputError, match=r"at 10\.99\.\d+\.1, the config has pve1 at"):
        make_plan(request(statuses=(("s", moved),)))
    udp = CRASHED.replace("Transport:        knet", "Transport:        udpu")
    with pytest.raises(InputError, match="transport udpu, the config runs knet"):
        make_plan(request(statuses=(("s", udp),)))


def test_cli_refuses_another_clusters_status_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "c.conf").write_text(PLAIN_CONF)
    (tmp_path / "s.txt").write_text(CRASHED.replace("Name:             lab", "Name:   prod"))
    result = _cli(
        "plan",
        "restore-quorum",
        "--config",
        str(tmp_path / "c.conf"),
        "--status",
        str(tmp_path / "s.txt"),
        "--pve-version",
        "8.2",
        "--confirmed-down",
        "pve2",
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "'prod'" in result.stderr and "'lab'" in result.stderr


def test_config_version_difference_warns_and_blocks_edits() -> None:
    newer = CRASHED.replace("Config Version:   1", "Config Version:   5")
    planned = make_plan(request(statuses=(("s", newer),), confirmed_down=("pve2",)))
    row = next(r for r in planned.rows if r.check == "config version")
    assert row.result == "warning" and "config_version 5" in row.detail
    assert not planned.plan.blocked  # restoring quorum does not edit the file
    edit = make_plan(
        request(
            kind="edit-corosync",
            statuses=(("s", newer),),
            confirmed_down=("pve2",),
            new_text=PLAIN_CONF,
        )
    )
    assert edit.plan.blocked and "config_version 5" in edit.plan.all_dangers[0].text


def test_rows_without_status_say_not_checked_and_manual_is_manual() -> None:
    planned = make_plan(request(kind="two-node", up=("pve1", "pve2")))
    assert {r.result for r in planned.rows} == {"not checked"}
    assert all("no pvecm status given" in r.detail for r in planned.rows)
    planned = make_plan(
        request(statuses=(("s", CRASHED),), confirmed_down=("pve2",), confirmed_by="IPMI")
    )
    manual = [r for r in planned.rows if r.result == "manual"]
    assert [r.check for r in manual] == ["pve2 powered off"]
    assert "confirmed by parameter confirmed_down (IPMI)" in manual[0].detail
    assert {r.check: r.result for r in planned.rows}["cluster name"] == "ok"


# --- 3. parameters fail closed ----------------------------------------------------------------
@pytest.mark.parametrize("word", ["true", "YES", "1", "Yes", True, 1])
def test_booleans_accept_the_six_words(word) -> None:
    assert to_bool(word, "ha_in_use") is True


@pytest.mark.parametrize("word", ["ja", "on", "", "2", 2, None, 1.0, "truee"])
def test_booleans_refuse_everything_else(word) -> None:
    with pytest.raises(RunbookParameterError, match="ha_in_use"):
        to_bool(word, "ha_in_use")


def test_unknown_names_suggest_the_closest_and_values_are_checked() -> None:
    with pytest.raises(RunbookParameterError, match="did you mean 'confirmed_down'"):
        parse("restore-quorum", {"confimed_down": "pve2"})
    with pytest.raises(RunbookParameterError, match="did you mean 'executor'"):
        parse("restore-quorum", {"exector": "ssh:pve1"})
    with pytest.raises(RunbookParameterError, match="maintenance_node"):
        parse("restore-quorum", {"maintenance_node": "pve2"})  # another runbook's
    with pytest.raises(RunbookParameterError, match="must be one of plan, apply"):
        parse("restore-quorum", {"mode": "Apply"})
    with pytest.raises(RunbookParameterError, match="papermill -r pve_version"):
        parse("restore-quorum", {"pve_version": 8.1})
    with pytest.raises(RunbookParameterError, match="executor"):
        parse("restore-quorum", {"executor": "ssh:pve1;reboot"})
    assert parse("restore-quorum", {"ha_in_use": "yes"})["ha_in_use"] is True


def test_ha_yes_through_the_cli_keeps_the_ha_warning(tmp_path: Path) -> None:
    result = _cli(
        "runbook",
        "restore-quorum",
        "--example",
        "-p",
        "ha_in_use",
        "yes",
        "-o",
        str(tmp_path / "r.ipynb"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    dangers = read_result(tmp_path / "r.ipynb")["plan"]["dangers"]
    assert any("HA resources exist" in d["text"] for d in dangers)


def test_cli_refuses_unknown_and_injected_names_before_papermill(tmp_path: Path) -> None:
    result = _cli(
        "runbook",
        "restore-quorum",
        "--example",
        "-p",
        "confimed_down",
        "pve2",
        "-o",
        str(tmp_path / "x.ipynb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "did you mean 'confirmed_down'" in result.stderr
    assert not (tmp_path / "x.ipynb").exists()
    evil = "x = 1; __import__('os').system('touch PWNED'); y"
    result = _cli(
        "runbook",
        "restore-quorum",
        "--example",
        "-p",
        evil,
        "1",
        "-o",
        str(tmp_path / "y.ipynb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "unknown parameter" in result.stderr
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "y.ipynb").exists()
    assert "Traceback" not in result.stderr


def test_plain_papermill_checks_what_it_injected(tmp_path: Path) -> None:
    from pvequorum.examples import example_path

    nb = PROJECT / "notebooks" / "runbooks" / "restore-quorum.ipynb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(nb),
            str(tmp_path / "o.ipynb"),
            "-p",
            "config_path",
            str(example_path("two-node-corosync.conf")),
            "-p",
            "confimed_down",
            "pve2",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert "did you mean 'confirmed_down'" in result.stderr + result.stdout
    assert read_result(tmp_path / "o.ipynb") is None  # nothing was planned


# --- 4. the token binds to the inputs ----------------------------------------------------------
def test_token_changes_with_every_input() -> None:
    base = request(statuses=(("s", CRASHED),), confirmed_down=("pve2",))
    token = confirm_token(make_plan(base).plan)
    variants = [
        request(statuses=(("s", CRASHED),), confirmed_down=("pve2",), ha_resources=True),
        request(
            statuses=(("s", CRASHED.replace("Ring ID:          1.15", "Ring ID:    1.16")),),
            confirmed_down=("pve2",),
        ),
        request(
            config_text=PLAIN_CONF.replace("token: 1000", "token: 2000"),
            statuses=(("s", CRASHED),),
            confirmed_down=("pve2",),
        ),
        request(config_text=WFA_CONF, statuses=(("s", WFA_STATUS),), confirmed_down=("pve2",)),
    ]
    tokens = {confirm_token(make_plan(v).plan) for v in variants}
    assert token not in tokens and len(tokens) == len(variants)
    # the Date line is the only one that may change between plan and apply
    later = CRASHED.replace(re.search(r"Date:.*", CRASHED).group(0), "Date: Thu Jan  1 2099")
    assert (
        confirm_token(make_plan(request(statuses=(("s", later),), confirmed_down=("pve2",))).plan)
        == token
    )


def test_wrong_token_is_refused_with_plan_again(tmp_path: Path) -> None:
    result = _cli(
        "runbook",
        "restore-quorum",
        "--example",
        "-p",
        "mode",
        "apply",
        "-p",
        "confirm",
        "0123456789ab",
        "-o",
        str(tmp_path / "a.ipynb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "plan again" in result.stderr
    assert not (tmp_path / "a.ipynb").exists()


# --- 5. the link check ------------------------------------------------------------------------
def test_link_check_on_real_cfgtool_output() -> None:
    connected = parse_link_status((REAL / "cfgtool-s-peer-connected.txt").read_text())
    down = parse_link_status((REAL / "cfgtool-s-peer-disconnected.txt").read_text())
    assert "it is alive" in links_show_down(connected, (("pve2", 2),))
    assert links_show_down(down, (("pve2", 2),)) is None
    assert "does not list pve3" in links_show_down(down, (("pve3", 3),))
    odd = (REAL / "cfgtool-s-peer-disconnected.txt").read_text().replace("disconnected", "enabled")
    with pytest.raises(InputError, match="line"):  # a state 3.1.7 never prints: fail closed
        parse_link_status(odd)
    with pytest.raises(InputError):
        parse_link_status("Local node ID 1, transport knet\nsomething else\n")


def test_shell_script_runs_the_link_check(tmp_path: Path) -> None:
    import os
    import stat

    plan = make_plan(request(statuses=(("s", CRASHED),), confirmed_down=("pve2",))).plan
    from pvequorum.procedures.render import to_shell

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"

    def stub(name: str, body: str) -> None:
        (bin_dir / name).write_text("#!/bin/sh\n" + body)
        (bin_dir / name).chmod(0o755 | stat.S_IEXEC)

    stub("hostname", "echo pve1\n")
    status = CRASHED.replace("'", "")
    stub("pvecm", f"echo \"pvecm $*\" >> {log}\nprintf '%s\\n' '{status}'\n")
    cfg = (REAL / "cfgtool-s-peer-connected.txt").read_text()
    stub("corosync-cfgtool", f"printf '%s' '{cfg}'\n")
    script = tmp_path / "plan.sh"
    script.write_text(to_shell(plan))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    # `script` gives the run a terminal: the manual step asks on /dev/tty
    command = f"sh {script} {confirm_token(plan)}"
    result = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        env=env,
        capture_output=True,
        text=True,
        input="yes\n",
        timeout=60,
    )
    result.stderr += result.stdout
    assert result.returncode != 0 and "alive?" in result.stderr
    assert "pvecm expected" not in log.read_text()


# --- 6. a NO-GO is a verdict -------------------------------------------------------------------
def test_no_go_report_has_every_section_and_no_exception(tmp_path: Path) -> None:
    from pvequorum.examples import example_path

    out = tmp_path / "nogo.ipynb"
    result = _cli(
        "runbook",
        "restore-quorum",
        "-p",
        "config_path",
        str(example_path("two-node-corosync.conf")),
        "-p",
        "status_path",
        str(example_path("two-node-one-down.pvecm-status.txt")),
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 3
    assert "WARNING" not in result.stderr and "without encryption" not in result.stderr
    report = (tmp_path / "nogo.html").read_text()
    for absent in ("An Exception was encountered", "Traceback", "RunbookNoGo"):
        assert absent not in report
    assert report.index("Verdict: NO-GO") < report.index("Inputs as understood")
    assert "NOT quorate" in report and "values compared" in report
    assert "BLOCKING" in report and "-p confirmed_down pve2" in report
    nb = nbformat.read(str(out), as_version=4)
    assert not [
        o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert "papermill-error-cell-tag" not in tags


def test_every_hint_names_a_flag_or_parameter_that_exists() -> None:
    """NO-GO reasons, options and summaries name only real flags and runbook parameters."""
    from pvequorum.cli import build_parser
    from pvequorum.runbooks.params import PARAMETERS

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    plan_flags = {o for a in sub.choices["plan"]._actions for o in a.option_strings}
    params = {p.name for p in PARAMETERS}
    texts = []
    for kind, extra in (
        ("restore-quorum", {"statuses": (("s", CRASHED),)}),
        ("restore-quorum", {"statuses": (("s", CRASHED),), "confirmed_down": ("pve2",)}),
        ("maintenance", {"node": "pve2", "up": ("pve1", "pve2")}),
        ("two-node", {"statuses": (("s", CRASHED),)}),
        ("two-node", {"config_text": WFA_CONF, "statuses": (("s", WFA_STATUS),)}),
        ("edit-corosync", {"new_text": PLAIN_CONF, "statuses": (("s", CRASHED),)}),
    ):
        p = make_plan(request(kind=kind, **extra)).plan
        texts += [d.text for d in p.all_dangers] + list(p.options) + [p.summary]
    assert texts
    for text in texts:
        for flag in re.findall(r"`pvequorum plan [^`]*`", text):
            for option in re.findall(r"--[a-z-]+", flag):
                assert option in plan_flags, (option, text)
        for name in re.findall(r"-p ([a-z_]+)", text):
            assert name in params, (name, text)
        bare = re.sub(r"`[^`]*`", "", text)
        assert not re.findall(r"(?<![\w-])--[a-z]", bare), text


# --- 8. executors do only what the plan says, where it says ------------------------------------
def test_local_executor_refuses_other_hosts() -> None:
    from pvequorum.runbooks.apply import unreachable_steps
    from pvequorum.runbooks.executors import LocalExecutor, Unreachable

    three = PLAIN_CONF.replace(
        "nodelist {",
        "nodelist {\n  node {\n    name: pve3\n"
        "    nodeid: 3\n    quorum_votes: 1\n"
        "    ring0_addr: 10.213.20.3\n  }",
    )
    plan = make_plan(
        request(kind="maintenance", config_text=three, up=("pve1", "pve2", "pve3"), node="pve2")
    ).plan
    here = LocalExecutor(host=plan.run_on)
    assert plan.run_on != "pve2"
    assert unreachable_steps(plan, here) == ["Shut down pve2: on pve2"]
    with pytest.raises(Unreachable):
        here.for_host("pve2")
    assert here.for_host(plan.run_on) is here
    runnable = [
        s
        for s in plan.steps
        if not s.deferred and (s.precheck or s.postcheck or any(c.argv for c in s.commands))
    ]
    assert len(unreachable_steps(plan, LocalExecutor(host="elsewhere"))) == len(runnable)


@pytest.mark.parametrize(
    "content",
    [
        "totem {\n}\nPVEQUORUM_EOF\ntouch /tmp/PWNED\n",  # the old here-document marker
        "no final newline",
        "crlf {\r\n  a: b\r\n}\r\n",
        "latin1 \udce9 byte\n",  # a byte that is not UTF-8, as surrogate escape
        "<cluster><!--\nEOF\n$(touch /tmp/PWNED)\n--></cluster>\n",
    ],
)
def test_files_travel_as_exact_bytes(tmp_path: Path, content: str) -> None:
    from pvequorum.runbooks.executors import Executor, LocalExecutor

    class Remote(Executor):  # stands for ssh: the same script, run by another shell
        label = "remote"

        def reaches(self, host: str) -> bool:
            return True

        def run(self, argv, stdin=None):
            return LocalExecutor(host="remote").run(argv, stdin)

    target = tmp_path / "cluster.conf.new"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    result = Remote().write_file(str(target), content)
    assert result.returncode == 0, result.output
    assert target.read_bytes() == content.encode("utf-8", "surrogateescape")
    assert (target.stat().st_mode & 0o777) == 0o640
    assert not Path("/tmp/PWNED").exists()


def test_read_input_keeps_crlf_and_refuses_fifos(tmp_path: Path) -> None:
    import os

    from pvequorum.textio import read_input

    path = tmp_path / "c.conf"
    path.write_bytes(b"a: b\r\n")
    assert read_input(path, "config") == "a: b\r\n"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_input(fifo, "status")


def test_unreachable_ssh_shows_sshs_own_message(tmp_path: Path) -> None:
    result = _cli(
        "runbook",
        "restore-quorum",
        "--example",
        "-p",
        "status_path",
        "",
        "-p",
        "status_source",
        "live",
        "-p",
        "executor",
        "ssh:pve-unreachable.invalid",
        "-o",
        str(tmp_path / "x.ipynb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "pvecm status" in result.stderr and "exit 255" in result.stderr
    assert "ssh" in result.stderr and "StatusParseError" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_no_go_plan_markdown_is_unchanged_by_runbook_headings() -> None:
    plan = build_plan("restore-quorum", make_plan(request(statuses=(("s", CRASHED),))).inp)
    assert plan.blocked and "BLOCKED" in to_markdown(plan)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        (
            "maintenance",
            {"config_text": "THREE", "up": "pve1,pve2,pve3", "maintenance_node": "pve2"},
        ),
        ("add-qdevice", {"config_text": "PLAIN", "up": "pve1,pve2", "qdevice_host": "192.0.2.50"}),
    ],
)
def test_apply_with_the_local_executor_runs_nothing_meant_elsewhere(
    tmp_path: Path, name: str, params: dict
) -> None:
    """The machine running the runbook is not pve2 nor the QNetd host: nothing runs."""
    three = PLAIN_CONF.replace(
        "nodelist {",
        "nodelist {\n  node {\n    name: pve3\n"
        "    nodeid: 3\n    quorum_votes: 1\n"
        "    ring0_addr: 10.213.20.3\n  }",
    )
    params = {**params, "config_text": three if params["config_text"] == "THREE" else PLAIN_CONF}
    token = execute(name, params, tmp_path / "p.ipynb").result["confirm_token"]
    run = execute(name, {**params, "mode": "apply", "confirm": token}, tmp_path / "a.ipynb")
    assert run.error and run.error.startswith("RunbookStopped")
    assert "does not reach every host" in run.error and "nothing was changed" in run.error
    assert run.result["applied"] == []


def test_remote_writes_follow_symlinks_and_refuse_devices(tmp_path: Path) -> None:
    import os
    import stat as st_

    from pvequorum.runbooks.executors import LocalExecutor

    real = tmp_path / "real.conf"
    real.write_text("old\n")
    link = tmp_path / "corosync.conf"
    link.symlink_to(real.name)
    ex = LocalExecutor(host="here")
    assert ex.write_file(str(link), "new\n").returncode == 0
    assert link.is_symlink() and real.read_text() == "new\n"
    assert (tmp_path / "real.conf.bak").read_text() == "old\n"
    result = ex.write_file("/dev/null", "x\n")
    assert result.returncode == 1 and "not a regular file" in result.output
    assert st_.S_ISCHR(os.stat("/dev/null").st_mode)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    result = ex.write_file(str(dangling), "x\n")
    assert result.returncode == 1 and "dangling symlink" in result.output
