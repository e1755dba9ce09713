"""What corosync 3.1.7's config reader does with each item and section.  PURE.

`conf.corosync.parse` splits the file as `parse_section()` (exec/coroparse.c) does and
raises on what it refuses there.  Everything else corosync refuses while reading the file
happens in its callback, `main_config_parser_cb()`, and in cmap (`icmap_set_r()`), and is
replayed here, event by event, with corosync's own state machine (reference 4.5):

* the state of a section is its parent's unless its full path names one of the known
  sections (`totem`, `totem.interface`, `quorum`, `quorum.device`, `nodelist.node`, ...);
  integer keys are checked only in the state that knows them, so `totem.token: x` at the
  top level is a plain string and accepted;
* integers go through `strtoll` and the range of their C type, `config_version` and
  `poll_period` through `strtoull` (a minus sign wraps); a value `strtoull` cannot read
  there makes corosync abort on an assert (exit 134);
* every key cmap stores must be 3 to 255 characters from `[a-zA-Z0-9._/:-]`; items of
  `logger_subsys`, `logging_daemon` and `member` are stored when their section closes, so
  a bad name there is refused at the closing brace;
* `uidgid` names are looked up in the node's passwd and group files: only a caller that
  knows the host can say (`Accounts`), without one a name is taken.

`refusals()` lists every refusal in file order; corosync stops at the first.  The first
is also what `corosync -t` prints as `parser error: FILE:LINE: MESSAGE` (the differential
tests compare exactly that).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum, auto

from pvequorum.cvalues import parse_int, parse_uint64

FORMATTED_ERROR_MAX = 256  # `static char formated_err[256]` in main_config_parser_cb()
KEYNAME_MINLEN = 3  # ICMAP_KEYNAME_MINLEN
KEYNAME_MAXLEN = 255  # ICMAP_KEYNAME_MAXLEN
_VALID_KEY = re.compile(r"[a-zA-Z0-9._/:-]*")  # icmap_is_valid_name_char()
# knet_get_crypto_list() / knet_get_compress_list() of libknet 1.25 (Debian 12, PVE 8),
# in the order corosync prints them; "none" is not in the compression list.
CRYPTO_MODELS = ("nss", "openssl")
COMPRESS_MODELS = ("zlib", "lz4", "lz4hc", "lzo2", "lzma", "bzip2", "zstd")


class State(IntEnum):
    """`enum main_cp_cb_data_state` (an int: hashing is the hot path)."""

    NORMAL = auto()
    TOTEM = auto()
    INTERFACE = auto()
    MEMBER = auto()
    SYSTEM = auto()
    QUORUM = auto()
    QDEVICE = auto()
    NODELIST = auto()
    NODELIST_NODE = auto()
    LOGGER_SUBSYS = auto()
    LOGGING_DAEMON = auto()
    UIDGID = auto()
    RESOURCES = auto()
    RESOURCES_SYSTEM = auto()
    RESOURCES_PROCESS = auto()


SECTION_STATES = {
    "totem": State.TOTEM,
    "totem.interface": State.INTERFACE,
    "totem.interface.member": State.MEMBER,
    "system": State.SYSTEM,
    "quorum": State.QUORUM,
    "quorum.device": State.QDEVICE,
    "nodelist": State.NODELIST,
    "nodelist.node": State.NODELIST_NODE,
    "logging.logger_subsys": State.LOGGER_SUBSYS,
    "logging.logging_daemon": State.LOGGING_DAEMON,
    "uidgid": State.UIDGID,
    "resources": State.RESOURCES,
    "resources.system": State.RESOURCES_SYSTEM,
    "resources.system.memory_used": State.RESOURCES_SYSTEM,
    "resources.process": State.RESOURCES_PROCESS,
    "resources.process.memory_used": State.RESOURCES_PROCESS,
}

U8, U16, U32, I32 = (0, 255), (0, 65535), (0, 2**32 - 1), (-(2**31), 2**31 - 1)
ULL = None  # read with strtoull; no range of its own
_TOTEM_U32 = [
    "version",
    "nodeid",
    "threads",
    "token",
    "token_coefficient",
    "token_retransmit",
    "token_warning",
    "hold",
    "token_retransmits_before_loss_const",
    "join",
    "send_join",
    "consensus",
    "merge",
    "downcheck",
    "fail_recv_const",
    "seqno_unchanged_const",
    "rrp_token_expired_timeout",
    "rrp_problem_count_timeout",
    "rrp_problem_count_threshold",
    "rrp_problem_count_mcast_threshold",
    "rrp_autorecovery_check_timeout",
    "heartbeat_failures_allowed",
    "max_network_delay",
    "window_size",
    "max_messages",
    "miss_count_const",
    "knet_pmtud_interval",
    "knet_mtu",
    "knet_compression_threshold",
    "netmtu",
]
# (state, full path) -> C range; in these states corosync compares the full path
INT_PATHS: dict[State, dict[str, tuple[int, int] | None]] = {
    State.QUORUM: {
        **{
            f"quorum.{k}": U32
            for k in ("expected_votes", "votes", "last_man_standing_window", "leaving_timeout")
        },
        **{
            f"quorum.{k}": U8
            for k in (
                "two_node",
                "expected_votes_tracking",
                "allow_downscale",
                "wait_for_all",
                "auto_tie_breaker",
                "last_man_standing",
            )
        },
    },
    State.QDEVICE: {
        **{f"quorum.device.{k}": U32 for k in ("timeout", "sync_timeout", "votes")},
        "quorum.device.master_wins": U8,
    },
    State.TOTEM: {
        **{f"totem.{k}": U32 for k in _TOTEM_U32},
        "totem.knet_compression_level": I32,
        "totem.config_version": ULL,
    },
    State.INTERFACE: {
        "totem.interface.linknumber": U8,
        "totem.interface.mcastport": U16,
        "totem.interface.ttl": U8,
        "totem.interface.knet_link_priority": U8,
        **{
            f"totem.interface.{k}": U32
            for k in (
                "knet_ping_interval",
                "knet_ping_timeout",
                "knet_ping_precision",
                "knet_pong_count",
            )
        },
    },
}
# (state) -> key -> C range; in these states corosync compares the key alone
INT_KEYS: dict[State, dict[str, tuple[int, int] | None]] = {
    State.NODELIST_NODE: {"nodeid": U32, "quorum_votes": U32},
    State.RESOURCES: {"watchdog_timeout": U32},
    State.RESOURCES_SYSTEM: {"poll_period": ULL},
    State.RESOURCES_PROCESS: {"poll_period": ULL},
}


def _list(names: Iterable[str]) -> str:
    """util.c's list: "a, b or c"."""
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


