# %% [markdown]
# # Lab 04: why a QDevice on an odd node count is discouraged
#
# A QDevice helps an even cluster decide a 50/50 split. On an odd count PVE refuses to set one
# up unless forced: `Clusters with an odd node count are not officially supported!`
# (reference 3.3). With `--force` it uses the `lms` algorithm and no `votes:` line. This lab
# shows what that does to failure tolerance, with the QDevice alive and with it dead.
#
# Every question is **predict, then run it**: write your prediction in place of the `...`
# *before* you run the cell below it, which asks the simulator or the failure analysis; the
# check compares the two and explains the difference.

# %%
from pvequorum.analysis import analyze
from pvequorum.checks import (
    check_even_qdevice_dead,
    check_odd_qdevice_dead,
    check_odd_qdevice_survives,
    check_odd_qdevice_votes,
)
from pvequorum.model import QDevice, simple_cluster
from pvequorum.simulator import Simulator

odd = simple_cluster(3, device=QDevice(algorithm="lms"))  # what `--force` writes

# %% [markdown]
# ## 1. How many votes does the QDevice get?
#
# Three nodes with one vote each, and a QDevice whose config has no `quorum.device.votes`.
# corosync computes the device's votes itself (reference 1.2 step 5). How many will it get?

# %%
# EXERCISE: answer_qdevice_votes = ...
# BEGIN SOLUTION
answer_qdevice_votes = 2  # the node votes (3) minus one
# END SOLUTION

# %%
sim = Simulator(odd)
sim.start(odd.names)
view = sim.view("pve1")
print("expected votes:", view.expected_votes, "quorum:", view.quorum, "total:", view.total_votes)
print("QDevice votes:", view.qdevice_votes)

# %%
print(check_odd_qdevice_votes(answer_qdevice_votes, observed=view.qdevice_votes))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 2. The QDevice is alive
#
# With the numbers above: how many failed nodes does this cluster always survive? `analyze`
# prints (failed, sets, quorate sets) for 0..3 failed nodes, and the answer.

# %%
# EXERCISE: answer_survives_alive = ...
# BEGIN SOLUTION
answer_survives_alive = 2
# END SOLUTION

# %%
alive = analyze(odd)
print(alive.by_failures, "always survived:", alive.always_survived)

# %%
print(check_odd_qdevice_survives(answer_survives_alive, observed=alive.always_survived))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 3. The QDevice host is down
#
# The small external host that runs `corosync-qnetd` fails (or is rebooted for updates). How
# many failed nodes does the cluster survive now? Three nodes without any QDevice survive one
# (lab 01): more, the same, or fewer?

# %%
# EXERCISE: answer_survives_dead = ...
# BEGIN SOLUTION
answer_survives_dead = 0
# END SOLUTION

# %%
dead = analyze(odd, qdevice_alive=False)
print("with a dead QDevice:", dead.by_failures, "quorum", dead.quorum)
print("without any QDevice:", analyze(simple_cluster(3)).by_failures)

# %%
print(check_odd_qdevice_dead(answer_survives_dead, observed=dead.always_survived or 0))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 4. The same on an even count
#
# Four nodes with an `ffsplit` QDevice (one vote). The QDevice host is down: how many failed
# nodes does the cluster always survive?

# %%
# EXERCISE: answer_even_dead = ...
# BEGIN SOLUTION
answer_even_dead = 1
# END SOLUTION

# %%
even = simple_cluster(4, device=QDevice(votes=1))
even_dead = analyze(even, qdevice_alive=False)
print("dead QDevice:", even_dead.by_failures)
print("no QDevice:  ", analyze(simple_cluster(4)).by_failures)

# %%
print(check_even_qdevice_dead(answer_even_dead, observed=even_dead.always_survived or 0))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 5. On real daemons: predict, then stop qnetd
#
# The same three nodes with an lms QDevice, now as real daemons when this machine allows it
# (root and the packages corosync, corosync-qnetd and corosync-qdevice): one namespace per
# node, a qnetd host of its own, certificates made as `pvecm qdevice setup` makes them.
# Otherwise the cells run on the simulator, which agrees with the recorded real runs; the
# next cell says which. All three nodes are up. qnetd is about to be stopped: predict
# `pve1`'s `Total votes:` line. Then `pve3` fails as well: will `pve1` still be quorate
# (`True` or `False`)?

# %%
from pvequorum.checks import (
    check_quorate_after_a_node_fails_without_qnetd,
    check_total_after_qnetd_stop,
)
from pvequorum.status import parse_status
from pvequorum.teaching.practice import practice_cluster

practice = practice_cluster(odd)
print(practice.notice)
print("\n".join(practice.summary_lines()))

# %%
# EXERCISE: answer_total_without_qnetd = ...
# EXERCISE: answer_quorate_after_pve3 = ...
# BEGIN SOLUTION
answer_total_without_qnetd = 3
answer_quorate_after_pve3 = False
# END SOLUTION

# %%
practice.qnetd("stop")
print(practice.status_text("pve1"))
without_qnetd = parse_status(practice.status_text("pve1"))
practice.crash("pve3")
print(practice.status_text("pve1"))
after_pve3 = parse_status(practice.status_text("pve1"))
practice.close()

# %%
print(check_total_after_qnetd_stop(answer_total_without_qnetd, observed=without_qnetd.total_votes))  # NBVAL_CHECK_OUTPUT
print(check_quorate_after_a_node_fails_without_qnetd(answer_quorate_after_pve3, observed=after_pve3.quorate))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# On an odd count the QDevice carries N-1 votes: while it lives, a single node survives
# ("all but one", which can overload that node and stops Ceph long before). When it dies, its
# votes are still expected, so *no* node may fail, worse than without a QDevice. On an even
# count the QDevice has one vote, and losing it just returns you to the plain cluster
# (reference 3.3). To change the node count, remove the QDevice first and set it up again
# once the count is even.
