"""Speed of `pvequorum diagnose` on a day of evidence: medians of several runs, printed
against the target.

    .venv/bin/python benchmarks/bench_diagnose.py

Target: a 5-node bundle with a day of journal per node (about 20,000 lines each, in
journalctl's short-iso form: corosync's knet and totem lines, pmxcfs, the HA daemons and
systemd, most of them no event) plus every node's status, cfgtool and config files is
read and diagnosed, and the text printed, in <= 200 ms (`pvequorum diagnose BUNDLE` minus
the interpreter's start; median of 7 runs).  Exit 1 when the target is missed.
"""

from __future__ import annotations

import io
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

from bench_core import median_ms, report

from pvequorum import bundle
from pvequorum.bundleio import read_bundle
from pvequorum.cli import main
from pvequorum.diagnosis import diagnose

TARGET_MS = 200.0
RUNS = 7
NODES = 5
LINES_PER_NODE = 20_000
DAY_START = 1796205600  # 2026-12-03T00:00:00Z (short-iso prints it as +0000)
CLUSTER = "prod"


def names() -> list[str]:
    return [f"pve{i}" for i in range(1, NODES + 1)]


def conf() -> str:
    nodes = "".join(
        f"  node {{\n    name: pve{i}\n    nodeid: {i}\n    quorum_votes: 1\n"
        f"    ring0_addr: 10.10.10.{i}\n    ring1_addr: 10.20.20.{i}\n  }}\n"
        for i in range(1, NODES + 1)
    )
    return (
        "logging {\n  debug: off\n  to_syslog: yes\n}\n\n"
        f"nodelist {{\n{nodes}}}\n\n"
        "quorum {\n  provider: corosync_votequorum\n}\n\n"
        f"totem {{\n  cluster_name: {CLUSTER}\n  config_version: 7\n  interface {{\n"
        "    linknumber: 0\n  }\n  interface {\n    linknumber: 1\n  }\n"
        "  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  version: 2\n}\n"
    )


def pvecm_status(local: int) -> str:
    rows = "".join(
        f"0x{i:08x}          1 10.10.10.{i}{' (local)' if i == local else ''}\n"
        for i in range(1, NODES + 1)
    )
    return (
        "Cluster information\n-------------------\n"
        f"Name:             {CLUSTER}\nConfig Version:   7\nTransport:        knet\n"
        "Secure auth:      on\n\n"
        "Quorum information\n------------------\n"
        "Date:             Fri Dec  4 00:00:05 2026\nQuorum provider:  corosync_votequorum\n"
        f"Nodes:            {NODES}\nNode ID:          0x{local:08x}\nRing ID:          1.5f4\n"
        "Quorate:          Yes\n\n"
        "Votequorum information\n----------------------\n"
        f"Expected votes:   {NODES}\nHighest expected: {NODES}\nTotal votes:      {NODES}\n"
        f"Quorum:           {NODES // 2 + 1}  \nFlags:            Quorate \n\n"
        "Membership information\n----------------------\n"
        "    Nodeid      Votes Name\n" + rows
    )


def cfgtool_s(local: int) -> str:
    out = [f"Local node ID {local}, transport knet"]
    for link, net in ((0, "10.10.10"), (1, "10.20.20")):
        out += [f"LINK ID {link} udp", f"\taddr\t= {net}.{local}", "\tstatus:"]
        for i in range(1, NODES + 1):
            state = "localhost" if i == local else "connected"
            out.append(f"\t\tnodeid: {i:>10}:\t{state}")
    return "\n".join(out) + "\n"


