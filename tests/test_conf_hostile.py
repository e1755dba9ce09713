"""Hostile input to `config check|show|edit`: one line on stderr and exit 2, or a finding.

Every case a hostile-input run found is a regression test here, through `pvequorum.cli.main`
(or a subprocess where a hang, a full disk or the time is the point), and hypothesis then
feeds the real files of tests/data/corpus/ mutated: control characters, bytes that are not
UTF-8, NUL, random bytes, huge numbers, deep nesting, long lines.  The contract is the same
for all: exit 0 or 1 with the answer on stdout and nothing on stderr, or exit 2 with exactly
one line on stderr, and never a traceback.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import CORPUS, PROJECT

from pvequorum import cvalues
from pvequorum.cli import main
from pvequorum.conf import read_text, xmltok
from pvequorum.conf.corosync import ConfigParseError, atb_node_as_corosync_reads_it
from pvequorum.limits import MAX_CONFIG_BYTES

EXAMPLES = PROJECT / "src" / "pvequorum" / "examples"
COROSYNC = (EXAMPLES / "two-node-corosync.conf").read_text()
CLUSTER_CONF = (EXAMPLES / "two-node-cluster.conf.xml").read_text()
COMMANDS = (("check",), ("show", "--json"), ("edit", "--two-node"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # nothing left over from an earlier example
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_contract(code: int, out: str, err: str, allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """Exit 0/1 with output and a silent stderr, or exit 2 with exactly one stderr line."""
    assert "Traceback" not in out + err
    assert code in allowed, (code, out[-300:], err)
    if code == 2:
        assert out == ""
        assert err.startswith("pvequorum: ") and err.endswith("\n")
        assert len(err.splitlines()) == 1, err  # no CR, VT, FF or separator inside it either
    else:
        assert out and err == "", err


def refused(capsys: pytest.CaptureFixture[str], path: Path, *argv: str, named: bool = True) -> str:
    """Run a command that must refuse `path`: exit 2, one line (naming the file unless the
    refusal is about an option, which it names instead); that line."""
    code, out, err = run(capsys, "config", argv[0], str(path), *argv[1:])
    assert_contract(code, out, err, allowed=(2,))
    assert not named or str(path) in err
    return err


def write(tmp_path: Path, text: str | bytes, name: str = "corosync.conf") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


def with_qdevice(tie_breaker: str) -> str:
    device = (
        "quorum {\n  device {\n    model: net\n    votes: 1\n    net {\n      host: 10.0.0.1\n"
        f"      algorithm: ffsplit\n      tie_breaker: {tie_breaker}\n    }}\n  }}\n"
    )
    return COROSYNC.replace("quorum {\n", device, 1)


# --- 1: a vertical tab or a lone CR inside a value ---------------------------------------------
# corosync 3.1.7 `corosync -t` accepts every one of these (exit 0): coroparse strips only
# spaces and tabs around a value and one CR before the LF, so a VT, FF or lone CR is part of
# the value.  pvecm (Perl `\s`) splits there: that is the finding, on the value's line.
CONTROL_VALUES = ("a\x0bb", "\x0bb", "a\x0b", "\x0b", "a\rb", "\rb", "a\x0cb", "\x0b\rb")


@pytest.mark.parametrize("value", CONTROL_VALUES)
def test_control_characters_in_a_value_are_findings(capsys, tmp_path: Path, value: str) -> None:
    path = write(tmp_path, COROSYNC.replace("cluster_name: mycluster", f"cluster_name: {value}"))
    line = COROSYNC.splitlines().index("  cluster_name: mycluster") + 1
    for argv in COMMANDS:
        code, out, err = run(capsys, "config", argv[0], str(path), *argv[1:])
        assert_contract(code, out, err, allowed=(0, 1))
    code, out, _ = run(capsys, "config", "check", str(path))
    assert re.search(rf":{line}: warning CQ23[01]: .*pvecm", out), out
    assert all(len(row.splitlines()) == 1 for row in out.rstrip("\n").split("\n")), out  # escaped


def test_vertical_tab_at_the_start_of_a_value_says_what_pvecm_reads(capsys, tmp_path) -> None:
    path = write(tmp_path, COROSYNC.replace("cluster_name: mycluster", "cluster_name: \x0bb"))
    _, out, _ = run(capsys, "config", "check", str(path))
    assert (
        "CQ231: 'cluster_name: \\x0bb': corosync keeps the value as it is, pvecm reads 'b'" in out
    )


@pytest.mark.skipif(
    shutil.which("corosync") is None or os.geteuid() != 0, reason="needs root and corosync"
)
def test_corosync_t_accepts_control_characters_in_a_value(tmp_path: Path) -> None:
    """The verdict the findings above rely on: real `corosync -t` takes these values."""
    key = tmp_path / "authkey"
    key.write_bytes(os.urandom(256))
    key.chmod(0o400)
    for value in CONTROL_VALUES:
        text = COROSYNC.replace("cluster_name: mycluster", f"cluster_name: {value}")
        text = text.replace("192.168.1.11", "127.0.0.1")  # the local node, for corosync -t
        text = text.replace("totem {\n", f"totem {{\n  keyfile: {key}\n", 1)
        conf = write(tmp_path, text, "check.conf")
        result = subprocess.run(
            ["corosync", "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, (value, result.stderr)


# --- 2: digits that are not ASCII ---------------------------------------------------------------
@pytest.mark.parametrize("digit", ["²", "٣", "१"])
def test_unicode_digit_tie_breaker_is_one_line(capsys, tmp_path: Path, digit: str) -> None:
    assert digit.isdigit()  # what made int() blow up: Python calls them digits
    path = write(tmp_path, with_qdevice(digit))
    line = with_qdevice(digit).splitlines().index(f"      tie_breaker: {digit}") + 1
    err = refused(capsys, path, "show", "--json")
    assert f"line {line}" in err and "tie_breaker must be lowest, highest or a node id" in err
    for argv in (("check",), ("edit", "--two-node", "--force")):
        code, out, err = run(capsys, "config", argv[0], str(path), *argv[1:])
        assert_contract(code, out, err)


@pytest.mark.parametrize(
    "old, new",
    [
        ("config_version: 2", "config_version: ²"),
        ("nodeid: 2", "nodeid: ٣"),
        ("quorum_votes: 1\n    ring0_addr: 192.168.1.12", "quorum_votes: ٣\n    ring0_addr: 1"),
        ("provider: corosync_votequorum", "provider: corosync_votequorum\n  expected_votes: ²"),
        ("provider: corosync_votequorum", "auto_tie_breaker: 1\n  auto_tie_breaker_node: ²"),
        ("linknumber: 0", "linknumber: ٣"),
    ],
)
def test_unicode_digits_in_corosync_values(capsys, tmp_path: Path, old: str, new: str) -> None:
    path = write(tmp_path, COROSYNC.replace(old, new, 1))
    for argv in COMMANDS:
        code, out, err = run(capsys, "config", argv[0], str(path), *argv[1:])
        assert_contract(code, out, err)


def test_a_unicode_digit_value_is_what_corosync_refuses(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, COROSYNC.replace("nodeid: 2", "nodeid: ٣"))
    code, out, _ = run(capsys, "config", "check", str(path))
    assert code == 1 and "error CQ100: corosync refuses to start: 'Value of key \"nodelist" in out
    assert refused(capsys, path, "show").count("nodeid must be an integer, got '٣'") == 1


def test_unicode_digit_ring_number_is_no_link(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, COROSYNC.replace("ring0_addr: 192.168.1.12", "ring٣_addr: 10.0.0.2"))
    code, out, err = run(capsys, "config", "show", "--json", str(path))
    assert_contract(code, out, err, allowed=(0,))
    assert '"linknumber": 3' not in out


@pytest.mark.parametrize(
    "attribute", ['config_version="²"', 'config_version="٣"', 'config_version="+-4"']
)
def test_unicode_digits_in_cluster_conf(capsys, tmp_path: Path, attribute: str) -> None:
    path = write(tmp_path, CLUSTER_CONF.replace('config_version="4"', attribute), "cluster.conf")
    code, out, err = run(capsys, "config", "check", str(path))
    assert_contract(code, out, err, allowed=(1,))
    assert "error CQ120" in out
    assert "line 2" in refused(capsys, path, "show")
    code, out, err = run(capsys, "config", "edit", str(path), "--two-node")
    assert_contract(code, out, err, allowed=(0,))  # as for any unreadable version: it becomes 1
    assert '+<cluster name="pve-cluster" config_version="1">' in out


@pytest.mark.parametrize(
    "argv",
    [
        ("--votes", "pve1=²"),
        ("--votes", "pve1=٣"),
        ("--expected-votes", "²"),
        ("--add-node", "pve3", "--address", "10.0.0.3", "--votes", "٣"),
    ],
)
def test_unicode_digit_arguments(capsys, tmp_path: Path, argv: tuple[str, ...]) -> None:
    for text, name in ((COROSYNC, "corosync.conf"), (CLUSTER_CONF, "cluster.conf")):
        err = refused(capsys, write(tmp_path, text, name), "edit", *argv, named=False)
        assert f"pvequorum: {argv[-2]} takes an integer from" in err


def test_parse_int_takes_ascii_only() -> None:
    for text in ("²", "٣", "1_000", "١٢", "1 ", "", "+", "0x10"):
        assert cvalues.parse_int(text) is None, text
    assert cvalues.parse_int(" \v+12") == 12 and cvalues.parse_int("-0") == 0
    assert cvalues.parse_uint64("-1") == 2**64 - 1  # strtoull wraps, as corosync reads it
    assert cvalues.parse_uint64(str(2**64)) is None
    assert atb_node_as_corosync_reads_it("²") is None
    assert atb_node_as_corosync_reads_it("1 3 x 5") == "1 3"


# --- 3: integers beyond 4300 digits -----------------------------------------------------------
HUGE = "9" * 5000


def test_huge_cluster_conf_version(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, CLUSTER_CONF.replace('config_version="4"', f'config_version="{HUGE}"'))
    code, out, err = run(capsys, "config", "check", str(path))
    assert_contract(code, out, err, allowed=(1,))
    assert "error CQ120" in out and "(5000 characters)" in out and HUGE not in out
    assert "line 2, column" in refused(capsys, path, "show", "--json")
    err = refused(capsys, path, "edit", "--two-node")
    assert "line 2" in err and "cannot be incremented" in err


@pytest.mark.parametrize("attribute", ["nodeid", "votes"])
def test_huge_clusternode_attribute(capsys, tmp_path: Path, attribute: str) -> None:
    text = CLUSTER_CONF.replace(f'{attribute}="1"', f'{attribute}="{HUGE}"', 1)
    path = write(tmp_path, text, "cluster.conf")
    code, out, err = run(capsys, "config", "check", str(path))
    assert_contract(code, out, err, allowed=(1,))
    assert "out of range" in refused(capsys, path, "show")


def test_huge_character_reference(capsys, tmp_path: Path) -> None:
    text = CLUSTER_CONF.replace('name="pve1"', f'name="pve&#{HUGE};"')
    err = refused(capsys, write(tmp_path, text, "cluster.conf"), "check")
    assert "reference to invalid character number" in err and "line 6" in err


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("nodeid: 2", "nodeid: " + "9" * 400, "Can't format parser error message"),
        ("nodeid: 2", "nodeid: 4294967296", "in range (0..4294967295)"),
        ("config_version: 2", "config_version: " + "9" * 30, "not an unsigned 64-bit integer"),
        ("config_version: 2", "config_version: 18446744073709551616", "corosync 3.1.7 aborts"),
    ],
)
def test_out_of_range_corosync_values_are_findings(
    capsys, tmp_path: Path, old: str, new: str, message: str
) -> None:
    """corosync -t: "Can't format parser error message" for the 400 digits (its message
    buffer holds 256 bytes), the range message for nodeid 2**32, and an abort on an
    assertion (exit 134) for a config_version beyond uint64."""
    text = COROSYNC.replace(old, new)
    path = write(tmp_path, text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip() == new)
    code, out, err = run(capsys, "config", "check", str(path))
    assert_contract(code, out, err, allowed=(1,))
    assert f":{line}: error CQ100: corosync refuses to start" in out and message in out
    for argv in (("show", "--json"), ("edit", "--two-node")):
        code, out, err = run(capsys, "config", argv[0], str(path), *argv[1:])
        assert_contract(code, out, err, allowed=(2,))


def test_negative_config_version_is_what_strtoull_reads(capsys, tmp_path: Path) -> None:
    """corosync -t accepts `config_version: -1` (strtoull wraps it to 2**64 - 1)."""
    path = write(tmp_path, COROSYNC.replace("config_version: 2", "config_version: -1"))
    code, out, _ = run(capsys, "config", "check", str(path))
    assert "CQ100" not in out and "error CQ120" in out and code == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("--votes", f"pve1={HUGE}"),
        ("--expected-votes", HUGE),
        ("--votes", "pve1=4294967296"),
        ("--add-node", "pve3", "--address", "10.0.0.3", "--votes", HUGE),
    ],
)
def test_huge_edit_arguments(capsys, tmp_path: Path, argv: tuple[str, ...]) -> None:
    for text, name in ((COROSYNC, "corosync.conf"), (CLUSTER_CONF, "cluster.conf")):
        err = refused(capsys, write(tmp_path, text, name), "edit", *argv, named=False)
        assert f"pvequorum: {argv[-2]} takes an integer from" in err
        assert HUGE not in err  # the value is shown cut: one short line


# --- 4: deep nesting ---------------------------------------------------------------------------
def test_deep_xml_is_refused_with_the_limit(capsys, tmp_path: Path) -> None:
    text = CLUSTER_CONF.replace("</cluster>", "<a>" * 2000 + "</a>" * 2000 + "</cluster>")
    path = write(tmp_path, text, "cluster.conf")
    for argv in COMMANDS:
        err = refused(capsys, path, *argv)
        assert f"nested deeper than {xmltok.MAX_DEPTH} levels" in err and "line 9" in err


def test_xml_at_the_depth_limit_is_read(capsys, tmp_path: Path) -> None:
    inner = xmltok.MAX_DEPTH - 1  # <cluster> is the first level
    text = CLUSTER_CONF.replace("</cluster>", "<a>" * inner + "</a>" * inner + "</cluster>")
    for argv in COMMANDS:
        code, out, err = run(capsys, "config", argv[0], str(write(tmp_path, text)), *argv[1:])
        assert_contract(code, out, err, allowed=(0, 1))
    deeper = "<a>" * inner + "<b/>" + "</a>" * inner + "</cluster>"
    refused(capsys, write(tmp_path, CLUSTER_CONF.replace("</cluster>", deeper)), "check")


def test_deep_corosync_sections(capsys, tmp_path: Path) -> None:
    """corosync refuses past a cmap path of 255 bytes ("Start of section makes total cmap
    path too long", as corosync -t says): 127 one-letter levels are the deepest it takes."""
    deep = write(tmp_path, COROSYNC + "x {\n" * 2000 + "}\n" * 2000)
    for argv in COMMANDS:
        assert "cmap path too long" in refused(capsys, deep, *argv)
    deepest = write(tmp_path, COROSYNC + "x {\n" * 127 + "}\n" * 127, "deepest.conf")
    for argv in (*COMMANDS, ("edit", "--two-node", "--style", "pve")):
        code, out, err = run(capsys, "config", argv[0], str(deepest), *argv[1:])
        assert_contract(code, out, err, allowed=(0, 1))


# --- 5: a write error on stdout ------------------------------------------------------------------
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [*COMMANDS, ("show",)])
def test_output_to_a_full_disk_is_one_line(tmp_path: Path, argv: tuple[str, ...]) -> None:
    path = write(tmp_path, COROSYNC)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "pvequorum", "config", argv[0], str(path), *argv[1:]],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "pvequorum: cannot write the output: No space left on device"
    ]


