"""The dashboard's server: Voilà's own app, with what it lacks to keep its kernels bounded.

Every page of a Voilà app gets a kernel of its own (some 100 MB).  Voilà 0.5 shuts it down
when the page goes: its widget manager's `beforeunload` handler posts, with
`navigator.sendBeacon`, the `_xsrf` cookie to `voila/api/shutdown/<kernel id>`.  But Voilà's
standalone app never sets that cookie, so jupyter_server refuses the post ("'_xsrf' argument
missing from POST", voila-dashboards/voila#1458) and every reload left a kernel behind.
Here:

* the page sets the `_xsrf` cookie (as JupyterLab's pages do), so the beacon passes;
* `DashboardKernelManager` caps the number of kernels (`max_kernels`): at the cap, kernels
  whose page has gone (connected once, no connection now) make room first, least recently
  active first; if every kernel still has its page, the new page is refused (503) with a
  message.  jupyter_server's culler, configured by `pvequorum dashboard`, shuts down the
  kernels of pages that vanished without unloading (a crashed tab, a killed browser);
* `GET /api/kernels` lists the kernels (jupyter_server's model: id, last activity, state,
  connections), read-only, behind the page's own authentication.  Voilà serves no such
  list; without it nobody could see what the server holds.

`pvequorum dashboard` runs this module (`python -m pvequorum.apps.server`) with Voilà's
options; `pvequorum.cli.dashboard.voila_argv` is the one place they are chosen.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import tornado.web
from jupyter_server.services.kernels.handlers import MainKernelHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from traitlets import Integer
from voila.app import Voila  # type: ignore[import-untyped]
from voila.tornado.handler import TornadoVoilaHandler  # type: ignore[import-untyped]

from pvequorum.cli.dashboard import DEFAULT_MAX_KERNELS


class DashboardKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager, with at most `max_kernels` kernels."""

    max_kernels = Integer(
        DEFAULT_MAX_KERNELS,
        config=True,
        help="""The most kernels (dashboard pages) at once.  At the cap, kernels whose page has
        gone are shut down to make room; if none has, the new page is refused (503).""",
    )
    # A reload's new page may ask before the old page's goodbye (its websocket closing, its
    # unload beacon) has arrived: at the cap, wait this long for a kernel to go.
    room_wait = 3.0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._connected_once: set[str] = set()
        self._stopping: set[str] = set()  # being shut down (a beacon, the culler, the cap)
        self._starting = asyncio.Lock()  # one check-then-start at a time: the cap holds

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._connected_once.add(kernel_id)

    async def shutdown_kernel(  # type: ignore[override]
        self, kernel_id: str, now: bool = False, restart: bool = False
    ) -> None:
        self._stopping.add(kernel_id)
        try:
            await super().shutdown_kernel(kernel_id, now=now, restart=restart)
        finally:
            self._stopping.discard(kernel_id)

    def _live(self) -> set[str]:
        """The kernels running and not being shut down."""
        live = set(self.list_kernel_ids()) - self._stopping
        self._connected_once &= live
        return live

    def _gone(self, live: set[str]) -> list[str]:
        """Kernels whose page connected and has no connection now, least recently active
        first.  A kernel never connected may be one whose page is still loading: not gone."""
        gone = [k for k in live & self._connected_once if not self._kernel_connections.get(k)]
        # jupyter_server sets `last_activity` on each kernel it starts
        return sorted(gone, key=lambda k: self.get_kernel(k).last_activity)  # type: ignore[attr-defined]

    async def _make_room(self) -> None:
        deadline = time.monotonic() + self.room_wait
        tried: set[str] = set()
        while len(live := self._live()) >= self.max_kernels:
            if gone := [k for k in self._gone(live) if k not in tried]:
                self.log.info("At the cap: shutting down kernel %s, its page has gone", gone[0])
                tried.add(gone[0])
                # gone already (died, shut down by another path): room made all the same
                with contextlib.suppress(KeyError, tornado.web.HTTPError):
                    await self.shutdown_kernel(gone[0])
            elif time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            else:
                self.log.warning("Refusing a page: %d kernels, the cap", len(live))
                message = (
                    f"The dashboard is already open in {len(live)} pages, its most at once: "
                    "close one, then reload this page"
                )
                # Voilà's error page shows the reason, not the message
                raise tornado.web.HTTPError(503, message, reason=message)

    async def start_kernel(  # type: ignore[override]
        self, *, kernel_id: str | None = None, path: Any = None, **kwargs: Any
    ) -> str:
        async with self._starting:
            await self._make_room()
            return str(await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs))


class DashboardPageHandler(TornadoVoilaHandler):
    """Voilà's page, which also sets the `_xsrf` cookie its unload beacon sends back."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        self.xsrf_token  # noqa: B018  reading it sets the cookie (tornado)
        await super().get(path)


class KernelListHandler(MainKernelHandler):
    """`GET /api/kernels`, jupyter_server's list; starting kernels (POST) is not offered."""

    SUPPORTED_METHODS = ("GET",)


class DashboardVoila(Voila):
    """Voilà's standalone app, serving the two handlers above."""

    def init_handlers(self) -> list[tuple[Any, ...]]:
        handlers: list[tuple[Any, ...]] = [
            (url_path_join(self.server_url, "/api/kernels"), KernelListHandler)
        ]
        for pattern, handler, *rest in super().init_handlers():
            page = DashboardPageHandler if handler is TornadoVoilaHandler else handler
            handlers.append((pattern, page, *rest))
        return handlers


def main() -> None:
    DashboardVoila.launch_instance()


if __name__ == "__main__":
    main()
