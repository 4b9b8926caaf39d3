"""Maps: a basin map (where each start of the surface's domain ends) or a hyperparameter map (how each setting
does), from ``optim_core.sweep``, as JSON or as Server-Sent Events that bring a coarse map first and then finer ones.

Every cell is the core's sweep cell, which equals the single ``run()`` with that start and those hyperparameters
bit for bit; the API adds no arithmetic but the grid's values (``numpy.linspace``/``logspace``), which it sends so
that a click on a cell can ask for exactly that run. A frame is computed in chunks of rows (each chunk one sweep:
a cell does not depend on its neighbours), a bounded slice of time at a time in a worker thread, inside the
admission lane, and stops when the client has gone (:func:`app.admission.compute_in_slices`).
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from optim_core import OPTIMIZERS, Optimizer, Surface, sweep
from optim_core.sweep import MAX_LBFGS_CELLS, _validate, grid_name

from ..admission import Ticket, admitted, compute_in_slices
from ..errors import invalid
from ..limits import MAP_COARSE, MAX_MAP_WORK, map_work
from ..schemas import MapRequest, fmt
from . import BODY_ERRORS, dumps, finite_or_none, json_response
from .expressions import resolve_surface

router = APIRouter(tags=["maps"])

# A chunk (one sweep call) holds at least MIN_CHUNK_CELLS cells, so NumPy's fixed cost per step is shared by many,
# and at most about CHUNK_CELL_STEPS cell-steps beyond that (~0.1-0.2 s), so a client that leaves stops it soon.
MIN_CHUNK_CELLS = 4096
CHUNK_CELL_STEPS = 3_000_000
LBFGS_CHUNK_WORK = 5000  # an L-BFGS chunk: about as much work as a trajectory slice
SLICE = 0.05  # seconds of computing per trip to a worker thread in the stream
CLIENT_GONE = 499
FIELDS = ("final_loss", "minimum", "converged", "steps_to_converge", "diverged_at")


def levels(resolution: int) -> list[int]:
    """The frames' resolutions: the coarse one, then the asked one (a frame in between would cost as much as a
    quarter of the last one and shows little more than the coarse one).

    >>> levels(200), levels(32), levels(10)
    ([32, 200], [32], [10])
    """
    return [MAP_COARSE, resolution] if resolution > MAP_COARSE else [resolution]


def axis_values(lo: float, hi: float, n: int, scale: str) -> np.ndarray:
    if scale == "log":
        return np.logspace(math.log10(lo), math.log10(hi), n)
    return np.linspace(lo, hi, n)


@dataclass
class MapJob:
    """A validated map request: the surface resolved, the optimizer built, every frame's grid known."""

    kind: str
    surface: Surface
    surface_echo: Any
    optimizer: Optimizer
    label: str
    steps: int
    start: tuple[float, float]
    axes: list[dict[str, Any]]  # hyperparameter maps: name, min, max, scale
    resolutions: list[int]
    noise: float
    seed: int
    work: float = 0.0
    shape: tuple[int, ...] = ()  # the cells of the frame chunks() last laid out

    def meta(self) -> dict[str, Any]:
        minima = np.asarray(self.surface.minima, dtype=np.float64).reshape(-1, 2).tolist()
        (x0, x1), (y0, y1) = self.surface.domain
        return {"kind": self.kind, "surface": self.surface_echo, "optimizer": self.optimizer.SPEC.name,
                "label": self.label, "params": self.optimizer.hyperparameters(), "steps": self.steps,
                "start": list(self.start), "axes": self.axes, "resolutions": self.resolutions,
                "domain": {"x": [x0, x1], "y": [y0, y1]}, "minima": minima,
                "noise": {"std": self.noise, "seed": self.seed}}

    def chunks(self, n: int) -> tuple[dict[str, Any], list[Callable[[], Any]]]:
        """One frame's grid (what the frame reports) and its work as sweep calls over slices of axis 0."""
        hp = self.optimizer.hyperparameters()
        if self.kind == "basin":
            (x0, x1), (y0, y1) = self.surface.domain
            xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
            starts = np.stack(np.meshgrid(xs, ys), axis=-1)  # (ny, nx, 2): row j is y[j]
            grid: dict[str, Any] = {"x": xs.tolist(), "y": ys.tolist()}
            rows, per_row = ys.size, xs.size

            def piece(a: int, b: int) -> Callable[[], Any]:
                return lambda: sweep(self.optimizer.SPEC.name, self.surface, self.steps,
                                     starts=starts[a:b].reshape(-1, 2), noise=self.noise, seed=self.seed, **hp)
        else:
            values = [axis_values(a["min"], a["max"], n, a["scale"]) for a in self.axes]
            grid = {"axes": [{"name": a["name"], "values": v.tolist()} for a, v in zip(self.axes, values, strict=True)]}
            rows, per_row = values[0].size, math.prod(v.size for v in values[1:])
            names = [a["name"] for a in self.axes]

            def piece(a: int, b: int) -> Callable[[], Any]:
                cut = {names[0]: values[0][a:b], **{k: v for k, v in zip(names[1:], values[1:], strict=True)}}
                return lambda: sweep(self.optimizer.SPEC.name, self.surface, self.steps,
                                     starts=np.asarray(self.start), grid=cut, noise=self.noise, seed=self.seed, **hp)
        per_chunk = chunk_rows(self.optimizer, per_row, self.steps, self.surface)
        self.shape = (rows, per_row) if self.kind == "basin" else tuple(len(a["values"]) for a in grid["axes"])
        return grid, [piece(a, min(rows, a + per_chunk)) for a in range(0, rows, per_chunk)]


