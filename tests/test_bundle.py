"""Issue 18: the evidence bundle (docs/bundle-format.md).  The fixed read-only command list
and its one user value (`--since`), `collected.json`, pvereport texts, and reading a bundle
directory: bounded, no symbolic link followed, every unusable file named and left out."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import DATA, PROJECT

from pvequorum import bundle, bundleio
from pvequorum.bundle import Collected
from pvequorum.bundleio import read_bundle, write_node
from pvequorum.diagnosis import diagnose
from pvequorum.errors import InputError

DOC = (PROJECT / "docs" / "bundle-format.md").read_text()
BUNDLES = DATA / "bundles"
HEALTHY = BUNDLES / "healthy-2n"
CONF = (DATA / "real" / "two-node.corosync.conf").read_text()
CRASHED = (DATA / "real" / "two-node-crashed.pvecm-status.txt").read_text()  # pve1 alone
STATUS_1 = (HEALTHY / "pve1" / bundle.PVECM_STATUS).read_text()  # quorate, pve1 local
STATUS_2 = (HEALTHY / "pve2" / bundle.PVECM_STATUS).read_text()
CFGTOOL_1 = (HEALTHY / "pve1" / bundle.CFGTOOL_S).read_text()
CFGTOOL_CUT = (DATA / "real" / "cfgtool-s-partitioned.txt").read_text()  # pve2 disconnected

# What each program of the list may be called with: the read-only forms, nothing else.
READ_ONLY = {
    ("pvecm", "status"),
    ("corosync-quorumtool", "-l"),
    ("corosync-cfgtool", "-s"),
    ("corosync-cfgtool", "-n"),
    ("cat", "/etc/corosync/corosync.conf"),
    ("cat", "/etc/pve/corosync.conf"),
    ("pveversion", "-v"),
    ("ha-manager", "status"),
    ("corosync-qdevice-tool", "-s"),
}
SINCES_OK = [
    "-1d",
    "-9999d",
    "-6h",
    "-30m",
    "-45s",
    "-1000s",
    "today",
    "yesterday",
    "2026-12-01",
    "2026-12-01 10:00",
    "2026-12-01 10:00:30",
]
SINCES_BAD = [
    "-1d; rm -rf /",
    "$(id)",
    "`id`",
    "-1d\n",
    "\n-1d",
    "-1d\nreboot",
    "--output=x",
    "--since=-1d",
    "",
    " ",
    "-0d",
    "-00d",
    "-01d",
    "-99999d",
    "-10000d",
    "-1w",
    "+1d",
    "1d",
    "-1 d",
    "-1d ",
    " today",
    "now",
    "Today",
    "2026-12-01T10:00",
    "2026-12-01 10",
    "2026-12-01  10:00",
    "-1" + "0" * 5000 + "d",
    "x" * 100_000,
    "-\u0661d",  # ARABIC-INDIC DIGIT ONE: a digit to `\d`, not to journalctl
    "-1\u0663d",
    "-1\uff11d",  # FULLWIDTH DIGIT ONE
    "\u0662\u0660\u0662\u0666-12-01",
    "2026-12-0\u0661",
    "2026-12-01 1\u0660:00",
]


# --- the command list --------------------------------------------------------------------
def _doc_table() -> list[tuple[str, str]]:
    """(file, command) of every row of the doc's file table, in its order."""
    rows = []
    for line in DOC.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows.append((cells[0].strip("`"), cells[1]))
    return rows


def _doc_layout() -> list[str]:
    """The file names the doc's layout lists in the first node folder."""
    block = DOC.split("## Layout", 1)[1].split("```", 2)[1]
    names, inside = [], False
    for line in block.splitlines():
        if line.strip().endswith("/") and line.startswith("  ") and not line.startswith("    "):
            if inside:
                break
            inside = True
        elif inside and line.startswith("    "):
            names.append(line.strip())
    return names


def test_the_doc_table_is_the_command_list_exactly() -> None:
    rows = _doc_table()
    assert len(rows) == len(bundle.FILES), rows
    since = "-6h"
    table = []
    for name, command in rows:
        if name == bundle.COLLECTED:
            assert "collector" in command
            continue
        assert command.startswith("`") and command.endswith("`"), (name, command)
        argv = tuple(since if word == "SINCE" else word for word in command.strip("`").split())
        table.append((name, argv))
    assert tuple(table) == bundle.commands(since, qdevice=True)
    assert [name for name, _ in rows] == list(bundle.FILES)


