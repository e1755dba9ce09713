"""Runbooks under papermill: GO and NO-GO for each, the record, the report, bad parameters,
and apply mode against the real corosync lab."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from paths import PROJECT
from prereq import require_lab
from test_cli_plan import COROSYNC_2

from pvequorum.conf import edits
from pvequorum.examples import example_path
from pvequorum.runbooks import build
from pvequorum.runbooks.core import RUNBOOKS
from pvequorum.runbooks.runner import execute, read_result, write_html

RUNBOOK_DIR = PROJECT / "notebooks" / "runbooks"
STATUS = str(example_path("two-node-one-down.pvecm-status.txt"))
COROSYNC_3 = edits.add_node(COROSYNC_2, "pve3", "192.168.1.13", votes=1).new_text
LINK1 = "pve1=10.10.10.1,pve2=10.10.10.2"


@pytest.mark.parametrize("name", list(RUNBOOKS))
def test_committed_notebooks_match_the_builder(name: str) -> None:
    assert (RUNBOOK_DIR / f"{name}.ipynb").read_text() == build.render(name)


@pytest.mark.parametrize("name", list(RUNBOOKS))
def test_one_parameters_cell_with_literals_and_comments(name: str) -> None:
    nb = nbformat.read(str(RUNBOOK_DIR / f"{name}.ipynb"), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for line in tagged[0].source.splitlines():
        name_, _, rest = line.partition(" = ")
        value, _, comment = rest.partition("  # ")
        assert name_.isidentifier() and comment, line
        assert value in ("True", "False") or (value.startswith('"') and value.endswith('"'))
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for section in (
        "Verdict",
        "Inputs as understood",
        "Pre-checks",
        "The plan",
        "Apply",
        "Post-checks",
        "Rollback",
    ):
        assert f"## {section}" in headings


COROSYNC_2_QDEVICE = edits.add_qdevice(COROSYNC_2, "192.168.1.50").new_text

CASES = {
    "restore-quorum": (
        {"config_text": COROSYNC_2, "status_path": STATUS, "confirmed_down": "pve2"},
        {"config_text": COROSYNC_2, "status_path": STATUS},
        "not confirmed down",
    ),
    "two-node": (
        {"config_text": COROSYNC_2, "up": "pve1,pve2"},
        {"config_text": COROSYNC_3, "up": "pve1,pve2,pve3"},
        "two",
    ),
    "add-qdevice": (
        {"config_text": COROSYNC_2, "up": "pve1,pve2", "qdevice_host": "192.168.1.50"},
        {
            "config_text": COROSYNC_2,
            "status_path": STATUS,
            "confirmed_down": "pve2",
            "qdevice_host": "192.168.1.50",
        },
        "online",
    ),
    "remove-qdevice": (
        {"config_text": COROSYNC_2_QDEVICE, "up": "pve1,pve2"},
        {"config_text": COROSYNC_2_QDEVICE, "up": "pve1"},
        "online",
    ),
    "maintenance": (
        {"config_text": COROSYNC_3, "up": "pve1,pve2,pve3", "maintenance_node": "pve3"},
        {
            "config_text": COROSYNC_2,
            "up": "pve1,pve2",
            "maintenance_node": "pve2",
            "ha_in_use": True,
        },
        "HA",
    ),
    "edit-corosync": (
        {
            "config_text": COROSYNC_2,
            "up": "pve1,pve2",
            "new_config_text": edits.set_votes(COROSYNC_2, "pve1", 2).new_text,
        },
        {
            "config_text": COROSYNC_2,
            "status_path": STATUS,
            "new_config_text": edits.set_votes(COROSYNC_2, "pve1", 2).new_text,
        },
        "not confirmed down",
    ),
    "add-link": (
        {"config_text": COROSYNC_2, "up": "pve1,pve2", "link": "1", "addresses": LINK1},
        {"config_text": COROSYNC_2, "status_path": STATUS, "link": "1", "addresses": LINK1},
        "every node up",
    ),
    "change-address": (
        {"config_text": COROSYNC_2, "up": "pve1,pve2", "link": "0", "addresses": "pve2=10.9.9.2"},
        {
            "config_text": COROSYNC_2,
            "status_path": STATUS,
            "link": "0",
            "addresses": "pve2=10.9.9.2",
        },
        "every node up",
    ),
}


@pytest.mark.parametrize("name", list(RUNBOOKS))
def test_plan_mode_go_and_no_go(name: str, tmp_path: Path) -> None:
    go, no_go, reason = CASES[name]
    outcome = execute(name, {**go, "pve_version": "8.2"}, tmp_path / "go.ipynb")
    assert outcome.error is None and outcome.result is not None
    assert outcome.result["verdict"] == "GO" and outcome.result["mode"] == "plan"
    assert outcome.result["plan"]["kind"] == RUNBOOKS[name][0]
    outcome = execute(name, {**no_go, "pve_version": "8.2"}, tmp_path / "nogo.ipynb")
    assert outcome.result is not None and outcome.result["verdict"] == "NO-GO"
    assert outcome.error is not None and "RunbookNoGo" in outcome.error
    assert reason in " ".join(outcome.result["reasons"])
    # the executed notebook shows why near the top: the verdict is the first output
    nb = nbformat.read(str(tmp_path / "nogo.ipynb"), as_version=4)
    first = next(o for c in nb.cells for o in c.get("outputs", []) if o.get("data"))
    assert "Verdict: NO-GO" in first["data"]["text/markdown"]


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
    )


def test_cli_example_go_with_report(tmp_path: Path) -> None:
    out = tmp_path / "run.ipynb"
    result = _cli("runbook", "restore-quorum", "--example", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "runbook restore-quorum: GO" in result.stdout
    assert "[pve1] pvecm expected 1" in result.stdout
    html = (tmp_path / "run.html").read_text()
    assert "Verdict: GO" in html
    assert "rb.verdict(run)" not in html and "PARAMETERS" not in html  # code hidden
    assert html.index("Verdict: GO") < html.index("The plan")
    assert read_result(out)["confirm_token"] in result.stdout


def test_cli_no_go_exit_3(tmp_path: Path) -> None:
    result = _cli(
        "runbook",
        "restore-quorum",
        "--example",
        "-p",
        "confirmed_down",
        "",
        "-o",
        str(tmp_path / "r.ipynb"),
        cwd=tmp_path,
    )
    assert result.returncode == 3 and "NO-GO" in result.stdout


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("-p", "node", "pve9"), "unknown node 'pve9'"),
        (("-p", "config_path", "/nonexistent.conf"), "cannot read"),
        (("-p", "pve_version", "3.4"), "version"),
        (("-p", "mode", "apply", "-p", "confirm", "wrong"), "confirm"),
        (("-p", "mode", "destroy"), "parameter mode"),
    ],
)
def test_cli_bad_parameters_exit_2_before_any_change(tmp_path: Path, args, problem) -> None:
    result = _cli(
        "runbook",
        "restore-quorum",
        "--example",
        *args,
        "-o",
        str(tmp_path / "x.ipynb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert problem in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.ipynb").exists()  # papermill never started


def test_cli_list() -> None:
    result = _cli("runbook", "list")
    assert result.returncode == 0 and all(name in result.stdout for name in RUNBOOKS)


def test_plain_papermill_works(tmp_path: Path) -> None:
    out = tmp_path / "pm.ipynb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(RUNBOOK_DIR / "restore-quorum.ipynb"),
            str(out),
            "-p",
            "config_path",
            str(example_path("two-node-corosync.conf")),
            "-p",
            "status_path",
            STATUS,
            "-p",
            "confirmed_down",
            "pve2",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert read_result(out)["verdict"] == "GO"
    report = write_html(out, tmp_path / "pm.html")
    assert "Verdict: GO" in report.read_text()


@pytest.mark.lab
def test_apply_restore_quorum_and_two_node_mode_on_the_real_lab(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster

    with Lab(simple_cluster(2), "pvq196") as lab:
        lab.start(["pve1", "pve2"])
        lab.wait_settled()
        lab.crash(["pve2"])
        lab.wait_settled()
        params = {
            "config_text": lab.corosync_conf_text("pve1"),
            "status_source": "live",
            "executor": "lab:pvq196:pve1",
            "node": "pve1",
            "confirmed_down": "pve2",
            "confirmed_down_by": "lab: crashed by the test",
        }
        token = execute("restore-quorum", params, tmp_path / "p.ipynb").result["confirm_token"]
        applied = execute(
            "restore-quorum", {**params, "mode": "apply", "confirm": token}, tmp_path / "a.ipynb"
        )
        assert applied.error is None, applied.error
        results = [step["result"] for step in applied.result["applied"]]
        assert results == ["ok", "manual", "ok"]  # look, confirmed off (by parameter), lower
        assert "Quorate:          Yes" in applied.result["final_status"]
        view = lab.observe().node("pve1")
        assert (view.quorate, view.expected_votes, view.quorum) == (True, 1, 1)

        lab.start(["pve2"])
        lab.wait_settled()
        params = {
            "config_text": lab.corosync_conf_text("pve1"),
            "status_source": "live",
            "executor": "lab:pvq196:pve1",
            "node": "pve1",
        }
        token = execute("two-node", params, tmp_path / "t.ipynb").result["confirm_token"]
        applied = execute(
            "two-node", {**params, "mode": "apply", "confirm": token}, tmp_path / "ta.ipynb"
        )
        assert applied.error is None, applied.error
        assert applied.result["applied"] and all(
            s["result"] == "ok" for s in applied.result["applied"]
        )
        for view in lab.observe().nodes:
            assert view.flags == ("2Node", "Quorate", "WaitForAll") and view.quorum == 1
        status = lab.exec("pve1", ["corosync-quorumtool", "-s"]).stdout
        assert "Flags:            2Node Quorate WaitForAll \n" in status
        assert json.loads(json.dumps(applied.result))["verdict"] == "GO"


def _cli_params(params: dict) -> list[str]:
    out: list[str] = []
    for key, value in params.items():
        out += ["-p", key, str(value)]
    return out


@pytest.mark.parametrize("name", list(RUNBOOKS))
def test_every_runbook_from_cli_and_plain_papermill(name: str, tmp_path: Path) -> None:
    go, no_go, reason = CASES[name]
    params = tmp_path / "params.yaml"
    import yaml

    params.write_text(yaml.safe_dump(go))
    result = _cli(
        "runbook", name, "-f", str(params), "-o", str(tmp_path / "go.ipynb"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"runbook {name}: GO" in result.stdout and (tmp_path / "go.html").exists()
    pm = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(RUNBOOK_DIR / f"{name}.ipynb"),
            str(tmp_path / "nogo.ipynb"),
            "-y",
            yaml.safe_dump(no_go),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert pm.returncode != 0
    recorded = read_result(tmp_path / "nogo.ipynb")
    assert recorded["verdict"] == "NO-GO" and reason in " ".join(recorded["reasons"])


def test_remote_writes_are_atomic_with_a_backup(tmp_path: Path) -> None:
    from pvequorum.runbooks.executors import Executor, LocalExecutor

    class Shell(Executor):  # a remote host, reached through a shell
        label = "shell"

        def reaches(self, host: str) -> bool:
            return True

        def run(self, argv, stdin=None):
            return LocalExecutor().run(argv, stdin)

    target = tmp_path / "corosync.conf.new"
    target.write_text("old\n")
    content = "totem {\n  cluster_name: 'x' $HOME `id`\n}\n"
    assert Shell().write_file(str(target), content).returncode == 0
    assert target.read_text() == content
    assert (tmp_path / "corosync.conf.new.bak").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "corosync.conf.new",
        "corosync.conf.new.bak",
    ]
