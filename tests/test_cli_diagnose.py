"""Issue 18: `pvequorum collect` and `pvequorum diagnose` (docs/bundle-format.md).  collect
prints or runs only the fixed read-only commands; diagnose names what is wrong from what is
there, exits 0/1/2 as documented, and prints nothing from a bundle raw."""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import unicodedata
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from paths import DATA, PROJECT

from pvequorum import bundle
from pvequorum.cli import main
from pvequorum.errors import ExitStatus
from pvequorum.runbooks.executors import Executor, Result

DOC = (PROJECT / "docs" / "bundle-format.md").read_text()
BUNDLES = DATA / "bundles"
HEALTHY = BUNDLES / "healthy-2n"
UNREACHABLE = BUNDLES / "pve2-unreachable"
CONF = (DATA / "real" / "two-node.corosync.conf").read_text()
CRASHED = (DATA / "real" / "two-node-crashed.pvecm-status.txt").read_text()
CFGTOOL_CUT = (DATA / "real" / "cfgtool-s-partitioned.txt").read_text()
STATUS_1 = (HEALTHY / "pve1" / bundle.PVECM_STATUS).read_text()
STATUS_2 = (HEALTHY / "pve2" / bundle.PVECM_STATUS).read_text()
DOWN = "Cannot initialize QUORUM service\n"


