"""The `diagnose` runbook under papermill: verdict, record, handover, and refused input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from paths import PROJECT

from pvequorum.runbooks.build import render
from pvequorum.runbooks.runner import execute, read_result

LAB = PROJECT / "tests" / "data" / "bundles" / "lab"


def test_the_committed_notebook_is_the_generated_one() -> None:
    committed = (PROJECT / "notebooks" / "runbooks" / "diagnose.ipynb").read_text()
    assert committed == render("diagnose")


@pytest.mark.parametrize(
    ("bundle", "verdict", "first"),
    [
        ("healthy", "HEALTHY", "healthy"),
        ("stop", "DEGRADED", "node-down"),
        ("partition", "BROKEN", "partition"),
    ],
)
def test_the_record_holds_the_diagnosis(
    tmp_path: Path, bundle: str, verdict: str, first: str
) -> None:
    out = tmp_path / "out.ipynb"
    outcome = execute("diagnose", {"bundle_path": str(LAB / bundle)}, out)
    assert outcome.error is None, outcome.error
    record = read_result(out)
    assert record is not None and record["runbook"] == "diagnose"
    assert record["verdict"] == verdict
    assert record["diagnosis"]["format"] == "pvequorum-diagnosis/1"
    assert record["diagnosis"]["findings"][0]["kind"] == first


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", "runbook", "diagnose", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
    )


def test_cli_exit_status_and_report(tmp_path: Path) -> None:
    done = _cli("-p", "bundle_path", str(LAB / "blocked"), "-o", "dx.ipynb", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "runbook diagnose: BROKEN" in done.stdout and "[no-quorum]" in done.stdout
    assert (tmp_path / "dx.html").exists()
    healthy = _cli("-p", "bundle_path", str(LAB / "healthy"), "-o", "ok.ipynb", cwd=tmp_path)
    assert healthy.returncode == 0, healthy.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-p", "bundel_path", "x"), "unknown parameter 'bundel_path'"),
        (("-p", "bundle_path", "/nonexistent/bundle"), "not a bundle directory"),
        (("-p", "bundle_path", "x", "-p", "executor", "lab:pve1"), "exactly one of"),
        (("-p", "executor", "lab:pve1"), "out_dir"),
        (("-p", "executor", "mail:x", "-p", "out_dir", "o"), "executor must be"),
        (
            ("-p", "executor", "ssh:pve1", "-p", "out_dir", "o", "-p", "since", "x;reboot"),
            "--since",
        ),
    ],
)
def test_bad_parameters_are_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "o").exists()  # nothing collected on bad input


def test_the_report_in_german(tmp_path: Path) -> None:
    import nbformat

    out = tmp_path / "de.ipynb"
    outcome = execute("diagnose", {"bundle_path": str(LAB / "blocked"), "lang": "de"}, out)
    assert outcome.error is None, outcome.error
    record = read_result(out)
    assert record is not None and record["verdict"] == "BROKEN"  # machine words stay
    assert record["diagnosis"]["findings"][0]["summary"].startswith("pve1 hat kein Quorum")
    shown = "".join(
        o.get("data", {}).get("text/markdown", "")
        for c in nbformat.read(str(out), as_version=4).cells
        for o in c.get("outputs", [])
    )
    assert (
        "# Gesamtbefund: BROKEN" in shown
        and "## Befunde, Belege" in shown
        and "Nächster Schritt:" in shown
    )
    assert "Verdict:" not in shown and "Most important" not in shown
    drawn = "".join(
        o.get("data", {}).get("text/html", "")
        for c in nbformat.read(str(out), as_version=4).cells
        for o in c.get("outputs", [])
    )
    assert "Partition 1: ohne Quorum" in drawn and "corosync gestoppt" in drawn
    assert "not quorate" not in drawn and "corosync down" not in drawn
    refused = _cli("-p", "bundle_path", str(LAB / "blocked"), "-p", "lang", "fr", cwd=tmp_path)
    assert refused.returncode == 2 and "must be one of en, de" in refused.stderr
