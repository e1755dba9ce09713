"""Proxmox VE versions and what each generation can do.

The quorum stack changed twice: PVE 2.x/3.x run cman (cluster.conf, reference 8), PVE 4.x/5.x
corosync 2 with votequorum, PVE 6.x and later corosync 3 with the knet transport.  Feature
gates below name where the version boundary comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pvequorum.errors import InputError

# ASCII digits only, and short: a version is never "²" nor 5000 digits long
_VERSION = re.compile(
    r"^\s*([0-9]{1,3})(?:\.([0-9]{1,3})(?:\.[0-9]{1,6})?(?:-[0-9A-Za-z.~+]{1,40})?)?\s*$"
)

OLDEST, NEWEST = 2, 9  # PVE 2.0 (2012, cman) up to the current major series


@dataclass(frozen=True, order=True)
class PveVersion:
    """A Proxmox VE release as major.minor (patch levels do not change any procedure)."""

    major: int
    minor: int = 0

    def __post_init__(self) -> None:
        if not OLDEST <= self.major <= NEWEST:
            raise InputError(
                f"Proxmox VE {self.major}.{self.minor} is not a release this kit knows "
                f"({OLDEST}.x to {NEWEST}.x)",
                where="--pve-version",
            )

    @classmethod
    def parse(cls, text: str) -> PveVersion:
        """'3.4', '8.2', '8', '8.2.4' or 'pve-manager/8.2.4/...' (as `pveversion` prints)."""
        m = _VERSION.match(text.split("/", 2)[1] if text.startswith("pve-manager/") else text)
        if not m:
            shown = repr(text) if len(text) <= 40 else repr(text[:40]) + "..."
            raise InputError(f"cannot read a Proxmox VE version from {shown}", "--pve-version")
        return cls(int(m.group(1)), int(m.group(2) or 0))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def stack(self) -> str:
        """'cman' for PVE 2.x/3.x (reference 8), 'corosync' (votequorum) from 4.0 on."""
        return "cman" if self.major <= 3 else "corosync"

    @property
    def corosync_major(self) -> int:
        """corosync 1 under cman (PVE 2/3), 2 for PVE 4/5, 3 (knet) from PVE 6."""
        return 1 if self.major <= 3 else 2 if self.major <= 5 else 3

    @property
    def transport(self) -> str:
        return "knet" if self.major >= 6 else "udp (multicast)"

    @property
    def generation(self) -> str:
        if self.stack == "cman":
            return "cman (cluster.conf)"
        return f"corosync {self.corosync_major} ({self.transport})"

    @property
    def has_pvecm_qdevice(self) -> bool:
        """`pvecm qdevice setup` came with pve-cluster 5.0-34 (2019-03-14, "allow to setup
        and remove qdevice for cluster with the pvecm CLI tool"), first shipped in PVE 5.4
        (inference from the release dates)."""
        return (self.major, self.minor) >= (5, 4)

    @property
    def has_node_maintenance(self) -> bool:
        """`ha-manager crm-command node-maintenance enable NODE` came with pve-ha-manager
        3.6.0 (2023-03-20, fix #4371, commit 4600bf8), first shipped in PVE 7.4 - not 7.3,
        which had pve-ha-manager 3.5.1 (inference from the release dates)."""
        return (self.major, self.minor) >= (7, 4)

    @property
    def pvecm_create_token_coefficient(self) -> int | None:
        """What `pvecm create` writes as `totem.token_coefficient`: 125 from pve-cluster
        9.1.0 (2026-03, `pvecm create --token-coefficient`, reference 12.3), nothing before
        (corosync's default 650 applies, reference 9).  pve-cluster 9.1.0 reaching
        installations as part of the Proxmox VE 9.1 series is an inference from its date."""
        return 125 if (self.major, self.minor) >= (9, 1) else None

    @property
    def has_ha_rules(self) -> bool:
        """HA node-affinity rules replace HA groups from Proxmox VE 9.0 (reference 12.3)."""
        return self.major >= 9

    @property
    def has_disarm_ha(self) -> bool:
        """`ha-manager crm-command disarm-ha` / `arm-ha` for cluster-wide maintenance came
        with Proxmox VE 9.2 (reference 12.3)."""
        return (self.major, self.minor) >= (9, 2)

    @property
    def has_crm_command(self) -> bool:
        """`ha-manager crm-command migrate` exists since pve-ha-manager 3.0-3 (2019-11, PVE
        6.1, inference from dates); before that the same request is `ha-manager migrate`."""
        return (self.major, self.minor) >= (6, 1)


# One Proxmox VE release from each stretch between two feature gates above, per generation:
# a plan that comes out the same for all of them does not depend on the version.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "cman": ("2.0", "3.0"),
    "corosync 2": ("4.0", "5.4"),
    "corosync 3": ("6.0", "6.1", "7.4", "9.0"),
}
_KNET_ONLY = re.compile(r"^\s*(linknumber|link_mode|knet_[a-z_]+)\s*:", re.MULTILINE)


def from_pveversion(text: str, where: str) -> PveVersion:
    """The release from `pveversion` (`pve-manager/8.2.4/...`) or `pveversion -v` output
    (its `pve-manager: 8.2.4 (running version: 8.2.4/...)` line)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("pve-manager/"):
            return PveVersion.parse(line.split()[0])
        if line.startswith("pve-manager:"):
            running = re.search(r"running version: ([0-9][^/ )]*)", line)
            value = running.group(1) if running else line.split(":", 1)[1].split()[0]
            return PveVersion.parse(value)
    raise InputError("no pve-manager line: not the output of `pveversion -v`", where)


def generations_of(config_text: str, stack: str) -> tuple[tuple[str, ...], str]:
    """The generations this config can belong to, and why (reference 4.1, 8.1)."""
    if stack == "cman":
        return ("cman",), "the config is a cluster.conf, which only cman (PVE 2.x/3.x) reads"
    knet = _KNET_ONLY.search(config_text)
    if knet or re.search(r"^\s*transport\s*:\s*knet\s*$", config_text, re.MULTILINE):
        key = knet.group(1) if knet else "transport: knet"
        return ("corosync 3",), f"the config has `{key}`, which only corosync 3 (PVE 6+) knows"
    # ringnumber/bindnetaddr do not prove corosync 2: clusters upgraded to PVE 6 keep them
    return ("corosync 2", "corosync 3"), "the config does not tell corosync 2 from 3"
