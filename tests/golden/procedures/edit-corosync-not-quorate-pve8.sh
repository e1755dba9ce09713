#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan edit-corosync: Edit /etc/pve/corosync.conf safely
# Proxmox VE 8.2 (corosync); cluster mycluster; run on pve1 as root.
# Change /etc/pve/corosync.conf through /etc/pve/corosync.conf.new with config_version
# incremented, after restoring quorum.
# WARNING: The lowered expected votes are runtime only: the next `corosync-cfgtool -R` (pmxcfs
# runs it after every change to /etc/pve/corosync.conf) or corosync restart resets them to the
# configured sum, and this partition loses quorum again. Do not edit corosync.conf while
# relying on it. (reference 1.13, 4.4, 10.4)
# WARNING: Saving corosync.conf makes pmxcfs run `corosync-cfgtool -R`, which resets expected
# votes to the configured sum: this partition loses quorum again right after the write
# (inference). Make the one change, then check. (reference 4.4, 1.13)
set -eu

TOKEN=d8afc875ceec
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

# --- Step 1: Check that the cluster is as assumed on pve1
# Why: No pvecm status was given: this plan assumes pve1 up as one quorate partition. The
# check stops here if the node shows anything else (reference 5.1).
step1_pre() {
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
echo '==> Step 1: Check that the cluster is as assumed on pve1'
ROLLBACK='nothing to roll back for this step'
poll 1 step1_pre || { echo 'pre-check of step 1 failed: as the plan assumes' >&2; exit 1; }

# --- Step 2: Look at quorum on pve1
# Why: Confirm the partition and the vote count the plan was computed for (reference 5.1,
# 5.2).
echo '==> Step 2: Look at quorum on pve1'
ROLLBACK='nothing to roll back for this step'
pvecm status || true

# --- Step 3: Confirm pve2 powered off
# Why: Only a node that is really off cannot form a quorate partition of its own or keep
# running guests (reference 7, 10.19).
echo '==> Step 3: Confirm pve2 powered off'
ROLLBACK='nothing to roll back for this step'
manual 'Check out of band (IPMI/iLO/iDRAC, PDU, hypervisor console) that pve2 is powered off.'

# --- Step 4: Lower expected votes to 1 on pve1
# Why: pve1's partition holds 1 of 2 expected votes; quorum is 2. `pvecm expected 1` runs
# `corosync-quorumtool -e 1`: accepted because 1 is not below the votes present (reference
# 2.2, 2.3); quorum becomes 1 and /etc/pve writable again (reference 6).
step4_pre() {
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
step4_post() {
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
echo '==> Step 4: Lower expected votes to 1 on pve1'
ROLLBACK='Runtime only: expected votes grow back by themselves as the missing nodes rejoin (reference 1.4). To drop the lowered value at once run `corosync-cfgtool -R` on pve1 (a reload re-reads expected votes, reference 1.13); `pvecm expected` with a higher value is refused on a quorate node once quorum would exceed the votes present (reference 2.2).'
poll 1 step4_pre || { echo 'pre-check of step 4 failed: still blocked with the votes the plan counted' >&2; exit 1; }
links_down 2 || { echo 'pve2 (node id 2) is not disconnected on every link: alive?' >&2; exit 1; }
pvecm expected 1
poll 1 step4_post || { echo 'post-check of step 4 failed: quorate with the lowered value' >&2; exit 1; }

# --- Step 5: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new
# Why: Edits to the live file take effect on every save (pmxcfs syncs each write), so the
# change is prepared in a copy (reference 4.4).
step5_pre() {
  out=$(sha256sum /etc/pve/corosync.conf 2>&1) || true
  has_line "$out" '269f4c169807d6fe20ed034675dbffb2a5f2773637210f2d8a282686f31dc5f6  /etc/pve/corosync.conf' || { echo 'missing line: 269f4c169807d6fe20ed034675dbffb2a5f2773637210f2d8a282686f31dc5f6  /etc/pve/corosync.conf' >&2; return 1; }
  return 0
}
echo '==> Step 5: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new'
ROLLBACK='rm /etc/pve/corosync.conf.new | on pve1: rm -f /etc/pve/corosync.conf.new'
poll 1 step5_pre || { echo 'pre-check of step 5 failed: the live file is the one this plan was made from' >&2; exit 1; }
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.new

# --- Step 6: Write the change into /etc/pve/corosync.conf.new: the prepared file
# Why: config_version goes from 2 to 3: pmxcfs copies the file out only when its version is
# not lower than the local one, and corosync/cman compare versions between nodes (reference
# 4.3).
step6_post() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" 'b6d41222107e0937cf82182bd349be73b1487cc69a6fd3b366f62e65a7b04dae  /etc/pve/corosync.conf.new' || { echo 'missing line: b6d41222107e0937cf82182bd349be73b1487cc69a6fd3b366f62e65a7b04dae  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
echo '==> Step 6: Write the change into /etc/pve/corosync.conf.new: the prepared file'
ROLLBACK='rm /etc/pve/corosync.conf.new | on pve1: rm -f /etc/pve/corosync.conf.new'
printf '%s' 'logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 2
    ring0_addr: 192.168.1.11
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 192.168.1.12
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: mycluster
  config_version: 3
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}

' > /etc/pve/corosync.conf.new
poll 1 step6_post || { echo 'post-check of step 6 failed: exactly the planned text' >&2; exit 1; }

# --- Step 7: Back up /etc/pve/corosync.conf
# Why: The documented procedure keeps the previous file as .bak (reference 4.4).
echo '==> Step 7: Back up /etc/pve/corosync.conf'
ROLLBACK='nothing to roll back for this step'
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.bak

# --- Step 8: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf
# Why: Renaming the new file into place is one write: pmxcfs copies it to
# /etc/corosync/corosync.conf on every node (version 3 >= local) and this node runs `corosync-
# cfgtool -R` one second later, which makes every corosync re-read it (reference 4.3, 1.13).
step8_pre() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" 'b6d41222107e0937cf82182bd349be73b1487cc69a6fd3b366f62e65a7b04dae  /etc/pve/corosync.conf.new' || { echo 'missing line: b6d41222107e0937cf82182bd349be73b1487cc69a6fd3b366f62e65a7b04dae  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
step8_post() {
  out=$(corosync-cmapctl -g totem.config_version 2>&1) || true
  has_line "$out" 'totem.config_version (u64) = 3' || { echo 'missing line: totem.config_version (u64) = 3' >&2; return 1; }
  return 0
}
echo '==> Step 8: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf'
ROLLBACK='Write the old content back with config_version 4 (pmxcfs ignores a lower version than the active 3, reference 4.3) and rename it into place. The .bak copy is in /etc/pve/corosync.conf.bak. | on pve1: write /etc/pve/corosync.conf.new (see the plan) | on pve1: mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf'
poll 1 step8_pre || { echo 'pre-check of step 8 failed: still the planned text' >&2; exit 1; }
mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf
poll 10 step8_post || { echo 'post-check of step 8 failed: corosync has reloaded config version 3' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
