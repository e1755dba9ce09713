"""The lab's QDevice (an edge): a qnetd host, its certificates, corosync-qdevice per node.

What `pvecm qdevice setup` builds, in namespaces (reference 3.4; docs/scenario-format.md,
"Extension: QDevice"):

* a qnetd host of its own, `pvq<I>-qn`, on a network of its own: a bridge `qbr` in the lab's
  switch, the host at 10.221.<I>.254 and every node at 10.221.<I>.<nodeid> on a second port.
  `partition` and `heal` never touch this network; `isolate-qdevice` takes a node's port off
  the bridge (frames vanish, no connection is reset), as the contract says;
* the NSS databases, made by the packages' own tools in the order `pvecm qdevice setup`
  uses: the CA and server certificate on the qnetd host, the node database with the CA
  certificate and a certificate request on the first node, the request signed for the
  cluster's name on the qnetd host, imported into a PKCS#12 file on the first node, and
  that file imported on every other node;
* `corosync-qnetd -f` on the qnetd host and `corosync-qdevice -f` on a node, each in a
  private mount namespace where the lab's directories are bound over `/run` and over the
  daemon's certificate directory, so that several labs share one machine.

Values (directories, the cluster name) are passed as the scripts' arguments, never into
their text.
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pvequorum.errors import PrerequisiteError
from pvequorum.lab.process import in_namespace, in_private_mounts, kill, ours, run

QNETD_SUBNET = "10.221"  # 10.221.<lab index>.<nodeid>; 10.213..10.220 are links 0..7
QNETD_HOST_ID = 254
QNETD_PORT = 5403
QNETD_CERTS = "/etc/corosync/qnetd"  # nssdb/ below it (corosync-qnetd-certutil)
QDEVICE_CERTS = "/etc/corosync/qdevice/net"  # nssdb/ below it (corosync-qdevice-net-certutil)
QDEVICE_OUTPUT = "qdevice.log"  # a node's corosync-qdevice stdout and stderr, in its directory
QNETD_READY_S = 10.0
STOP_WAIT_S = 10.0
PACKAGE_TOOLS = {
    "corosync-qnetd": "corosync-qnetd",
    "corosync-qnetd-certutil": "corosync-qnetd",
    "corosync-qnetd-tool": "corosync-qnetd",
    "corosync-qdevice": "corosync-qdevice",
    "corosync-qdevice-net-certutil": "corosync-qdevice",
    "corosync-qdevice-tool": "corosync-qdevice",
}


def check_prerequisites() -> None:
    """The two Debian packages; a clear one-line error otherwise."""
    import shutil

    for tool, package in PACKAGE_TOOLS.items():
        if shutil.which(tool) is None:
            raise PrerequisiteError(
                f"a lab with a QDevice needs `{tool}` (Debian package {package})"
            )


@dataclass
class QnetdHost:
    """The qnetd host's names; `ports` is (switch end, host end) on the qnetd network."""

    netns: str
    address: str
    ports: list[str]
    directory: str
    pid: int | None = None


def qnetd_address(index: int, host_id: int = QNETD_HOST_ID) -> str:
    return f"{QNETD_SUBNET}.{index}.{host_id}"


def _mount_points() -> None:
    """Empty directories to bind over; the host keeps nothing in them."""
    for path in (QNETD_CERTS, QDEVICE_CERTS):
        Path(path).mkdir(mode=0o755, parents=True, exist_ok=True)


def _in_mounts(
    netns: str | None, binds: list[tuple[str, str]], command: str, *args: str
) -> list[str]:
    """argv that binds each (source, target) and then runs `command` ("$@"-style args).

    Without `netns` it runs in the host's network namespace (certificates need no network)."""
    script = "".join(
        f'mount --bind "${{{2 * i + 1}}}" "${{{2 * i + 2}}}" && ' for i in range(len(binds))
    )
    script += f"shift {2 * len(binds)} && {command}"
    values = [value for bind in binds for value in bind]
    if netns is None:
        return in_private_mounts(script, "lab", *values, *args)
    return in_namespace(netns, script, "lab", *values, *args)


def _node_binds(directory: str) -> list[tuple[str, str]]:
    return [
        (f"{directory}/run", "/run"),
        (f"{directory}/varlib", "/var/lib/corosync"),
        (f"{directory}/qdevice", QDEVICE_CERTS),
    ]


def _qnetd_binds(host: QnetdHost) -> list[tuple[str, str]]:
    return [(f"{host.directory}/run", "/run"), (f"{host.directory}/etc", QNETD_CERTS)]


def make_certificates(host: QnetdHost, node_directories: list[str], cluster_name: str) -> float:
    """The NSS databases of the qnetd host and of every node, as `pvecm qdevice setup` makes
    them (reference 3.4); the seconds it took.  `node_directories[0]` is the first node."""
    began = time.monotonic()
    init_qnetd(host)
    node_certificates(host, node_directories, cluster_name)
    return time.monotonic() - began


def _directories(*directories: str) -> None:
    _mount_points()
    for directory in directories:
        for sub in ("etc", "qdevice", "run"):
            (Path(directory) / sub).mkdir(parents=True, exist_ok=True)


def init_qnetd(host: QnetdHost) -> None:
    """The qnetd host's CA and server certificate (the corosync-qnetd package's postinst
    runs `corosync-qnetd-certutil -i`); a database that exists already is kept."""
    _directories(host.directory)
    if not (Path(host.directory) / "etc" / "nssdb").exists():
        run(_in_mounts(None, _qnetd_binds(host), '"$@"', "corosync-qnetd-certutil", "-i"))