def test_the_doc_layout_lists_every_bundle_file() -> None:
    assert sorted(_doc_layout()) == sorted(bundle.FILES)
    assert len(set(bundle.FILES)) == len(bundle.FILES)
    assert bundle.FILES[-1] == bundle.COLLECTED


@pytest.mark.parametrize("since", SINCES_OK)
def test_every_command_is_one_of_the_read_only_forms(since: str) -> None:
    for name, argv in bundle.commands(since, qdevice=True):
        assert all(isinstance(word, str) and word for word in argv), (name, argv)
        if argv[0] != "journalctl":
            assert argv in READ_ONLY, (name, argv)
            continue
        assert argv[:6] == ("journalctl", "-o", "short-iso", "--no-pager", "--since", since)
        rest = argv[6:]
        assert rest[0::2] == ("-u",) * (len(rest) // 2) and len(rest) % 2 == 0
        assert rest[1::2] == bundle.JOURNAL_UNITS
        assert set(bundle.JOURNAL_UNITS) == {
            "corosync",
            "pve-cluster",
            "pve-ha-lrm",
            "pve-ha-crm",
            "watchdog-mux",
            "corosync-qdevice",
        }


def test_the_qdevice_tool_only_with_a_device() -> None:
    without = bundle.commands("-1d", qdevice=False)
    with_device = bundle.commands("-1d", qdevice=True)
    assert bundle.QDEVICE_TOOL not in dict(without)
    assert with_device[:-1] == without
    assert with_device[-1] == (bundle.QDEVICE_TOOL, ("corosync-qdevice-tool", "-s"))
    assert bundle.commands() == without  # the defaults: -1d, no device
    assert dict(without)[bundle.JOURNAL] == bundle.journal_argv(bundle.DEFAULT_SINCE)


def test_the_command_list_is_immutable() -> None:
    listed = bundle.commands("-1d", qdevice=True)
    assert isinstance(listed, tuple)
    assert all(isinstance(argv, tuple) for _, argv in listed)
    assert isinstance(bundle.FILES, tuple)


# --- --since -----------------------------------------------------------------------------
@pytest.mark.parametrize("since", SINCES_OK)
def test_since_accepts_the_documented_forms(since: str) -> None:
    assert bundle.check_since(since) == since
    assert bundle.journal_argv(since).count(since) == 1


@pytest.mark.parametrize("since", SINCES_BAD, ids=lambda s: repr(s)[:30])
def test_since_refuses_everything_else(since: str) -> None:
    with pytest.raises(InputError) as caught:
        bundle.check_since(since)
    assert caught.value.where == "parameter since"
    with pytest.raises(InputError):
        bundle.journal_argv(since)
    with pytest.raises(InputError):
        bundle.commands(since)


@pytest.mark.parametrize("since", [None, 1, b"-1d", ["-1d"]])
def test_since_refuses_what_is_not_text(since: object) -> None:
    with pytest.raises(InputError):
        bundle.check_since(since)  # type: ignore[arg-type]


_DIGIT = st.characters(categories=["Nd"])
_SINCE_LIKE = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"-[1-9]\d{0,3}[dhms]", fullmatch=True),
    st.from_regex(r"\d{4}-\d\d-\d\d(?: \d\d:\d\d(?::\d\d)?)?", fullmatch=True),
    st.builds(
        lambda a, b, u: f"-{a}{b}{u}",
        st.sampled_from("123456789"),
        st.text(_DIGIT, max_size=4),
        st.sampled_from("dhmsw"),
    ),
    st.builds(
        lambda y, m, d: f"{y}-{m}-{d}",
        st.text(_DIGIT, min_size=4, max_size=4),
        st.text(_DIGIT, min_size=2, max_size=2),
        st.text(_DIGIT, min_size=2, max_size=2),
    ),
)


@settings(max_examples=400, deadline=None)
@given(_SINCE_LIKE)
def test_an_accepted_since_is_plain_ascii_and_one_word(since: str) -> None:
    try:
        bundle.check_since(since)
    except InputError:
        return
    assert re.fullmatch(r"[-0-9a-z: ]+", since, re.ASCII), repr(since)
    argv = bundle.journal_argv(since)
    assert [word for word in argv if word == since] == [since]
    assert argv[argv.index("--since") + 1] == since


# --- collected.json ----------------------------------------------------------------------
WHERE = "pve1/collected.json"


