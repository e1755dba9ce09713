#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan change-address: Change addresses on link 0 of cluster lab
# Proxmox VE 8.2 (corosync); cluster lab; run on pve1 as root.
# Move link 0 to new addresses without a restart: remove it (config_version 7 -> 8) while link
# 1 carries the cluster, then add it back at the new addresses (-> 9).
# INFO: corosync refuses, on a reload, an address that changes on a link that stays configured
# (`new config has different address for link 0 ... Internal value was NOT changed.`), and
# drops the whole reload; removing and adding a link are allowed. This plan never changes an
# address in place, its rollbacks neither. (reference 4.7)
# INFO: While link 0 is gone, corosync finds which node it is by the node's `name` alone (it
# compares `name`, and ring0_addr as a fallback, with the host name): a node whose name is not
# its host name would not start then (`No valid name found for local host`, measured with
# corosync -t 3.1.7). Proxmox VE names its nodes after their host names. (reference 4.7)
# WARNING: While link 0 is out (a few seconds, between the two reloads), link 1 is the only
# one: if it fails then, the nodes lose each other. (reference 4.7, 12.4)
set -eu

TOKEN=a77a8df24dbd
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

# --- Step 2: Check on pve1 that link 1 connects it to every other node
# Why: Link 0 goes away next: the cluster then runs on link 1 alone, so that must connect
# every node to every other node now, seen from each node (reference 4.7, 5.4). A link that is
# down here stops the plan before anything changes.
step2_pre() {
  out=$(corosync-cfgtool -s 2>&1) || true
  link_state "$out" 1 2,3 || { echo 'link check failed, wanted link 1: node ids 2, 3 connected' >&2; return 1; }
  return 0
}
echo '==> Step 2: Check on pve1 that link 1 connects it to every other node'
ROLLBACK='nothing to roll back for this step'
poll 20 step2_pre || { echo 'pre-check of step 2 failed: corosync-cfgtool -s on pve1: link 1 connected to every other node' >&2; exit 1; }

# --- Step 3: Check on pve2 that link 1 connects it to every other node
# Why: Link 0 goes away next: the cluster then runs on link 1 alone, so that must connect
# every node to every other node now, seen from each node (reference 4.7, 5.4). A link that is
# down here stops the plan before anything changes.
step3_pre() {
  out=$(ssh root@pve2 'corosync-cfgtool -s' 2>&1) || true
  link_state "$out" 1 1,3 || { echo 'link check failed, wanted link 1: node ids 1, 3 connected' >&2; return 1; }
  return 0
}
echo '==> Step 3: Check on pve2 that link 1 connects it to every other node'
ROLLBACK='nothing to roll back for this step'
poll 20 step3_pre || { echo 'pre-check of step 3 failed: corosync-cfgtool -s on pve2: link 1 connected to every other node' >&2; exit 1; }

# --- Step 4: Check on pve3 that link 1 connects it to every other node
# Why: Link 0 goes away next: the cluster then runs on link 1 alone, so that must connect
# every node to every other node now, seen from each node (reference 4.7, 5.4). A link that is
# down here stops the plan before anything changes.
step4_pre() {
  out=$(ssh root@pve3 'corosync-cfgtool -s' 2>&1) || true
  link_state "$out" 1 1,2 || { echo 'link check failed, wanted link 1: node ids 1, 2 connected' >&2; return 1; }
  return 0
}
echo '==> Step 4: Check on pve3 that link 1 connects it to every other node'
ROLLBACK='nothing to roll back for this step'
poll 20 step4_pre || { echo 'pre-check of step 4 failed: corosync-cfgtool -s on pve3: link 1 connected to every other node' >&2; exit 1; }

