"""Runbooks, the pure part: parameters, the plan, the verdict and the record.

A runbook is a papermill notebook whose cells call these functions.  Everything decided
here is decided from the actual cluster (its config and its `pvecm status`) by
`pvequorum.procedures.request.make_plan`; a blocking danger, or a pre-check row that
FAILED, makes the verdict NO-GO.  The confirm token is the plan's: it binds the commands
to every input (config and status bytes, nodes, facts, kit version), so a token from
another cluster, situation or input is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pvequorum.errors import InputError
from pvequorum.limits import MAX_CONFIG_BYTES
from pvequorum.procedures.evidence import EvidenceRow
from pvequorum.procedures.plan import Plan
from pvequorum.procedures.render import confirm_token
from pvequorum.procedures.request import Planned, PlanRequest, build_request, make_plan
from pvequorum.runbooks import params as schema
from pvequorum.runbooks.params import RunbookParameterError
from pvequorum.textio import read_input

RESULT_MIME = "application/vnd.pvequorum.result+json"

# runbook name (the plan kind: one name per procedure) -> (plan kind, purpose)
RUNBOOKS: dict[str, tuple[str, str]] = {
    "restore-quorum": (
        "restore-quorum",
        "Make a surviving partition quorate again with `pvecm expected N`, only when it is safe.",
    ),
    "two-node": (
        "two-node",
        "Switch a two-node cluster to two-node mode (cman: the source article's cluster.conf "
        "edit; corosync: `two_node: 1`).",
    ),
    "add-qdevice": ("add-qdevice", "Add a QDevice (corosync-qnetd) as a third vote."),
    "remove-qdevice": (
        "remove-qdevice",
        "Remove the QDevice (`pvecm qdevice remove`), checked gone from every vote count.",
    ),
    "maintenance": (
        "maintenance",
        "Take one node down for maintenance: does the rest stay quorate, and what to do if not.",
    ),
    "edit-corosync": (
        "edit-corosync",
        "Change /etc/pve/corosync.conf (or cluster.conf) the documented safe way.",
    ),
    "add-link": (
        "add-link",
        "Add a redundant knet link to a running cluster, checked connected on every node.",
    ),
    "change-address": (
        "change-address",
        "Move nodes to new addresses on a knet link without a restart (the link removed and "
        "added again, or a temporary link), or with the documented restart.",
    ),
}


# The plan builders name the CLI's flags; in a runbook the same thing is a parameter.
CLI_TO_PARAMETER = {
    "--up": "parameter up",
    "--confirmed-down": "parameter confirmed_down",
    "--node": "parameter node (maintenance_node in node-maintenance)",
    "--pve-version": "parameter pve_version",
    "--pveversion": "parameter pveversion_path",
    "--status": "parameter status_path",
    "--qdevice-host": "parameter qdevice_host",
    "--link": "parameter link",
    "--address": "parameter addresses",
    "--link-priority": "parameter link_priority",
    "--method": "parameter method",
}


# The names runbooks had before they took their plan's name; still accepted.
RUNBOOK_ALIASES = {
    "two-node-mode": "two-node",
    "node-maintenance": "maintenance",
    "edit-corosync-conf": "edit-corosync",
}


def runbook_name(name: str) -> str:
    """The runbook's name, old names resolved; an unknown name is bad input."""
    name = RUNBOOK_ALIASES.get(name, name)
    if name not in RUNBOOKS:
        known = ", ".join([*RUNBOOKS, *RUNBOOK_ALIASES])
        raise RunbookParameterError(f"unknown runbook {name!r}; runbooks: {known}")
    return name


class RunbookNoGo(Exception):
    """The verdict is NO-GO: the last cell raises it so that papermill exits non-zero.

    IPython shows `_render_traceback_` instead of a traceback: the verdict, not a crash.
    """

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


@dataclass(frozen=True)
class Params:
    """Validated runbook parameters (the `parameters` cell, after papermill's injection)."""

    config_path: str = ""
    config_text: str = ""
    status_path: str = ""
    status_text: str = ""
    status_source: str = "given"
    node: str = ""
    up: str = ""
    confirmed_down: str = ""
    confirmed_down_by: str = ""
    pve_version: str = ""
    pveversion_path: str = ""
    ha_in_use: bool = False
    mode: str = "plan"
    confirm: str = ""
    executor: str = "local"
    qdevice_host: str = ""
    maintenance_node: str = ""
    new_config_path: str = ""
    new_config_text: str = ""
    link: str = ""
    addresses: str = ""
    link_priority: str = ""
    method: str = "reload"

    @classmethod
    def from_mapping(cls, runbook: str, raw: dict[str, Any]) -> Params:
        runbook = runbook_name(runbook)
        params = cls(**schema.parse(runbook, raw))  # type: ignore[arg-type]
        if bool(params.config_path) == bool(params.config_text):
            raise RunbookParameterError(
                "give exactly one of config_path and config_text", "parameter config_path"
            )
        if params.status_path and params.status_text:
            raise RunbookParameterError(
                "give at most one of status_path and status_text", "parameter status_path"
            )
        if params.status_source == "live" and (params.status_path or params.status_text):
            raise RunbookParameterError(
                "status_source live collects the status; do not give status_path/status_text",
                "parameter status_source",
            )
        if params.mode == "apply" and params.confirmed_down and not params.confirmed_down_by:
            raise RunbookParameterError(
                "apply mode needs to know how the missing nodes were confirmed off "
                "(for example -p confirmed_down_by 'IPMI power status off')",
                "parameter confirmed_down_by",
            )
        return params