ENUMS: dict[State, dict[str, tuple[tuple[str, ...], str]]] = {
    State.TOTEM: {
        "totem.ip_version": (("ipv4", "ipv6", "ipv6-4", "ipv4-6"), "Invalid ip_version type"),
        "totem.crypto_model": (
            CRYPTO_MODELS,
            "Invalid crypto model. Should be " + _list(CRYPTO_MODELS),
        ),
        "totem.crypto_cipher": (
            ("none", "aes256", "aes192", "aes128"),
            "Invalid cipher type. Should be none, aes256, aes192 or aes128",
        ),
        "totem.crypto_hash": (
            ("none", "md5", "sha1", "sha256", "sha384", "sha512"),
            "Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512",
        ),
        "totem.knet_compression_model": (
            COMPRESS_MODELS,
            "Invalid compression model. Should be " + _list(COMPRESS_MODELS),
        ),
    },
    State.SYSTEM: {
        "system.qb_ipc_type": (("native", "shm", "socket"), "Invalid system.qb_ipc_type"),
        "system.sched_rr": (("yes", "no"), "Invalid system.sched_rr value"),
        "system.move_to_root_cgroup": (
            ("yes", "no", "auto"),
            "Invalid system.move_to_root_cgroup",
        ),
        "system.allow_knet_handle_fallback": (
            ("yes", "no"),
            "Invalid system.allow_knet_handle_fallback",
        ),
    },
}
# interface items kept aside and stored under totem.interface.<linknumber>.<key> at its end
_INTERFACE_DATA = {
    "linknumber",
    "bindnetaddr",
    "mcastaddr",
    "broadcast",
    "mcastport",
    "ttl",
    "knet_link_priority",
    "knet_ping_interval",
    "knet_ping_timeout",
    "knet_ping_precision",
    "knet_pong_count",
    "knet_transport",
}
_INTERFACE_PATHS = frozenset(f"totem.interface.{k}" for k in _INTERFACE_DATA)


@dataclass(frozen=True)
class Accounts:
    """The node's passwd and group lookups (`getpwnam_r`, `getgrnam_r`) for `uidgid`."""

    user_exists: Callable[[str], bool]
    group_exists: Callable[[str], bool]


@dataclass(frozen=True)
class Refusal:
    """One thing corosync refuses while reading the file, in its words, at its line."""

    line: int
    message: str
    aborts: bool = False  # corosync dies on an assert (exit 134) instead of an error


