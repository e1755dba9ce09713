"""From raw evidence to a plan, in one place for the CLI, the runbooks, the apply check and
the outage simulator.

A `PlanRequest` holds what an operator hands over, as given: the config text, the `pvecm
status` texts, the nodes said to be up or confirmed down, the facts.  `build_request` is
the one way to put one together (node lists comma separated or as sequences, empty
strings as "not given"); the simulator hands over what it knows instead of texts, its
`Cluster` and each node's view as a `NodeStatus`.  `make_plan` reads and cross-checks the
request (`livestatus`, `ClusterState.build`, `evidence`), then builds the plan.
Everything here raises `InputError` on contradictions, before any plan exists.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass

from pvequorum.errors import InputError
from pvequorum.limits import MAX_CONFIG_BYTES, MAX_PLAN_NODES
from pvequorum.model import Cluster
from pvequorum.procedures import AHEAD_OF_TIME, build_plan
from pvequorum.procedures.confedit import cluster_of, transport_of
from pvequorum.procedures.evidence import EvidenceRow, evidence_rows, situation_of
from pvequorum.procedures.livestatus import node_status
from pvequorum.procedures.plan import Danger, Plan
from pvequorum.procedures.state import ClusterState, Facts, NodeStatus, PlanInput
from pvequorum.procedures.version import (
    CANDIDATES,
    PveVersion,
    from_pveversion,
    generations_of,
)


@dataclass(frozen=True)
class PlanRequest:
    kind: str
    config_text: str
    config_where: str
    pve_version: str = ""  # empty: decided from the evidence where it does not matter
    statuses: tuple[tuple[str, str], ...] = ()  # (where it came from, text)
    up: tuple[str, ...] | None = None
    confirmed_down: tuple[str, ...] = ()
    confirmed_by: str = ""
    node: str | None = None  # restore-quorum: where it runs; maintenance etc.: the subject
    local: str | None = None  # where commands run, when not the status's local node
    ha_resources: bool = False
    qdevice_host: str | None = None
    new_text: str | None = None
    pveversion_text: str | None = None  # `pveversion -v` output
    pveversion_where: str = "pveversion"
    cluster: Cluster | None = None  # the model itself, where there is no file (simulator)
    views: tuple[NodeStatus, ...] = ()  # statuses already read (the simulator's node views)
    link: str | None = None  # add-link, change-address: the link number, as given
    addresses: str | None = None  # NODE=ADDRESS,... as given
    link_priority: str | None = None  # add-link: knet_link_priority
    method: str | None = None  # change-address: reload (default) or restart


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    """Node names from "a, b" (as the CLI and runbook parameters take them) or a sequence."""
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(n.strip() for n in parts if n.strip())


def build_request(
    kind: str,
    config: str | Cluster,
    config_where: str = "config",
    *,
    pve_version: str = "",
    statuses: Iterable[tuple[str, str]] = (),
    views: Iterable[NodeStatus] = (),
    up: str | Iterable[str] | None = None,
    confirmed_down: str | Iterable[str] = (),
    confirmed_by: str = "",
    node: str | None = None,
    local: str | None = None,
    ha_resources: bool = False,
    qdevice_host: str | None = None,
    new_text: str | None = None,
    pveversion_text: str | None = None,
    pveversion_where: str | None = None,
    link: str | None = None,
    addresses: str | Iterable[str] | None = None,
    link_priority: str | None = None,
    method: str | None = None,
) -> PlanRequest:
    """The plan request of what an operator (or the simulator) hands over.

    `config` is the config text, or the `Cluster` when there is no file (the simulator).
    `statuses` are `pvecm status` texts with where each came from, `views` statuses
    already read.  `up` None means "from the status"; a string is split at commas (so an
    empty one means nobody); `confirmed_down` likewise.  An empty `node`, `local` or
    `qdevice_host` is not given.  `addresses` (the link plans) are `NODE=ADDRESS` entries,
    comma separated or a sequence of them (a repeated CLI option)."""
    text, cluster = (config, None) if isinstance(config, str) else ("", config)
    if addresses is not None and not isinstance(addresses, str):
        addresses = ",".join(addresses)
    return PlanRequest(
        kind=kind,
        config_text=text,
        config_where=config_where,
        pve_version=pve_version,
        statuses=tuple(statuses),
        up=None if up is None else _names(up),
        confirmed_down=_names(confirmed_down),
        confirmed_by=confirmed_by,
        node=node or None,
        local=local or None,
        ha_resources=ha_resources,
        qdevice_host=qdevice_host or None,
        new_text=new_text,
        pveversion_text=pveversion_text,
        pveversion_where=pveversion_where or "pveversion",
        cluster=cluster,
        views=tuple(views),
        link=link or None,
        addresses=addresses or None,
        link_priority=link_priority or None,
        method=method or None,
    )


@dataclass(frozen=True)
class Planned:
    request: PlanRequest
    cluster: Cluster
    inp: PlanInput
    plan: Plan
    rows: tuple[EvidenceRow, ...]


def _candidates(request: PlanRequest, cluster: Cluster) -> tuple[list[PveVersion], str]:
    """The releases the evidence allows, and why (one when given)."""
    if request.pve_version:
        return [PveVersion.parse(request.pve_version)], ""
    if request.pveversion_text is not None:
        version = from_pveversion(request.pveversion_text, request.pveversion_where)
        return [version], ""
    generations, why = generations_of(request.config_text, cluster.stack)
    return [PveVersion.parse(v) for g in generations for v in CANDIDATES[g]], why


def _shape(plan: Plan) -> str:
    """Everything of a plan that a version could change, but the version label itself."""
    data = plan.to_dict()
    for key in ("pve_version", "basis", "facts"):
        data.pop(key)
    return json.dumps(data, sort_keys=True)


def _bounded(request: PlanRequest) -> None:
    """Every text of a request within `limits.MAX_CONFIG_BYTES` (CLI, runbooks alike)."""
    texts = [(request.config_where, request.config_text), *request.statuses]
    if request.new_text is not None:
        texts.append(("the edited file", request.new_text))
    for where, text in texts:
        if len(text) > MAX_CONFIG_BYTES:
            raise InputError(f"larger than {MAX_CONFIG_BYTES} bytes, not a config or status", where)


def make_plan(request: PlanRequest) -> Planned:
    _bounded(request)
    cluster = request.cluster or cluster_of(request.config_text, where=request.config_where)
    if len(cluster.nodes) > MAX_PLAN_NODES:
        raise InputError(
            f"{len(cluster.nodes)} nodes: plans are made for at most {MAX_PLAN_NODES} nodes "
            "(every step is checked in the simulator; see pvequorum.limits)",
            request.config_where,
        )
    versions, why = _candidates(request, cluster)
    built = [_make(request, cluster, version) for version in versions]
    if len(built) == 1:
        return built[0]
    shapes = [_shape(b.plan) for b in built]
    for version, shape in zip(versions[1:], shapes[1:], strict=True):
        if shape != shapes[0]:
            raise InputError(
                f"give the Proxmox VE version: {why}, and this {request.kind} plan differs "
                f"between Proxmox VE {versions[0]} and {version} (`pvequorum plan "
                "--pve-version X`, a `pveversion -v` file with `--pveversion FILE`, or in a "
                "runbook `-p pve_version X`)",
                "--pve-version",
            )
    first = built[0]
    label = f"{versions[0]} to {versions[-1].major}.x (assumed)"
    note = Danger(
        "info",
        f"No Proxmox VE version was given: {why}; this plan comes out the same for every "
        f"release from {versions[0]} to {versions[-1].major}.x, so it holds for all of them.",
        "4.1, 8.1",
    )
    plan = dataclasses.replace(
        first.plan,
        pve_version=label,
        dangers=(*first.plan.dangers, note),
        facts=(*first.plan.facts, ("pve_version", label)),
    )
    return dataclasses.replace(first, plan=plan)


def _make(request: PlanRequest, cluster: Cluster, version: PveVersion) -> Planned:
    transport = (
        transport_of(request.config_text, cluster.stack, version.corosync_major)
        if request.config_text
        else None  # no file: nothing says which transport
    )
    statuses = [node_status(text, cluster, where, transport) for where, text in request.statuses]
    statuses += request.views
    local = request.local
    if request.kind == "restore-quorum" and request.node:
        local = request.node
    up = request.up
    if up is None and not statuses and request.kind in AHEAD_OF_TIME:
        up = cluster.names  # planned ahead: all nodes up (the plan's first step checks it)
    state = ClusterState.build(
        cluster,
        up=list(up) if up is not None else None,
        confirmed_down=request.confirmed_down,
        status=statuses,
        local=local,
    )
    facts = Facts(ha_resources=request.ha_resources)
    inp = PlanInput(cluster, state, version, facts, request.config_text or None)
    plan = build_plan(
        request.kind,
        inp,
        node=request.node,
        qdevice_host=request.qdevice_host,
        new_text=request.new_text,
        link=request.link,
        addresses=request.addresses,
        link_priority=request.link_priority,
        method=request.method,
    )
    rows = evidence_rows(
        cluster,
        state,
        situation_of(cluster, state),
        config_transport=transport,
        confirmed_by=request.confirmed_by,
    )
    return Planned(request, cluster, inp, plan, rows)
