"""One plan-request builder: the CLI, the runbooks and the outage simulator all ask
`procedures.request.build_request`, so the same evidence makes the same request."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pvequorum import outage
from pvequorum.cli import build_parser
from pvequorum.cli.plan import request_of as cli_request
from pvequorum.examples import example_path
from pvequorum.model import simple_cluster
from pvequorum.procedures.request import build_request, make_plan
from pvequorum.runbooks.core import Params
from pvequorum.runbooks.core import request_of as runbook_request
from pvequorum.scenario import Step

CONFIG = example_path("two-node-corosync.conf")
STATUS = example_path("two-node-one-down.pvecm-status.txt")


def test_names_and_empty_values_are_read_once_for_everyone() -> None:
    request = build_request(
        "maintenance", "text", up=" pve1, ,pve2 ", confirmed_down="", node="", qdevice_host=""
    )
    assert request.up == ("pve1", "pve2") and request.confirmed_down == ()
    assert request.node is None and request.qdevice_host is None
    assert request.pveversion_where == "pveversion" and request.cluster is None
    assert build_request("maintenance", "text").up is None  # not given: from the status
    assert build_request("maintenance", "text", up="").up == ()  # given, and empty
    assert build_request("maintenance", "text", up=["a", "b"]).up == ("a", "b")


def _without_origins(request: object) -> object:
    """A request without the names of where its texts came from (paths differ)."""
    return dataclasses.replace(
        request,  # type: ignore[type-var]
        config_where="",
        statuses=tuple(text for _, text in request.statuses),  # type: ignore[attr-defined]
    )


def test_the_cli_and_a_runbook_make_the_same_request(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        [
            "plan",
            "restore-quorum",
            "--config",
            str(CONFIG),
            "--status",
            str(STATUS),
            "--confirmed-down",
            "pve2",
            "--pve-version",
            "8.2",
        ]
    )
    params = Params(
        config_path=str(CONFIG),
        status_path=str(STATUS),
        confirmed_down="pve2",
        pve_version="8.2",
    )
    from_cli = cli_request(args)
    from_runbook = runbook_request("restore-quorum", params)
    assert _without_origins(from_cli) == _without_origins(from_runbook)
    assert make_plan(from_cli).plan.steps == make_plan(from_runbook).plan.steps


def test_the_outage_simulator_plans_through_the_same_builder(monkeypatch) -> None:
    asked = []

    def spy(*args, **kwargs):
        asked.append((args, kwargs))
        return build_request(*args, **kwargs)

    monkeypatch.setattr(outage, "build_request", spy)
    state = outage.act(outage.new_outage(simple_cluster(2)), Step("crash", ("pve2",)))
    plan = outage.situation_plan(outage.snapshot(state))
    assert plan is not None and plan.expected_steps == (("pve1", 1),)
    [(args, kwargs)] = asked
    assert args[0] == "restore-quorum" and args[1] == state.cluster
    assert kwargs["confirmed_down"] == ("pve2",) and kwargs["local"] == "pve1"


def test_a_cluster_beyond_the_plan_limit_gets_the_reason_not_a_traceback() -> None:
    cluster = simple_cluster(66)
    half = tuple(cluster.names[:33])
    state = outage.act(outage.new_outage(cluster), Step("crash", half))
    text = outage.situation_markdown(outage.snapshot(state))
    assert text.startswith("No plan for this situation:") and "at most 64 nodes" in text
