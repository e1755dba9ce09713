"""`pvequorum dashboard`: the outage simulator as a Voilà app, code hidden (an edge).

It listens on 127.0.0.1 only: a trainer projects it, a learner clicks it, nobody else on the
network reaches a Python kernel through it.

Every page gets a kernel of its own (some 100 MB), so their number is bounded (issue 13):
a page that closes shuts its kernel down (Voilà's unload beacon, which
`pvequorum.apps.server` makes pass); the kernel of a page that vanished without closing (a
crashed tab, a killed browser) is culled once it has had no connection and no activity for
`--cull-idle-timeout` seconds; and at most `--max-kernels` kernels run at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.util import find_spec
from pathlib import Path

from pvequorum.errors import InputError, PrerequisiteError

DEFAULT_PORT = 8866
# A page's kernel with no page connected: long enough for a page that is still loading
# (executed, its widgets not yet connected) and for a tab's reconnection; short enough that
# orphans do not pile up.  Kernels with a page connected are never culled, however idle.
DEFAULT_CULL_IDLE_TIMEOUT = 120
MIN_CULL_IDLE_TIMEOUT = 10
# The most pages at once: a trainer's projected one and a few tabs; 5 x ~108 MB.
DEFAULT_MAX_KERNELS = 5


def cull_interval(cull_idle_timeout: int) -> int:
    """How often the culler looks: a quarter of the timeout, between 1 s and 30 s, so that
    an orphan lives at most 1.25 times the timeout."""
    return max(1, min(30, cull_idle_timeout // 4))


def voila_env(environ: dict[str, str]) -> dict[str, str]:
    """The environment for Voilà: our template (offline-safe) on the Jupyter path."""
    from pvequorum.apps import APPS_DIR

    path = os.pathsep.join(p for p in (str(APPS_DIR), environ.get("JUPYTER_PATH", "")) if p)
    return {**environ, "JUPYTER_PATH": path}


def voila_argv(
    port: int,
    *,
    open_browser: bool,
    token: str | None = None,
    notebook: Path | None = None,
    cull_idle_timeout: int = DEFAULT_CULL_IDLE_TIMEOUT,
    max_kernels: int = DEFAULT_MAX_KERNELS,
) -> list[str]:
    """The Voilà command line serving the outage simulator (or another `notebook`): Voilà's
    app with the kernel bounds of `pvequorum.apps.server`."""
    from pvequorum.apps import app_path

    argv = [
        sys.executable,
        "-m",
        "pvequorum.apps.server",
        str(notebook or app_path()),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        "--template=pvequorum",
        "--VoilaConfiguration.multi_kernel_manager_class="
        "pvequorum.apps.server.DashboardKernelManager",
        f"--DashboardKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval(cull_idle_timeout)}",
        # the defaults, said: a page connected keeps its kernel, however idle, and a kernel
        # still executing (a page rendering) is not culled
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
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
    p.add_argument(
        "--cull-idle-timeout",
        type=int,
        default=DEFAULT_CULL_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="shut down the kernel of a page that vanished without closing (a crashed tab) "
        "after this long without a connection or activity; checked every quarter of it "
        f"(1-30 s); at least {MIN_CULL_IDLE_TIMEOUT}; default {DEFAULT_CULL_IDLE_TIMEOUT}",
    )
    p.add_argument(
        "--max-kernels",
        type=int,
        default=DEFAULT_MAX_KERNELS,
        metavar="N",
        help="the most pages (a kernel each) at once; beyond, kernels of pages that have gone "
        f"make room, or the page is refused; default {DEFAULT_MAX_KERNELS}",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise InputError(f"{args.port} is not a TCP port (1-65535)", "--port")
    if args.cull_idle_timeout < MIN_CULL_IDLE_TIMEOUT:
        raise InputError(
            f"{args.cull_idle_timeout} s would cull the kernels of pages still loading: "
            f"give at least {MIN_CULL_IDLE_TIMEOUT}",
            "--cull-idle-timeout",
        )
    if args.max_kernels < 1:
        raise InputError(f"{args.max_kernels}: at least one page must be possible", "--max-kernels")
    if find_spec("voila") is None:  # pvequorum.apps.server is Voilà's app
        raise PrerequisiteError(
            "the dashboard needs the dashboard extra: pip install 'pvequorum[dashboard]'"
        )
    argv = voila_argv(
        args.port,
        open_browser=not args.no_browser,
        cull_idle_timeout=args.cull_idle_timeout,
        max_kernels=args.max_kernels,
    )
    print(f"pvequorum: serving the outage simulator on http://127.0.0.1:{args.port}/", flush=True)
    os.execve(argv[0], argv, voila_env(dict(os.environ)))
    return 0  # not reached
