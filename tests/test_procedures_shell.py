"""Generated shell scripts: syntax, shellcheck, quoting of hostile values, real execution
against stub commands (no cluster needed)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from pvequorum.model import Cluster, Node, QDevice, simple_cluster
from pvequorum.procedures import (
    ClusterState,
    Facts,
    PlanInput,
    PveVersion,
    build_plan,
    confirm_token,
    to_shell,
)

HOSTILE = "lab$(touch PWNED);`touch PWNED2` x\nrm -rf ~ #'\"\x1b[31m"


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian package {tool})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def cases():
    two, three = simple_cluster(2), simple_cluster(3)
    cman = simple_cluster(2, stack="cman")
    with_dev = simple_cluster(2, device=QDevice(votes=1, host="192.0.2.10"))
    hostile = Cluster(HOSTILE, (Node("pve1", 1), Node("pve2", 2)))
    return [
        ("restore-8", two, ["pve1"], ["pve2"], "8.2", "restore-quorum", {}),
        ("restore-3", cman, ["pve1"], ["pve2"], "3.4", "restore-quorum", {}),
        ("isolated", three, ["pve1"], [], "8.2", "restore-quorum", {}),
        (
            "qdevice-odd",
            three,
            three.names,
            [],
            "8.2",
            "add-qdevice",
            {"qdevice_host": "2001:db8::5"},
        ),
        ("qdevice-remove", with_dev, with_dev.names, [], "8.2", "remove-qdevice", {}),
        ("maintenance", three, three.names, [], "7.4", "maintenance", {"node": "pve2"}),
        ("maintenance-old", three, three.names, [], "6.4", "maintenance", {"node": "pve2"}),
        ("separate", two, two.names, [], "8.2", "separate-node", {"node": "pve2"}),
        ("edit-manual", two, ["pve1"], ["pve2"], "8.2", "edit-corosync", {}),
        ("edit-cman", cman, cman.names, [], "3.4", "edit-corosync", {}),
        ("hostile-name", hostile, ["pve1"], ["pve2"], "8.2", "restore-quorum", {}),
        ("hostile-blocked", hostile, ["pve1"], [], "8.2", "restore-quorum", {}),
    ]


def script_for(cluster, up, down, version, kind, kw, ha=True):
    state = ClusterState.build(cluster, up=up, confirmed_down=down)
    plan = build_plan(kind, PlanInput(cluster, state, PveVersion.parse(version), Facts(ha)), **kw)
    return plan, to_shell(plan)


@pytest.mark.parametrize("case", cases(), ids=lambda c: c[0])
def test_scripts_pass_bash_n_and_shellcheck(case, tmp_path):
    _, cluster, up, down, version, kind, kw = case
    _, script = script_for(cluster, up, down, version, kind, kw)
    path = tmp_path / "plan.sh"
    path.write_text(script)
    subprocess.run([require("bash"), "-n", str(path)], check=True)
    result = subprocess.run(
        [require("shellcheck"), "-s", "sh", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_hostile_cluster_name_stays_in_comments():
    _, script = script_for(*cases()[-2][1:])
    assert "\x1b" not in script and "\nrm -rf" not in script
    for line in script.splitlines():
        if "PWNED" in line:
            assert line.lstrip().startswith("#"), line


@pytest.mark.parametrize("case", [cases()[-2], cases()[-1]], ids=["ready", "blocked"])
def test_hostile_scripts_run_nothing(case, tmp_path):
    """Run without the token (ready) or as a blocked plan: exit 2/3, nothing executed."""
    plan, script = script_for(*case[1:])
    path = tmp_path / "plan.sh"
    path.write_text(script)
    result = subprocess.run(["sh", str(path)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == (3 if plan.blocked else 2)
    assert not list(tmp_path.glob("PWNED*"))


def _stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _run_remove_qdevice(tmp_path: Path, after_lines: tuple[str, ...] | None):
    cluster = simple_cluster(2, device=QDevice(votes=1, host="192.0.2.10"))
    plan, script = script_for(cluster, cluster.names, [], "8.2", "remove-qdevice", {}, ha=False)
    after = plan.steps[-1].expected if after_lines is None else after_lines
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    shown = "\n".join(after).replace("'", "")
    before = "\n".join(plan.steps[0].postcheck.must_show).replace("'", "")
    removed = tmp_path / "removed"
    _stub(bin_dir, "hostname", "echo pve1\n")
    _stub(bin_dir, "sleep", "exit 0\n")  # the post-check polls 30 times
    _stub(  # a stateful pvecm: the QDevice's vote until `pvecm qdevice remove` ran
        bin_dir,
        "pvecm",
        f'echo "pvecm $*" >> {log}\n'
        f'if [ "$1" = qdevice ]; then touch {removed}; fi\n'
        f'if [ "$1" = status ] && [ -e {removed} ]; then printf "%s\\n" \'{shown}\'; fi\n'
        f'if [ "$1" = status ] && [ ! -e {removed} ]; then printf "%s\\n" \'{before}\'; fi\n',
    )
    path = tmp_path / "plan.sh"
    path.write_text(script)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["sh", str(path), confirm_token(plan)], env=env, capture_output=True, text=True
    )
    return result, log.read_text() if log.exists() else ""


def test_script_runs_steps_and_checks(tmp_path):
    result, log = _run_remove_qdevice(tmp_path, None)
    assert result.returncode == 0, result.stderr
    # status shown, status checked (every node online), the removal, the post-check
    assert log.splitlines() == [
        "pvecm status",
        "pvecm status",
        "pvecm qdevice remove",
        "pvecm status",
    ]
    assert "all steps passed" in result.stdout


def test_failed_postcheck_stops_and_prints_rollback(tmp_path):
    result, _ = _run_remove_qdevice(tmp_path, ("Quorate:          No",))
    assert result.returncode == 1
    assert "missing line: Nodes:            2" in result.stderr
    assert "Rollback for the step that failed" in result.stderr
    assert "pvecm qdevice setup 192.0.2.10" in result.stderr


def test_wrong_token_runs_nothing(tmp_path):
    cluster = simple_cluster(2, device=QDevice(votes=1, host="192.0.2.10"))
    _, script = script_for(cluster, cluster.names, [], "8.2", "remove-qdevice", {})
    path = tmp_path / "plan.sh"
    path.write_text(script)
    result = subprocess.run(["sh", str(path), "nope"], capture_output=True, text=True)
    assert result.returncode == 2 and "Read this script first" in result.stderr
