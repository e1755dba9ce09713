"""Parse and render `corosync-qdevice-tool -s`/`-sv` and `corosync-qnetd-tool -l`/`-lv`, byte
for byte (reference 5.5).

These are what an operator reads to know whether a node's qdevice is connected to its QNetd
server and whether it casts its vote, and what the QNetd server says it answered to every
node of every cluster.  As with `pvequorum.cfgtool`, the parsers accept exactly the text the
tools of corosync-qdevice 3.0.3 can print and nothing else, and the renderers print it again:
`render_qdevice_status(parse_qdevice_status(text)) == text` for every valid output, and
`parse_qdevice_status(render_qdevice_status(value)) == value` for every value (the same for
`parse_qnetd_list` / `render_qnetd_list`).

Source: corosync-qdevice v3.0.3.  Both tools copy the daemon's IPC reply to stdout unchanged
(`read_ipc_reply` in `qdevices/corosync-qdevice-tool.c` and `corosync-qnetd-tool.c`), so the
layout is that of the daemons' `dynar_str_catf` calls:

* `-s`/`-sv`: `qdevice_ipc_cmd_status` (`qdevices/qdevice-ipc-cmd.c`) prints the block
  "Qdevice information", an empty line, then the model's block; the only model is `Net`,
  whose block "Qdevice-net information" is `qdevice_net_ipc_cmd_status`
  (`qdevices/qdevice-net-ipc-cmd.c`).  `-v` adds lines inside both blocks; the words come
  from `qdevices/tlv.c` (`tlv_*_to_str`), `qdevices/qdevice-heuristics-mode.c` and
  `qdevices/qdevice-model.c`; the number formats from `qdevices/utils.h` (`UTILS_PRI_*`:
  node ids `%u`, ring ids `%x.%x`, config versions `%llu`).
* `-l`/`-lv`: `qnetd_ipc_cmd_list` (`qdevices/qnetd-ipc-cmd.c`): one block per cluster with
  at least one client (`qnetd-cluster-list.c` drops a cluster with its last client), and
  nothing at all when no cluster is connected: the empty text is a valid `-l` output.

Every parse error is a `QdeviceToolError` (an `InputError`) whose one line names the source
and the line and shows the line escaped (`cvalues.printable`); input beyond
`MAX_QDEVICETOOL_BYTES` is refused before it is split, and so is a line beyond
`MAX_QDEVICETOOL_LINE`; every pattern is bounded.  Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

from pvequorum.cvalues import one_line, printable
from pvequorum.errors import InputError
from pvequorum.limits import MAX_NODES, MAX_UINT32
from pvequorum.textio import MAX_INPUT_BYTES

__all__ = [
    "MAX_QDEVICETOOL_BYTES",
    "MAX_QDEVICETOOL_LINE",
    "AckNack",
    "Algorithm",
    "ClientVerbose",
    "ConfiguredNode",
    "HeuristicsMode",
    "HeuristicsResult",
    "KapTieBreaker",
    "ListedNode",
    "NetHeuristics",
    "NetState",
    "NetVerbose",
    "NodeState",
    "QdeviceInfo",
    "QdeviceNetInfo",
    "QdeviceStatus",
    "QdeviceToolError",
    "QdeviceVerbose",
    "QnetdClient",
    "QnetdCluster",
    "QnetdList",
    "QuorumNode",
    "RingId",
    "TieBreaker",
    "TieBreakerMode",
    "TlsSupport",
    "Vote",
    "parse",
    "parse_qdevice_status",
    "parse_qnetd_list",
    "render",
    "render_qdevice_status",
    "render_qnetd_list",
]

MAX_QDEVICETOOL_BYTES: int = MAX_INPUT_BYTES
"""Largest text read (4 MiB, counted in characters), the kit's limit for any operator file.

