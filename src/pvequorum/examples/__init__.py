"""Embedded example scenarios, used by `make demo`, notebooks and tests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def example_path(name: str) -> Path:
    """Path of an embedded example file such as `two-node-maintenance.json`."""
    return Path(str(resources.files(__name__).joinpath(name)))