def _run(args: Sequence[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors: exit 2 and one line
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _refused(args: Sequence[str], *words: str) -> str:
    """Exit 2 with one line on stderr that names `words`, nothing on stdout."""
    code, out, err = _run(args)
    assert code == ExitStatus.BAD_INPUT, (code, out, err)
    assert out == ""
    assert err.startswith("pvequorum") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    return err


def _doc_words(sentence: str) -> set[str]:
    """The backticked words of the doc's sentence that starts with `sentence`."""
    text = DOC.split(sentence, 1)[1].split(";", 1)[0]
    return set(re.findall(r"`([^`]+)`", text))


KINDS = _doc_words("`kind` is one of")
SEVERITIES = _doc_words("`severity` one of")


def _node(root: Path, name: str, **files: str) -> Path:
    names = {
        "status": bundle.PVECM_STATUS,
        "cfgtool": bundle.CFGTOOL_S,
        "local": bundle.LOCAL_CONF,
        "cluster": bundle.CLUSTER_CONF,
        "journal": bundle.JOURNAL,
        "collected": bundle.COLLECTED,
    }
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for key, text in files.items():
        (folder / names.get(key, key)).write_text(text)
    return folder


def _unreachable(name: str, reason: str) -> str:
    return json.dumps(
        {
            "format": "pvequorum-bundle/1",
            "node": name,
            "collected_at": "2026-12-03T10:05:00Z",
            "since": "-1d",
            "executor": f"ssh:{name}",
            "commands": [],
            "unreachable": reason,
        }
    )


def _diagnosis(path: Path) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    """(exit, the JSON, the text) of `pvequorum diagnose path`, both checked for the contract."""
    code, out, err = _run(["diagnose", str(path), "--json"])
    assert err == "", err
    data = json.loads(out)
    text_code, text, text_err = _run(["diagnose", str(path)])
    assert (text_code, text_err) == (code, "")
    _check_contract(data, code)
    return code, data, text


def _check_contract(data: dict, code: int) -> None:  # type: ignore[type-arg]
    assert data["format"] == "pvequorum-diagnosis/1"
    assert data["verdict"] in ("HEALTHY", "DEGRADED", "BROKEN")
    assert code == (ExitStatus.OK if data["verdict"] == "HEALTHY" else ExitStatus.FINDINGS)
    for finding in data["findings"]:
        assert finding["kind"] in KINDS and finding["severity"] in SEVERITIES
        assert set(finding) == {
            "kind",
            "nodes",
            "severity",
            "summary",
            "evidence",
            "reference",
            "next_step",
        }
        step = finding["next_step"]
        if finding["kind"] == "healthy":
            assert step is None
        else:
            assert step is not None and len({"plan", "collect_more", "action"} & set(step)) == 1
            if "plan" in step:
                assert set(step) == {"plan", "parameters"}
        for item in finding["evidence"]:
            assert set(item) == {"file", "line", "text"}
    for problem in data["problems"]:
        assert set(problem) == {"where", "problem"}


# --- collect -----------------------------------------------------------------------------
def _script_lines(since: str) -> list[str]:
    code, out, err = _run(["collect", *([f"--since={since}"] if since else [])])
    assert (code, err) == (ExitStatus.OK, "")
    return out.splitlines()


@pytest.mark.parametrize("since", ["", "-6h", "today", "2026-12-01 10:00"])
def test_collect_prints_only_the_fixed_commands(since: str) -> None:
    lines = _script_lines(since)
    assert lines[0].startswith("# ")
    assert lines[1] == 'node=$(hostname) && mkdir -p "$node" && cd "$node"'
    listed = bundle.commands(since or bundle.DEFAULT_SINCE, qdevice=False)
    body = lines[2:]
    assert len(body) == len(listed) + 1
    for line, (name, argv) in zip(body, listed, strict=False):
        assert shlex.split(line) == [*argv, ">", name, "2>&1"], line
    qname, qargv = bundle.commands(since or bundle.DEFAULT_SINCE, qdevice=True)[-1]
    guard, _, run = body[-1].partition(" && ")
    assert shlex.split(guard) == [
        "grep",
        "-qE",
        "^[[:space:]]*device[[:space:]]*[{]",
        "/etc/corosync/corosync.conf",
    ]
    assert shlex.split(run) == [*qargv, ">", qname, "2>&1"]
    # the shell sees exactly these words: no `;`, `|`, `$(`, backquote or a second redirect
    for line in body:
        assert not re.search(r"[;|`]|\$\(", line), line


@pytest.mark.parametrize(
    "since", ["x; reboot", "$(reboot)", "-1d\nreboot", "--output=x", "", "-0d", "-1\u0663d"]
)
def test_collect_refuses_a_bad_since(since: str) -> None:
    _refused(["collect", f"--since={since}"], "--since")
    _refused(["collect", "--since", since], "since")


@pytest.mark.parametrize("since", ["-1d", "-6h", "-30m"])
def test_collect_since_as_its_own_word(since: str) -> None:
    """BUG: `pvequorum collect --since -6h`, the form --help and the doc show, is an argparse
    error (`argument --since: expected one argument`): a word that starts with `-` and is
    not a negative number is taken for an option.  Only `--since=-6h` works."""
    code, out, err = _run(["collect", "--since", since])
    assert (code, err) == (ExitStatus.OK, ""), err
    assert f"--since {since} " in out


@pytest.mark.parametrize(
    "args",
    [["--out", "OUT"], ["--nodes", "pve1"], ["--out", "OUT", "--nodes", "pve1"]],
)
def test_collect_out_and_nodes_need_an_executor(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    _refused(["collect", *(str(out) if a == "OUT" else a for a in args)], "--executor")
    assert not out.exists()


@pytest.fixture
def no_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lab root where no lab runs, whatever this machine has."""
    from pvequorum.lab import core

    root = tmp_path / "labroot"
    monkeypatch.setattr(core, "LAB_ROOT", root)
    return root


@pytest.mark.parametrize(
    ("executor", "words"),
    [
        ("lab:pve1", ["no lab is running", "lab up"]),
        ("lab:demo:pve1", ["no lab named 'demo' is running"]),
        ("lab:Bad!:pve1", ["invalid lab name"]),
        ("ssh:-oProxyCommand=sh", ["not a host name"]),
        ("telnet:pve1", ["executor must be"]),
    ],
)
def test_collect_with_an_executor_that_cannot_run(
    no_lab: Path, tmp_path: Path, executor: str, words: list[str]
) -> None:
    out = tmp_path / "bundle"
    _refused(["collect", "--executor", executor, "--out", str(out)], *words)
    assert not out.exists()


def test_collect_with_an_executor_needs_out(no_lab: Path) -> None:
    _refused(["collect", "--executor", "lab:pve1"], "--out")


QDEVICE_CONF = CONF.replace(
    "quorum {\n  provider: corosync_votequorum\n",
    "quorum {\n  provider: corosync_votequorum\n  device {\n    model: net\n    votes: 1\n"
    "    net {\n      algorithm: ffsplit\n      host: 10.213.20.9\n    }\n  }\n",
)


class FakeExecutor(Executor):
    """ssh as far as collect can tell: canned outputs per host; `down` hosts answer as ssh
    does when it cannot connect (exit 255).  Every argv run is recorded."""

    def __init__(self, host: str, outputs: dict[str, dict[str, str]], down: set[str]) -> None:
        self.host, self.label = host, f"fake:{host}"
        self.outputs, self.down = outputs, down
        self.ran: list[tuple[str, tuple[str, ...]]] = []

    def reaches(self, host: str) -> bool:
        return True

    def _other(self, host: str) -> Executor:
        other = FakeExecutor(host, self.outputs, self.down)
        other.ran = self.ran
        return other

    def run(self, argv: Sequence[str], stdin: bytes | None = None) -> Result:
        argv = tuple(argv)
        self.ran.append((self.host, argv))
        shown = shlex.join(argv)
        if self.host in self.down:
            return Result(self.host, shown, 255, f"ssh: connect to host {self.host}: No route\n")
        by_argv = {tuple(a): n for n, a in bundle.commands("-2h", qdevice=True)}
        by_argv[("cat", "/etc/pve/corosync.conf")] = bundle.CLUSTER_CONF
        name = by_argv.get(argv)
        if name in self.outputs.get(self.host, {}):
            return Result(self.host, shown, 0, self.outputs[self.host][name])
        return Result(self.host, shown, 127, f"{argv[0]}: command not found\n")


def _fake(monkeypatch: pytest.MonkeyPatch, conf: str, down: set[str]) -> FakeExecutor:
    from pvequorum.runbooks import executors

    outputs = {
        "pve1": {
            bundle.PVECM_STATUS: CRASHED,
            bundle.CFGTOOL_S: CFGTOOL_CUT,
            bundle.CLUSTER_CONF: conf,
            bundle.LOCAL_CONF: conf,
            bundle.JOURNAL: "-- No entries --\n",
            bundle.QDEVICE_TOOL: "Can't connect to QDevice socket (is QDevice running?)\n",
        }
    }
    fake = FakeExecutor("pve1", outputs, down)
    monkeypatch.setattr(executors, "executor_from", lambda spec: fake)
    return fake


def test_collect_through_an_executor_runs_only_the_list_and_writes_a_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = _fake(monkeypatch, CONF, down={"pve2"})
    out = tmp_path / "bundle"
    code, stdout, err = _run(
        ["collect", "--executor", "ssh:pve1", "--since=-2h", "--out", str(out)]
    )
    assert (code, err) == (ExitStatus.OK, ""), err
    assert "pve2: unreachable" in stdout and "pvequorum diagnose" in stdout
    allowed = {argv for _, argv in bundle.commands("-2h", qdevice=False)}
    allowed.add(("cat", "/etc/pve/corosync.conf"))  # the nodelist, on the executor's host
    assert {argv for _, argv in fake.ran} <= allowed
    assert [argv for host, argv in fake.ran if host == "pve2"] == [("pvecm", "status")]
    assert sorted(p.name for p in out.iterdir()) == ["pve1", "pve2"]
    assert sorted(p.name for p in (out / "pve1").iterdir()) == sorted(
        [*(n for n, _ in bundle.commands("-2h")), bundle.COLLECTED]
    )
    assert [p.name for p in (out / "pve2").iterdir()] == [bundle.COLLECTED]
    assert (out / "pve1" / bundle.PVECM_STATUS).read_text() == CRASHED
    collected = json.loads((out / "pve1" / bundle.COLLECTED).read_text())
    assert collected["since"] == "-2h" and collected["node"] == "pve1"
    assert {c["file"]: c["exit"] for c in collected["commands"]}[bundle.PVEVERSION] == 127

    code, data, _ = _diagnosis(out)
    assert code == ExitStatus.FINDINGS
    kinds = [f["kind"] for f in data["findings"]]
    assert "no-quorum" in kinds and "crash-or-partition" in kinds

    again = _refused(["collect", "--executor", "ssh:pve1", "--out", str(out)], "never overwritten")
    assert str(out) in again


def test_collect_runs_the_qdevice_tool_where_a_device_is_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = _fake(monkeypatch, QDEVICE_CONF, down=set())
    out = tmp_path / "bundle"
    code, _, err = _run(
        [
            "collect",
            "--executor",
            "ssh:pve1",
            "--nodes",
            "pve1",
            "--since=-2h",
            "--out",
            str(out),
        ]
    )
    assert (code, err) == (ExitStatus.OK, "")
    assert ("pve1", ("corosync-qdevice-tool", "-s")) in fake.ran
    assert (out / "pve1" / bundle.QDEVICE_TOOL).is_file()


@pytest.mark.parametrize("nodes", ["pve1,not a host!", "pve1,-oProxyCommand=x", " , "])
def test_collect_refuses_bad_node_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, nodes: str
) -> None:
    fake = _fake(monkeypatch, CONF, down=set())
    out = tmp_path / "bundle"
    _refused(["collect", "--executor", "ssh:pve1", "--nodes", nodes, "--out", str(out)], "node")
    assert fake.ran == [] and not out.exists()


# --- diagnose: nothing usable ------------------------------------------------------------
def test_diagnose_a_missing_path(tmp_path: Path) -> None:
    _refused(["diagnose", str(tmp_path / "nowhere")], str(tmp_path / "nowhere"))


def test_diagnose_an_empty_directory(tmp_path: Path) -> None:
    _refused(["diagnose", str(tmp_path)], str(tmp_path), "nothing usable")


@pytest.mark.parametrize("content", [CONF, "hello\n", "", "\x00\x01"])
def test_diagnose_a_file_that_is_not_a_pvereport(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bundle.txt"
    path.write_text(content)
    _refused(["diagnose", str(path)], str(path))


def test_diagnose_a_path_with_control_characters_stays_one_line(tmp_path: Path) -> None:
    path = tmp_path / "a\x1b[31m\nb"
    path.mkdir()
    err = _refused(["diagnose", str(path)])
    assert "\x1b" not in err


# --- diagnose: bundles -------------------------------------------------------------------
def test_diagnose_a_healthy_two_node_bundle() -> None:
    code, data, text = _diagnosis(HEALTHY)
    assert code == ExitStatus.OK
    assert text.startswith("HEALTHY")
    assert [f["kind"] for f in data["findings"]] == ["healthy"]
    assert data["verdict"] == "HEALTHY" and data["cluster_name"] == "lab"
    assert data["configured_expected_votes"] == 2 and data["problems"] == []
    assert [p["members"] for p in data["partitions"]] == [["pve1", "pve2"]]
    assert [n["name"] for n in data["nodes"]] == ["pve1", "pve2"]
    assert all(n["reached"] and n["corosync_running"] for n in data["nodes"])
    evidence = data["findings"][0]["evidence"]
    assert evidence and (HEALTHY / evidence[0]["file"]).is_file()


def test_diagnose_a_node_that_could_not_be_reached() -> None:
    """pve1 is alone and inquorate, pve2 could not be reached: pve2 may be off or only cut
    off, so the next step is to find out, never restore-quorum (reference 13.3, 13.6)."""
    code, data, text = _diagnosis(UNREACHABLE)
    assert code == ExitStatus.FINDINGS and data["verdict"] == "BROKEN"
    by_kind = {f["kind"]: f for f in data["findings"]}
    assert {"crash-or-partition", "no-quorum"} <= set(by_kind)
    assert by_kind["crash-or-partition"]["nodes"] == ["pve2"]
    assert "collect_more" in by_kind["no-quorum"]["next_step"]
    assert all(
        f["next_step"] is None or f["next_step"].get("plan") != "restore-quorum"
        for f in data["findings"]
    )
    assert "restore-quorum" not in text and "pvecm expected" not in text
    assert "No route to host" in text
    pve2 = next(n for n in data["nodes"] if n["name"] == "pve2")
    assert pve2["reached"] is False and pve2["corosync_running"] is None


def test_a_node_whose_corosync_is_down_allows_restore_quorum(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=CRASHED, cfgtool=CFGTOOL_CUT, cluster=CONF, local=CONF)
    _node(tmp_path, "pve2", status=DOWN, cluster=CONF, local=CONF)
    _, data, _ = _diagnosis(tmp_path)
    by_kind = {f["kind"]: f for f in data["findings"]}
    assert {"no-quorum", "node-down"} <= set(by_kind)
    step = by_kind["no-quorum"]["next_step"]
    assert step["plan"] == "restore-quorum"
    assert step["parameters"]["confirmed_down"] == "pve2" and step["parameters"]["node"] == "pve1"


def test_plan_paths_name_files_that_are_in_the_bundle(tmp_path: Path) -> None:
    """BUG: rules._no_quorum_step (and _lasting_fix) always name
    NODE/etc-pve-corosync.conf, also when the node's folder holds only its
    /etc/corosync copy, so the plan points at a file that is not there."""
    _node(tmp_path, "pve1", status=CRASHED, cfgtool=CFGTOOL_CUT, local=CONF)
    _node(tmp_path, "pve2", status=DOWN, local=CONF)
    _, data, _ = _diagnosis(tmp_path)
    steps = [
        f["next_step"] for f in data["findings"] if f["next_step"] and "plan" in f["next_step"]
    ]
    assert steps, data["findings"]
    for step in steps:
        for key, value in step["parameters"].items():
            if key.endswith("_path"):
                assert (tmp_path / value).is_file(), (key, value)


def test_an_unreached_node_is_said_even_when_the_others_look_healthy(tmp_path: Path) -> None:
    """BUG (over-claim): pve1 counts pve2 as a member, pve2 itself could not be reached; the
    text says `Healthy ... config copies agree, nothing alarming in the journals` and never
    that pve2's evidence is missing (the JSON has `reached: false`).  The doc: the diagnosis
    claims nothing the missing files would have shown."""
    _node(tmp_path, "pve1", status=STATUS_1, cluster=CONF, local=CONF)
    _node(tmp_path, "pve2", collected=_unreachable("pve2", "ssh: No route to host"))
    _, data, text = _diagnosis(tmp_path)
    assert next(n for n in data["nodes"] if n["name"] == "pve2")["reached"] is False
    assert "No route to host" in text


def test_a_directory_in_place_of_a_file_is_named_not_fatal(tmp_path: Path) -> None:
    """BUG: bundleio._read calls os.fdopen before its fstat check; IsADirectoryError (an
    OSError) reaches cli.main, which says `cannot write the output: Is a directory`."""
    root = _healthy_copy(tmp_path / "bundle")
    (root / "pve2" / bundle.JOURNAL).unlink()
    (root / "pve2" / bundle.JOURNAL).mkdir()
    code, out, err = _run(["diagnose", str(root)])
    assert err == "" and code in (ExitStatus.OK, ExitStatus.FINDINGS), err
    assert "pve2/journal.txt: not a regular file" in out


def test_collected_at_out_of_range_is_no_traceback(tmp_path: Path) -> None:
    """BUG: `collected_at: 0001-01-01T00:00:00+00:01` parses, then nodeevidence._year's
    datetime.fromtimestamp raises ValueError (year 0 is out of range): a traceback."""
    root = _healthy_copy(tmp_path / "bundle")
    path = root / "pve1" / bundle.COLLECTED
    data = json.loads(path.read_text())
    data["collected_at"] = "0001-01-01T00:00:00+00:01"
    path.write_text(json.dumps(data))
    code, _, err = _run(["diagnose", str(root)])
    assert code in (ExitStatus.OK, ExitStatus.FINDINGS, ExitStatus.BAD_INPUT)
    assert "Traceback" not in err


def test_evidence_names_lines_that_hold_what_they_quote() -> None:
    _, data, _ = _diagnosis(UNREACHABLE)
    for finding in data["findings"]:
        for item in finding["evidence"]:
            lines = (UNREACHABLE / item["file"]).read_text().splitlines()
            assert lines[item["line"] - 1].strip() == item["text"]


def test_timeline_option(tmp_path: Path) -> None:
    code, out, _ = _run(["diagnose", str(HEALTHY), "--timeline", "3"])
    assert code == ExitStatus.OK and "Timeline (last 3 events):" in out
    code, out, _ = _run(["diagnose", str(HEALTHY), "--timeline", "-5"])
    assert code == ExitStatus.OK and "Timeline" not in out
    _refused_usage = _run(["diagnose", str(HEALTHY), "--timeline", "x"])
    assert _refused_usage[0] == ExitStatus.BAD_INPUT


# --- diagnose: hostile bytes -------------------------------------------------------------
ESC = "\x1b[31m\x1b]0;owned\x07\x9b2J"


def _raw(text: str) -> list[str]:
    """Characters a terminal would act on: C0/C1 controls but the newline, line separators."""
    return [
        c for c in text if (unicodedata.category(c) == "Cc" and c != "\n") or c in "\u2028\u2029"
    ]


def _healthy_copy(root: Path) -> Path:
    shutil.copytree(HEALTHY, root)
    return root


def _in_journal(root: Path) -> None:
    line = "2026-12-03T10:01:00+0000 pve1 corosync[1200]:   [KNET  ] link: host: 2 link: 0 is down"
    with (root / "pve1" / bundle.JOURNAL).open("a") as handle:
        handle.write(f"{line} {ESC}\n")


def _in_evidence(root: Path) -> None:
    path = root / "pve1" / bundle.PVECM_STATUS
    path.write_text(
        path.read_text().replace("Quorate:          Yes", f"Quorate:          Yes{ESC}")
    )


def _in_bad_conf(root: Path) -> None:
    (root / "pve2" / bundle.CLUSTER_CONF).write_text(f"totem {{\n  cluster_{ESC}name: x\n")


def _in_folder_name(root: Path) -> None:
    _node(root, f"pve{ESC}9", status=STATUS_2)


def _in_top_level_name(root: Path) -> None:
    (root / f"notes{ESC}.txt").write_text("not a report\n")


def _in_symlink_name(root: Path) -> None:
    (root / f"link{ESC}").symlink_to(root / "pve1")


def _in_unreachable_reason(root: Path) -> None:
    shutil.rmtree(root / "pve2")
    _node(root, "pve2", collected=_unreachable("pve2", f"ssh: {ESC}\nsecond line\u2028third"))
    (root / "pve1" / bundle.PVECM_STATUS).write_text(CRASHED)


def _in_status_flags(root: Path) -> None:
    path = root / "pve1" / bundle.PVECM_STATUS
    path.write_text(path.read_text().replace("Flags:            ", f"Flags:            {ESC} "))


def _in_member_name(root: Path) -> None:
    path = root / "pve1" / bundle.PVECM_STATUS
    path.write_text(
        path.read_text().replace("10.213.20.2\n", f"10.213.20.2\n0x00000003          1 {ESC}evil\n")
    )


def _in_cluster_name(root: Path) -> None:
    for node in ("pve1", "pve2"):
        path = root / node / bundle.CLUSTER_CONF
        path.write_text(
            path.read_text()
            .replace("cluster_name: lab", f"cluster_name: lab{ESC}")
            .replace("config_version: 1", "config_version: 2")
        )


def _in_address(root: Path) -> None:
    (root / "pve1" / bundle.PVECM_STATUS).write_text(CRASHED)
    path = root / "pve1" / bundle.LOCAL_CONF
    path.write_text(path.read_text().replace("ring0_addr: 10.213.20.2", f"ring0_addr: {ESC}"))


@pytest.mark.parametrize(
    "plant",
    [
        _in_journal,
        _in_evidence,
        _in_bad_conf,
        _in_folder_name,
        _in_top_level_name,
        _in_symlink_name,
        _in_unreachable_reason,
        _in_status_flags,
        _in_member_name,
        _in_cluster_name,
        _in_address,
    ],
    ids=lambda f: f.__name__[4:],
)
@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_hostile_bytes_never_reach_stdout_raw(
    tmp_path: Path, plant: object, json_output: bool
) -> None:
    """BUGS (text output): names of entries (folders, .txt files, links), the unreachable
    reason, parser messages (`unknown flag(s) ...`), member names of a status, the
    cluster name and addresses of a config are printed as they are in the bundle."""
    root = _healthy_copy(tmp_path / "bundle")
    plant(root)  # type: ignore[operator]
    code, out, err = _run(["diagnose", str(root), *(["--json"] if json_output else [])])
    assert code in (ExitStatus.OK, ExitStatus.FINDINGS), err
    assert err == ""
    assert _raw(out) == [], [line for line in out.splitlines() if _raw(line)][:3]
    if json_output:
        _check_contract(json.loads(out), code)
