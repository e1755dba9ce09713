#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan maintenance: Planned maintenance of pve4
# Proxmox VE 8.2 (corosync); cluster mycluster; run on pve1 as root.
# Take pve4 down: the rest (pve1, pve2, pve3) stays quorate.
set -eu

TOKEN=0857895cea5a
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
  has_line "$out" 'Nodes:            4' || { echo 'missing line: Nodes:            4' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   4' || { echo 'missing line: Expected votes:   4' >&2; return 1; }
  has_line "$out" 'Highest expected: 4' || { echo 'missing line: Highest expected: 4' >&2; return 1; }
  has_line "$out" 'Total votes:      4' || { echo 'missing line: Total votes:      4' >&2; return 1; }
  has_line "$out" 'Quorum:           3' || { echo 'missing line: Quorum:           3' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate' || { echo 'missing line: Flags:            Quorate' >&2; return 1; }
  return 0
}
echo '==> Step 1: Check quorum before the window'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 1 step1_post || { echo 'post-check of step 1 failed: the members the plan expects' >&2; exit 1; }

# --- Step 2: Shut down pve4
# Why: A clean poweroff; the rest notices after token + consensus (reference 9).
echo '==> Step 2: Shut down pve4'
ROLLBACK='Power pve4 on again.'
ssh root@pve4 'systemctl poweroff' || true

# --- Step 3: Check quorum without pve4
# Why: Simulated status of the remaining partition (reference 1.3, 1.4).
step3_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            3' || { echo 'missing line: Nodes:            3' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   4' || { echo 'missing line: Expected votes:   4' >&2; return 1; }
  has_line "$out" 'Highest expected: 4' || { echo 'missing line: Highest expected: 4' >&2; return 1; }
  has_line "$out" 'Total votes:      3' || { echo 'missing line: Total votes:      3' >&2; return 1; }
  has_line "$out" 'Quorum:           3' || { echo 'missing line: Quorum:           3' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate' || { echo 'missing line: Flags:            Quorate' >&2; return 1; }
  return 0
}
echo '==> Step 3: Check quorum without pve4'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 60 step3_post || { echo 'post-check of step 3 failed: pve4 has left' >&2; exit 1; }

# --- Step 4: Maintain pve4, then boot it
# Why: The window itself.
echo '==> Step 4: Maintain pve4, then boot it'
ROLLBACK='nothing to roll back for this step'
manual 'Do the maintenance on pve4 and power it on.'

# --- Step 5: Check that pve4 is back
# Why: Expected votes and quorum return with the node (reference 1.4).
step5_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            4' || { echo 'missing line: Nodes:            4' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   4' || { echo 'missing line: Expected votes:   4' >&2; return 1; }
  has_line "$out" 'Highest expected: 4' || { echo 'missing line: Highest expected: 4' >&2; return 1; }
  has_line "$out" 'Total votes:      4' || { echo 'missing line: Total votes:      4' >&2; return 1; }
  has_line "$out" 'Quorum:           3' || { echo 'missing line: Quorum:           3' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate' || { echo 'missing line: Flags:            Quorate' >&2; return 1; }
  return 0
}
echo '==> Step 5: Check that pve4 is back'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 600 step5_post || { echo 'post-check of step 5 failed: pve4 is a member' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
