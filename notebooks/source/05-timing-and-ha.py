# %% [markdown]
# # 5. Timing: from a failure to a new membership, and HA self-fencing
#
# Quorum is not lost the instant a cable is pulled. Corosync first has to notice that the
# token is gone, agree on the survivors (consensus) and form a new membership
# (reference 9). Then, on a node running HA services, a watchdog clock starts
# (reference 7).

# %%
from pvequorum.examples import example_path
from pvequorum.model import simple_cluster
from pvequorum.scenario import load_scenario
from pvequorum.timing import failure_detection, ha_timeline
from pvequorum.viz import ha_timeline_figure, scenario_timeline_figure

# %% [markdown]
# ## How long until the survivors see a new membership
#
# The token timeout is 3000 ms plus `token_coefficient` per node beyond two, and consensus is
# 1.2 × token (reference 9). corosync's default coefficient is 650 ms; clusters created with
# Proxmox VE 9.1 or later get `token_coefficient: 125` (reference 12.3), because on a large
# cluster token plus consensus came close to the HA watchdog's 60 s (reference 7):

# %%
# NBVAL_CHECK_OUTPUT
import dataclasses

from pvequorum.model import Totem
from pvequorum.timing import watchdog_margin

for nodes in (2, 3, 5, 20):
    for coefficient in (650, 125):
        cluster = dataclasses.replace(
            simple_cluster(nodes), totem=Totem(token_coefficient=coefficient)
        )
        d = failure_detection(cluster)
        close = " - too close to the HA watchdog" if watchdog_margin(cluster).too_close else ""
        print(
            f"{nodes:2} nodes, coefficient {coefficient}: token {d.token_ms} ms, consensus "
            f"{d.consensus_ms} ms, new membership after about {d.approx_ms} ms{close}"
        )

# %% [markdown]
# ## What a node with HA services does without quorum
#
# Its local resource manager can no longer renew its lock in `/etc/pve` (read-only), so it
# stops feeding the watchdog; about 60 s later the watchdog resets the node. This is
# **self-fencing**: it is how the majority knows it may start the node's guests elsewhere.

# %%
# NBVAL_CHECK_OUTPUT
for event in ha_timeline(simple_cluster(3)):
    span = f"{event.earliest_ms / 1000:6.1f}"
    if event.latest_ms != event.earliest_ms:
        span += f" to {event.latest_ms / 1000:6.1f}"
    print(f"{span:>16} s  [{event.side}] {event.event}")

# %%
ha_timeline_figure(simple_cluster(3), title="HA node isolated at t = 0")

# %% [markdown]
# The lesson for `pvecm expected 1`: on an isolated HA node it stops the self-fence, while
# the majority will still recover that node's guests after the lock expires: the same VM
# may then run twice (reference 7). Power the node off first.
#
# ## A scenario over time
#
# The maintenance scenario bundled with the kit, replayed step by step:

# %%
scenario_timeline_figure(load_scenario(example_path("two-node-maintenance.json")))