def _collected_json(**changes: object) -> str:
    data: dict[str, object] = {
        "format": "pvequorum-bundle/1",
        "node": "pve1",
        "collected_at": "2026-12-04T02:10:00Z",
        "since": "-1d",
        "executor": "ssh:pve1",
        "commands": [{"file": "pvecm-status.txt", "argv": ["pvecm", "status"], "exit": 0}],
        "unreachable": None,
    }
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "collected",
    [
        Collected(
            "pve1",
            1796350200.0,
            "-1d",
            "ssh:pve1",
            ((bundle.PVECM_STATUS, 0), (bundle.JOURNAL, 1), (bundle.QDEVICE_TOOL, 127)),
        ),
        Collected("pve2", 1796350200.0, "today", "ssh:pve2", (), "ssh: No route to host"),
        Collected("pve3"),
    ],
    ids=["ran", "unreachable", "bare"],
)
def test_collected_round_trip(collected: Collected) -> None:
    text = json.dumps(collected.to_dict())
    assert bundle.parse_collected(text, WHERE) == collected
    data = json.loads(text)
    assert data["format"] == bundle.FORMAT
    by_file = dict(bundle.commands(collected.since or "-1d", qdevice=True))
    for entry in data["commands"]:
        assert tuple(entry["argv"]) == by_file[entry["file"]]


def test_collected_doc_example_parses() -> None:
    example = DOC.split("### `collected.json`", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    parsed = bundle.parse_collected(example, WHERE)
    assert parsed.node == "pve1" and parsed.since == "-1d" and parsed.unreachable is None
    assert parsed.collected_at == 1796350200.0  # 2026-12-04T02:10:00Z
    assert parsed.exit_of(bundle.PVECM_STATUS) == 0 and parsed.exit_of(bundle.JOURNAL) is None


def test_collected_at_without_offset_is_utc() -> None:
    plain = bundle.parse_collected(_collected_json(collected_at="2026-12-04T02:10:00"), WHERE)
    offset = bundle.parse_collected(
        _collected_json(collected_at="2026-12-04T03:10:00+01:00"), WHERE
    )
    assert plain.collected_at == offset.collected_at == 1796350200.0


@pytest.mark.parametrize(
    "text",
    [
        _collected_json(extra=1),
        _collected_json(format="pvequorum-bundle/2"),
        _collected_json(format=None),
        _collected_json(node="not a host!"),
        _collected_json(node="pve1\n"),
        _collected_json(node=5),
        _collected_json(node=None),
        _collected_json(commands="pvecm status"),
        _collected_json(commands={"file": "pvecm-status.txt"}),
        _collected_json(commands=[{"file": "pvecm-status.txt", "exit": True}]),
        _collected_json(commands=[{"file": "pvecm-status.txt", "exit": "0"}]),
        _collected_json(commands=[{"file": "pvecm-status.txt", "exit": 0.0}]),
        _collected_json(commands=[{"file": "evil.txt", "exit": 0}]),
        _collected_json(commands=[{"file": "../../etc/passwd", "exit": 0}]),
        _collected_json(commands=[{"file": "pvecm-status.txt", "exit": 0, "shell": "rm"}]),
        _collected_json(commands=["pvecm-status.txt"]),
        _collected_json(commands=[{"file": "pvecm-status.txt", "exit": 0}] * 100),
        _collected_json(collected_at="yesterday"),
        _collected_json(collected_at="2026-13-45T00:00:00Z"),
        _collected_json(collected_at=1796350200),
        _collected_json(collected_at="2026-12-04T02:10:00Z" + " " * 100),
        _collected_json(since=1),
        _collected_json(unreachable=True),
        _collected_json(executor=["ssh"]),
        "not json",
        "[]",
        '"pve1"',
        "[" * 100_000,
        "",
    ],
    ids=lambda t: t[-60:],
)
def test_a_bad_collected_json_is_an_input_error_naming_the_file(text: str) -> None:
    with pytest.raises(InputError) as caught:
        bundle.parse_collected(text, WHERE)
    assert caught.value.where == WHERE
    assert str(caught.value).startswith(WHERE + ": ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"]
)
def test_collected_at_out_of_datetime_range_is_refused_or_usable(when: str) -> None:
    """BUG: accepted here, then `datetime.fromtimestamp` raises ValueError in
    nodeevidence._year (a traceback from `pvequorum diagnose`)."""
    from datetime import UTC, datetime

    try:
        parsed = bundle.parse_collected(_collected_json(collected_at=when), WHERE)
    except InputError as exc:
        assert exc.where == WHERE
        return
    assert parsed.collected_at is not None
    datetime.fromtimestamp(parsed.collected_at, UTC)  # what nodeevidence does with it


