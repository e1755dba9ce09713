"""Notebooks served as apps (Voilà): the outage simulator dashboard."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

APPS_DIR = Path(__file__).resolve().parent  # holds voila/templates/pvequorum


def app_path(name: str = "outage-simulator") -> Path:
    """Path of a bundled app notebook."""
    return Path(str(resources.files(__name__).joinpath(f"{name}.ipynb")))
