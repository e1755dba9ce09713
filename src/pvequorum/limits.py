"""The documented limits on what the kit accepts, in one place.

Every limit is checked up front, before anything runs, and a value beyond one is an
`InputError` whose one line names the field and the limit.  Each constant says where its
value comes from: corosync's own limits where corosync has one (corosync v3.1.7, the version
the recordings were made with), otherwise the kit's, chosen so that every command finishes
within 2 s and 500 MB on a small machine for any input within the limits
(`benchmarks/bench_limits.py` measures the worst cases).
"""

from __future__ import annotations

from pvequorum.textio import MAX_INPUT_BYTES

MAX_SCENARIO_BYTES: int = MAX_INPUT_BYTES
"""Largest scenario file read (4 MiB): `textio.read_input`'s limit for every operator file.

The team's recordings are a few KiB; 4 MiB bounds the JSON decoder's memory (well under
500 MB even for the densest JSON) while leaving room for any hand-written scenario.
"""

MAX_CONFIG_BYTES: int = 256 * 1024
"""Largest corosync.conf, cluster.conf or `pvecm status` text read (256 KiB).

A 384-node corosync.conf (corosync's node limit) written by Proxmox is about 60 KiB, its
`pvecm status` about 20 KiB; 256 KiB leaves four times that and keeps `config check` and
`config edit` well inside 2 s (a 4 MiB file took 5 s and 20 s).
"""

MAX_CFGTOOL_BYTES: int = 2 * 1024 * 1024
"""Largest `corosync-cfgtool -s`, `-s -b` or `-n` text read (2 MiB, counted in characters).

The largest output corosync 3.1.7 can print at its own limits (MAX_NODES nodes, the 8 links of
`CFG_MAX_LINKS` and 255-character addresses, `CFG_MAX_HOST_LEN` in include/corosync/cfg.h) is
`-n`'s, about 1.8 MB (`tests/test_cfgtool.py` renders it); `-s` at those limits is about
110 KiB.  MAX_CONFIG_BYTES would refuse a real 384-node, 8-link `-n`, hence a limit of its
own; parsing 2 MiB takes well under a second, as every pattern is bounded and read once.
"""

MAX_PLAN_NODES: int = 64
"""Largest cluster a plan (and a runbook) is made for: 64 nodes.

A plan replays every node's votequorum daemon in the simulator, for every situation it
tries and, without a given version, for every Proxmox VE release it must rule out; the cost
grows faster than the node count (measured on this 2-core machine: 0.9 s for the slowest
plan at 64 nodes, 2.1 s at 96, 131 s at 384).  `analyze` and `simulate` have their own,
larger bounds.
"""

MAX_JSON_DEPTH: int = 16
"""Deepest nesting of arrays and objects in a scenario file.  The kit's limit.

The format needs 5 levels (document, `cluster`, `quorum`, `device`, `net`; or document,
`steps`, step, `partition`, group), its extensions no more.  It is checked before decoding,
without recursion and in one pass per level, so the recursive JSON decoder never sees a
deeper document and the check stays cheap on a 4 MiB file.
"""

MAX_INT_DIGITS: int = 20
"""Longest integer literal (digits, sign not counted) that is converted to a number.

No field takes more than a 64-bit value (20 digits).  A longer literal is kept as a
placeholder that every field refuses by name, so Python's int-string limit (4300 digits)
is never reached and a huge literal costs no conversion time.
"""

MAX_NODES: int = 384
"""Most nodes in a cluster: corosync's own limit.

corosync v3.1.7 `include/corosync/totem/totem.h`: `#define PROCESSOR_COUNT_MAX 384`
(16 with HAVE_SMALL_MEMORY_FOOTPRINT); votequorum's member arrays and its
`auto_tie_breaker_node` list are `[PROCESSOR_COUNT_MAX]` arrays (`exec/votequorum.c`).
The same bound applies to the number of ids in `auto_tie_breaker_node`.
"""

MAX_NODEID: int = 2**32 - 1
"""Largest nodeid (and id in `auto_tie_breaker_node` or `tie_breaker`).

corosync.conf(5): nodeid "is a 32 bit value"; 0 is reserved (the smallest is 1).  With the
knet transport corosync also refuses ids >= KNET_MAX_HOST (65536) at startup.
"""

MAX_NODE_VOTES: int = 255
"""Most votes of one node (`votes`, corosync's `quorum_votes`).  The kit's limit.

corosync reads `quorum_votes` as uint32, but keeps the quorum threshold in a
`static uint8_t quorum` (`exec/votequorum.c`), so no threshold above 255 exists: a node
with more votes would outvote by itself every quorum corosync can hold, which no sane
cluster configures (Proxmox VE gives each node 1).
"""

MAX_TOTAL_VOTES: int = 2**31 - 1
"""Largest vote count of any kind: `expected_votes`, an `expected` step's `votes`, the
qdevice's `votes`, and the sum of the nodelist votes and the qdevice votes.

corosync holds votes in `uint32_t` and computes `(expected_votes + 2) / 2` in `unsigned
int`, which wraps from 2**32 - 2 on; the kit models the 8-bit wrap of `quorum` (totals
above 510 give a wrapped quorum, and the simulator and the analysis reproduce it) but no
32-bit wrap.  Staying at or below INT32_MAX keeps clear of every 32-bit wrap, signed or not.
The failure analysis stays exact and fast for any total: it tracks survivor votes only up to
255 (see `analysis`).
"""

MAX_UINT32: int = 2**32 - 1
"""Largest timing value (`token`, `token_coefficient`, `consensus`,
`last_man_standing_window`, in ms) and `wait` step: corosync reads the timing keys as
uint32 milliseconds; a longer `wait` than ~49.7 days means nothing more to a timer.
"""

MAX_CONFIG_VERSION: int = 2**64 - 1
"""Largest `config_version`: corosync keeps `totem.config_version` as a uint64."""

MAX_STEPS: int = 1000
"""Most steps in a scenario.  The kit's limit.

The recordings have at most a few dozen steps, and the lab needs seconds per membership
step, so 1000 steps is already a run of many minutes there; the kit's own speed benchmark
(`bench_core.py`) runs a 1000-step scenario.
"""

MAX_SIMULATION_WORK: int = 6_000_000
"""Most work `pvequorum simulate` takes on, in units of about 0.25 µs.  The kit's limit.

The simulator delivers corosync's messages as corosync does: at a membership change every
member of a partition of p nodes receives p nodeinfo messages and may recount its table of
up to n nodes for each, so a membership step of a cluster of n nodes costs up to n**3 units,
and every step, membership or not (`observe` prints n views of n members), about
SIMULATION_STEP_WEIGHT * n**2 more.  `simulation_work` adds this up; the measured cost is
1.5 to 3 times below it.  So 1000 membership steps fit up to 10 nodes, 14 fit 64 nodes, and
one (a start) fits 169 nodes.  Lifting this needs a simulator whose recount is not O(n).
"""

SIMULATION_STEP_WEIGHT: int = 40
"""Cost of any step per n**2, in MAX_SIMULATION_WORK units (measured: 10 to 36)."""


def simulation_work(nodes: int, membership_steps: int, steps: int) -> int:
    """The worst-case work of simulating `steps` steps of which `membership_steps` change
    the membership, on a cluster of `nodes` nodes, in MAX_SIMULATION_WORK units."""
    return membership_steps * nodes**3 + steps * SIMULATION_STEP_WEIGHT * nodes**2
