# %% [markdown]
# # Lab 08: two links, then none
#
# The story: a three-node cluster with two corosync links, link 0 on the management switch
# and link 1 on a dedicated switch. During a maintenance window someone unplugs the wrong
# cable of `pve1`, then the other one. In this lab you predict what the admin's two
# commands show, `corosync-cfgtool -s` (the links, reference 5.4) and `pvecm status`
# (quorum, reference 5.2), then pull the cables and compare.
#
# The cells below run on **real corosync daemons** when this machine allows it (root and the
# corosync package): each node is a network namespace with one port on each of two
# switches, and pulling a cable kills the node's port on that switch. Otherwise they run on the simulator,
# which agrees with the recorded real runs. The next cell tells you which.
#
# Questions 1, 2 and 4 are **predict, then run it**: write your prediction in place of the
# `...` *before* you run the experiment cell below it. The check then compares your
# prediction with what the cluster really printed, and explains the difference.

# %%
from pvequorum import engine, linkview
from pvequorum.checks import (
    PRIORITIES,
    check_carrying_link,
    check_carrying_link_after_failure,
    check_link_state_after_link_down,
    check_nodes_after_both_links_down,
    check_nodes_after_link_down,
    check_quorate_after_both_links_down,
    check_simulator_decides,
    check_unreachable_pair,
)
from pvequorum.outage import PRESETS
from pvequorum.scenario import Step
from pvequorum.simulator import Simulator
from pvequorum.status import parse_status
from pvequorum.teaching.practice import practice_cluster
from pvequorum.vizlinks import links_figure

preset = PRESETS["three-node-two-links"]
practice = practice_cluster(preset.cluster, links=preset.links)
print(practice.notice)
print("\n".join(practice.summary_lines()))

# %% [markdown]
# Every node is up and quorate. Here is `corosync-cfgtool -s` on `pve1`: one block per
# link, and in each block one line per node of the nodelist.

# %%
print(practice.cfgtool_text("pve1"))

# %% [markdown]
# ## 1. One cable: predict, then run it
#
# `pve1`'s cable on link 0 is about to be pulled. Predict what `pve1`'s
# `corosync-cfgtool -s` will print for `pve2` (node id 2) in the block `LINK ID 0` and in
# the block `LINK ID 1` (a word), and what `pve1`'s `pvecm status` will show on the line
# `Nodes:`.

# %%
# EXERCISE: answer_link0 = ...
# EXERCISE: answer_link1 = ...
# EXERCISE: answer_nodes = ...
# BEGIN SOLUTION
answer_link0 = "disconnected"
answer_link1 = "connected"
answer_nodes = 3
# END SOLUTION

# %%
practice.link_down("pve1", 0)
print(practice.cfgtool_text("pve1"))
print(practice.status_text("pve1"))
seen_link0 = practice.link_state("pve1", "pve2", 0)
seen_link1 = practice.link_state("pve1", "pve2", 1)
after_one = parse_status(practice.status_text("pve1"))

# %%
print(check_link_state_after_link_down(answer_link0, link=0, observed=seen_link0))  # NBVAL_CHECK_OUTPUT
print(check_link_state_after_link_down(answer_link1, link=1, observed=seen_link1))  # NBVAL_CHECK_OUTPUT
print(check_nodes_after_link_down(answer_nodes, observed=after_one.nodes))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# One lost link out of two changes nothing for quorum: knet sends totem over any link that
# works and fails over on its own, so the membership, the ring id and the votes stay as they
# were (reference 12.4). Only `corosync-cfgtool -s` shows the difference, which is why a
# lost spare link goes unnoticed until the second one fails. The journal has
# `[KNET  ] link: host: 2 link: 0 is down` (and the same for host 3).

# %% [markdown]
# ## 2. The second cable: predict, then run it
#
# Now `pve1` loses link 1 too. Predict `pve1`'s `Nodes:` line, and whether its `Quorate:`
# line will say Yes (`True`) or No (`False`). The run waits until corosync has settled:
# the token timeout and the consensus time pass first (reference 9).

