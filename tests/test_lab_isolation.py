"""The lab against hostile input and other users: names, shell text, locks, roots, pids.

The pure tests fabricate state files under a temporary lab root and need no root; the rest
build real labs (require_lab) under a temporary root, so they never see anyone's labs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prereq import require_lab

from pvequorum.errors import InputError, PrerequisiteError
from pvequorum.lab import core
from pvequorum.model import simple_cluster

ROOT_ENV = "PVEQUORUM_LAB_ROOT"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
BAD_NAMES = ["x; touch {tmp}/pwned", "$(id)", "../x", "", "a" * 13, "Pvq1", "pvq-1", "a b"]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private lab root for this test, in this process and in CLI subprocesses."""
    path = tmp_path / "labs"
    monkeypatch.setattr(core, "LAB_ROOT", path)
    monkeypatch.setenv(ROOT_ENV, str(path))
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args], capture_output=True, text=True, timeout=120
    )


def _netns() -> set[str]:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in listing.splitlines() if line.strip()}


def _fabricate(root: Path, lab: str, **fields: object) -> Path:
    """A state file as `up` writes it, for a lab that has no namespaces (pure tests)."""
    state = {
        "name": lab,
        "index": 240,
        "owner": os.getuid(),
        "boot_id": BOOT_ID,
        "build": "fabricated",
        "switch": "pvqnone-sw",
        "cluster": {"stack": "corosync", **simple_cluster(1).to_dict()},
        "groups": None,
        "nodes": {
            "pve1": {
                "name": "pve1",
                "nodeid": 1,
                "netns": "pvqnone-pve1",
                "address": "10.213.240.1",
                "veth_out": "pvqnonen1o",
                "veth_in": "pvqnonen1i",
                "directory": str(root / lab / "pve1"),
                "pid": None,
            }
        },
        **fields,
    }
    (root / lab).mkdir(parents=True, mode=0o700, exist_ok=True)
    (root / lab / "state.json").write_text(json.dumps(state))
    return root / lab