# --- 6: one tag with 100,000 attributes ----------------------------------------------------------
def test_many_attributes_take_linear_time(tmp_path: Path) -> None:
    # as many as the size limit allows (about 17,000); the quadratic check took 16 s for 20,000
    attributes = " ".join(f'a{i}="{i}"' for i in range(17_000))
    path = write(tmp_path, CLUSTER_CONF.replace("<cman ", f"<cman {attributes} ", 1))
    assert path.stat().st_size <= MAX_CONFIG_BYTES
    result = subprocess.run(
        [sys.executable, "-m", "pvequorum", "config", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=10,  # a guard against the old quadratic time, not a speed target
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_a_config_beyond_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, CLUSTER_CONF + "<!-- " + "x" * MAX_CONFIG_BYTES + " -->\n")
    result = subprocess_check(str(path))
    assert result.returncode == 2 and f"larger than {MAX_CONFIG_BYTES} bytes" in result.stderr


def test_duplicate_attribute_is_still_found(capsys, tmp_path: Path) -> None:
    attributes = " ".join(f'a{i}="{i}"' for i in range(1000)) + ' a7="again"'
    path = write(tmp_path, CLUSTER_CONF.replace("<cman ", f"<cman {attributes} ", 1))
    assert "duplicate attribute 'a7'" in refused(capsys, path, "check")


# --- 7: what is read: regular files, at most limits.MAX_CONFIG_BYTES ---------------
def subprocess_check(path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", "config", "check", path],
        capture_output=True,
        text=True,
        timeout=20,  # a FIFO or /dev/zero read without bound would hang or eat memory here
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    result = subprocess_check(device)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"pvequorum: {device}: cannot read: not a regular file (a character device)"
    ]


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "corosync.conf"
    os.mkfifo(fifo)
    result = subprocess_check(str(fifo))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"pvequorum: {fifo}: cannot read: not a regular file (a FIFO)"
    ]


