"""`pvequorum diagnose BUNDLE [--json]`: what is wrong, from the evidence, and what next.

Exit 0 when the evidence shows a healthy cluster, 1 when it shows findings (DEGRADED or
BROKEN), 2 when nothing usable is there.  Files that cannot be used are named in the
output, and the rest is diagnosed.
"""

from __future__ import annotations

import argparse
import json

from pvequorum.errors import ExitStatus


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "diagnose",
        help="diagnose a cluster from an evidence bundle (pvequorum collect)",
        description="Reconstruct the cluster from a bundle (docs/bundle-format.md) and name "
        "what is wrong, with the evidence and the next step.",
    )
    p.add_argument("bundle", help="bundle directory, or one pvereport text file")
    p.add_argument("--json", action="store_true", help="print pvequorum-diagnosis/1 JSON")
    p.add_argument("--timeline", type=int, default=15, help="timeline events shown (text)")
    p.add_argument(
        "--lang",
        help="en or de (default: PVEQUORUM_LANG, then the locale); commands and program "
        "output stay as the programs print them",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pvequorum.bundleio import read_bundle
    from pvequorum.diagnosis import diagnose
    from pvequorum.diagnosis.text import render_text
    from pvequorum.i18n import using

    with using(args.lang):
        result = diagnose(read_bundle(args.bundle))
        if args.json:
            print(json.dumps(result.to_dict(), indent=2))
        else:
            print(render_text(result, timeline=max(0, min(args.timeline, 400))), end="")
    return ExitStatus.OK if result.verdict == "HEALTHY" else ExitStatus.FINDINGS
