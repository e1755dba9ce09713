# %% [markdown]
# # Lab 03: `two_node` or a QDevice?
#
# The story ends with a config change: tell the cluster that one node is enough. In the cman
# era (PVE 3) that was `<cman two_node="1" expected_votes="1">`; corosync 3 (PVE 4 and later)
# has `two_node: 1` in the `quorum {}` section. The alternative is a third vote from a
# QDevice on a small external host. This lab compares them.
#
# Every question is **predict, then run it**: write your prediction in place of the `...`
# *before* you run the simulator cell below it; the check compares the two and explains the
# difference.

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
# Without `two_node`, two nodes need 2 votes (lab 01). With `two_node: 1` and both nodes up,
# what will `Quorum:` show?

# %%
# EXERCISE: answer_two_node_quorum = ...
# BEGIN SOLUTION
answer_two_node_quorum = 1
# END SOLUTION

# %%
sim = Simulator(two_node)
sim.start(["pve1", "pve2"])
print(render_quorumtool(sim.view("pve1")))

# %%
print(check_two_node_quorum(answer_two_node_quorum, observed=sim.view("pve1").quorum))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 2. A cold start
#
# Both nodes were shut down (a power cut). Only `pve1` comes back. Will it be quorate
# (`True` or `False`)? Look at the `Flags:` line above first: one word there is a feature
# you did not switch on yourself.

# %%
# EXERCISE: answer_cold_start_quorate = ...
# BEGIN SOLUTION
answer_cold_start_quorate = False
# END SOLUTION

# %%
cold = Simulator(two_node)
cold.start(["pve1"])
print(render_quorumtool(cold.view("pve1")))

# %%
print(check_two_node_cold_start(answer_cold_start_quorate, observed=cold.view("pve1").quorate))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# `two_node: 1` switches `wait_for_all` on unless the file says `wait_for_all: 0`
# (reference 1.5). After a cold start a node must see all expected votes once before it
# becomes quorate (reference 1.7). This protects against the split below on every boot.

# %% [markdown]
# ## 3. A cut link with `two_node`
#
# Both nodes run (the cluster of question 1), then the link between them fails. How many
# partitions will be quorate?

# %%
# EXERCISE: answer_two_node_split = ...
# BEGIN SOLUTION
answer_two_node_split = 2
# END SOLUTION

# %%
sim.partition([["pve1"], ["pve2"]])
print({name: view.quorate for name, view in sim.views().items()}, "split brain:", sim.split_brain())

# %%
print(check_two_node_split(answer_two_node_split, observed=sum(v.quorate for v in sim.views().values())))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 4. The same cut with a QDevice
#
# Two nodes plus a QDevice (`ffsplit`, one vote, reference 3.2), no `two_node`. The link
# between the nodes fails, both still reach the QDevice. How many partitions will be quorate?

# %%
# EXERCISE: answer_qdevice_split = ...
# BEGIN SOLUTION
answer_qdevice_split = 1
# END SOLUTION

# %%
q = Simulator(with_qdevice)
q.start(["pve1", "pve2"])
q.partition([["pve1"], ["pve2"]])
print({name: view.quorate for name, view in q.views().items()}, "split brain:", q.split_brain())

# %%
print(check_qdevice_split(answer_qdevice_split, observed=sum(v.quorate for v in q.views().values())))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 5. Both at once?
#
# Could you keep `two_node: 1` and add the QDevice as well? Will corosync start with both
# (`True` or `False`)? The next cell asks the simulator's `startup_error`, which says why a
# node would refuse to start (None: it starts).

# %%
# EXERCISE: answer_starts_with_both = ...
# BEGIN SOLUTION
answer_starts_with_both = False
# END SOLUTION

# %%
both = simple_cluster(2, two_node=1, device=QDevice(votes=1))
error = Simulator(both).startup_error("pve1")
print(error)

# %%
print(check_two_node_with_qdevice(answer_starts_with_both, observed=error is None))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 6. On real daemons: predict, then stop qnetd
#
# The two nodes with a QDevice (ffsplit, one vote) as real daemons when this machine allows
# it (root and the packages corosync, corosync-qnetd and corosync-qdevice), else on the
# simulator; the next cell says which. Both nodes are up. The qnetd host is about to be
# stopped (rebooted for updates, say): will `pve1` stay quorate (`True` or `False`)? And if
# `pve2` then fails while qnetd is still down?

# %%
from pvequorum.checks import (
    check_quorate_after_a_node_fails_while_qnetd_is_down,
    check_quorate_while_qnetd_is_down,
)
from pvequorum.status import parse_status
from pvequorum.teaching.practice import practice_cluster

practice = practice_cluster(simple_cluster(2, device=QDevice(votes=1)))
print(practice.notice)
print("\n".join(practice.summary_lines()))

# %%
# EXERCISE: answer_quorate_without_qnetd = ...
# EXERCISE: answer_quorate_after_pve2 = ...
# BEGIN SOLUTION
answer_quorate_without_qnetd = True
answer_quorate_after_pve2 = False
# END SOLUTION

# %%
practice.qnetd("stop")
print(practice.status_text("pve1"))
without_qnetd = parse_status(practice.status_text("pve1"))
practice.crash("pve2")
print(practice.status_text("pve1"))
after_pve2 = parse_status(practice.status_text("pve1"))
practice.close()

# %%
print(check_quorate_while_qnetd_is_down(answer_quorate_without_qnetd, observed=without_qnetd.quorate))  # NBVAL_CHECK_OUTPUT
print(check_quorate_after_a_node_fails_while_qnetd_is_down(answer_quorate_after_pve2, observed=after_pve2.quorate))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Summary: `two_node` keeps a lone node running but lets both halves of a cut cluster act,
# so it needs working fencing; `wait_for_all` covers only the boot. A QDevice decides a
# 50/50 split for exactly one side and is what PVE recommends for two nodes (reference 3.3).
# Remove `two_node` when you add the QDevice: corosync refuses the combination
# (reference 1.12; a reload only logs it and blocks the device).
