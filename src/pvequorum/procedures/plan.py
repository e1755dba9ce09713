"""The vocabulary of a procedure: a frozen `Plan` of `Step`s with commands, checks and dangers.

A plan is data, not a script: renderers (`procedures.render`) turn the same value into
Markdown for notebooks, a guarded shell script, or JSON for runbooks.  Commands are argv
tuples so that every renderer can quote every value exactly once (`shlex.quote`); a step
that only a human can do (a GUI button, a power switch) is a `Command` with `manual` text.

Invariant: a plan with a blocking danger contains no step that changes anything.  Refusing
is a plan too (it says why, and what to do instead), but it never carries the risky command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "blocking"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "blocking")


@dataclass(frozen=True)
class Danger:
    """Something the operator must know; `blocking` means the plan refuses to act."""

    severity: Severity
    text: str
    reference: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {SEVERITIES}")

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "text": self.text, "reference": self.reference}


@dataclass(frozen=True)
class Command:
    """One command on one host.

    `on` is a node name or, for the QNetd server, its address.  `content` is written to
    `write_file` instead of running argv (the shell renderer uses a quoted here-document).
    `may_fail`: a non-zero exit is expected information, not an error (`pvecm status` exits 2
    when not quorate, reference 5.1).  `manual`: a human action; argv is then empty.
    `confirmed_by`: the runbook parameter whose value stands for the manual action (apply
    mode records it as confirmed by that parameter; a manual action without one stops the
    run, to be done by hand).
    """

    on: str
    argv: tuple[str, ...] = ()
    write_file: str | None = None
    content: str | None = None
    may_fail: bool = False
    manual: str | None = None
    confirmed_by: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "argv", tuple(self.argv))
        if self.confirmed_by is not None and self.manual is None:
            raise ValueError("only a manual command is confirmed by a parameter")
        kinds = sum((bool(self.argv), self.write_file is not None, self.manual is not None))
        if kinds != 1:
            raise ValueError("a Command is exactly one of: argv, write_file+content, manual")
        if (self.write_file is None) != (self.content is None):
            raise ValueError("write_file and content go together")

    @property
    def is_manual(self) -> bool:
        return self.manual is not None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"on": self.on}
        if self.argv:
            out["argv"] = list(self.argv)
        if self.write_file is not None:
            out["write_file"] = self.write_file
            out["content"] = self.content
        if self.manual is not None:
            out["manual"] = self.manual
        if self.confirmed_by is not None:
            out["confirmed_by"] = self.confirmed_by
        if self.may_fail:
            out["may_fail"] = True
        return out


LINK_STATUS_ARGV = ("corosync-cfgtool", "-s")


@dataclass(frozen=True)
class LinkState:
    """What `corosync-cfgtool -s` must show of one knet link, read as a whole with
    `cfgtool.parse_status` (reference 5.4): every node id of `peers` listed `connected` on
    link `link`, or, with `absent`, no block for link `link` at all.  Lines alone cannot
    say this: the same `nodeid: 2: connected` line appears under every link."""

    link: int
    peers: tuple[int, ...] = ()
    absent: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "peers", tuple(self.peers))
        if not 0 <= self.link <= 7:
            raise ValueError(f"link {self.link} is not 0..7")
        if self.absent == bool(self.peers):
            raise ValueError("a link state is either absent or connected to some peers")

    def describe(self) -> str:
        if self.absent:
            return f"no link {self.link}"
        ids = ", ".join(str(p) for p in self.peers)
        return f"link {self.link}: node id{'s' if len(self.peers) > 1 else ''} {ids} connected"

    def to_dict(self) -> dict[str, Any]:
        return {"link": self.link, "peers": list(self.peers), "absent": self.absent}


@dataclass(frozen=True)
class Check:
    """Run `command`; every line of `must_show` must appear in its output.

    Lines are compared after stripping leading and trailing white space on both sides
    (`Quorum:` carries two trailing spaces when quorate, reference 5.1), so the renderers
    can check them exactly with `grep -xF`.  `retries` > 1 polls once per second, for
    effects that arrive a moment later (pmxcfs reloads corosync after `sleep(1)`, 4.3).
    `links`: the command is `corosync-cfgtool -s`, and its output must show each
    `LinkState` (a link check reads the whole table; it fails closed on any other text).
    """

    command: Command
    must_show: tuple[str, ...] = ()
    must_not_show: tuple[str, ...] = ()
    description: str = ""
    retries: int = 1
    links: tuple[LinkState, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "must_show", tuple(self.must_show))
        object.__setattr__(self, "must_not_show", tuple(self.must_not_show))
        object.__setattr__(self, "links", tuple(self.links))
        if self.command.is_manual or self.command.write_file is not None:
            raise ValueError("a check runs a command")
        if self.links and self.command.argv != LINK_STATUS_ARGV:
            raise ValueError("a link check runs `corosync-cfgtool -s`")

    def to_dict(self) -> dict[str, Any]:
        out = {
            "command": self.command.to_dict(),
            "must_show": list(self.must_show),
            "must_not_show": list(self.must_not_show),
            "description": self.description,
            "retries": self.retries,
        }
        if self.links:
            out["links"] = [state.to_dict() for state in self.links]
        return out


@dataclass(frozen=True)
class Step:
    """One step: what to run where, why, what must follow, and how to undo it.

    `deferred` steps belong to later (when the missing nodes are back): the shell script
    lists them as comments instead of waiting for them.

    `peers_down` are (name, node id) of nodes said to be off: before the commands run,
    `corosync-cfgtool -s` on the step's node must list each of them as `disconnected` on
    every link (reference 12.4).  A connected link means the node is alive, and lowering
    expected votes then splits the brain; a crash and a partition look the same from
    inside, so this catches only what the node itself can see.
    """

    title: str
    why: str
    references: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()
    precheck: Check | None = None
    expected: tuple[str, ...] = ()
    postcheck: Check | None = None
    rollback: str = ""
    rollback_commands: tuple[Command, ...] = ()
    dangers: tuple[Danger, ...] = ()
    changes_state: bool = False
    deferred: bool = False
    peers_down: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        for name in (
            "references",
            "commands",
            "expected",
            "rollback_commands",
            "dangers",
            "peers_down",
        ):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "why": self.why,
            "references": list(self.references),
            "commands": [c.to_dict() for c in self.commands],
            "precheck": self.precheck.to_dict() if self.precheck else None,
            "expected": list(self.expected),
            "postcheck": self.postcheck.to_dict() if self.postcheck else None,
            "rollback": self.rollback,
            "rollback_commands": [c.to_dict() for c in self.rollback_commands],
            "dangers": [d.to_dict() for d in self.dangers],
            "changes_state": self.changes_state,
            "deferred": self.deferred,
            "peers_down": [[name, nodeid] for name, nodeid in self.peers_down],
        }


@dataclass(frozen=True)
class Plan:
    """An ordered procedure for one cluster, one state and one Proxmox VE version.

    `run_on` is the node the generated script runs on (other hosts are reached with ssh).
    `options` are ranked alternatives in words (maintenance planning); `diff` is the config
    change as a unified diff, when the plan edits a file.
    """

    kind: str
    title: str
    summary: str
    pve_version: str
    stack: str
    cluster_name: str
    run_on: str
    steps: tuple[Step, ...] = ()
    dangers: tuple[Danger, ...] = ()
    options: tuple[str, ...] = ()
    diff: str | None = None
    facts: tuple[tuple[str, str], ...] = field(default=())
    basis: str = ""  # digest of every input the plan was built from (`build_plan` sets it)

    def __post_init__(self) -> None:
        for name in ("steps", "dangers", "options", "facts"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.blocked and any(s.changes_state for s in self.steps):
            raise ValueError(f"blocked plan {self.kind!r} must not carry state-changing steps")

    @property
    def all_dangers(self) -> tuple[Danger, ...]:
        """Plan dangers first, then each step's, without repeats."""
        seen: list[Danger] = []
        for d in (*self.dangers, *(d for s in self.steps for d in s.dangers)):
            if d not in seen:
                seen.append(d)
        return tuple(seen)

    @property
    def blocked(self) -> bool:
        return any(
            d.severity == "blocking"
            for d in (*self.dangers, *(d for s in self.steps for d in s.dangers))
        )

    @property
    def expected_steps(self) -> tuple[tuple[str, int], ...]:
        """(node, N) of every `pvecm expected N` in the plan, in order (for simulation)."""
        out = []
        for step in self.steps:
            for c in step.commands:
                if c.argv[:2] == ("pvecm", "expected") and len(c.argv) == 3:
                    out.append((c.on, int(c.argv[2])))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "pvequorum-plan/1",
            "kind": self.kind,
            "title": self.title,
            "summary": self.summary,
            "pve_version": self.pve_version,
            "stack": self.stack,
            "cluster_name": self.cluster_name,
            "run_on": self.run_on,
            "blocked": self.blocked,
            "facts": dict(self.facts),
            "basis": self.basis,
            "dangers": [d.to_dict() for d in self.dangers],
            "options": list(self.options),
            "diff": self.diff,
            "steps": [s.to_dict() for s in self.steps],
        }