A `-sv` of a 384-node cluster (corosync's limit) is about 30 KB.  `-lv` has no bound of its
own (a QNetd server takes any number of clusters); a 3-node client block is about 500
bytes, so 4 MiB holds thousands of them, and parsing 4 MiB takes well under 2 s.
"""

MAX_QDEVICETOOL_LINE: int = 64 * 1024
"""Longest line read (64 KiB).  The longest line the tools print at corosync's limits is a
`-lv` node list of 384 nodes with data center ids, about 10 KB."""

MAX_UINT16 = 2**16 - 1
MAX_UINT64 = 2**64 - 1
MAX_SIZE_T = 2**64 - 1

Model = Literal["Net"]
"""`qdevice_model_type_to_str`: `Net` is the only model with a status block."""

HeuristicsMode = Literal["Disabled", "Enabled", "Enabled only on sync", "Undefined"]
"""`qdevice_heuristics_mode_to_str`: the `Heuristics:` line of `-sv`."""

HeuristicsResult = Literal["Undefined", "Pass", "Fail"]
"""`tlv_heuristics_to_str`: a heuristics result on either side."""

NodeState = Literal["member", "dead", "leaving"]
"""`qdevice_ipc_cmd_vq_nodestate_to_str`: a votequorum node state (anything else exits)."""

Algorithm = Literal["Test", "Fifty-Fifty split", "2 Node LMS", "LMS", "Unknown algorithm"]
"""`tlv_decision_algorithm_type_to_str`."""

TlsSupport = Literal["Unsupported", "Supported", "Required"]
"""`tlv_tls_supported_to_str`: the qdevice's `TLS:` line of `-sv`."""

NetState = Literal["Connected", "Connecting", "Connect failed", "Disconnected"]
"""`qdevice_net_ipc_cmd_status_add_state`: the connection to QNetd."""

KapTieBreaker = Literal[
    "Enabled",
    "Disabled",
    "Unsupported by QNetd",
    "Algorithm hard-coded",
    "Unsupported by algorithm",
    "",
]
"""`qdevice_net_ipc_cmd_status_add_kap_tb_info`: the keep-active-partition tie-breaker, by
algorithm (the empty string for an unknown algorithm)."""

Vote = Literal["ACK", "NACK", "Ask later", "Wait for reply", "No change"]
"""`tlv_vote_to_str`: the last vote QNetd sent a client."""

AckNack = Literal["ACK", "NACK"]
"""The last ACK or NACK QNetd sent (`last_sent_ack_nack_vote` takes no other value)."""

TieBreakerMode = Literal["lowest", "highest", "node_id"]

_Word = TypeVar("_Word", bound=str)

MODELS: tuple[Model, ...] = get_args(Model)
HEURISTICS_MODES: tuple[HeuristicsMode, ...] = get_args(HeuristicsMode)
HEURISTICS_RESULTS: tuple[HeuristicsResult, ...] = get_args(HeuristicsResult)
NODE_STATES: tuple[NodeState, ...] = get_args(NodeState)
ALGORITHMS: tuple[Algorithm, ...] = get_args(Algorithm)
TLS_SUPPORTS: tuple[TlsSupport, ...] = get_args(TlsSupport)
NET_STATES: tuple[NetState, ...] = get_args(NetState)
KAP_TIE_BREAKERS: tuple[KapTieBreaker, ...] = get_args(KapTieBreaker)
VOTES: tuple[Vote, ...] = get_args(Vote)
ACK_NACKS: tuple[AckNack, ...] = get_args(AckNack)
TIE_BREAKER_MODES: tuple[TieBreakerMode, ...] = get_args(TieBreakerMode)

ALGORITHM_KEYS: dict[Algorithm, str] = {
    "Test": "test",
    "Fifty-Fifty split": "ffsplit",
    "2 Node LMS": "2nodelms",
    "LMS": "lms",
}
"""The printed algorithm -> its `quorum.device.net.algorithm` value in corosync.conf."""

# What `qdevice_net_ipc_cmd_status_add_kap_tb_info` can print for each algorithm.
KAP_BY_ALGORITHM: dict[Algorithm, tuple[KapTieBreaker, ...]] = {
    "Test": ("Unsupported by algorithm",),
    "2 Node LMS": ("Algorithm hard-coded",),
    "LMS": ("Algorithm hard-coded",),
    "Fifty-Fifty split": ("Enabled", "Unsupported by QNetd", "Disabled"),
    "Unknown algorithm": ("",),
}

# A value printed with `%s` from a C string that cannot span lines: no LF, CR or NUL.
_TEXT = r"[^\n\r\x00]"
_TEXT_RE = re.compile(rf"{_TEXT}*")
# PR_NetAddrToString (at most INET6_ADDRSTRLEN - 1 characters) + ":%u" of the port.
_CLIENT_HOST_RE = re.compile(r"[0-9A-Za-z:.%_-]{1,45}")
_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
_TIME_RE = re.compile(_TIME)
_UINT = r"[0-9]{1,20}"
_HEX = r"[0-9a-f]{1,16}"

_QDEVICE_HEAD = ("Qdevice information", "-------------------")
_NET_HEAD = ("Qdevice-net information", "----------------------")  # one dash short, as printed


class QdeviceToolError(InputError):
    """Text that corosync-qdevice-tool or corosync-qnetd-tool 3.0.3 cannot have printed, or
    a value they cannot print; `where` names the line (None for a value built in code)."""


def _require(condition: bool, problem: str) -> None:
    """Refuse a value the tools cannot print: the one place the dataclasses raise from."""
    if not condition:
        raise QdeviceToolError(problem)


def _check_uint(value: int, hi: int, what: str) -> None:
    _require(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= hi,
        f"{what} {value!r} is not 0..{hi}",
    )


def _check_text(value: str, what: str, *, empty: bool = True) -> None:
    _require(
        isinstance(value, str) and _TEXT_RE.fullmatch(value) is not None,
        f"{what} {printable(str(value))!r} is not one line of text",
    )
    _require(empty or value != "", f"{what} is empty")
    _require(len(value) <= MAX_QDEVICETOOL_LINE // 2, f"{what} is over {MAX_QDEVICETOOL_LINE // 2}")


def _check_time(value: str | None, what: str) -> None:
    if value is not None:
        _require(
            isinstance(value, str) and _TIME_RE.fullmatch(value) is not None,
            f"{what} {printable(str(value))!r} is not YYYY-MM-DDTHH:MM:SS",
        )


def _check_word(words: tuple[str, ...], value: str, what: str) -> None:
    _require(value in words, f"{what} {printable(str(value))!r} is not one of {', '.join(words)}")


# --- shared values -----------------------------------------------------------------------


@dataclass(frozen=True)
class RingId:
    """`UTILS_PRI_RING_ID`, `%x.%x`: the node id (uint32) and sequence (uint64) in hex."""

    nodeid: int
    seq: int

    def __post_init__(self) -> None:
        _check_uint(self.nodeid, MAX_UINT32, "ring id node")
        _check_uint(self.seq, MAX_UINT64, "ring id sequence")

    def __str__(self) -> str:
        return f"{self.nodeid:x}.{self.seq:x}"


@dataclass(frozen=True)
class TieBreaker:
    """`Node with lowest node ID`, `Node with highest node ID` or `Node with node ID %u`."""

    mode: TieBreakerMode
    nodeid: int | None = None

    def __post_init__(self) -> None:
        _check_word(TIE_BREAKER_MODES, self.mode, "tie-breaker mode")
        if self.mode == "node_id":
            _require(self.nodeid is not None, "a node_id tie-breaker without its node id")
            assert self.nodeid is not None
            _check_uint(self.nodeid, MAX_UINT32, "tie-breaker node id")
        else:
            _require(self.nodeid is None, f"a {self.mode} tie-breaker with a node id")

    def __str__(self) -> str:
        if self.mode == "node_id":
            return f"Node with node ID {self.nodeid}"
        return f"Node with {self.mode} node ID"


# --- corosync-qdevice-tool -s / -sv -----------------------------------------------------


@dataclass(frozen=True)
class ConfiguredNode:
    """One `    %zu\\tNode ID = %u[, Data center ID = %u]` line of `Configured node list:`;
    the index is the line's position (counted from 0); a data center id of 0 is not shown."""

    nodeid: int
    data_center_id: int = 0

    def __post_init__(self) -> None:
        _check_uint(self.nodeid, MAX_UINT32, "node id")
        _check_uint(self.data_center_id, MAX_UINT32, "data center id")


@dataclass(frozen=True)
class QuorumNode:
    """One `    %u\\tNode ID = %u, State = %s` line of `Quorum node list:` (-sv).  `index` is
    the node's place in votequorum's list, which skips the entries of node id 0."""

    index: int
    nodeid: int
    state: NodeState

    def __post_init__(self) -> None:
        _check_uint(self.index, MAX_UINT32, "quorum node index")
        _check_uint(self.nodeid, MAX_UINT32, "node id")
        _require(self.nodeid != 0, "node id 0 is never listed in the quorum node list")
        _check_word(NODE_STATES, self.state, "node state")


@dataclass(frozen=True)
class QdeviceVerbose:
    """The lines of the "Qdevice information" block that only `-v` prints."""

    hb_interval_ms: int
    sync_hb_interval_ms: int
    heuristics: HeuristicsMode
    ring_id: RingId
    quorate: bool
    quorum_nodes: tuple[QuorumNode, ...]
    expected_votes: int
    last_poll: str | None  # None: `Never`
    last_poll_cast_vote: bool = False

    def __post_init__(self) -> None:
        _check_uint(self.hb_interval_ms, MAX_UINT32, "HB interval")
        _check_uint(self.sync_hb_interval_ms, MAX_UINT32, "sync HB interval")
        _check_word(HEURISTICS_MODES, self.heuristics, "heuristics mode")
        _require(isinstance(self.ring_id, RingId), "ring_id is not a RingId")
        _require(isinstance(self.quorate, bool), "quorate is not a bool")
        _require(len(self.quorum_nodes) <= MAX_NODES, f"over {MAX_NODES} quorum nodes")
        indexes = [node.index for node in self.quorum_nodes]
        _require(indexes == sorted(set(indexes)), f"quorum node indexes {indexes} not increasing")
        _check_uint(self.expected_votes, MAX_UINT32, "expected votes")
        _check_time(self.last_poll, "last poll call")
        _require(
            self.last_poll is not None or not self.last_poll_cast_vote,
            "'(cast vote)' after a last poll call of 'Never'",
        )


@dataclass(frozen=True)
class QdeviceInfo:
    """The "Qdevice information" block (`qdevice_ipc_cmd_status`)."""

    model: Model
    node_id: int
    configured_nodes: tuple[ConfiguredNode, ...] = ()
    membership: tuple[int, ...] = ()
    config_version: int | None = None
    verbose: QdeviceVerbose | None = None

    def __post_init__(self) -> None:
        _check_word(MODELS, self.model, "model")
        _check_uint(self.node_id, MAX_UINT32, "node id")
        _require(len(self.configured_nodes) <= MAX_NODES, f"over {MAX_NODES} configured nodes")
        _require(len(self.membership) <= MAX_NODES, f"over {MAX_NODES} members")
        for nodeid in self.membership:
            _check_uint(nodeid, MAX_UINT32, "member node id")
        if self.config_version is not None:
            _check_uint(self.config_version, MAX_UINT64, "configuration version")


@dataclass(frozen=True)
class NetHeuristics:
    """The `(regular: %s, membership: %s, connect: %s)` that `-v` adds to
    `Heuristics result:`."""

    regular: HeuristicsResult
    membership: HeuristicsResult
    connect: HeuristicsResult

    def __post_init__(self) -> None:
        for value in (self.regular, self.membership, self.connect):
            _check_word(HEURISTICS_RESULTS, value, "heuristics result")


@dataclass(frozen=True)
class NetVerbose:
    """The lines of the "Qdevice-net information" block that only `-v` prints.

    `tls_active` is None when the `TLS active:` line is absent: it, `Connected since:` and
    `Echo reply received:` are printed only while the qdevice is connected to QNetd
    (state `Connected`, or `Disconnected` while a disconnect is scheduled).
    """

    connect_timeout_ms: int
    hb_interval_ms: int
    vote_timer_interval_ms: int
    tls: TlsSupport
    kap_tie_breaker: KapTieBreaker
    poll_timer_running: bool
    poll_cast_vote: bool = False
    force_ip_version: int | None = None
    heuristics: NetHeuristics | None = None
    tls_active: bool | None = None
    client_certificate_sent: bool = False
    connected_since: str | None = None
    echo_reply_received: str | None = None

    def __post_init__(self) -> None:
        _check_uint(self.connect_timeout_ms, MAX_UINT32, "connect timeout")
        _check_uint(self.hb_interval_ms, MAX_UINT32, "HB interval")
        _check_uint(self.vote_timer_interval_ms, MAX_UINT32, "VQ vote timer interval")
        _check_word(TLS_SUPPORTS, self.tls, "TLS")
        _check_word(KAP_TIE_BREAKERS, self.kap_tie_breaker, "KAP tie-breaker")
        _require(
            self.poll_timer_running or not self.poll_cast_vote,
            "'(cast vote)' without a running poll timer",
        )
        _require(
            self.force_ip_version in (None, 4, 6),
            f"force IP version {self.force_ip_version!r} is not 4 or 6 (0 is not printed)",
        )
        _require(
            self.tls_active is True or not self.client_certificate_sent,
            "'(client certificate sent)' without an active TLS",
        )
        _check_time(self.connected_since, "connected since")
        _check_time(self.echo_reply_received, "echo reply received")
        _require(
            self.tls_active is not None
            or (self.connected_since is None and self.echo_reply_received is None),
            "connection times without the 'TLS active:' line: both are printed while connected",
        )


@dataclass(frozen=True)
class QdeviceNetInfo:
    """The "Qdevice-net information" block (`qdevice_net_ipc_cmd_status`).

    `heuristics_result` is None when the `Heuristics result:` line is absent, which it is
    unless heuristics are enabled (mode `Enabled` or `Enabled only on sync`).
    """

    cluster_name: str
    host: str
    port: int
    algorithm: Algorithm
    tie_breaker: TieBreaker
    state: NetState
    heuristics_result: HeuristicsResult | None = None
    verbose: NetVerbose | None = None

    def __post_init__(self) -> None:
        _check_text(self.cluster_name, "cluster name")
        _check_text(self.host, "QNetd host", empty=False)
        _check_uint(self.port, MAX_UINT16, "QNetd port")
        _check_word(ALGORITHMS, self.algorithm, "algorithm")
        _require(isinstance(self.tie_breaker, TieBreaker), "tie_breaker is not a TieBreaker")
        _check_word(NET_STATES, self.state, "state")
        if self.heuristics_result is not None:
            _check_word(HEURISTICS_RESULTS, self.heuristics_result, "heuristics result")
        if self.verbose is not None:
            _check_net_verbose(self, self.verbose)


def _check_net_verbose(net: QdeviceNetInfo, verbose: NetVerbose) -> None:
    """The rules between the lines of a `-sv` net block, as qdevice-net-ipc-cmd.c prints."""
    kap = KAP_BY_ALGORITHM[net.algorithm]
    _require(
        verbose.kap_tie_breaker in kap,
        f"KAP tie-breaker {verbose.kap_tie_breaker!r} with algorithm {net.algorithm!r} "
        f"(the tool prints {' or '.join(repr(k) for k in kap)})",
    )
    _require(
        (net.heuristics_result is None) == (verbose.heuristics is None),
        "-v prints the heuristics result with its '(regular: ..., membership: ..., connect: ...)'",
    )
    if net.state == "Connected":
        _require(verbose.tls_active is not None, "state Connected without the 'TLS active:' line")
    elif net.state != "Disconnected":
        _require(verbose.tls_active is None, f"the 'TLS active:' line with state {net.state}")
    if verbose.kap_tie_breaker == "Unsupported by QNetd":
        _require(
            verbose.tls_active is not None,
            "'Unsupported by QNetd' is printed only while connected (with 'TLS active:')",
        )


@dataclass(frozen=True)
class QdeviceStatus:
    """`corosync-qdevice-tool -s` or `-sv`: both blocks, verbose (`-v`) both or neither."""

    qdevice: QdeviceInfo
    net: QdeviceNetInfo

    def __post_init__(self) -> None:
        _require(isinstance(self.qdevice, QdeviceInfo), "qdevice is not a QdeviceInfo")
        _require(isinstance(self.net, QdeviceNetInfo), "net is not a QdeviceNetInfo")
        _require(
            (self.qdevice.verbose is None) == (self.net.verbose is None),
            "one block verbose and the other not: -v applies to both",
        )
        if self.qdevice.verbose is not None:
            _check_heuristics_line(self.qdevice.verbose.heuristics, self.net.heuristics_result)

    @property
    def verbose(self) -> bool:
        """True for `-sv`."""
        return self.qdevice.verbose is not None

    @property
    def model(self) -> Model:
        return self.qdevice.model

    @property
    def node_id(self) -> int:
        return self.qdevice.node_id

    @property
    def cluster_name(self) -> str:
        return self.net.cluster_name

    @property
    def algorithm(self) -> Algorithm:
        """As printed, e.g. `Fifty-Fifty split`; `algorithm_key` is its corosync.conf value."""
        return self.net.algorithm

    @property
    def algorithm_key(self) -> str | None:
        """`ffsplit`, `lms`, `2nodelms` or `test`; None for `Unknown algorithm`."""
        return ALGORITHM_KEYS.get(self.net.algorithm)

    @property
    def tie_breaker(self) -> TieBreaker:
        return self.net.tie_breaker

    @property
    def qnetd_host(self) -> str:
        return self.net.host

    @property
    def qnetd_port(self) -> int:
        return self.net.port

    @property
    def state(self) -> NetState:
        """`Connected`, `Connecting`, `Connect failed` or `Disconnected`."""
        return self.net.state

    @property
    def connected(self) -> bool:
        return self.net.state == "Connected"

    @property
    def membership(self) -> tuple[int, ...]:
        """The node ids of `Membership node list:`, in the printed order."""
        return self.qdevice.membership

    @property
    def configured(self) -> tuple[int, ...]:
        """The node ids of `Configured node list:`."""
        return tuple(node.nodeid for node in self.qdevice.configured_nodes)

    @property
    def quorate(self) -> bool | None:
        """`Quorate:` (-sv only; None with -s)."""
        return None if self.qdevice.verbose is None else self.qdevice.verbose.quorate

    @property
    def expected_votes(self) -> int | None:
        """`Expected votes:` (-sv only)."""
        return None if self.qdevice.verbose is None else self.qdevice.verbose.expected_votes

    @property
    def quorum_nodes(self) -> tuple[QuorumNode, ...] | None:
        """`Quorum node list:` (-sv only)."""
        return None if self.qdevice.verbose is None else self.qdevice.verbose.quorum_nodes

    @property
    def cast_vote(self) -> bool | None:
        """Whether the vote timer casts the vote now: `Poll timer running: Yes (cast vote)`
        (-sv only; None with -s, which does not show it)."""
        verbose = self.net.verbose
        return None if verbose is None else verbose.poll_cast_vote

    @property
    def last_poll_cast_vote(self) -> bool | None:
        """`Last poll call: ... (cast vote)`: the last poll of votequorum cast the vote."""
        verbose = self.qdevice.verbose
        return None if verbose is None else verbose.last_poll_cast_vote


def _check_heuristics_line(mode: HeuristicsMode, result: HeuristicsResult | None) -> None:
    enabled = mode in ("Enabled", "Enabled only on sync")
    _require(
        enabled == (result is not None),
        f"heuristics {mode!r} "
        + ("without a 'Heuristics result:' line" if enabled else "with a 'Heuristics result:'"),
    )


# --- corosync-qnetd-tool -l / -lv -------------------------------------------------------


@dataclass(frozen=True)
class ListedNode:
    """One `%u[ (%u)]` of a qnetd node list: the node id and a data center id (0 not shown)."""

    nodeid: int
    data_center_id: int = 0

    def __post_init__(self) -> None:
        _check_uint(self.nodeid, MAX_UINT32, "node id")
        _check_uint(self.data_center_id, MAX_UINT32, "data center id")


@dataclass(frozen=True)
class ClientVerbose:
    """The lines of a client that only `-lv` prints."""

    hb_interval_ms: int
    ring_id: RingId
    membership_heuristics: HeuristicsResult
    regular_heuristics: HeuristicsResult
    tls_active: bool
    client_certificate_verified: bool = False

    def __post_init__(self) -> None:
        _check_uint(self.hb_interval_ms, MAX_UINT32, "HB interval")
        _require(isinstance(self.ring_id, RingId), "ring_id is not a RingId")
        _check_word(HEURISTICS_RESULTS, self.membership_heuristics, "heuristics result")
        _check_word(HEURISTICS_RESULTS, self.regular_heuristics, "heuristics result")
        _require(
            self.tls_active or not self.client_certificate_verified,
            "'(client certificate verified)' without an active TLS",
        )


@dataclass(frozen=True)
class QnetdClient:
    """One `    Node ID %u:` block of a cluster (`qnetd_ipc_cmd_list_add_client_info`).

    Lines the tool leaves out: `Configuration version:` when the client sent none, the node
    lists when empty, `Heuristics:` without -v when `Undefined`, `Vote:` before QNetd sent
    any vote, and its `(ACK)`/`(NACK)` before it sent either.
    """

    nodeid: int
    address: str
    config_version: int | None = None
    configured_nodes: tuple[ListedNode, ...] = ()
    membership_nodes: tuple[ListedNode, ...] = ()
    heuristics: HeuristicsResult = "Undefined"
    vote: Vote | None = None
    ack_nack_vote: AckNack | None = None
    verbose: ClientVerbose | None = None

    def __post_init__(self) -> None:
        _check_uint(self.nodeid, MAX_UINT32, "node id")
        _require(isinstance(self.address, str), "address is not text")
        host, _, port = self.address.rpartition(":")
        _require(
            _CLIENT_HOST_RE.fullmatch(host) is not None
            and port.isascii()
            and port.isdigit()
            and str(int(port)) == port
            and int(port) <= MAX_UINT16,
            f"client address {printable(self.address)!r} is not <address>:<port>",
        )
        if self.config_version is not None:
            _check_uint(self.config_version, MAX_UINT64, "configuration version")
        for nodes in (self.configured_nodes, self.membership_nodes):
            _require(len(nodes) <= MAX_NODES, f"over {MAX_NODES} nodes in a list")
        _check_word(HEURISTICS_RESULTS, self.heuristics, "heuristics result")
        if self.vote is not None:
            _check_word(VOTES, self.vote, "vote")
        if self.ack_nack_vote is not None:
            _check_word(ACK_NACKS, self.ack_nack_vote, "ACK/NACK vote")
            _require(self.vote is not None, "an ACK/NACK vote without the last vote")

    @property
    def host(self) -> str:
        """The client's address without the port, e.g. `::ffff:10.0.0.1`."""
        return self.address.rpartition(":")[0]

    @property
    def port(self) -> int:
        return int(self.address.rpartition(":")[2])

    @property
    def membership(self) -> tuple[int, ...]:
        """The node ids of `Membership node list:` (empty when the line is absent)."""
        return tuple(node.nodeid for node in self.membership_nodes)

    @property
    def configured(self) -> tuple[int, ...]:
        return tuple(node.nodeid for node in self.configured_nodes)


@dataclass(frozen=True)
class QnetdCluster:
    """One `Cluster "%s":` block.  The algorithm and tie-breaker lines are the first
    client's; `(KAP Tie-breaker)` follows when every client runs ffsplit with it."""

    name: str
    algorithm: Algorithm
    tie_breaker: TieBreaker
    clients: tuple[QnetdClient, ...]
    kap_tie_breaker: bool = False

    def __post_init__(self) -> None:
        _check_text(self.name, "cluster name")
        _check_word(ALGORITHMS, self.algorithm, "algorithm")
        _require(isinstance(self.tie_breaker, TieBreaker), "tie_breaker is not a TieBreaker")
        _require(len(self.clients) > 0, f"cluster {self.name!r} without clients")
        _require(
            not self.kap_tie_breaker or self.algorithm == "Fifty-Fifty split",
            f"'(KAP Tie-breaker)' with algorithm {self.algorithm!r}",
        )

    def client(self, nodeid: int) -> QnetdClient | None:
        """The first client with node id `nodeid`, or None."""
        return next((c for c in self.clients if c.nodeid == nodeid), None)

    @property
    def nodeids(self) -> tuple[int, ...]:
        return tuple(c.nodeid for c in self.clients)


@dataclass(frozen=True)
class QnetdList:
    """`corosync-qnetd-tool -l` or `-lv`: every connected cluster, in QNetd's order."""

    clusters: tuple[QnetdCluster, ...] = ()

    def __post_init__(self) -> None:
        kinds = {c.verbose is None for cluster in self.clusters for c in cluster.clients}
        _require(len(kinds) <= 1, "verbose and non-verbose clients: -v applies to all")

    @property
    def verbose(self) -> bool | None:
        """True for `-lv`, False for `-l`, None when no cluster tells (the empty output)."""
        for cluster in self.clusters:
            return cluster.clients[0].verbose is not None
        return None

    @property
    def cluster_names(self) -> tuple[str, ...]:
        return tuple(cluster.name for cluster in self.clusters)

    def cluster(self, name: str) -> QnetdCluster | None:
        return next((c for c in self.clusters if c.name == name), None)

    def client(self, cluster: str, nodeid: int) -> QnetdClient | None:
        found = self.cluster(cluster)
        return None if found is None else found.client(nodeid)


# --- rendering: the dynar_str_catf calls -------------------------------------------------


def _ids(nodes: tuple[int, ...]) -> str:
    return ", ".join(str(nodeid) for nodeid in nodes)


def _listed(nodes: tuple[ListedNode, ...]) -> str:
    return ", ".join(
        f"{n.nodeid} ({n.data_center_id})" if n.data_center_id else str(n.nodeid) for n in nodes
    )


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _render_qdevice(info: QdeviceInfo) -> list[str]:
    v = info.verbose
    out = [*_QDEVICE_HEAD, f"Model:\t\t\t{info.model}", f"Node ID:\t\t{info.node_id}"]
    if v is not None:
        out += [
            f"HB interval:\t\t{v.hb_interval_ms}ms",
            f"Sync HB interval:\t{v.sync_hb_interval_ms}ms",
        ]
    if info.config_version is not None:
        out.append(f"Configuration version:\t{info.config_version}")
    out.append("Configured node list:")
    for index, node in enumerate(info.configured_nodes):
        dc = f", Data center ID = {node.data_center_id}" if node.data_center_id else ""
        out.append(f"    {index}\tNode ID = {node.nodeid}{dc}")
    if v is not None:
        out += [f"Heuristics:\t\t{v.heuristics}", f"Ring ID:\t\t{v.ring_id}"]
    out.append(f"Membership node list:\t{_ids(info.membership)}")
    if v is not None:
        out += [f"Quorate:\t\t{_yes(v.quorate)}", "Quorum node list:"]
        out += [f"    {n.index}\tNode ID = {n.nodeid}, State = {n.state}" for n in v.quorum_nodes]
        out.append(f"Expected votes:\t\t{v.expected_votes}")
        poll = "Never" if v.last_poll is None else v.last_poll
        out.append(f"Last poll call:\t\t{poll}{' (cast vote)' if v.last_poll_cast_vote else ''}")
    return out


def _render_net(net: QdeviceNetInfo) -> list[str]:
    v = net.verbose
    out = [
        *_NET_HEAD,
        f"Cluster name:\t\t{net.cluster_name}",
        f"QNetd host:\t\t{net.host}:{net.port}",
    ]
    if v is not None:
        if v.force_ip_version is not None:
            out.append(f"Force IP version:\t{v.force_ip_version}")
        out += [
            f"Connect timeout:\t{v.connect_timeout_ms}ms",
            f"HB interval:\t\t{v.hb_interval_ms}ms",
            f"VQ vote timer interval:\t{v.vote_timer_interval_ms}ms",
            f"TLS:\t\t\t{v.tls}",
        ]
    out += [f"Algorithm:\t\t{net.algorithm}", f"Tie-breaker:\t\t{net.tie_breaker}"]
    if v is not None:
        out.append(f"KAP Tie-breaker:\t{v.kap_tie_breaker}")
        cast = " (cast vote)" if v.poll_cast_vote else ""
        out.append(f"Poll timer running:\t{_yes(v.poll_timer_running)}{cast}")
    out.append(f"State:\t\t\t{net.state}")
    if net.heuristics_result is not None:
        line = f"Heuristics result:\t{net.heuristics_result}"
        if v is not None and v.heuristics is not None:
            h = v.heuristics
            line += f" (regular: {h.regular}, membership: {h.membership}, connect: {h.connect})"
        out.append(line)
    if v is not None and v.tls_active is not None:
        sent = " (client certificate sent)" if v.client_certificate_sent else ""
        out.append(f"TLS active:\t\t{_yes(v.tls_active)}{sent}")
        if v.connected_since is not None:
            out.append(f"Connected since:\t{v.connected_since}")
        if v.echo_reply_received is not None:
            out.append(f"Echo reply received:\t{v.echo_reply_received}")
    return out


def render_qdevice_status(status: QdeviceStatus) -> str:
    """The text `corosync-qdevice-tool -s` (or `-sv`, for a verbose `status`) prints."""
    lines = [*_render_qdevice(status.qdevice), "", *_render_net(status.net)]
    return "".join(f"{line}\n" for line in lines)


def _render_client(client: QnetdClient) -> list[str]:
    v = client.verbose
    pad = " " * 8
    out = [f"    Node ID {client.nodeid}:", f"{pad}Client address:\t\t{client.address}"]
    if v is not None:
        out.append(f"{pad}HB interval:\t\t{v.hb_interval_ms}ms")
    if client.config_version is not None:
        out.append(f"{pad}Configuration version:\t{client.config_version}")
    if client.configured_nodes:
        out.append(f"{pad}Configured node list:\t{_listed(client.configured_nodes)}")
    if v is not None:
        out.append(f"{pad}Ring ID:\t\t{v.ring_id}")
    if client.membership_nodes:
        out.append(f"{pad}Membership node list:\t{_listed(client.membership_nodes)}")
    if v is not None:
        out.append(
            f"{pad}Heuristics:\t\t{client.heuristics} (membership: {v.membership_heuristics}, "
            f"regular: {v.regular_heuristics})"
        )
        verified = " (client certificate verified)" if v.client_certificate_verified else ""
        out.append(f"{pad}TLS active:\t\t{_yes(v.tls_active)}{verified}")
    elif client.heuristics != "Undefined":
        out.append(f"{pad}Heuristics:\t\t{client.heuristics}")
    if client.vote is not None:
        ack = "" if client.ack_nack_vote is None else f" ({client.ack_nack_vote})"
        out.append(f"{pad}Vote:\t\t\t{client.vote}{ack}")
    return out


def render_qnetd_list(listing: QnetdList) -> str:
    """The text `corosync-qnetd-tool -l` (or `-lv`, for verbose clients) prints."""
    out: list[str] = []
    for cluster in listing.clusters:
        kap = " (KAP Tie-breaker)" if cluster.kap_tie_breaker else ""
        out += [
            f'Cluster "{cluster.name}":',
            f"    Algorithm:\t\t{cluster.algorithm}{kap}",
            f"    Tie-breaker:\t{cluster.tie_breaker}",
        ]
        for client in cluster.clients:
            out += _render_client(client)
    return "".join(f"{line}\n" for line in out)


def render(value: QdeviceStatus | QnetdList) -> str:
    """`render_qdevice_status` or `render_qnetd_list`, whichever `value` is for."""
    if isinstance(value, QdeviceStatus):
        return render_qdevice_status(value)
    return render_qnetd_list(value)


# --- parsing -------------------------------------------------------------------------------


class _Lines:
    """The lines of one output, read in order, and errors that name the line they are in."""

    def __init__(self, text: str, source: str, kind: str) -> None:
        self.source = one_line(source)
        self.kind = kind  # "qdevice" or "qnetd": which tool's output this should be
        self.number = 0  # the number of the line last taken
        self._lines = self._split(text)

    def _split(self, text: str) -> list[str]:
        """The lines without their newlines; refuses what is too big before splitting it,
        and text that does not end in a newline (every line the daemons print ends in one)."""
        if not isinstance(text, str):
            raise QdeviceToolError(f"not text but {type(text).__name__}", self.source)
        if len(text) > MAX_QDEVICETOOL_BYTES:
            at_line = text.count("\n", 0, MAX_QDEVICETOOL_BYTES) + 1
            raise QdeviceToolError(
                f"more than {MAX_QDEVICETOOL_BYTES} characters by this line ({len(text)} in "
                "all): more than the tool prints",
                f"{self.source}: line {at_line}",
            )
        if not text:
            return []
        lines = text.split("\n")  # not splitlines(): a CR, VT or U+2028 is no line end here
        for number, line in enumerate(lines, 1):
            if len(line) > MAX_QDEVICETOOL_LINE:
                self.number = number
                raise self.error(
                    f"a line of {len(line)} characters, over {MAX_QDEVICETOOL_LINE}", line
                )
        if lines[-1]:
            self.number = len(lines)
            raise self.error("the last line has no newline (cut off?)", lines[-1])
        return lines[:-1]

    @property
    def empty(self) -> bool:
        return not self._lines

    def peek(self) -> str | None:
        return self._lines[self.number] if self.number < len(self._lines) else None

    def take(self, expected: str) -> str:
        """The next line; at the end of the text an error saying what was `expected`."""
        line = self.peek()
        if line is None:
            raise QdeviceToolError(
                f"the text ends where {expected} is due (cut off?)", self.where(self.number + 1)
            )
        self.number += 1
        return line

    def exact(self, want: str) -> None:
        if self.take(repr(want)) != want:
            raise self.error(f"not {want!r}")

    def field(self, prefix: str, pattern: re.Pattern[str], expected: str) -> re.Match[str]:
        """The next line: `prefix` then exactly `pattern`."""
        line = self.take(expected)
        found = pattern.fullmatch(line, len(prefix)) if line.startswith(prefix) else None
        if found is None:
            raise self.error(f"not {expected}", line)
        return found

    def error(
        self, problem: str, line: str | None = None, number: int | None = None
    ) -> QdeviceToolError:
        """A one-line error about line `number` (the line last taken), showing the line."""
        number = self.number if number is None else number
        if line is None:
            line = self._lines[number - 1] if 0 < number <= len(self._lines) else ""
        return QdeviceToolError(
            f'{problem}{self._hint(line)}: "{printable(line)}"', self.where(number)
        )

    def where(self, number: int) -> str:
        return f"{self.source}: line {number}"

    def _hint(self, line: str) -> str:
        """What a line that is not this output's probably is."""
        if "\r" in line:
            return " (a CR: the tools end their lines with LF only)"
        if line.startswith("Local node ID "):
            return " (a line of corosync-cfgtool)"
        if line in ("Quorum information", "Cluster information"):
            return " (a line of corosync-quorumtool or pvecm status)"
        if self.kind == "qnetd" and line in (*_QDEVICE_HEAD, *_NET_HEAD):
            return " (a line of corosync-qdevice-tool -s)"
        if self.kind == "qnetd" and line.startswith("QNetd address:"):
            return " (a line of corosync-qnetd-tool -s, not -l)"
        if self.kind == "qdevice" and line.startswith('Cluster "'):
            return " (a line of corosync-qnetd-tool -l)"
        return ""

    @contextmanager
    def at(self, number: int | None = None) -> Iterator[None]:
        """Give an error a value raises (no line yet) the line `number` it comes from."""
        try:
            yield
        except QdeviceToolError as exc:
            if exc.where is not None:
                raise
            raise self.error(exc.problem, number=number) from None


def _number(token: str, hi: int, what: str) -> int:
    """The value `%u` printed as `token`: no leading zero; `token` is at most 20 digits."""
    value = int(token)
    _require(str(value) == token, f"{what} {token!r} is not how printf prints a number")
    _require(value <= hi, f"{what} {value} is not 0..{hi}")
    return value


def _hex(token: str, hi: int, what: str) -> int:
    """The value `%x` printed as `token`: lower case, no leading zero."""
    value = int(token, 16)
    _require(f"{value:x}" == token, f"{what} {token!r} is not how %x prints a number")
    _require(value <= hi, f"{what} {value} is over {hi}")
    return value


def _choose(words: tuple[_Word, ...], token: str, what: str) -> _Word:
    """`token` as the one of `words` it is (typed as such)."""
    for word in words:
        if word == token:
            return word
    raise QdeviceToolError(f"{what} {printable(token)!r} is not one of {', '.join(words)}")


def _words(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in words)


_MODEL = re.compile(rf"(?P<v>{_words(MODELS)})")
_UINT_V = re.compile(rf"(?P<v>{_UINT})")
_MS = re.compile(rf"(?P<v>{_UINT})ms")
_CONFIGURED = re.compile(
    rf"    (?P<i>{_UINT})\tNode ID = (?P<n>{_UINT})(?:, Data center ID = (?P<dc>{_UINT}))?"
)
_QUORUM_NODE = re.compile(
    rf"    (?P<i>{_UINT})\tNode ID = (?P<n>{_UINT}), State = (?P<s>{_words(NODE_STATES)})"
)
_HEURISTICS_MODE = re.compile(rf"(?P<v>{_words(HEURISTICS_MODES)})")
_RING = re.compile(rf"(?P<n>{_HEX})\.(?P<s>{_HEX})")
_ID_LIST = re.compile(rf"(?P<v>(?:{_UINT}(?:, {_UINT})*)?)")
_YES_NO = re.compile(r"(?P<v>Yes|No)")
_LAST_POLL = re.compile(rf"(?:(?P<never>Never)|(?P<t>{_TIME})(?P<cast> \(cast vote\))?)")
_TEXT_V = re.compile(rf"(?P<v>{_TEXT}*)")
_HOST_PORT = re.compile(rf"(?P<h>{_TEXT}+):(?P<p>[0-9]{{1,5}})")
_TLS = re.compile(rf"(?P<v>{_words(TLS_SUPPORTS)})")
_ALGORITHM = re.compile(rf"(?P<v>{_words(ALGORITHMS)})")
_TIE = re.compile(rf"Node with (?:(?P<m>lowest|highest) node ID|node ID (?P<n>{_UINT}))")
_KAP = re.compile(rf"(?P<v>{_words(KAP_TIE_BREAKERS)})")
_POLL = re.compile(r"(?P<v>Yes|No)(?P<cast> \(cast vote\))?")
_STATE = re.compile(rf"(?P<v>{_words(NET_STATES)})")
_RESULT = _words(HEURISTICS_RESULTS)
_NET_HEURISTICS = re.compile(
    rf"(?P<v>{_RESULT})(?: \(regular: (?P<r>{_RESULT}), membership: (?P<m>{_RESULT}), "
    rf"connect: (?P<c>{_RESULT})\))?"
)
_TLS_ACTIVE = re.compile(r"(?P<v>Yes|No)(?P<sent> \(client certificate sent\))?")
_TIME_V = re.compile(rf"(?P<v>{_TIME})")


def _tie_breaker(found: re.Match[str]) -> TieBreaker:
    if found["m"] is not None:
        return TieBreaker(_choose(TIE_BREAKER_MODES, found["m"], "tie-breaker"))
    return TieBreaker("node_id", _number(found["n"], MAX_UINT32, "tie-breaker node id"))


def _parse_qdevice_block(lines: _Lines) -> QdeviceInfo:
    """`qdevice_ipc_cmd_status` up to the empty line before the model's block."""
    for head in _QDEVICE_HEAD:
        lines.exact(head)
    model = lines.field("Model:\t\t\t", _MODEL, "'Model:\\t\\t\\tNet'")["v"]
    found = lines.field("Node ID:\t\t", _UINT_V, "'Node ID:\\t\\t<id>'")
    with lines.at():
        node_id = _number(found["v"], MAX_UINT32, "node id")
    verbose = (lines.peek() or "").startswith("HB interval:")
    intervals: list[int] = []
    if verbose:
        for prefix in ("HB interval:\t\t", "Sync HB interval:\t"):
            found = lines.field(prefix, _MS, f"{prefix!r} <n>ms")
            with lines.at():
                intervals.append(_number(found["v"], MAX_UINT32, prefix.split(":")[0]))
    config_version = None
    if (lines.peek() or "").startswith("Configuration version:"):
        found = lines.field("Configuration version:\t", _UINT_V, "'Configuration version:\\t<n>'")
        with lines.at():
            config_version = _number(found["v"], MAX_UINT64, "configuration version")
    lines.exact("Configured node list:")
    configured: list[ConfiguredNode] = []
    while (lines.peek() or "").startswith("    "):
        found = lines.field(
            "", _CONFIGURED, "'    <index>\\tNode ID = <id>[, Data center ID = <id>]'"
        )
        with lines.at():
            _require(len(configured) < MAX_NODES, f"more than {MAX_NODES} configured nodes")
            index = _number(found["i"], MAX_SIZE_T, "index")
            _require(index == len(configured), f"index {index} where {len(configured)} is due")
            dc = 0 if found["dc"] is None else _number(found["dc"], MAX_UINT32, "data center id")
            _require(found["dc"] is None or dc != 0, "a data center id of 0 is not printed")
            configured.append(ConfiguredNode(_number(found["n"], MAX_UINT32, "node id"), dc))
    heuristics: HeuristicsMode = "Undefined"
    ring = RingId(0, 0)
    if verbose:
        heuristics = _choose(
            HEURISTICS_MODES,
            lines.field("Heuristics:\t\t", _HEURISTICS_MODE, "'Heuristics:\\t\\t<mode>'")["v"],
            "heuristics",
        )
        found = lines.field("Ring ID:\t\t", _RING, "'Ring ID:\\t\\t<hex>.<hex>'")
        with lines.at():
            ring = RingId(
                _hex(found["n"], MAX_UINT32, "ring id node"),
                _hex(found["s"], MAX_UINT64, "ring id sequence"),
            )
    found = lines.field("Membership node list:\t", _ID_LIST, "'Membership node list:\\t<ids>'")
    with lines.at():
        ids = found["v"].split(", ") if found["v"] else []
        _require(len(ids) <= MAX_NODES, f"more than {MAX_NODES} members")
        membership = tuple(_number(token, MAX_UINT32, "member node id") for token in ids)
    details = _parse_qdevice_verbose(lines, intervals, heuristics, ring) if verbose else None
    return QdeviceInfo(
        _choose(MODELS, model, "model"),
        node_id,
        tuple(configured),
        membership,
        config_version,
        details,
    )


def _parse_qdevice_verbose(
    lines: _Lines, intervals: list[int], heuristics: HeuristicsMode, ring: RingId
) -> QdeviceVerbose:
    """`Quorate:` to `Last poll call:` of -sv."""
    quorate = lines.field("Quorate:\t\t", _YES_NO, "'Quorate:\\t\\tYes|No'")["v"] == "Yes"
    lines.exact("Quorum node list:")
    nodes: list[QuorumNode] = []
    while (lines.peek() or "").startswith("    "):
        found = lines.field("", _QUORUM_NODE, "'    <index>\\tNode ID = <id>, State = <state>'")
        with lines.at():
            _require(len(nodes) < MAX_NODES, f"more than {MAX_NODES} quorum nodes")
            index = _number(found["i"], MAX_UINT32, "index")
            _require(
                not nodes or index > nodes[-1].index,
                f"index {index} after {nodes[-1].index if nodes else ''}",
            )
            nodeid = _number(found["n"], MAX_UINT32, "node id")
            nodes.append(QuorumNode(index, nodeid, _choose(NODE_STATES, found["s"], "state")))
    found = lines.field("Expected votes:\t\t", _UINT_V, "'Expected votes:\\t\\t<n>'")
    with lines.at():
        expected = _number(found["v"], MAX_UINT32, "expected votes")
    poll = lines.field(
        "Last poll call:\t\t", _LAST_POLL, "'Last poll call:\\t\\t<time>[ (cast vote)]|Never'"
    )
    return QdeviceVerbose(
        hb_interval_ms=intervals[0],
        sync_hb_interval_ms=intervals[1],
        heuristics=heuristics,
        ring_id=ring,
        quorate=quorate,
        quorum_nodes=tuple(nodes),
        expected_votes=expected,
        last_poll=poll["t"],
        last_poll_cast_vote=poll["cast"] is not None,
    )


def _ms(lines: _Lines, prefix: str) -> int:
    found = lines.field(prefix, _MS, f"{prefix!r} <n>ms")
    with lines.at():
        return _number(found["v"], MAX_UINT32, prefix.split(":")[0])


def _parse_net_block(lines: _Lines, qdevice: QdeviceVerbose | None) -> QdeviceNetInfo:
    """`qdevice_net_ipc_cmd_status`, to the end of the text; `qdevice` is the verbose part
    of the block before (None for -s)."""
    verbose = qdevice is not None
    for head in _NET_HEAD:
        lines.exact(head)
    cluster_name = lines.field("Cluster name:\t\t", _TEXT_V, "'Cluster name:\\t\\t<name>'")["v"]
    found = lines.field("QNetd host:\t\t", _HOST_PORT, "'QNetd host:\\t\\t<host>:<port>'")
    with lines.at():
        host, port = found["h"], _number(found["p"], MAX_UINT16, "QNetd port")
    force_ip = None
    timers: list[int] = []
    tls: TlsSupport = "Unsupported"
    if verbose:
        if (lines.peek() or "").startswith("Force IP version:"):
            found = lines.field(
                "Force IP version:\t", re.compile(r"(?P<v>[46])"), "'Force IP version:\\t4|6'"
            )
            force_ip = int(found["v"])
        timers = [
            _ms(lines, prefix)
            for prefix in ("Connect timeout:\t", "HB interval:\t\t", "VQ vote timer interval:\t")
        ]
        tls = _choose(
            TLS_SUPPORTS, lines.field("TLS:\t\t\t", _TLS, "'TLS:\\t\\t\\t<tls>'")["v"], "TLS"
        )
    algorithm = _choose(
        ALGORITHMS,
        lines.field("Algorithm:\t\t", _ALGORITHM, "'Algorithm:\\t\\t<algorithm>'")["v"],
        "algorithm",
    )
    found = lines.field("Tie-breaker:\t\t", _TIE, "'Tie-breaker:\\t\\tNode with ...'")
    with lines.at():
        tie_breaker = _tie_breaker(found)
    kap: KapTieBreaker = ""
    poll: re.Match[str] | None = None
    kap_line = 0
    if verbose:
        kap = _choose(
            KAP_TIE_BREAKERS,
            lines.field("KAP Tie-breaker:\t", _KAP, "'KAP Tie-breaker:\\t<kap>'")["v"],
            "KAP tie-breaker",
        )
        kap_line = lines.number
        poll = lines.field(
            "Poll timer running:\t", _POLL, "'Poll timer running:\\tYes|No[ (cast vote)]'"
        )
    state = _choose(
        NET_STATES, lines.field("State:\t\t\t", _STATE, "'State:\\t\\t\\t<state>'")["v"], "state"
    )
    state_line = lines.number
    result: HeuristicsResult | None = None
    detail: NetHeuristics | None = None
    if (lines.peek() or "").startswith("Heuristics result:"):
        found = lines.field(
            "Heuristics result:\t", _NET_HEURISTICS, "'Heuristics result:\\t<result>[ (...)]'"
        )
        if (found["r"] is not None) != verbose:
            raise lines.error("-v prints '(regular: ...)' after the heuristics result, -s does not")
        result = _choose(HEURISTICS_RESULTS, found["v"], "heuristics result")
        if verbose:
            detail = NetHeuristics(
                _choose(HEURISTICS_RESULTS, found["r"], "heuristics result"),
                _choose(HEURISTICS_RESULTS, found["m"], "heuristics result"),
                _choose(HEURISTICS_RESULTS, found["c"], "heuristics result"),
            )
    if qdevice is not None:
        with lines.at():
            _check_heuristics_line(qdevice.heuristics, result)
    if not verbose:
        with lines.at(state_line):
            return QdeviceNetInfo(cluster_name, host, port, algorithm, tie_breaker, state, result)
    assert poll is not None
    tls_active: re.Match[str] | None = None
    times: dict[str, str | None] = {"Connected since": None, "Echo reply received": None}
    if lines.peek() is not None:
        tls_active = lines.field(
            "TLS active:\t\t", _TLS_ACTIVE, "'TLS active:\\t\\tYes|No[ ...]' or the end"
        )
        with lines.at():
            _require(
                state in ("Connected", "Disconnected"),
                f"the 'TLS active:' line with state {state}: it is printed while connected",
            )
        for label in times:
            if (lines.peek() or "").startswith(f"{label}:"):
                prefix = f"{label}:\t"
                times[label] = lines.field(prefix, _TIME_V, f"{prefix!r} <time>")["v"]
    with lines.at(state_line):
        _require(
            state != "Connected" or tls_active is not None,
            "state Connected, and no 'TLS active:' line after it",
        )
    details = NetVerbose(
        connect_timeout_ms=timers[0],
        hb_interval_ms=timers[1],
        vote_timer_interval_ms=timers[2],
        tls=tls,
        kap_tie_breaker=kap,
        poll_timer_running=poll["v"] == "Yes",
        poll_cast_vote=poll["cast"] is not None,
        force_ip_version=force_ip,
        heuristics=detail,
        tls_active=None if tls_active is None else tls_active["v"] == "Yes",
        client_certificate_sent=tls_active is not None and tls_active["sent"] is not None,
        connected_since=times["Connected since"],
        echo_reply_received=times["Echo reply received"],
    )
    with lines.at(kap_line):
        return QdeviceNetInfo(
            cluster_name, host, port, algorithm, tie_breaker, state, result, details
        )


def parse_qdevice_status(text: str, source: str = "<corosync-qdevice-tool -s>") -> QdeviceStatus:
    """Read `corosync-qdevice-tool -s` or `-sv` output; `QdeviceToolError` naming the line
    for anything else."""
    lines = _Lines(text, source, "qdevice")
    if lines.empty:
        raise QdeviceToolError(
            "empty: corosync-qdevice-tool -s prints a 'Qdevice information' block",
            lines.where(1),
        )
    qdevice = _parse_qdevice_block(lines)
    lines.exact("")
    net = _parse_net_block(lines, qdevice.verbose)
    if (extra := lines.peek()) is not None:
        lines.number += 1
        raise lines.error("a line after the end of the output", extra)
    return QdeviceStatus(qdevice, net)


_CLUSTER = re.compile(rf'Cluster "(?P<v>{_TEXT}*)":')
_CLUSTER_ALGORITHM = re.compile(rf"(?P<v>{_words(ALGORITHMS)})(?P<kap> \(KAP Tie-breaker\))?")
_CLIENT = re.compile(rf"    Node ID (?P<v>{_UINT}):")
_ADDRESS = re.compile(r"(?P<v>[!-~]{1,60})")
_LISTED = re.compile(rf"(?P<v>{_UINT}(?: \({_UINT}\))?(?:, {_UINT}(?: \({_UINT}\))?)*)")
_LISTED_ONE = re.compile(rf"(?P<n>{_UINT})(?: \((?P<dc>{_UINT})\))?")
_CLIENT_HEURISTICS = re.compile(
    rf"(?P<v>{_RESULT})(?: \(membership: (?P<m>{_RESULT}), regular: (?P<r>{_RESULT})\))?"
)
_CLIENT_TLS = re.compile(r"(?P<v>Yes|No)(?P<verified> \(client certificate verified\))?")
_VOTE = re.compile(rf"(?P<v>{_words(VOTES)})(?: \((?P<a>{_words(ACK_NACKS)})\))?")
_PAD = " " * 8


def _listed_nodes(lines: _Lines, found: re.Match[str]) -> tuple[ListedNode, ...]:
    with lines.at():
        tokens = found["v"].split(", ")
        _require(len(tokens) <= MAX_NODES, f"more than {MAX_NODES} nodes in a list")
        nodes = []
        for token in tokens:
            one = _LISTED_ONE.fullmatch(token)
            assert one is not None  # _LISTED matched the whole list
            dc = 0 if one["dc"] is None else _number(one["dc"], MAX_UINT32, "data center id")
            _require(one["dc"] is None or dc != 0, "a data center id of 0 is not printed")
            nodes.append(ListedNode(_number(one["n"], MAX_UINT32, "node id"), dc))
        return tuple(nodes)


def _starts(lines: _Lines, prefix: str) -> bool:
    return (lines.peek() or "").startswith(prefix)


def _parse_client(lines: _Lines, verbose: bool | None) -> QnetdClient:
    """One `    Node ID %u:` block; `verbose` is what the clients before said (None: first)."""
    found = lines.field("", _CLIENT, "'    Node ID <id>:'")
    with lines.at():
        nodeid = _number(found["v"], MAX_UINT32, "node id")
    address = lines.field(
        f"{_PAD}Client address:\t\t", _ADDRESS, "'        Client address:\\t\\t<address>:<port>'"
    )["v"]
    address_line = lines.number
    if verbose is None:
        verbose = _starts(lines, f"{_PAD}HB interval:")
    hb = _ms(lines, f"{_PAD}HB interval:\t\t") if verbose else 0
    config_version = None
    if _starts(lines, f"{_PAD}Configuration version:"):
        found = lines.field(
            f"{_PAD}Configuration version:\t", _UINT_V, "'        Configuration version:\\t<n>'"
        )
        with lines.at():
            config_version = _number(found["v"], MAX_UINT64, "configuration version")
    configured: tuple[ListedNode, ...] = ()
    if _starts(lines, f"{_PAD}Configured node list:"):
        found = lines.field(
            f"{_PAD}Configured node list:\t", _LISTED, "'        Configured node list:\\t<ids>'"
        )
        configured = _listed_nodes(lines, found)
    ring = RingId(0, 0)
    if verbose:
        found = lines.field(f"{_PAD}Ring ID:\t\t", _RING, "'        Ring ID:\\t\\t<hex>.<hex>'")
        with lines.at():
            ring = RingId(
                _hex(found["n"], MAX_UINT32, "ring id node"),
                _hex(found["s"], MAX_UINT64, "ring id sequence"),
            )
    membership: tuple[ListedNode, ...] = ()
    if _starts(lines, f"{_PAD}Membership node list:"):
        found = lines.field(
            f"{_PAD}Membership node list:\t", _LISTED, "'        Membership node list:\\t<ids>'"
        )
        membership = _listed_nodes(lines, found)
    heuristics: HeuristicsResult = "Undefined"
    detail: tuple[HeuristicsResult, HeuristicsResult] = ("Undefined", "Undefined")
    if verbose or _starts(lines, f"{_PAD}Heuristics:"):
        found = lines.field(
            f"{_PAD}Heuristics:\t\t",
            _CLIENT_HEURISTICS,
            "'        Heuristics:\\t\\t<result>[ (...)]'",
        )
        if (found["m"] is not None) != verbose:
            raise lines.error(
                "-v prints '(membership: ..., regular: ...)' after the result, -l not"
            )
        heuristics = _choose(HEURISTICS_RESULTS, found["v"], "heuristics")
        if not verbose and heuristics == "Undefined":
            raise lines.error("-l prints the heuristics only when they are not Undefined")
        if verbose:
            detail = (
                _choose(HEURISTICS_RESULTS, found["m"], "heuristics"),
                _choose(HEURISTICS_RESULTS, found["r"], "heuristics"),
            )
    tls: re.Match[str] | None = None
    if verbose:
        tls = lines.field(
            f"{_PAD}TLS active:\t\t", _CLIENT_TLS, "'        TLS active:\\t\\tYes|No[ ...]'"
        )
    vote: Vote | None = None
    ack: AckNack | None = None
    if _starts(lines, f"{_PAD}Vote:"):
        found = lines.field(
            f"{_PAD}Vote:\t\t\t", _VOTE, "'        Vote:\\t\\t\\t<vote>[ (ACK|NACK)]'"
        )
        vote = _choose(VOTES, found["v"], "vote")
        ack = None if found["a"] is None else _choose(ACK_NACKS, found["a"], "vote")
    details = None
    if verbose:
        assert tls is not None
        details = ClientVerbose(
            hb, ring, detail[0], detail[1], tls["v"] == "Yes", tls["verified"] is not None
        )
    with lines.at(address_line):
        client = QnetdClient(
            nodeid, address, config_version, configured, membership, heuristics, vote, ack, details
        )
    return client


def parse_qnetd_list(text: str, source: str = "<corosync-qnetd-tool -l>") -> QnetdList:
    """Read `corosync-qnetd-tool -l` or `-lv` output (the empty text when no cluster is
    connected); `QdeviceToolError` naming the line for anything else."""
    lines = _Lines(text, source, "qnetd")
    clusters: list[QnetdCluster] = []
    verbose: bool | None = None
    while lines.peek() is not None:
        name = lines.field("", _CLUSTER, "'Cluster \"<name>\":'")["v"]
        start = lines.number
        found = lines.field(
            "    Algorithm:\t\t", _CLUSTER_ALGORITHM, "'    Algorithm:\\t\\t<algorithm>'"
        )
        algorithm = _choose(ALGORITHMS, found["v"], "algorithm")
        kap = found["kap"] is not None
        tie = lines.field("    Tie-breaker:\t", _TIE, "'    Tie-breaker:\\tNode with ...'")
        with lines.at():
            tie_breaker = _tie_breaker(tie)
        clients: list[QnetdClient] = []
        while _starts(lines, "    Node ID ") or not clients:
            client = _parse_client(lines, verbose)
            verbose = client.verbose is not None
            clients.append(client)
            if _starts(lines, _PAD):
                lines.number += 1
                raise lines.error(
                    "a client line out of place: the tool prints a client's lines in a fixed "
                    "order, and the -v ones only with -v (all clients or none)"
                )
        with lines.at(start):
            clusters.append(QnetdCluster(name, algorithm, tie_breaker, tuple(clients), kap))
    return QnetdList(tuple(clusters))


def parse(text: str, source: str = "<qdevice tool output>") -> QdeviceStatus | QnetdList:
    """`parse_qdevice_status` for text that starts with "Qdevice information",
    `parse_qnetd_list` for any other (the empty text and `Cluster "..."` blocks)."""
    if isinstance(text, str) and text.startswith(_QDEVICE_HEAD[0]):
        return parse_qdevice_status(text, source)
    return parse_qnetd_list(text, source)
