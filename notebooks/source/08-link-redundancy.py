# %% [markdown]
# # 8. Link redundancy: knet links, and networks that are not clean
#
# corosync 3 sends its totem messages over **knet**, and knet can use up to eight *links*
# per node. Each link is a network of its own, and every node has one address on each:
# `ring0_addr` on link 0, `ring1_addr` on link 1, and so on in `corosync.conf`
# (reference 4.6). Proxmox VE writes them from `pvecm create --link0 ... --link1 ...`, so
# that the cluster survives the loss of one network.
#
# This notebook shows what losing one link changes (nothing for quorum), what losing the
# last one changes (everything), which link carries the traffic, and why a lossy or
# half-broken network is the one situation in which the kit's simulator answers "cannot
# tell" instead of guessing.

# %%
from pvequorum import engine, linkview
from pvequorum.examples import example_path
from pvequorum.outage import PRESETS, node_line, status_text
from pvequorum.scenario import LinkSettings, Step, first_difference, load_scenario
from pvequorum.simulator import Simulator, run_scenario
from pvequorum.vizlinks import links_figure

# %% [markdown]
# ## Three nodes, two links
#
# The kit's preset `three-node-two-links`: `pve1` to `pve3`, node N at `10.220.0.N` on link 0
# and `10.220.1.N` on link 1. Its `corosync.conf` has one `interface { linknumber: K }`
# block per link in `totem` and, in each `node` block, `ring0_addr` and `ring1_addr`.
#
# `engine.apply` runs one scenario step on the simulator, exactly as a scenario file would
# (docs/scenario-format.md, "Extension: links"). The drawing shows every pair of nodes on
# every link: link 0 over the nodes, link 1 under them. The thick curve is the link that
# carries totem; the thin one is standby.

# %%
preset = PRESETS["three-node-two-links"]
cluster = preset.cluster
sim = Simulator(cluster, links=preset.links)
engine.apply(sim, Step("start", cluster.names))
links_figure(sim, title="three nodes, two links, all up")

# %% [markdown]
# `corosync-cfgtool -s` is the command that shows the links: for each link, this node's
# address and, for every node of the nodelist, `localhost`, `connected` or `disconnected`
# (reference 5.4). `pvecm status` does not show links at all.

# %%
# NBVAL_CHECK_OUTPUT
print(linkview.cfgtool_text(cluster, "pve1", sim.link_table("pve1")))

# %% [markdown]
# ## One link lost: nothing changes for quorum
#
# Someone pulls `pve1`'s cable on link 0 (the scenario step `link-down`). knet notices when
# its pings stay unanswered, after about half a token (reference 9, 12.4), logs
# `[KNET  ] link: host: 2 link: 0 is down` for each peer, and sends totem over link 1 from
# then on. Totem needs one working link between two nodes; it still has one to every peer.

# %%
# NBVAL_CHECK_OUTPUT
engine.apply(sim, Step("link-down", ("pve1",), link=0))
for name, view in sim.views().items():
    print(node_line(name, view))
print()
print(linkview.cfgtool_text(cluster, "pve1", sim.link_table("pve1")))

# %%
links_figure(sim, title="pve1 lost link 0")

# %% [markdown]
# The membership, the ring id and every vote are what they were: on real corosync, losing
# one link of several never changed the membership in 13 tries (reference 12.4). So this
# failure is **silent**: `pvecm status` looks perfect, and only `corosync-cfgtool -s` (or
# the journal) tells you that the cluster now runs without a spare. Check it after any work
# on the network.
#
# ## All links lost: the node leaves the membership
#
# Now `pve1` loses link 1 as well. No link reaches a peer: the token cannot pass, and after
# the token timeout and the consensus time the others form a membership without it
# (reference 9, 12.2). `pve1` is alone with 1 of 3 votes.

# %%
# NBVAL_CHECK_OUTPUT
engine.apply(sim, Step("link-down", ("pve1",), link=1))
for name, view in sim.views().items():
    print(node_line(name, view))
print()
print(status_text(cluster, sim.view("pve1")))

# %%
links_figure(sim, title="pve1 lost both links")

# %% [markdown]
# `Nodes: 1`, `Quorum: 2 Activity blocked`: on `pve1` `/etc/pve` is read-only (reference 6),
# and if it runs HA services its watchdog will fence it (notebook 5). `pve2` and `pve3`
# keep quorum with 2 of 3 votes. This is exactly what a crashed `pve1` would look like from
# their side; from `pve1`'s own side it is a node that still runs and has lost the others.
#
# ## The simulator against real corosync
#
# The kit recorded this story on real corosync 3.1.7: `pve1` loses link 0, then link 1, then
# gets link 0 back, then link 1. The simulator runs the same scenario file; `first_difference`
# compares both observation documents field by field (`None`: they agree).

# %%
# NBVAL_CHECK_OUTPUT
import json

story = load_scenario(example_path("links-3n2l-node-loses-links.json"))
simulated = run_scenario(story)
recorded = json.loads(example_path("links-3n2l-node-loses-links.real.json").read_text())
print("first difference:", first_difference(simulated, recorded, story))
for step, result in zip(story.steps, simulated["results"], strict=True):
    if step.kind == "observe":
        members = {name: len(seen["members"]) for name, seen in result["nodes"].items()}
        print(f"{step.label:40} members seen: {members}")

