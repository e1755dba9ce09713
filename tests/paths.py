"""Where the shared material lives: `../shared` next to the project root."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SHARED_SCENARIOS = SHARED / "scenarios"
