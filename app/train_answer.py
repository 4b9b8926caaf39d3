"""The pictures of a finished training comparison, as the JSON of ``POST /api/train`` (see docs/api.md).

The browser draws and never computes the model, so everything it shows is computed here: the shared landscape slice
(grid and each run's projected path), the ``line`` model's (w, b) loss surfaces, and the classifiers' decision maps.
What is thinned, and how, is said once here:

- ``loss``, ``batch_loss``, ``accuracy``: never thinned (every step);
- ``weights``: the parameter rows the core kept (:class:`optim_core.models.Training`), thinned to every k-th row
  plus the last, k the smallest stride that keeps rows x P within ``PAGE_PARAM_VALUES``; ``weight_steps`` says which;
- ``path`` (the projection onto the slice): the kept rows thinned the same way to at most ``PATH_POINTS`` points;
- ``heatmaps``: ``HEATMAP_FRAMES`` kept rows, evenly spaced from step 0 to the last finite row.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from optim_core.models import Training, landscape, line_surface
from optim_core.models.landscape import decision_map

from .api import finite_or_none
from .limits import HEATMAP_FRAMES, HEATMAP_GRID, LINE_GRID, PAGE_PARAM_VALUES

PATH_POINTS = 2000  # points of a run's projected path on the landscape slice
MARGIN = 0.15  # extra room around the data (decision maps) and the paths (line's surface), per side


def thinned(n_rows: int, max_rows: int) -> np.ndarray:
    """Indices 0, k, 2k, ... and the last, k the smallest stride that keeps at most ``max_rows`` (+1) rows."""
    stride = max(1, math.ceil(n_rows / max(1, max_rows)))
    idx = np.arange(0, n_rows, stride)
    return idx if idx[-1] == n_rows - 1 else np.append(idx, n_rows - 1)


def _finite_rows(tr: Training) -> np.ndarray:
    return np.flatnonzero(np.isfinite(tr.params).all(axis=1))


def center_of(trainings: list[Training], run: int, step: int | None) -> tuple[np.ndarray, int]:
    """The slice's centre: run ``run``'s kept row at ``step`` (the nearest kept finite step at or before it), or
    where that run ended; and the step it is."""
    tr = trainings[run]
    rows = _finite_rows(tr)
    if step is not None:
        before = rows[tr.param_steps[rows] <= step]
        rows = before if len(before) else rows[:1]
    i = rows[-1]
    return tr.params[i], int(tr.param_steps[i])


def _box(values: np.ndarray, min_width: float) -> list[float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = max(hi - lo, min_width) * MARGIN + max(0.0, min_width - (hi - lo)) / 2
    return [lo - pad, hi + pad]


def line_pictures(trainings: list[Training]) -> dict[str, Any]:
    """line's loss over a (w, b) box holding every path and the least-squares fit: full batch, and the first
    minibatch of the first epoch (the jitter of a minibatch path is this surface moving under it)."""
    tr = trainings[0]
    x, y = tr.X[:, 0], tr.y
    fit = np.linalg.lstsq(np.stack([x, np.ones_like(x)], 1), y, rcond=None)[0]
    points = np.concatenate([t.params[_finite_rows(t)] for t in trainings] + [fit[None, :]])
    w = np.linspace(*_box(points[:, 0], 0.5), LINE_GRID)
    b = np.linspace(*_box(points[:, 1], 0.5), LINE_GRID)
    batch = None if tr.batch_size is None else tr.order[0][:tr.batch_size]
    return {"w": w.tolist(), "b": b.tolist(), "loss": finite_or_none(line_surface(tr.X, y, w, b)),
            "batch_loss": None if batch is None else finite_or_none(line_surface(tr.X, y, w, b, batch=batch)),
            "batch": None if batch is None else batch.tolist(), "fit": fit.tolist()}


def heatmap_axes(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (np.linspace(*_box(X[:, 0], 0.5), HEATMAP_GRID), np.linspace(*_box(X[:, 1], 0.5), HEATMAP_GRID))


def live_heatmap(net, params: np.ndarray, steps: np.ndarray, axes) -> dict[str, Any] | None:
    """The decision map at the last finite row of ``params`` (the kept rows so far, at ``steps``), for a ``points``
    event: rounded to 4 decimals, a picture to draw while training (``done`` carries the exact maps). None before
    any finite row."""
    finite = np.flatnonzero(np.isfinite(params).all(axis=1))
    if not len(finite):
        return None
    i = finite[-1]
    return {"step": int(steps[i]), "p": finite_or_none(np.round(decision_map(net, params[i], *axes)[0], 4))}


def heatmaps(net, tr: Training, axes) -> dict[str, Any]:
    rows = _finite_rows(tr)
    pick = rows[np.unique(np.round(np.linspace(0, len(rows) - 1, HEATMAP_FRAMES)).astype(int))]
    maps = decision_map(net, tr.params[pick], *axes)
    return {"steps": tr.param_steps[pick].tolist(), "p": [finite_or_none(m) for m in maps]}


def pictures(net, trainings: list[Training], options) -> dict[str, Any]:
    """Everything drawn after training: ``{"landscape", "surface", "heatmap_axes", "runs": [per run]}``."""
    center, center_step = center_of(trainings, options.run, options.step)
    paths = [tr.params[thinned(len(tr.params), PATH_POINTS)] for tr in trainings]
    ls = landscape(net, trainings[0].X, trainings[0].y, paths, center=center, n=options.grid, seed=options.seed)
    out: dict[str, Any] = {
        "landscape": {"alpha": ls.alpha.tolist(), "beta": ls.beta.tolist(), "loss": finite_or_none(ls.loss),
                      "center": {"run": options.run, "step": center_step}, "seed": options.seed},
        "surface": line_pictures(trainings) if trainings[0].model == "line" else None,
        "heatmap_axes": None, "runs": []}
    axes = None
    if net.classifier and net.sizes[0] == 2:
        axes = heatmap_axes(trainings[0].X)
        out["heatmap_axes"] = {"x": axes[0].tolist(), "y": axes[1].tolist()}
    for tr, path in zip(trainings, ls.paths, strict=True):
        keep = thinned(len(tr.params), PATH_POINTS)
        weights = thinned(len(tr.params), PAGE_PARAM_VALUES // tr.n_params)
        out["runs"].append({
            "weights": finite_or_none(tr.params[weights]), "weight_steps": tr.param_steps[weights].tolist(),
            "path": finite_or_none(path), "path_steps": tr.param_steps[keep].tolist(),
            "heatmaps": None if axes is None else heatmaps(net, tr, axes)})
    return out