def _read(path: str, parameter: str) -> str:
    try:
        return read_input(path, "file", MAX_CONFIG_BYTES)
    except InputError as exc:
        raise RunbookParameterError(f"{path}: {exc.problem}", f"parameter {parameter}") from None


@dataclass(frozen=True)
class Prepared:
    """Everything a runbook shows and applies, decided before anything changes."""

    name: str
    params: Params
    planned: Planned
    status_text: str | None
    token: str
    verdict: str
    reasons: tuple[str, ...]

    @property
    def plan(self) -> Plan:
        return self.planned.plan

    @property
    def rows(self) -> tuple[EvidenceRow, ...]:
        return self.planned.rows

    @property
    def go(self) -> bool:
        return self.verdict == "GO"


def request_of(name: str, params: Params, live_status: str | None = None) -> PlanRequest:
    """The plan request these parameters describe (files read, nodes split)."""
    kind = RUNBOOKS[name][0]
    config_text = params.config_text or _read(params.config_path, "config_path")
    if params.status_source == "live":
        status_text = live_status
        where = f"pvecm status on {params.executor}"
    elif params.status_path:
        status_text, where = _read(params.status_path, "status_path"), params.status_path
    else:
        status_text, where = params.status_text or None, "status_text"
    if status_text is None and not params.up:
        raise RunbookParameterError(
            "give a pvecm status (status_path or status_text) or the nodes up", "parameter up"
        )
    new_text = params.new_config_text or (
        _read(params.new_config_path, "new_config_path") if params.new_config_path else None
    )
    if kind == "edit-corosync" and new_text is None:
        raise RunbookParameterError("the edited file is needed", "parameter new_config_path")
    if kind == "add-qdevice" and not params.qdevice_host:
        raise RunbookParameterError("the QNetd host address is needed", "parameter qdevice_host")
    return build_request(
        kind,
        config_text,
        params.config_path or "config_text",
        pve_version=params.pve_version,
        statuses=[(where, status_text)] if status_text else [],
        up=params.up if params.up.replace(",", "").strip() else None,  # none: the status's
        confirmed_down=params.confirmed_down,
        confirmed_by=params.confirmed_down_by,
        node=params.node if kind == "restore-quorum" else params.maintenance_node or params.node,
        ha_resources=params.ha_in_use,
        qdevice_host=params.qdevice_host,
        new_text=new_text,
        pveversion_text=_read(params.pveversion_path, "pveversion_path")
        if params.pveversion_path
        else None,
        pveversion_where=params.pveversion_path,
        link=params.link,
        addresses=params.addresses,
        link_priority=params.link_priority,
        method=params.method if kind == "change-address" else None,
    )


def prepare(name: str, params: Params, live_status: str | None = None) -> Prepared:
    """Parameters -> config, status, plan, verdict.  Bad parameters raise before any change."""
    name = runbook_name(name)
    try:
        planned = make_plan(request_of(name, params, live_status))
    except RunbookParameterError:
        raise
    except InputError as exc:
        where = CLI_TO_PARAMETER.get(exc.where or "", exc.where)
        problem = exc.problem
        for flag, parameter in CLI_TO_PARAMETER.items():
            problem = problem.replace(f"({flag})", f"({parameter})")
        raise RunbookParameterError(problem, where) from None
    plan = planned.plan
    reasons = tuple(d.text for d in plan.all_dangers if d.severity == "blocking") + tuple(
        f"pre-check {row.check} FAILED: {row.detail}"
        for row in planned.rows
        if row.result == "FAILED" and row.detail not in {d.text for d in plan.all_dangers}
    )
    token = confirm_token(plan)
    if params.mode == "apply" and not reasons and params.confirm != token:
        given = f"{params.confirm!r} does not match" if params.confirm else "is missing"
        raise RunbookParameterError(
            f"the confirm token {given}: it binds to the config, the status, the nodes and "
            "the parameters; plan again (mode plan) with these inputs and use the token it "
            "prints",
            "parameter confirm",
        )
    return Prepared(
        name=name,
        params=params,
        planned=planned,
        status_text=planned.request.statuses[0][1] if planned.request.statuses else None,
        token=token,
        verdict="NO-GO" if reasons else "GO",
        reasons=reasons,
    )


def record(
    prepared: Prepared,
    applied: list[dict[str, Any]] | None = None,
    final_status: str | None = None,
) -> dict[str, Any]:
    """The machine-readable result stored in the executed notebook (`RESULT_MIME`)."""
    import json

    from pvequorum.procedures.render import to_json

    return {
        "runbook": prepared.name,
        "verdict": prepared.verdict,
        "reasons": list(prepared.reasons),
        "mode": prepared.params.mode,
        "executor": prepared.params.executor,
        "confirm_token": prepared.token,
        "checks": [row.to_dict() for row in prepared.rows],
        "plan": json.loads(to_json(prepared.plan)),
        "applied": applied or [],
        "final_status": final_status,
    }


def no_go_message(prepared: Prepared) -> str:
    return "NO-GO: " + " | ".join(prepared.reasons)
