#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan restore-quorum: Restore quorum on pve1
# Proxmox VE 8.2 (corosync); cluster lab; run on pve1 as root.
# pve1's partition is blocked (1 of 3 votes, quorum 2) and lowering expected votes is not safe
# here.
# BLOCKING: pve2, pve3 not confirmed down. They may be running in another partition with their
# guests; lowering expected votes here would make both sides quorate (split brain). Power them
# off or fence them, verify out of band, then plan again with them confirmed down (`pvequorum
# plan restore-quorum --confirmed-down pve2,pve3`, or in a runbook `-p confirmed_down
# pve2,pve3 -p confirmed_down_by HOW`). (reference 7, 10.19)
# WARNING: The missing nodes (pve2, pve3) hold 2 votes: enough to be quorate on their own. If
# they are only cut off rather than down, they are quorate right now, and this partition on
# expected 1 makes two quorate partitions - split brain (simulated); the same holds if they
# start while the network is split. From here a cut-off node looks exactly like a crashed one:
# the out-of-band check of their power state is the only safeguard. Keep them off until the
# network path is verified, or remove them for good (`pvecm delnode`). (reference 2.4, 10.19)
set -eu

cat >&2 <<'PVEQUORUM_BLOCKED'
This plan is BLOCKED and changes nothing:
- pve2, pve3 not confirmed down. They may be running in another partition with their guests; lowering expected votes here would make both sides quorate (split brain). Power them off or fence them, verify out of band, then plan again with them confirmed down (`pvequorum plan restore-quorum --confirmed-down pve2,pve3`, or in a runbook `-p confirmed_down pve2,pve3 -p confirmed_down_by HOW`).
PVEQUORUM_BLOCKED
exit 3
