"""A generated corpus of corosync.conf inputs, and real `corosync -t` verdicts on them.

The corpus is deterministic (seeded): real-world-like files from tests/data, each mutated
in one to three ways aimed at what corosync 3.1.7's reader decides (`parse_section()`,
`main_config_parser_cb()`, cmap's key names): key names, values of every checked type,
sections with their own state (logger_subsys, logging_daemon, uidgid, member, resources),
braces, NUL bytes, long lines, line endings.  `corosync_t()` asks the real daemon.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from paths import DATA

BASES = [
    "real/two-node.corosync.conf",
    "real/two-node-wfa-cold-start.corosync.conf",
    "conf/compact-and-hazards.conf",
    "conf/coroparse-quirks.conf",
    "conf/crlf-tabs-no-final-newline.conf",
    "conf/empty-sections-blank-end.conf",
    "conf/tabs-four-spaces-mixed.conf",
]

KEYS = ["ab", "abc", "a b", "a#b", "a=b", "ä", "\ufeffkey", "k@y", ":", "", "a.b", "x/y:z", "-_-"]
INTS = ["0", "1", "+1", "-1", "255", "256", "65535", "65536", "4294967295", "4294967296",
        "-2147483648", "2147483648", "9" * 25, "1x", "", " 1", "\v1", "\f2", "\r3", "0x10",
        "٣", "1 2", "01", "-0"]  # fmt: skip
INT_PATHS = [
    ("totem", "token"), ("totem", "version"), ("totem", "knet_compression_level"),
    ("totem", "config_version"), ("quorum", "expected_votes"), ("quorum", "two_node"),
    ("quorum", "wait_for_all"), ("quorum", "last_man_standing_window"),
    ("totem.interface", "linknumber"), ("totem.interface", "mcastport"),
    ("totem.interface", "knet_link_priority"), ("totem.interface", "knet_ping_timeout"),
    ("nodelist.node", "nodeid"), ("nodelist.node", "quorum_votes"),
    ("quorum.device", "votes"), ("quorum.device", "master_wins"),
]  # fmt: skip
ENUMS = [
    ("totem", "crypto_model", ["nss", "openssl", "gcrypt", "none", ""]),
    ("totem", "crypto_cipher", ["none", "aes256", "aes512", "AES256"]),
    ("totem", "crypto_hash", ["sha1", "sha256", "sha224", "md5"]),
    ("totem", "knet_compression_model", ["none", "zlib", "lz4", "zstd", "gzip"]),
    ("totem", "ip_version", ["ipv4", "ipv6-4", "ipv5"]),
    ("system", "sched_rr", ["yes", "no", "on"]),
    ("system", "move_to_root_cgroup", ["yes", "auto", "maybe"]),
    ("system", "allow_knet_handle_fallback", ["yes", "no", "1"]),
    ("system", "qb_ipc_type", ["native", "shm", "pipe"]),
]
SECTIONS = [
    "logging {\n  logger_subsys {\n    subsys: QUORUM\n    debug: on\n  }\n}\n",
    "logging {\n  logger_subsys {\n    debug: on\n  }\n}\n",
    "logging {\n  logger_subsys {\n    subsys: A B\n    debug: on\n  }\n}\n",
    "logging {\n  logging_daemon {\n    name: corosync\n    debug: on\n  }\n}\n",
    "logging {\n  logging_daemon {\n    debug: on\n  }\n}\n",
    "logging {\n  logging_daemon {\n    name: x y\n    subsys: Q\n  }\n}\n",
    "uidgid {\n  uid: root\n  gid: root\n}\n",
    "uidgid {\n  uid: no-such-user-pvq\n}\n",
    "uidgid {\n  gid: no-such-group-pvq\n}\n",
    "uidgid {\n  uid: 4294967295\n}\n",
    "uidgid {\n  uid: 12345\n  gid: +7\n}\n",
    "uidgid {\n  user: root\n}\n",
    "resources {\n  watchdog_timeout: 6\n}\n",
    "resources {\n  watchdog_timeout: soon\n}\n",
    "resources {\n  system {\n    memory_used {\n      poll_period: 3000\n    }\n  }\n}\n",
    "resources {\n  process {\n    poll_period: -5\n  }\n}\n",
    "totem.token: fast\n",
    "quorum.expected_votes: x\n",
    "totem.interface {\n  linknumber: 300\n}\n",
    "nodelist {\n  extra {\n    nodeid: x\n  }\n}\n",
    "system {\n  sched_rr: maybe\n}\n",
    "ab: 1\n",
    "abc: 1\n",
    "a b {\n}\n",
    "a b {\n  c: d\n}\n",
]
MEMBER = "    member {\n      memberaddr: 10.0.0.1\n    }\n"
MEMBER_BAD = "    member {\n      address: 10.0.0.1\n    }\n"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def _insert_in(text: str, section: str, line: str, rng: random.Random) -> str:
    """`line` as the first item of the first section named like the path's last part."""
    name = section.rsplit(".", 1)[-1]
    lines = _lines(text)
    opens = [i for i, x in enumerate(lines) if re.match(rf"\s*{re.escape(name)}\s*\{{", x)]
    if not opens:
        wrapped = f"{name} {{\n  {line}}}\n"
        for outer in reversed(section.split(".")[:-1]):
            wrapped = f"{outer} {{\n{wrapped}}}\n"
        return text + ("" if text.endswith("\n") else "\n") + wrapped
    at = rng.choice(opens) + 1
    return "".join([*lines[:at], "    " + line, *lines[at:]])


