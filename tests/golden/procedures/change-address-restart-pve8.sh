#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan change-address: Change addresses on link 0 of cluster lab
# Proxmox VE 8.2 (corosync); cluster lab; run on pve1 as root.
# Change the addresses on link 0 in place (config_version 7 -> 8) and restart corosync on
# every node, one after the other; the membership splits while it runs.
# INFO: corosync refuses, on a reload, an address that changes on a link that stays configured
# (`new config has different address for link 0 ... Internal value was NOT changed.`), and
# drops the whole reload: the new addresses take effect only as corosync restarts on each
# node. (reference 4.7)
# WARNING: While corosync restarts node by node, link 0 is the only link, so the nodes
# restarted so far and the others cannot reach each other over it (simulated): after pve1
# restarts: pve1 without quorum; while pve2 restarts: pve1, pve3 without quorum; after pve2
# restarts: pve3 without quorum. A node that has just started is also without quorum until it
# has joined the others (1.5 s in the lab). /etc/pve is read-only on a node without quorum.
# (reference 4.7, 6)
# WARNING: While pve2 restarts, no node has quorum: the whole cluster is blocked (simulated;
# measured in the lab with 3 nodes: about 3 s). Restart the next node at once. (reference 4.7,
# 6)
set -eu

TOKEN=6a49989a3108
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

# --- Step 1: Check that every node is up and the cluster is quorate
# Why: The change goes to every node through /etc/pve, which is writable only while quorate
# (reference 6); a node that is down would take the new links only when it starts, unchecked
# (reference 4.3).
step1_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            3' || { echo 'missing line: Nodes:            3' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   3' || { echo 'missing line: Expected votes:   3' >&2; return 1; }
  has_line "$out" 'Highest expected: 3' || { echo 'missing line: Highest expected: 3' >&2; return 1; }
  has_line "$out" 'Total votes:      3' || { echo 'missing line: Total votes:      3' >&2; return 1; }
  has_line "$out" 'Quorum:           2' || { echo 'missing line: Quorum:           2' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate' || { echo 'missing line: Flags:            Quorate' >&2; return 1; }
  return 0
}
echo '==> Step 1: Check that every node is up and the cluster is quorate'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 1 step1_post || { echo 'post-check of step 1 failed: every node a member, quorate' >&2; exit 1; }

# --- Step 2: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new
# Why: Edits to the live file take effect on every save (pmxcfs syncs each write), so the
# change is prepared in a copy (reference 4.4).
step2_pre() {
  out=$(sha256sum /etc/pve/corosync.conf 2>&1) || true
  has_line "$out" '830ac03293b35df461183f99c814910a6b1c78a8e433c5274c5aa9a572e3d794  /etc/pve/corosync.conf' || { echo 'missing line: 830ac03293b35df461183f99c814910a6b1c78a8e433c5274c5aa9a572e3d794  /etc/pve/corosync.conf' >&2; return 1; }
  return 0
}
echo '==> Step 2: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new'
ROLLBACK='rm /etc/pve/corosync.conf.new | on pve1: rm -f /etc/pve/corosync.conf.new'
poll 1 step2_pre || { echo 'pre-check of step 2 failed: the live file is the one this plan was made from' >&2; exit 1; }
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.new

