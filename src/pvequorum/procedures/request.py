"""From raw evidence to a plan, in one place for the CLI, the runbooks and the apply check.

A `PlanRequest` holds what an operator hands over, as given: the config text, the `pvecm
status` texts, the nodes said to be up or confirmed down, the facts.  `make_plan` reads
and cross-checks it (`livestatus`, `ClusterState.build`, `evidence`), then builds the plan.
Everything here raises `InputError` on contradictions, before any plan exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from pvequorum.model import Cluster
from pvequorum.procedures import build_plan
from pvequorum.procedures.confedit import cluster_of, transport_of
from pvequorum.procedures.evidence import EvidenceRow, evidence_rows, situation_of
from pvequorum.procedures.livestatus import node_status
from pvequorum.procedures.plan import Plan
from pvequorum.procedures.state import ClusterState, Facts, PlanInput
from pvequorum.procedures.version import PveVersion


@dataclass(frozen=True)
class PlanRequest:
    kind: str
    config_text: str
    config_where: str
    pve_version: str
    statuses: tuple[tuple[str, str], ...] = ()  # (where it came from, text)
    up: tuple[str, ...] | None = None
    confirmed_down: tuple[str, ...] = ()
    confirmed_by: str = ""
    node: str | None = None  # restore-quorum: where it runs; maintenance etc.: the subject
    local: str | None = None  # where commands run, when not the status's local node
    ha_resources: bool = False
    qdevice_host: str | None = None
    new_text: str | None = None


@dataclass(frozen=True)
class Planned:
    request: PlanRequest
    cluster: Cluster
    inp: PlanInput
    plan: Plan
    rows: tuple[EvidenceRow, ...]


def make_plan(request: PlanRequest) -> Planned:
    version = PveVersion.parse(request.pve_version)
    cluster = cluster_of(request.config_text, where=request.config_where)
    transport = transport_of(request.config_text, cluster.stack, version.corosync_major)
    statuses = [node_status(text, cluster, where, transport) for where, text in request.statuses]
    local = request.local
    if request.kind == "restore-quorum" and request.node:
        local = request.node
    state = ClusterState.build(
        cluster,
        up=list(request.up) if request.up is not None else None,
        confirmed_down=request.confirmed_down,
        status=statuses,
        local=local,
    )
    inp = PlanInput(
        cluster, state, version, Facts(ha_resources=request.ha_resources), request.config_text
    )
    plan = build_plan(
        request.kind,
        inp,
        node=request.node,
        qdevice_host=request.qdevice_host,
        new_text=request.new_text,
    )
    rows = evidence_rows(
        cluster,
        state,
        situation_of(cluster, state),
        config_transport=transport,
        confirmed_by=request.confirmed_by,
    )
    return Planned(request, cluster, inp, plan, rows)
