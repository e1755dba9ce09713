"""`pvequorum config check|show|edit`: exit codes, one-line errors, atomic -o, untouched input."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from paths import CORPUS

from pvequorum.cli import main

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_conf_edits import ARTICLE, TWO  # noqa: E402
from test_conf_validate import COMBINATIONS, corosync_conf  # noqa: E402


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def two(tmp_path: Path) -> Path:
    path = tmp_path / "corosync.conf"
    path.write_text(TWO)
    return path


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.conf"
    path.write_text(ARTICLE)
    return path


# --- check ---------------------------------------------------------------------------------
def test_check_clean_file_exits_0(capsys, two: Path) -> None:
    code, out, _ = run(capsys, "config", "check", str(two))
    assert code == 0 and "0 errors, 0 warnings" in out


@pytest.mark.parametrize(("quorum", "nodes", "votes", "code", "severity"), COMBINATIONS)
def test_check_reports_each_112_combination(
    capsys, tmp_path: Path, quorum, nodes, votes, code, severity
) -> None:
    path = tmp_path / "c.conf"
    path.write_text(corosync_conf(nodes, quorum, votes))
    status, out, _ = run(capsys, "config", "check", str(path))
    assert f"{severity} {code}:" in out
    assert status == (1 if "error" in out.split("\n", 1)[1] else 0)
    assert status == (1 if severity == "error" else status)


def test_check_cman_and_corpus(capsys, article: Path) -> None:
    assert run(capsys, "config", "check", str(article))[0] == 0
    status, out, _ = run(
        capsys, "config", "check", str(CORPUS / "corosync/pve-cluster-multiple-nodes.conf")
    )
    assert status == 1 and out.count("error CQ121") == 3


@pytest.mark.parametrize(
    ("content", "where", "problem"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", ":1, column 8:", "binary data"),
        (b"", ": line 1, column 1:", "empty file"),
        (b"totem {\n  version: 2\nnodelist {\n", ": line 3, column 1:", "Missing closing brace"),
        (b"\xff\xfe garbage\n", ": line 1, column 1:", "Line is not opening or closing"),
        (b"<cluster name='x'>\n<cman>\n</cluster>\n", ": line 3, column 1:", "mismatched tag"),
    ],
)
def test_bad_files_exit_2_with_one_line(
    capsys, tmp_path: Path, content: bytes, where: str, problem: str
) -> None:
    path = tmp_path / "bad.conf"
    path.write_bytes(content)
    for argv in (("check",), ("show",), ("edit", "--two-node")):
        code, out, err = run(capsys, "config", argv[0], str(path), *argv[1:])
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and str(path) in err and problem in err
        assert where.split(":")[-2].strip() in err
    assert path.read_bytes() == content


def test_missing_file_exits_2(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "config", "check", str(tmp_path / "nope.conf"))
    assert code == 2 and "cannot read" in err and err.count("\n") == 1


def test_with_corosync_without_the_lab_module(capsys, two: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pvequorum.lab.configcheck", None)
    code, _, err = run(capsys, "config", "check", str(two), "--with-corosync")
    assert code == 2 and "lab module is missing" in err


def test_with_corosync_calls_the_lab_hook(capsys, two: Path, monkeypatch) -> None:
    import types
    from dataclasses import dataclass

    @dataclass
    class Check:
        ok: bool
        stage: str
        exit_code: int
        message: str

    fake = types.ModuleType("pvequorum.lab.configcheck")
    seen: list[str] = []
    fake.check_with_corosync = lambda text: seen.append(text) or Check(False, "start", 20, "nope")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pvequorum.lab.configcheck", fake)
    code, out, _ = run(capsys, "config", "check", str(two), "--with-corosync")
    assert seen == [TWO] and code == 1 and "REFUSED at start (exit 20): nope" in out


# --- show ----------------------------------------------------------------------------------
def test_show_json(capsys) -> None:
    code, out, _ = run(
        capsys, "config", "show", str(CORPUS / "corosync/pve-cluster-old.conf"), "--json"
    )
    view = json.loads(out)
    assert code == 0 and view["cluster_name"] == "sea" and view["format"] == "corosync"
    assert view["nodes"][0]["name"] == "prox1" and view["config_version"] == 1


def test_show_text_and_cman(capsys, article: Path) -> None:
    code, out, _ = run(capsys, "config", "show", str(article))
    assert code == 0 and "node pve1: nodeid 1, votes 1" in out
    code, out, _ = run(capsys, "config", "show", str(article), "--json")
    assert json.loads(out)["cman"] == {"keyfile": "/var/lib/pve-cluster/corosync.authkey"}


# --- edit ----------------------------------------------------------------------------------
def test_edit_two_node_on_the_article_cluster(capsys, article: Path, tmp_path: Path) -> None:
    out_path = tmp_path / "cluster.conf.new"
    code, out, _ = run(capsys, "config", "edit", str(article), "--two-node", "-o", str(out_path))
    assert code == 0
    diff = [
        line
        for line in out.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    assert diff == [
        '-<cluster name="dmz" config_version="4">',
        '+<cluster name="dmz" config_version="5">',
        '-  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">',
        '+  <cman two_node="1" expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey">',
    ]
    assert "--- a/cluster.conf\n+++ b/cluster.conf\n" in out
    assert article.read_text() == ARTICLE  # the input is never modified
    assert 'two_node="1" expected_votes="1"' in out_path.read_text()
    assert not (tmp_path / "cluster.conf.new.bak").exists()
    run(capsys, "config", "edit", str(out_path), "--no-two-node", "-o", str(out_path))
    assert (tmp_path / "cluster.conf.new.bak").read_text().count("two_node") == 1


@pytest.mark.parametrize(
    ("argv", "expect"),
    [
        (["--votes", "pve1=2"], "+    quorum_votes: 2"),
        (["--expected-votes", "2"], "+  expected_votes: 2"),
        (["--add-qdevice", "192.168.1.50"], "+      algorithm: ffsplit"),
        (["--add-qdevice", "192.168.1.50", "--algorithm", "lms"], "+      algorithm: lms"),
        (["--add-node", "pve3", "--address", "192.168.1.13"], "+    quorum_votes: 1"),
        (
            ["--add-node", "pve3", "--address", "192.168.1.13", "--votes", "2"],
            "+    quorum_votes: 2",
        ),
        (["--remove-node", "pve2"], "-    name: pve2"),
        (["--two-node", "--style", "pve"], "+  two_node: 1"),
    ],
)
def test_edit_actions_print_a_diff(capsys, two: Path, argv: list[str], expect: str) -> None:
    code, out, err = run(capsys, "config", "edit", str(two), *argv)
    assert code == 0, err
    assert expect in out.splitlines() and "+  config_version: 3" in out
    assert two.read_text() == TWO


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--votes", "pve9=2"], "line 6: unknown node 'pve9'"),
        (["--votes", "pve1"], "--votes takes NODE=N"),
        (["--votes", "pve1=x"], "integer"),
        (
            ["--add-node", "pve3", "--address", "not-an-ip"],
            "line 6: 'not-an-ip' is not an IP address",
        ),
        (["--add-node", "pve3"], "needs an address"),
        (["--add-qdevice", "300.1.1.1"], "is not an IP address"),
        (["--two-node", "--remove-qdevice"], "exactly one of"),
        ([], "exactly one of"),
        (["--algorithm", "lms", "--two-node"], "--algorithm goes with --add-qdevice"),
    ],
)
def test_bad_edit_arguments_exit_2_one_line(
    capsys, two: Path, tmp_path: Path, argv, problem
) -> None:
    out_path = tmp_path / "out.conf"
    code, out, err = run(capsys, "config", "edit", str(two), *argv, "-o", str(out_path))
    assert code == 2 and out == "" and err.count("\n") == 1 and problem in err
    assert two.read_text() == TWO and not out_path.exists()


def test_refused_edit_and_force(capsys, two: Path, tmp_path: Path) -> None:
    with_device = tmp_path / "dev.conf"
    assert (
        run(
            capsys, "config", "edit", str(two), "--add-qdevice", "10.0.0.9", "-o", str(with_device)
        )[0]
        == 0
    )
    out_path = tmp_path / "out.conf"
    code, _, err = run(
        capsys, "config", "edit", str(with_device), "--two-node", "-o", str(out_path)
    )
    assert code == 2 and "CQ101" in err and not out_path.exists()
    code, out, _ = run(
        capsys, "config", "edit", str(with_device), "--two-node", "--force", "-o", str(out_path)
    )
    assert code == 0 and "# error CQ101" in out and out_path.exists()
    assert run(capsys, "config", "check", str(out_path))[0] == 1


def test_output_never_left_partial(capsys, two: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "out.conf"
    code, _, err = run(capsys, "config", "edit", str(two), "--two-node", "-o", str(target))
    assert code == 2 and "cannot write" in err
    assert not target.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corosync.conf"]


def _edit_in_subprocess(source: Path, output: str) -> subprocess.CompletedProcess[str]:
    """In a child with a timeout: written before the fix, /dev/full was read for its backup
    without end, and opening a FIFO blocked."""
    argv = ["config", "edit", str(source), "--two-node", "-o", output]
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *argv], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null"])
def test_output_onto_a_device_exits_2(two: Path, device: str) -> None:
    result = _edit_in_subprocess(two, device)
    assert (result.returncode, result.stdout) == (2, "")
    problem = "not a regular file (a character device); nothing written"
    assert result.stderr == f"pvequorum: {device}: {problem}\n"
    assert stat.S_ISCHR(os.lstat(device).st_mode) and not Path(f"{device}.bak").exists()
    assert two.read_text() == TWO


def test_output_onto_a_fifo_exits_2_without_hanging(two: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "out.conf"
    os.mkfifo(fifo)
    result = _edit_in_subprocess(two, str(fifo))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"pvequorum: {fifo}: not a regular file (a FIFO); nothing written\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("kind", ["directory", "dangling symlink"])
def test_output_onto_a_directory_or_a_dangling_link_exits_2(
    capsys, two: Path, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "out"
    if kind == "directory":
        target.mkdir()
        problem = "not a regular file (a directory)"
    else:
        target.symlink_to(tmp_path / "missing")
        problem = "dangling symlink"
    code, out, err = run(capsys, "config", "edit", str(two), "--two-node", "-o", str(target))
    assert (code, out) == (2, "") and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"pvequorum: {target}: {problem}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corosync.conf", "out"]
    assert two.read_text() == TWO


def test_output_through_a_symlink_updates_the_file_it_names(
    capsys, two: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real.conf"
    real.write_text(TWO)
    real.chmod(0o640)
    link = tmp_path / "link.conf"
    link.symlink_to(real.name)
    code, out, _ = run(capsys, "config", "edit", str(two), "--two-node", "-o", str(link))
    assert code == 0 and f"(previous kept as {tmp_path / 'real.conf.bak'})" in out
    assert link.is_symlink() and "two_node: 1" in real.read_text()
    assert (real.stat().st_mode & 0o777) == 0o640
    assert (tmp_path / "real.conf.bak").read_text() == TWO


def test_module_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "corosync.conf"
    path.write_text(TWO)
    result = subprocess.run(
        [sys.executable, "-m", "pvequorum", "config", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "corosync.conf" in result.stdout
