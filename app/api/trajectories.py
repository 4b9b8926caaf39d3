"""Trajectories: the whole answer as JSON, or the same numbers streamed as Server-Sent Events.

Both advance every run with ``optim_core.trajectory.iter_run`` (which the core guarantees to equal ``run`` bit for
bit) in bounded slices of time, in a worker thread, so that one heavy request never stalls the event loop. Between
slices the JSON route checks that the client is still there, and the stream's events go out; a client that has
gone stops the computing within a slice. Before any of it, a request passes admission control
(:mod:`app.admission`) by its work estimate. The stream advances every run by one window of steps per round, so
all paths start drawing at once and grow together.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS, Optimizer, Surface
from optim_core.trajectory import Segment, iter_run

from ..admission import Ticket, admitted, compute_in_slices
from ..derived import Deriver
from ..errors import invalid
from ..limits import work
from ..scheduling import SCHEDULER_STEP_COST, cycled, scheduler_echo, scheduler_spec
from ..schemas import TrajectoryRequest, TrajectoryResponse
from . import BODY_ERRORS, dumps, finite_list, finite_or_none, json_response
from .expressions import resolve_surface
from .inspect import explain_run, join, recorded

router = APIRouter(tags=["trajectories"])

WINDOWS = 20  # a stream sends each run in about this many pieces...
MIN_WINDOW = 25  # ...of at least this many steps, so short runs do not turn into a flood of tiny events
SLICE = 0.005  # seconds of computing per trip to a worker thread before the stream's events so far are sent
# The JSON answer advances each run by about this much work at a time (~10-20 ms), so that a slice of
# SLICE_SECONDS ends soon after its time, even for L-BFGS, whose step can cost 700 units or more.
CHUNK_WORK = 5000


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
    work: float = 0.0
    schedulers: tuple = ()  # per run: the core's scheduler spec (name, params), or None
    cycled: tuple = ()  # per run: whether its scheduler writes momentum or beta1

    def scheduler(self, i: int):
        return self.schedulers[i] if self.schedulers else None

    def schedule(self, i: int, seg: Segment) -> dict[str, Any]:
        """The ``lr`` (and cycled ``momentum``) rows of a segment, for a scheduled run; nothing otherwise."""
        if self.scheduler(i) is None:
            return {}
        momentum = finite_or_none(seg.momentum) if self.cycled[i] and seg.momentum is not None else None
        return {"lr": finite_or_none(seg.lr), "momentum": momentum}
    inspect: bool = False
    status_detail: bool = False

    def explained(self, i: int, xy: np.ndarray, loss: np.ndarray, diverged_at: int | None,
                  lr: np.ndarray | None) -> dict[str, Any]:
        """With status_detail (or inspect): run i's status, final and per step; else nothing."""
        if not (self.status_detail or self.inspect):
            return {}
        return explain_run(self.optimizers[i], self.surface, self.steps, xy, loss, diverged_at, lr)

    def gradients(self, xy: np.ndarray) -> list | None:
        """The surface's gradient at each point, for the page's hover; None unless the request asked."""
        if not self.grad:
            return None
        with np.errstate(all="ignore"):
            return finite_or_none(self.surface.grad(xy).reshape(-1, 2))

    def meta(self) -> dict[str, Any]:
        return {"surface": self.surface_echo, "start": list(self.start), "steps": self.steps,
                "noise": {"std": self.noise, "seed": self.seed},
                "runs": [{"optimizer": o.SPEC.name, "label": label, "params": o.hyperparameters(),
                          "scheduler": scheduler_echo(self.scheduler(i))}
                         for i, (o, label) in enumerate(zip(self.optimizers, self.labels, strict=True))]}

    def window(self) -> int:
        return max(MIN_WINDOW, math.ceil(self.steps / WINDOWS))


