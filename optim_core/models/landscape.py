"""Pictures of a training's loss: the shared landscape slice, the ``line`` model's (w, b) surface, and a
classifier's decision map over the input plane. Every grid is computed in batched forward passes, never a Python
loop over its points.

The landscape slice is Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets" (§4, filter-wise
normalization): two random Gaussian directions ``d1``, ``d2`` in parameter space, each rescaled filter by filter to
the norm of the centre's own filter, and the loss on the plane ``center + a·d1 + b·d2``. One plane serves every run
of a comparison: each run's path is projected onto it by least squares, which is what lets optimizers be compared
on one picture (PCA of each path gives each run a plane of its own).

Filters, for these fully connected nets: each row of a weight matrix (one output unit's incoming weights), and each
layer's bias vector as one filter. Li et al. zero the bias directions; here that would leave ``line``'s plane with
one dimension (its only weight is one filter), so biases get directions like weights. A filter of one entry would
be rescaled to ±|c|, the same two values for d1 and d2 up to sign; such a filter keeps its Gaussian draw times |c|.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .nets import Network

CHUNK_VALUES = 2_000_000  # floats in one batched layer output (~16 MB): grid rows are evaluated this many at a time


@dataclass
class Landscape:
    """``loss[j, i]`` is the full-batch loss at ``center + alpha[i]·d1 + beta[j]·d2`` (NaN where not finite), and
    ``paths[k]`` (rows, 2) is run k's parameter rows projected onto the plane, as (alpha, beta) coordinates."""

    center: np.ndarray = field(repr=False)
    d1: np.ndarray = field(repr=False)
    d2: np.ndarray = field(repr=False)
    alpha: np.ndarray = field(repr=False)
    beta: np.ndarray = field(repr=False)
    loss: np.ndarray = field(repr=False)
    paths: list[np.ndarray] = field(repr=False)
    seed: int = 0


