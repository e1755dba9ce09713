# %% [markdown]
# # Lab 07: reading `pvecm status`
#
# `pvecm status` prints a short cluster header and then `corosync-quorumtool -siH`
# (reference 5.2). This lab reads it line by line on a three-node cluster, first with all
# nodes up, then with one node down. It runs on **real corosync** when the machine allows it,
# otherwise on the simulator; the next cell says which. `parse_status` turns the text into
# fields.
#
# Questions 1-3 and 5 are **predict, then run it**: write your prediction in place of the
# `...` *before* you run the cell below it; the check compares your prediction with what
# the cluster printed and explains the difference.

# %%
from pvequorum.checks import (
    check_status_expected_votes,
    check_status_more_failures,
    check_status_quorum,
    check_status_total_votes,
    check_two_node_flag,
)
from pvequorum.model import simple_cluster
from pvequorum.outage import PRESETS
from pvequorum.simulator import Simulator
from pvequorum.status import parse_status, render_quorumtool
from pvequorum.teaching.practice import practice_cluster

practice = practice_cluster(PRESETS["three-node"].cluster)
print(practice.notice)
print("\n".join(practice.summary_lines()))

# %% [markdown]
# ## The text
#
# The parts that matter for quorum (reference 5.1):
#
# * `Quorate:` Yes or No; `Nodes:` the members this node sees (a QDevice is not counted);
# * `Expected votes:` this node's expected votes, `Highest expected:` the largest among members;
# * `Total votes:` the votes of the members (plus a QDevice's vote if it casts one);
# * `Quorum:` the threshold, followed by `Activity blocked` when not quorate;
# * `Flags:` words such as `Quorate`, `WaitForAll`, `Qdevice`, each followed by a space.
#
# Here is `pve1`'s status with all three nodes up. Find each of these lines in it.

# %%
print(practice.status_text("pve1"))

# %% [markdown]
# ## 1-3. One node goes down: predict, then run it
#
# `pve3` is about to crash. Predict what `pve1`'s status will show afterwards on the lines
# `Total votes:`, `Expected votes:` and `Quorum:`. Which of them change, and which do not?

# %%
# EXERCISE: answer_total_votes = ...
# EXERCISE: answer_expected_votes = ...
# EXERCISE: answer_quorum = ...
# BEGIN SOLUTION
answer_total_votes = 2  # the two members left
answer_expected_votes = 3  # does not drop when a member leaves
answer_quorum = 2  # computed from the expected votes, never decreases
# END SOLUTION

# %%
practice.crash("pve3")
text = practice.status_text("pve1")
print(text)
status = parse_status(text)

# %%
print(check_status_total_votes(answer_total_votes, observed=status.total_votes))  # NBVAL_CHECK_OUTPUT
print(check_status_expected_votes(answer_expected_votes, observed=status.expected_votes))  # NBVAL_CHECK_OUTPUT
print(check_status_quorum(answer_quorum, observed=status.quorum))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 4. How much room is left?
#
# From the status above alone: how many more nodes may fail before `pve1` loses quorum?

# %%
# EXERCISE: answer_more_failures = ...
# BEGIN SOLUTION
answer_more_failures = (status.total_votes - status.quorum) // 1  # each node has one vote
# END SOLUTION

# %%
print(check_status_more_failures(answer_more_failures))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# See for yourself: crash `pve2` as well, and read the `Quorate:` and `Quorum:` lines.

# %%
practice.crash("pve2")
print("\n".join(practice.summary_lines()))
print(practice.status_text("pve1"))

# %%
practice.close()

# %% [markdown]
# ## 5. The Flags line: predict, then run it
#
# A two-node cluster with `two_node: 1` (lab 03). The `Flags:` line prints words from a
# fixed list (reference 5.1). Which word will say that two_node is on?

# %%
# EXERCISE: answer_two_node_flag = ...
# BEGIN SOLUTION
answer_two_node_flag = "2Node"
# END SOLUTION

# %%
sim = Simulator(simple_cluster(2, two_node=1))
sim.start(["pve1", "pve2"])
two_node_text = render_quorumtool(sim.view("pve1"))
print(two_node_text)

# %%
print(check_two_node_flag(answer_two_node_flag, observed=parse_status(two_node_text).flags))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Quorum does not drop when nodes leave (reference 10.5), so
# `Total votes - Quorum` is the number of one-vote nodes that may still fail. `Expected
# votes` larger than `Total votes` means nodes are missing. `WaitForAll` in the flags shows
# the *configured* feature, not whether the node is still waiting (reference 1.6), and
# `2Node` stays even when two_node no longer applies (reference 1.5). A real node prints its
# real date and ring id; the fields you read here are the same on both backends.
