# %% [markdown]
# # Lab 06: why an HA node reboots when it loses quorum
#
# A node that runs HA guests and loses quorum resets itself 60 to 70 s later (the admin
# guide says "after 60 seconds"). That is not a crash: it is the fence that lets the rest of
# the cluster start its guests elsewhere safely. This lab walks through the timeline
# (reference 7, 9) and shows why `pvecm expected 1` on such a node is dangerous.
#
# Every question is **predict, then run it**: write your prediction in place of the `...`
# *before* you run the cell below it, which asks the kit's timing model or the simulator; the
# check compares the two and explains the difference.

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
# A node loses its link. How long until corosync on the others gives up on it? The token is
# lost first, then the consensus timer runs (reference 9). Here is the default timing of a
# *two*-node cluster:

# %%
print(failure_detection(simple_cluster(2)))

# %% [markdown]
# The effective token grows with every configured node above two (reference 9). For
# *three* configured nodes: what will token + consensus be, in milliseconds?

# %%
# EXERCISE: answer_detection_ms = ...
# BEGIN SOLUTION
answer_detection_ms = (3000 + 650) + (3000 + 650) * 12 // 10  # token_eff + 1.2 * token_eff
# END SOLUTION

# %%
detection = failure_detection(three)
print(detection)

# %%
print(check_detection_ms(answer_detection_ms, nodes=3, observed=detection.token_plus_consensus_ms))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 2. The isolated node fences itself, the others recover its guests
#
# `pve1` runs HA guests and is cut off; t = 0 is the moment it loses quorum. From then on its
# LRM cannot renew its agent lock in `/etc/pve`. Predict, in whole seconds after t = 0:
#
# * when is `pve1` reset by its watchdog?
# * when does the quorate side (`pve2`, `pve3`) start `pve1`'s HA guests?
#
# The HA section lists the timeouts you need (reference 7). Times are ranges, because the last
# successful lock renewal happened somewhere in the LRM round before t = 0: any second
# inside the range is right.

# %%
# EXERCISE: answer_self_fence_s = ...
# EXERCISE: answer_recovery_s = ...
# BEGIN SOLUTION
answer_self_fence_s = 65  # 60 s client timeout + 10 s watchdog, after a renewal 0..10 s before t=0
answer_recovery_s = 115  # the agent lock expires 120 s after that renewal
# END SOLUTION

# %%
timeline = ha_timeline(three)
for e in timeline:
    print(f"{e.earliest_ms / 1000:>6.1f} .. {e.latest_ms / 1000:>6.1f} s  [{e.side}] {e.event}")
reset = next(e for e in timeline if "resets the node" in e.event)
recovered = next(e for e in timeline if "services recovered" in e.event)

# %%
print(check_self_fence_seconds(answer_self_fence_s, observed=reset))  # NBVAL_CHECK_OUTPUT
print(check_recovery_seconds(answer_recovery_s, observed=recovered))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# The order is the point: the isolated node cannot renew its agent lock without quorum, so
# its watchdog resets it (60 s client timeout + 10 s watchdog after the last renewal, so 60
# to 70 s after quorum loss). The quorate side waits for that lock to expire (120 s after
# the last renewal) before it takes it and starts the guests. By then the node is guaranteed
# dead (reference 7).

# %% [markdown]
# ## 3. And `pvecm expected 1` on the isolated node?
#
# `pve1` of three is cut off but still runs its HA guests. Someone logs in on `pve1` and runs
# `pvecm expected 1` to "fix" the read-only `/etc/pve`. What happens? Answer a letter.

# %%
for letter, text in EXPECTED_ON_ISOLATED_CHOICES.items():
    print(f"{letter}) {text}")

# %%
# EXERCISE: answer_expected_on_isolated = ...
# BEGIN SOLUTION
answer_expected_on_isolated = "b"
# END SOLUTION

# %% [markdown]
# Now run it on the simulator. A quorate `pve1` means its pmxcfs takes writes, so its LRM
# renews its agent lock and feeds the watchdog (reference 7): the run's letter follows from
# whether corosync accepted the command and how many sides are quorate.

# %%
sim = Simulator(three)
sim.start(three.names)
sim.partition([["pve1"], ["pve2", "pve3"]])
accepted = sim.expected("pve1", 1)
print("accepted:", accepted)
print({name: view.quorate for name, view in sim.views().items()}, "split brain:", sim.split_brain())
outcome = "a" if not accepted else ("b" if sim.split_brain() else "c")

# %%
print(check_expected_on_isolated(answer_expected_on_isolated, observed=outcome))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Quorate again, pmxcfs takes writes on `pve1`, the LRM renews its lock in `pve1`'s own copy
# of /etc/pve and the watchdog is fed: no self-fence. The majority still takes the lock after
# 120 s and starts the same guests: two copies writing the same disks (reference 10.19,
# an inference from the code paths). Only run `pvecm expected` where the missing nodes are
# confirmed off.
