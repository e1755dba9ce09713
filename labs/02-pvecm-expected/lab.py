# %% [markdown]
# # Lab 02: what `pvecm expected 1` really changes
#
# The story: a two-node cluster, one node away for maintenance, and `/etc/pve` turns
# read-only. The quick fix people use is `pvecm expected 1`. In this lab you run it and find
# out what it changes, for how long, and when it is dangerous.
#
# The cells below run on **real corosync daemons** when this machine allows it (root and the
# corosync package), otherwise on the simulator. The next cell tells you which.

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
# ## 1. One node goes away
#
# `pve2` crashes. Read `pve1`'s `pvecm status`: what does the `Quorum:` line say?

# %%
practice.crash("pve2")
print("\n".join(practice.summary_lines()))
print(practice.status_text("pve1"))

# %%
# EXERCISE: answer_quorum_after_crash = ...
# BEGIN SOLUTION
answer_quorum_after_crash = parse_status(practice.status_text("pve1")).quorum
# END SOLUTION

# %%
print(check_quorum_after_crash(answer_quorum_after_crash))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 2. `pvecm expected 1`
#
# `pvecm expected 1` runs `corosync-quorumtool -e 1` (reference 2.3). Run it on `pve1`: what
# is the `Quorum:` now?

# %%
print("accepted:", practice.expected("pve1", 1))
print("\n".join(practice.summary_lines()))

# %%
# EXERCISE: answer_quorum_after_expected = ...
# BEGIN SOLUTION
answer_quorum_after_expected = parse_status(practice.status_text("pve1")).quorum
# END SOLUTION

# %%
print(check_quorum_after_expected_one(answer_quorum_after_expected))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# The command changed a *runtime* value only: the expected votes of the running nodes. The
# file `corosync.conf` is untouched. corosync accepted it because the node holds exactly one
# vote, and an inquorate node accepts any value at or above the votes it sees (reference 2.2).

# %% [markdown]
# ## 3. For how long?
#
# Maintenance is over, `pve2` boots again. What does `pve1` show as `Expected votes:` now?

# %%
practice.start("pve2")
print("\n".join(practice.summary_lines()))

# %%
# EXERCISE: answer_expected_after_rejoin = ...
# BEGIN SOLUTION
answer_expected_after_rejoin = parse_status(practice.status_text("pve1")).expected_votes
# END SOLUTION

# %%
print(check_expected_after_rejoin(answer_expected_after_rejoin))  # NBVAL_CHECK_OUTPUT

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
# A five-node cluster, `pve4` and `pve5` are down, `pve1`..`pve3` are up and quorate. Which is
# the smallest N that `pvecm expected N` accepts on `pve1`? `check_expected` tells you what
# corosync would answer, without changing anything.

# %%
five = Simulator(simple_cluster(5))
five.start(["pve1", "pve2", "pve3"])
for n in range(1, 7):
    print(f"pvecm expected {n}:", five.check_expected("pve1", n).reason)

# %%
# EXERCISE: answer_lowest_expected = ...
# BEGIN SOLUTION
answer_lowest_expected = next(n for n in range(1, 11) if five.check_expected("pve1", n).accepted)
# END SOLUTION

# %%
print(check_lowest_expected(answer_lowest_expected, nodes=5, up=3))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 5. When is it dangerous?
#
# The link between `pve1` and `pve2` fails, both nodes keep running. One admin runs
# `pvecm expected 1` on `pve1`, a colleague does the same on `pve2`. How many partitions are
# quorate afterwards?

# %%
cut = Simulator(simple_cluster(2))
cut.start(["pve1", "pve2"])
cut.partition([["pve1"], ["pve2"]])
print(cut.expected("pve1", 1), cut.expected("pve2", 1))
print({name: view.quorate for name, view in cut.views().items()})

# %%
# EXERCISE: answer_quorate_partitions = ...
# BEGIN SOLUTION
answer_quorate_partitions = sum(view.quorate for view in cut.views().values())
# END SOLUTION

# %%
print(check_expected_both_sides(answer_quorate_partitions))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# corosync cannot tell "the other node is dead" from "the other node is unreachable". Before
# `pvecm expected 1`, confirm that the missing nodes are really off (console, IPMI, power).
# With HA guests it is worse still, see lab 06.