async def prepare(body: TrajectoryRequest, request: Request) -> Job:
    """Resolve the surface (parsing a typed one off the event loop) and hold the request to the work budget."""
    resolved = await resolve_surface(body.surface)
    optimizers = [OPTIMIZERS[r.optimizer].make(**r.params) for r in body.runs]
    schedulers = tuple(scheduler_spec(r.scheduler) for r in body.runs)
    total = math.ceil(sum(run_work(o, body.steps, resolved.surface, sched, inspect=body.inspect)
                          for o, sched in zip(optimizers, schedulers, strict=True)))
    limit = request.app.state.settings.max_work
    if total > limit:
        raise invalid(("body",), f"asks for {total:,} work units, more than the limit of {limit:,}. A run costs "
                      "steps x 1 unit for most optimizers; an L-BFGS step costs more, growing with max_eval, "
                      "max_iter and history_size; a typed formula multiplies it by what one evaluation costs. "
                      "Use fewer steps or runs.", "work_budget", work=total, limit=limit, steps=body.steps,
                      runs=len(optimizers))
    start = tuple(body.start) if body.start is not None else resolved.surface.start
    labels = [r.label if r.label is not None else OPTIMIZERS[r.optimizer].label for r in body.runs]
    return Job(resolved.surface, resolved.echo, start, body.steps, optimizers, labels, body.noise.std,
               body.noise.seed, body.grad, total, schedulers,
               tuple(cycled(sched, o) for o, sched in zip(optimizers, schedulers, strict=True)), body.inspect,
               body.status_detail)


def run_work(optimizer: Optimizer, steps: int, surface: Surface, scheduler=None, *, inspect: bool = False) -> float:
    """A run's work estimate: the optimizer's on this surface (recording counted when inspecting), plus the
    scheduler's steps (SCHEDULER_STEP_COST)."""
    extra = 0.0 if scheduler is None else SCHEDULER_STEP_COST * steps
    return work(optimizer, steps, surface, inspect=inspect) + extra


def _evals(evals: list[np.ndarray] | None) -> list | None:
    return None if evals is None else [finite_or_none(e) for e in evals]


