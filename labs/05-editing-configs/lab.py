# %% [markdown]
# # Lab 05: editing corosync.conf (and the old cluster.conf) safely
#
# `/etc/pve/corosync.conf` is live: pmxcfs copies every saved version to all nodes and tells
# corosync to reload it (reference 4.3). A half-edited file saved there is a half-edited
# cluster. This lab practises the documented procedure with the kit's config editor, which
# changes only the lines it must and shows the diff.
#
# Replace every `...` with your answer and run the check cell below it. Question 2 is
# **predict, then run it**: write your predictions *before* you run the editor; the check
# compares them with the file it wrote.

# %%
from pvequorum.checks import (
    EDIT_STEPS,
    check_cman_reload_command,
    check_cman_validate_command,
    check_edit_steps,
    check_implied_option,
    check_new_config_version,
)
from pvequorum.conf import load_config
from pvequorum.conf.edits import set_two_node
from pvequorum.examples import example_path

# %% [markdown]
# ## 1. The procedure
#
# Here are the steps of the documented procedure (reference 4.4), shuffled. Put the letters in
# the right order, e.g. `["x", "y", ...]`.

# %%
for letter, step in EDIT_STEPS.items():
    print(f"{letter})  {step}")

# %%
# EXERCISE: answer_edit_steps = ...
# BEGIN SOLUTION
answer_edit_steps = ["b", "d", "e", "a", "c"]
# END SOLUTION

# %%
print(check_edit_steps(answer_edit_steps))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# Edit a copy (`.new`) so that nothing half-written is ever live; keep a `.bak` to roll back;
# `mv` within /etc/pve is one atomic rename, so every node sees either the old or the new file
# (reference 4.4; PVE's own tools write `.new` and rename it, reference 4.1).

# %% [markdown]
# ## 2. The edit: predict, then run it
#
# The example file is the corosync.conf of a two-node cluster. Here is its `totem` section.

# %%
text = example_path("two-node-corosync.conf").read_text()
print(text[text.index("totem {") :])

# %% [markdown]
# You are about to switch `two_node` on with the kit's editor, which makes the change the
# procedure wants. Predict two things before you run it:
#
# * which `config_version` will the new file carry?
# * which quorum option does `two_node: 1` switch on as well, without a line of its own in
#   the file? (Lab 03 met it after a cold start.)

# %%
# EXERCISE: answer_config_version = ...
# EXERCISE: answer_implied_option = ...
# BEGIN SOLUTION
answer_config_version = 3
answer_implied_option = "wait_for_all"
# END SOLUTION

# %%
result = set_two_node(text, True)
print(result.diff)
print("\n".join(result.notes))
new_version = load_config(result.new_text).cluster.config_version

# %%
print(check_new_config_version(answer_config_version, observed=new_version))  # NBVAL_CHECK_OUTPUT
print(check_implied_option(answer_implied_option))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# pmxcfs copies the file only if its version is not lower than the node's own, and corosync
# terminates a joining node whose version is not the highest (reference 4.3). An equal
# version is copied too, which is why forgetting the bump fails silently later: always
# increment it. The editor's note names the side effect: `two_node: 1` implies
# `wait_for_all` unless the file says `wait_for_all: 0` (reference 1.5, 1.7).

# %% [markdown]
# ## 3. PVE 3: cluster.conf and cman
#
# The story's cluster ran PVE 3, whose config is the XML file `/etc/pve/cluster.conf`. The
# same editor writes the article's `<cman two_node="1" expected_votes="1">` and bumps the
# `config_version` attribute. Before activation the new file was checked against the schema.
# Which program does that check?

# %%
cluster_conf = example_path("two-node-cluster.conf.xml").read_text()
print(set_two_node(cluster_conf, True, source="cluster.conf.new").diff)

# %%
# EXERCISE: answer_validate_command = ...
# BEGIN SOLUTION
answer_validate_command = "ccs_config_validate -v -f /etc/pve/cluster.conf.new"
# END SOLUTION

# %%
print(check_cman_validate_command(answer_validate_command))  # NBVAL_CHECK_OUTPUT

# %% [markdown]
# ## 4. Activating it
#
# After `mv /etc/pve/cluster.conf.new /etc/pve/cluster.conf` (or the GUI's Activate button),
# pmxcfs copies the file to `/etc/cluster/cluster.conf` and the node where the change was made
# tells cman to load the new version. Which command is that?

# %%
# EXERCISE: answer_reload_command = ...
# BEGIN SOLUTION
answer_reload_command = "cman_tool version -r -S"
# END SOLUTION

# %%
print(check_cman_reload_command(answer_reload_command))  # NBVAL_CHECK_OUTPUT

# %% [markdown] solution
# PVE 3 procedure (reference 8.5): `cp cluster.conf cluster.conf.new`, edit and increment
# `config_version`, `ccs_config_validate -v -f /etc/pve/cluster.conf.new`, then activate (GUI
# or `mv`); pmxcfs runs `cman_tool version -r -S` on the originating node (reference 8.1).
# cman also insists that `two_node="1"` has exactly two nodes with one vote each
# (reference 8.3).
