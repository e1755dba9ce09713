#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan edit-corosync: Edit /etc/pve/cluster.conf safely
# Proxmox VE 3.4 (cman); cluster mycluster; run on pve1 as root.
# Change /etc/pve/cluster.conf through /etc/pve/cluster.conf.new with config_version
# incremented.
set -eu

TOKEN=6eff51e87291
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
  has_line "$out" 'Nodes: 2' || { echo 'missing line: Nodes: 2' >&2; return 1; }
  has_line "$out" 'Expected votes: 2' || { echo 'missing line: Expected votes: 2' >&2; return 1; }
  has_line "$out" 'Total votes: 2' || { echo 'missing line: Total votes: 2' >&2; return 1; }
  has_line "$out" 'Quorum: 2' || { echo 'missing line: Quorum: 2' >&2; return 1; }
  return 0
}
echo '==> Step 1: Check that the cluster is as assumed on pve1'
ROLLBACK='nothing to roll back for this step'
poll 1 step1_pre || { echo 'pre-check of step 1 failed: as the plan assumes' >&2; exit 1; }

# --- Step 2: Copy /etc/pve/cluster.conf to /etc/pve/cluster.conf.new
# Why: Edits to the live file take effect on every save (pmxcfs syncs each write), so the
# change is prepared in a copy (reference 8.5).
step2_pre() {
  out=$(sha256sum /etc/pve/cluster.conf 2>&1) || true
  has_line "$out" '28d4bda59bac78c81437e227f20112d032d1c660e94ab51851fe1d2d78cd3bf4  /etc/pve/cluster.conf' || { echo 'missing line: 28d4bda59bac78c81437e227f20112d032d1c660e94ab51851fe1d2d78cd3bf4  /etc/pve/cluster.conf' >&2; return 1; }
  return 0
}
echo '==> Step 2: Copy /etc/pve/cluster.conf to /etc/pve/cluster.conf.new'
ROLLBACK='rm /etc/pve/cluster.conf.new | on pve1: rm -f /etc/pve/cluster.conf.new'
poll 1 step2_pre || { echo 'pre-check of step 2 failed: the live file is the one this plan was made from' >&2; exit 1; }
cp /etc/pve/cluster.conf /etc/pve/cluster.conf.new

# --- Step 3: Write the change into /etc/pve/cluster.conf.new: the prepared file
# Why: config_version goes from 2 to 3: pmxcfs copies the file out only when its version is
# not lower than the local one, and corosync/cman compare versions between nodes (reference
# 8.1, 8.5).
step3_post() {
  out=$(sha256sum /etc/pve/cluster.conf.new 2>&1) || true
  has_line "$out" '561e094f75d55d5df9fc80476f89bb8f6e07f8fae119e06cdb8122d73993df4a  /etc/pve/cluster.conf.new' || { echo 'missing line: 561e094f75d55d5df9fc80476f89bb8f6e07f8fae119e06cdb8122d73993df4a  /etc/pve/cluster.conf.new' >&2; return 1; }
  return 0
}
echo '==> Step 3: Write the change into /etc/pve/cluster.conf.new: the prepared file'
ROLLBACK='rm /etc/pve/cluster.conf.new | on pve1: rm -f /etc/pve/cluster.conf.new'
printf '%s' '<?xml version="1.0"?>
<cluster name="mycluster" config_version="3">

  <cman keyfile="/var/lib/pve-cluster/corosync.authkey" expected_votes="2">
  </cman>

  <clusternodes>
  <clusternode name="pve1" votes="1" nodeid="1"/>
  <clusternode name="pve2" votes="1" nodeid="2"/>
  </clusternodes>

</cluster>
' > /etc/pve/cluster.conf.new
poll 1 step3_post || { echo 'post-check of step 3 failed: exactly the planned text' >&2; exit 1; }

# --- Step 4: Validate /etc/pve/cluster.conf.new
# Why: The GUI's Activate runs the same schema check before it renames the file
# (`ccs_config_validate`, `-f` validates an alternate file, reference 8.5).
echo '==> Step 4: Validate /etc/pve/cluster.conf.new'
ROLLBACK='rm /etc/pve/cluster.conf.new | on pve1: rm -f /etc/pve/cluster.conf.new'
ccs_config_validate -v -f /etc/pve/cluster.conf.new

# --- Step 5: Activate: rename /etc/pve/cluster.conf.new to /etc/pve/cluster.conf
# Why: The rename is what the GUI's Activate does (`commit_config`); the `mv` is its manual
# equivalent (reference 8.5, inference there). pmxcfs then writes /etc/cluster/cluster.conf
# and runs `cman_tool version -r -S` (reference 8.1).
step5_pre() {
  out=$(sha256sum /etc/pve/cluster.conf.new 2>&1) || true
  has_line "$out" '561e094f75d55d5df9fc80476f89bb8f6e07f8fae119e06cdb8122d73993df4a  /etc/pve/cluster.conf.new' || { echo 'missing line: 561e094f75d55d5df9fc80476f89bb8f6e07f8fae119e06cdb8122d73993df4a  /etc/pve/cluster.conf.new' >&2; return 1; }
  return 0
}
step5_post() {
  out=$(cman_tool status 2>&1) || true
  has_line "$out" 'Config Version: 3' || { echo 'missing line: Config Version: 3' >&2; return 1; }
  return 0
}
echo '==> Step 5: Activate: rename /etc/pve/cluster.conf.new to /etc/pve/cluster.conf'
ROLLBACK='Write the old content back with config_version 4 (pmxcfs ignores a lower version than the active 3, reference 4.3) and rename it into place after validating it. | on pve1: write /etc/pve/cluster.conf.new (see the plan) | on pve1: ccs_config_validate -v -f /etc/pve/cluster.conf.new | on pve1: mv /etc/pve/cluster.conf.new /etc/pve/cluster.conf'
poll 1 step5_pre || { echo 'pre-check of step 5 failed: still the planned text' >&2; exit 1; }
manual 'The next command renames the file, the manual equivalent of the GUI'"'"'s Datacenter -> HA -> Activate (which validates, checks quorum and renames, reference 8.5). To activate in the GUI instead, answer no here and press Activate there.'
mv /etc/pve/cluster.conf.new /etc/pve/cluster.conf
poll 10 step5_post || { echo 'post-check of step 5 failed: cman runs config version 3' >&2; exit 1; }

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