@pytest.fixture
def stranger() -> Iterator[int]:
    """The pid of a process that is not our child and not in any lab namespace."""
    out = subprocess.run(
        ["sh", "-c", "sleep 120 >/dev/null 2>&1 & echo $!"], capture_output=True, text=True
    ).stdout
    pid = int(out)
    yield pid
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize("template", BAD_NAMES)
def test_invalid_lab_names_are_refused_through_the_cli(
    root: Path, tmp_path: Path, template: str
) -> None:
    name = template.format(tmp=tmp_path)
    for argv, option in (
        (["lab", "up", "--nodes", "1", "--name", name], "--name"),
        (["lab", "--lab", name, "status"], "--lab"),
        (["lab", "--lab", name, "exec", "pve1", "--", "true"], "--lab"),
        (["lab", "down", name], "lab down NAME"),
    ):
        result = _cli(*argv)
        assert result.returncode == 2, (argv, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert f"{option}: invalid lab name" in result.stderr
    assert not root.exists() and not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("template", BAD_NAMES)
def test_a_lab_with_a_dangerous_name_cannot_exist(root: Path, template: str) -> None:
    name = template.format(tmp=root)
    with pytest.raises(InputError, match="invalid lab name"):
        core.Lab(simple_cluster(1), name)  # refused before any prerequisite or namespace
    with pytest.raises(InputError, match="invalid lab name"):
        core.Lab.load(name)


def test_state_files_cannot_smuggle_a_name_in(root: Path) -> None:
    root.mkdir(mode=0o700)
    (root / "$(id)").mkdir()
    (root / "$(id)" / "state.json").write_text("{}")
    _fabricate(root, "good", name="$(id)")
    assert core.running_labs() == ["good"]
    with pytest.raises(InputError, match="is the state of lab"):
        core.Lab.load("good")


# --- shell text ------------------------------------------------------------------------------
def test_a_lab_under_a_root_with_shell_characters_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paths reach every `sh -c` as arguments: a root with spaces, `;` and `$(...)` works."""
    require_lab()
    root = tmp_path / "lab root;touch pwned $(touch pwned2)"
    monkeypatch.setattr(core, "LAB_ROOT", root)
    monkeypatch.chdir(tmp_path)
    with core.Lab(simple_cluster(1), "shell") as lab:
        lab.start(["pve1"])
        assert lab.observe().node("pve1").quorate
        result = lab.exec("pve1", ["sh", "-c", 'touch /etc/pve/x && printf %s "$1"', "-", "$(id)"])
        assert (result.returncode, result.stdout) == (0, "$(id)"), result.stderr
        assert (root / "shell" / "pve1" / "pve" / "x").exists()
    assert not list(tmp_path.glob("pwned*"))


def test_corosync_check_passes_paths_as_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_lab()
    from pvequorum.lab import configcheck

    workdir = tmp_path / "check dir;touch pwned $(touch pwned2)"

    def mkdtemp(**_: object) -> str:
        workdir.mkdir()
        return str(workdir)

    monkeypatch.setattr(configcheck.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.chdir(tmp_path)
    text = (
        "totem {\n  cluster_name: lab\n  config_version: 1\n  version: 2\n}\n"
        "nodelist {\n  node {\n    name: pve1\n    nodeid: 1\n    ring0_addr: 10.213.250.1\n"
        "  }\n}\nquorum {\n  provider: corosync_votequorum\n}\n"
    )
    assert configcheck.check_with_corosync(text).ok
    assert not list(tmp_path.glob("pwned*")) and not workdir.exists()


def test_corosync_check_never_deletes_a_namespace_it_did_not_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_lab()
    from pvequorum.lab import configcheck

    numbers = iter([99998, 99999])
    monkeypatch.setattr(configcheck.secrets, "randbelow", lambda _: next(numbers))
    subprocess.run(["ip", "netns", "add", "pvqchk99998"], check=True)
    try:
        text = (
            "totem {\n  cluster_name: lab\n  config_version: 1\n  version: 2\n}\n"
            "nodelist {\n  node {\n    name: pve1\n    nodeid: 1\n    ring0_addr: 10.0.0.1\n"
            "  }\n}\nquorum {\n  provider: corosync_votequorum\n}\n"
        )
        assert configcheck.check_with_corosync(text).ok
        assert "pvqchk99998" in _netns() and "pvqchk99999" not in _netns()
    finally:
        subprocess.run(["ip", "netns", "del", "pvqchk99998"], check=False)


# --- one lab name, two processes ---------------------------------------------------------------
def test_a_second_up_of_one_name_leaves_the_first_lab_alone(root: Path) -> None:
    require_lab()
    with core.Lab(simple_cluster(1), "twin") as first:
        first.start(["pve1"])
        assert first.observe().node("pve1").quorate
        with pytest.raises(core.LabExists, match="exists already"):
            core.Lab(simple_cluster(1), "twin").up()
        with core._locked("twin"), pytest.raises(core.LabBusy, match="another process"):
            core.Lab(simple_cluster(1), "twin").up()  # as if the first were still building
        assert first.observe().node("pve1").quorate
        assert {first.switch, first.nodes["pve1"].netns} <= _netns()


def test_up_of_a_name_whose_lock_is_held_creates_nothing(root: Path) -> None:
    require_lab()
    before = _netns()
    with core._locked("busy"), pytest.raises(core.LabBusy):
        core.Lab(simple_cluster(2), "busy").up()
    assert _netns() == before and not (root / "busy").exists()


def test_concurrent_cli_ups_of_one_name(root: Path) -> None:
    """Two `lab up --name` at once: one builds the lab, the other fails and touches nothing."""
    require_lab()
    argv = [sys.executable, "-m", "pvequorum", "lab", "up", "--nodes", "2", "--name", "race"]
    processes = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in processes]
    try:
        assert sorted(code for code, _ in results) == [0, 2], results
        loser = next(err for code, err in results if code == 2)
        assert "'race'" in loser and loser.count("\n") == 1
        status = _cli("lab", "--lab", "race", "status")
        assert status.returncode == 0 and status.stdout.count("quorate=yes") == 2, status
    finally:
        assert _cli("lab", "down", "race").returncode == 0


def test_a_failed_up_removes_only_what_it_created(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A namespace of the chosen index appears meanwhile: that index is given up (its switch
    and the nodes it made removed), the foreign namespace is left alone, another index used."""
    require_lab()
    taken = core._free_index()
    foreign = f"pvq{taken}-pve2"
    subprocess.run(["ip", "netns", "add", foreign], check=True)
    real_free_index = core._free_index
    picks = iter([taken])

    def free_index(exclude: set[int] | None = None) -> int:
        return next(picks, None) or real_free_index(exclude)  # as if raced for `taken`

    monkeypatch.setattr(core, "_free_index", free_index)
    try:
        with core.Lab(simple_cluster(2), "solo") as lab:
            assert lab.index != taken
            assert foreign in _netns()
            assert not {f"pvq{taken}-sw", f"pvq{taken}-pve1"} & _netns()
        assert foreign in _netns()
    finally:
        subprocess.run(["ip", "netns", "del", foreign], check=False)


# --- lab roots, owners, indices -----------------------------------------------------------------
def test_the_default_lab_root_is_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    monkeypatch.delenv("SUDO_UID", raising=False)
    assert core.default_root() == Path(f"/var/tmp/pvequorum-lab-{os.getuid()}")
    monkeypatch.setenv("SUDO_UID", "1234")
    expected = 1234 if os.geteuid() == 0 else os.getuid()
    assert core.default_root() == Path(f"/var/tmp/pvequorum-lab-{expected}")
    monkeypatch.setenv(ROOT_ENV, "/somewhere/else")
    assert core.default_root() == Path("/somewhere/else")


def test_a_lab_root_others_can_write_is_refused(root: Path, tmp_path: Path) -> None:
    root.mkdir()
    root.chmod(0o777)
    with pytest.raises(PrerequisiteError, match="no one else can write"):
        core.running_labs()
    result = _cli("lab", "status")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    root.chmod(0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root.rmdir()
    root.symlink_to(elsewhere)
    with pytest.raises(PrerequisiteError, match="not a symlink"):
        core.running_labs()


def test_down_all_removes_only_the_callers_labs(root: Path, stranger: int) -> None:
    """Another owner's lab, and a lab of unknown owner, stay; a pid in a state file is only
    signalled while it is still the lab's daemon (never a stranger that reuses it)."""
    mine = _fabricate(root, "mine", boot_id="an earlier boot")
    current = _fabricate(root, "current")
    state = json.loads((current / "state.json").read_text())
    state["nodes"]["pve1"]["pid"] = stranger
    (current / "state.json").write_text(json.dumps(state))
    theirs = _fabricate(root, "theirs", owner=os.getuid() + 4242)
    unknown = _fabricate(root, "unknown", owner=None)
    assert core.down_all_leftovers() == ["current", "mine"]
    assert not mine.exists() and not current.exists()
    assert theirs.exists() and unknown.exists()
    assert _alive(stranger)


def test_a_stale_pid_is_never_signalled(root: Path, stranger: int) -> None:
    lab_dir = _fabricate(root, "stale")
    state = json.loads((lab_dir / "state.json").read_text())
    state["nodes"]["pve1"]["pid"] = stranger
    (lab_dir / "state.json").write_text(json.dumps(state))
    lab = core.Lab.load("stale")
    assert lab.running() == []
    lab.crash(["pve1"])
    lab.down()
    time.sleep(0.1)
    assert _alive(stranger) and not lab_dir.exists()


def test_down_all_leaves_namespaces_no_state_of_ours_names(root: Path) -> None:
    """Namespace names are global: a `pvq*` namespace may be another user's running lab."""
    require_lab()
    foreign = f"pvq{core._free_index()}-sw"
    subprocess.run(["ip", "netns", "add", foreign], check=True)
    try:
        assert _cli("lab", "up", "--nodes", "1", "--name", "gone").returncode == 0
        result = _cli("lab", "down", "--all")
        assert result.returncode == 0 and result.stdout == "removed: gone\n"
        assert foreign in _netns() and not (root / "gone").exists()
    finally:
        subprocess.run(["ip", "netns", "del", foreign], check=False)


def test_free_index_skips_every_users_namespaces(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user's labs show only as namespaces (their state is under their root)."""
    listing = "pvq1-sw (id: 0)\npvq2-pve1 (id: 1)\npvqchk77\nunrelated\n"

    def fake_run(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        assert argv == ["ip", "netns", "list"]
        return subprocess.CompletedProcess(argv, 0, listing, "")

    monkeypatch.setattr(core, "_run", fake_run)
    _fabricate(root, "mine", index=3)
    assert core._free_index() == 4
    (root / "pvq4").mkdir()
    assert core._free_index() == 5
    assert core._free_index({5, 6}) == 7


def test_two_default_named_labs_made_before_either_is_up(root: Path) -> None:
    """Both picked the same free index; the second `up` takes another one instead of failing
    (or, worse, tearing down the first)."""
    require_lab()
    first, second = core.Lab(simple_cluster(1)), core.Lab(simple_cluster(1))
    assert first.index == second.index
    with first, second:
        assert first.name != second.name and first.index != second.index
        first.start(["pve1"])
        second.start(["pve1"])
        assert first.observe().node("pve1").quorate
        assert second.observe().node("pve1").quorate


def test_down_of_a_lab_that_is_not_built_here_touches_no_namespace(root: Path) -> None:
    """A Lab never built, or down already and since rebuilt by someone else, names an index
    that may be another lab's by now."""
    require_lab()
    never = core.Lab(simple_cluster(1))
    subprocess.run(["ip", "netns", "add", never.switch], check=True)  # another lab took it
    try:
        never.down()
        assert never.switch in _netns()
    finally:
        subprocess.run(["ip", "netns", "del", never.switch], check=False)
    first = core.Lab(simple_cluster(1), "again").up()
    first.down()
    with core.Lab(simple_cluster(1), "again") as second:
        second.start(["pve1"])
        first.down()  # a stale handle on the earlier build
        assert second.observe().node("pve1").quorate
        assert (root / "again" / "state.json").exists()


def test_a_damaged_state_file_is_one_line(tmp_path, monkeypatch) -> None:
    """A corrupt state.json is bad input, not a JSON traceback."""
    from pvequorum.errors import InputError
    from pvequorum.lab import core

    monkeypatch.setattr(core, "LAB_ROOT", tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "state.json").write_text("{not json")
    with pytest.raises(InputError, match="state file is damaged"):
        core.Lab.load("broken")
