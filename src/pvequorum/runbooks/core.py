"""Runbooks, the pure part: parameters, the plan, the verdict and the record.

A runbook is a papermill notebook whose cells call these functions.  Everything decided
here is decided from the actual cluster (its config and its `pvecm status`) by
`pvequorum.procedures`; a blocking danger makes the verdict NO-GO.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.procedures import ClusterState, Facts, PlanInput, PveVersion, build_plan
from pvequorum.procedures.confedit import cluster_of
from pvequorum.procedures.livestatus import node_status
from pvequorum.procedures.plan import Plan
from pvequorum.procedures.render import confirm_token

RESULT_MIME = "application/vnd.pvequorum.result+json"

# runbook name -> (plan kind, purpose)
RUNBOOKS: dict[str, tuple[str, str]] = {
    "restore-quorum": (
        "restore-quorum",
        "Make a surviving partition quorate again with `pvecm expected N`, only when it is safe.",
    ),
    "two-node-mode": (
        "two-node",
        "Switch a two-node cluster to two-node mode (cman: the source article's cluster.conf "
        "edit; corosync: `two_node: 1`).",
    ),
    "add-qdevice": ("add-qdevice", "Add a QDevice (corosync-qnetd) as a third vote."),
    "node-maintenance": (
        "maintenance",
        "Take one node down for maintenance: does the rest stay quorate, and what to do if not.",
    ),
    "edit-corosync-conf": (
        "edit-corosync",
        "Change /etc/pve/corosync.conf (or cluster.conf) the documented safe way.",
    ),
}
MODES = ("plan", "apply")


class RunbookParameterError(InputError):
    """A bad runbook parameter; `where` names the parameter."""


class RunbookNoGo(Exception):
    """The verdict is NO-GO: papermill stops here and exits non-zero."""


@dataclass(frozen=True)
class Params:
    """Validated runbook parameters (the `parameters` cell, after papermill's injection)."""

    config_path: str = ""
    config_text: str = ""
    status_path: str = ""
    status_text: str = ""
    status_source: str = "given"  # "given" (path/text) or "live" (collected by the executor)
    node: str = ""
    up: str = ""
    confirmed_down: str = ""
    pve_version: str = "8.2"
    ha_in_use: bool = False
    mode: str = "plan"
    confirm: str = ""
    executor: str = "local"
    qdevice_host: str = ""
    maintenance_node: str = ""
    new_config_path: str = ""
    new_config_text: str = ""

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> Params:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in raw.items() if k in known}
        for key, value in values.items():
            expected = bool if key == "ha_in_use" else str
            if not isinstance(value, expected):
                raise RunbookParameterError(
                    f"must be {expected.__name__}, got {value!r}", f"parameter {key}"
                )
        params = cls(**values)
        if params.mode not in MODES:
            raise RunbookParameterError(
                f"must be 'plan' or 'apply', got {params.mode!r}", "parameter mode"
            )
        if params.status_source not in ("given", "live"):
            raise RunbookParameterError(
                f"must be 'given' or 'live', got {params.status_source!r}",
                "parameter status_source",
            )
        if bool(params.config_path) == bool(params.config_text):
            raise RunbookParameterError(
                "give exactly one of config_path and config_text", "parameter config_path"
            )
        return params


def _names(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]


