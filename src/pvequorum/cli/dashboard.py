"""`pvequorum dashboard`: the outage simulator as a Voilà app, code hidden (an edge).

It listens on 127.0.0.1 only: a trainer projects it, a learner clicks it, nobody else on the
network reaches a Python kernel through it.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.util import find_spec
from pathlib import Path

from pvequorum.errors import InputError, PrerequisiteError

DEFAULT_PORT = 8866


def voila_env(environ: dict[str, str]) -> dict[str, str]:
    """The environment for Voilà: our template (offline-safe) on the Jupyter path."""
    from pvequorum.apps import APPS_DIR

    path = os.pathsep.join(p for p in (str(APPS_DIR), environ.get("JUPYTER_PATH", "")) if p)
    return {**environ, "JUPYTER_PATH": path}


def voila_argv(
    port: int, *, open_browser: bool, token: str | None = None, notebook: Path | None = None
) -> list[str]:
    """The Voilà command line serving the outage simulator (or another `notebook`)."""
    from pvequorum.apps import app_path

    argv = [
        sys.executable,
        "-m",
        "voila",
        str(notebook or app_path()),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        "--template=pvequorum",
    ]
    if not open_browser:
        argv.append("--no-browser")
    if token:
        argv.append(f"--token={token}")
    return argv


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dashboard",
        help="serve the outage simulator as a Voilà app on 127.0.0.1",
        description="Serve the outage simulator (guided story and sandbox) as a Voilà app on "
        "127.0.0.1, with the code hidden. Stop it with Ctrl-C.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise InputError(f"{args.port} is not a TCP port (1-65535)", "--port")
    if find_spec("voila") is None:  # it runs as `python -m voila`
        raise PrerequisiteError(
            "the dashboard needs the dashboard extra: pip install 'pvequorum[dashboard]'"
        )
    argv = voila_argv(args.port, open_browser=not args.no_browser)
    print(f"pvequorum: serving the outage simulator on http://127.0.0.1:{args.port}/", flush=True)
    os.execve(argv[0], argv, voila_env(dict(os.environ)))
    return 0  # not reached