def _mutations(rng: random.Random) -> list[Callable[[str], str]]:
    def set_int(text: str) -> str:
        section, key = rng.choice(INT_PATHS)
        return _insert_in(text, section, f"{key}: {rng.choice(INTS)}\n", rng)

    def set_enum(text: str) -> str:
        section, key, values = rng.choice(ENUMS)
        return _insert_in(text, section, f"{key}: {rng.choice(values)}\n", rng)

    def key_name(text: str) -> str:
        section = rng.choice(["totem", "quorum", "nodelist.node", "logging", "x"])
        return _insert_in(text, section, f"{rng.choice(KEYS)}: v\n", rng)

    def top_key(text: str) -> str:
        return text + f"{rng.choice(KEYS)}: v\n"

    def add_section(text: str) -> str:
        return text + ("" if text.endswith("\n") else "\n") + rng.choice(SECTIONS)

    def member(text: str) -> str:
        lines = _lines(text)
        at = [i for i, x in enumerate(lines) if re.match(r"\s*interface\s*\{", x)]
        if not at:
            return text
        i = rng.choice(at) + 1
        return "".join([*lines[:i], rng.choice([MEMBER, MEMBER_BAD]), *lines[i:]])

    def drop_line(text: str) -> str:
        lines = _lines(text)
        del lines[rng.randrange(len(lines))]
        return "".join(lines)

    def dup_line(text: str) -> str:
        lines = _lines(text)
        i = rng.randrange(len(lines))
        return "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])

    def swap_lines(text: str) -> str:
        lines = _lines(text)
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines)

    def poke(text: str) -> str:
        """A character inserted somewhere: braces, colons, NUL, CR, tab, #, a stray byte."""
        if not text:
            return rng.choice(["{", "}", ":", "\x00"])
        i = rng.randrange(len(text) + 1)
        char = rng.choice(["{", "}", ":", "#", "\x00", "\r", "\t", " ", "\udcff", "é", "\n"])
        return text[:i] + char + text[i:]

    def nul_line(text: str) -> str:
        lines = _lines(text)
        i = rng.randrange(len(lines) + 1)
        return "".join(
            [*lines[:i], rng.choice(["\x00garbage\n", "\x00" * 600 + "a: b\n"]), *lines[i:]]
        )

    def long_line(text: str) -> str:
        n = rng.choice([505, 506, 507, 508, 509, 510, 511, 512, 1021, 1100])
        body = "  k: " + "v" * (n - 5)
        end = rng.choice(["\n", "\r\n", ""])
        lines = _lines(text)
        i = rng.randrange(len(lines) + 1)
        if end == "":
            return text + ("" if text.endswith("\n") else "\n") + body.strip()
        return "".join([*lines[:i], body + end, *lines[i:]])

    def crlf(text: str) -> str:
        return text.replace("\n", "\r\n")

    def cut_end(text: str) -> str:
        return text[: rng.randrange(len(text) + 1)]

    def dotted_section(text: str) -> str:
        return text + rng.choice(
            ["totem.interface {\n  mcastport: 99999\n}\n", "quorum.device {\n  votes: x\n}\n"]
        )

    return [set_int, set_int, set_enum, key_name, top_key, add_section, add_section, member,
            drop_line, dup_line, swap_lines, poke, poke, nul_line, long_line, crlf, cut_end,
            dotted_section]  # fmt: skip


def corpus(count: int, seed: int = 15) -> list[str]:
    """`count` inputs, the same ones every run for the same seed."""
    rng = random.Random(seed)
    bases = [(DATA / name).read_bytes().decode("utf-8", "surrogateescape") for name in BASES]
    mutations = _mutations(rng)
    out = []
    for _ in range(count):
        text = rng.choice(bases)
        for _ in range(rng.choice([1, 1, 2, 3])):
            text = rng.choice(mutations)(text)
        out.append(text)
    return out


