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
# WARNING: The missing nodes (pve2, pve3) hold 2 votes: if they start while the network is
# split, they are quorate on their own while this partition runs on expected 1 - split brain
# (simulated). Keep them off until the network path to this partition is verified, or remove
# them from the cluster for good (`pvecm delnode`). (reference 2.4, 10.19)
set -eu

cat >&2 <<'PVEQUORUM_BLOCKED'
This plan is BLOCKED and changes nothing:
- pve2, pve3 not confirmed down. They may be running in another partition with their guests; lowering expected votes here would make both sides quorate (split brain). Power them off or fence them, verify out of band, then plan again with them confirmed down (`pvequorum plan restore-quorum --confirmed-down pve2,pve3`, or in a runbook `-p confirmed_down pve2,pve3 -p confirmed_down_by HOW`).
PVEQUORUM_BLOCKED
exit 3
