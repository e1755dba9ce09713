"""Generate `notebooks/runbooks/*.ipynb` from one source, so the five runbooks never drift.

    python -m pvequorum.runbooks.build        # rewrite the notebooks
A test compares the committed notebooks with this output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from pvequorum.runbooks.core import RUNBOOKS

COMMON = [
    ("config_path", '""', "path of /etc/pve/corosync.conf or cluster.conf (or use config_text)"),
    ("config_text", '""', "the config file's text instead of a path"),
    ("status_path", '""', "a file with `pvecm status` output from the node (or status_text)"),
    ("status_text", '""', "`pvecm status` output pasted as text"),
    (
        "status_source",
        '"given"',
        '"given" (path/text above) or "live" (run pvecm status via the executor)',
    ),
    ("node", '""', "the node this runbook runs on (default: the status's local node)"),
    ("up", '""', "nodes up in this partition, comma separated (default: from the status)"),
    ("confirmed_down", '""', "missing nodes confirmed powered off (IPMI, PDU), comma separated"),
    (
        "pve_version",
        '"8.2"',
        "Proxmox VE version (3.x cman, 4.x-5.x corosync 2, 6 and later corosync 3)",
    ),
    ("ha_in_use", "False", "True when HA resources are configured"),
    ("mode", '"plan"', '"plan" changes nothing; "apply" runs the steps (needs confirm)'),
    ("confirm", '""', "apply mode only: the confirm token the plan printed"),
    ("executor", '"local"', "local, or ssh then a colon and HOST, or lab then a colon and NODE"),
]
EXTRA = {
    "add-qdevice": [("qdevice_host", '""', "IP address of the external QNetd host")],
    "node-maintenance": [("maintenance_node", '""', "the node to take down for maintenance")],
    "edit-corosync-conf": [
        ("new_config_path", '""', "the edited file (or new_config_text)"),
        ("new_config_text", '""', "the edited file's text"),
    ],
}
SECTIONS = [
    ("Inputs as understood", "rb.inputs(run)"),
    ("Pre-checks", "rb.prechecks(run)"),
    ("The plan", "rb.plan(run)"),
    ("Apply", "rb.apply(run)"),
    ("Post-checks", "rb.postchecks(run)"),
    ("Rollback", "rb.rollback(run)"),
]


def notebook_for(name: str) -> nbformat.NotebookNode:
    purpose = RUNBOOKS[name][1]
    params = COMMON + EXTRA.get(name, [])
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# Runbook: {name}\n\n{purpose}\n\nRun it with `pvequorum runbook {name} -p KEY VALUE`"
            f" or `papermill notebooks/runbooks/{name}.ipynb out.ipynb -p KEY VALUE`. In plan mode"
            " nothing is changed; the verdict comes first."
        ),
        nbformat.v4.new_code_cell(
            "\n".join(f"{key} = {value}  # {comment}" for key, value, comment in params),
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_markdown_cell("## Verdict"),
        nbformat.v4.new_code_cell(
            "from pvequorum.runbooks import notebook as rb\n\n"
            f"PARAMETERS = {[p[0] for p in params]!r}\n"
            f"run = rb.start({name!r}, {{k: globals()[k] for k in PARAMETERS}})\n"
            "rb.verdict(run)"
        ),
    ]
    for title, call in SECTIONS:
        cells.append(nbformat.v4.new_markdown_cell(f"## {title}"))
        cells.append(nbformat.v4.new_code_cell(call))
    nb.cells = cells
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i}"
    return nb


def render(name: str) -> str:
    return nbformat.writes(notebook_for(name)) + "\n"


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0] if argv else "notebooks/runbooks")
    out.mkdir(parents=True, exist_ok=True)
    for name in RUNBOOKS:
        (out / f"{name}.ipynb").write_text(render(name), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
