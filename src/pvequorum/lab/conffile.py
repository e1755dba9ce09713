"""The corosync.conf a lab node runs with (pure): the cluster's quorum options as given.

Absent quorum keys stay absent (the scenario format's contract: `two_node: 1` turns
wait_for_all on only when `wait_for_all` is absent), knet transport, crypto off inside the
private namespaces, the token of the cluster or 1000 ms for speed.  With the links extension
(docs/scenario-format.md, "Extension: links") every node gets one `ringK_addr` per link,
totem one `interface { linknumber: K }` per link (as `pvecm create` writes them), and
`link_mode` and `knet_link_priority` only where the scenario gives them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pvequorum.model import Cluster
from pvequorum.scenario import LinkSettings

LAB_TOKEN_MS = 1000


def lab_corosync_conf(
    cluster: Cluster,
    addresses: Mapping[str, Sequence[str]],
    logfile: str,
    links: LinkSettings | None = None,
    qnetd_host: str | None = None,
) -> str:
    """`addresses[node][K]` is the node's address on link K; links beyond
    `links.count` (1 without the extension) are networks the lab has but corosync does
    not use yet (the add-link and change-address procedures use them).  `qnetd_host`: the
    lab's qnetd, written as `host` with `tls: on`, as `pvecm qdevice setup` writes them
    (docs/scenario-format.md, "How the lab writes `cluster.quorum.device`")."""
    count = 1 if links is None else links.count
    for name, node_addresses in addresses.items():
        if isinstance(node_addresses, str):
            # A string is a Sequence[str] too: "10.0.0.1"[0] would become ring0_addr "1".
            raise TypeError(f"addresses[{name!r}] must be a list of addresses, one per link")
    priority = dict(links.link_priority or ()) if links is not None else {}
    lines = [
        "totem {",
        "  version: 2",
        f"  cluster_name: {cluster.name}",
        f"  config_version: {cluster.config_version or 1}",
        "  transport: knet",
        "  crypto_cipher: none",
        "  crypto_hash: none",
        f"  token: {cluster.totem.token or LAB_TOKEN_MS}",
    ]
    if cluster.totem.token_coefficient is not None:
        lines.append(f"  token_coefficient: {cluster.totem.token_coefficient}")
    if cluster.totem.consensus is not None:
        lines.append(f"  consensus: {cluster.totem.consensus}")
    if links is not None and links.link_mode is not None:
        lines.append(f"  link_mode: {links.link_mode}")
    for link in range(count):
        lines += ["  interface {", f"    linknumber: {link}"]
        if link in priority:
            lines.append(f"    knet_link_priority: {priority[link]}")
        lines.append("  }")
    lines += ["}", "", "nodelist {"]
    for node in cluster.nodes:
        lines += ["  node {", f"    name: {node.name}", f"    nodeid: {node.nodeid}"]
        if node.votes is not None:
            lines.append(f"    quorum_votes: {node.votes}")
        lines += [f"    ring{k}_addr: {addresses[node.name][k]}" for k in range(count)]
        lines.append("  }")
    lines += ["}", "", "quorum {", "  provider: corosync_votequorum"]
    for key, value in cluster.quorum.to_dict().items():
        if key == "device":
            device = cluster.quorum.device
            assert device is not None
            lines += ["  device {", f"    model: {device.model}"]
            if device.votes is not None:
                lines.append(f"    votes: {device.votes}")
            lines.append("    net {")
            if qnetd_host is not None:
                lines.append("      tls: on")
            lines += [
                f"      host: {qnetd_host or device.host or '127.0.0.1'}",
                f"      algorithm: {device.algorithm}",
                f"      tie_breaker: {device.tie_breaker}",
                "    }",
                "  }",
            ]
        else:
            lines.append(f"  {key}: {value}")
    lines += [
        "}",
        "",
        "logging {",
        "  to_logfile: yes",
        f"  logfile: {logfile}",
        "  to_syslog: no",
        "  to_stderr: no",
        "  timestamp: on",
        "}",
        "",
    ]
    return "\n".join(lines)
