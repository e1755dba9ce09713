"""Hostile input: `simulate` and `analyze` end in exit 0, or exit 2 with one line on stderr.

Every case found by a hostile-input run is a regression test here, through
`pvequorum.cli.main` or a subprocess; hypothesis then feeds generated and mutated scenario
files (random bytes, control characters, invalid UTF-8, NUL, huge integers, deep nesting).
The time and memory bounds are measured by `benchmarks/bench_limits.py`, not here.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import TEAM_SCENARIOS

from pvequorum import limits
from pvequorum.cli import main
from pvequorum.scenario import SCENARIO_FORMAT, ScenarioError, json_too_deep, parse_json

COMMANDS = ("simulate", "analyze")


def scenario(nodes: int = 2, votes: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A valid scenario (start all, observe) to mutate; `extra` replaces top-level keys."""
    names = [f"pve{i}" for i in range(1, nodes + 1)]
    entries = [{"name": n, "nodeid": i} for i, n in enumerate(names, start=1)]
    for entry, v in zip(entries, votes or [], strict=False):
        entry["votes"] = v
    doc = {
        "format": SCENARIO_FORMAT,
        "name": "hostile",
        "cluster": {"name": "lab", "nodes": entries, "quorum": {}},
        "steps": [{"start": names}, {"observe": "all up"}],
    }
    doc.update(extra)
    return doc


