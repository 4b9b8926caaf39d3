"""Tuning: each run's optimizer swept over the same log grid of lr by ``optim_core.tune``, its best setting picked
by the core's stated rule (:class:`optim_core.tune.TuneRule`), as JSON or streamed one curve at a time.

Runs are tuned one at a time (a request may tune the same optimizer twice, e.g. SGD and SGD with momentum, which
one ``tune()`` call does not take); the rule depends only on the grid, the start, the steps and the objective, so
it is the same for every run and is sent once, with its en/zh sentence.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS, Optimizer, Surface, tune
from optim_core.tune import RULE_TEMPLATES, TuneRule

from ..admission import Ticket, admitted, compute_in_slices
from ..errors import invalid
from ..limits import MAX_MAP_WORK, map_work
from ..schemas import TuneRequest
from . import BODY_ERRORS, dumps, finite_or_none, json_response
from .expressions import resolve_surface

router = APIRouter(tags=["tune"])
SLICE = 0.05
CLIENT_GONE = 499


@dataclass(frozen=True)
class TuneJob:
    surface: Surface
    surface_echo: Any
    start: tuple[float, float]
    steps: int
    optimizers: list[Optimizer]
    labels: list[str]
    objective: str
    budget: int
    noise: float
    seed: int
    work: float = 0.0

    def meta(self) -> dict[str, Any]:
        return {"surface": self.surface_echo, "start": list(self.start), "steps": self.steps,
                "objective": self.objective, "budget": self.budget, "noise": {"std": self.noise, "seed": self.seed},
                "runs": [{"optimizer": o.SPEC.name, "label": label, "params": o.hyperparameters()}
                         for o, label in zip(self.optimizers, self.labels, strict=True)]}

    def curve(self, i: int) -> tuple[dict[str, Any], TuneRule]:
        """Run ``i``'s objective-vs-lr curve and best setting (its other hyperparameters held at the run's)."""
        opt = self.optimizers[i]
        fixed = {k: v for k, v in opt.hyperparameters().items() if k != "lr"}
        name = opt.SPEC.name
        t = tune([name], self.surface, self.start, self.steps, objective=self.objective, budget=self.budget,
                 fixed={name: fixed}, noise=self.noise, seed=self.seed)
        r = t.results[name]
        best_value = r.best_value if math.isfinite(r.best_value) else None
        return ({"run": i, "optimizer": name, "label": self.labels[i], "lr": r.lr.tolist(),
                 "objective": finite_or_none(np.asarray(r.objective, dtype=np.float64)), "best": r.best,
                 "best_value": best_value}, t.rule)


def rule_body(rule: TuneRule) -> dict[str, Any]:
    return {"rule": rule.to_dict(), "sentence": {lang: rule.sentence(lang) for lang in RULE_TEMPLATES}}


async def prepare_tune(body: TuneRequest, request: Request) -> TuneJob:
    resolved = await resolve_surface(body.surface)
    optimizers = [OPTIMIZERS[r.optimizer].make(**r.params) for r in body.runs]
    total = math.ceil(sum(map_work(o, body.budget, body.steps, resolved.surface) for o in optimizers))
    if total > MAX_MAP_WORK:
        raise invalid(("body",), f"asks for {total:,} work units, more than tuning's limit of {MAX_MAP_WORK:,}. "
                      "Use fewer steps, runs or lr values (budget); L-BFGS costs the most.", "tune_work_budget",
                      work=total, limit=MAX_MAP_WORK, steps=body.steps, budget=body.budget)
    start = tuple(body.start) if body.start is not None else resolved.surface.start
    labels = [r.label if r.label is not None else OPTIMIZERS[r.optimizer].label for r in body.runs]
    return TuneJob(resolved.surface, resolved.echo, start, body.steps, optimizers, labels, body.objective,
                   body.budget, body.noise.std, body.noise.seed, total)


TuneJobDep = Annotated[TuneJob, Depends(prepare_tune)]


async def admit_tune(job: TuneJobDep, request: Request) -> AsyncIterator[Ticket]:
    async with admitted(request, job.work) as gate:
        yield gate


class TuneComputation:
    """One run's curve at a time; a run's sweep is the unit of work (a budget of at most 64 cells)."""

    def __init__(self, job: TuneJob) -> None:
        self.job = job
        self.curves: list[dict[str, Any]] = []
        self.rule: TuneRule | None = None

    @property
    def done(self) -> bool:
        return len(self.curves) == len(self.job.optimizers)

    def advance(self, budget: float) -> None:
        deadline = time.perf_counter() + budget
        while not self.done and time.perf_counter() < deadline:
            curve, self.rule = self.job.curve(len(self.curves))
            self.curves.append(curve)

    def result(self) -> dict[str, Any]:
        assert self.rule is not None
        return {**self.job.meta(), "curves": self.curves, **rule_body(self.rule)}


@router.post("/api/tune", responses=BODY_ERRORS)
async def create_tune(job: TuneJobDep, gate: Annotated[Ticket, Depends(admit_tune)], request: Request):
    """Every run's curve, its best setting, and the rule with its sentence in en and zh (see docs/api.md)."""
    computation = TuneComputation(job)
    if not await compute_in_slices(request, gate, computation.advance, lambda: computation.done):
        return Response(status_code=CLIENT_GONE)
    return json_response(dumps(computation.result()))


@router.post("/api/tune/stream", response_class=EventSourceResponse, responses=BODY_ERRORS)
async def stream_tune(job: TuneJobDep, gate: Annotated[Ticket, Depends(admit_tune)],
                      request: Request) -> AsyncIterable[ServerSentEvent]:
    """The same as events: ``meta``, a ``curve`` per run as it finishes, then ``done`` with the rule."""
    async with gate.running():
        yield ServerSentEvent(event="meta", raw_data=dumps(job.meta()).decode())
        computation = TuneComputation(job)
        sent = 0
        while not computation.done:
            await run_in_threadpool(computation.advance, SLICE)
            for c in computation.curves[sent:]:
                yield ServerSentEvent(event="curve", raw_data=dumps(c).decode())
            sent = len(computation.curves)
            if await request.is_disconnected():
                return
        assert computation.rule is not None
        yield ServerSentEvent(event="done", raw_data=dumps(rule_body(computation.rule)).decode())
