# %% [markdown]
# # 7. Editing corosync.conf and cluster.conf safely
#
# `/etc/pve/corosync.conf` lives in pmxcfs and is copied to `/etc/corosync/corosync.conf`
# on every node, **but only when its `config_version` is higher** than the running one
# (reference 4.3). An edit without the version bump is silently not distributed. A
# half-written file is distributed as it is. Hence the documented procedure
# (reference 4.4): edit a copy, raise `config_version`, check it, and move it into place
# in one step.

# %%
from pvequorum.conf import load_config
from pvequorum.conf.edits import set_two_node
from pvequorum.conf.validate import validate_text
from pvequorum.examples import example_path
from pvequorum.procedures import ClusterState, Facts, PlanInput, PveVersion, build_plan, to_shell

text = example_path("two-node-corosync.conf").read_text()

# %% [markdown]
# ## The change as a diff
#
# The kit's edits touch only the lines that change and raise `config_version` themselves:

# %%
# NBVAL_CHECK_OUTPUT
edit = set_two_node(text, True, source="corosync.conf")
print(edit.diff)

# %% [markdown]
# ## What would go wrong
#
# An edit by hand that forgot the version bump has nothing wrong with its syntax, but
# pmxcfs would never distribute it:

# %%
# NBVAL_CHECK_OUTPUT
forgot_bump = text.replace("quorum {\n", "quorum {\n  two_node: 1\n")
old_version = load_config(text).cluster.config_version
new_version = load_config(forgot_bump).cluster.config_version
print(f"config_version before {old_version}, after {new_version}: distributed? {new_version > old_version}")

# %% [markdown]
# The validator reads the file the way corosync and Proxmox's own parser do, and names the
# line. A copy-paste mistake (two nodes with the same nodeid) and two_node next to a
# QDevice:

# %%
# NBVAL_CHECK_OUTPUT
for finding in validate_text(text.replace("nodeid: 2", "nodeid: 1"), "corosync.conf"):
    print(finding)
with_device = forgot_bump.replace(
    "  two_node: 1\n",
    "  two_node: 1\n  device {\n    model: net\n    votes: 1\n"
    "    net {\n      algorithm: ffsplit\n      host: 192.168.1.50\n    }\n  }\n",
)
for finding in validate_text(with_device, "corosync.conf"):
    print(finding)

# %% [markdown]
# ## The whole procedure, as the operator runs it
#
# The plan below is what `pvequorum plan two-node` prints: the exact commands with every
# value quoted, the checks before and after, and the rollback.

# %%
# NBVAL_CHECK_OUTPUT
cluster = load_config(text).cluster
state = ClusterState.build(cluster, up=cluster.names)
plan = build_plan(
    "two-node", PlanInput(cluster, state, PveVersion.parse("8.2"), Facts(), text)
)
print(to_shell(plan))

# %% [markdown]
# ## PVE 3: cluster.conf
#
# On PVE 3, cman reads `/etc/pve/cluster.conf`. The documented way (reference 8.5): copy it
# to `/etc/pve/cluster.conf.new`, edit the copy and raise `config_version`, validate it with
# `ccs_config_validate -v -f /etc/pve/cluster.conf.new`, then activate it in the GUI
# (Datacenter, HA, Activate), which renames it into place. The kit edits it exactly as in
# the article:

# %%
# NBVAL_CHECK_OUTPUT
cluster_conf = example_path("two-node-cluster.conf.xml").read_text()
print(set_two_node(cluster_conf, True, source="cluster.conf").diff)
