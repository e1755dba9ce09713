#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan restore-quorum: Restore quorum on pve1
# Proxmox VE 8.2 (corosync); cluster lab; run on pve1 as root.
# pve1's partition holds 1 of 2 expected votes (quorum 2): run `pvecm expected 1` on pve1.
# WARNING: The lowered expected votes are runtime only: the next `corosync-cfgtool -R` (pmxcfs
# runs it after every change to /etc/pve/corosync.conf) or corosync restart resets them to the
# configured sum, and this partition loses quorum again. Do not edit corosync.conf while
# relying on it. (reference 1.13, 4.4, 10.4)
set -eu

TOKEN=7806fd6f899f
if [ "${1:-}" != "$TOKEN" ]; then
  echo "Read this script first, then run it as: sh $0 $TOKEN" >&2
  exit 2
fi
if [ "$(hostname)" != pve1 ]; then
  echo 'run this script on pve1' >&2
  exit 2
fi

normalise() {
  sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
}

# has_line TEXT LINE: TEXT contains LINE (white space at both ends ignored).
has_line() {
  printf '%s\n' "$1" | normalise | grep -qxF -- "$2"
}

# poll TRIES CHECK: run the check function until it passes, once a second.
poll() {
  tries=$1
  shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$tries" ]; then
      return 1
    fi
    n=$((n + 1))
    sleep 1
  done
}

manual() {
  printf '\nBY HAND: %s\n' "$1"
  printf 'Type yes when done: '
  answer=
  read -r answer </dev/tty || answer=
  if [ "$answer" != yes ]; then
    echo 'stopped: manual step not confirmed' >&2
    exit 1
  fi
}

# links_down ID: corosync-cfgtool -s lists node ID, and on every link as disconnected.
links_down() {
  corosync-cfgtool -s | awk -v id="$1" '
    $1 == "nodeid:" && $2 == id ":" { seen = 1; if ($3 != "disconnected") bad = 1 }
    END { exit (seen && !bad) ? 0 : 1 }'
}

ROLLBACK='nothing has been changed yet'
on_exit() {
  rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '\nFAILED (exit %s). Rollback for the step that failed:\n%s\n' "$rc" "$ROLLBACK" >&2
  fi
}
trap on_exit EXIT

# --- Step 1: Look at quorum on pve1
# Why: Confirm the partition and the vote count the plan was computed for (reference 5.1,
# 5.2).
echo '==> Step 1: Look at quorum on pve1'
ROLLBACK='nothing to roll back for this step'
pvecm status || true

# --- Step 2: Confirm pve2 powered off
# Why: Only a node that is really off cannot form a quorate partition of its own or keep
# running guests (reference 7, 10.19).
echo '==> Step 2: Confirm pve2 powered off'
ROLLBACK='nothing to roll back for this step'
manual 'Check out of band (IPMI/iLO/iDRAC, PDU, hypervisor console) that pve2 is powered off.'

# --- Step 3: Lower expected votes to 1 on pve1
# Why: pve1's partition holds 1 of 2 expected votes; quorum is 2. `pvecm expected 1` runs
# `corosync-quorumtool -e 1`: accepted because 1 is not below the votes present (reference
# 2.2, 2.3); quorum becomes 1 and /etc/pve writable again (reference 6).
step3_pre() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            1' || { echo 'missing line: Nodes:            1' >&2; return 1; }
  has_line "$out" 'Quorate:          No' || { echo 'missing line: Quorate:          No' >&2; return 1; }
  has_line "$out" 'Expected votes:   2' || { echo 'missing line: Expected votes:   2' >&2; return 1; }
  has_line "$out" 'Highest expected: 2' || { echo 'missing line: Highest expected: 2' >&2; return 1; }
  has_line "$out" 'Total votes:      1' || { echo 'missing line: Total votes:      1' >&2; return 1; }
  has_line "$out" 'Quorum:           2 Activity blocked' || { echo 'missing line: Quorum:           2 Activity blocked' >&2; return 1; }
  has_line "$out" Flags: || { echo 'missing line: Flags:' >&2; return 1; }
  return 0
}
step3_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            1' || { echo 'missing line: Nodes:            1' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   1' || { echo 'missing line: Expected votes:   1' >&2; return 1; }
  has_line "$out" 'Highest expected: 1' || { echo 'missing line: Highest expected: 1' >&2; return 1; }
  has_line "$out" 'Total votes:      1' || { echo 'missing line: Total votes:      1' >&2; return 1; }
  has_line "$out" 'Quorum:           1' || { echo 'missing line: Quorum:           1' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate' || { echo 'missing line: Flags:            Quorate' >&2; return 1; }
  return 0
}
echo '==> Step 3: Lower expected votes to 1 on pve1'
ROLLBACK='Runtime only: expected votes grow back by themselves as the missing nodes rejoin (reference 1.4). To drop the lowered value at once run `corosync-cfgtool -R` on pve1 (a reload re-reads expected votes, reference 1.13); `pvecm expected` with a higher value is refused on a quorate node once quorum would exceed the votes present (reference 2.2).'
poll 1 step3_pre || { echo 'pre-check of step 3 failed: still blocked with the votes the plan counted' >&2; exit 1; }
links_down 2 || { echo 'pve2 (node id 2) is not disconnected on every link: alive?' >&2; exit 1; }
pvecm expected 1
poll 1 step3_post || { echo 'post-check of step 3 failed: quorate with the lowered value' >&2; exit 1; }

# --- Step 4: When the missing nodes are back
# Why: Expected votes grow back on their own as soon as the votes present exceed them; no
# command is needed (reference 1.4, 2.4).
# Later, not run by this script:
# on pve1: pvecm status
# expect: Nodes:            2
# expect: Quorate:          Yes
# expect: Expected votes:   2
# expect: Highest expected: 2
# expect: Total votes:      2
# expect: Quorum:           2
# expect: Flags:            Quorate

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
