"""Training: ``POST /api/train`` (JSON), ``POST /api/train/stream`` (the same numbers as events) and
``GET /api/models`` (the models and data sets with their options and help).

Each run is an :class:`optim_core.models.Trainer`, advanced a few epochs at a time in a worker thread; the JSON
route checks between slices that the client is still there (:func:`app.admission.compute_in_slices`), and the
stream sends every run's new losses after each window of epochs, round robin, so the curves grow together. The
pictures that need every run's end (the shared landscape slice, line's surfaces, decision maps) are computed once
training is over (:mod:`app.train_answer`); while it runs, each ``points`` event carries what can be drawn from
the window alone: a classifier's decision map at the window's last kept row (rounded: a picture), and ``line``'s
kept parameter rows (exact), so the page animates before ``done``.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS
from optim_core.models import DATASETS, HIDDEN_LAYERS_RANGE, MODELS, Trainer, make_data, make_model
from optim_core.models.training import one_blas_thread

from ..admission import Gate, admitted, compute_in_slices
from ..errors import invalid
from ..limits import MAX_TRAIN_WORK, train_work
from ..scheduling import cycled, scheduler_echo, scheduler_problems, scheduler_spec
from ..schemas import TrainRequest
from ..serialize import hyperparameter_info
from ..train_answer import heatmap_axes, live_heatmap, pictures
from ..train_refusals import refusal_for_data, refusal_for_model, refusal_for_training
from . import BODY_ERRORS, CATALOG_CACHE, Encoded, dumps, finite_or_none, json_response

router = APIRouter(tags=["train"])

WINDOWS = 20  # the stream sends each run in about this many windows of epochs
CLIENT_GONE = 499


@dataclass
class TrainJob:
    """A validated request: the data made, the model built, one Trainer per run (set up, not yet trained)."""

    body: TrainRequest
    net: Any
    model_options: dict[str, Any]
    data_options: dict[str, Any]
    trainers: list[Trainer]
    labels: list[str]
    work: float
    schedulers: tuple = ()  # per run: the core's scheduler spec (name, params), or None
    cycled: tuple = ()  # per run: whether its scheduler writes momentum or beta1
    axes: tuple | None = None  # a 2-D classifier's decision-map axes (x, y), known from the data

    def heatmap_axes(self) -> dict[str, list[float]] | None:
        return None if self.axes is None else {"x": self.axes[0].tolist(), "y": self.axes[1].tolist()}

    def meta(self) -> dict[str, Any]:
        b, first = self.body, self.trainers[0]
        out = {"model": {"name": b.model.name, "options": self.model_options},
               "data": {"name": b.data.name, "options": self.data_options},
               "epochs": b.epochs, "batch_size": b.batch_size, "seed": b.seed, "steps": first.steps,
               "steps_per_epoch": first.steps // b.epochs, "n_params": self.net.n_params,
               "parameter_names": [[name, list(shape)] for name, shape in self.net.parameter_names()],
               "classifier": self.net.classifier, "landscape": b.landscape.model_dump(),
               "runs": [{"optimizer": r.optimizer, "label": label, "params": r.params,
                         "scheduler": scheduler_echo(sched)}
                        for r, label, sched in zip(b.runs, self.labels, self.schedulers, strict=True)],
               "points": None, "heatmap_axes": self.heatmap_axes()}
        if first.X.shape[1] <= 2:  # drawable: line's scatter, the classifiers' points under their decision maps
            out["points"] = {"X": first.X.tolist(), "y": first.y.tolist()}
        return out


def make_job(body: TrainRequest) -> TrainJob:
    """Validate what the schema cannot (options against the core's specs, batch_size against n, the step limits,
    each run's scheduler against its steps, the work budget) and set every run up; 422 naming the field otherwise,
    with a code and params the page words (:mod:`app.train_refusals`)."""
    try:
        X, y, _, data_options = make_data((body.data.name, body.data.options))
    except ValueError as err:
        raise refusal_for_data(body, err) from None
    try:
        net, _, model_options = make_model((body.model.name, body.model.options), X.shape[1])
    except ValueError as err:
        raise refusal_for_model(body, X, err) from None
    n, batch = len(X), body.batch_size or len(X)
    steps = body.epochs * -(-n // batch)
    if batch <= n:  # else the Trainer refuses batch_size below, which says what is wrong
        _check_schedulers(body, steps)
    schedulers = tuple(scheduler_spec(r.scheduler) for r in body.runs)
    trainers = []
    for i, (run, sched) in enumerate(zip(body.runs, schedulers, strict=True)):
        try:
            trainers.append(Trainer((body.model.name, model_options), (X, y), run.optimizer, body.epochs,
                                    batch_size=body.batch_size, seed=body.seed, scheduler=sched, **run.params))
        except (ValueError, NotImplementedError) as err:
            raise refusal_for_training(body, i, y, err) from None
    if body.landscape.run >= len(body.runs):
        raise invalid(("body", "landscape", "run"), f"must be an index of runs, in [0, {len(body.runs) - 1}]",
                      "integer_range", min=0, max=len(body.runs) - 1)
    total = math.ceil(sum(train_work(t.steps, net.n_params, batch, n, body.landscape.grid, scheduled=s is not None)
                          for t, s in zip(trainers, schedulers, strict=True)))
    if total > MAX_TRAIN_WORK:
        raise invalid(("body",), f"asks for {total:,} training work units, more than the limit of "
                      f"{MAX_TRAIN_WORK:,}. A run's work grows with its steps (epochs x batches per epoch), "
                      "the model's parameters and the samples each step touches (see GET /api/limits, train.work). "
                      "Use fewer epochs, runs or samples, or a smaller model.", "train_work_budget", work=total,
                      limit=MAX_TRAIN_WORK)
    labels = [r.label if r.label is not None else OPTIMIZERS[r.optimizer].label for r in body.runs]
    axes = heatmap_axes(X) if net.classifier and net.sizes[0] == 2 else None
    return TrainJob(body, net, model_options, data_options, trainers, labels, total, schedulers,
                    tuple(cycled(sched, t.opt) for sched, t in zip(schedulers, trainers, strict=True)), axes)


def _check_schedulers(body: TrainRequest, steps: int) -> None:
    """Each run's scheduler built as the trajectories route builds it (:mod:`app.scheduling`), against the
    training's steps; every refusal a 422 item at ``runs[i].scheduler...``, as there."""
    problems = scheduler_problems(body.runs, steps)
    if problems:
        raise RequestValidationError([{"loc": ("body", "runs", *p["loc"]), "msg": p["message"], "type": p["code"],
                                       "ctx": {**p["params"], "reason": p["message"]}} for p in problems])


async def prepare(body: TrainRequest) -> TrainJob:
    return await run_in_threadpool(make_job, body)  # making a data set of 2000 points is not for the event loop


def _series(job: TrainJob, i: int, start_loss: int, start_batch: int) -> dict[str, Any]:
    """Run i's losses (and accuracies; with a scheduler, the lr and cycled momentum) recorded since the offsets."""
    trainer = job.trainers[i]
    k = trainer.recorded()
    out = {"offset": start_loss, "loss": finite_or_none(trainer.loss[start_loss:k]),
           "batch_offset": start_batch, "batch_loss": finite_or_none(trainer.batch_loss[start_batch:trainer.t]),
           "accuracy": None if trainer.accuracy is None else finite_or_none(trainer.accuracy[start_loss:k]),
           "lr": None, "momentum": None}
    if trainer.lr is not None:
        out["lr"] = finite_or_none(trainer.lr[start_loss:k])
        if job.cycled[i]:
            out["momentum"] = finite_or_none(trainer.momentum[start_loss:k])
    return out


def _run_end(trainer: Trainer) -> dict[str, Any]:
    tr = trainer.finish()
    return {"status": tr.status, "diverged_at": tr.diverged_at}


def _finish(job: TrainJob) -> dict[str, Any]:
    return pictures(job.net, [t.finish() for t in job.trainers], job.body.landscape)


class TrainComputation:
    """Every run advanced an epoch at a time, round robin, within a time budget; then the pictures."""

    def __init__(self, job: TrainJob) -> None:
        self.job = job
        self.queue = deque(job.trainers)
        self.result: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.result is not None

    def advance(self, budget: float) -> None:
        deadline = time.perf_counter() + budget
        while self.queue and time.perf_counter() < deadline:
            trainer = self.queue.popleft()
            if not trainer.advance(1):
                self.queue.append(trainer)
        if not self.queue and self.result is None:
            self.result = _finish(self.job)

    def encode(self) -> bytes:
        meta = self.job.meta()
        runs = []
        for i, (trainer, head, pics) in enumerate(zip(self.job.trainers, meta["runs"], self.result["runs"],
                                                      strict=True)):
            series = _series(self.job, i, 0, 0)
            del series["offset"], series["batch_offset"]
            runs.append({**head, **series, **_run_end(trainer), **pics})
        return dumps({**meta, **{k: v for k, v in self.result.items() if k != "runs"}, "runs": runs})


def compute(body: TrainRequest) -> bytes:
    """The JSON answer in one go (for tests and the CLI; the route computes the same in slices)."""
    computation = TrainComputation(make_job(body))
    while not computation.done:
        computation.advance(math.inf)
    return computation.encode()


def _kept(trainer: Trainer) -> int:
    """How many of the trainer's kept parameter rows are filled (row 0 and every kept step done)."""
    return int(np.searchsorted(trainer.rows, trainer.t, side="right"))


def _advance_window(job: TrainJob, i: int, epochs: int) -> dict[str, Any]:
    """Run i advanced by a window of epochs: its new series, and the window's pictures (see docs/api.md)."""
    trainer = job.trainers[i]
    start_loss, start_batch, start_row = trainer.recorded(), trainer.t, _kept(trainer) if trainer.t else 0
    trainer.advance(epochs)
    out = _series(job, i, start_loss, start_batch)
    rows = slice(start_row, _kept(trainer))
    out["heatmap"] = None
    if job.axes is not None:
        with one_blas_thread():  # as training: BLAS's threads, spinning on a busy machine, made it 60x slower
            out["heatmap"] = live_heatmap(job.net, trainer.params[:rows.stop], trainer.rows[:rows.stop], job.axes)
    out["weights"] = out["weight_steps"] = None
    if job.body.model.name == "line":
        out["weights"] = finite_or_none(trainer.params[rows])
        out["weight_steps"] = trainer.rows[rows].tolist()
    return out


async def stream(job: TrainJob, gate: Gate) -> AsyncIterator[ServerSentEvent]:
    async with gate.running():
        yield ServerSentEvent(event="meta", raw_data=dumps(job.meta()).decode())
        window = max(1, math.ceil(job.body.epochs / WINDOWS))
        queue = deque(enumerate(job.trainers))
        while queue:
            i, trainer = queue.popleft()
            series = await run_in_threadpool(_advance_window, job, i, window)
            if series["loss"] or series["batch_loss"]:
                yield ServerSentEvent(event="points", raw_data=dumps({"run": i, **series}).decode())
            if not trainer.done:
                queue.append((i, trainer))
        result = await run_in_threadpool(_finish, job)
        runs = [{**_run_end(t), **pics} for t, pics in zip(job.trainers, result["runs"], strict=True)]
        yield ServerSentEvent(event="done", raw_data=dumps({**result, "runs": runs}).decode())


JobDep = Annotated[TrainJob, Depends(prepare)]


async def admit(job: JobDep, request: Request) -> AsyncIterator[Gate]:
    async with admitted(request, job.work) as gate:
        yield gate


GateDep = Annotated[Gate, Depends(admit)]


@router.post("/api/train", responses=BODY_ERRORS)
async def create_training(job: JobDep, gate: GateDep, request: Request):
    """Train the model on the data with every run's optimizer; losses per step, the shared landscape slice, and
    (line) the (w, b) surfaces or (classifiers) decision maps. See docs/api.md for the shape."""
    computation = TrainComputation(job)
    if not await compute_in_slices(request, gate, computation.advance, lambda: computation.done):
        return Response(status_code=CLIENT_GONE)
    return json_response(await run_in_threadpool(computation.encode))


@router.post("/api/train/stream", response_class=EventSourceResponse, responses=BODY_ERRORS)
async def stream_training(job: JobDep, gate: GateDep) -> AsyncIterable[ServerSentEvent]:
    """The same numbers as ``POST /api/train``, as events: ``meta``, ``points`` per window of epochs, ``done``."""
    async for event in stream(job, gate):
        yield event


def _option_infos(specs) -> list[dict[str, Any]]:
    out = []
    for spec in specs:
        info = hyperparameter_info(spec)
        if spec.kind == "list":
            info["length"] = {"min": HIDDEN_LAYERS_RANGE[0], "max": HIDDEN_LAYERS_RANGE[1]}
        out.append(info)
    return out


def models_info() -> dict[str, Any]:
    return {"models": [{"name": m.name, "task": m.task, "help": {"en": m.help_en, "zh": m.help_zh},
                        "options": _option_infos(m.options)} for m in MODELS.values()],
            "datasets": [{"name": d.name, "task": d.task, "help": {"en": d.help_en, "zh": d.help_zh},
                          "options": _option_infos(d.options)} for d in DATASETS.values()]}


MODELS_JSON = Encoded(dumps(models_info()))


@router.get("/api/models")
async def read_models(request: Request):
    """Every model and data set, with their options (kind, default, range, help in en and zh)."""
    return await MODELS_JSON.response(request, CATALOG_CACHE)
