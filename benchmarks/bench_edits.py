"""`config edit` parses its input once: the count per action, and the edit time at 64 nodes.

    .venv/bin/python benchmarks/bench_edits.py

Every parse function (`conf.corosync.parse`, `conf.clusterconf.parse`, and Proxmox's parser
in `conf.pve`) is wrapped with a counter while `pvequorum config edit` runs in this
process.  A call on the input file's text is a parse of the input: target exactly 1 per
edit (`config edit` parses the file, the transform edits that document in place, the
findings are those of the edited document).  The other calls are listed apart: the few
new lines an edit writes are read back by the parser on their own (a text of a few lines,
not the file), and the CQ230/CQ231 checks run Proxmox's parser on the result.  Times are medians
of several runs for a 64-node file, the whole command in process (diff printed to
/dev/null) and the transform alone.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench_core import median_ms

from pvequorum.cli import main as cli_main
from pvequorum.conf import clusterconf, corosync, edits, pve

NODES = 64
RUNS = 21


def corosync_conf(n: int) -> str:
    """A 64-node corosync.conf in the layout `pvecm` writes."""
    nodes = "".join(
        f"  node {{\n    name: pve{i}\n    nodeid: {i}\n    quorum_votes: 1\n"
        f"    ring0_addr: 10.0.{i // 250}.{i % 250 + 1}\n  }}\n"
        for i in range(1, n + 1)
    )
    return (
        "logging {\n  debug: off\n  to_syslog: yes\n}\n\n"
        f"nodelist {{\n{nodes}}}\n\n"
        "quorum {\n  provider: corosync_votequorum\n}\n\n"
        "totem {\n  cluster_name: big\n  config_version: 7\n  interface {\n"
        "    linknumber: 0\n  }\n  ip_version: ipv4-6\n  link_mode: passive\n"
        "  secauth: on\n  version: 2\n}\n"
    )


def cluster_conf(n: int) -> str:
    """A 64-node cluster.conf as `pvecm create` / `pvecm add` write it (PVE 3)."""
    nodes = "".join(
        f'    <clusternode name="pve{i}" votes="1" nodeid="{i}"/>\n' for i in range(1, n + 1)
    )
    return (
        '<?xml version="1.0"?>\n<cluster name="big" config_version="7">\n\n'
        '  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">\n  </cman>\n\n'
        f"  <clusternodes>\n{nodes}  </clusternodes>\n\n</cluster>\n"
    )


ACTIONS: dict[str, list[str]] = {
    "--two-node": ["--two-node"],
    "--votes pve64=2": ["--votes", "pve64=2"],
    "--expected-votes 40": ["--expected-votes", "40"],
    "--add-node pve65": ["--add-node", "pve65", "--address", "10.0.9.65"],
    "--remove-node pve1": ["--remove-node", "pve1"],
    "--add-qdevice": ["--add-qdevice", "10.0.9.1"],
}
CMAN_ACTIONS = ("--two-node", "--votes pve64=2", "--expected-votes 40", "--add-node pve65")


@contextlib.contextmanager
def counting(input_text: str) -> Iterator[Counter[str]]:
    """Count calls of every parse function, the input's text apart from any other text."""
    counts: Counter[str] = Counter()
    names = [(corosync, "parse"), (clusterconf, "parse"), (pve, "parse_conf"), (pve, "read")]
    wrapped: list[tuple[Any, str, Callable[..., Any]]] = [
        (module, attr, getattr(module, attr)) for module, attr in names if hasattr(module, attr)
    ]

    def counter(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(text: str, *args: Any, **kwargs: Any) -> Any:
            lines = text.count("\n")
            counts["input" if text == input_text else f"{name} of a {lines}-line text"] += 1
            return original(text, *args, **kwargs)

        return call

    for module, attr, original in wrapped:
        setattr(module, attr, counter(f"{module.__name__.rsplit('.', 1)[-1]}.{attr}", original))
    try:
        yield counts
    finally:
        for module, attr, original in wrapped:
            setattr(module, attr, original)


def run_cli(argv: list[str]) -> int:
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        return cli_main(argv)


def bench(kind: str, text: str, actions: list[str], tmp: str) -> bool:
    """Print the parse counts of each action and the edit times; True when all parsed once."""
    path = Path(tmp) / kind
    path.write_text(text)
    print(f"== {kind}, {NODES} nodes, {len(text)} bytes")
    ok = True
    for name in actions:
        with counting(text) as counts:
            status = run_cli(["config", "edit", str(path), *ACTIONS[name], "--force"])
        ok &= status == 0 and counts["input"] == 1
        others = ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()) if k != "input")
        shown = f"{name}: exit {status}, parses of the input: {counts['input']}"
        print((f"  {shown:<58}" + (f" (also: {others})" if others else "")).rstrip())
    argv = ["config", "edit", str(path), *ACTIONS["--add-node pve65"]]
    address = "10.0.9.65" if kind == "corosync.conf" else None
    whole = median_ms(lambda: run_cli(argv), RUNS)
    alone = median_ms(lambda: edits.add_node(text, "pve65", address), RUNS)
    print(f"  {'config edit --add-node pve65 (whole command, in process)':<58} {whole:7.2f} ms")
    print(f"  {'edits.add_node alone (parse, edit, bump, validate, diff)':<58} {alone:7.2f} ms")
    return ok


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ok = bench("corosync.conf", corosync_conf(NODES), list(ACTIONS), tmp)
        ok &= bench("cluster.conf", cluster_conf(NODES), list(CMAN_ACTIONS), tmp)
    print("parses of the input: 1 per edit" if ok else "MISSED: an edit parsed its input twice")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
