#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan add-link: Add link 1 to cluster mycluster
# Proxmox VE 8.2 (corosync); cluster mycluster; run on pve1 as root.
# Add link 1 (IPv4) to cluster mycluster: ring1_addr on every node and its totem interface,
# config_version 2 -> 3; corosync takes the new link on the reload, no restart.
set -eu

TOKEN=b52641329ecf
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

# link_state TEXT LINK IDS: the corosync-cfgtool -s output TEXT shows every node id in IDS
# (comma separated) as connected on link LINK; with IDS 'absent', no link LINK at all.
link_state() {
  printf '%s\n' "$1" | awk -v link="$2" -v ids="$3" '
    NR == 1 { if ($1 != "Local" || $2 != "node" || $3 != "ID") exit 1; ok = 1; next }
    $1 == "LINK" && $2 == "ID" { cur = $3; if (cur == link) seen = 1; next }
    seen && cur == link && $1 == "nodeid:" { id = $2; sub(/:$/, "", id); state[id] = $3 }
    END {
      if (!ok) exit 1
      if (ids == "absent") exit (seen ? 1 : 0)
      n = split(ids, want, ",")
      for (i = 1; i <= n; i++) if (state[want[i]] != "connected") exit 1
      exit 0
    }'
}

# --- Step 1: Check that every node is up and the cluster is quorate
# Why: The change goes to every node through /etc/pve, which is writable only while quorate
# (reference 6); a node that is down would take the new links only when it starts, unchecked
# (reference 4.3).
step1_post() {
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
echo '==> Step 1: Check that every node is up and the cluster is quorate'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 1 step1_post || { echo 'post-check of step 1 failed: every node a member, quorate' >&2; exit 1; }

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

# --- Step 3: Write the change into /etc/pve/corosync.conf.new: add link 1
# Why: config_version goes from 2 to 3: pmxcfs copies the file out only when its version is
# not lower than the local one, and corosync/cman compare versions between nodes (reference
# 4.3).
step3_post() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" '27c46c2a2fb2d302a864771abf9c2f3db858e146d85a5315aee9f47d4e317f93  /etc/pve/corosync.conf.new' || { echo 'missing line: 27c46c2a2fb2d302a864771abf9c2f3db858e146d85a5315aee9f47d4e317f93  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
echo '==> Step 3: Write the change into /etc/pve/corosync.conf.new: add link 1'
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
    ring1_addr: 10.10.10.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 192.168.1.12
    ring1_addr: 10.10.10.2
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
  interface {
    linknumber: 1
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
step5_pre() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" '27c46c2a2fb2d302a864771abf9c2f3db858e146d85a5315aee9f47d4e317f93  /etc/pve/corosync.conf.new' || { echo 'missing line: 27c46c2a2fb2d302a864771abf9c2f3db858e146d85a5315aee9f47d4e317f93  /etc/pve/corosync.conf.new' >&2; return 1; }
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

# --- Step 6: Check on pve1 that link 1 connects it to every other node
# Why: The config says link 1 exists; only corosync-cfgtool -s says whether knet reaches the
# other nodes on it (`rx: host: N link: 1 is up` in the log). A node sees only its own links,
# so every node is checked (reference 5.4, 4.7).
step6_pre() {
  out=$(corosync-cfgtool -s 2>&1) || true
  link_state "$out" 1 2 || { echo 'link check failed, wanted link 1: node id 2 connected' >&2; return 1; }
  return 0
}
echo '==> Step 6: Check on pve1 that link 1 connects it to every other node'
ROLLBACK='Link 1 is configured but does not connect: check the addresses, the cabling and the firewall (knet uses UDP port 5406 for link 1), or take the link out again: write the previous file back with config_version 4 and rename it into place (removing a link is allowed on a reload, reference 4.7). | on pve1: write /etc/pve/corosync.conf.new (see the plan) | on pve1: mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf'
poll 20 step6_pre || { echo 'pre-check of step 6 failed: corosync-cfgtool -s on pve1: link 1 connected to every other node' >&2; exit 1; }
journalctl -b -u corosync --no-pager

# --- Step 7: Check on pve2 that link 1 connects it to every other node
# Why: The config says link 1 exists; only corosync-cfgtool -s says whether knet reaches the
# other nodes on it (`rx: host: N link: 1 is up` in the log). A node sees only its own links,
# so every node is checked (reference 5.4, 4.7).
step7_pre() {
  out=$(ssh root@pve2 'corosync-cfgtool -s' 2>&1) || true
  link_state "$out" 1 1 || { echo 'link check failed, wanted link 1: node id 1 connected' >&2; return 1; }
  return 0
}
echo '==> Step 7: Check on pve2 that link 1 connects it to every other node'
ROLLBACK='Link 1 is configured but does not connect: check the addresses, the cabling and the firewall (knet uses UDP port 5406 for link 1), or take the link out again: write the previous file back with config_version 4 and rename it into place (removing a link is allowed on a reload, reference 4.7). (the commands are in the check on pve1)'
poll 20 step7_pre || { echo 'pre-check of step 7 failed: corosync-cfgtool -s on pve2: link 1 connected to every other node' >&2; exit 1; }

# --- Step 8: Check that every node is still a member and the cluster quorate
# Why: The links changed under a running cluster; the membership must not have (reference
# 4.7).
step8_post() {
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
echo '==> Step 8: Check that every node is still a member and the cluster quorate'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 1 step8_post || { echo 'post-check of step 8 failed: every node still a member, quorate' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
