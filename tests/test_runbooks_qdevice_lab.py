"""The add-qdevice and remove-qdevice runbooks applied on real corosync 3.1.7 with real
corosync-qnetd and corosync-qdevice 3.0.3 (reference 3.3): the qnetd host's package step
installs and starts the lab's qnetd, `pvecm qdevice setup` and `remove` are pvecm's steps
in pvecm's order, and the post-checks read `pvecm status` on the node."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prereq import require_lab

from pvequorum.conf import corosync
from pvequorum.runbooks.runner import execute

pytestmark = pytest.mark.lab

NODES = ("pve1", "pve2")


def _apply(name: str, params: dict, tmp_path: Path, tag: str) -> dict:
    planned = execute(name, params, tmp_path / f"{tag}-plan.ipynb")
    assert planned.error is None, planned.error
    assert planned.result["verdict"] == "GO", planned.result["reasons"]
    applied = execute(
        name,
        {**params, "mode": "apply", "confirm": planned.result["confirm_token"]},
        tmp_path / f"{tag}-apply.ipynb",
    )
    assert applied.error is None, (applied.error, applied.result and applied.result["applied"])
    steps = applied.result["applied"]
    assert steps and all(s["result"] == "ok" for s in steps), steps
    return applied.result


def _params(lab) -> dict:
    return {
        "config_text": lab.corosync_conf_text("pve1"),
        "status_source": "live",
        "executor": f"lab:{lab.name}:pve1",
        "node": "pve1",
    }


def _qdevice_section(lab, name: str) -> list[str]:
    doc = corosync.parse(lab.corosync_conf_text(name))
    return [section.name for section in doc.sections("quorum.device")]


def test_add_then_remove_a_qdevice_on_a_running_two_node_cluster(tmp_path: Path) -> None:
    require_lab(qdevice=True)
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster

    with Lab(simple_cluster(2), "pvqaddq", qnetd=True) as lab:
        lab.start(list(NODES))
        lab.wait_settled()
        assert lab.qnetd_host is not None and not lab.qnetd_running()
        address = lab.qnetd_host.address
        began = time.monotonic()
        added = _apply("add-qdevice", {**_params(lab), "qdevice_host": address}, tmp_path, "add")
        print(f"add-qdevice applied in {time.monotonic() - began:.1f} s")
        lab = Lab.load(lab.name)  # what the runbook's executors left on disk
        assert lab.qnetd_running()
        for name in NODES:
            status = lab.status(name)
            assert status is not None and status.quorate, name
            assert "Qdevice" in status.flags and status.total_votes == 3, (name, status)
            assert status.qdevice_cast, name
            assert _qdevice_section(lab, name) == ["device"], name
        setup = next(s for s in added["applied"] if "qdevice setup" in str(s["commands"]))
        assert setup["result"] == "ok"

        # pvecm's own refusal: a second setup is "already configured", nothing changes.
        from pvequorum.runbooks.executors import executor_from

        again = executor_from(f"lab:{lab.name}:pve1").run(["pvecm", "qdevice", "setup", address])
        assert again.returncode != 0 and "already configured" in again.output

        began = time.monotonic()
        _apply("remove-qdevice", _params(lab), tmp_path, "remove")
        lab = Lab.load(lab.name)
        print(f"remove-qdevice applied in {time.monotonic() - began:.1f} s")
        for name in NODES:
            status = lab.status(name)
            assert status is not None and status.quorate, name
            assert "Qdevice" not in status.flags and status.total_votes == 2, (name, status)
            assert _qdevice_section(lab, name) == [], name
            assert not list((Path(lab._node(name).directory) / "qdevice").iterdir()), name
            assert lab._node(name).qdevice_pid is None


def test_the_lab_executor_reaches_the_qnetd_host_for_its_package_step_only(
    tmp_path: Path,
) -> None:
    require_lab(qdevice=True)
    from pvequorum.lab.core import Lab
    from pvequorum.model import simple_cluster
    from pvequorum.runbooks.executors import executor_from

    with Lab(simple_cluster(2), "pvqqhost", qnetd=True) as lab:
        assert lab.qnetd_host is not None
        executor = executor_from(f"lab:{lab.name}:pve1")
        assert executor.reaches(lab.qnetd_host.address)
        assert not executor.reaches("192.0.2.7")
        other = executor.for_host(lab.qnetd_host.address)
        refused = other.run(["rm", "-rf", "/"])
        assert refused.returncode == 127 and "runs only" in refused.output
        assert other.run(["apt", "install", "-y", "corosync-qnetd"]).returncode == 0
        assert Lab.load(lab.name).qnetd_running()
        listed = other.run(["corosync-qnetd-tool", "-l"])
        assert listed.returncode == 0, listed.output