def test_a_directory_and_a_huge_file_are_refused(capsys, tmp_path: Path) -> None:
    assert "not a regular file (a directory)" in refused(capsys, tmp_path, "check")
    big = tmp_path / "big.conf"
    with open(big, "wb") as handle:
        handle.truncate(5 * 1024 * 1024)  # sparse: 5 MiB without writing them
    assert f"larger than {MAX_CONFIG_BYTES} bytes" in refused(capsys, big, "show")


def test_nul_is_still_a_parse_error_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "totem {\n  ver\x00sion: 2\n}\n")
    with pytest.raises(ConfigParseError, match="NUL byte") as info:
        read_text(path)
    assert (info.value.line, info.value.column) == (2, 6)


@pytest.mark.parametrize("content", ["/dev/zero", "/etc/hostname", "a" * 5000])
def test_file_content_is_never_taken_for_a_path(capsys, tmp_path: Path, content: str) -> None:
    """`config show` once passed the text to `load_config`, which takes a one-line text for a
    file name when such a file exists (and died on a name too long for the file system)."""
    err = refused(capsys, write(tmp_path, content), "show")
    assert "line 1" in err and "cannot write" not in err


# --- 8: DOCTYPE, entities ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "prolog, body, message",
    [
        ('<!DOCTYPE cluster SYSTEM "file:///etc/passwd">\n', "", "DOCTYPE declaration"),
        (
            '<!DOCTYPE cluster [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n',
            "&x;",
            "DOCTYPE declaration",
        ),
        (
            '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n',
            "&lol2;",
            "DOCTYPE declaration",
        ),
        ('<!ENTITY x "y">\n', "", "ENTITY declaration"),
        ("", "&x;", "undefined or malformed entity reference"),
        ("", "&#0;", "invalid character number"),
    ],
)
def test_no_dtd_and_no_entity_is_ever_read(
    capsys, tmp_path: Path, prolog: str, body: str, message: str
) -> None:
    text = CLUSTER_CONF.replace("\n", "\n" + prolog, 1).replace('name="pve1"', f'name="{body}p"')
    path = write(tmp_path, text, "cluster.conf")
    for argv in COMMANDS:
        assert message in refused(capsys, path, *argv)