def run_cli(path: Path | str, command: str, *extra: str) -> tuple[int, str, str]:
    """`pvequorum COMMAND PATH` in process: (exit code, stdout, stderr).  Any exception other
    than the ones the CLI turns into one line propagates, so the test fails with it."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([command, str(path), *extra])
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, out: str, err: str) -> None:
    """Exit 0, or exit 2 with nothing on stdout and one line naming the problem on stderr."""
    assert "Traceback" not in err
    if code == 0:
        return
    assert code == 2, (code, err)
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("pvequorum: "), err


def refused(path: Path, *problem: str, commands: tuple[str, ...] = COMMANDS) -> None:
    """Both commands end in exit 2 with one line naming the file and the problem."""
    for command in commands:
        code, out, err = run_cli(path, command)
        assert_clean(code, out, err)
        assert code == 2, (command, err)
        for word in (str(path), *problem):
            assert word in err, (command, word, err)


@pytest.fixture
def write(tmp_path: Path) -> Iterator[Any]:
    def _write(content: str | bytes | dict[str, Any], name: str = "s.json") -> Path:
        path = tmp_path / name
        if isinstance(content, dict):
            content = json.dumps(content)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    yield _write


# --- the cases of the hostile-input run ----------------------------------------------------


@pytest.mark.parametrize("value", [None, True, 1.0, "1", [1], {"n": 1}])
def test_nodeid_must_be_an_integer(write: Any, value: object) -> None:
    doc = scenario()
    doc["cluster"]["nodes"][0]["nodeid"] = value
    refused(write(doc), "nodeid")


@pytest.mark.parametrize("value", [None, True, 1.5, "1", -1, limits.MAX_NODE_VOTES + 1])
def test_votes_must_be_an_integer_within_the_limit(write: Any, value: object) -> None:
    refused(write(scenario(votes=[value])), "votes")


HUGE = "9" * 5000  # beyond Python's int-string limit of 4300 digits


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"nodeid": 1', f'"nodeid": {HUGE}', "nodeid"),
        ('"nodeid": 1', f'"nodeid": -{HUGE}', "nodeid"),
        ('"nodeid": 1}', f'"nodeid": 1, "votes": {HUGE}}}', "votes"),
        ('"quorum": {}', f'"quorum": {{"expected_votes": {HUGE}}}', "expected_votes"),
        ('"quorum": {}', f'"quorum": {{"two_node": {HUGE}}}', "two_node"),
        ('"quorum": {}', f'"quorum": {{"device": {{"votes": {HUGE}}}}}', "qdevice votes"),
        ('"quorum": {}', f'"quorum": {{"device": {{"net": {{"tie_breaker": {HUGE}}}}}}}', "tie"),
        ('"quorum": {}', f'"quorum": {{"auto_tie_breaker_node": "{HUGE}"}}', "auto_tie_breaker"),
        ('"name": "lab",', f'"name": "lab", "config_version": {HUGE},', "config_version"),
        ('"name": "lab",', f'"name": "lab", "totem": {{"token": {HUGE}}},', "token"),
        ('{"observe": "all up"}', f'{{"wait": {HUGE}}}', "wait"),
        ('{"observe": "all up"}', f'{{"expected": {{"node": "pve1", "votes": {HUGE}}}}}', "votes"),
        ('{"observe": "all up"}', f'{{"observe": {HUGE}}}', "label"),
    ],
    ids=lambda x: x if x.isidentifier() else "",
)
def test_huge_integers_name_their_field(write: Any, old: str, new: str, field: str) -> None:
    text = json.dumps(scenario())
    assert old in text
    refused(write(text.replace(old, new, 1)), field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("expected_votes", limits.MAX_TOTAL_VOTES + 1),
        ("last_man_standing_window", limits.MAX_UINT32 + 1),
    ],
)
def test_quorum_values_beyond_the_limits(write: Any, field: str, value: int) -> None:
    doc = scenario()
    doc["cluster"]["quorum"] = {field: value}
    refused(write(doc), field, str(value))


def test_expected_step_beyond_the_limit(write: Any) -> None:
    doc = scenario()
    doc["steps"].append({"expected": {"node": "pve1", "votes": limits.MAX_TOTAL_VOTES + 1}})
    refused(write(doc), "step 2", "expected votes", str(limits.MAX_TOTAL_VOTES))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_no_json(write: Any, constant: str) -> None:
    text = json.dumps(scenario()).replace('"nodeid": 1', f'"nodeid": {constant}')
    refused(write(text), "invalid JSON", constant.lstrip("-"))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[[]," * 50_000,
        json.dumps(scenario(description="x")).replace('"x"', "[" * 5000 + "]" * 5000),
    ],
    ids=["open", "balanced", "objects", "staircase", "inside-a-scenario"],
)
def test_deep_nesting_is_refused_before_decoding(write: Any, text: str) -> None:
    refused(write(text), "levels deep", str(limits.MAX_JSON_DEPTH))


def test_nesting_up_to_the_limit_decodes() -> None:
    depth = limits.MAX_JSON_DEPTH
    assert parse_json("[" * depth + "]" * depth, "x") == eval("[" * depth + "]" * depth)
    with pytest.raises(ScenarioError, match="levels deep"):
        parse_json("[" * (depth + 1) + "]" * (depth + 1), "x")
    assert parse_json('["' + "[" * 1000 + '"]', "x") == ["[" * 1000]  # brackets in a string


def _reference_depth(text: str) -> int:
    """The nesting depth as a decoder sees it, one character at a time."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


@st.composite
def nested_json(draw: st.DrawFn, depth: int = 8) -> str:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["1", '"]"', '"\\\\"', '"\\"["', '""', "null"]))
    items = draw(st.lists(nested_json(depth=depth - 1), min_size=0, max_size=3))
    if draw(st.booleans()):
        return "[" + ",".join(items) + "]"
    return "{" + ",".join(f'"k{i}":{x}' for i, x in enumerate(items)) + "}"


@settings(max_examples=300, deadline=None)
@given(st.one_of(nested_json(), st.text(alphabet='[]{}"\\a,\n', max_size=40)), st.integers(0, 9))
def test_depth_check_is_exact_for_json_and_safe_for_anything(text: str, limit: int) -> None:
    depth = _reference_depth(text)
    if depth > limit:
        assert json_too_deep(text, limit)  # never lets a deeper text through
    try:
        json.loads(text)
    except ValueError:
        return
    assert json_too_deep(text, limit) == (depth > limit)  # exact on valid JSON


def test_too_many_nodes(write: Any) -> None:
    refused(write(scenario(nodes=limits.MAX_NODES + 1)), "385 nodes", "384")


def test_too_many_steps(write: Any) -> None:
    doc = scenario()
    doc["steps"] = [{"observe": str(i)} for i in range(limits.MAX_STEPS + 1)]
    refused(write(doc), "1001 steps", str(limits.MAX_STEPS))


