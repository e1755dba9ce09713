#!/bin/sh
# Text in single quotes is literal on purpose (commands shown, not run):
# shellcheck disable=SC2016
# pvequorum plan separate-node: Separate pve4 from cluster mycluster
# Proxmox VE 5.4 (corosync); cluster mycluster; run on pve1 as root.
# Put pve4 into local mode, remove its cluster config, and delete it from the cluster on pve1.
# WARNING: pve4 keeps its guests and the storage definitions it had: make sure no guest runs
# on both sides and that shared storage is not written by both (inference). pve4 must never
# rejoin with its old cluster config. (reference 4.4)
set -eu

TOKEN=e071086dd07a
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

# --- Step 1: Stop the cluster services on pve4 and start pmxcfs in local mode
# Why: `pmxcfs -l` ignores corosync.conf and forces quorum, so /etc/pve is writable without
# the cluster (reference 4.4, 6).
echo '==> Step 1: Stop the cluster services on pve4 and start pmxcfs in local mode'
ROLLBACK='killall pmxcfs; systemctl start corosync pve-cluster on pve4'
ssh root@pve4 'systemctl stop pve-cluster'
ssh root@pve4 'systemctl stop corosync'
ssh root@pve4 'pmxcfs -l'

# --- Step 2: Remove the cluster config on pve4
# Why: Without corosync.conf the node stays a single node (reference 4.4).
echo '==> Step 2: Remove the cluster config on pve4'
ROLLBACK='No simple rollback: the config is gone on this node; rejoin with `pvecm add`.'
ssh root@pve4 'rm /etc/pve/corosync.conf'
ssh root@pve4 'sh -c '"'"'rm -r /etc/corosync/*'"'"''

# --- Step 3: Restart pmxcfs normally on pve4
# Why: The documented sequence (reference 4.4).
echo '==> Step 3: Restart pmxcfs normally on pve4'
ROLLBACK='nothing to roll back for this step'
ssh root@pve4 'killall pmxcfs'
ssh root@pve4 'systemctl start pve-cluster'

# --- Step 4: Look at quorum on pve1
# Why: pvecm status of the remaining cluster (reference 5.1).
echo '==> Step 4: Look at quorum on pve1'
ROLLBACK='nothing to roll back for this step'
pvecm status || true

# --- Step 5: Check that pve4 runs on its own
# Why: In local mode pmxcfs forces quorum; `pvecm status` on it now fails because there is no
# corosync.conf (reference 2.3, 4.4).
echo '==> Step 5: Check that pve4 runs on its own'
ROLLBACK='nothing to roll back for this step'
ssh root@pve4 'ls /etc/pve'

# --- Step 6: Delete pve4 from the cluster on pve1
# Why: `pvecm delnode` removes it from corosync.conf (version bump) and needs quorum
# (reference 4.1, 4.4).
echo '==> Step 6: Delete pve4 from the cluster on pve1'
ROLLBACK='nothing to roll back for this step'
pvecm delnode pve4

# --- Step 7: Clear the corosync state on pve4
# Why: The documented last step (reference 4.4).
echo '==> Step 7: Clear the corosync state on pve4'
ROLLBACK='nothing to roll back for this step'
ssh root@pve4 'sh -c '"'"'rm /var/lib/corosync/*'"'"''

ROLLBACK='nothing: every step passed'
echo '==> all steps passed'
