"""The test session reads English: texts are compared with their English source, so a
laptop with a German locale must not switch them (the German tests ask for German)."""

from __future__ import annotations

import os

os.environ["PVEQUORUM_LANG"] = "en"
