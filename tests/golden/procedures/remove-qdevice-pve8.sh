#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan remove-qdevice: Remove the QDevice from cluster mycluster
# Proxmox VE 8.2 (corosync); cluster mycluster; run on pve1 as root.
# Remove the QDevice from cluster mycluster.
# WARNING: Without the QDevice this 2-node cluster loses quorum as soon as one node is down
# (simulated); /etc/pve then turns read-only. (reference 3.3, 6)
set -eu

TOKEN=0b3b3eb1acaf
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

# --- Step 1: Check that every node is online
# Why: `pvecm qdevice remove` needs every node online (reference 3.3).
step1_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            2' || { echo 'missing line: Nodes:            2' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   3' || { echo 'missing line: Expected votes:   3' >&2; return 1; }
  has_line "$out" 'Highest expected: 3' || { echo 'missing line: Highest expected: 3' >&2; return 1; }
  has_line "$out" 'Total votes:      3' || { echo 'missing line: Total votes:      3' >&2; return 1; }
  has_line "$out" 'Quorum:           2' || { echo 'missing line: Quorum:           2' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate Qdevice' || { echo 'missing line: Flags:            Quorate Qdevice' >&2; return 1; }
  return 0
}
echo '==> Step 1: Check that every node is online'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 1 step1_post || { echo 'post-check of step 1 failed: all nodes members, with the QDevice'"'"'s vote' >&2; exit 1; }

# --- Step 2: Remove the QDevice
# Why: Deletes the device section (version bump), removes /etc/corosync/qdevice, stops and
# disables corosync-qdevice on every node and reloads corosync; it prints `Removed Qdevice.`
# (reference 3.3).
step2_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            2' || { echo 'missing line: Nodes:            2' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   2' || { echo 'missing line: Expected votes:   2' >&2; return 1; }
  has_line "$out" 'Highest expected: 2' || { echo 'missing line: Highest expected: 2' >&2; return 1; }
  has_line "$out" 'Total votes:      2' || { echo 'missing line: Total votes:      2' >&2; return 1; }
  has_line "$out" 'Quorum:           2' || { echo 'missing line: Quorum:           2' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate' || { echo 'missing line: Flags:            Quorate' >&2; return 1; }
  return 0
}
echo '==> Step 2: Remove the QDevice'
ROLLBACK='Set the QDevice up again (reference 3.3). | on pve1: pvecm qdevice setup 192.168.1.50'
pvecm qdevice remove
poll 30 step2_post || { echo 'post-check of step 2 failed: no QDevice votes' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
