"""Training: ``POST /api/train`` (JSON), ``POST /api/train/stream`` (the same numbers as events) and
``GET /api/models`` (the models and data sets with their options and help).

Each run is an :class:`optim_core.models.Trainer`, advanced a few epochs at a time in a worker thread; the JSON
route checks between slices that the client is still there (:func:`app.admission.compute_in_slices`), and the
stream sends every run's new losses after each window of epochs, round robin, so the curves grow together. The
pictures that need every run's end (the shared landscape slice, line's surfaces, decision maps) are computed once
training is over (:mod:`app.train_answer`).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS
from optim_core.models import DATASETS, HIDDEN_LAYERS_RANGE, MODELS, Trainer, make_data, make_model

from ..admission import Gate, admitted, compute_in_slices
from ..errors import invalid
from ..limits import MAX_TRAIN_WORK, train_work
from ..schemas import TrainRequest
from ..serialize import hyperparameter_info
from ..train_answer import pictures
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

    def meta(self) -> dict[str, Any]:
        b, first = self.body, self.trainers[0]
        out = {"model": {"name": b.model.name, "options": self.model_options},
               "data": {"name": b.data.name, "options": self.data_options},
               "epochs": b.epochs, "batch_size": b.batch_size, "seed": b.seed, "steps": first.steps,
               "steps_per_epoch": first.steps // b.epochs, "n_params": self.net.n_params,
               "parameter_names": [[name, list(shape)] for name, shape in self.net.parameter_names()],
               "classifier": self.net.classifier, "landscape": b.landscape.model_dump(),
               "runs": [{"optimizer": r.optimizer, "label": label, "params": r.params}
                        for r, label in zip(b.runs, self.labels, strict=True)],
               "points": None}
        if first.X.shape[1] <= 2:  # drawable: line's scatter, the classifiers' points under their decision maps
            out["points"] = {"X": first.X.tolist(), "y": first.y.tolist()}
        return out


def _refuse(loc: tuple, err: Exception, code: str):
    return invalid(loc, str(err), code, reason=str(err))


def make_job(body: TrainRequest) -> TrainJob:
    """Validate what the schema cannot (options against the core's specs, batch_size against n, the step limits,
    the work budget) and set every run up; 422 naming the field otherwise."""
    try:
        X, y, _, data_options = make_data((body.data.name, body.data.options))
    except ValueError as err:
        raise _refuse(("body", "data", "options"), err, "data_invalid") from None
    try:
        net, _, model_options = make_model((body.model.name, body.model.options), X.shape[1])
    except ValueError as err:
        raise _refuse(("body", "model"), err, "model_invalid") from None
    trainers = []
    for i, run in enumerate(body.runs):
        try:
            trainers.append(Trainer((body.model.name, model_options), (X, y), run.optimizer, body.epochs,
                                    batch_size=body.batch_size, seed=body.seed, **run.params))
        except (ValueError, NotImplementedError) as err:
            text = str(err)
            field = next((f for f in ("batch_size", "epochs") if f"Invalid {f} value" in text), None)
            loc = ("body", field) if field else ("body", "data") if "Invalid data" in text else ("body", "runs", i)
            raise _refuse(loc, err, "training_invalid") from None
    if body.landscape.run >= len(body.runs):
        raise invalid(("body", "landscape", "run"), f"must be an index of runs, in [0, {len(body.runs) - 1}]",
                      "integer_range", min=0, max=len(body.runs) - 1)
    n, batch = len(X), body.batch_size or len(X)
    total = math.ceil(sum(train_work(t.steps, net.n_params, batch, n, body.landscape.grid) for t in trainers))
    if total > MAX_TRAIN_WORK:
        raise invalid(("body",), f"asks for {total:,} training work units, more than the limit of "
                      f"{MAX_TRAIN_WORK:,}. A run's work grows with its steps (epochs x batches per epoch), "
                      "the model's parameters and the samples each step touches (see GET /api/limits, train.work). "
                      "Use fewer epochs, runs or samples, or a smaller model.", "train_work_budget", work=total,
                      limit=MAX_TRAIN_WORK)
    labels = [r.label if r.label is not None else OPTIMIZERS[r.optimizer].label for r in body.runs]
    return TrainJob(body, net, model_options, data_options, trainers, labels, total)


async def prepare(body: TrainRequest) -> TrainJob:
    return await run_in_threadpool(make_job, body)  # making a data set of 2000 points is not for the event loop


def _series(trainer: Trainer, start_loss: int, start_batch: int) -> dict[str, Any]:
    """The losses (and accuracies) recorded since the given offsets."""
    k = trainer.recorded()
    return {"offset": start_loss, "loss": finite_or_none(trainer.loss[start_loss:k]),
            "batch_offset": start_batch, "batch_loss": finite_or_none(trainer.batch_loss[start_batch:trainer.t]),
            "accuracy": None if trainer.accuracy is None else finite_or_none(trainer.accuracy[start_loss:k])}


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
        for trainer, head, pics in zip(self.job.trainers, meta["runs"], self.result["runs"], strict=True):
            series = _series(trainer, 0, 0)
            del series["offset"], series["batch_offset"]
            runs.append({**head, **series, **_run_end(trainer), **pics})
        return dumps({**meta, **{k: v for k, v in self.result.items() if k != "runs"}, "runs": runs})


def compute(body: TrainRequest) -> bytes:
    """The JSON answer in one go (for tests and the CLI; the route computes the same in slices)."""
    computation = TrainComputation(make_job(body))
    while not computation.done:
        computation.advance(math.inf)
    return computation.encode()


def _advance_window(trainer: Trainer, epochs: int) -> dict[str, Any]:
    start_loss, start_batch = trainer.recorded(), trainer.t
    trainer.advance(epochs)
    return _series(trainer, start_loss, start_batch)


async def stream(job: TrainJob, gate: Gate) -> AsyncIterator[ServerSentEvent]:
    async with gate.running():
        yield ServerSentEvent(event="meta", raw_data=dumps(job.meta()).decode())
        window = max(1, math.ceil(job.body.epochs / WINDOWS))
        queue = deque(enumerate(job.trainers))
        while queue:
            i, trainer = queue.popleft()
            series = await run_in_threadpool(_advance_window, trainer, window)
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