def journal(node: str, local: int, rng: random.Random) -> str:
    """A day of `journalctl -o short-iso -u corosync -u pve-cluster ...` on a busy node:
    mostly lines that carry no event, a few hundred that do."""
    peers = [i for i in range(1, NODES + 1) if i != local]
    noise = [
        "pmxcfs[1180]: [status] notice: received log",
        "pmxcfs[1180]: [dcdb] notice: data verification successful",
        "pmxcfs[1180]: [status] notice: RRDC update error /var/lib/rrdcached/db/pve2-node/"
        f"{node}: -1",
        "corosync[1204]:   [KNET  ] pmtud: PMTUD link change for host: {p} link: 0 from 469 to "
        "1397",
        "corosync[1204]:   [KNET  ] pmtud: Global data MTU changed to: 1397",
        "corosync[1204]:   [KNET  ] host: host: {p} (passive) best link: 0 (pri: 1)",
        "pve-ha-lrm[1502]: loop take too long (31 seconds)",
        "pve-ha-crm[1490]: loop take too long (35 seconds)",
        "pve-ha-lrm[1502]: starting service vm:{vm}",
        "pve-ha-lrm[1502]: service status vm:{vm} started",
        "pve-ha-crm[1490]: service 'vm:{vm}': state changed from 'request_stop' to 'stopped'",
        "watchdog-mux[905]: client watchdog is about to expire",
        "systemd[1]: pve-ha-lrm.service: Consumed 1min 2.345s CPU time.",
        "corosync[1204]:   [TOTEM ] Token has not been received in 2250 ms",
    ]
    weights = [30, 20, 10, 8, 2, 6, 6, 4, 3, 3, 2, 1, 1, 1]
    events = [
        "corosync[1204]:   [KNET  ] link: host: {p} link: 0 is down",
        "corosync[1204]:   [KNET  ] rx: host: {p} link: 0 is up",
        "corosync[1204]:   [TOTEM ] Retransmit List: 1a 1b 1c",
        "corosync[1204]:   [TOTEM ] A new membership (1.{ring:x}) was formed. Members joined: {p}",
        "corosync[1204]:   [QUORUM] Members[5]: 1 2 3 4 5",
        "corosync[1204]:   [QUORUM] This node is within the primary component and will provide "
        "service.",
        "pmxcfs[1180]: [dcdb] notice: members: 1/1180, 2/1177, 3/1190, 4/1201, 5/1188",
        "pmxcfs[1180]: [status] notice: node has quorum",
    ]
    lines = []
    ring = 0x500
    for number in range(LINES_PER_NODE):
        when = DAY_START + number * 86400 // LINES_PER_NODE
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(when))
        if rng.random() < 0.02:
            text = rng.choice(events)
            ring += 1
        else:
            text = rng.choices(noise, weights)[0]
        text = text.format(p=rng.choice(peers), vm=rng.randint(100, 140), ring=ring)
        lines.append(f"{stamp} {node} {text}")
    return "\n".join(lines) + "\n"


def build(root: Path) -> Path:
    rng = random.Random(18)
    config = conf()
    for local, node in enumerate(names(), 1):
        folder = root / node
        folder.mkdir(parents=True)
        files = {
            bundle.PVECM_STATUS: pvecm_status(local),
            bundle.QUORUMTOOL_L: "",
            bundle.CFGTOOL_S: cfgtool_s(local),
            bundle.CFGTOOL_N: "",
            bundle.LOCAL_CONF: config,
            bundle.CLUSTER_CONF: config,
            bundle.JOURNAL: journal(node, local, rng),
            bundle.PVEVERSION: "proxmox-ve: 8.2.0 (running kernel: 6.8.4-2-pve)\n"
            "corosync: 3.1.7-pve3\n",
            bundle.HA_STATUS: f"quorum OK\nmaster pve1 (active, Fri Dec  4 00:00:01 2026)\n"
            f"lrm {node} (active, Fri Dec  4 00:00:03 2026)\n",
        }
        for name, text in files.items():
            (folder / name).write_text(text)
        (folder / bundle.COLLECTED).write_text(
            json.dumps(
                {
                    "format": bundle.FORMAT,
                    "node": node,
                    "collected_at": "2026-12-04T00:00:05Z",
                    "since": "-1d",
                    "executor": f"ssh:{node}",
                    "commands": [
                        {"file": n, "argv": list(a), "exit": 0} for n, a in bundle.commands("-1d")
                    ],
                    "unreachable": None,
                }
            )
        )
    return root


def cli(path: Path, *extra: str) -> Callable[[], None]:
    def once() -> None:
        out = io.StringIO()
        with redirect_stdout(out):
            code = main(["diagnose", str(path), *extra])
        if code not in (0, 1):
            raise SystemExit(f"pvequorum diagnose exited {code}")

    return once


def main_bench() -> int:
    with tempfile.TemporaryDirectory(prefix="pvequorum-bench-") as tmp:
        path = build(Path(tmp) / "bundle")
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        lines = sum((path / n / bundle.JOURNAL).read_text().count("\n") for n in names())
        result = diagnose(read_bundle(path))
        events = sum(
            len(n.journal.entries) for n in read_bundle(path).nodes if n.journal is not None
        )
        print(
            f"bundle: {NODES} nodes, {lines:,} journal lines ({events:,} events), "
            f"{size / 1e6:.1f} MB; verdict {result.verdict}, findings "
            f"{', '.join(result.kinds())}"
        )
        report("read_bundle", median_ms(lambda: read_bundle(path), RUNS))
        report("read_bundle + diagnose", median_ms(lambda: diagnose(read_bundle(path)), RUNS))
        text_ms = median_ms(cli(path), RUNS)
        json_ms = median_ms(cli(path, "--json"), RUNS)
        report("`pvequorum diagnose BUNDLE` (in process)", text_ms, TARGET_MS)
        report("`pvequorum diagnose BUNDLE --json` (in process)", json_ms, TARGET_MS)
    return 0 if max(text_ms, json_ms) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main_bench())