def _row_losses(net: Network, out: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The mean loss of each row of outputs ``out`` (G, n), by the same formulas as :meth:`Network._loss`."""
    if net.classifier:
        log_sigmoid = np.minimum(out, 0.0) - np.log1p(np.exp(-np.abs(out)))
        return np.mean((1.0 - y) * out - log_sigmoid, axis=-1)
    d = out - y
    return np.mean(d * d, axis=-1)


def outputs(net: Network, params: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The network's outputs (G, n) for G parameter vectors ``params`` (G, P) at once: a batched forward pass."""
    G = len(params)
    a = np.broadcast_to(X, (G, *X.shape))
    last = len(net._layers) - 1
    for i, (w, b, shape) in enumerate(net._layers):
        W = params[:, w].reshape(G, *shape)
        z = a @ W.transpose(0, 2, 1) + params[:, b][:, None, :]
        a = z if i == last else net._hidden(z)
    return a[..., 0]


def batch_losses(net: Network, params: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The full-batch loss of each row of ``params`` (G, P), in chunks that keep memory bounded."""
    params = np.asarray(params, dtype=np.float64).reshape(-1, net.n_params)
    out = np.empty(len(params))
    rows = max(1, CHUNK_VALUES // (len(X) * max(net.sizes)))
    with np.errstate(all="ignore"):
        for s in range(0, len(params), rows):
            out[s:s + rows] = _row_losses(net, outputs(net, params[s:s + rows], X), y)
    return out


def _filters(net: Network) -> list[slice]:
    out = []
    for w, b, (fan_out, fan_in) in net._layers:
        out += [slice(w.start + r * fan_in, w.start + (r + 1) * fan_in) for r in range(fan_out)]
        out.append(b)
    return out


def directions(net: Network, center: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two filter-normalized Gaussian directions around ``center``, drawn with ``np.random.default_rng(seed)``
    (d1's P values, then d2's)."""
    rng = np.random.default_rng(seed)
    pair = rng.standard_normal((2, net.n_params))
    for f in _filters(net):
        c = np.linalg.norm(center[f])
        for d in pair:
            if d[f].size == 1:
                d[f] *= c
            else:
                d[f] *= c / np.linalg.norm(d[f])
    return pair[0], pair[1]


def project(paths: list[np.ndarray], center: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> list[np.ndarray]:
    """Each path (rows, P) as plane coordinates (rows, 2): least squares of ``row - center`` on [d1 d2]. Rows that
    are not finite (after a divergence) stay NaN."""
    D = np.stack([d1, d2], axis=1)
    out = []
    for path in paths:
        path = np.asarray(path, dtype=np.float64)
        xy = np.full((len(path), 2), np.nan)
        ok = np.isfinite(path).all(axis=1)
        if ok.any():
            xy[ok] = np.linalg.lstsq(D, (path[ok] - center).T, rcond=None)[0].T
        out.append(xy)
    return out


def _axis(span: float, n: int) -> np.ndarray:
    """``n`` (odd) points on [-span, span] whose middle one is exactly 0, so the grid's centre is the centre."""
    mid = (n - 1) // 2
    return span * ((np.arange(n) - mid) / mid)


def landscape(net: Network, X: np.ndarray, y: np.ndarray, paths: list[np.ndarray], *, center=None, n: int = 31,
              seed: int = 0, span: float | None = None) -> Landscape:
    """The shared slice for a comparison of runs: ``paths`` are their parameter rows (rows, P), ``center`` the
    plane's origin (default: the last finite row of the first path, where the first run ended), ``n`` (odd) the
    grid points per axis, ``span`` the half-width in units of the directions (default: 1.25 x the farthest
    projected point, or 1 if every path sits at the centre).

    >>> from optim_core.models import train, make_model
    >>> tr = train("logistic", "moons", "adam", 20, lr=0.05)
    >>> net = make_model("logistic", 2)[0]
    >>> ls = landscape(net, tr.X, tr.y, [tr.params], n=11)
    >>> ls.loss.shape, ls.paths[0][-1].round(12).tolist()
    ((11, 11), [0.0, 0.0])
    """
    if n < 3 or n % 2 == 0:
        raise ValueError(f"Invalid n value: {n} (n must be an odd integer >= 3)")
    if center is None:
        first = np.asarray(paths[0], dtype=np.float64)
        finite = first[np.isfinite(first).all(axis=1)]
        center = finite[-1]
    center = np.asarray(center, dtype=np.float64)
    d1, d2 = directions(net, center, seed)
    projected = project(paths, center, d1, d2)
    if span is None:
        reach = max((np.nanmax(np.abs(p)) for p in projected if np.isfinite(p).any()), default=0.0)
        span = 1.25 * reach if reach > 0 else 1.0
    alpha, beta = _axis(span, n), _axis(span, n)
    A, B = np.meshgrid(alpha, beta)  # A[j, i] = alpha[i], B[j, i] = beta[j]
    grid = center + A.reshape(-1, 1) * d1 + B.reshape(-1, 1) * d2
    loss = batch_losses(net, grid, X, y).reshape(n, n)
    loss[~np.isfinite(loss)] = np.nan
    return Landscape(center, d1, d2, alpha, beta, loss, projected, seed)


def line_surface(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray, batch=None) -> np.ndarray:
    """The ``line`` model's loss over a (w, b) grid: ``out[j, i]`` = mean((w[i]·x + b[j] - y)²) over the samples
    ``batch`` (indices; None for the full batch), computed as the model computes one loss (x·w + b, then the mean
    of the squared differences)."""
    x = np.asarray(X, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64)
    if batch is not None:
        x, y = x[batch], y[batch]
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    out = np.empty((len(b), len(w)))
    rows = max(1, CHUNK_VALUES // max(1, len(w) * len(x)))
    with np.errstate(all="ignore"):
        for s in range(0, len(b), rows):
            d = x * w[None, :, None] + b[s:s + rows, None, None] - y
            out[s:s + rows] = np.mean(d * d, axis=-1)
    return out


def decision_map(net: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A classifier's probability of class 1 over the input plane: ``out[j, i]`` = sigmoid(logit(x[i], y[j]))
    for each row of ``params`` (F, P): shape (F, len(y), len(x)). For 2-D inputs only."""
    if net.sizes[0] != 2:
        raise ValueError(f"a decision map needs 2-D inputs, not {net.sizes[0]}")
    X, Y = np.meshgrid(x, y)
    points = np.stack([X.ravel(), Y.ravel()], axis=1)
    params = np.asarray(params, dtype=np.float64).reshape(-1, net.n_params)
    with np.errstate(all="ignore"):
        logits = outputs(net, params, points)
        return (1.0 / (1.0 + np.exp(-logits))).reshape(len(params), len(y), len(x))