def test_predefined_and_numeric_references_are_read(capsys, tmp_path: Path) -> None:
    text = CLUSTER_CONF.replace('name="pve-cluster"', 'name="a&amp;b&#65;&#x42;&lt;"')
    code, out, err = run(capsys, "config", "show", "--json", str(write(tmp_path, text)))
    assert_contract(code, out, err, allowed=(0,))
    assert '"cluster_name": "a&bAB<"' in out


# --- properties: mutated real files ------------------------------------------------------------
SEEDS = [
    *sorted((CORPUS / "corosync").glob("*.conf")),
    *sorted((CORPUS / "cluster-conf").glob("*.xml")),
    EXAMPLES / "two-node-corosync.conf",
    EXAMPLES / "two-node-cluster.conf.xml",
]
SEED_BYTES = [path.read_bytes() for path in SEEDS]
NASTY = [
    b"\x00",
    b"\x0b",
    b"\x0c",
    b"\r",
    b"\x1c",
    b"\x7f",
    b"\x85",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    "\u2028".encode(),
    "²".encode(),
    "٣".encode(),
    b"{",
    b"}",
    b":",
    b"#",
    b"<",
    b">",
    b"&",
    b"&#",
    b'"',
    b"<!DOCTYPE x>",
    b"<!--",
    b"]]>",
    b"9" * 4400,
    b"-" + b"9" * 25,
    b"18446744073709551616",
    b"4294967296",
    b"x" * 600,
]


