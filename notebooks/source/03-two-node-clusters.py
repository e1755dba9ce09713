# %% [markdown]
# # 3. Two-node clusters: three fixes and their traps
#
# With one of two nodes down the survivor holds 1 of 2 votes, quorum is 2, and `/etc/pve`
# is read-only. There are three ways out, each with a price.

# %%
from pvequorum import outage
from pvequorum.conf.edits import set_two_node
from pvequorum.scenario import Step


def show(preset, *actions, running=None):
    """Each node's state after the actions, then what corosync said to each action."""
    state = outage.replay(outage.PRESETS[preset].cluster, (), running)
    said = []
    for action in actions:
        state = outage.act(state, action)
        said += outage.snapshot(state).messages
    print("\n".join(outage.snapshot(state).summary_lines() + tuple(said)))


crash_pve2 = Step("crash", ("pve2",))

# %% [markdown]
# ## Fix 1: `pvecm expected 1` (at runtime)
#
# It lowers the expected votes of the running cluster. Corosync refuses it while more votes
# are present than the new value allows (reference 2.2), and it lasts only until the
# membership or the config changes: a returning node brings its expectation back
# (reference 1.13, 2.4).

# %%
# NBVAL_CHECK_OUTPUT
show("two-node", crash_pve2, Step("expected", ("pve1",), votes=1))

# %%
# NBVAL_CHECK_OUTPUT
show("two-node", Step("expected", ("pve1",), votes=1))  # both up: refused

# %% [markdown]
# **The trap**: if pve2 is not off but cut off, and both sides run `pvecm expected 1`,
# both are quorate.

# %%
# NBVAL_CHECK_OUTPUT
split = Step("partition", groups=(("pve1",), ("pve2",)))
show("two-node", split, Step("expected", ("pve1",), votes=1), Step("expected", ("pve2",), votes=1))

# %% [markdown]
# ## Fix 2: two-node mode
#
# **Proxmox VE 3 (cman)**, exactly as in the article: `two_node="1" expected_votes="1"` on
# the `<cman>` element of `/etc/pve/cluster.conf`, with `config_version` raised:

# %%
# NBVAL_CHECK_OUTPUT
from pvequorum.examples import example_path

CLUSTER_CONF = example_path("two-node-cluster.conf.xml").read_text()
print(set_two_node(CLUSTER_CONF, True, source="cluster.conf").diff)

# %% [markdown]
# **Proxmox VE 4 and later (corosync)**: `two_node: 1` in `quorum {}`. It switches
# `wait_for_all` on as well (reference 1.5):

# %%
# NBVAL_CHECK_OUTPUT
corosync_conf = example_path("two-node-corosync.conf").read_text()
print(set_two_node(corosync_conf, True, source="corosync.conf").diff)

# %% [markdown]
# Its traps: after a **cold start**, one node alone stays blocked (wait_for_all) until it
# has seen the other once; and a network split makes **both** sides quorate: with HA that
# needs fencing (reference 1.5, 1.7, 7).

# %%
# NBVAL_CHECK_OUTPUT
show("two-node-mode", running=("pve1",))
show("two-node-mode", crash_pve2)
show("two-node-mode", split)

# %% [markdown]
# ## Fix 3: a third vote (QDevice)
#
# A QDevice on a small third machine gives a real majority: with one node down the other
# holds 2 of 3 votes. `two_node` together with a QDevice is refused (reference 1.12).

# %%
# NBVAL_CHECK_OUTPUT
show("two-node-qdevice", crash_pve2)
show("two-node-qdevice", split)

# %%
# NBVAL_CHECK_OUTPUT
both = outage.custom_cluster(2, two_node=True, qdevice="ffsplit")
print("\n".join(outage.snapshot(outage.replay(both)).messages))

# %% [markdown]
# **Takeaway.** `expected 1` is a runtime repair that is safe only when the other node is
# verifiably off. Two-node mode removes the outage problem but not split brain. A QDevice
# is the only fix that keeps a true majority.