# %% [markdown]
# ## Which link carries the traffic
#
# With corosync's default `link_mode: passive`, which `pvecm create` writes too
# (reference 4.1), knet sends everything over **one** link: the working link with the
# highest `knet_link_priority`, the lowest link number among equals. Without priorities
# every link has priority 1, so link 0 carries the traffic while it works (reference 12.4).
# `active` and `rr` use every working link. `pvecm create --link0 ADDR,priority=15 --link1
# ADDR,priority=20` writes priorities, and link 1 wins:

# %%
# NBVAL_CHECK_OUTPUT
priorities = LinkSettings(links=2, link_priority=((0, 15), (1, 20)))
for words, settings in (
    ("passive, no priorities", preset.links),
    ("passive, priority 15 on link 0, 20 on link 1", priorities),
    ("active", LinkSettings(links=2, link_mode="active")),
):
    print(f"{words:46} -> totem goes over link(s) {linkview.carrying_links(settings, [0, 1])}")

# %%
preferred = Simulator(cluster, links=priorities)
engine.apply(preferred, Step("start", cluster.names))
links_figure(preferred, title="knet_link_priority 15 on link 0, 20 on link 1")

# %% [markdown]
# No tool prints which link is in use: the journal's `best link: K (pri: P)` lines and the
# cmap counters `stats.knet.nodeN.linkK.tx_data_packets` do (reference 12.4). Put the
# dedicated cluster network on the link that wins.
#
# ## When the network is not clean: "cannot tell"
#
# Two kinds of faults leave corosync without a stable answer, and the simulator refuses to
# guess (it raises `engine.Undecidable`, reference 12.4):
#
# * **connectivity that is not transitive**: `pve1` and `pve3` cannot reach each other but
#   both reach `pve2`. Here: `pve1` has lost link 0 and `pve3` link 1, so they share no
#   working link, while `pve2` has both;
# * **random packet loss** on a link (`netem`).
#
# The next cells make each fault, catch the exception, and print the simulator's
# explanation instead of a traceback.

# %%
# NBVAL_CHECK_OUTPUT
half = Simulator(cluster, links=preset.links)
engine.apply(half, Step("start", cluster.names))
engine.apply(half, Step("link-down", ("pve1",), link=0))
engine.apply(half, Step("link-down", ("pve3",), link=1))
try:
    engine.apply(half, Step("observe", label="pve1 and pve3 share no link"))
except engine.Undecidable as exc:
    print(linkview.explain_undecidable(exc.problem, cluster))

# %%
links_figure(half, title="pve1 and pve3 share no working link")

# %%
# NBVAL_CHECK_OUTPUT
lossy = Simulator(cluster, links=preset.links)
engine.apply(lossy, Step("start", cluster.names))
engine.apply(lossy, Step("netem", ("pve2",), link=0, loss=30))
try:
    engine.apply(lossy, Step("observe", label="30 % loss on pve2"))
except engine.Undecidable as exc:
    print(linkview.explain_undecidable(exc.problem, cluster))

# %% [markdown]
# A scenario marks such a step `nondeterministic`: the simulator then records "undecidable"
# for the stretch and comparisons skip it until the network is clean again. Here is the
# recorded scenario of a cut between `pve1` and `pve3` only (one link), first as the
# simulator runs it, then what one run of real corosync showed.

# %%
# NBVAL_CHECK_OUTPUT
cut = load_scenario(example_path("links-3n1l-nontransitive.json"))
real = json.loads(example_path("links-3n1l-nontransitive.real.json").read_text())
for step, ours, theirs in zip(cut.steps, run_scenario(cut)["results"], real["results"], strict=True):
    if step.kind == "observe":
        print(step.label)
        for who, result in (("simulator", ours), ("one real run", theirs)):
            members = {name: node["members"] for name, node in result.get("nodes", {}).items()}
            print(f"   {who:13}", "cannot tell" if "undecidable" in result else members)

# %% [markdown]
# On the real run `pve3` ended up alone and `pve1` and `pve2` kept quorum, while `pve2` still
# had a working link to `pve3` (reference 12.4). A simulator that printed this as *the*
# answer would be right for this run and wrong as a rule: during the loop
# `corosync-quorumtool` may hang or print a membership that is gone a second later.
#
# ## What an admin sees
#
# On the nodes, `journalctl -u corosync` fills with lines like these (with this cluster's
# token and consensus times; reference 12.2):

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(linkview.admin_log_lines(cluster)))

# %% [markdown]
# `Retransmit List` means messages had to be sent again; `A processor failed, forming new
# configuration` means the token was lost and the membership is being formed again. When
# these repeat every few seconds and `corosync-cfgtool -s` flips between `connected` and
# `disconnected`, the network is the problem, not quorum: find the lossy link or the
# half-working switch and take it out of service. A link that is down for good is a clean
# failure, which knet handles as above (reference 12.4). Do not run `pvecm expected` on a
# node in this state: its membership is changing under it.
#
# Try it yourself: the outage simulator (notebook 2, or `make dashboard`) has the preset
# **3 nodes, 2 knet links** with **Link down** and **Link up** buttons, and lab 08 asks you
# to predict `corosync-cfgtool -s` and `pvecm status` before running the same steps, on real
# corosync when your machine allows it.
