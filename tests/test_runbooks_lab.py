"""Issue 12 on real corosync 3.1.7: the WaitForAll cold start planned and applied, apply
refusing a stale token and a changed state, the link check seeing a live peer, and what
cannot be known from inside a partition."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from prereq import require_lab

from pvequorum.runbooks.runner import execute, read_result

pytestmark = pytest.mark.lab


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def _params(lab, **extra) -> dict:
    return {
        "config_text": lab.corosync_conf_text("pve1"),
        "status_source": "live",
        "executor": f"lab:{lab.name}:pve1",
        "node": "pve1",
        **extra,
    }


def _apply(params: dict, token: str, out: Path) -> subprocess.CompletedProcess[str]:
    """`pvequorum runbook restore-quorum ... -p mode apply -p confirm TOKEN`."""
    flags = [*_flags(params), "-p", "mode", "apply", "-p", "confirm", token]
    return _cli("runbook", "restore-quorum", *flags, "-o", str(out), cwd=out.parent)


def _flags(argv: dict) -> list[str]:
    out: list[str] = []
    for key, value in argv.items():
        out += ["-p", key, str(value)]
    return out


def test_wait_for_all_cold_start_planned_and_applied(tmp_path: Path) -> None:
    """The power-cut night: two_node: 1, both down, only pve1 comes back."""
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster

    with Lab(simple_cluster(2, two_node=1), "pvqwfa") as lab:
        lab.start(["pve1"])
        time.sleep(3)
        assert lab.exec("pve1", ["touch", "/etc/pve/x"]).returncode != 0  # read-only
        params = _params(lab, confirmed_down="pve2", confirmed_down_by="test: never started")
        config = tmp_path / "corosync.conf"
        config.write_text(params.pop("config_text"))
        params["config_path"] = str(config)
        plan = _cli(
            "runbook",
            "restore-quorum",
            *_flags(params),
            "-o",
            str(tmp_path / "p.ipynb"),
            cwd=tmp_path,
        )
        assert plan.returncode == 0, plan.stdout + plan.stderr
        recorded = read_result(tmp_path / "p.ipynb")
        assert "waiting for all nodes" in recorded["plan"]["summary"]
        assert "nothing to restore" not in recorded["plan"]["summary"]
        token = recorded["confirm_token"]
        applied = _apply(params, token, tmp_path / "a.ipynb")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        # the terminal shows each command, its exit code and output, and the final state
        assert "[pve1] $ pvecm expected 1  (exit 0)" in applied.stdout
        assert "link check: every node said down is disconnected" in applied.stdout
        assert "final pvecm status:" in applied.stdout and "Quorate:          Yes" in applied.stdout
        record = read_result(tmp_path / "a.ipynb")
        assert [s["result"] for s in record["applied"]] == ["ok", "manual", "ok"]
        assert "confirmed by parameter confirmed_down" in " ".join(record["applied"][1]["log"])
        view = lab.observe().node("pve1")
        assert (view.quorate, view.expected_votes, view.quorum) == (True, 1, 1)
        assert lab.exec("pve1", ["touch", "/etc/pve/x"]).returncode == 0  # writable again
        # the plan says a reload keeps a two_node partition quorate: check that claim
        assert any(
            "stays quorate after that reset" in d["text"] for d in recorded["plan"]["dangers"]
        )
        lab.exec("pve1", ["corosync-cfgtool", "-R"])
        time.sleep(2)
        view = lab.observe().node("pve1")
        assert (view.quorate, view.expected_votes, view.quorum) == (True, 2, 1)


def test_apply_refuses_a_stale_token_and_a_changed_state(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster

    with Lab(simple_cluster(2), "pvqstale") as lab:
        lab.start(["pve1", "pve2"])
        lab.wait_settled()
        lab.crash(["pve2"])
        lab.wait_settled()
        params = _params(lab, confirmed_down="pve2", confirmed_down_by="test: crashed")
        status = tmp_path / "status.txt"
        from pvequorum.runbooks.executors import LabExecutor

        status.write_text(LabExecutor("pve1", lab.name).run(["pvecm", "status"]).output)
        token = execute("restore-quorum", params, tmp_path / "p.ipynb").result["confirm_token"]
        given = {**params, "status_source": "given", "status_path": str(status)}
        given_token = execute("restore-quorum", given, tmp_path / "g.ipynb").result["confirm_token"]
        lab.start(["pve2"])  # pve2 came back and went again: a new membership (ring id)
        lab.wait_settled()
        lab.crash(["pve2"])
        lab.wait_settled()
        # a live status is part of the token: the old token no longer matches
        stale = _apply(params, token, tmp_path / "s.ipynb")
        assert stale.returncode == 2 and "plan again" in stale.stderr
        assert not (tmp_path / "s.ipynb").exists()
        lab.start(["pve2"])  # pve2 is back before the operator applies
        lab.wait_settled()
        back = _apply(params, token, tmp_path / "b.ipynb")
        assert back.returncode == 2 and "both up and confirmed down" in back.stderr
        # a status given as a file still matches its token, but apply re-reads the node
        changed = execute(
            "restore-quorum",
            {**given, "mode": "apply", "confirm": given_token},
            tmp_path / "c.ipynb",
        )
        assert changed.error and changed.error.startswith("RunbookStopped")
        assert "nothing was changed" in changed.error
        assert "pve2 cannot be both up and confirmed down" in changed.error
        assert changed.result["applied"] == []
        view = lab.observe().node("pve1")
        assert (view.expected_votes, view.quorum) == (2, 2)  # untouched


def test_link_check_sees_a_live_peer_and_a_partition_stays_unknowable(tmp_path: Path) -> None:
    require_lab()
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster
    from pvequorum.procedures.plan import Command, Step
    from pvequorum.runbooks.apply import StepOutcome, check_links
    from pvequorum.runbooks.executors import LabExecutor

    with Lab(simple_cluster(2), "pvqlink") as lab:
        lab.start(["pve1", "pve2"])
        lab.wait_settled()
        step = Step(
            "lower", "test", commands=(Command("pve1", ("true",)),), peers_down=(("pve2", 2),)
        )
        outcome = StepOutcome("lower", "ok")
        assert not check_links(step, LabExecutor("pve1", lab.name), outcome)
        assert "it is alive and reachable" in outcome.log[-1]
        # only cut off, not down: from inside, the link is as dead as after a crash
        lab.partition([["pve1"], ["pve2"]])
        lab.wait_settled()
        for _ in range(30):  # knet marks the link down after its pong timeout
            outcome = StepOutcome("lower", "ok")
            if check_links(step, LabExecutor("pve1", lab.name), outcome):
                break
            time.sleep(0.5)
        assert outcome.log[-1] == "link check: every node said down is disconnected"
        params = _params(lab, confirmed_down="pve2")
        run = execute("restore-quorum", params, tmp_path / "p.ipynb")
        rows = {r["check"]: r for r in run.result["checks"]}
        assert rows["pve2 powered off"]["result"] == "manual"
        assert (
            "a crashed node and a cut-off one look the same" in rows["pve2 powered off"]["detail"]
        )