# %%
# EXERCISE: answer_nodes_alone = ...
# EXERCISE: answer_quorate_alone = ...
# BEGIN SOLUTION
answer_nodes_alone = 1
answer_quorate_alone = False
# END SOLUTION

# %%
practice.link_down("pve1", 1)
print("\n".join(practice.summary_lines()))
print(practice.status_text("pve1"))
alone = parse_status(practice.status_text("pve1"))

# %%
print(check_nodes_after_both_links_down(answer_nodes_alone, observed=alone.nodes))  # NBVAL_CHECK_OUTPUT
print(check_quorate_after_both_links_down(answer_quorate_alone, observed=alone.quorate))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# With no link left, `pve1` forms a membership of its own: 1 of 3 votes, below quorum 2, so
# `/etc/pve` turns read-only there (reference 1.3, 6). `pve2` and `pve3` keep quorum
# together. Seen from `pve2`, this looks exactly like a crash of `pve1`; but `pve1` is still
# running, and with HA services its watchdog will fence it (lab 06).

# %% [markdown]
# Plug `pve1`'s link 0 back in: one working link is enough for `pve1` to rejoin.

# %%
practice.link_up("pve1", 0)
print("\n".join(practice.summary_lines()))
print(practice.cfgtool_text("pve1"))

# %%
practice.close()

# %% [markdown]
# ## 3. Which link carries the traffic?
#
# In another cluster the links have priorities: `knet_link_priority: 10` on link 0 and
# `20` on link 1, with corosync's default `link_mode: passive` (reference 4.1). Both links
# work. Over which link does knet send totem? And once that link fails?

# %%
# EXERCISE: answer_carrying_link = ...
# EXERCISE: answer_after_failure = ...
# BEGIN SOLUTION
answer_carrying_link = 1
answer_after_failure = 0
# END SOLUTION

# %%
print(check_carrying_link(answer_carrying_link))  # NBVAL_CHECK_OUTPUT
print(check_carrying_link_after_failure(answer_after_failure))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# The drawing marks the link that carries totem with a thick line (link 0 over the nodes,
# link 1 under them):

# %%
preferred = Simulator(preset.cluster, links=PRIORITIES)
engine.apply(preferred, Step("start", preset.cluster.names))
links_figure(preferred, title="knet_link_priority 10 on link 0, 20 on link 1")

# %% [markdown]
# ## 4. Half a network: predict, then run it
#
# Back to the cluster without priorities, all links up. This time `pve1` loses link 0 and
# `pve3` loses link 1, while `pve2` keeps both. Which two nodes have no working link between
# them? And will the kit's simulator tell you what `pvecm status` shows then (`True` or
# `False`)? This one runs on the simulator.

# %%
# EXERCISE: answer_pair = ...
# EXERCISE: answer_simulator_decides = ...
# BEGIN SOLUTION
answer_pair = ["pve1", "pve3"]
answer_simulator_decides = False
# END SOLUTION

# %%
half = Simulator(preset.cluster, links=preset.links)
engine.apply(half, Step("start", preset.cluster.names))
engine.apply(half, Step("link-down", ("pve1",), link=0))
engine.apply(half, Step("link-down", ("pve3",), link=1))
try:
    engine.apply(half, Step("observe", label="half a network"))
    decided = True
except engine.Undecidable as exc:
    print(linkview.explain_undecidable(exc.problem, preset.cluster))
    decided = False

# %%
print(check_unreachable_pair(answer_pair))  # NBVAL_CHECK_OUTPUT
print(check_simulator_decides(answer_simulator_decides, observed=decided))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# `pve1` and `pve3` share no working link, yet both reach `pve2`: connectivity that is not
# transitive. Real corosync never settles there, it forms its membership again and again;
# random packet loss does the same (reference 12.4). An admin sees it in the journal and in
# `corosync-cfgtool -s` flipping between `connected` and `disconnected`; the cure is the
# network, not `pvecm`. The lines to look for, with this cluster's timers (reference 12.2):

# %%
print("\n".join(linkview.admin_log_lines(preset.cluster)))
