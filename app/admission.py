"""Admission control: how much computing one process takes on at once, and a 503 past that.

Computations run in Starlette's thread pool, which has 40 tokens shared with everything else, and they compete for
the GIL; without a cap, 48 heavy requests made a 50-step request wait 38 s and /healthz 7 s. So each kind of
computation passes a :class:`Gate` first: a few run (sized to the cores), a short queue waits, and the rest are
answered at once with 503 and Retry-After. Requests whose work is small take a lane of their own, so that they
never queue behind heavy ones. Cheap endpoints (catalog, /healthz, static files, cached grids, expression checks)
pass no gate at all.

Everything here runs on the event loop's thread, so the counters need no lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .config import Settings
from .errors import ApiError


class Gate:
    """At most ``slots`` holders at once and ``queue`` waiting; past that, :meth:`slot` raises a 503 at once."""

    def __init__(self, name: str, slots: int, queue: int, retry_after: int) -> None:
        self.name, self.slots, self.queue, self.retry_after = name, slots, queue, retry_after
        self.pending = 0  # holders and waiters
        self._semaphore: asyncio.Semaphore | None = None

    @property
    def running(self) -> int:
        return self.slots - self._semaphore._value if self._semaphore is not None else 0

    def check(self) -> None:
        """Refuse now if the queue is full (a stream asks before its response starts)."""
        if self.pending >= self.slots + self.queue:
            raise ApiError(503, "busy", f"The server is busy ({self.name} computations): try again in "
                           f"{self.retry_after} s", {"retry_after": self.retry_after},
                           headers={"Retry-After": str(self.retry_after)})

    @asynccontextmanager
    async def slot(self, *, checked: bool = False) -> AsyncIterator[None]:
        if not checked:
            self.check()
        if self._semaphore is None:  # made on the event loop that uses it
            self._semaphore = asyncio.Semaphore(self.slots)
        self.pending += 1
        try:
            async with self._semaphore:
                yield
        finally:
            self.pending -= 1


class Admission:
    """The two lanes of one app: light requests (work <= ``light_work``) and heavy ones."""

    def __init__(self, settings: Settings) -> None:
        self.light_work = settings.light_work
        self.light = Gate("light", settings.light_slots, settings.light_queue, settings.retry_after)
        self.heavy = Gate("heavy", settings.compute_slots, settings.compute_queue, settings.retry_after)

    def gate(self, work: float) -> Gate:
        return self.light if work <= self.light_work else self.heavy