# --- Step 3: Write the change into /etc/pve/corosync.conf.new: new addresses on link 0
# Why: config_version goes from 7 to 8: pmxcfs copies the file out only when its version is
# not lower than the local one, and corosync/cman compare versions between nodes (reference
# 4.3).
step3_post() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" '8ba2a40fa773f52de3e337c600fc3dd4747b68c5d51fd23c87593063330c9ac6  /etc/pve/corosync.conf.new' || { echo 'missing line: 8ba2a40fa773f52de3e337c600fc3dd4747b68c5d51fd23c87593063330c9ac6  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
echo '==> Step 3: Write the change into /etc/pve/corosync.conf.new: new addresses on link 0'
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
    ring0_addr: 10.5.0.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.5.0.2
  }
  node {
    name: pve3
    nodeid: 3
    quorum_votes: 1
    ring0_addr: 10.5.0.3
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: lab
  config_version: 8
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
# /etc/corosync/corosync.conf on every node (version 8 >= local) and this node runs `corosync-
# cfgtool -R` one second later, which makes every corosync re-read it (reference 4.3, 1.13).
step5_pre() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" '8ba2a40fa773f52de3e337c600fc3dd4747b68c5d51fd23c87593063330c9ac6  /etc/pve/corosync.conf.new' || { echo 'missing line: 8ba2a40fa773f52de3e337c600fc3dd4747b68c5d51fd23c87593063330c9ac6  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
step5_post() {
  out=$(corosync-cmapctl -g config.reload_status 2>&1) || true
  has_line "$out" 'config.reload_status (i32) = 7' || { echo 'missing line: config.reload_status (i32) = 7' >&2; return 1; }
  return 0
}
echo '==> Step 5: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf'
ROLLBACK='Write the old content back with config_version 9 (pmxcfs ignores a lower version than the active 8, reference 4.3) and rename it into place. The .bak copy is in /etc/pve/corosync.conf.bak. | on pve1: write /etc/pve/corosync.conf.new (see the plan) | on pve1: mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf'
poll 1 step5_pre || { echo 'pre-check of step 5 failed: still the planned text' >&2; exit 1; }
mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf
poll 10 step5_post || { echo 'post-check of step 5 failed: corosync refused the reload, as it must for a changed address' >&2; exit 1; }

# --- Step 6: Restart corosync on pve1
# Why: A restart reads the new addresses (a reload cannot, reference 4.7); pve-docs restarts
# one node, checks it, then the others. Simulated: after pve1 restarts: pve1 without quorum.
step6_post() {
  out=$(corosync-cmapctl -g totem.config_version 2>&1) || true
  has_line "$out" 'totem.config_version (u64) = 8' || { echo 'missing line: totem.config_version (u64) = 8' >&2; return 1; }
  return 0
}
echo '==> Step 6: Restart corosync on pve1'
ROLLBACK='The old addresses need a restart as well: write the old file back with config_version 9 and restart corosync on every node again.'
systemctl restart corosync
poll 10 step6_post || { echo 'post-check of step 6 failed: corosync has reloaded config version 8' >&2; exit 1; }

# --- Step 7: Restart corosync on pve2
# Why: A restart reads the new addresses (a reload cannot, reference 4.7); pve-docs restarts
# one node, checks it, then the others. Simulated: while pve2 restarts: pve1, pve3 without
# quorum; after pve2 restarts: pve3 without quorum.
step7_post() {
  out=$(ssh root@pve2 'corosync-cmapctl -g totem.config_version' 2>&1) || true
  has_line "$out" 'totem.config_version (u64) = 8' || { echo 'missing line: totem.config_version (u64) = 8' >&2; return 1; }
  return 0
}
echo '==> Step 7: Restart corosync on pve2'
ROLLBACK='The old addresses need a restart as well: write the old file back with config_version 9 and restart corosync on every node again.'
ssh root@pve2 'systemctl restart corosync'
poll 10 step7_post || { echo 'post-check of step 7 failed: corosync has reloaded config version 8' >&2; exit 1; }

# --- Step 8: Restart corosync on pve3
# Why: A restart reads the new addresses (a reload cannot, reference 4.7); pve-docs restarts
# one node, checks it, then the others.
step8_post() {
  out=$(ssh root@pve3 'corosync-cmapctl -g totem.config_version' 2>&1) || true
  has_line "$out" 'totem.config_version (u64) = 8' || { echo 'missing line: totem.config_version (u64) = 8' >&2; return 1; }
  return 0
}
echo '==> Step 8: Restart corosync on pve3'
ROLLBACK='The old addresses need a restart as well: write the old file back with config_version 9 and restart corosync on every node again.'
ssh root@pve3 'systemctl restart corosync'
poll 10 step8_post || { echo 'post-check of step 8 failed: corosync has reloaded config version 8' >&2; exit 1; }

# --- Step 9: Check that every node is still a member and the cluster quorate
# Why: The links changed under a running cluster; the membership must not have (reference
# 4.7).
step9_post() {
  out=$(pvecm status 2>&1) || true
  has_line "$out" 'Nodes:            3' || { echo 'missing line: Nodes:            3' >&2; return 1; }
  has_line "$out" 'Quorate:          Yes' || { echo 'missing line: Quorate:          Yes' >&2; return 1; }
  has_line "$out" 'Expected votes:   3' || { echo 'missing line: Expected votes:   3' >&2; return 1; }
  has_line "$out" 'Highest expected: 3' || { echo 'missing line: Highest expected: 3' >&2; return 1; }
  has_line "$out" 'Total votes:      3' || { echo 'missing line: Total votes:      3' >&2; return 1; }
  has_line "$out" 'Quorum:           2' || { echo 'missing line: Quorum:           2' >&2; return 1; }
  has_line "$out" 'Flags:            Quorate' || { echo 'missing line: Flags:            Quorate' >&2; return 1; }
  return 0
}
echo '==> Step 9: Check that every node is still a member and the cluster quorate'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 30 step9_post || { echo 'post-check of step 9 failed: every node still a member, quorate' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
