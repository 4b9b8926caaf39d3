"""How ``optim-playground serve`` runs uvicorn: bounded connections, timeouts, and bounded malloc arenas.

- ``limit_concurrency`` turns connections past the limit away with 503 instead of letting them pile up, and
  ``timeout_keep_alive`` closes idle keep-alive connections.
- uvicorn closes nothing that has not finished its headers (a slowloris connection stays open for ever), so the
  h11 protocol here closes a connection whose request headers have not all arrived within ``header_timeout``.
  A reverse proxy in front does this better still (docs/deploying.md).
- glibc gives each thread that allocates its own malloc arena, up to 8 per core, and NumPy temporaries made in
  many worker threads kept RSS climbing (68 -> 298 MiB in a 4-minute soak). Two arenas keep it flat. glibc reads
  ``MALLOC_ARENA_MAX`` at start-up, so this process calls ``mallopt`` before any thread starts, and the variable is
  set for worker processes, which read it when they start.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import Settings

ARENAS = 2
M_ARENA_MAX = -8  # glibc's malloc.h


def bound_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process and its children; False where there is no glibc."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(arenas))
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(M_ARENA_MAX, int(os.environ["MALLOC_ARENA_MAX"])))
    except (AttributeError, OSError, ValueError):  # not glibc (musl has no mallopt), or a bad value
        return False


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus: a connection that has not sent a whole request head within ``header_timeout``
    seconds of connecting (or of its last response) is closed."""

    header_timeout = Settings().header_timeout  # from the environment, so that worker processes agree

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._armed_cycle = self.cycle
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.cycle is not self._armed_cycle:
            self._disarm()  # a request's head arrived

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        idle = self.cycle is self._armed_cycle and (self.cycle is None or self.cycle.response_complete)
        if idle and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {"limit_concurrency": settings.limit_concurrency, "timeout_keep_alive": settings.timeout_keep_alive,
            "http": HeaderTimeoutProtocol}