class Computation:
    """Every run of a job, advanced a bounded slice at a time (:meth:`advance`), then encoded as the JSON answer."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.queue = deque((i, iter_run(opt, job.surface, job.start, job.steps, chunk=self.chunk(opt),
                                        noise=job.noise, seed=job.seed, scheduler=job.scheduler(i),
                                        record_state=job.inspect))
                           for i, opt in enumerate(job.optimizers))
        self.segments: list[list[Segment]] = [[] for _ in job.optimizers]

    def chunk(self, optimizer: Optimizer) -> int:
        return max(1, math.floor(CHUNK_WORK / max(1.0, run_work(optimizer, 1, self.job.surface))))

    @property
    def done(self) -> bool:
        return not self.queue

    def advance(self, budget: float) -> list[tuple[int, Segment]]:
        out = _advance(self.queue, budget)
        for i, seg in out:
            self.segments[i].append(seg)
        return out

    def encode(self) -> bytes:
        runs = []
        for i, (opt, label, segs) in enumerate(zip(self.job.optimizers, self.job.labels, self.segments,
                                                   strict=True)):
            xy = np.concatenate([s.xy for s in segs])
            loss = np.concatenate([s.loss for s in segs])
            evals = None if segs[0].evals is None else [e for s in segs for e in _evals(s.evals)]
            run = {"optimizer": opt.SPEC.name, "label": label, "params": opt.hyperparameters(),
                   "xy": finite_list(xy), "loss": finite_list(loss), "status": segs[-1].status,
                   "diverged_at": segs[-1].diverged_at, "evals": evals, "grad": self.job.gradients(xy),
                   **self._schedule(i, segs)}
            lr = _lr(segs)
            if self.job.inspect:
                deriver = Deriver(opt)
                run["inspect"] = join([recorded(s, deriver) for s in segs])
            run.update(self.job.explained(i, xy, loss, segs[-1].diverged_at, lr))
            runs.append(run)
        return dumps({**self.job.meta(), "runs": [{**m, **r} for m, r in zip(self.job.meta()["runs"], runs,
                                                                             strict=True)]})

    def _schedule(self, i: int, segs: list[Segment]) -> dict[str, Any]:
        if self.job.scheduler(i) is None:
            return {}
        return self.job.schedule(i, Segment(0, np.empty((0, 2)), np.empty(0), True, "ok", None,
                                            lr=np.concatenate([s.lr for s in segs]),
                                            momentum=None if segs[0].momentum is None else
                                            np.concatenate([s.momentum for s in segs])))


def _lr(segs: list[Segment]) -> np.ndarray | None:
    """The lr each step used, where the core recorded it (inspecting, or a scheduler driving the run)."""
    return None if segs[0].lr is None else np.concatenate([s.lr for s in segs])


def compute(job: Job) -> bytes:
    """The JSON answer in one go (the CLI's path; the route computes the same in slices)."""
    computation = Computation(job)
    while not computation.done:
        computation.advance(math.inf)
    return computation.encode()


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


async def stream(job: Job, gate: Ticket) -> AsyncIterator[ServerSentEvent]:
    async with gate.running():  # admitted by admit(), before the response started
        yield ServerSentEvent(event="meta", raw_data=dumps(job.meta()).decode())
        window = job.window()
        queue = deque((i, iter_run(opt, job.surface, job.start, job.steps, chunk=window, noise=job.noise,
                                    seed=job.seed, scheduler=job.scheduler(i), record_state=job.inspect))
                  for i, opt in enumerate(job.optimizers))
        final: list[dict[str, Any]] = [{} for _ in job.optimizers]
        # With status_detail/inspect the status is judged on the whole path at its end: keep each run's pieces.
        kept: list[list[Segment]] = [[] for _ in job.optimizers]
        derivers = [Deriver(opt) for opt in job.optimizers]
        while queue:
            for i, seg in await run_in_threadpool(_advance, queue, SLICE):
                if len(seg.loss):
                    points = {"run": i, "offset": seg.offset, "xy": finite_list(seg.xy),
                              "loss": finite_list(seg.loss), "evals": _evals(seg.evals), "grad": job.gradients(seg.xy),
                              **job.schedule(i, seg)}
                    if job.inspect:
                        points["inspect"] = recorded(seg, derivers[i])
                    yield ServerSentEvent(event="points", raw_data=dumps(points).decode())
                if job.status_detail or job.inspect:
                    kept[i].append(seg)
                if seg.done:
                    final[i] = {"status": seg.status, "diverged_at": seg.diverged_at}
                    if kept[i]:
                        segs, kept[i] = kept[i], []
                        lr = _lr(segs)
                        final[i].update(await run_in_threadpool(
                            job.explained, i, np.concatenate([s.xy for s in segs]),
                            np.concatenate([s.loss for s in segs]), seg.diverged_at, lr))
        yield ServerSentEvent(event="done", raw_data=dumps({"runs": final}).decode())


JobDep = Annotated[Job, Depends(prepare)]


async def admit(job: JobDep, request: Request) -> AsyncIterator[Ticket]:
    """The job's lane of admission control, or a 503 now."""
    async with admitted(request, job.work) as gate:
        yield gate


GateDep = Annotated[Ticket, Depends(admit)]
CLIENT_GONE = 499  # nginx's code for "the client closed the request"; nobody reads it


@router.post("/api/trajectories", response_model=TrajectoryResponse, responses=BODY_ERRORS)
async def create_trajectory(job: JobDep, gate: GateDep, request: Request):
    """Trace every run from the start point; each run's ``params`` echoes every hyperparameter."""
    computation = Computation(job)
    if not await compute_in_slices(request, gate, computation.advance, lambda: computation.done):
        return Response(status_code=CLIENT_GONE)
    return json_response(await run_in_threadpool(computation.encode))


@router.post("/api/trajectories/stream", response_class=EventSourceResponse, responses=BODY_ERRORS)
async def stream_trajectory(job: JobDep, gate: GateDep) -> AsyncIterable[ServerSentEvent]:
    """The same numbers as ``POST /api/trajectories``, as events: ``meta``, many ``points``, then ``done``."""
    async for event in stream(job, gate):
        yield event