MORE_KINDS = ["delete", "nest", "line"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEED_BYTES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert"] * 3 + ["random", "number"] * 2 + MORE_KINDS))
        at = draw(st.integers(0, len(data)))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(NASTY))
        elif kind == "random":  # without NUL, which ends the reading at once (NASTY has it)
            data[at:at] = draw(st.binary(min_size=1, max_size=16)).replace(b"\x00", b"")
        elif kind == "number":  # one number of the file becomes a hostile one
            numbers = [m.span() for m in re.finditer(rb"[0-9]+", bytes(data))]
            if numbers:
                start, end = draw(st.sampled_from(numbers))
                data[start:end] = draw(st.sampled_from(NASTY[11:13] + NASTY[25:29]))
        elif kind == "delete":
            data[at : at + draw(st.integers(1, 40))] = b""
        elif kind == "nest":
            depth = draw(st.sampled_from([3, 99, 130, 1500]))
            xml = data.lstrip().startswith(b"<")
            opening, closing = (b"<a>", b"</a>") if xml else (b"n {\n", b"}\n")
            data[at:at] = opening * depth + closing * depth
        else:
            data[at:at] = b"k: " + b"v" * draw(st.sampled_from([100, 508, 511, 5000])) + b"\n"
    return bytes(data)


HOSTILE = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for all examples (a function-scoped tmp_path is not reset per example)."""
    return tmp_path_factory.mktemp("hostile")


def feed(capsys: pytest.CaptureFixture[str], workdir: Path, data: bytes, *argv: str) -> None:
    path = workdir / "input.conf"
    path.write_bytes(data)
    code, out, err = run(capsys, "config", argv[0], str(path), *argv[1:])
    assert_contract(code, out, err)


@HOSTILE
@given(data=mutated())
def test_check_mutated_corpus(capsys, workdir: Path, data: bytes) -> None:
    feed(capsys, workdir, data, "check")


@HOSTILE
@given(data=mutated())
def test_show_json_mutated_corpus(capsys, workdir: Path, data: bytes) -> None:
    feed(capsys, workdir, data, "show", "--json")


@HOSTILE
@given(data=mutated())
def test_edit_two_node_mutated_corpus(capsys, workdir: Path, data: bytes) -> None:
    feed(capsys, workdir, data, "edit", "--two-node")


@HOSTILE
@given(data=st.binary(max_size=2000), argv=st.sampled_from(COMMANDS))
def test_random_bytes(capsys, workdir: Path, data: bytes, argv: tuple[str, ...]) -> None:
    feed(capsys, workdir, data, *argv)


@HOSTILE
@given(
    seed=st.sampled_from(SEED_BYTES),
    junk=st.lists(st.sampled_from(NASTY), min_size=1, max_size=8),
    seed_value=st.integers(0, 2**32),
    argv=st.sampled_from(COMMANDS),
)
def test_sprinkled_control_bytes(
    capsys, workdir: Path, seed: bytes, junk: list[bytes], seed_value: int, argv: tuple[str, ...]
) -> None:
    rng = random.Random(seed_value)
    data = bytearray(seed)
    for piece in junk:
        at = rng.randrange(len(data) + 1)
        data[at:at] = piece
    feed(capsys, workdir, bytes(data), *argv)