def node_certificates(host: QnetdHost, node_directories: list[str], cluster_name: str) -> None:
    """What `pvecm qdevice setup` does after the qnetd host's own `-i`: the first node's
    database and request, the cluster certificate signed on the qnetd host, its PKCS#12
    file imported on the first node and then on every other one."""
    _directories(*node_directories)
    exchange = Path(host.directory) / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    qnetd = _qnetd_binds(host)
    ca = f"{host.directory}/etc/nssdb/qnetd-cacert.crt"
    first, others = node_directories[0], node_directories[1:]
    steps: list[list[str]] = [
        _in_mounts(
            None, _node_binds(first), '"$@"', "corosync-qdevice-net-certutil", "-i", "-c", ca
        ),
        _in_mounts(
            None,
            _node_binds(first),
            'corosync-qdevice-net-certutil -r -n "$1" && cp "$2" "$3"',
            cluster_name,
            f"{QDEVICE_CERTS}/nssdb/qdevice-net-node.crq",
            str(exchange / "qdevice-net-node.crq"),
        ),
        _in_mounts(
            None,
            qnetd,
            'cd "$4" && corosync-qnetd-certutil -s -c "$1" -n "$2" && cp "cluster-$2.crt" "$3"',
            str(exchange / "qdevice-net-node.crq"),
            cluster_name,
            str(exchange / "cluster.crt"),
            f"{QNETD_CERTS}/nssdb",
        ),
        _in_mounts(
            None,
            _node_binds(first),
            'corosync-qdevice-net-certutil -M -c "$1" && cp "$2" "$3"',
            str(exchange / "cluster.crt"),
            f"{QDEVICE_CERTS}/nssdb/qdevice-net-node.p12",
            str(exchange / "qdevice-net-node.p12"),
        ),
    ]
    for directory in others:
        binds = _node_binds(directory)
        steps.append(
            _in_mounts(None, binds, '"$@"', "corosync-qdevice-net-certutil", "-i", "-c", ca)
        )
        steps.append(
            _in_mounts(
                None,
                binds,
                '"$@"',
                "corosync-qdevice-net-certutil",
                "-m",
                "-c",
                str(exchange / "qdevice-net-node.p12"),
            )
        )
    for argv in steps:
        run(argv, timeout=60)


def _spawn(argv: list[str], log: Path) -> int:
    with open(log, "ab") as out:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process.pid


def start_qnetd(host: QnetdHost) -> None:
    """`corosync-qnetd -f` on the qnetd host, returned once its tool answers."""
    if ours(host.pid, host.netns):
        return
    host.pid = _spawn(
        _in_mounts(
            host.netns,
            _qnetd_binds(host),
            'mkdir -p /run/corosync-qnetd && exec "$@"',
            "corosync-qnetd",
            "-f",
        ),
        Path(host.directory) / "qnetd.log",
    )
    deadline = time.monotonic() + QNETD_READY_S
    while qnetd_tool(host, "-l") is None:
        if not ours(host.pid, host.netns):
            raise PrerequisiteError(
                f"corosync-qnetd exited at start; see {host.directory}/qnetd.log"
            )
        if time.monotonic() > deadline:
            raise PrerequisiteError(f"corosync-qnetd did not answer in {QNETD_READY_S:.0f} s")
        time.sleep(0.1)


def start_qdevice(netns: str, directory: str) -> int:
    """`corosync-qdevice -f` inside a node whose corosync runs; its pid."""
    return _spawn(
        _in_mounts(
            netns,
            _node_binds(directory),
            'mkdir -p /run/corosync-qdevice && exec "$@"',
            "corosync-qdevice",
            "-f",
        ),
        Path(directory) / QDEVICE_OUTPUT,
    )


def stop(pid: int | None, netns: str, sig: signal.Signals) -> None:
    """Send `sig` and wait until the daemon is gone (SIGKILL after STOP_WAIT_S)."""
    if not ours(pid, netns):
        return
    kill(pid, sig)
    deadline = time.monotonic() + STOP_WAIT_S
    while ours(pid, netns) and time.monotonic() < deadline:
        time.sleep(0.05)
    if ours(pid, netns):
        kill(pid, signal.SIGKILL)


def qnetd_tool(host: QnetdHost, *args: str, timeout: float = 5.0) -> str | None:
    """`corosync-qnetd-tool ARGS` on the qnetd host; None when it does not answer."""
    return _tool(
        _in_mounts(host.netns, _qnetd_binds(host), '"$@"', "corosync-qnetd-tool", *args), timeout
    )


def qdevice_tool(netns: str, directory: str, *args: str, timeout: float = 5.0) -> str | None:
    """`corosync-qdevice-tool ARGS` on a node; None when it does not answer."""
    return _tool(
        _in_mounts(netns, _node_binds(directory), '"$@"', "corosync-qdevice-tool", *args), timeout
    )


def qdevice_tool_run(
    netns: str, directory: str, *args: str, timeout: float = 5.0
) -> subprocess.CompletedProcess[str]:
    """`corosync-qdevice-tool ARGS` on a node as an admin runs it: its exit status, output
    and error text, also when the node's corosync-qdevice does not run; exit 124 and
    "timed out" when it has not answered in `timeout`.  Only /run is bound (the tool's
    socket lives in /run/corosync-qdevice), so it answers on a node that never had a device."""
    argv = _in_mounts(netns, [(f"{directory}/run", "/run")], '"$@"', "corosync-qdevice-tool", *args)
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        partial = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
        return subprocess.CompletedProcess(argv, 124, partial, "timed out")


def _tool(argv: list[str], timeout: float) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return done.stdout if done.returncode == 0 else None
