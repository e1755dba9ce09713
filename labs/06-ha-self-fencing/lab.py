# %% [markdown]
# # Lab 06: why an HA node reboots when it loses quorum
#
# A node that runs HA guests and loses quorum resets itself about a minute later. That is not
# a crash: it is the fence that lets the rest of the cluster start its guests elsewhere
# safely. This lab walks through the timeline (reference 7, 9) and shows why
# `pvecm expected 1` on such a node is dangerous.

# %%
from pvequorum.checks import (
    EXPECTED_ON_ISOLATED_CHOICES,
    check_detection_ms,
    check_expected_on_isolated,
    check_recovery_seconds,
    check_self_fence_seconds,
)
from pvequorum.model import simple_cluster
from pvequorum.simulator import Simulator
from pvequorum.timing import failure_detection, ha_timeline

three = simple_cluster(3)

# %% [markdown]
# ## 1. Noticing the failure
#
# `pve1` loses its link. How long until corosync on the others gives up on it? The token is
# lost first, then the consensus timer runs (reference 9). With the default timing and three
# configured nodes, what are token + consensus in milliseconds?

# %%
print(failure_detection(three))

# %%
# EXERCISE: answer_detection_ms = ...
# BEGIN SOLUTION
answer_detection_ms = failure_detection(three).token_plus_consensus_ms
# END SOLUTION

# %%
print(check_detection_ms(answer_detection_ms, nodes=3))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 2. The isolated node fences itself
#
# t = 0 is the moment quorum is lost. Times are ranges because the last successful lock
# renewal happened somewhere in the LRM round before. At the latest, after how many seconds is
# the isolated node reset?

# %%
for e in ha_timeline(three):
    print(f"{e.earliest_ms / 1000:>6.1f} .. {e.latest_ms / 1000:>6.1f} s  [{e.side}] {e.event}")

# %%
# EXERCISE: answer_self_fence_s = ...
# BEGIN SOLUTION
answer_self_fence_s = next(e for e in ha_timeline(three) if "resets" in e.event).latest_ms // 1000
# END SOLUTION

# %%
print(check_self_fence_seconds(answer_self_fence_s))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 3. The others recover the guests
#
# At the latest, when does the quorate side start the isolated node's HA guests?

# %%
# EXERCISE: answer_recovery_s = ...
# BEGIN SOLUTION
answer_recovery_s = next(e for e in ha_timeline(three) if "recovered" in e.event).latest_ms // 1000
# END SOLUTION

# %%
print(check_recovery_seconds(answer_recovery_s))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# The order is the point: the isolated node cannot renew its agent lock without quorum, so
# its watchdog resets it (at most 60 s client timeout + 10 s watchdog after the last
# renewal). The quorate side waits for that lock to expire (120 s after the last renewal)
# before it takes it and starts the guests. By then the node is guaranteed dead
# (reference 7).

# %% [markdown]
# ## 4. And `pvecm expected 1` on the isolated node?
#
# `pve1` of three is cut off but still runs its HA guests. Someone logs in on `pve1` and runs
# `pvecm expected 1` to "fix" the read-only `/etc/pve`. What happens? Answer a letter.

# %%
for letter, text in EXPECTED_ON_ISOLATED_CHOICES.items():
    print(f"{letter}) {text}")
sim = Simulator(three)
sim.start(three.names)
sim.partition([["pve1"], ["pve2", "pve3"]])
print("accepted:", sim.expected("pve1", 1))
print({name: view.quorate for name, view in sim.views().items()}, "split brain:", sim.split_brain())

# %%
# EXERCISE: answer_expected_on_isolated = ...
# BEGIN SOLUTION
answer_expected_on_isolated = "b"
# END SOLUTION

# %%
print(check_expected_on_isolated(answer_expected_on_isolated))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Quorate again, pmxcfs takes writes on `pve1`, the LRM renews its lock in `pve1`'s own copy
# of /etc/pve and the watchdog is fed: no self-fence. The majority still takes the lock after
# 120 s and starts the same guests: two copies writing the same disks (reference 10.19,
# an inference from the code paths). Only run `pvecm expected` where the missing nodes are
# confirmed off.
