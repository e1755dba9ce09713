# %% [markdown]
# # Lab 02: what `pvecm expected 1` really changes
#
# The story: a two-node cluster, one node away for maintenance, and `/etc/pve` turns
# read-only. The quick fix people use is `pvecm expected 1`. In this lab you run it and find
# out what it changes, for how long, and when it is dangerous.
#
# The cells below run on **real corosync daemons** when this machine allows it (root and the
# corosync package), otherwise on the simulator. The next cell tells you which.
#
# Most questions here are **predict, then run it**: write your prediction in place of the
# `...` *before* you run the experiment cell below it. The check then compares your
# prediction with what the cluster really did, and explains the difference.

# %%
from pvequorum.checks import (
    check_expected_after_rejoin,
    check_expected_both_sides,
    check_lowest_expected,
    check_quorum_after_crash,
    check_quorum_after_expected_one,
)
from pvequorum.model import simple_cluster
from pvequorum.outage import PRESETS
from pvequorum.simulator import Simulator
from pvequorum.status import parse_status
from pvequorum.teaching.practice import practice_cluster

practice = practice_cluster(PRESETS["two-node"].cluster)
print(practice.notice)
print("\n".join(practice.summary_lines()))

# %% [markdown]
# ## 1. One node goes away: predict, then run it
#
# Both nodes are up and quorate (2 votes, quorum 2). Now `pve2` is about to crash. What will
# `pve1`'s `pvecm status` show on the `Quorum:` line afterwards? Predict first.

# %%
# EXERCISE: answer_quorum_after_crash = ...
# BEGIN SOLUTION
answer_quorum_after_crash = 2
# END SOLUTION

# %%
practice.crash("pve2")
print("\n".join(practice.summary_lines()))
print(practice.status_text("pve1"))
after_crash = parse_status(practice.status_text("pve1"))

# %%
print(check_quorum_after_crash(answer_quorum_after_crash, observed=after_crash.quorum))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 2. `pvecm expected 1`: predict, then run it
#
# `pvecm expected 1` runs `corosync-quorumtool -e 1` (reference 2.3). You are about to run it
# on `pve1`, which holds 1 vote. What will its `Quorum:` be afterwards?

# %%
# EXERCISE: answer_quorum_after_expected = ...
# BEGIN SOLUTION
answer_quorum_after_expected = 1
# END SOLUTION

# %%
print("accepted:", practice.expected("pve1", 1))
print("\n".join(practice.summary_lines()))
after_expected = parse_status(practice.status_text("pve1"))

# %%
print(check_quorum_after_expected_one(answer_quorum_after_expected, observed=after_expected.quorum))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# The command changed a *runtime* value only: the expected votes of the running nodes. The
# file `corosync.conf` is untouched. corosync accepted it because the node holds exactly one
# vote, and an inquorate node accepts any value at or above the votes it sees (reference 2.2).

# %% [markdown]
# ## 3. For how long? Predict, then run it
#
# Maintenance is over and `pve2` is about to boot again. Nobody touches `pvecm`. What will
# `pve1` show as `Expected votes:` once `pve2` has joined: the 1 you set, or something else?

# %%
# EXERCISE: answer_expected_after_rejoin = ...
# BEGIN SOLUTION
answer_expected_after_rejoin = 2
# END SOLUTION

# %%
practice.start("pve2")
print("\n".join(practice.summary_lines()))
after_rejoin = parse_status(practice.status_text("pve1"))

# %%
print(check_expected_after_rejoin(answer_expected_after_rejoin, observed=after_rejoin.expected_votes))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# The lowered value lasts until the next membership change that brings more votes than
# expected (reference 1.4), or until the next config reload: every save of
# `/etc/pve/corosync.conf` runs `corosync-cfgtool -R`, which recomputes expected votes from the
# nodelist (reference 1.13, 4.4). A corosync restart also resets it. Nothing to undo, but also
# nothing permanent: the fix for a cluster that must run on one node is lab 03.

# %%
practice.close()

# %% [markdown]
# ## 4. Is `pvecm expected 1` always accepted?
#
# `check_expected` tells you what corosync would answer to `pvecm expected N`, without
# changing anything. Here it is for a *three*-node cluster with `pve3` down: `pve1` and `pve2`
# are up and quorate.

# %%
three = Simulator(simple_cluster(3))
three.start(["pve1", "pve2"])
for n in range(1, 5):
    print(f"pvecm expected {n}:", three.check_expected("pve1", n).reason)

# %% [markdown]
# Now a *five*-node cluster: `pve4` and `pve5` are down, `pve1`..`pve3` are up and quorate.
# Which is the smallest N that `pvecm expected N` accepts on `pve1`? Work it out from the rule
# above; you may try `check_expected` on a five-node simulator afterwards.

# %%
# EXERCISE: answer_lowest_expected = ...
# BEGIN SOLUTION
answer_lowest_expected = 3
# END SOLUTION

# %%
print(check_lowest_expected(answer_lowest_expected, nodes=5, up=3))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 5. When is it dangerous? Predict, then run it
#
# The link between `pve1` and `pve2` fails, both nodes keep running. One admin runs
# `pvecm expected 1` on `pve1`, a colleague does the same on `pve2`. How many partitions
# will be quorate afterwards? Predict before you run the next cell (on the simulator: the
# practice cluster cannot cut links).

# %%
# EXERCISE: answer_quorate_partitions = ...
# BEGIN SOLUTION
answer_quorate_partitions = 2
# END SOLUTION

# %%
cut = Simulator(simple_cluster(2))
cut.start(["pve1", "pve2"])
cut.partition([["pve1"], ["pve2"]])
print("accepted on pve1:", cut.expected("pve1", 1), "on pve2:", cut.expected("pve2", 1))
print({name: view.quorate for name, view in cut.views().items()}, "split brain:", cut.split_brain())
quorate_sides = sum(view.quorate for view in cut.views().values())

# %%
print(check_expected_both_sides(answer_quorate_partitions, observed=quorate_sides))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# corosync cannot tell "the other node is dead" from "the other node is unreachable". Before
# `pvecm expected 1`, confirm that the missing nodes are really off (console, IPMI, power).
# With HA guests it is worse still, see lab 06.
