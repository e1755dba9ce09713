"""The runbooks' parameters, declared once: name, type, allowed values, default, help.

The notebook builder writes the `parameters` cell from this table, the CLI checks names
before papermill sees them, and the runbook's first cell checks what papermill injected.
Inputs fail closed (issue 12): an unknown name is an error with the closest known name, a
boolean is one of true/false/yes/no/1/0, a choice is one of its values, and a value of the
wrong type is an error, never a default.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Literal

from pvequorum.errors import InputError

Kind = Literal["text", "bool", "choice"]
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
EXECUTOR_SPEC = re.compile(r"local|ssh:[A-Za-z0-9][A-Za-z0-9.:-]*|lab:(?:[a-z][a-z0-9]*:)?[\w.-]+")


class RunbookParameterError(InputError):
    """A bad runbook parameter; `where` names the parameter."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: one line, as the CLI prints it."""
        return [f"bad input: {self}"]


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    default: str | bool
    help: str
    choices: tuple[str, ...] = ()
    only: tuple[str, ...] = ()  # runbooks that take it; empty: every runbook

    def literal(self) -> str:
        """The Python literal the parameters cell assigns."""
        return repr(self.default) if self.kind == "bool" else f'"{self.default}"'


PARAMETERS: tuple[Param, ...] = (
    Param("config_path", "text", "", "path of /etc/pve/corosync.conf or cluster.conf"),
    Param("config_text", "text", "", "the config file's text instead of a path"),
    Param("status_path", "text", "", "a file with `pvecm status` output from the node"),
    Param("status_text", "text", "", "`pvecm status` output pasted as text"),
    Param(
        "status_source",
        "choice",
        "given",
        '"given" (status_path/status_text) or "live" (pvecm status through the executor)',
        choices=("given", "live"),
    ),
    Param("node", "text", "", "the node this runbook runs on (default: the status's local node)"),
    Param("up", "text", "", "nodes up in this partition, comma separated (default: the status)"),
    Param("confirmed_down", "text", "", "missing nodes confirmed powered off, comma separated"),
    Param(
        "confirmed_down_by",
        "text",
        "",
        "how they were confirmed off (IPMI, PDU, console); required to apply",
    ),
    Param(
        "pve_version",
        "text",
        "",
        "Proxmox VE version, e.g. 8.2 (empty: from the evidence, where the plan allows)",
    ),
    Param("pveversion_path", "text", "", "a file with `pveversion -v` output of the node"),
    Param("ha_in_use", "bool", False, "HA resources are configured (true/false/yes/no/1/0)"),
    Param(
        "mode",
        "choice",
        "plan",
        '"plan" changes nothing; "apply" runs the steps (needs confirm)',
        choices=("plan", "apply"),
    ),
    Param("confirm", "text", "", "apply mode only: the confirm token the plan printed"),
    Param("executor", "text", "local", "local, ssh:HOST, or lab:NODE / lab:LAB:NODE"),
    Param(
        "qdevice_host", "text", "", "IP address of the external QNetd host", only=("add-qdevice",)
    ),
    Param("maintenance_node", "text", "", "the node to take down", only=("maintenance",)),
    Param("new_config_path", "text", "", "the edited file", only=("edit-corosync",)),
    Param("new_config_text", "text", "", "the edited file's text", only=("edit-corosync",)),
    Param("link", "text", "", "the knet link number 0..7", only=("add-link", "change-address")),
    Param(
        "addresses",
        "text",
        "",
        "the new addresses, comma separated, each a node name and its IP joined by an "
        "equals sign (add-link: every node; change-address: the nodes that move)",
        only=("add-link", "change-address"),
    ),
    Param("link_priority", "text", "", "knet_link_priority 0..255 (optional)", only=("add-link",)),
    Param(
        "method",
        "choice",
        "reload",
        '"reload" (links removed and added, no restart) or "restart" (addresses in place, '
        "corosync restarted on every node)",
        choices=("reload", "restart"),
        only=("change-address",),
    ),
)


def parameters_of(runbook: str) -> tuple[Param, ...]:
    """The parameters of `runbook` (its plan kind's name)."""
    return tuple(p for p in PARAMETERS if not p.only or runbook in p.only)


def check_names(runbook: str, names: list[str] | set[str]) -> None:
    """Every name must be one of this runbook's parameters (closest name suggested)."""
    known = [p.name for p in parameters_of(runbook)]
    for name in sorted(names):
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
            raise RunbookParameterError(
                f"unknown parameter {name!r} for runbook {runbook}{hint}", f"parameter {name!r}"
            )


def to_bool(value: Any, name: str) -> bool:
    """true/false/yes/no/1/0 in any case (or a real bool, or the integers 0 and 1)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise RunbookParameterError(
        f"must be true/false/yes/no/1/0, got {value!r}", f"parameter {name}"
    )


def _value(param: Param, value: Any) -> str | bool:
    if param.kind == "bool":
        return to_bool(value, param.name)
    if not isinstance(value, str):
        raise RunbookParameterError(
            f"must be text, got {type(value).__name__} {value!r} (papermill turns numbers into "
            f"numbers: pass it raw with `papermill -r {param.name} VALUE`)",
            f"parameter {param.name}",
        )
    if "\x00" in value:
        raise RunbookParameterError("contains a NUL byte", f"parameter {param.name}")
    if param.kind == "choice" and value not in param.choices:
        raise RunbookParameterError(
            f"must be one of {', '.join(param.choices)}, got {value!r}", f"parameter {param.name}"
        )
    if param.name == "executor" and not EXECUTOR_SPEC.fullmatch(value):
        raise RunbookParameterError(
            f"must be local, ssh:HOST, lab:NODE or lab:LAB:NODE, got {value!r}",
            "parameter executor",
        )
    return value


def parse(runbook: str, raw: dict[str, Any]) -> dict[str, str | bool]:
    """Validated values for every parameter of `runbook`, defaults filled in."""
    check_names(runbook, set(raw))
    out: dict[str, str | bool] = {}
    for param in parameters_of(runbook):
        out[param.name] = _value(param, raw[param.name]) if param.name in raw else param.default
    return out
