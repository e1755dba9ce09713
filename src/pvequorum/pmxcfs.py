"""What pmxcfs (`/etc/pve`) lets through, decided in one place (reference 6).  PURE.

pmxcfs takes writes exactly while its node is quorate: without quorum every write is refused
with EACCES (`/etc/pve` is read-only), the HA agent lock cannot be renewed (reference 7),
and no VM, storage or cluster change can be saved.  Local mode (`pmxcfs -l`) forces quorum
and is a repair tool, not a state the kit models.  Every edge that shows `/etc/pve` asks
here: the simulator's snapshots, the stage, the lab's status line and the CLI tables.
"""

from __future__ import annotations


def etc_pve_writable(quorate: bool) -> bool:
    """Whether `/etc/pve` takes writes on a node with this quorum state (reference 6)."""
    return quorate


def etc_pve_word(quorate: bool) -> str:
    """How a status line says it: "writable" or "read-only"."""
    return "writable" if etc_pve_writable(quorate) else "read-only"
