"""The outage simulator app (an edge: ipywidgets).  All logic is in `pvequorum.outage`.

`OutageApp` holds an `Outage` state and a story position; every button calls a plain method
(`crash("pve2")`, `expected("pve1", 1)`, `undo()`, `next_step()` ...) that changes the state
and redraws.  Tests call those methods and read the widgets' values, no browser needed; the
browser tests find the same widgets by their CSS classes (`pvq-...`).

Bad input (a config that does not parse, an unknown node, `expected` on a stopped node) is
shown in the error line, never as a traceback, and leaves the state as it was.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w
import mistune

from pvequorum import motion, outage, story
from pvequorum.conf import load_config
from pvequorum.errors import InputError
from pvequorum.outage import Outage, Snapshot
from pvequorum.scenario import Step
from pvequorum.stage import Stage

GUIDED, SANDBOX = "Guided story", "Sandbox"
QDEVICE_CHOICES = (("no QDevice", "none"), ("QDevice ffsplit", "ffsplit"), ("QDevice lms", "lms"))

F = TypeVar("F", bound=Callable[..., Any])


def _reports_input_errors(method: F) -> F:
    """Run a handler; an `InputError` goes to the error line and the state stays as it was."""

    @functools.wraps(method)
    def handler(self: OutageApp, *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(self, *args, **kwargs)
        except InputError as exc:
            self.error.value = f"<b>Error:</b> {html.escape(str(exc))}"
            return None
        self.error.value = ""
        return result

    return handler  # type: ignore[return-value]


def _pre(text: str, css: str = "") -> str:
    style = "font-family:monospace;font-size:13px;line-height:1.3;margin:0;white-space:pre"
    return f'<pre class="{css}" style="{style}">{html.escape(text)}</pre>'


def _button(description: str, css: str, on_click: Callable[[], Any], **kwargs: Any) -> w.Button:
    button = w.Button(description=description, **kwargs)
    button.add_class(css)
    button.on_click(lambda _button: on_click())
    return button


class OutageApp:
    """The outage simulator: a guided story and a sandbox on the same model."""

    # Declared here because the redraw methods assign them too (mypy: one definition).
    _node_rows: dict[str, w.HBox]  # node name -> its Stop/Crash/Start row
    _syncing: bool  # True while a redraw moves the Replay slider (not a user's move)
    _change: tuple[Snapshot, Step] | None  # the state before the action to animate, and it
    _sandbox_snapshot: Snapshot | None  # the sandbox's state as last drawn

    def __init__(
        self, preset: str = "two-node", *, mode: str = SANDBOX, telling: str = "today"
    ) -> None:
        chosen = outage.PRESETS[preset]
        self.state: Outage = outage.new_outage(chosen.cluster, links=chosen.links)
        self.story_index = 0
        self.telling = telling
        story.steps_of(telling)  # an unknown telling is an error here, not later
        self.source = outage.PRESETS[preset].label
        self._build_widgets(preset)
        self.mode.value = mode
        self.refresh()

    # --- handlers: plain methods, each ends with a redraw ----------------------------------

    @_reports_input_errors
    def load_preset(self, key: str) -> None:
        if key not in outage.PRESETS:
            raise InputError(f"unknown preset {key!r}", "preset")
        preset = outage.PRESETS[key]
        self._new_cluster(outage.new_outage(preset.cluster, links=preset.links), preset.label)

    @_reports_input_errors
    def load_config_text(self, text: str, source: str = "pasted config") -> None:
        """A pasted or uploaded corosync.conf or cluster.conf replaces the cluster."""
        cluster = load_config(text, source).cluster
        if not cluster.nodes:
            raise InputError("the config lists no nodes", source)
        self._new_cluster(outage.new_outage(cluster), source)

    @_reports_input_errors
    def load_upload(self, files: Any) -> None:
        """The FileUpload's value (ipywidgets 8: a tuple of dicts with name and content)."""
        if not files:
            raise InputError("choose a file first", "upload")
        upload = files[0]
        try:
            text = bytes(upload["content"]).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("not a UTF-8 text file", upload["name"]) from None
        self.config_text.value = text
        self.load_config_text(text, upload["name"])

    @_reports_input_errors
    def build_custom(self) -> None:
        """The cluster the sliders describe."""
        count = self.node_count.value
        cluster = outage.custom_cluster(
            count,
            votes=outage.parse_votes(self.votes.value, count),
            two_node=self.two_node.value,
            wait_for_all=self.wait_for_all.value,
            last_man_standing=self.last_man_standing.value,
            auto_tie_breaker=self.auto_tie_breaker.value,
            qdevice=self.qdevice.value,
        )
        self._new_cluster(outage.new_outage(cluster), f"custom: {count} nodes")

    def stop(self, name: str) -> None:
        self.act(Step("stop", (name,)))

    def crash(self, name: str) -> None:
        self.act(Step("crash", (name,)))

    def start(self, name: str) -> None:
        self.act(Step("start", (name,)))

    @_reports_input_errors
    def partition(self, text: str) -> None:
        """Split the network, e.g. 'pve1 | pve2, pve3'."""
        groups = outage.parse_groups(text, self.state.cluster.names)
        self.act(Step("partition", groups=groups))

    def heal(self) -> None:
        self.act(Step("heal"))

    def expected(self, name: str, votes: int) -> None:
        """`pvecm expected <votes>` on `name`; corosync may refuse it (shown in messages)."""
        self.act(Step("expected", (name,), votes=votes))

    def link_down(self, name: str, link: int) -> None:
        """Pull the node's cable on one knet link (a preset with links, reference 12.4)."""
        self.act(Step("link-down", (name,), link=link))

    def link_up(self, name: str, link: int) -> None:
        self.act(Step("link-up", (name,), link=link))

    @_reports_input_errors
    def act(self, step: Step) -> None:
        before = self._on_screen()
        self._leave_story()
        self.state = outage.act(self.state, step)
        self._change = (before, step)
        self.refresh()

    def undo(self) -> None:
        self.state = outage.undo(self.state)
        self.refresh()

    def redo(self) -> None:
        if self.state.can_redo:
            before = self._on_screen()
            self.state = outage.redo(self.state)
            self._change = (before, self.state.actions[-1])
        self.refresh()

    def replay_to(self, position: int) -> None:
        """Show the state after the first `position` actions (the Replay slider).

        The history is kept, so sliding back and forth replays it step by step (there is
        no Play button: its icons need Font Awesome, which Voilà fetches from a CDN).
        """
        self.state = outage.rewind(self.state, position)
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.mode.value = mode  # the observer redraws

    def next_step(self) -> None:
        self.show_story_step(self.story_index + 1)

    def back_step(self) -> None:
        self.show_story_step(self.story_index - 1)

    def show_story_step(self, index: int) -> None:
        self.story_index = max(0, min(len(self.steps) - 1, index))
        self.refresh()

    def set_telling(self, telling: str) -> None:
        """Today's Proxmox VE or the article's PVE 3: the same step, the other telling."""
        story.steps_of(telling)
        self.telling = telling
        if self.telling_toggle.value != telling:
            self.telling_toggle.value = telling  # the observer comes back here
            return
        self.refresh()

    @property
    def steps(self) -> tuple[story.StoryStep, ...]:
        return story.steps_of(self.telling)

    def try_in_sandbox(self) -> None:
        """Continue from the story's current state with the sandbox's buttons."""
        step = self.steps[self.story_index]
        self._new_cluster(story.story_outage(step), f"story step {self.story_index + 1}")
        self.mode.value = SANDBOX

    # --- what is shown -----------------------------------------------------------------------

    @property
    def guided(self) -> bool:
        mode: str = self.mode.value  # one of the ToggleButtons' option labels
        return mode == GUIDED

    def current(self) -> Snapshot:
        if self.guided:
            return story.story_snapshot(self.story_index, self.telling)
        return outage.snapshot(self.state)

    def _on_screen(self) -> Snapshot:
        """The sandbox's state before an action: the one last drawn, not replayed again."""
        if self._sandbox_snapshot is None or self.guided:
            return outage.snapshot(self.state)
        return self._sandbox_snapshot

    def summary_lines(self) -> tuple[str, ...]:
        return self.current().summary_lines()

    def refresh(self) -> None:
        """Redraw everything from the state: the figure, texts, buttons and history.

        The story position is written last: the browser applies updates in order, so when
        it shows the new step, everything else on screen belongs to that step too.
        """
        snap = self.current()
        change, self._change = self._change, None
        if self.guided:
            step = self.steps[self.story_index]
            self.story_title.value = f"<h3>{html.escape(step.title)}</h3>"
            self.story_text.value = mistune.html(story.narration(self.story_index, self.telling))
            change = story.story_change(step)
        else:
            self._refresh_sandbox(snap)
        self._sandbox_snapshot = None if self.guided else snap
        self.guided_panel.layout.display = None if self.guided else "none"
        self.sandbox_panel.layout.display = "none" if self.guided else None
        before, action = change if change else (None, None)
        self.stage.show(snap.cluster, motion.transition(before, action, snap))
        self.summary.value = "<br>".join(
            f"<b>{html.escape(line)}</b>" if "SPLIT" in line else html.escape(line)
            for line in snap.summary_lines()
        )
        self.messages.value = "<br>".join(html.escape(m) for m in snap.messages)
        table = snap.links_table()
        self.links_table.value = (
            "<b>corosync-cfgtool -s on each node</b>" + _pre(table, "pvq-links-lines")
            if table
            else ""
        )
        self._refresh_status(snap)
        self._refresh_plan(snap)
        if self.guided:
            self.back_button.disabled = self.story_index == 0
            self.next_button.disabled = self.story_index == len(self.steps) - 1
            self.story_position.value = f"step {self.story_index + 1} of {len(self.steps)}"

    def _refresh_sandbox(self, snap: Snapshot) -> None:
        names = self.state.cluster.names
        if tuple(self._node_rows) != names:
            self._node_rows = {name: self._node_row(name) for name in names}
            self.node_buttons.children = tuple(self._node_rows.values())
            self.expected_node.options = names
            self.expected_node.value = names[0]
            self.link_node.options = names
            self.link_node.value = names[0]
        links = self.state.links
        count = 0 if links is None else links.count
        if tuple(self.link_number.options) != tuple(range(count)):
            self.link_number.options = tuple(range(count))
            self.link_number.value = 0 if count else None
        self.links_row.layout.display = None if count else "none"
        for name, row in self._node_rows.items():
            running = snap.node(name).running
            stop, crash, start = row.children[1:]
            stop.disabled = crash.disabled = not running
            start.disabled = running
        self.undo_button.disabled = not self.state.can_undo
        self.redo_button.disabled = not self.state.can_redo
        self._syncing = True
        self.history_slider.max = len(self.state.history)
        self.history_slider.value = self.state.position
        self._syncing = False
        lines = outage.history_lines(self.state) or ("(no actions yet)",)
        self.history.value = _pre("\n".join(lines), "pvq-history-lines")

    PLAN_PANEL = 1  # the accordion's index of the plan

    def _refresh_plan(self, snap: Snapshot | None = None) -> None:
        """The plan only while its panel is open: building it analyses every failure
        combination, the slowest part of a click on a large cluster."""
        if self.details.selected_index != self.PLAN_PANEL:
            self.plan.value = ""
            return
        self.plan.value = mistune.html(outage.situation_markdown(snap or self.current()))

    def _refresh_status(self, snap: Snapshot) -> None:
        boxes = []
        for node in snap.nodes:
            etc = "/etc/pve writable" if node.etc_pve_writable else "/etc/pve READ-ONLY"
            head = f"<b>{node.name}</b>: " + (etc if node.running else "stopped")
            body = _pre(node.status_text or "(not running)", f"pvq-status-{node.name}")
            if node.cfgtool_text:
                body += '<div style="margin-top:0.6em"><b>corosync-cfgtool -s</b></div>' + _pre(
                    node.cfgtool_text.expandtabs(4), f"pvq-cfgtool-{node.name}"
                )
            box = w.HTML(head + body)
            box.add_class(f"pvq-node-{node.name}")
            boxes.append(box)
        self.status.children = tuple(boxes)

    # --- building the widgets ----------------------------------------------------------------

    def _new_cluster(self, state: Outage, source: str) -> None:
        self.state, self.source = state, source
        self.refresh()

    def _leave_story(self) -> None:
        if self.guided:
            self.mode.value = SANDBOX

    def _node_row(self, name: str) -> w.HBox:
        return w.HBox(
            [
                w.Label(name, layout=w.Layout(width="60px")),
                _button("Stop", f"pvq-stop-{name}", lambda: self.stop(name)),
                _button("Crash", f"pvq-crash-{name}", lambda: self.crash(name)),
                _button("Start", f"pvq-start-{name}", lambda: self.start(name)),
            ]
        )

    def _build_widgets(self, preset: str) -> None:
        self._node_rows = {}
        self._syncing = False
        self._change = None
        self._sandbox_snapshot = None
        self.mode = w.ToggleButtons(options=(GUIDED, SANDBOX))
        self.mode.add_class("pvq-mode")
        self.mode.observe(lambda _change: self.refresh(), names="value")
        self.error = w.HTML("")
        self.error.add_class("pvq-error")

        # guided
        self.story_title, self.story_text = w.HTML(), w.HTML()
        self.story_text.add_class("pvq-story")
        self.story_title.add_class("pvq-story-title")
        self.story_position = w.Label()
        self.story_position.add_class("pvq-story-position")
        # No icons: they come from Font Awesome, which Voilà loads from a CDN (offline: none).
        self.back_button = _button("← Back", "pvq-back", self.back_step)
        self.next_button = _button("Next →", "pvq-next", self.next_step)
        self.telling_toggle = w.ToggleButtons(
            options=[(label, key) for key, (label, _) in story.STORIES.items()],
            value=self.telling,
            style={"button_width": "auto"},  # the labels are longer than the default width
        )
        self.telling_toggle.add_class("pvq-telling")
        self.telling_toggle.observe(lambda change: self.set_telling(change["new"]), names="value")
        self.guided_panel = w.VBox(
            [
                self.story_title,
                self.story_text,
                w.HBox([self.back_button, self.story_position, self.next_button]),
                self.telling_toggle,
                _button(
                    "Try this state in the sandbox",
                    "pvq-try",
                    self.try_in_sandbox,
                    layout=w.Layout(width="auto"),
                ),
            ]
        )

        # sandbox: where the cluster comes from
        self.preset = w.Dropdown(
            options=[(p.label, p.key) for p in outage.PRESETS.values()],
            value=preset,
            description="Preset",
        )
        self.preset.add_class("pvq-preset")
        self.preset.observe(lambda change: self.load_preset(change["new"]), names="value")
        self.config_text = w.Textarea(
            placeholder="Paste /etc/pve/corosync.conf or cluster.conf here",
            layout=w.Layout(width="100%", height="120px"),
        )
        self.upload = w.FileUpload(accept=".conf,.xml,text/plain", multiple=False)
        self.upload.observe(lambda change: self.load_upload(change["new"]), names="value")
        self.node_count = w.IntSlider(value=3, min=1, max=9, description="Nodes")
        self.votes = w.Text(value="1", description="Votes", placeholder="1 or 1 1 2")
        self.two_node = w.Checkbox(description="two_node")
        self.wait_for_all = w.Checkbox(description="wait_for_all")
        self.last_man_standing = w.Checkbox(description="last_man_standing")
        self.auto_tie_breaker = w.Checkbox(description="auto_tie_breaker")
        self.qdevice = w.Dropdown(options=QDEVICE_CHOICES, value="none", description="QDevice")
        source_tabs = w.Tab(
            [
                w.VBox([self.preset]),
                w.VBox(
                    [
                        self.config_text,
                        w.HBox(
                            [
                                _button(
                                    "Load config",
                                    "pvq-load-config",
                                    lambda: self.load_config_text(self.config_text.value),
                                ),
                                self.upload,
                            ]
                        ),
                    ]
                ),
                w.VBox(
                    [
                        w.HBox([self.node_count, self.votes]),
                        w.HBox([self.two_node, self.wait_for_all]),
                        w.HBox([self.last_man_standing, self.auto_tie_breaker]),
                        w.HBox([self.qdevice, _button("Build", "pvq-build", self.build_custom)]),
                    ]
                ),
            ]
        )
        for i, label in enumerate(("Preset", "Config file", "Build your own")):
            source_tabs.set_title(i, label)

        # sandbox: actions
        self.node_buttons = w.VBox()
        self.partition_text = w.Text(placeholder="pve1 | pve2", description="Groups")
        self.partition_text.add_class("pvq-partition-groups")
        self.expected_node = w.Dropdown(description="on node", layout=w.Layout(width="180px"))
        self.expected_votes = w.BoundedIntText(
            value=1, min=0, max=99, description="expected", layout=w.Layout(width="160px")
        )
        network = w.HBox(
            [
                self.partition_text,
                _button(
                    "Partition",
                    "pvq-partition",
                    lambda: self.partition(self.partition_text.value),
                ),
                _button("Heal", "pvq-heal", self.heal),
            ]
        )
        expected_row = w.HBox(
            [
                self.expected_votes,
                self.expected_node,
                _button(
                    "pvecm expected",
                    "pvq-expected",
                    lambda: self.expected(self.expected_node.value, self.expected_votes.value),
                ),
            ]
        )

        self.link_node = w.Dropdown(description="node", layout=w.Layout(width="180px"))
        self.link_node.add_class("pvq-link-node")
        self.link_number = w.Dropdown(description="link", layout=w.Layout(width="140px"))
        self.link_number.add_class("pvq-link-number")
        self.links_row = w.HBox(
            [
                self.link_node,
                self.link_number,
                _button(
                    "Link down",
                    "pvq-link-down",
                    lambda: self.link_down(self.link_node.value, self.link_number.value),
                ),
                _button(
                    "Link up",
                    "pvq-link-up",
                    lambda: self.link_up(self.link_node.value, self.link_number.value),
                ),
            ]
        )
        self.links_row.add_class("pvq-links-row")

        # sandbox: history
        self.undo_button = _button("Undo", "pvq-undo", self.undo)
        self.redo_button = _button("Redo", "pvq-redo", self.redo)
        self.history_slider = w.IntSlider(min=0, max=0, description="Replay")
        self.history_slider.add_class("pvq-replay")
        self.history_slider.observe(self._on_slider, names="value")
        self.history = w.HTML()
        self.history.add_class("pvq-history")
        self.sandbox_panel = w.VBox(
            [
                source_tabs,
                w.HTML("<b>Nodes</b>"),
                self.node_buttons,
                w.HTML("<b>Network and pvecm</b>"),
                network,
                self.links_row,
                expected_row,
                w.HTML("<b>History</b>"),
                w.HBox([self.undo_button, self.redo_button, self.history_slider]),
                self.history,
            ]
        )

        # shown in both modes
        self.stage = Stage()
        self.summary, self.messages, self.plan = w.HTML(), w.HTML(), w.HTML()
        self.links_table = w.HTML()
        self.links_table.add_class("pvq-links-table")
        self.summary.add_class("pvq-summary")
        self.messages.add_class("pvq-messages")
        self.plan.add_class("pvq-plan")
        self.status = w.HBox()
        details = self.details = w.Accordion([self.status, self.plan])
        details.set_title(0, "pvecm status on each node")
        details.set_title(self.PLAN_PANEL, "Plan for this situation (commands, dangers)")
        details.selected_index = 0
        details.observe(lambda _change: self._refresh_plan(), names="selected_index")
        # The projector layout (static/app.css): the drawing on the left, the narration or
        # the sandbox's controls beside it, the details below.
        header = w.HBox([self.mode])
        header.add_class("pvq-header")
        # The drawing plays a change through; these lines say where it ends.
        settled = w.HTML("<i>Once the change has settled, as pvecm status shows it:</i>")
        settled.add_class("pvq-summary-head")
        left = w.VBox([self.stage, settled, self.summary, self.messages, self.links_table])
        left.add_class("pvq-left")
        right = w.VBox([self.error, self.guided_panel, self.sandbox_panel])
        right.add_class("pvq-right")
        main = w.HBox([left, right])
        main.add_class("pvq-main")
        self.widget = w.VBox([header, main, details])
        self.widget.add_class("pvq-app")

    def _on_slider(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] != self.state.position:
            self.replay_to(change["new"])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
