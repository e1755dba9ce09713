"""The diagnosis of bundles the real lab produced (tests/data/bundles/lab/, refreshed with
`PVEQUORUM_KEEP_BUNDLES=DIR pytest tests/test_diagnose_lab.py`): real corosync 3.1.7,
corosync-qnetd and corosync-qdevice output under each fault of issue 18.  Runs anywhere,
without root; the same faults are produced live in tests/test_diagnose_lab.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import PROJECT

from pvequorum.bundleio import read_bundle
from pvequorum.cvalues import printable
from pvequorum.diagnosis import diagnose
from pvequorum.diagnosis.text import render_text

LAB = PROJECT / "tests" / "data" / "bundles" / "lab"

# bundle -> (kinds the evidence yields, exactly; verdict)
EXPECTED = {
    "healthy": ({"healthy"}, "HEALTHY"),
    "device-healthy": ({"healthy"}, "HEALTHY"),
    "crash": ({"node-down"}, "DEGRADED"),
    "crash-one-side": ({"crash-or-partition"}, "DEGRADED"),
    "stop": ({"node-down"}, "DEGRADED"),
    "partition": ({"partition", "no-quorum", "link-down"}, "BROKEN"),
    "partition-one-side": ({"crash-or-partition"}, "DEGRADED"),
    "partition-far-side": ({"no-quorum", "crash-or-partition"}, "BROKEN"),
    "divergence": ({"config-divergence"}, "BROKEN"),
    "wfa": ({"wait-for-all", "node-down"}, "BROKEN"),
    "blocked": ({"no-quorum", "node-down"}, "BROKEN"),
    "lowered": ({"expected-lowered", "node-down"}, "DEGRADED"),
    "back": ({"expected-lowered"}, "DEGRADED"),
    "join": ({"node-cannot-join"}, "BROKEN"),
    "one-link": ({"link-down"}, "DEGRADED"),
    "all-links": ({"partition", "no-quorum", "link-down"}, "BROKEN"),
    "five": ({"partition", "no-quorum", "link-down"}, "BROKEN"),
    "qnetd-down": ({"qdevice-down"}, "DEGRADED"),
    "split-brain": ({"split-brain", "expected-lowered"}, "BROKEN"),
}


def test_every_recorded_bundle_is_listed() -> None:
    assert sorted(p.name for p in LAB.iterdir()) == sorted([*EXPECTED, "lossy", "lossy-churn"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_bundle(name: str) -> None:
    kinds, verdict = EXPECTED[name]
    found = diagnose(read_bundle(LAB / name))
    assert set(found.kinds()) == kinds, render_text(found)
    assert found.verdict == verdict
    if name == "join":  # pve3's status is its own, under a node id the cluster has not
        assert [w for w, _ in found.problems] == ["pve3/pvecm-status.txt"]
    else:
        assert not found.problems, found.problems
    for finding in found.findings:
        for item in finding.evidence:  # every quoted line is in the file it names
            if item.line is not None:
                text = (LAB / name / item.file).read_text().splitlines()[item.line - 1]
                assert item.text in (text, printable(text.strip(), 160)), (item, text)


@pytest.mark.parametrize("name", ["lossy", "lossy-churn"])
def test_the_lossy_link_is_named_whatever_the_membership_showed(name: str) -> None:
    """30 % loss on pve3's link, two runs: the membership at collection differs (and with
    it the other findings); `lossy-churn` shows nodes leaving and coming back within a
    second, the only loss signal that run left (a CI run, 2026-12-04)."""
    found = diagnose(read_bundle(LAB / name))
    assert "lossy-network" in found.kinds() and "healthy" not in found.kinds()


def test_one_side_of_a_partition_never_claims_node_down() -> None:
    for name in ("crash-one-side", "partition-one-side", "partition-far-side"):
        found = diagnose(read_bundle(LAB / name))
        assert "node-down" not in found.kinds()
        for finding in found.findings:
            assert finding.next_step is None or finding.next_step.plan is None, finding


def test_the_handed_over_restore_quorum_plan_is_go() -> None:
    """pve2's own folder shows corosync down: the plan is handed over, and the runbook's
    own checks accept its parameters (plan mode: nothing runs)."""
    from pvequorum.runbooks.core import Params, prepare

    found = diagnose(read_bundle(LAB / "blocked"))
    step = next(f for f in found.findings if f.kind == "no-quorum").next_step
    assert step is not None and step.plan == "restore-quorum"
    params = dict(step.parameters)
    for key in ("config_path", "status_path"):
        params[key] = str(LAB / "blocked" / params[key])
    prepared = prepare("restore-quorum", Params.from_mapping("restore-quorum", params))
    assert prepared.go, prepared.reasons
    assert ("pvecm", "expected", "1") in [
        c.argv for s in prepared.plan.steps for c in s.commands if hasattr(c, "argv")
    ]


def test_the_cli_on_a_recorded_bundle() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pvequorum", "diagnose", str(LAB / "blocked"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["format"] == "pvequorum-diagnosis/1" and data["verdict"] == "BROKEN"
    assert [f["kind"] for f in data["findings"]] == ["no-quorum", "node-down"]


def test_the_readme_story_is_what_the_kit_says() -> None:
    """The README's two-node diagnosis quotes the kit: the same lines come out of the
    recorded bundle of that story (pve2 of two crashed, both collected)."""
    readme = (PROJECT / "README.md").read_text()
    story = readme.split("### The two-node story as a diagnosis")[1].split("\n### ")[0]
    said = render_text(diagnose(read_bundle(LAB / "blocked")))
    for line in (
        "BROKEN: cluster lab, 2 nodes, configured expected votes 2",
        "partition [pve1]: NOT quorate, votes 1/2, quorum 2 (seen by pve1)",
        "corosync not running on: pve2",
        "[no-quorum] pve1 is not quorate: 1 vote of quorum 2 (expected 2). /etc/pve is "
        "read-only there.",
        "pve1/pvecm-status.txt:15: Quorate:          No",
        "next: run the restore-quorum runbook: pvequorum runbook restore-quorum",
        "pve2/pvecm-status.txt:8: Cannot initialize CMAP service",
    ):
        assert line in said and line.split(": ", 1)[-1][:40] in story, line
    assert "[node-down] pve2 is down: its corosync is not running; it ended without a clean" in said
