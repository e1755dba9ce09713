"""The animated cluster stage (an edge: anywidget).  What it shows is `pvequorum.motion`'s.

A custom widget rather than a redrawn image: the browser moves the nodes, shrinks the vote
tally and moves the quorum line with CSS transitions, and steps through the frames of a
change on its own, so a click costs Python only the frames (no drawing), and the learner
can replay and step through the time axis without a round trip.  `static/stage.js` draws;
it puts data only into text nodes and attributes.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from pvequorum import motion
from pvequorum.model import Cluster

STATIC = Path(__file__).with_name("static")


class Stage(anywidget.AnyWidget):
    _esm = STATIC / "stage.js"
    # anywidget adds this to the page once: the stage's own rules and the app's layout.
    _css = (STATIC / "stage.css").read_text() + (STATIC / "app.css").read_text()

    scene = traitlets.Dict().tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)  # the event shown; the browser moves it too
    autoplay = traitlets.Bool(True).tag(sync=True)  # play a new change through at once
    step_ms = traitlets.Int(1200).tag(sync=True)  # per event while playing

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("pvq-stage-widget")
        self._shown = 0

    def show(self, cluster: Cluster, frames: tuple[motion.Frame, ...]) -> None:
        """A new change: its frames, from the first (the browser plays them)."""
        self._shown += 1
        with self.hold_sync():
            self.frame = 0
            self.scene = motion.payload(cluster, frames, self._shown)

    @property
    def frames(self) -> int:
        return len(self.scene.get("frames", ()))