def valid_key_name(name: str) -> bool:
    """`icmap_check_key_name()`: what cmap can store (length counted in bytes)."""
    if _VALID_KEY.fullmatch(name) is None:
        return False
    return KEYNAME_MINLEN <= len(name) <= KEYNAME_MAXLEN  # the valid characters are ASCII


def _atoi_error(key_name: str, value: str, low: int, high: int) -> str:
    message = (
        f'Value of key "{key_name}" is expected to be integer in range ({low}..{high}), '
        f'but "{value}" was given'
    )
    if len(message.encode("utf-8", "surrogateescape")) >= FORMATTED_ERROR_MAX:
        return "Can't format parser error message"
    return message


def _store_error(key_name: str) -> str:
    message = f'Can\'t store key "{key_name}" into icmap, returned error is CS_ERR_NAME_TOO_LONG'
    if len(message.encode("utf-8", "surrogateescape")) >= FORMATTED_ERROR_MAX:
        return "Can't format parser error message"
    return message


def _truncated(key_name: str) -> str:
    """`snprintf(key_name, ICMAP_KEYNAME_MAXLEN, ...)` keeps at most 254 bytes."""
    if len(key_name) * 4 < KEYNAME_MAXLEN:
        return key_name
    raw = key_name.encode("utf-8", "surrogateescape")
    if len(raw) < KEYNAME_MAXLEN:
        return key_name
    return raw[: KEYNAME_MAXLEN - 1].decode("utf-8", "surrogateescape")


def _uid(value: str) -> bool:
    """`uid_determine()`'s numeric branch: strtol over the whole value, 0..UINT_MAX."""
    number = parse_int(value)
    return value != "" and number is not None and 0 <= number <= 2**32 - 1


@dataclass
class _Data:
    """`struct main_cp_cb_data`: what the callback keeps between events (one per file)."""

    node_number: int = 0
    linknumber: int = 0
    subsys: str | None = None
    daemon_name: str | None = None
    kv_items: list[str] = field(default_factory=list)  # keys of logger_subsys/logging_daemon