def _read(path: str, parameter: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise RunbookParameterError(
            f"cannot read {path!r}: {reason}", f"parameter {parameter}"
        ) from None


@dataclass(frozen=True)
class Prepared:
    """Everything a runbook shows and applies, decided before anything changes."""

    name: str
    params: Params
    cluster: Cluster
    config_text: str
    status_text: str | None
    plan: Plan
    token: str
    verdict: str
    reasons: tuple[str, ...]
    up: tuple[str, ...] = ()
    checks: tuple[tuple[str, bool, str], ...] = field(default=())

    @property
    def go(self) -> bool:
        return self.verdict == "GO"


def prepare(name: str, params: Params, live_status: str | None = None) -> Prepared:
    """Parameters -> config, status, plan, verdict.  Bad parameters raise before any change."""
    if name not in RUNBOOKS:
        raise RunbookParameterError(f"unknown runbook {name!r}; runbooks: {', '.join(RUNBOOKS)}")
    kind = RUNBOOKS[name][0]
    config_text = params.config_text or _read(params.config_path, "config_path")
    cluster = cluster_of(config_text, where=params.config_path or "config_text")
    version = PveVersion.parse(params.pve_version)
    status_text: str | None
    if params.status_source == "live":
        status_text = live_status
    elif params.status_path:
        status_text = _read(params.status_path, "status_path")
    else:
        status_text = params.status_text or None
    statuses = []
    if status_text:
        statuses.append(node_status(status_text, cluster, params.status_path or "status"))
    for name_param, value in (("node", params.node), ("maintenance_node", params.maintenance_node)):
        if value and value not in cluster.names:
            raise RunbookParameterError(
                f"unknown node {value!r}; the config has {', '.join(cluster.names)}",
                f"parameter {name_param}",
            )
    if not statuses and not params.up:
        raise RunbookParameterError(
            "give a pvecm status (status_path/status_text) or the nodes up", "parameter up"
        )
    state = ClusterState.build(
        cluster,
        up=_names(params.up) or None,
        confirmed_down=_names(params.confirmed_down),
        status=statuses,
        local=params.node or None if kind == "restore-quorum" else None,
    )
    inp = PlanInput(cluster, state, version, Facts(ha_resources=params.ha_in_use), config_text)
    new_text = params.new_config_text or (
        _read(params.new_config_path, "new_config_path") if params.new_config_path else None
    )
    if kind == "edit-corosync" and new_text is None:
        raise RunbookParameterError("the edited file is needed", "parameter new_config_path")
    if kind == "add-qdevice" and not params.qdevice_host:
        raise RunbookParameterError("the QNetd host address is needed", "parameter qdevice_host")
    target = params.maintenance_node or params.node or None
    plan = build_plan(
        kind, inp, node=target, qdevice_host=params.qdevice_host or None, new_text=new_text
    )
    reasons = tuple(d.text for d in plan.all_dangers if d.severity == "blocking")
    checks = (
        (
            "config parsed",
            True,
            f"{len(cluster.nodes)} nodes, config_version {cluster.config_version}",
        ),
        (
            "status agrees with the config",
            True,
            "given" if status_text else "no status: nodes up given",
        ),
        ("Proxmox VE version matches the config format", True, f"{version} / {cluster.stack}"),
        ("no blocking danger", not reasons, "; ".join(reasons) or "none"),
    )
    token = confirm_token(plan)
    if params.mode == "apply" and params.confirm != token and not reasons:
        raise RunbookParameterError(
            f"apply mode runs only with confirm={token!r} (the token the plan printed)",
            "parameter confirm",
        )
    return Prepared(
        name=name,
        params=params,
        cluster=cluster,
        config_text=config_text,
        status_text=status_text,
        plan=plan,
        token=token,
        verdict="NO-GO" if reasons else "GO",
        reasons=reasons,
        up=tuple(n for n in cluster.names if n in state.up),
        checks=checks,
    )


def record(prepared: Prepared, applied: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The machine-readable result stored in the executed notebook (`RESULT_MIME`)."""
    from pvequorum.procedures.render import to_json

    return {
        "runbook": prepared.name,
        "verdict": prepared.verdict,
        "reasons": list(prepared.reasons),
        "mode": prepared.params.mode,
        "confirm_token": prepared.token,
        "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in prepared.checks],
        "plan": json.loads(to_json(prepared.plan)),
        "applied": applied or [],
    }


def no_go_message(prepared: Prepared) -> str:
    return "NO-GO: " + " | ".join(prepared.reasons)
