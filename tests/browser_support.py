"""Real servers and a real Chromium for the browser tests.

JupyterLab and Voilà are started on free localhost ports with a random token and fresh
config/runtime directories, and stopped afterwards.  Chromium is Debian's (browser downloads
are not possible here), launched with a fresh profile directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paths import PROJECT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
ARTIFACTS = PROJECT / "artifacts"
# Text a page shows when a widget cannot render: JupyterLab's messages, and the error view
# ipywidgets 8 puts in the widget's place (Voilà shows only this until it is clicked).
WIDGET_FAILURES = (
    "Error displaying widget",
    "Failed to load model class",
    "Click to show javascript error",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str  # base URL with a trailing slash
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    def page_url(self, path: str = "") -> str:
        return f"{self.url}{path}?token={self.token}"


def _answers(server: Server, kind: str) -> bool:
    """JupyterLab: its REST API says it is up.  Voilà has no such API (and renders the
    notebook on every page request), so an accepted TCP connection must do."""
    if kind == "voila":
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    with urllib.request.urlopen(server.page_url("api/status"), timeout=2) as response:
        return response.status == 200


def _wait_ready(server: Server, kind: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited: {server.log.read_text()[-2000:]}")
        try:
            if _answers(server, kind):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server not ready after {timeout} s: {server.log.read_text()[-2000:]}")


@contextlib.contextmanager
def serve(
    kind: str, tmp: Path, notebook: Path | None = None, **dashboard_options: Any
) -> Iterator[Server]:
    """Start JupyterLab on the project ("lab") or Voilà on one notebook ("voila"), the latter
    as `pvequorum dashboard` does, with its `dashboard_options` (`voila_argv`'s keywords)."""
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    if kind == "lab":
        argv = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={PROJECT}",
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
            "--LabApp.news_url=",
            # tests drive JupyterLab's own commands (window.jupyterapp), not menu clicks alone
            "--LabApp.expose_app_in_browser=True",
        ]
        if os.geteuid() == 0:  # CI runs as root
            argv.append("--allow-root")
    else:
        from pvequorum.cli.dashboard import voila_argv, voila_env

        env = voila_env(env)
        argv = voila_argv(
            port, open_browser=False, token=token, notebook=notebook, **dashboard_options
        )
    log = tmp / f"{kind}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(f"http://127.0.0.1:{port}/", token, process, log)
    try:
        _wait_ready(server, kind)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Watched:
    """A page and what went wrong on it: console errors and uncaught exceptions."""

    page: object
    errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def widget_failures(self) -> list[str]:
        text = self.page.text_content("body") or ""  # type: ignore[attr-defined]
        return [f for f in WIDGET_FAILURES if f in text]

    def problems(self) -> list[str]:
        """Console errors (with the URLs of failed requests, which the console omits) and
        widgets that did not render."""
        found = self.errors + self.widget_failures()
        return found + self.failed_requests if found else found


@contextlib.contextmanager
def chromium(tmp: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def watch(page: object) -> Watched:
    watched = Watched(page)
    page.on(  # type: ignore[attr-defined]
        "console",
        lambda msg: (
            watched.errors.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error"
            else None
        ),
    )
    page.on(  # type: ignore[attr-defined]
        "requestfailed",
        lambda request: watched.failed_requests.append(f"{request.url} ({request.failure})"),
    )
    page.on("pageerror", lambda exc: watched.errors.append(f"page error: {exc}"))  # type: ignore[attr-defined]
    return watched


def screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def run_all_cells(page: object, timeout_ms: int) -> None:
    """Run every cell of JupyterLab's current notebook once its kernel is connected and idle.

    Run All before that runs nothing (or opens a kernel dialog on a loaded machine), so the
    menu is not used: the command goes through `window.jupyterapp` (expose_app_in_browser)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel;"
        " return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }",
        timeout=timeout_ms,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")  # type: ignore[attr-defined]


def kernels(server: Server) -> list[dict[str, Any]]:
    """The server's kernels, from its REST API (`GET /api/kernels`, with the token)."""
    with urllib.request.urlopen(server.page_url("api/kernels"), timeout=10) as response:
        assert response.status == 200
        found: list[dict[str, Any]] = json.loads(response.read())
        return found


def page_kernel_id(page: object) -> str:
    """The id of the kernel a Voilà page is connected to, from its page config."""
    return str(
        page.evaluate(  # type: ignore[attr-defined]
            "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
    )


def have_chromium() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def require_browser() -> None:
    """Skip (laptop) or fail (CI=true) without Debian's Chromium or Python Playwright."""
    import importlib.util

    from prereq import require

    require(have_chromium(), "browser tests need Debian's Chromium: apt-get install chromium")
    require(
        importlib.util.find_spec("playwright") is not None,
        "browser tests need Python Playwright: pip install -e '.[test]'",
    )
