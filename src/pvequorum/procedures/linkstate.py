"""Whether a `corosync-cfgtool -s` text shows the link states a check asks for.  PURE.

A link check (`plan.LinkState`) is about a whole table, not a line: `nodeid: 2: connected`
appears under every link, so the text is read with `cfgtool.parse_status`, which accepts
exactly what corosync-cfgtool 3.1.7 prints (reference 5.4).  Anything else fails the check:
an error text, a truncated table, a node that is not listed.  The shell renderer's
`link_state` function is the same test in awk; a test compares the two.
"""

from __future__ import annotations

from collections.abc import Iterable

from pvequorum.cfgtool import LinkStatus, parse_status
from pvequorum.errors import InputError
from pvequorum.procedures.plan import LinkState


def status_problem(status: LinkStatus, wanted: Iterable[LinkState]) -> str | None:
    """None when `status` shows every wanted state; else the first that it does not."""
    shown = {link.link.link_id: link for link in status.links}
    for want in wanted:
        block = shown.get(want.link)
        if want.absent:
            if block is not None:
                return f"link {want.link} is still configured (`LINK ID {want.link}` is shown)"
            continue
        if block is None:
            return f"there is no link {want.link} (no `LINK ID {want.link}` block)"
        states = {peer.nodeid: peer.state for peer in block.peers}
        for nodeid in want.peers:
            state = states.get(nodeid)
            if state != "connected":
                return f"link {want.link}: node id {nodeid} is {state or 'not listed'}"
    return None


def link_problem(text: str, wanted: Iterable[LinkState], source: str) -> str | None:
    """`status_problem` of a `corosync-cfgtool -s` text; text it cannot have printed fails."""
    try:
        status = parse_status(text, source)
    except InputError as exc:
        return f"not a corosync-cfgtool -s table: {exc}"
    return status_problem(status, wanted)


def describe(wanted: Iterable[LinkState]) -> str:
    return "; ".join(state.describe() for state in wanted)


__all__ = ["describe", "link_problem", "status_problem"]
