#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan maintenance: Planned maintenance of pve2
# Proxmox VE 3.4 (cman); cluster mycluster; run on pve1 as root.
# Take pve2 down: the rest (pve1) loses quorum - see the options.
# WARNING: Without pve2 the remaining nodes lose quorum (simulated: 1 of 2 votes, quorum 2):
# /etc/pve is read-only for the whole window; guests keep running but no config change is
# possible. See the options. (reference 6, 2.4)
set -eu

TOKEN=3fb0567fd0b7
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

# --- Step 1: Check quorum before the window
# Why: The plan was computed for these members (reference 5.1).
step1_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes: 2' || { echo 'missing line: Nodes: 2' >&2; return 1; }
  has_line "$out" 'Expected votes: 2' || { echo 'missing line: Expected votes: 2' >&2; return 1; }
  has_line "$out" 'Total votes: 2' || { echo 'missing line: Total votes: 2' >&2; return 1; }
  has_line "$out" 'Quorum: 2' || { echo 'missing line: Quorum: 2' >&2; return 1; }
  return 0
}
echo '==> Step 1: Check quorum before the window'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 1 step1_post || { echo 'post-check of step 1 failed: the members the plan expects' >&2; exit 1; }

# --- Step 2: Shut down pve2
# Why: A clean poweroff; the rest notices after token + consensus (reference 9).
echo '==> Step 2: Shut down pve2'
ROLLBACK='Power pve2 on again.'
ssh root@pve2 'systemctl poweroff' || true

# --- Step 3: Check quorum without pve2
# Why: Simulated status of the remaining partition (reference 1.3, 1.4).
step3_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes: 1' || { echo 'missing line: Nodes: 1' >&2; return 1; }
  has_line "$out" 'Expected votes: 2' || { echo 'missing line: Expected votes: 2' >&2; return 1; }
  has_line "$out" 'Total votes: 1' || { echo 'missing line: Total votes: 1' >&2; return 1; }
  has_line "$out" 'Quorum: 2 Activity blocked' || { echo 'missing line: Quorum: 2 Activity blocked' >&2; return 1; }
  return 0
}
echo '==> Step 3: Check quorum without pve2'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 60 step3_post || { echo 'post-check of step 3 failed: pve2 has left' >&2; exit 1; }

# --- Step 4: Maintain pve2, then boot it
# Why: The window itself.
echo '==> Step 4: Maintain pve2, then boot it'
ROLLBACK='nothing to roll back for this step'
manual 'Do the maintenance on pve2 and power it on.'

# --- Step 5: Check that pve2 is back
# Why: Expected votes and quorum return with the node (reference 1.4).
step5_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes: 2' || { echo 'missing line: Nodes: 2' >&2; return 1; }
  has_line "$out" 'Expected votes: 2' || { echo 'missing line: Expected votes: 2' >&2; return 1; }
  has_line "$out" 'Total votes: 2' || { echo 'missing line: Total votes: 2' >&2; return 1; }
  has_line "$out" 'Quorum: 2' || { echo 'missing line: Quorum: 2' >&2; return 1; }
  return 0
}
echo '==> Step 5: Check that pve2 is back'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 600 step5_post || { echo 'post-check of step 5 failed: pve2 is a member' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