# --- pvereport ---------------------------------------------------------------------------
PVEVERSION = """proxmox-ve: 8.2.0 (running kernel: 6.8.4-2-pve)
pve-manager: 8.2.2 (running version: 8.2.2/9355359cd7afbae4)
corosync: 3.1.7-pve3
"""
HA = "quorum OK\nmaster pve1 (active, Thu Dec  3 10:04:58 2026)\nlrm pve1 (active, ...)\n"


def pvereport(host: str = "pve1", status: str = CRASHED, conf: str = CONF) -> str:
    """A text in the shape PVE::Report prints: `==== title ====`, then `\\n# cmd\\n` and
    the command's output, for each command of the section."""
    return (
        "\n==== general system info ====\n"
        f"\n# hostname\n{host}\n"
        f"\n# pveversion --verbose\n{PVEVERSION}"
        "\n# cat /etc/hosts\n127.0.0.1 localhost\n10.213.20.1 pve1.lab pve1\n"
        "\n# top -b -n 1  | head -n 15\ntop - 10:05:00 up 1 day\n"
        "\n==== cluster info ====\n"
        f"\n# pvecm status\n{status}"
        f"\n# cat /etc/pve/corosync.conf 2>/dev/null\n{conf}"
        f"\n# ha-manager status\n{HA}"
        "\n# pvecm nodes\nMembership information\n"
        "\n==== hardware ====\n"
        "\n# lspci -nnk\n00:00.0 Host bridge\n"
    )


def test_split_pvereport_fills_the_bundle_files() -> None:
    text = pvereport()
    assert bundle.looks_like_pvereport(text)
    host, found = bundle.split_pvereport(text)
    assert host == "pve1"
    assert set(found) == {
        bundle.PVECM_STATUS,
        bundle.CLUSTER_CONF,
        bundle.HA_STATUS,
        bundle.PVEVERSION,
    }
    assert found[bundle.PVECM_STATUS].strip() == CRASHED.strip()
    assert found[bundle.CLUSTER_CONF].strip() == CONF.strip()
    assert found[bundle.HA_STATUS] == HA
    assert found[bundle.PVEVERSION] == PVEVERSION
    assert all("localhost" not in t and "Host bridge" not in t for t in found.values())


def test_split_pvereport_with_pveversion_v_and_no_cluster_section() -> None:
    text = f"==== general system info ====\n\n# hostname\npve7\n\n# pveversion -v\n{PVEVERSION}"
    host, found = bundle.split_pvereport(text)
    assert host == "pve7" and found == {bundle.PVEVERSION: PVEVERSION}


@pytest.mark.parametrize("host", ["not a host!", "", "pve1 pve2", "-pve1", "\x1b[31mpve1"])
def test_a_pvereport_host_name_that_is_not_valid_is_none(host: str) -> None:
    found_host, found = bundle.split_pvereport(pvereport(host=host))
    assert found_host is None
    assert bundle.PVECM_STATUS in found


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello\n",
        CONF,
        CRASHED,
        "# hostname\npve1\n",  # no heading
        "==== general system info ====\nno commands\n",
    ],
)
def test_what_is_not_a_pvereport(text: str) -> None:
    assert not bundle.looks_like_pvereport(text)


def test_split_pvereport_keeps_comment_lines_of_a_config() -> None:
    """BUG: a `# ` line in a command's output (a comment in /etc/pve/corosync.conf, which
    pmxcfs keeps) is taken for the next command, so the config is cut there.  PVE::Report
    prints every command as `\\n# cmd\\n` (a blank line first), and a config's comments
    rarely follow a blank line that starts no section."""
    commented = CONF.replace("nodelist {", "# the nodes, as pvecm add wrote them\nnodelist {")
    _, found = bundle.split_pvereport(pvereport(conf=commented))
    assert "ring0_addr: 10.213.20.2" in found[bundle.CLUSTER_CONF]