def test_exponential_votes_are_beyond_the_vote_limit(write: Any) -> None:
    """The run's 34 nodes with votes 2**i (over 60 s before): votes above 255 are refused."""
    refused(write(scenario(34, votes=[2**i for i in range(34)])), "votes of pve9 must be <= 255")


def test_heavy_clusters_within_the_limits_are_analysed(write: Any) -> None:
    """34 nodes with votes min(2**i, 255) and 384 nodes of random votes (36 s, 2 GB before)."""
    rng = random.Random(300)
    for votes in ([min(2**i, 255) for i in range(34)], [rng.randint(0, 255) for _ in range(384)]):
        code, out, err = run_cli(write(scenario(len(votes), votes=votes)), "analyze", "--json")
        assert (code, err) == (0, "")
        data = json.loads(out)
        assert data["nodes"] == len(votes) and len(data["by_failures"]) == len(votes) + 1


def test_too_large_to_simulate_but_not_to_analyse(write: Any) -> None:
    path = write(scenario(nodes=limits.MAX_NODES))
    refused(path, "too large to simulate", "384 nodes", commands=("simulate",))
    code, _, err = run_cli(path, "analyze")
    assert (code, err) == (0, "")


def test_files_that_are_not_scenarios(write: Any, tmp_path: Path) -> None:
    refused(Path("/dev/zero"), "not a regular file")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused(fifo, "not a regular file")  # and does not hang waiting for a writer
    refused(tmp_path, "Is a directory")
    refused(write(b" " * (limits.MAX_SCENARIO_BYTES + 1)), "larger than 4194304 bytes")
    refused(write(b'{"format": "\x00"}'), "NUL byte")
    refused(write(b'{"name": "\xff"}'), "not UTF-8")
    refused(write(b"\xef\xbb\xbf{}"), "invalid JSON")  # a BOM is no JSON


def test_control_characters_stay_on_one_line(write: Any) -> None:
    doc = scenario(**{"bad\nkey": 1, "bad\rkey": 2})
    refused(write(doc), "unknown key(s)", "'bad\\nkey'")
    doc = scenario()
    doc["cluster"]["nodes"][0]["name"] = "pve1\n"  # $ used to match before a final newline
    refused(write(doc), "'pve1\\n' is not a valid host name")
    doc = scenario()
    doc["steps"].append({"crash": ["pve1\u2028\x1b[31m"]})
    refused(write(doc), "unknown node")


def test_a_file_name_with_a_newline_stays_on_one_line(write: Any) -> None:
    path = write("{", name="bad\nname.json")
    for command in COMMANDS:
        code, _, err = run_cli(path, command)
        assert code == 2 and len(err.splitlines()) == 1 and "bad\\nname.json" in err


def test_explicit_nulls_are_refused(write: Any) -> None:
    doc = scenario(description=None)
    refused(write(doc), "description must not be null")
    doc = scenario(votes=[1])
    doc["cluster"]["quorum"] = {"two_node": None}
    refused(write(doc), "quorum.two_node must not be null")


# --- stdout that cannot take the output (handled by pvequorum.cli.main) ------------------


def _cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args],
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


SCENARIO = str(TEAM_SCENARIOS / "three-node-failures.json")
OUTPUTS = [("simulate",), ("simulate", SCENARIO, "--json"), ("analyze", SCENARIO, "--json")]


