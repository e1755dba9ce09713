"""Speed of reading a config: medians of several runs, printed against the target.

    .venv/bin/python benchmarks/bench_conf.py

Target (issue 15): parse and validate a 64-node corosync.conf in 5 ms or less.  Also
printed: the parse alone, corosync's reader verdict (`corosync_verdict`, the replay of
its callback) and Proxmox's parser, for where the time goes.
"""

from __future__ import annotations

from bench_core import median_ms, report

from pvequorum.conf import corosync, pve
from pvequorum.conf.validate import validate_corosync

RUNS = 31


def proxmox_conf(nodes: int) -> str:
    """A corosync.conf as Proxmox writes it, with two links per node."""
    body = "".join(
        f"  node {{\n    name: pve{i}\n    nodeid: {i}\n    quorum_votes: 1\n"
        f"    ring0_addr: 10.0.{i // 250}.{i % 250 + 1}\n"
        f"    ring1_addr: 10.1.{i // 250}.{i % 250 + 1}\n  }}\n"
        for i in range(1, nodes + 1)
    )
    return (
        "logging {\n  debug: off\n  to_syslog: yes\n}\n\n"
        f"nodelist {{\n{body}}}\n\n"
        "quorum {\n  provider: corosync_votequorum\n}\n\n"
        "totem {\n  cluster_name: big\n  config_version: 64\n  interface {\n    linknumber: 0\n"
        "  }\n  interface {\n    linknumber: 1\n  }\n  ip_version: ipv4-6\n  link_mode: passive\n"
        "  secauth: on\n  token_coefficient: 125\n  version: 2\n}\n\n"
    )


def main() -> None:
    text = proxmox_conf(64)
    doc = corosync.parse(text)
    findings = validate_corosync(doc)
    print(f"findings on the 64-node file: {[f.code for f in findings]}")
    report("parse, 64-node corosync.conf", median_ms(lambda: corosync.parse(text), RUNS))
    report(
        "parse + validate, 64-node corosync.conf",
        median_ms(lambda: validate_corosync(corosync.parse(text)), RUNS),
        5,
    )
    report(
        "corosync's reader verdict, 64 nodes",
        median_ms(lambda: corosync.corosync_verdict(text), RUNS),
    )
    report("Proxmox's parse_conf, 64 nodes", median_ms(lambda: pve.parse_conf(text), RUNS))


if __name__ == "__main__":
    main()