# --- reading a bundle directory ----------------------------------------------------------
def _node(root: Path, name: str, **files: str | bytes) -> Path:
    """A node folder with files given by attribute-safe keys or exact names."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for key, content in files.items():
        path = folder / _NAMES.get(key, key)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


_NAMES = {
    "status": bundle.PVECM_STATUS,
    "cfgtool": bundle.CFGTOOL_S,
    "local": bundle.LOCAL_CONF,
    "cluster": bundle.CLUSTER_CONF,
    "journal": bundle.JOURNAL,
    "collected": bundle.COLLECTED,
    "ha": bundle.HA_STATUS,
}


def _problems(found: bundleio.Bundle) -> dict[str, str]:
    return {p.where(): p.text for p in found.problems}


def _all_problems(found: bundleio.Bundle) -> dict[str, str]:
    return dict(diagnose(found).problems)


def test_a_healthy_bundle_reads_every_file() -> None:
    found = read_bundle(HEALTHY)
    assert found.path == str(HEALTHY) and found.problems == ()
    assert [n.name for n in found.nodes] == ["pve1", "pve2"]
    pve1 = found.nodes[0]
    assert pve1.status is not None and pve1.status.quorate
    assert pve1.links is not None and pve1.local_conf is not None
    assert pve1.cluster_conf is not None and pve1.journal is not None
    assert pve1.collected is not None and pve1.collected.exit_of(bundle.PVECM_STATUS) == 0
    assert pve1.running is True
    assert diagnose(found).kinds() == ("healthy",)


def test_a_real_status_and_conf_in_a_node_folder(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=CRASHED, cluster=CONF)
    found = read_bundle(tmp_path)
    (node,) = found.nodes
    assert node.status is not None and not node.status.quorate
    assert node.cluster_conf is not None and node.cluster_conf.cluster.name == "lab"
    result = diagnose(found)
    assert "no-quorum" in result.kinds() and result.verdict == "BROKEN"
    assert result.configured_expected == 2


SECRET = "topsecret4242"


def _secret(tmp_path: Path) -> Path:
    """A file outside the bundle that would change the diagnosis if a link were followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(STATUS_1.replace("Name:             lab", f"Name:             {SECRET}"))
    return secret