# --- Step 5: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new
# Why: Edits to the live file take effect on every save (pmxcfs syncs each write), so the
# change is prepared in a copy (reference 4.4).
step5_pre() {
  out=$(sha256sum /etc/pve/corosync.conf 2>&1) || true
  has_line "$out" '3bb871550c034b91d5fca1832b916cd19d717e477ded73b622caf6bf00a4e58a  /etc/pve/corosync.conf' || { echo 'missing line: 3bb871550c034b91d5fca1832b916cd19d717e477ded73b622caf6bf00a4e58a  /etc/pve/corosync.conf' >&2; return 1; }
  return 0
}
echo '==> Step 5: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new'
ROLLBACK='rm /etc/pve/corosync.conf.new | on pve1: rm -f /etc/pve/corosync.conf.new'
poll 1 step5_pre || { echo 'pre-check of step 5 failed: the live file is the one this plan was made from' >&2; exit 1; }
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.new

# --- Step 6: Write the change into /etc/pve/corosync.conf.new: remove link 0
# Why: config_version goes from 7 to 8: pmxcfs copies the file out only when its version is
# not lower than the local one, and corosync/cman compare versions between nodes (reference
# 4.3).
step6_post() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" 'c0dc1ee40b5dae5e85367a301960408b67ff23ac90582cbc5ced207899705dae  /etc/pve/corosync.conf.new' || { echo 'missing line: c0dc1ee40b5dae5e85367a301960408b67ff23ac90582cbc5ced207899705dae  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
echo '==> Step 6: Write the change into /etc/pve/corosync.conf.new: remove link 0'
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
    ring1_addr: 10.1.0.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring1_addr: 10.1.0.2
  }
  node {
    name: pve3
    nodeid: 3
    quorum_votes: 1
    ring1_addr: 10.1.0.3
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: lab
  config_version: 8
  interface {
    linknumber: 1
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
# /etc/corosync/corosync.conf on every node (version 8 >= local) and this node runs `corosync-
# cfgtool -R` one second later, which makes every corosync re-read it (reference 4.3, 1.13).
step8_pre() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" 'c0dc1ee40b5dae5e85367a301960408b67ff23ac90582cbc5ced207899705dae  /etc/pve/corosync.conf.new' || { echo 'missing line: c0dc1ee40b5dae5e85367a301960408b67ff23ac90582cbc5ced207899705dae  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
step8_post() {
  out=$(corosync-cmapctl -g totem.config_version 2>&1) || true
  has_line "$out" 'totem.config_version (u64) = 8' || { echo 'missing line: totem.config_version (u64) = 8' >&2; return 1; }
  return 0
}
echo '==> Step 8: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf'
ROLLBACK='Write the old content back with config_version 9 (pmxcfs ignores a lower version than the active 8, reference 4.3) and rename it into place. The .bak copy is in /etc/pve/corosync.conf.bak. | on pve1: write /etc/pve/corosync.conf.new (see the plan) | on pve1: mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf'
poll 1 step8_pre || { echo 'pre-check of step 8 failed: still the planned text' >&2; exit 1; }
mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf
poll 10 step8_post || { echo 'post-check of step 8 failed: corosync has reloaded config version 8' >&2; exit 1; }

# --- Step 9: Check on pve1 that link 0 is gone and the others still connect
# Why: corosync drops a link that the reloaded config no longer has; link 1 must still reach
# every other node (reference 4.7, 5.4).
step9_pre() {
  out=$(corosync-cfgtool -s 2>&1) || true
  link_state "$out" 0 absent || { echo 'link check failed, wanted no link 0' >&2; return 1; }
  link_state "$out" 1 2,3 || { echo 'link check failed, wanted link 1: node ids 2, 3 connected' >&2; return 1; }
  return 0
}
echo '==> Step 9: Check on pve1 that link 0 is gone and the others still connect'
ROLLBACK='nothing to roll back for this step'
poll 20 step9_pre || { echo 'pre-check of step 9 failed: corosync-cfgtool -s on pve1: no link 0, the others connected' >&2; exit 1; }

# --- Step 10: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new
# Why: Edits to the live file take effect on every save (pmxcfs syncs each write), so the
# change is prepared in a copy (reference 4.4).
step10_pre() {
  out=$(sha256sum /etc/pve/corosync.conf 2>&1) || true
  has_line "$out" 'c0dc1ee40b5dae5e85367a301960408b67ff23ac90582cbc5ced207899705dae  /etc/pve/corosync.conf' || { echo 'missing line: c0dc1ee40b5dae5e85367a301960408b67ff23ac90582cbc5ced207899705dae  /etc/pve/corosync.conf' >&2; return 1; }
  return 0
}
echo '==> Step 10: Copy /etc/pve/corosync.conf to /etc/pve/corosync.conf.new'
ROLLBACK='rm /etc/pve/corosync.conf.new | on pve1: rm -f /etc/pve/corosync.conf.new'
poll 1 step10_pre || { echo 'pre-check of step 10 failed: the live file is the one this plan was made from' >&2; exit 1; }
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.new

# --- Step 11: Write the change into /etc/pve/corosync.conf.new: add link 0 back with the new addresses
# Why: config_version goes from 8 to 9: pmxcfs copies the file out only when its version is
# not lower than the local one, and corosync/cman compare versions between nodes (reference
# 4.3).
step11_post() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" '19431712a5149b7998ebb8e330978e58947e551e56382c8ef75f060122c43719  /etc/pve/corosync.conf.new' || { echo 'missing line: 19431712a5149b7998ebb8e330978e58947e551e56382c8ef75f060122c43719  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
echo '==> Step 11: Write the change into /etc/pve/corosync.conf.new: add link 0 back with the new addresses'
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
    ring1_addr: 10.1.0.1
    ring0_addr: 10.0.0.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring1_addr: 10.1.0.2
    ring0_addr: 10.2.0.2
  }
  node {
    name: pve3
    nodeid: 3
    quorum_votes: 1
    ring1_addr: 10.1.0.3
    ring0_addr: 10.0.0.3
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: lab
  config_version: 9
  interface {
    linknumber: 1
  }
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}
' > /etc/pve/corosync.conf.new
poll 1 step11_post || { echo 'post-check of step 11 failed: exactly the planned text' >&2; exit 1; }

# --- Step 12: Back up /etc/pve/corosync.conf
# Why: The documented procedure keeps the previous file as .bak (reference 4.4).
echo '==> Step 12: Back up /etc/pve/corosync.conf'
ROLLBACK='nothing to roll back for this step'
cp /etc/pve/corosync.conf /etc/pve/corosync.conf.bak

# --- Step 13: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf
# Why: Renaming the new file into place is one write: pmxcfs copies it to
# /etc/corosync/corosync.conf on every node (version 9 >= local) and this node runs `corosync-
# cfgtool -R` one second later, which makes every corosync re-read it (reference 4.3, 1.13).
step13_pre() {
  out=$(sha256sum /etc/pve/corosync.conf.new 2>&1) || true
  has_line "$out" '19431712a5149b7998ebb8e330978e58947e551e56382c8ef75f060122c43719  /etc/pve/corosync.conf.new' || { echo 'missing line: 19431712a5149b7998ebb8e330978e58947e551e56382c8ef75f060122c43719  /etc/pve/corosync.conf.new' >&2; return 1; }
  return 0
}
step13_post() {
  out=$(corosync-cmapctl -g totem.config_version 2>&1) || true
  has_line "$out" 'totem.config_version (u64) = 9' || { echo 'missing line: totem.config_version (u64) = 9' >&2; return 1; }
  return 0
}
echo '==> Step 13: Activate: rename /etc/pve/corosync.conf.new to /etc/pve/corosync.conf'
ROLLBACK='Write the old content back with config_version 10 (pmxcfs ignores a lower version than the active 9, reference 4.3) and rename it into place. The .bak copy is in /etc/pve/corosync.conf.bak. | on pve1: write /etc/pve/corosync.conf.new (see the plan) | on pve1: mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf'
poll 1 step13_pre || { echo 'pre-check of step 13 failed: still the planned text' >&2; exit 1; }
mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf
poll 10 step13_post || { echo 'post-check of step 13 failed: corosync has reloaded config version 9' >&2; exit 1; }

# --- Step 14: Check on pve1 that link 0 connects it to every other node
# Why: Link 0 is back at its new addresses; corosync-cfgtool -s on each node must show it
# connected to every other node (reference 5.4, 4.7).
step14_pre() {
  out=$(corosync-cfgtool -s 2>&1) || true
  link_state "$out" 0 2,3 || { echo 'link check failed, wanted link 0: node ids 2, 3 connected' >&2; return 1; }
  return 0
}
echo '==> Step 14: Check on pve1 that link 0 connects it to every other node'
ROLLBACK='Link 0 does not connect at the new addresses: check them, the cabling and the firewall (UDP port 5405), or take link 0 out again (config_version 10; the cluster keeps running on link 1) and add it back at the old addresses with the add-link plan. | on pve1: write /etc/pve/corosync.conf.new (see the plan) | on pve1: mv /etc/pve/corosync.conf.new /etc/pve/corosync.conf'
poll 20 step14_pre || { echo 'pre-check of step 14 failed: corosync-cfgtool -s on pve1: link 0 connected to every other node' >&2; exit 1; }
journalctl -b -u corosync --no-pager

# --- Step 15: Check on pve2 that link 0 connects it to every other node
# Why: Link 0 is back at its new addresses; corosync-cfgtool -s on each node must show it
# connected to every other node (reference 5.4, 4.7).
step15_pre() {
  out=$(ssh root@pve2 'corosync-cfgtool -s' 2>&1) || true
  link_state "$out" 0 1,3 || { echo 'link check failed, wanted link 0: node ids 1, 3 connected' >&2; return 1; }
  return 0
}
echo '==> Step 15: Check on pve2 that link 0 connects it to every other node'
ROLLBACK='Link 0 does not connect at the new addresses: check them, the cabling and the firewall (UDP port 5405), or take link 0 out again (config_version 10; the cluster keeps running on link 1) and add it back at the old addresses with the add-link plan. (the commands are in the check on pve1)'
poll 20 step15_pre || { echo 'pre-check of step 15 failed: corosync-cfgtool -s on pve2: link 0 connected to every other node' >&2; exit 1; }

# --- Step 16: Check on pve3 that link 0 connects it to every other node
# Why: Link 0 is back at its new addresses; corosync-cfgtool -s on each node must show it
# connected to every other node (reference 5.4, 4.7).
step16_pre() {
  out=$(ssh root@pve3 'corosync-cfgtool -s' 2>&1) || true
  link_state "$out" 0 1,2 || { echo 'link check failed, wanted link 0: node ids 1, 2 connected' >&2; return 1; }
  return 0
}
echo '==> Step 16: Check on pve3 that link 0 connects it to every other node'
ROLLBACK='Link 0 does not connect at the new addresses: check them, the cabling and the firewall (UDP port 5405), or take link 0 out again (config_version 10; the cluster keeps running on link 1) and add it back at the old addresses with the add-link plan. (the commands are in the check on pve1)'
poll 20 step16_pre || { echo 'pre-check of step 16 failed: corosync-cfgtool -s on pve3: link 0 connected to every other node' >&2; exit 1; }

# --- Step 17: Check that every node is still a member and the cluster quorate
# Why: The links changed under a running cluster; the membership must not have (reference
# 4.7).
step17_post() {
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
echo '==> Step 17: Check that every node is still a member and the cluster quorate'
ROLLBACK='nothing to roll back for this step'
pvecm status || true
poll 1 step17_post || { echo 'post-check of step 17 failed: every node still a member, quorate' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
