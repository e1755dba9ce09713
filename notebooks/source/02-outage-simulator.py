# %% [markdown]
# # 2. The outage simulator
#
# First the story: a two-node cluster during maintenance, step by step (use **Next** and
# **Back**). Then the sandbox: take nodes down with one click, split the network, run
# `pvecm expected`, undo, replay. Every number on screen is the simulator's.

# %%
from pvequorum.story import steps_of, story_snapshot
from pvequorum.widgets import GUIDED, SANDBOX, OutageApp

# The story on today's Proxmox VE 8/9 ("today"), or as the source article tells it on
# Proxmox VE 3 with cman ("article"): the same steps and the same lesson.
telling = "today"

# %% [markdown]
# ## The guided story
#
# Each step shows the cluster drawing, each node's `pvecm status` and the plan the kit
# would hand an operator in that situation. The drawing plays the step's change on a time
# axis: watch what the survivor still believes between the moment pve2 goes away and the
# moment its vote leaves the tally, and what HA would do 60 s later. **Play**, **Step** and
# **Replay** go through it again; a click on an event jumps there. **Try this state in the
# sandbox** continues from any step with the buttons.

# %%
OutageApp("two-node", mode=GUIDED, telling=telling)

# %% [markdown]
# The same story as text, for the handout (each line is checked against the simulator):

# %%
# NBVAL_CHECK_OUTPUT
for index, step in enumerate(steps_of(telling)):
    print(step.title)
    for line in story_snapshot(index, telling).summary_lines():
        print("   ", line)

# %% [markdown]
# ## The sandbox
#
# Pick a preset, paste your own `corosync.conf` or `cluster.conf`, or build a cluster with
# the sliders. Then:
#
# - **Stop** is a clean shutdown, **Crash** a power loss; **Start** brings a node back;
# - **Partition** splits the network into groups such as `pve1 | pve2`, **Heal** joins it;
# - **pvecm expected** runs on a node; corosync may refuse it (the message says why);
# - **Undo**, **Redo**, and the **Replay** slider move through the history (drag it back and
#   forth to replay the outage step by step).

# %%
OutageApp("two-node", mode=SANDBOX)

# %% [markdown]
# Try: crash `pve2`, read pve1's `pvecm status`, then run `pvecm expected 1` on pve1.
# Start pve2 again: what happens to the expected votes? Then partition `pve1 | pve2` and run
# `pvecm expected 1` on both sides: that is the split brain the plan warns about.