@pytest.fixture(scope="module")
def big_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A scenario whose analysis prints far more than a pipe or stdio buffer holds."""
    path = tmp_path_factory.mktemp("big") / "big.json"
    path.write_text(json.dumps(scenario(limits.MAX_NODES, votes=[1, 2, 3] * 128)))
    return str(path)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [*OUTPUTS, ("analyze", "BIG", "--json")])
def test_a_full_disk_is_one_line_and_exit_2(args: tuple[str, ...], big_output: str) -> None:
    args = tuple(big_output if a == "BIG" else a for a in args)
    with open("/dev/full", "w") as full:
        result = _cli(*args, stdout=full)
    assert result.returncode == 2
    assert result.stderr == "pvequorum: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("args", [*OUTPUTS, ("analyze", "BIG", "--json")])
def test_a_closed_pipe_is_no_traceback(args: tuple[str, ...], big_output: str) -> None:
    """The reader went away: at most one line, and one line whenever the exit is not 0
    (the CLI treats `| head` as no error and exits 0)."""
    args = tuple(big_output if a == "BIG" else a for a in args)
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails with EPIPE
    try:
        result = _cli(*args, stdout=write_end)
    finally:
        os.close(write_end)
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr
    assert len(lines) == (1 if result.returncode else 0), result.stderr


class _Full(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("command", COMMANDS)
def test_unwritable_stdout_in_process(command: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stdout(_Full()), contextlib.redirect_stderr(err):
        assert main([command, SCENARIO]) == 2
    assert err.getvalue() == "pvequorum: cannot write the output: No space left on device\n"


# --- generated and mutated files -----------------------------------------------------------

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEEDS = [
    p.read_bytes() for p in sorted(TEAM_SCENARIOS.glob("*.json")) if ".real." not in p.name
] + [json.dumps(scenario(3, votes=[1, 2, 0])).encode()]

HOSTILE_VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        1.5,
        "",
        "\x00",
        "\x1b[2J",
        "\u2028",
        "\udcff",
        "²",
        "٣",
        "pve1\n",
        "9" * 30,
        [],
        {},
        [[[[]]]],
        limits.MAX_NODE_VOTES + 1,
        limits.MAX_NODEID + 1,
        limits.MAX_TOTAL_VOTES + 1,
        2**64,
        "lowest",
        "highest",
    ]
)
RAW_INSERTS = st.sampled_from(
    [
        b"\x00",
        b"\xff",
        b"\xc3",
        b"\xed\xa0\x80",
        b"\r",
        b"\x1b",
        b"\t",
        b"NaN",
        b"-Infinity",
        b"1e999",
        HUGE.encode(),
        b"[" * 1000,
        b"]" * 1000,
        b'"\\',
        b"\\u0000",
        b"\\ud800",
        b'{"a":1,"a":2}',
    ]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """A seed scenario with values replaced, keys dropped or added, then maybe bytes spliced."""
    doc = json.loads(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(doc))[1:]))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.integers(0, 3))
        if action == 0:
            parent[path[-1]] = copy.deepcopy(draw(HOSTILE_VALUES))
        elif action == 1:
            del parent[path[-1]]
        elif action == 2 and isinstance(parent, dict):
            parent[draw(st.sampled_from(["x", "\n", "votes", "nodeid", "heal"]))] = 1
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(draw(HOSTILE_VALUES)))
    data = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 3))
        data = data[:at] + draw(RAW_INSERTS | st.binary(max_size=8)) + data[at + cut :]
    return data


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "case.json"


def _run_both(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    for command in COMMANDS:
        assert_clean(*run_cli(path, command))
        assert_clean(*run_cli(path, command, "--json"))


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(fuzz_file: Path, data: bytes) -> None:
    _run_both(fuzz_file, data)


@FUZZ
@given(text=st.text(max_size=200))
def test_random_text_with_control_characters(fuzz_file: Path, text: str) -> None:
    _run_both(fuzz_file, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=mutated_documents())
def test_mutated_scenarios(fuzz_file: Path, data: bytes) -> None:
    _run_both(fuzz_file, data)


@FUZZ
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=20,
    ),
    where=st.sampled_from(["cluster", "quorum", "node", "step", "top"]),
)
def test_generated_json_values_in_every_place(fuzz_file: Path, value: Any, where: str) -> None:
    doc = scenario()
    if where == "cluster":
        doc["cluster"] = value
    elif where == "quorum":
        doc["cluster"]["quorum"] = value
    elif where == "node":
        doc["cluster"]["nodes"][0] = value
    elif where == "step":
        doc["steps"].append(value)
    else:
        doc = value
    _run_both(fuzz_file, json.dumps(doc).encode("utf-8", "surrogatepass"))
