"""Admission control: how much computing one process takes on at once, and a 503 past that.

Computations run in Starlette's thread pool, which has 40 tokens shared with everything else, and they compete for
the GIL; without a cap, 48 heavy requests made a 50-step request wait 38 s and /healthz 7 s. So each kind of
computation passes a :class:`Gate` first: a few run, a short queue waits, and the rest are answered at once with
503 and Retry-After. The heavy lane is sized to the core the process can use: the computing is Python under one
GIL, and measured on 2 cores, two heavy slots served no more requests per second than one while doubling the
median wait of everything else, so the default is one slot per worker process and ``--workers`` scales to the
cores. Requests whose work is small take a lane of their own, so that they
never queue behind heavy ones. Cheap endpoints (catalog, /healthz, static files, cached grids, expression checks)
pass no gate at all.

Everything here runs on the event loop's thread, so the counters need no lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from .config import Settings
from .errors import ApiError


class Gate:
    """At most ``slots`` computations at once and ``queue`` requests waiting; past that, :meth:`enter` refuses
    with a 503 at once. A request :meth:`enter` s when it is admitted (before its response starts, so that a stream
    can still be refused) and :meth:`leave` s when it is over; in between it computes inside :meth:`running`."""

    def __init__(self, name: str, slots: int, queue: int, retry_after: int) -> None:
        self.name, self.slots, self.queue, self.retry_after = name, slots, queue, retry_after
        self.pending = 0  # admitted requests, running or waiting
        self._semaphore: asyncio.Semaphore | None = None

    def enter(self) -> None:
        if self.pending >= self.slots + self.queue:
            raise ApiError(503, "busy", f"The server is busy ({self.name} computations): try again in "
                           f"{self.retry_after} s", {"retry_after": self.retry_after},
                           headers={"Retry-After": str(self.retry_after)})
        self.pending += 1

    def leave(self) -> None:
        self.pending -= 1

    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:  # made on the event loop that uses it
            self._semaphore = asyncio.Semaphore(self.slots)
        return self._semaphore

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.semaphore():
            yield


class Ticket:
    """One admitted request's hold on its lane: :meth:`running` takes a slot, and the slot is given back once,
    either when the computation ends or when the request is over (:func:`admitted`), whichever is first.

    Why both: a stream computes inside an async generator, and when its client goes away FastAPI cancels the task
    that pulls from it. If the generator was paused at a ``yield`` then, nothing closes it until the garbage
    collector does (seconds to minutes later), and the slot it holds would keep every other heavy request waiting.
    """

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.name = gate.name
        self._held = False

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        await self.gate.semaphore().acquire()
        self._held = True
        try:
            yield
        finally:
            self.release()

    def release(self) -> None:
        if self._held:
            self._held = False
            self.gate.semaphore().release()


class Admission:
    """The two lanes of one app: light requests (work <= ``light_work``) and heavy ones."""

    def __init__(self, settings: Settings) -> None:
        self.light_work = settings.light_work
        self.light = Gate("light", settings.light_slots, settings.light_queue, settings.retry_after)
        self.heavy = Gate("heavy", settings.compute_slots, settings.compute_queue, settings.retry_after)

    def gate(self, work: float) -> Gate:
        return self.light if work <= self.light_work else self.heavy


@asynccontextmanager
async def admitted(request: Request, work: float) -> AsyncIterator[Ticket]:
    """For a FastAPI dependency (``async with admitted(...) as gate: yield gate``): a :class:`Ticket` for the lane
    of ``work``, or a 503 now if its queue is full. Nothing is awaited before :meth:`Gate.enter`, so the check and
    the count are one step on the event loop; the request leaves the lane, and gives back its slot if an abandoned
    stream still holds it, once its response is over (FastAPI runs a dependency's exit after the response, a
    stream's too)."""
    gate = request.app.state.admission.gate(work)
    gate.enter()
    ticket = Ticket(gate)
    try:
        yield ticket
    finally:
        ticket.release()
        gate.leave()


async def compute_in_slices(request: Request, gate: Ticket, advance: Callable[[float], object],
                            done: Callable[[], bool]) -> bool:
    """Run ``advance(seconds)`` in a worker thread, a slice at a time, inside the gate, until ``done()``; between
    slices, check that the client is still there. False if it has gone (the work is then abandoned). Maps, tuning
    and training compute the same way."""
    seconds = request.app.state.settings.slice_seconds
    async with gate.running():
        while not done():
            await run_in_threadpool(advance, seconds)
            if await request.is_disconnected():
                return False
    return True
