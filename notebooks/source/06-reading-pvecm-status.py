# %% [markdown]
# # 6. Reading `pvecm status`
#
# `pvecm status` prints the cluster name and config version from `/etc/pve/corosync.conf`,
# then runs `corosync-quorumtool -siH` (reference 5.2). On PVE 3 it is `cman_tool status`
# (reference 5.3). Paste your own output below and every field is explained.

# %%
from pvequorum.examples import example_path
from pvequorum.explain import explain_text

# %% [markdown]
# ## A survivor of a two-node cluster

# %%
# NBVAL_CHECK_OUTPUT
survivor = example_path("two-node-one-down.pvecm-status.txt").read_text()
print(survivor)

# %%
# NBVAL_CHECK_OUTPUT
print(explain_text(survivor))

# %% [markdown]
# Read it bottom-up: **Total votes** 1 is below **Quorum** 2, so the node is not quorate,
# `Quorum:` says `Activity blocked`, and the `Quorate` flag is missing from `Flags:`.
#
# ## The same cluster on PVE 3 (cman), in two-node mode

# %%
# NBVAL_CHECK_OUTPUT
from pvequorum import outage

cman = outage.snapshot(outage.new_outage(outage.PRESETS["two-node-mode-cman"].cluster))
print(explain_text(cman.node("pve1").status_text))

# %% [markdown]
# ## Your own output
#
# Paste the output of `pvecm status` from one of your nodes between the triple quotes. A
# line that is not status output is named in the error.

# %%
mine = """
"""
if mine.strip():
    print(explain_text(mine, "your paste"))
