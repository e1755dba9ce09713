# %% [markdown]
# # Lab 01: votes, quorum and what survives which failure
#
# A Proxmox VE cluster has no master. Before a node may change the shared configuration in
# `/etc/pve` or start an HA guest, the nodes it can reach must together hold **quorum**: more
# than half of the *expected votes*. Otherwise two halves of a cut cluster could both act
# (split brain). In this lab you count votes and find out which failures a cluster survives.
#
# Replace every `...` with your answer and run the check cell below it. A question marked
# **predict, then run it** wants your prediction *before* you run the experiment cell that
# follows it; the check then compares your prediction with what the run showed.

# %%
from pvequorum.analysis import analyze, survivors_quorate
from pvequorum.checks import check_failures_survived, check_fatal_nodes, check_votes_needed
from pvequorum.model import simple_cluster
from pvequorum.simulator import Simulator

# %% [markdown]
# ## 1. How many votes does quorum need? Predict, then run it
#
# The two-node cluster of the story: `pve1` and `pve2`, one vote each, so 2 expected votes.
# corosync computes quorum as *half of the expected votes, rounded down, plus one*
# (reference 1.3). Before you start the cluster: how many votes must a partition hold to be
# quorate? Write your prediction, then run the next cell, which starts both nodes on the
# simulator and shows what `pve1` reports as `quorum`.

# %%
# EXERCISE: answer_votes_needed = ...
# BEGIN SOLUTION
answer_votes_needed = 2  # 2 // 2 + 1
# END SOLUTION

# %%
two = simple_cluster(2)
sim = Simulator(two)
sim.start(two.names)
print(sim.view("pve1"))
observed_quorum = sim.view("pve1").quorum

# %%
print(check_votes_needed(answer_votes_needed, observed=observed_quorum))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Two nodes need both votes: with 2 expected votes the quorum is 2//2 + 1 = 2. A single node
# left alone holds only half of the votes, which is never a majority. That is why the lone
# node of the story turned `/etc/pve` read-only.

# %% [markdown]
# ## 2. How many failed nodes does a cluster always survive?
#
# `analyze(cluster)` counts, for every number of failed nodes, how many failure sets leave the
# survivors quorate (`by_failures`: failed, sets, quorate sets). Here it is for a five-node
# cluster: every set of 0, 1 or 2 failed nodes leaves quorate survivors, no set of 3 does, so
# five nodes *always* survive 2 failed nodes.

# %%
print(analyze(simple_cluster(5)).by_failures)

# %% [markdown]
# Now the two-node cluster of the story, without running `analyze` on it: how many failed
# nodes does it always survive?

# %%
# EXERCISE: answer_two_nodes = ...
# BEGIN SOLUTION
answer_two_nodes = 0
# END SOLUTION

# %%
print(check_failures_survived(answer_two_nodes, nodes=2))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 3. Three nodes, four nodes
#
# Now a third node joins. Then a fourth. How many failed nodes does each cluster always
# survive? Work it out from the quorum first; then check with `analyze(simple_cluster(3))`
# and `analyze(simple_cluster(4))` if you like. Does the fourth node help?

# %%
# EXERCISE: answer_three_nodes = ...
# EXERCISE: answer_four_nodes = ...
# BEGIN SOLUTION
answer_three_nodes = analyze(simple_cluster(3)).always_survived
answer_four_nodes = analyze(simple_cluster(4)).always_survived
# END SOLUTION

# %%
print(check_failures_survived(answer_three_nodes, nodes=3))  # NBVAL_CHECK_OUTPUT
print(check_failures_survived(answer_four_nodes, nodes=4))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Three nodes (quorum 2) survive one failure. A fourth node raises the quorum to 3, so four
# nodes *also* survive only one failure: an even node count adds a vote to lose, not a
# failure to survive. That is why PVE recommends odd node counts, or a QDevice for even ones
# (lab 04).

# %% [markdown]
# ## 4. Not every node weighs the same
#
# `quorum_votes` can give a node more than one vote (reference 1.2). Here `pve1` carries 2
# votes, `pve2` and `pve3` one each. Which nodes break quorum when they fail alone? Answer a
# list of names, e.g. `["pve9"]`. `survivors_quorate(cluster, failed)` tells you whether the
# rest stays quorate.

# %%
weighted = simple_cluster(3, votes=[2, 1, 1])

# %%
# EXERCISE: answer_fatal_nodes = ...
# BEGIN SOLUTION
answer_fatal_nodes = [n for n in weighted.names if not survivors_quorate(weighted, [n])]
# END SOLUTION

# %%
print(check_fatal_nodes(answer_fatal_nodes, votes=(2, 1, 1)))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# 4 expected votes give quorum 3. Losing `pve1` leaves 2 votes: blocked. Losing `pve2` or
# `pve3` leaves 3: fine. Extra votes make one node a single point of failure for quorum,
# which is why PVE's tools give every node one vote.
