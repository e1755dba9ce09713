# %% [markdown]
# # 1. Votes and quorum
#
# A Proxmox VE cluster has no master: every node may change the shared configuration in
# `/etc/pve`. That is only safe while a node's group of nodes (its *partition*) holds
# **quorum**: more than half of all expected votes. This notebook shows why a majority, why
# an even number of nodes gains nothing, and what a cluster survives.
#
# Every number below comes from `pvequorum`'s simulator, which agrees with real corosync
# 3.1.7 on every recorded scenario.

# %%
from pvequorum.analysis import analyze
from pvequorum.model import simple_cluster
from pvequorum.viz import tolerance_figure

# %% [markdown]
# ## Why more than half?
#
# If a network split cuts the cluster in two, at most one side can hold *more than half* of
# the votes. So at most one side keeps writing `/etc/pve` and starting guests. With "half or
# more", both halves of an even split could act: **split brain** (reference 1.3).
#
# Quorum is `expected_votes // 2 + 1`:

# %%
# NBVAL_CHECK_OUTPUT
for nodes in range(1, 8):
    result = analyze(simple_cluster(nodes))
    print(
        f"{nodes} nodes: quorum {result.quorum}, "
        f"survives any {result.always_survived} failure(s)"
    )

# %% [markdown]
# ## Even counts gain nothing
#
# Going from 3 to 4 nodes raises the quorum from 2 to 3: the cluster still survives only one
# failure. From 5 to 6 the same. An extra node is more hardware that can fail, not more
# safety. A fourth *vote* helps only as a tie-breaker from outside: a QDevice
# (notebook 4).
#
# ## What survives k failures
#
# For each number k of failed nodes, the share of all failure sets of that size that leave
# the rest quorate. A 4-node cluster:

# %%
tolerance_figure(analyze(simple_cluster(4)), title="4 nodes, 1 vote each")

# %%
# NBVAL_CHECK_OUTPUT
for k, sets, quorate in analyze(simple_cluster(4)).by_failures:
    print(f"{k} failed: {quorate} of {sets} failure sets keep quorum")

# %% [markdown]
# ## Votes need not be equal
#
# `quorum_votes` in `corosync.conf` gives a node more weight. Then *which* nodes fail
# matters, not only how many (reference 1.2):

# %%
# NBVAL_CHECK_OUTPUT
weighted = analyze(simple_cluster(3, votes=[1, 1, 2]))
print(f"votes 1 1 2: total {weighted.total_votes}, quorum {weighted.quorum}")
print("one failure that keeps quorum:", weighted.witness(1).keeps_quorum)
print("one failure that breaks it:   ", weighted.witness(1).breaks_quorum)

# %% [markdown]
# **Takeaway.** Quorum is a strict majority of the expected votes. Add nodes in odd
# numbers, or add an outside vote; weights move the risk onto single nodes.
