# %% [markdown]
# # 4. QDevice and larger clusters
#
# A QDevice is a vote from outside the cluster: the `corosync-qdevice` daemon on each node
# asks a `corosync-qnetd` server on a third machine which partition should get the extra
# vote. Two algorithms decide (reference 3.2):
#
# - **ffsplit** (fifty-fifty split), the default for even node counts: exactly one vote, to
#   the partition with more active nodes, or in an exact tie by a fixed rule (the lowest node
#   id by default; the Proxmox FAQ's "randomly" is not what qnetd does).
# - **lms** (last man standing): the device has N−1 votes; a single node that still reaches
#   qnetd keeps quorum alone.

# %%
from pvequorum import outage
from pvequorum.analysis import analyze
from pvequorum.scenario import Step
from pvequorum.viz import tolerance_figure, vote_bars_figure


# %% [markdown]
# ## An even cluster with ffsplit
#
# Four nodes and one QDevice vote: 5 votes, quorum 3. An exact 2:2 split no longer blocks
# both halves: the QDevice's vote goes to one of them.

# %%
# NBVAL_CHECK_OUTPUT
four = outage.PRESETS["four-node-qdevice"].cluster
split = outage.snapshot(
    outage.replay(four, [Step("partition", groups=(("pve1", "pve2"), ("pve3", "pve4")))])
)
print("\n".join(split.summary_lines()))

# %%
vote_bars_figure(split.views, split.partitions, title="4 nodes + QDevice, split 2:2")

# %% [markdown]
# ## Why a QDevice on an odd count is discouraged
#
# Proxmox refuses to set up a QDevice on an odd node count without `--force`, and then
# uses lms (reference 3.3). The device gets N−1 votes. That is great while qnetd runs, and
# bad when it does not: without the QDevice's votes the quorum stays high, and **no** node
# may fail.

# %%
# NBVAL_CHECK_OUTPUT
three_lms = outage.custom_cluster(3, qdevice="lms")
for alive in (True, False):
    result = analyze(three_lms, qdevice_alive=alive)
    print(
        f"3 nodes + lms QDevice, qnetd {'up' if alive else 'down'}: "
        f"total {result.total_votes}, quorum {result.quorum}, "
        f"survives any {result.always_survived} node failure(s)"
    )
print(f"3 nodes, no QDevice: survives any {analyze(outage.custom_cluster(3)).always_survived}")

# %%
tolerance_figure(analyze(three_lms, qdevice_alive=False), title="3 nodes + lms, qnetd down")

# %% [markdown]
# An even cluster loses nothing when qnetd dies: it is back to its plain majority.

# %%
# NBVAL_CHECK_OUTPUT
for alive in (True, False):
    result = analyze(four, qdevice_alive=alive)
    print(
        f"4 nodes + ffsplit, qnetd {'up' if alive else 'down'}: "
        f"survives any {result.always_survived} node failure(s)"
    )

# %% [markdown]
# ## The device's vote on a time axis
#
# The numbers above assume the vote is either there or not. On real daemons it takes time
# to arrive and to leave. Below is a run recorded on real corosync 3.1.7 with
# corosync-qnetd and corosync-qdevice 3.0.3 (the kit's lab, two nodes and an ffsplit
# device): `pve1`'s `Total votes`, polled every 0.1 s, while corosync-qdevice starts, qnetd
# stops and qnetd starts again (reference 12.1). On a lab machine,
# `pvequorum.lab.devicetimeline.record` records the same live.

# %%
import json

from pvequorum.devicetimeline import timeline_from_dict
from pvequorum.examples import example_path
from pvequorum.vizqdevice import device_vote_figure

timeline = timeline_from_dict(json.loads(example_path("qdevice-vote-timeline.json").read_text()))
device_vote_figure(timeline, title="2 nodes + QDevice (ffsplit): the device's vote on pve1")

# %%
# NBVAL_CHECK_OUTPUT
for change in timeline.changes():
    print(f"vote {change.change:7} {change.delay_ms:5} ms after: {change.after.label}")

# %% [markdown]
# The vote arrives a quarter of a second after corosync-qdevice starts, and leaves within
# a tenth of a second when qnetd stops (the connection closes). When qnetd comes back, the
# vote returns only at the qdevice's next connection attempt, up to 8 s later: in this run
# 7.5 s, during which a node failure in a two-node cluster would have cost quorum.

# %% [markdown]
# **Takeaway.** Use a QDevice on even counts (2, 4, 6 ...). On odd counts it turns qnetd
# into something the cluster cannot lose. Remove it before adding or removing nodes, and set
# it up again once the count is even.
