"""Trajectories: the whole answer as JSON, or the same numbers streamed as Server-Sent Events.

Both use ``optim_core`` on one start point per run (JSON through ``run``, the stream through ``iter_run``,
which the core guarantees to agree bit for bit), and both compute in a worker thread so that one heavy request
never stalls the event loop. The stream advances every run by one window of steps per round, so all paths start
drawing at once and grow together.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS, Optimizer, Surface, run
from optim_core.trajectory import Segment, iter_run

from ..schemas import TrajectoryRequest, TrajectoryResponse, run_cost
from . import BODY_ERRORS, dumps, finite_list, finite_or_none, invalid, json_response
from .expressions import resolve_surface

router = APIRouter(tags=["trajectories"])

WINDOWS = 20  # a stream sends each run in about this many pieces...
MIN_WINDOW = 25  # ...of at least this many steps, so short runs do not turn into a flood of tiny events
SLICE = 0.005  # seconds of computing per trip to a worker thread before the events so far are sent


@dataclass(frozen=True)
class Job:
    """A validated request, ready to compute: the surface resolved, each optimizer built."""

    surface: Surface
    surface_echo: Any
    start: tuple[float, float]
    steps: int
    optimizers: list[Optimizer]
    labels: list[str]
    noise: float
    seed: int
    grad: bool = False

    def gradients(self, xy: np.ndarray) -> list | None:
        """The surface's gradient at each point, for the page's hover; None unless the request asked."""
        if not self.grad:
            return None
        with np.errstate(all="ignore"):
            return finite_or_none(self.surface.grad(xy).reshape(-1, 2))

    def meta(self) -> dict[str, Any]:
        return {"surface": self.surface_echo, "start": list(self.start), "steps": self.steps,
                "noise": {"std": self.noise, "seed": self.seed},
                "runs": [{"optimizer": o.SPEC.name, "label": label, "params": o.hyperparameters()}
                         for o, label in zip(self.optimizers, self.labels, strict=True)]}

    def window(self) -> int:
        return max(MIN_WINDOW, math.ceil(self.steps / WINDOWS))


async def prepare(body: TrajectoryRequest, request: Request) -> Job:
    """Resolve the surface (parsing a typed one off the event loop) and hold the request to the work budget."""
    resolved = await resolve_surface(body.surface)
    optimizers = [OPTIMIZERS[r.optimizer].make(**r.params) for r in body.runs]
    work = sum(run_cost(o, body.steps) for o in optimizers)
    limit = request.app.state.settings.max_work
    if work > limit:
        raise invalid(("body",), f"asks for {work:,} work units, more than the limit of {limit:,}. A run costs "
                      "steps x 1 unit for most optimizers; an L-BFGS step costs more, growing with max_eval, "
                      "max_iter and history_size. Use fewer steps or runs.", "work_budget", work=work, limit=limit)
    start = tuple(body.start) if body.start is not None else resolved.surface.start
    labels = [r.label if r.label is not None else OPTIMIZERS[r.optimizer].label for r in body.runs]
    return Job(resolved.surface, resolved.echo, start, body.steps, optimizers, labels, body.noise.std,
               body.noise.seed, body.grad)


def _evals(evals: list[np.ndarray] | None) -> list | None:
    return None if evals is None else [finite_or_none(e) for e in evals]


def compute(job: Job) -> bytes:
    runs = []
    for opt, label in zip(job.optimizers, job.labels, strict=True):
        tr = run(opt, job.surface, job.start, job.steps, noise=job.noise, seed=job.seed)
        n = job.steps + 1 if tr.diverged_at is None else tr.diverged_at  # the bad point is not sent
        evals = None if tr.evals is None else ([[]] + _evals(tr.evals))[:n]
        runs.append({"optimizer": opt.SPEC.name, "label": label, "params": opt.hyperparameters(),
                     "xy": finite_list(tr.xy[:n]), "loss": finite_list(tr.loss[:n]), "status": tr.status,
                     "diverged_at": tr.diverged_at, "evals": evals, "grad": job.gradients(tr.xy[:n])})
    return dumps({**job.meta(), "runs": runs})


def _advance(queue: deque[tuple[int, Iterator[Segment]]], budget: float) -> list[tuple[int, Segment]]:
    """Next windows, round robin, until ``budget`` seconds have passed: cheap windows travel together, and an
    expensive one (an L-BFGS line search) does not hold back the events computed before it."""
    out = []
    deadline = time.perf_counter() + budget
    while queue and (not out or time.perf_counter() < deadline):
        i, path = queue.popleft()
        seg = next(path)
        out.append((i, seg))
        if not seg.done:
            queue.append((i, path))
    return out


async def stream(job: Job) -> AsyncIterator[ServerSentEvent]:
    yield ServerSentEvent(event="meta", raw_data=dumps(job.meta()).decode())
    window = job.window()
    queue = deque((i, iter_run(opt, job.surface, job.start, job.steps, chunk=window, noise=job.noise,
                                seed=job.seed)) for i, opt in enumerate(job.optimizers))
    final: list[dict[str, Any]] = [{} for _ in job.optimizers]
    while queue:
        for i, seg in await run_in_threadpool(_advance, queue, SLICE):
            if len(seg.loss):
                yield ServerSentEvent(event="points", raw_data=dumps(
                    {"run": i, "offset": seg.offset, "xy": finite_list(seg.xy), "loss": finite_list(seg.loss),
                     "evals": _evals(seg.evals), "grad": job.gradients(seg.xy)}).decode())
            if seg.done:
                final[i] = {"status": seg.status, "diverged_at": seg.diverged_at}
    yield ServerSentEvent(event="done", raw_data=dumps({"runs": final}).decode())


JobDep = Annotated[Job, Depends(prepare)]


@router.post("/api/trajectories", response_model=TrajectoryResponse, responses=BODY_ERRORS)
async def create_trajectory(job: JobDep):
    """Trace every run from the start point; each run's ``params`` echoes every hyperparameter."""
    return json_response(await run_in_threadpool(compute, job))


@router.post("/api/trajectories/stream", response_class=EventSourceResponse, responses=BODY_ERRORS)
async def stream_trajectory(job: JobDep) -> AsyncIterable[ServerSentEvent]:
    """The same numbers as ``POST /api/trajectories``, as events: ``meta``, many ``points``, then ``done``."""
    async for event in stream(job):
        yield event
