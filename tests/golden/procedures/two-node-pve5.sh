#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan two-node: Two-node mode for cluster mycluster
# Proxmox VE 5.4 (corosync); cluster mycluster; run on pve1 as root.
# Switch the two-node cluster mycluster to two-node mode (corosync.conf: two_node: 1).
# WARNING: In a network split both nodes stay quorate and both /etc/pve stay writable
# (simulated): conflicting changes on the two sides. Acceptable only without HA; a QDevice is
# the safer way to let one node of two keep quorum. (reference 1.5, 3.3)
# WARNING: two_node switches wait_for_all on (the key is absent): a node that starts while its
# peer is down stays blocked until it has seen the peer once (simulated: 1 of 2 votes,
# Quorate: No). Only with the peer confirmed off: `corosync-cmapctl -s
# quorum.cancel_wait_for_all u8 1`. (reference 1.5, 1.7)
set -eu

TOKEN=f281444ca331
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
# Why: No pvecm status was given: this plan assumes pve1, pve2 up as one quorate partition.
# The check stops here if the node shows anything else (reference 5.1).
step1_pre() {
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
echo '==> Step 1: Check that the cluster is as assumed on pve1'
ROLLBACK='nothing to roll back for this step'
poll 1 step1_pre || { echo 'pre-check of step 1 failed: as the plan assumes' >&2; exit 1; }

# --- Step 2: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new
# Why: Edits to the live file take effect on every save (pmxcfs syncs each write), so the
# change is prepared in a copy (reference 4.4).
step2_pre() {
  out=$(sha256sum /etc/pve/corosync.conf 2>&1) || true
  has_line "$out" '269f4c169807d6fe20ed034675dbffb2a5f2773637210f2d8a282686f31dc5f6  /etc/pve/corosync.conf' || { echo 'missing line: 269f4c169807d6fe20ed034675dbffb2a5f2773637210f2d8a282686f31dc5f6  /etc/pve/corosync.conf' >&2; return 1; }
  return 0
}
echo '==> Step 2: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new'
ROLLBACK='rm /etc/pve/corosync.conf.new | on pve1: rm -f /etc/pve/corosync.conf.new'
poll 1 step2_pre || { echo 'pre-check of step 2 failed: the live file is the one this plan was made from' >&2; exit 1; }
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.new

# --- Step 3: Write the change into /etc/pve/corosync.conf.new: two_node: 1 in the quorum section
# Why: config_version goes from 2 to 3: pmxcfs copies the file out only when its version is
# not lower than the local one, and corosync/cman compare versions between nodes (reference
# 4.3).
step3_post() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" 'cc017af164f8a0685088111016202c4dc21e7d471057f9d5d0303617abb54d5e  /etc/pve/corosync.conf.new' || { echo 'missing line: cc017af164f8a0685088111016202c4dc21e7d471057f9d5d0303617abb54d5e  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
echo '==> Step 3: Write the change into /etc/pve/corosync.conf.new: two_node: 1 in the quorum section'
ROLLBACK='rm /etc/pve/corosync.conf.new | on pve1: rm -f /etc/pve/corosync.conf.new'
printf '%s' 'logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
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
  two_node: 1
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
poll 1 step3_post || { echo 'post-check of step 3 failed: exactly the planned text' >&2; exit 1; }

# --- Step 4: Back up /etc/pve/corosync.conf
# Why: The documented procedure keeps the previous file as .bak (reference 4.4).
echo '==> Step 4: Back up /etc/pve/corosync.conf'
ROLLBACK='nothing to roll back for this step'
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.bak

# --- Step 5: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf
# Why: Renaming the new file into place is one write: pmxcfs copies it to
# /etc/corosync/corosync.conf on every node (version 3 >= local) and this node runs `corosync-
# cfgtool -R` one second later, which makes every corosync re-read it (reference 4.3, 1.13).
# WARNING: In a network split both nodes stay quorate and both /etc/pve stay writable
# (simulated): conflicting changes on the two sides. Acceptable only without HA; a QDevice is
# the safer way to let one node of two keep quorum. (reference 1.5, 3.3)
# WARNING: two_node switches wait_for_all on (the key is absent): a node that starts while its
# peer is down stays blocked until it has seen the peer once (simulated: 1 of 2 votes,
# Quorate: No). Only with the peer confirmed off: `corosync-cmapctl -s
# quorum.cancel_wait_for_all u8 1`. (reference 1.5, 1.7)
step5_pre() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" 'cc017af164f8a0685088111016202c4dc21e7d471057f9d5d0303617abb54d5e  /etc/pve/corosync.conf.new' || { echo 'missing line: cc017af164f8a0685088111016202c4dc21e7d471057f9d5d0303617abb54d5e  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
step5_post() {
  out=$(corosync-cmapctl -g totem.config_version 2>&1) || true
  has_line "$out" 'totem.config_version (u64) = 3' || { echo 'missing line: totem.config_version (u64) = 3' >&2; return 1; }
  return 0
}
echo '==> Step 5: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf'
ROLLBACK='Write the old content back with config_version 4 (pmxcfs ignores a lower version than the active 3, reference 4.3) and rename it into place. The .bak copy is in /etc/pve/corosync.conf.bak. | on pve1: write /etc/pve/corosync.conf.new (see the plan) | on pve1: mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf'
poll 1 step5_pre || { echo 'pre-check of step 5 failed: still the planned text' >&2; exit 1; }
mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf
poll 10 step5_post || { echo 'post-check of step 5 failed: corosync has reloaded config version 3' >&2; exit 1; }

# --- Step 6: Check quorum in two-node mode
# Why: With two_node, quorum is 1 while at most two nodes are members (reference 1.5, 8.3);
# the lines are simulated for both nodes up.
step6_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            2' || { echo 'missing line: Nodes:            2' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   2' || { echo 'missing line: Expected votes:   2' >&2; return 1; }
  has_line "$out" 'Highest expected: 2' || { echo 'missing line: Highest expected: 2' >&2; return 1; }
  has_line "$out" 'Total votes:      2' || { echo 'missing line: Total votes:      2' >&2; return 1; }
  has_line "$out" 'Quorum:           1' || { echo 'missing line: Quorum:           1' >&2; return 1; }
  has_line "$out" 'Flags:            2Node Quorate WaitForAll' || { echo 'missing line: Flags:            2Node Quorate WaitForAll' >&2; return 1; }
  return 0
}
echo '==> Step 6: Check quorum in two-node mode'
ROLLBACK='nothing to roll back for this step'
poll 10 step6_post || { echo 'post-check of step 6 failed: quorum 1 in two-node mode' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