def test_a_symbolic_link_in_a_node_folder_is_named_and_not_followed(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    root = tmp_path / "bundle"
    folder = _node(root, "pve1", cluster=CONF, cfgtool=CFGTOOL_1)
    (folder / bundle.PVECM_STATUS).symlink_to(secret)
    (folder / bundle.JOURNAL).symlink_to(secret)
    found = read_bundle(root)
    problems = _problems(found)
    assert "symbolic link" in problems["pve1/pvecm-status.txt"]
    assert "symbolic link" in problems["pve1/journal.txt"]
    (node,) = found.nodes
    assert bundle.PVECM_STATUS not in node.texts and node.status is None
    assert node.links is not None  # the rest of the folder is read
    shown = json.dumps(diagnose(found).to_dict())
    assert SECRET not in shown and SECRET not in repr(found)


def test_a_symbolic_link_as_node_folder_or_report_is_not_followed(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    elsewhere = _node(tmp_path / "elsewhere", "pve2", status=secret.read_text(), cluster=CONF)
    root = tmp_path / "bundle"
    _node(root, "pve1", status=STATUS_1, cluster=CONF)
    (root / "pve2").symlink_to(elsewhere, target_is_directory=True)
    (root / "pve3.txt").symlink_to(secret)
    found = read_bundle(root)
    problems = _problems(found)
    assert "symbolic link" in problems["pve2"] and "symbolic link" in problems["pve3.txt"]
    assert [n.name for n in found.nodes] == ["pve1"]
    assert SECRET not in json.dumps(diagnose(found).to_dict())


def test_a_symbolic_link_as_the_bundle_is_refused(tmp_path: Path) -> None:
    shutil.copytree(HEALTHY, tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(InputError):
        read_bundle(tmp_path / "link")
    report = tmp_path / "report.txt"
    report.write_text(pvereport())
    (tmp_path / "report-link.txt").symlink_to(report)
    with pytest.raises(InputError):
        read_bundle(tmp_path / "report-link.txt")


def test_a_file_with_a_nul_byte_is_named(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1, cluster=CONF, cfgtool=b"Local node ID 1\x00\x01")
    found = read_bundle(tmp_path)
    assert "NUL byte" in _problems(found)["pve1/corosync-cfgtool-s.txt"]
    assert found.nodes[0].status is not None and found.nodes[0].links is None


def test_a_file_over_the_size_limit_is_named_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundleio, "MAX_FILE_BYTES", 200)
    journal = "2026-12-03T10:00:00+0000 pve1 pmxcfs[1]: [status] notice: node has quorum\n" * 10
    assert len(CONF) > 200 and len(journal) > 200
    _node(tmp_path, "pve1", status=STATUS_1[:150], cluster=CONF, journal=journal)
    found = read_bundle(tmp_path)
    problems = _problems(found)
    assert "larger than 200 bytes" in problems["pve1/etc-pve-corosync.conf"]
    assert "pve1/journal.txt" not in problems  # the journal has its own, larger limit
    node = found.nodes[0]
    assert node.cluster_conf is None and node.journal is not None
    assert len(node.journal.entries) == 10


def test_a_journal_over_its_limit_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundleio, "MAX_JOURNAL_BYTES", 100)
    _node(tmp_path, "pve1", status=STATUS_1, journal="x" * 101)
    assert "larger than 100 bytes" in _problems(read_bundle(tmp_path))["pve1/journal.txt"]


def test_a_fifo_is_named_and_does_not_block(tmp_path: Path) -> None:
    import os

    folder = _node(tmp_path, "pve1", status=STATUS_1)
    os.mkfifo(folder / bundle.JOURNAL)  # would block a plain open()
    found = read_bundle(tmp_path)
    assert "not a regular file" in _problems(found)["pve1/journal.txt"]
    assert found.nodes[0].status is not None


def test_a_directory_in_place_of_a_file_is_named(tmp_path: Path) -> None:
    """BUG: os.fdopen raises IsADirectoryError before _read checks fstat; the CLI then says
    `cannot write the output: Is a directory` and the whole diagnosis is lost."""
    folder = _node(tmp_path, "pve1", status=STATUS_1)
    (folder / bundle.CLUSTER_CONF).mkdir()
    found = read_bundle(tmp_path)
    assert "not a regular file" in _problems(found)["pve1/etc-pve-corosync.conf"]
    assert found.nodes[0].status is not None


def test_a_folder_that_is_not_a_host_name_is_named(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1, cluster=CONF)
    _node(tmp_path, "not a host!", status=STATUS_2)
    found = read_bundle(tmp_path)
    assert "not a node folder" in _problems(found)["not a host!"]
    assert [n.name for n in found.nodes] == ["pve1"]


def test_files_that_are_not_bundle_files_are_ignored(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1, **{"notes.md": "hello", "PVECM-STATUS.TXT": "x"})
    (tmp_path / "README").write_text("a bundle")
    found = read_bundle(tmp_path)
    assert set(found.nodes[0].texts) == {bundle.PVECM_STATUS}


@pytest.mark.parametrize(
    "layout",
    [
        {},
        {"notes.md": "hello"},
        {"not a host!/pvecm-status.txt": STATUS_1},
        {"pve1/notes.md": "hello"},
        {"notes.txt": "hello, not a pvereport"},
    ],
    ids=["empty", "a file", "bad folder", "no bundle file", "a txt"],
)
def test_a_directory_with_nothing_usable_is_an_input_error(
    tmp_path: Path, layout: dict[str, str]
) -> None:
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as caught:
        read_bundle(tmp_path)
    assert caught.value.where == str(tmp_path)
    assert "nothing usable" in caught.value.problem


def test_a_folder_of_symbolic_links_only_is_nothing_usable(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    folder = tmp_path / "bundle" / "pve1"
    folder.mkdir(parents=True)
    (folder / bundle.PVECM_STATUS).symlink_to(secret)
    with pytest.raises(InputError) as caught:
        read_bundle(folder.parent)
    assert "symbolic link" in str(caught.value) and SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [CONF, "hello\n", CRASHED, b"\x00\x01\x02"],
    ids=["a conf", "text", "a status", "binary"],
)
def test_a_regular_file_that_is_not_a_pvereport_is_an_input_error(
    tmp_path: Path, content: str | bytes
) -> None:
    path = tmp_path / "bundle.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(InputError) as caught:
        read_bundle(path)
    assert caught.value.where == str(path)


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_bundle(tmp_path / "nowhere")
    assert caught.value.where == str(tmp_path / "nowhere")


def test_a_pvereport_as_the_bundle(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(pvereport())
    found = read_bundle(path)
    (node,) = found.nodes
    assert node.name == "pve1" and node.status is not None and node.cluster_conf is not None
    assert bundle.HA_STATUS in node.texts and bundle.JOURNAL not in node.texts
    assert "no-quorum" in diagnose(found).kinds()


def test_a_pvereport_without_host_takes_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "pve1.txt"
    path.write_text(pvereport(host="not a host!"))
    assert read_bundle(path).nodes[0].name == "pve1"
    bad = tmp_path / "my report.txt"
    bad.write_text(pvereport(host="not a host!"))
    with pytest.raises(InputError):
        read_bundle(bad)


def test_a_pvereport_next_to_node_folders_and_inside_one(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1, cluster=CONF)
    (tmp_path / "report-pve2.txt").write_text(pvereport(host="pve2", status=STATUS_2))
    (tmp_path / "zz-pve1.txt").write_text(pvereport(host="pve1"))  # pve1 has a folder
    (tmp_path / "notes.txt").write_text("what I did\n")
    found = read_bundle(tmp_path)
    assert [n.name for n in found.nodes] == ["pve1", "pve2"]
    assert found.nodes[0].status is not None and found.nodes[0].status.quorate
    problems = _problems(found)
    assert "its node has a folder" in problems["zz-pve1.txt"]
    assert "not a pvereport" in problems["notes.txt"]
    assert diagnose(found).kinds() == ("healthy",)

    inside = tmp_path / "inside"
    _node(inside, "pve2", **{"pvereport.txt": pvereport(host="pve2", status=STATUS_2)})
    (node,) = read_bundle(inside).nodes
    assert node.status is not None and node.status.quorate and node.cluster_conf is not None


@pytest.mark.parametrize("report", ["another-pve1.txt", "PVE1.txt"])
def test_a_pvereport_of_a_node_with_a_folder_is_not_used_whatever_its_name(
    tmp_path: Path, report: str
) -> None:
    """BUG: read_bundle takes the entries in name order and checks only the nodes read so
    far, so a report whose name sorts before its node's folder makes a second pve1
    (its crashed status then sits next to the folder's quorate one)."""
    _node(tmp_path, "pve1", status=STATUS_1, cluster=CONF)
    _node(tmp_path, "pve2", status=STATUS_2, cluster=CONF)
    (tmp_path / report).write_text(pvereport(host="pve1"))
    found = read_bundle(tmp_path)
    assert [n.name for n in found.nodes] == ["pve1", "pve2"]
    assert found.nodes[0].folder == "pve1"
    assert "its node has a folder" in _problems(found)[report]
    assert diagnose(found).kinds() == ("healthy",)


def test_two_pvereports_of_one_node_make_one_node(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(pvereport(host="pve1"))
    (tmp_path / "b.txt").write_text(pvereport(host="pve1"))
    found = read_bundle(tmp_path)
    assert [n.name for n in found.nodes] == ["pve1"]
    assert "b.txt" in _problems(found)


def test_a_file_that_holds_another_command_is_named_and_the_rest_used(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=CONF, cfgtool=CFGTOOL_1, cluster=CONF, local=CONF)
    _node(tmp_path, "pve2", status=STATUS_2, cluster=CONF)
    found = read_bundle(tmp_path)
    problems = _problems(found)
    assert any(where.startswith("pve1/pvecm-status.txt") for where in problems), problems
    pve1 = found.nodes[0]
    assert pve1.status is None and pve1.links is not None and pve1.local_conf is not None
    result = diagnose(found)
    assert result.cluster_name == "lab"
    assert any(w.startswith("pve1/pvecm-status.txt") for w, _ in result.problems)
    assert [n.name for n in result.nodes] == ["pve1", "pve2"]


@pytest.mark.parametrize(
    "text",
    [
        "Cannot initialize QUORUM service\n",
        "Could not initialize corosync configuration API error 2\n",
    ],
)
def test_a_tool_error_says_corosync_is_down(tmp_path: Path, text: str) -> None:
    _node(tmp_path, "pve2", status=text, cluster=CONF)
    (node,) = read_bundle(tmp_path).nodes
    assert node.running is False and node.status is None and node.daemon_down


def test_a_config_that_does_not_parse_is_named(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1, cluster="totem {\n", local=CONF)
    found = read_bundle(tmp_path)
    assert any(w.startswith("pve1/etc-pve-corosync.conf") for w in _problems(found))
    assert found.nodes[0].local_conf is not None


def test_a_status_of_another_cluster_is_not_used(tmp_path: Path) -> None:
    other = STATUS_1.replace("Name:             lab", "Name:             other")
    _node(tmp_path, "pve1", status=other, cluster=CONF)
    _node(tmp_path, "pve2", status=STATUS_2, cluster=CONF)
    result = diagnose(read_bundle(tmp_path))
    problems = dict(result.problems)
    assert "not used" in problems["pve1/pvecm-status.txt"]
    assert "'other'" in problems["pve1/pvecm-status.txt"]
    assert [p.seen_by for p in result.partitions] == [("pve2",)]


def test_a_status_of_another_node_is_not_used(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1, cluster=CONF)
    _node(tmp_path, "pve2", status=STATUS_1, cluster=CONF)  # pve1's, copied by mistake
    result = diagnose(read_bundle(tmp_path))
    problems = dict(result.problems)
    assert "local node id is 1" in problems["pve2/pvecm-status.txt"]
    assert "not used" in problems["pve2/pvecm-status.txt"]
    assert [p.seen_by for p in result.partitions] == [("pve1",)]


def test_a_collected_json_of_another_node_is_not_used(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1, collected=_collected_json(node="pve2"))
    _node(tmp_path, "pve2", status=STATUS_2, collected=_collected_json(extra=True))
    found = read_bundle(tmp_path)
    problems = _problems(found)
    assert "not used" in problems["pve1/collected.json"]
    assert "unknown key" in problems["pve2/collected.json"]
    assert all(n.collected is None and n.status is not None for n in found.nodes)


def test_collected_at_out_of_range_does_not_crash_the_diagnosis(tmp_path: Path) -> None:
    """BUG: ValueError (year 0 is out of range) from nodeevidence._year."""
    journal = (HEALTHY / "pve1" / bundle.JOURNAL).read_text()
    _node(
        tmp_path,
        "pve1",
        status=STATUS_1,
        cluster=CONF,
        journal=journal,
        collected=_collected_json(collected_at="0001-01-01T00:00:00+00:01"),
    )
    diagnose(read_bundle(tmp_path))


def test_more_node_folders_than_the_limit_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundleio, "MAX_NODE_FOLDERS", 3)
    for index in range(1, 6):
        _node(tmp_path, f"pve{index}", status="Cannot initialize QUORUM service\n")
    found = read_bundle(tmp_path)
    assert len(found.nodes) == 3
    problems = _problems(found)
    assert "more than 3 nodes" in problems["pve4"] and "more than 3 nodes" in problems["pve5"]


def test_invalid_utf8_is_replaced_not_refused(tmp_path: Path) -> None:
    _node(tmp_path, "pve1", status=STATUS_1.encode() + b"\xff\xfe\n", cluster=CONF)
    found = read_bundle(tmp_path)
    assert "\ufffd" in found.nodes[0].texts[bundle.PVECM_STATUS]


# --- writing -----------------------------------------------------------------------------
def test_write_node_then_read_bundle(tmp_path: Path) -> None:
    collected = Collected(
        "pve1",
        1796350200.0,
        "-1d",
        "ssh:pve1",
        ((bundle.PVECM_STATUS, 0), (bundle.CFGTOOL_S, 0), (bundle.CLUSTER_CONF, 0)),
    )
    outputs = {
        bundle.PVECM_STATUS: CRASHED,
        bundle.CFGTOOL_S: CFGTOOL_CUT,
        bundle.CLUSTER_CONF: CONF,
    }
    folder = write_node(tmp_path, collected, outputs)
    assert folder == tmp_path / "pve1"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*outputs, bundle.COLLECTED])
    for name, text in outputs.items():
        assert (folder / name).read_text() == text
    unreachable = Collected("pve2", 1796350200.0, "-1d", "ssh:pve2", (), "No route to host")
    write_node(tmp_path, unreachable, {})
    assert [p.name for p in (tmp_path / "pve2").iterdir()] == [bundle.COLLECTED]
    found = read_bundle(tmp_path)
    assert found.problems == ()
    pve1, pve2 = found.nodes
    assert pve1.collected == collected and pve1.status is not None and pve1.links is not None
    assert pve2.collected == unreachable and pve2.unreachable == "No route to host"
    result = diagnose(found)
    assert {"crash-or-partition", "no-quorum"} <= set(result.kinds())
    (step,) = [f.next_step for f in result.findings if f.kind == "no-quorum"]
    assert step is not None and step.collect_more is not None  # pve2 may run cut off


@pytest.mark.parametrize(
    "name", [bundle.COLLECTED, "notes.txt", "../evil.txt", "/tmp/evil.txt", "pvereport.txt", ""]
)
def test_write_node_refuses_a_file_outside_the_list(tmp_path: Path, name: str) -> None:
    root = tmp_path / "bundle"
    with pytest.raises(InputError):
        write_node(root, Collected("pve1"), {name: "x"})
    assert not (tmp_path / "evil.txt").exists()
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert all(p.name != Path(name).name or not name for p in written), written


@pytest.mark.parametrize("node", ["not a host!", "../pve1", "", "pve1/x"])
def test_write_node_refuses_a_node_that_is_not_a_host_name(tmp_path: Path, node: str) -> None:
    with pytest.raises(InputError):
        write_node(tmp_path / "bundle", Collected(node), {})
    assert not (tmp_path / "bundle").exists()
