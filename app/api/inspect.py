"""What ``"inspect": true`` adds to a trajectory answer, and ``GET /api/optimizers/{name}/algorithm``.

A run's recorded values (``state`` by torch's ``optimizer.state`` keys, ``grad``, ``update``, ``lr``,
``momentum``) come straight from ``optim_core.iter_run(..., record_state=True)``, windowed like the points, with
null wherever a value is not finite. The status comes from ``optim_core.status.timeline`` over the whole path:
the final :class:`~optim_core.status.RunStatus` as data, and the per-step timeline squeezed to its changes, which
is all a player needs to word the status at any step.

The algorithm boxes are served one optimizer and one language at a time: all 13 boxes with MathML for every line
and symbol come to ~246 kB raw per language (~493 kB for both), which would make ``GET /api/optimizers`` (which
every page load reads) many times heavier for a panel most visits never open.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Query, Request

from optim_core import OPTIMIZERS, Surface
from optim_core.status import timeline

from ..derived import Deriver
from ..errors import ApiError
from ..mathml import algorithm
from ..schemas import Message
from . import CATALOG_CACHE, Encoded, dumps, finite_or_none

router = APIRouter(tags=["inspect"])

RECORDED = ("grad", "update", "lr", "momentum")


def recorded(part: Any, deriver: Deriver) -> dict[str, Any]:
    """A Segment's recorded rows as JSON-ready lists, non-finite values as null, and the box's derived
    quantities of the same rows (``deriver`` is the run's, fed its segments in order)."""
    out: dict[str, Any] = {"state": {k: finite_or_none(v) for k, v in (part.state or {}).items()}}
    for name in RECORDED:
        value = getattr(part, name)
        out[name] = None if value is None else finite_or_none(value)
    derived = deriver.window(part.xy, part.state or {}, part.grad, part.lr, part.momentum)
    out["derived"] = {k: finite_or_none(v) for k, v in derived.items()}
    return out


def join(pieces: list[dict[str, Any]]) -> dict[str, Any]:
    """The recorded values of consecutive windows as one run's (what a client reassembles from a stream)."""
    out: dict[str, Any] = {"state": {}, "derived": {}}
    for piece in pieces:
        for part in ("state", "derived"):
            for k, v in piece[part].items():
                out[part].setdefault(k, []).extend(v)
        for name in RECORDED:
            if piece[name] is not None:
                out.setdefault(name, []).extend(piece[name])
    for name in RECORDED:
        out.setdefault(name, None)
    return out


def status_steps(line) -> list[list[Any]]:
    """The timeline as its changes: ``[from_step, code, reason, since]``, where ``since`` is the step the status
    counts from (converged, stalled, diverged), null for moving and oscillating (whose step is the current one)."""
    out: list[list[Any]] = []
    last = None
    for t in range(len(line)):
        code, reason = str(line.codes[t]), str(line.reasons[t])
        since = int(line.steps[t]) if code in ("converged", "stalled", "diverged") else None
        key = (code, reason, since, int(line.minimum[t]))
        if key != last:
            out.append([t, code, reason, since])
            last = key
    return out


def explain_run(optimizer: Any, surface: Surface, steps: int, xy: np.ndarray, loss: np.ndarray,
                diverged_at: int | None, lr: np.ndarray | None = None) -> dict[str, Any]:
    """``run_status`` (the final status as data), ``status_steps`` and ``diverged_point`` for one run whose
    finite points are ``xy`` and ``loss`` (as sent), in the shape ``optim_core.status.timeline`` reads."""
    n = steps + 1
    full_xy, full_loss = np.full((n, 2), np.nan), np.full(n, np.nan)
    full_xy[: len(xy)], full_loss[: len(loss)] = xy, loss
    if lr is not None:
        full_lr = np.full(n, np.nan)
        full_lr[: len(lr)] = lr
        lr = full_lr
    tr = SimpleNamespace(xy=full_xy, loss=full_loss, diverged_at=diverged_at, lr=lr, surface=surface.name,
                         optimizer=optimizer.SPEC.name, hyperparameters=optimizer.hyperparameters())
    line = timeline(tr, surface)
    final = line.at(len(line) - 1)
    point = None
    if final.code == "diverged" and "x" in final.params:
        point = [final.params["x"], final.params["y"]]
    return {"run_status": final.to_dict(), "status_steps": status_steps(line), "diverged_point": point}


# --------------------------------------------------------------------------------------------- algorithm boxes
_BOXES: dict[tuple[str, str], Encoded] = {}


def algorithm_json(name: str, lang: str) -> Encoded:
    """One box as served, made once per process (the boxes are the server's own fixed text)."""
    hit = _BOXES.get((name, lang))
    if hit is None:
        hit = _BOXES[(name, lang)] = Encoded(dumps(algorithm(name, lang)), etag=True)
    return hit


Lang = Annotated[Literal["en", "zh"], Query(description="The language of the box's words")]


@router.get("/api/optimizers/{name}/algorithm", responses={404: {"model": Message}})
async def read_algorithm(request: Request, name: str, lang: Lang = "en"):
    """The optimizer's algorithm box: each line's LaTeX and MathML, its conditions, and each symbol's MathML with
    where its value is found (a ``state`` key, a ``trace`` array, a hyperparameter, or a ``derived`` quantity)."""
    if name not in OPTIMIZERS:
        raise ApiError(404, "unknown_optimizer", f"Unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}",
                       {"name": name[:100], "choices": list(OPTIMIZERS)})
    return await algorithm_json(name, lang).response(request, CATALOG_CACHE)