class Replay:
    """`main_config_parser_cb()` fed the events of one file in order."""

    def __init__(self, accounts: Accounts | None = None) -> None:
        self.accounts = accounts
        self.data = _Data()
        self.refusals: list[Refusal] = []
        self._states: list[State] = [State.NORMAL]

    def _refuse(self, line: int, message: str, aborts: bool = False) -> None:
        self.refusals.append(Refusal(line, message, aborts))

    def section_start(self, path: str) -> None:
        state = SECTION_STATES.get(path, self._states[-1])
        if state is State.INTERFACE and path == "totem.interface":
            self.data.linknumber = 0
        elif state in (State.LOGGER_SUBSYS, State.LOGGING_DAEMON) and path in SECTION_STATES:
            self.data.kv_items = []
            self.data.subsys = None
            if state is State.LOGGING_DAEMON:
                self.data.daemon_name = None
        elif state is State.NODELIST and path == "nodelist":
            self.data.node_number = 0
        self._states.append(state)

    def section_end(self, line: int) -> None:
        state = self._states.pop()
        data = self.data
        if state is State.NODELIST_NODE:
            data.node_number += 1
        elif state is State.LOGGER_SUBSYS:
            if data.subsys is None:
                self._refuse(line, "No subsys key in logger_subsys directive")
                return
            prefix = f"logging.logger_subsys.{data.subsys}."
            self._store_all(
                line, [prefix + key for key in reversed(data.kv_items)] + [prefix + "subsys"]
            )
        elif state is State.LOGGING_DAEMON:
            self._daemon_end(line)

    def _daemon_end(self, line: int) -> None:
        data = self.data
        name, subsys = data.daemon_name, data.subsys
        if name is None:
            self._refuse(line, "No name key in logging_daemon directive")
            return
        if subsys is None:
            prefix = "logging." if name == "corosync" else f"logging.logging_daemon.{name}."
        elif name == "corosync":
            prefix = f"logging.logger_subsys.{subsys}."
        else:
            prefix = f"logging.logging_daemon.{name}.{subsys}."
        keys = [prefix + key for key in reversed(data.kv_items)]
        if subsys is None and name != "corosync":
            keys.append(f"logging.logging_daemon.{name}.name")
        elif subsys is not None and name == "corosync":
            keys.append(f"logging.logger_subsys.{subsys}.subsys")
        elif subsys is not None:
            keys += [prefix + "subsys", prefix + "name"]
        self._store_all(line, keys)

    def _store_all(self, line: int, keys: list[str]) -> None:
        """Stores at a section's end: the first key cmap refuses is the error."""
        for key in keys:
            key = _truncated(key)
            if not valid_key_name(key):
                self._refuse(line, _store_error(key))
                return

    def item(self, line: int, path: str, key: str, value: str) -> None:
        state = self._states[-1]
        problem = self._item_problem(state, path, key, value)
        if problem is not None:
            self._refuse(line, *problem)

    def _item_problem(
        self, state: State, path: str, key: str, value: str
    ) -> tuple[str, bool] | None:
        """(corosync's message, whether it aborts) for one item, or None."""
        data = self.data
        key_name = path
        by_path, by_key = INT_PATHS.get(state, {}), INT_KEYS.get(state, {})
        numeric = path in by_path or key in by_key
        number_range = by_path[path] if path in by_path else by_key.get(key)
        if state is State.NODELIST_NODE:
            key_name = _truncated(f"nodelist.node.{data.node_number}.{key}")
        if numeric and number_range is None:  # strtoull; failing aborts on atoi_error's assert
            if parse_uint64(value) is None:
                return (
                    f'Value of key "{key_name}" is not an unsigned 64-bit integer ("{value}"): '
                    "corosync 3.1.7 aborts (Assertion `safe_atoq_range(val_type, &min_val, "
                    "&max_val) == 0' failed)",
                    True,
                )
            return None if valid_key_name(key_name) else (_store_error(key_name), False)
        if number_range is not None:
            low, high = number_range
            number = parse_int(value)
            if number is None or not low <= number <= high:
                return _atoi_error(key_name, value, low, high), False
            if state is State.INTERFACE:  # kept aside, stored at the section's end
                if path == "totem.interface.linknumber":
                    data.linknumber = number
                return None
            return None if valid_key_name(key_name) else (_store_error(key_name), False)
        enum = ENUMS.get(state, {}).get(path)
        if enum is not None and value not in enum[0]:
            return enum[1], False
        return self._stored(state, path, key, value, key_name)

    def _stored(
        self, state: State, path: str, key: str, value: str, key_name: str
    ) -> tuple[str, bool] | None:
        """The states that keep an item aside, or cmap's check of the key it stores."""
        data = self.data
        if state is State.UIDGID:
            return self._uidgid(key, value)
        if state is State.MEMBER:
            return (
                None
                if key == "memberaddr"
                else ("Only memberaddr is allowed in member section", False)
            )
        if state in (State.LOGGER_SUBSYS, State.LOGGING_DAEMON):
            if key == "subsys":
                data.subsys = value
            elif key == "name" and state is State.LOGGING_DAEMON:
                data.daemon_name = value
            else:
                data.kv_items.append(key)
            return None
        if state is State.INTERFACE and path in _INTERFACE_PATHS:
            return None
        return None if valid_key_name(key_name) else (_store_error(key_name), False)

    def _uidgid(self, key: str, value: str) -> tuple[str, bool] | None:
        if key not in ("uid", "gid"):
            return "uidgid: Only uid and gid are allowed items", False
        if _uid(value):
            # uid_determine() returns an int: UINT_MAX reads as -1, its error value, and the
            # message is then whatever the error buffer last held (empty at first)
            return ("", False) if parse_int(value) == 2**32 - 1 else None
        if self.accounts is None:
            return None
        if key == "uid" and not self.accounts.user_exists(value):
            return (
                f"The '{value}' user is not found in /etc/passwd, please read the documentation.",
                False,
            )
        if key == "gid" and not self.accounts.group_exists(value):
            return (
                f"The '{value}' group is not found in /etc/group, please read the documentation.",
                False,
            )
        return None


def replay(
    events: Iterable[tuple[str, str, str, int]], accounts: Accounts | None = None
) -> list[Refusal]:
    """Every refusal of the callback for a file's events, in file order.

    An event is (kind, name, value, line) with kind "open", "close" or "item" and the line
    as corosync counts it; `conf.corosync` produces them from its document."""
    callback = Replay(accounts)
    paths = [""]
    for kind, name, value, line in events:
        if kind == "open":
            path = f"{paths[-1]}.{name}" if paths[-1] else name
            paths.append(path)
            callback.section_start(path)
        elif kind == "close":
            paths.pop()
            callback.section_end(line)
        elif kind == "item":
            path = f"{paths[-1]}.{name}" if paths[-1] else name
            callback.item(line, path, name, value)
    return callback.refusals