# --- the real daemon --------------------------------------------------------------------
# Without a network, the totem stage after the reader cannot wait for a name server: each
# run takes 20 ms instead of up to 5 s (the reader's verdict comes before that stage).
_ISOLATED = ["unshare", "--net"] if os.geteuid() == 0 else []


def _verdict_of(name: str, result: subprocess.CompletedProcess[bytes]) -> dict[str, object]:
    """{"ok": True} when the reader took the file (whatever later stages say), else the
    line and message of `parser error: FILE:LINE: MESSAGE`, or {"abort": True}."""
    err = result.stderr.decode("utf-8", "surrogateescape")
    if result.returncode in (-6, 134) or "Assertion" in err:
        return {"abort": True}
    pattern = re.compile(rf"^parser error: {re.escape(name)}:(\d+): (.*)$")
    for line in err.split("\n"):
        match = pattern.match(line)
        if match:
            return {"line": int(match.group(1)), "message": match.group(2)}
        if line == "Can't format parser error message":
            return {"line": None, "message": line}
    return {"ok": True}


def corosync_t(texts: Sequence[str], workers: int = 2) -> list[dict[str, object]]:
    """Real `corosync -t -c FILE` on each text (the reader's verdict only)."""
    with tempfile.TemporaryDirectory(prefix="pvq-ct-") as tmp:

        def one(index: int) -> dict[str, object]:
            path = os.path.join(tmp, f"c{index}.conf")
            Path(path).write_bytes(texts[index].encode("utf-8", "surrogateescape"))
            result = subprocess.run(
                [*_ISOLATED, "corosync", "-t", "-c", path],
                capture_output=True,
                timeout=30,
                check=False,
            )
            return _verdict_of(path, result)

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, range(len(texts))))


# --- the fixed regression set: the cases the issue measured, and a slice of the corpus ----
BASE = "totem {\n  version: 2\n  cluster_name: c\n}\n"
KNOWN = [
    "ab: x\n",
    "abc: x\n",
    BASE + "a b: c\n",
    BASE + "é: x\n",
    "\ufefftotem {\n}\n",
    BASE + "\ufeffkey: v\n",
    "totem {\n  a#b: c\n}\n",
    "totem {\n  a=b: c\n}\n",
    BASE.replace("version: 2", "crypto_model: gcrypt"),
    BASE.replace("version: 2", "knet_compression_model: none"),
    BASE.replace("version: 2", "knet_compression_model: zlib"),
    "system {\n  sched_rr: 1\n}\n",
    "system {\n  move_to_root_cgroup: auto\n}\n",
    "system {\n  allow_knet_handle_fallback: on\n}\n",
    "logging {\n  logger_subsys {\n    debug: on\n  }\n}\n",
    "logging {\n  logging_daemon {\n    subsys: Q\n  }\n}\n",
    "uidgid {\n  uid: no-such-user-pvq\n}\n",
    "uidgid {\n  uid: root\n  gid: root\n}\n",
    "totem {\n  interface {\n    member {\n      addr: 1\n    }\n  }\n}\n",
    "resources {\n  watchdog_timeout: x\n}\n",
    "resources {\n  system {\n    poll_period: x\n  }\n}\n",
    BASE.replace("version: 2", "config_version: -1"),
    BASE.replace("version: 2", "config_version: -18446744073709551616"),
    "totem.token: x\n",
    "\x00 not a line\ntotem {\n}\n",
    "totem {\n  version: 2\n",
    "a {\n  b {\n  }\n\n# end\n",
    "abc/d:e: v\n",
    "a:: x\n",
    "abc: b\rc: d\n",
    "totem {\n  token: 3000\n}\n" + "x" * 510 + "\n",
    "totem {\n  token: 3000\n}\n" + "x" * 511 + "\n",
    "totem {\n}\nabc: " + "v" * 505,
    "totem {\n}\nabc: " + "v" * 506,
    "\x00" * 600 + "abc: d\n}\n",
    "uidgid {\n  uid: 4294967295\n}\n",
]


def regression_inputs() -> list[str]:
    return KNOWN + corpus(400, seed=1515)


def record(path: Path) -> None:
    """Write the fixture: each regression input with real corosync's verdict on it."""
    import base64
    import json

    version = subprocess.run(["corosync", "-v"], capture_output=True, text=True).stdout
    texts = regression_inputs()
    cases = [
        {"input": base64.b64encode(t.encode("utf-8", "surrogateescape")).decode(), **v}
        for t, v in zip(texts, corosync_t(texts), strict=True)
    ]
    head = version.splitlines()[0] if version else "corosync"
    path.write_text(json.dumps({"corosync": head, "cases": cases}, indent=0) + "\n")


if __name__ == "__main__":
    import sys

    record(Path(sys.argv[1]))