def chunk_rows(optimizer: Optimizer, per_row: int, steps: int, surface: Surface) -> int:
    """Rows of cells (``per_row`` cells each) per sweep call."""
    if optimizer.elementwise:
        cells = max(MIN_CHUNK_CELLS, CHUNK_CELL_STEPS // max(1, steps))
        return max(1, cells // max(1, per_row))
    return max(1, math.floor(LBFGS_CHUNK_WORK / max(1.0, map_work(optimizer, per_row, steps, surface))))


def frame_work(optimizer: Optimizer, n: int, dims: int, steps: int, surface: Surface) -> float:
    """One frame's work: its n**dims cells in chunks of rows (n**(dims-1) cells a row), as MapJob.chunks lays
    them out."""
    per_row = n ** (dims - 1)
    calls = math.ceil(n / chunk_rows(optimizer, per_row, steps, surface))
    return map_work(optimizer, n**dims, steps, surface, calls)


def frame(index: int, n: int, grid: dict[str, Any], parts: list[Any], shape: tuple[int, ...]) -> dict[str, Any]:
    """A frame: the grid and each per-cell array, shaped like the cells (rows follow y, or the first axis)."""
    out: dict[str, Any] = {"frame": index, "resolution": n, **grid}
    for name in FIELDS:
        arr = np.concatenate([getattr(p, name) for p in parts], axis=0).reshape(shape)
        out[name] = finite_or_none(arr) if arr.dtype.kind == "f" else arr.tolist()
    return out


class MapComputation:
    """The frames of one map, computed chunk by chunk (:meth:`advance`); ``frames`` collects finished ones."""

    def __init__(self, job: MapJob) -> None:
        self.job = job
        self.level = 0
        self.frames: list[dict[str, Any]] = []
        self._start_level()

    def _start_level(self) -> None:
        self.grid, self.todo = self.job.chunks(self.job.resolutions[self.level])
        self.parts: list[Any] = []

    @property
    def done(self) -> bool:
        return self.level >= len(self.job.resolutions)

    def advance(self, budget: float) -> None:
        deadline = time.perf_counter() + budget
        while not self.done and time.perf_counter() < deadline:
            self.parts.append(self.todo[len(self.parts)]())
            if len(self.parts) == len(self.todo):
                self.frames.append(frame(self.level, self.job.resolutions[self.level], self.grid, self.parts,
                                         self.job.shape))
                self.level += 1
                if not self.done:
                    self._start_level()


def _axis_problem(i: int, msg: str, code: str, **params: Any):
    return invalid(("body", "axes", i), msg, code, **params)


def check_axes(body: MapRequest, optimizer: Optimizer) -> list[dict[str, Any]]:
    """Each axis names a numeric hyperparameter once, within its spec's range (positive on a log scale), and every
    value passes torch's own rules (the core's check, run on the finest frame's values)."""
    if body.kind == "basin":
        if body.axes:
            raise _axis_problem(0, "must be empty for a basin map (its axes are the surface's x and y)", "axis_basin")
        return []
    if not body.axes:
        raise invalid(("body", "axes"), "must hold one or two axes for a hyperparameter map", "axis_count",
                      min=1, max=2)
    spec = OPTIMIZERS[optimizer.SPEC.name]
    params = {p.name: p for p in spec.params}
    seen, out = set(), []
    for i, axis in enumerate(body.axes):
        try:
            key = grid_name(spec, axis.name)
        except ValueError as err:
            raise _axis_problem(i, f"is not a numeric hyperparameter: {err}", "axis_name", name=axis.name) from None
        if key in seen:
            raise _axis_problem(i, f"is {axis.name} a second time", "axis_repeated", name=axis.name)
        seen.add(key)
        p = params[key[0]]
        lo = p.low if p.low is not None else -math.inf
        hi = p.high if p.high is not None else math.inf
        if axis.scale == "log":
            lo = max(lo, 0.0)
        if not (lo <= axis.min < axis.max <= hi) or (axis.scale == "log" and axis.min <= 0):
            scale = " and above 0 on a log scale" if axis.scale == "log" else ""
            raise _axis_problem(i, f"must have min < max, both in [{fmt(p.low)}, {fmt(p.high)}]{scale}",
                                "axis_range", name=axis.name, min=p.low, max=p.high, scale=axis.scale)
        out.append({"name": axis.name, "min": axis.min, "max": axis.max, "scale": axis.scale})
    finest = {a["name"]: axis_values(a["min"], a["max"], body.resolution, a["scale"]) for a in out}
    try:
        _validate(optimizer, optimizer.hyperparameters(), finest)
    except ValueError as err:
        raise invalid(("body", "axes"), f"must hold only values the optimizer takes: {err}", "axis_rule",
                      why=str(err)) from None
    return out


async def prepare_map(body: MapRequest, request: Request) -> MapJob:
    resolved = await resolve_surface(body.surface)
    optimizer = OPTIMIZERS[body.optimizer].make(**body.params)
    axes = check_axes(body, optimizer)
    if not optimizer.elementwise and body.resolution ** max(1, len(axes) if axes else 2) > MAX_LBFGS_CELLS:
        raise invalid(("body", "resolution"), f"must give at most {MAX_LBFGS_CELLS} cells for "
                      f"{body.optimizer} (it runs cell by cell)", "map_lbfgs_cells", max=MAX_LBFGS_CELLS)
    resolutions = levels(body.resolution)
    dims = 2 if body.kind == "basin" else len(axes)
    total = math.ceil(sum(frame_work(optimizer, n, dims, body.steps, resolved.surface) for n in resolutions))
    if total > MAX_MAP_WORK:
        raise invalid(("body",), f"asks for {total:,} work units, more than a map's limit of {MAX_MAP_WORK:,}. "
                      "Use fewer steps or a lower resolution.", "map_work_budget", work=total, limit=MAX_MAP_WORK,
                      steps=body.steps, resolution=body.resolution)
    start = tuple(body.start) if body.start is not None else resolved.surface.start
    label = body.label if body.label is not None else OPTIMIZERS[body.optimizer].label
    return MapJob(body.kind, resolved.surface, resolved.echo, optimizer, label, body.steps, start, axes,
                  resolutions, body.noise.std, body.noise.seed, total)


MapJobDep = Annotated[MapJob, Depends(prepare_map)]


async def admit_map(job: MapJobDep, request: Request) -> AsyncIterator[Ticket]:
    async with admitted(request, job.work) as gate:
        yield gate


async def stream_map(job: MapJob, gate: Ticket, request: Request) -> AsyncIterator[ServerSentEvent]:
    async with gate.running():
        yield ServerSentEvent(event="meta", raw_data=dumps(job.meta()).decode())
        computation = MapComputation(job)
        sent = 0
        while not computation.done:
            await run_in_threadpool(computation.advance, SLICE)
            for f in computation.frames[sent:]:
                yield ServerSentEvent(event="frame", raw_data=dumps(f).decode())
            sent = len(computation.frames)
            if await request.is_disconnected():
                return
        yield ServerSentEvent(event="done", raw_data=dumps({"frames": sent}).decode())


@router.post("/api/maps", responses=BODY_ERRORS)
async def create_map(job: MapJobDep, gate: Annotated[Ticket, Depends(admit_map)], request: Request):
    """The finest frame of a basin or hyperparameter map, with the request's echo (see docs/api.md)."""
    computation = MapComputation(job)
    if not await compute_in_slices(request, gate, computation.advance, lambda: computation.done):
        return Response(status_code=CLIENT_GONE)
    return json_response(dumps({**job.meta(), "map": computation.frames[-1]}))


@router.post("/api/maps/stream", response_class=EventSourceResponse, responses=BODY_ERRORS)
async def stream_map_frames(job: MapJobDep, gate: Annotated[Ticket, Depends(admit_map)],
                            request: Request) -> AsyncIterable[ServerSentEvent]:
    """The same map as events: ``meta``, a ``frame`` per resolution (coarse first; the last equals the JSON
    answer's ``map``), then ``done``."""
    async for event in stream_map(job, gate, request):
        yield event
