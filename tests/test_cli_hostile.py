"""Issue 14: hostile input to `plan`, the status parsers and the runbook parameters gives
the documented one-line error (exit 2) or a real answer, never a traceback."""

from __future__ import annotations

import io
import os
import random
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import PROJECT

from pvequorum.cfgtool import parse_status as parse_link_status
from pvequorum.cli import main
from pvequorum.errors import InputError
from pvequorum.status import parse_status

EXAMPLES = PROJECT / "src" / "pvequorum" / "examples"
REAL = PROJECT / "tests" / "data" / "real"
CONF = (EXAMPLES / "two-node-corosync.conf").read_text()
STATUSES = [
    (EXAMPLES / "two-node-one-down.pvecm-status.txt").read_text(),
    (REAL / "two-node-crashed.pvecm-status.txt").read_text(),
    (REAL / "two-node-wfa-cold-start.pvecm-status.txt").read_text(),
]
NASTY = [
    "\x00",
    "\x0b",
    "\r",
    "\u2028",
    "\udcff",
    "²",
    "٣",
    "9" * 5000,
    "(local)",
    "0x",
    "-1",
    "\n" * 3,
    "Quorate:          Yes",
    "Flags:            Bogus ",
    " " * 600,
]


def _mutate(text: str, seed: int, rounds: int) -> str:
    rnd = random.Random(seed)
    for _ in range(rounds):
        at = rnd.randrange(len(text) + 1)
        choice = rnd.random()
        if choice < 0.4:
            text = text[:at] + rnd.choice(NASTY) + text[at:]
        elif choice < 0.7:
            text = text[:at] + text[at + rnd.randrange(1, 40) :]
        else:
            lines = text.split("\n")
            rnd.shuffle(lines)
            text = "\n".join(lines)
    return text


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32),
    rounds=st.integers(1, 6),
    which=st.integers(0, 2),
    kind=st.sampled_from(["restore-quorum", "two-node", "maintenance", "edit-corosync"]),
)
def test_plan_answers_or_refuses_in_one_line(
    tmp_path: Path, seed: int, rounds: int, which: int, kind: str
) -> None:
    status = _write(tmp_path / "status.txt", _mutate(STATUSES[which], seed, rounds))
    conf = _write(
        tmp_path / "c.conf", _mutate(CONF, seed + 1, rounds // 2) if seed % 3 == 0 else CONF
    )
    args = [
        "plan",
        kind,
        "--config",
        str(conf),
        "--status",
        str(status),
        "--pve-version",
        "8.2",
        "--confirmed-down",
        "pve2",
    ]
    if kind == "maintenance":
        args += ["--node", "pve2"]
    if kind == "edit-corosync":
        args += ["--new-config", str(conf)]
    code, out, err = _run(args)
    assert code in (0, 2, 3), (code, err)
    if code == 2:
        assert out == "" and err.count("\n") == 1 and err.startswith("pvequorum: "), err
    else:
        assert out and err == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000) | st.sampled_from(STATUSES).map(lambda s: s.replace("1", "²")))
def test_status_parsers_refuse_with_input_errors_only(text: str) -> None:
    for parser in (parse_status, parse_link_status):
        try:
            parser(text, "paste")
        except InputError as exc:  # anything else propagates and fails the test
            assert str(exc).startswith("paste"), exc  # it names what was pasted


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "config_text",
                "mode",
                "ha_in_use",
                "executor",
                "node",
                "confirm",
                "pve_version",
                "up",
                "status_source",
                "bogus",
            ]
        ),
        st.one_of(
            st.text(max_size=50), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True)
        ),
        max_size=6,
    )
)
def test_runbook_parameters_fail_closed(raw: dict) -> None:
    from pvequorum.runbooks.core import Params
    from pvequorum.runbooks.params import RunbookParameterError

    try:
        params = Params.from_mapping("restore-quorum", raw)
    except RunbookParameterError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert params.mode in ("plan", "apply") and isinstance(params.ha_in_use, bool)
    assert params.status_source in ("given", "live")


@pytest.mark.parametrize("bad", ["/dev/zero", "/dev/null", "/proc/self", "/nonexistent/x"])
def test_plan_refuses_devices_and_missing_files(bad: str) -> None:
    code, out, err = _run(["plan", "two-node", "--config", bad])
    assert code == 2 and out == "" and err.count("\n") == 1, err
    if os.path.exists(bad):
        assert "not a regular file" in err or "cannot read" in err


def test_plans_refuse_clusters_beyond_their_node_limit(tmp_path: Path) -> None:
    from pvequorum.lab.conffile import lab_corosync_conf
    from pvequorum.limits import MAX_PLAN_NODES
    from pvequorum.model import simple_cluster

    cluster = simple_cluster(MAX_PLAN_NODES + 1)
    addresses = {n.name: [f"10.0.{n.nodeid}.1"] for n in cluster.nodes}
    conf = _write(tmp_path / "c.conf", lab_corosync_conf(cluster, addresses, "/x"))
    code, out, err = _run(["plan", "two-node", "--config", str(conf)])
    assert code == 2 and out == ""
    assert f"plans are made for at most {MAX_PLAN_NODES} nodes" in err and err.count("\n") == 1
