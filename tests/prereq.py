"""Tests that need root or a Debian package skip on a laptop and fail in CI (CI=true)."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip with `reason` unless `condition`; in CI a missing prerequisite is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def require_lab(qdevice: bool = False) -> None:
    """Root, corosync and iproute2; with `qdevice` also the QDevice daemons' packages."""
    require(os.geteuid() == 0, "the corosync lab needs root (network and mount namespaces)")
    require(
        shutil.which("corosync") is not None, "the corosync lab needs `apt-get install corosync`"
    )
    require(shutil.which("ip") is not None, "the corosync lab needs iproute2")
    if qdevice:
        for tool, package in (
            ("corosync-qnetd", "corosync-qnetd"),
            ("corosync-qdevice", "corosync-qdevice"),
        ):
            require(
                shutil.which(tool) is not None,
                f"a lab with a QDevice needs `apt-get install {package}`",
            )
