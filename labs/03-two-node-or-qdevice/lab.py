# %% [markdown]
# # Lab 03: `two_node` or a QDevice?
#
# The story ends with a config change: tell the cluster that one node is enough. In the cman
# era (PVE 3) that was `<cman two_node="1" expected_votes="1">`; corosync 3 (PVE 4 and later)
# has `two_node: 1` in the `quorum {}` section. The alternative is a third vote from a
# QDevice on a small external host. This lab compares them.

# %%
from pvequorum.checks import (
    check_qdevice_split,
    check_two_node_cold_start,
    check_two_node_quorum,
    check_two_node_split,
    check_two_node_with_qdevice,
)
from pvequorum.model import QDevice, simple_cluster
from pvequorum.simulator import Simulator
from pvequorum.status import render_quorumtool

two_node = simple_cluster(2, two_node=1)
with_qdevice = simple_cluster(2, device=QDevice(votes=1))

# %% [markdown]
# ## 1. Quorum with `two_node: 1`
#
# Both nodes are up. What does `Quorum:` show?

# %%
sim = Simulator(two_node)
sim.start(["pve1", "pve2"])
print(render_quorumtool(sim.view("pve1")))

# %%
# EXERCISE: answer_two_node_quorum = ...
# BEGIN SOLUTION
answer_two_node_quorum = sim.view("pve1").quorum
# END SOLUTION

# %%
print(check_two_node_quorum(answer_two_node_quorum))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 2. A cold start
#
# Both nodes were shut down (a power cut). Only `pve1` comes back. Is it quorate? Look at the
# `Flags:` line above first.

# %%
cold = Simulator(two_node)
cold.start(["pve1"])
print(render_quorumtool(cold.view("pve1")))

# %%
# EXERCISE: answer_cold_start_quorate = ...
# BEGIN SOLUTION
answer_cold_start_quorate = cold.view("pve1").quorate
# END SOLUTION

# %%
print(check_two_node_cold_start(answer_cold_start_quorate))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# `two_node: 1` switches `wait_for_all` on unless the file says `wait_for_all: 0`
# (reference 1.5). After a cold start a node must see all expected votes once before it
# becomes quorate (reference 1.7). This protects against the split below on every boot.

# %% [markdown]
# ## 3. A cut link with `two_node`
#
# Both nodes run, then the link between them fails. How many partitions are quorate?

# %%
sim.partition([["pve1"], ["pve2"]])
print({name: view.quorate for name, view in sim.views().items()}, "split brain:", sim.split_brain())

# %%
# EXERCISE: answer_two_node_split = ...
# BEGIN SOLUTION
answer_two_node_split = sum(view.quorate for view in sim.views().values())
# END SOLUTION

# %%
print(check_two_node_split(answer_two_node_split))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 4. The same cut with a QDevice
#
# Two nodes plus a QDevice (`ffsplit`, one vote, reference 3.2). The link between the nodes
# fails, both still reach the QDevice. How many partitions are quorate?

# %%
q = Simulator(with_qdevice)
q.start(["pve1", "pve2"])
q.partition([["pve1"], ["pve2"]])
print({name: view.quorate for name, view in q.views().items()}, "split brain:", q.split_brain())

# %%
# EXERCISE: answer_qdevice_split = ...
# BEGIN SOLUTION
answer_qdevice_split = sum(view.quorate for view in q.views().values())
# END SOLUTION

# %%
print(check_qdevice_split(answer_qdevice_split))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 5. Both at once?
#
# Could you keep `two_node: 1` and add the QDevice as well? Does corosync start with both?
# `startup_error` says why a node would refuse to start (None: it starts).

# %%
both = simple_cluster(2, two_node=1, device=QDevice(votes=1))
print(Simulator(both).startup_error("pve1"))

# %%
# EXERCISE: answer_starts_with_both = ...
# BEGIN SOLUTION
answer_starts_with_both = Simulator(both).startup_error("pve1") is None
# END SOLUTION

# %%
print(check_two_node_with_qdevice(answer_starts_with_both))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Summary: `two_node` keeps a lone node running but lets both halves of a cut cluster act,
# so it needs working fencing; `wait_for_all` covers only the boot. A QDevice decides a
# 50/50 split for exactly one side and is what PVE recommends for two nodes (reference 3.3).
# Remove `two_node` when you add the QDevice: corosync refuses the combination
# (reference 1.12; a reload only logs it and blocks the device).
