"""Why a run ended: converged, still moving, oscillating, stalled or diverged, with the reason in numbers.

:func:`explain` gives a :class:`RunStatus` for one single-start :class:`~optim_core.trajectory.Trajectory`, as of
its last point or as of step ``at`` (for playback); :func:`timeline` gives the status as of every step at once.
A status is a code, a reason and a dict of numbers; the sentence comes from :data:`STATUS_MESSAGES`, one table of
``{name}`` templates in en and zh that the API serves as data and the page words with the same templates.

Every criterion is a constant below, measured on the surface's exact gradient at the recorded points (not the
noisy one the optimizer saw). Curvature comes from the Hessian by central differences of that exact gradient
(:func:`hessian`): exact for quadratics up to rounding (~1e-10 relative), O(h²) ~ 1e-10 relative elsewhere.
Surfaces carry no second derivatives, and a typed formula's symbolic ones are not public, so this is the honest
cheap choice: four gradient evaluations per point, vectorized over the whole path.

>>> from optim_core import run
>>> explain(run("sgd", "ill_conditioned", [1.0, 0.5], 50, lr=0.03)).message("en")
'diverged at step 23: lr 0.03 is above 2/λ_max ≈ 0.02 at the start (λ_max = 100)'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backend import FLOAT, FLOAT_ERRORS
from .surfaces import Surface, get_surface
from .trajectory import BOUND_FACTOR

CONVERGE_DISTANCE = 1e-3
"""Converged: within this fraction of the domain's diagonal of a known minimum, or of the minimum θ − H⁻¹∇f of the
local quadratic model where the Hessian is positive definite (how typed surfaces, which list no minima, and the
unlisted minima of built-in ones are found)."""
CONVERGE_HOLD = 5
"""...and staying there: the last CONVERGE_HOLD points all near the same minimum (or every point since the start).
The convergence step is the first point of that stay."""
STALL_GRADIENT = 1e-3
"""Stalled: |∇f| below this fraction of the surface's gradient scale (the median |∇f| on a GRID x GRID grid of
its domain)..."""
STALL_STEPS = 10
"""...at each of the last STALL_STEPS points, which moved less than the convergence distance in all, and no
minimum near. A saddle where the Hessian has a clearly negative eigenvalue, a plateau where it has none."""
CURVATURE_TOLERANCE = 1e-2
"""An eigenvalue counts as positive or negative beyond this fraction of the curvature scale (gradient scale /
diagonal); closer to zero it counts as flat."""
OSCILLATION_WINDOW = 20
"""Oscillating: over the last OSCILLATION_WINDOW steps..."""
OSCILLATION_FLIPS = 0.5
"""...at least this fraction of consecutive step pairs reverse: the step direction turns by more than 90° or
the loss change flips sign..."""
OSCILLATION_PROGRESS = 0.1
"""...and the net move is at most this fraction of the distance travelled (zig-zagging in place)."""
GROWTH_FACTOR = 10.0
"""A diverged run whose step length grew at least this much is explained by that growth."""
GRID = 64

CODES = ("converged", "moving", "oscillating", "stalled", "diverged")

STATUS_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "converged": "converged at step {step} to the known minimum ({min_x}, {min_y})",
        "converged_local": "converged at step {step} to a local minimum near ({min_x}, {min_y}) "
                           "(gradient ≈ 0, curving up in every direction)",
        "converged_local_max": "converged at step {step} to a local maximum near ({min_x}, {min_y}) "
                               "(gradient ≈ 0, curving down in every direction)",
        "moving": "still moving at step {step}: loss {loss}, |∇f| {grad}",
        "oscillating": "oscillating at step {step}: {flips} of the last {window} steps reversed, "
                       "the net move {net} is a small part of the {travelled} travelled",
        "stalled_saddle": "stalled since step {step} at a saddle near ({x}, {y}): |∇f| {grad} is below "
                          "{grad_limit} (tiny for this surface), the curvature is {lambda_min} one way "
                          "and {lambda_max} the other",
        "stalled_plateau": "stalled since step {step} on a plateau or flat valley floor near ({x}, {y}): "
                           "|∇f| {grad} is below {grad_limit} (tiny for this surface), and the smallest "
                           "curvature {lambda_min} is nearly zero",
        "stalled_peak": "stalled since step {step} near ({x}, {y}): |∇f| {grad} is below {grad_limit} "
                        "(tiny for this surface), and the surface curves the wrong way in every direction "
                        "(curvatures {lambda_min}, {lambda_max})",
        "diverged_start": "diverged at the start: the loss is not finite there",
        "diverged_curvature": "diverged at step {step}: lr {lr} is above {rule} ≈ {limit} at the start "
                              "(λ_max = {lambda_max})",
        "diverged_curvature_path": "diverged at step {step}: lr {lr} is above {rule} ≈ {limit} at step {at} "
                                   "(λ_max = {lambda_max} there)",
        "diverged_momentum": "diverged at step {step}: momentum {momentum} > 1 amplifies every past step, "
                             "so the path grows whatever the lr",
        "diverged_climbs": "diverged at step {step}: maximize=True climbs the surface, "
                           "and the loss rose from {loss_start} to {loss_last}",
        "diverged_unbounded": "diverged at step {step}: the surface falls away without bound, the loss fell "
                              "from {loss_start} to {loss_last}, below the plot's lowest value {loss_floor}",
        "diverged_growth": "diverged at step {step}: the step grew from |Δθ| {step_small} at step {small_at} "
                           "to {step_large} at step {last_step}",
        "diverged_domain": "diverged at step {step}: the path left the plot's domain by {factor}x",
        "diverged_jump": "diverged at step {step}: the step from ({x}, {y}) landed where the loss is not finite, "
                         "or over {bound}x the plot's size away",
    },
    "zh": {
        "converged": "在第 {step} 步收敛到已知极小点 ({min_x}, {min_y})",
        "converged_local": "在第 {step} 步收敛到 ({min_x}, {min_y}) 附近的局部极小点（梯度 ≈ 0，各方向都向上弯）",
        "converged_local_max": "在第 {step} 步收敛到 ({min_x}, {min_y}) 附近的局部极大点（梯度 ≈ 0，各方向都向下弯）",
        "moving": "第 {step} 步仍在移动：损失 {loss}，|∇f| {grad}",
        "oscillating": "第 {step} 步在振荡：最近 {window} 步中有 {flips} 步反向，"
                       "净位移 {net} 只占走过路程 {travelled} 的一小部分",
        "stalled_saddle": "自第 {step} 步起停滞在 ({x}, {y}) 附近的鞍点：|∇f| {grad} 低于 {grad_limit}"
                          "（对这个曲面而言极小），一个方向曲率为 {lambda_min}，另一个方向为 {lambda_max}",
        "stalled_plateau": "自第 {step} 步起停滞在 ({x}, {y}) 附近的平台或平坦谷底：|∇f| {grad} 低于 "
                           "{grad_limit}（对这个曲面而言极小），最小曲率 {lambda_min} 也接近零",
        "stalled_peak": "自第 {step} 步起停滞在 ({x}, {y}) 附近：|∇f| {grad} 低于 {grad_limit}"
                        "（对这个曲面而言极小），且曲面在各方向都朝错误的方向弯（曲率 {lambda_min}、{lambda_max}）",
        "diverged_start": "在起点就发散：那里的损失不是有限值",
        "diverged_curvature": "在第 {step} 步发散：lr {lr} 大于起点处的 {rule} ≈ {limit}（λ_max = {lambda_max}）",
        "diverged_curvature_path": "在第 {step} 步发散：lr {lr} 大于第 {at} 步处的 {rule} ≈ {limit}"
                                   "（那里 λ_max = {lambda_max}）",
        "diverged_momentum": "在第 {step} 步发散：动量 {momentum} > 1 会放大过去的每一步，无论 lr 多小路径都会增长",
        "diverged_climbs": "在第 {step} 步发散：maximize=True 沿曲面向上爬，损失从 {loss_start} 升到 {loss_last}",
        "diverged_unbounded": "在第 {step} 步发散：曲面在这个方向上无下界，损失从 {loss_start} 降到 {loss_last}，"
                              "低于图中最低值 {loss_floor}",
        "diverged_growth": "在第 {step} 步发散：步长 |Δθ| 从第 {small_at} 步的 {step_small} "
                           "增长到第 {last_step} 步的 {step_large}",
        "diverged_domain": "在第 {step} 步发散：路径离开了图的范围，远达 {factor} 倍",
        "diverged_jump": "在第 {step} 步发散：从 ({x}, {y}) 出发的一步落到了损失不是有限值的地方，"
                         "或超出图的范围 {bound} 倍以上",
    },
}


def format_number(value: Any) -> str:
    """How a parameter reads in a message: integers as they are, other numbers to 4 significant digits."""
    if isinstance(value, (bool, str)) or value is None:
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    return "0" if v == 0 else re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{v:.4g}")  # 1e6, not 1e+06


@dataclass(frozen=True)
class RunStatus:
    """A run's status as of one step: ``code`` (one of :data:`CODES`), ``reason`` (its variant, "" if none),
    ``step`` (when it converged, stalled or diverged; the current step when moving or oscillating), ``minimum``
    (index into the surface's ``minima``, or None) and ``params``, the numbers its message needs.

    For ``diverged``, ``params`` holds the point to mark: ``last_step``, ``x``, ``y`` (the last finite point).
    """

    code: str
    step: int
    minimum: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def key(self) -> str:
        """The template's key in :data:`STATUS_MESSAGES`."""
        return f"{self.code}_{self.reason}" if self.reason else self.code

    def message(self, lang: str = "en") -> str:
        if lang not in STATUS_MESSAGES:
            raise ValueError(f"Invalid lang {lang!r} (lang must be one of: {', '.join(STATUS_MESSAGES)})")
        words = {k: format_number(v) for k, v in self.params.items()}
        return STATUS_MESSAGES[lang][self.key].format(step=self.step, **words)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite numbers become None), as the API sends it."""
        def plain(v):
            if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
                return int(v)
            if isinstance(v, (np.floating, float)):
                return float(v) if math.isfinite(v) else None
            return v

        return {"code": self.code, "reason": self.reason, "key": self.key, "step": self.step,
                "minimum": self.minimum, "params": {k: plain(v) for k, v in self.params.items()}}


def hessian(surface: Surface, points) -> np.ndarray:
    """Hessians (..., 2, 2) at points (..., 2): central differences of the exact gradient, symmetrized.

    The step h = eps^(1/3) max(1, |θ|) balances the O(h²) truncation against the rounding of g / h (|g| grows
    with |θ|, so h scales with the whole point, not one coordinate); the divisor is the difference of the two
    points as actually rounded. A quadratic's Hessian comes out exact to ~1e-10 relative.
    """
    p = np.asarray(points, dtype=np.float64)
    size = np.maximum(1.0, np.linalg.norm(p, axis=-1, keepdims=True))
    h = np.cbrt(np.finfo(np.float64).eps) * np.broadcast_to(size, p.shape)
    cols = []
    with np.errstate(all="ignore"):
        for j in range(2):
            up, down = p.copy(), p.copy()
            up[..., j] += h[..., j]
            down[..., j] -= h[..., j]
            cols.append((surface.grad(up) - surface.grad(down)) / (up[..., j] - down[..., j])[..., None])
    hess = np.stack(cols, axis=-1)
    return 0.5 * (hess + np.swapaxes(hess, -1, -2))


def _eig(hess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The eigenvalues (lower, upper) of symmetric 2x2 matrices, in closed form."""
    a, b, c = hess[..., 0, 0], hess[..., 0, 1], hess[..., 1, 1]
    mid, rad = 0.5 * (a + c), np.hypot(0.5 * (a - c), b)
    return mid - rad, mid + rad


_SCALES: dict[int, tuple[Surface, tuple[float, float, float]]] = {}


def surface_scales(surface: Surface) -> tuple[float, float, float]:
    """(gradient scale, domain diagonal, lowest value) over the surface's domain grid; cached per surface."""
    hit = _SCALES.get(id(surface))
    if hit is not None and hit[0] is surface:
        return hit[1]
    (x0, x1), (y0, y1) = surface.domain
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)), axis=-1)
    with np.errstate(all="ignore"):
        g = np.linalg.norm(surface.grad(grid), axis=-1)
    g = g[np.isfinite(g)]
    scale = float(np.median(g)) if g.size else 1.0
    low = math.inf
    for x, y in grid.reshape(-1, 2).tolist():  # fg on floats: the one evaluation every surface keeps
        try:
            value = surface.fg(x, y, FLOAT)[0]
        except FLOAT_ERRORS:
            continue
        low = min(low, value) if math.isfinite(value) else low
    scales = (scale if scale > 0 else 1.0, math.hypot(x1 - x0, y1 - y0), low if low < math.inf else -math.inf)
    if len(_SCALES) >= 128:  # a bounded cache: typed surfaces are many
        _SCALES.pop(next(iter(_SCALES)))
    _SCALES[id(surface)] = (surface, scales)  # keeping the surface keeps its id from being reused
    return scales


def _run_start(flags: np.ndarray, moved: np.ndarray | None = None) -> np.ndarray:
    """For each index, where the current run of equal values (and no ``moved`` break) began."""
    change = np.ones(flags.shape, dtype=bool)
    change[1:] = flags[1:] != flags[:-1]
    if moved is not None:
        change |= moved
    return np.maximum.accumulate(np.where(change, np.arange(flags.size), 0))


def _window_sum(v: np.ndarray, w: int) -> np.ndarray:
    """s[i] = v[i-w+1] + ... + v[i] (fewer terms near the start)."""
    c = np.concatenate([[0.0], np.cumsum(v, dtype=np.float64)])
    i = np.arange(v.size)
    return c[i + 1] - c[np.maximum(0, i - w + 1)]


@dataclass(frozen=True)
class Timeline:
    """The status as of every step t = 0..steps, for the whole playback at once: ``codes``, ``reasons`` (strings),
    ``steps`` and ``minimum`` (ints, -1 for none), each shaped (steps+1,); :meth:`at` gives the full
    :class:`RunStatus`, numbers included, for one step."""

    codes: np.ndarray
    reasons: np.ndarray
    steps: np.ndarray
    minimum: np.ndarray
    diverged: RunStatus | None
    _f: dict[str, np.ndarray] = field(repr=False)

    def __len__(self) -> int:
        return self.codes.size

    def at(self, t: int) -> RunStatus:
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t < len(self):
            raise ValueError(f"Invalid at value: {t!r} (at must be an integer in [0, {len(self) - 1}])")
        t = int(t)
        code, f = str(self.codes[t]), self._f
        if code == "diverged":
            return self.diverged
        step = int(self.steps[t])
        if code == "converged":
            label = int(f["label"][t])
            if label >= 0:
                mx, my = f["minima"][label]
                return RunStatus(code, step, label, {"min_x": float(mx), "min_y": float(my)})
            # The estimate is good to the Hessian's ~1e-10; far below that a coordinate is rounding noise.
            est = np.where(np.abs(f["newton"][t]) < 1e-9 * f["diag"], 0.0, f["newton"][t])
            return RunStatus(code, step, None, {"min_x": float(est[0]), "min_y": float(est[1])},
                             "local_max" if f["maximize"] else "local")
        if code == "stalled":
            lo, hi = float(f["lo"][t]), float(f["hi"][t])
            x, y = f["xy"][t]
            return RunStatus(code, step, None, {"x": float(x), "y": float(y), "grad": float(f["grad"][t]),
                                                "grad_limit": f["grad_limit"], "lambda_min": lo,
                                                "lambda_max": hi}, str(f["kind"][t]))
        if code == "oscillating":
            return RunStatus(code, step, None, {"flips": int(f["flips"][t]), "window": OSCILLATION_WINDOW,
                                                "net": float(f["net"][t]), "travelled": float(f["travelled"][t])})
        return RunStatus(code, step, None, {"loss": float(f["loss"][t]), "grad": float(f["grad"][t])})


def _single(trajectory, surface) -> Surface:
    if trajectory.xy.ndim != 2:
        raise ValueError("explain() needs a single-start trajectory (use trajectory.row(i) for a batch)")
    if surface is None:
        if trajectory.surface == "custom":
            raise ValueError("A typed surface must be passed as surface= (the trajectory keeps only its name)")
        return get_surface(trajectory.surface)
    surface = get_surface(surface)
    if surface.name != trajectory.surface:
        raise ValueError(f"Invalid surface {surface.name!r} (the trajectory ran on {trajectory.surface!r})")
    return surface


def timeline(trajectory, surface: Surface | str | None = None) -> Timeline:
    """The status of a single-start run as of each of its steps (see the criteria above)."""
    surf = _single(trajectory, surface)
    hp = trajectory.hyperparameters
    maximize = bool(hp.get("maximize", False))
    scale, diag, floor = surface_scales(surf)
    tol, curv = CONVERGE_DISTANCE * diag, CURVATURE_TOLERANCE * scale / diag
    total = trajectory.xy.shape[0]
    at = trajectory.diverged_at
    n = total if at is None else int(at)  # points 0..n-1 are finite
    xy, loss = trajectory.xy[:n], trajectory.loss[:n]
    with np.errstate(all="ignore"):
        grad = surf.grad(xy).reshape(n, 2)
        hess = hessian(surf, xy).reshape(n, 2, 2)
        f_lo, f_hi = _eig(hess)
        lo, hi = (-f_hi, -f_lo) if maximize else (f_lo, f_hi)  # maximizing is minimizing -f
        # The local model's minimum θ - H⁻¹∇f (the same point for f and -f): Cramer's rule on each 2x2.
        a, b, c = hess[:, 0, 0], hess[:, 0, 1], hess[:, 1, 1]
        det = a * c - b * b
        newton = xy - np.column_stack([c * grad[:, 0] - b * grad[:, 1], a * grad[:, 1] - b * grad[:, 0]]) / det[:, None]
    gnorm = np.linalg.norm(grad, axis=-1)
    minima = np.asarray(surf.minima, dtype=np.float64).reshape(-1, 2)

    # Which minimum each point is near: -1 none, i a known one, -2 an unlisted local one.
    label = np.full(n, -1)
    near_local = (lo > curv) & (np.linalg.norm(newton - xy, axis=-1) <= tol)
    if minima.size and not maximize:
        dist = np.linalg.norm(xy[:, None, :] - minima[None], axis=-1)
        nearest = dist.argmin(axis=1)
        label = np.where(dist[np.arange(n), nearest] <= tol, nearest, -1)
        # The local model's minimum may itself be a known one.
        dist_est = np.linalg.norm(newton[:, None, :] - minima[None], axis=-1)
        est = dist_est.argmin(axis=1)
        label = np.where((label < 0) & near_local, np.where(dist_est[np.arange(n), est] <= tol, est, -2), label)
    else:
        label = np.where(near_local, -2, label)
    idx = np.arange(n)
    # An unlisted minimum is "the same" while its estimate stays within the tolerance.
    hop = np.zeros(n, dtype=bool)
    hop[1:] = (label[1:] == -2) & (np.linalg.norm(np.diff(newton, axis=0), axis=-1) > tol)
    since = _run_start(label, hop)
    converged = (label != -1) & ((idx - since + 1 >= CONVERGE_HOLD) | (since == 0))

    tiny = gnorm <= STALL_GRADIENT * scale
    tiny_since = np.where(tiny, _run_start(tiny), 0)
    back = np.maximum(0, idx - STALL_STEPS + 1)
    stalled = tiny & (idx - tiny_since + 1 >= STALL_STEPS) & (np.linalg.norm(xy - xy[back], axis=-1) <= tol)
    stalled &= ~converged
    kind = np.where(lo < -curv, np.where(hi < -curv, "peak", "saddle"), "plateau")

    # Oscillation over the last W steps: reversals of the step direction or of the loss change.
    w = OSCILLATION_WINDOW
    d = np.diff(xy, axis=0)
    dl = np.diff(loss)
    rev = np.zeros(n)
    if n > 2:
        rev[2:] = (np.einsum("ij,ij->i", d[1:], d[:-1]) < 0) | (dl[1:] * dl[:-1] < 0)
    flips = _window_sum(rev, w - 1)
    travelled = _window_sum(np.concatenate([[0.0], np.linalg.norm(d, axis=-1)]), w)
    net = np.linalg.norm(xy - xy[np.maximum(0, idx - w)], axis=-1)
    oscillating = ((idx >= w) & (flips >= OSCILLATION_FLIPS * (w - 1)) & (net <= OSCILLATION_PROGRESS * travelled)
                   & ~converged & ~stalled)

    codes = np.full(total, "diverged", dtype="<U11")
    steps = np.full(total, -1 if at is None else int(at))
    codes[:n] = np.where(converged, "converged", np.where(stalled, "stalled",
                                                          np.where(oscillating, "oscillating", "moving")))
    steps[:n] = np.where(converged, since, np.where(stalled, tiny_since, idx))
    reasons = np.full(total, "", dtype="<U16")
    reasons[:n] = np.where(stalled, kind, np.where(converged & (label == -2),
                                                   "local_max" if maximize else "local", ""))
    minimum = np.full(total, -1)
    minimum[:n] = np.where(converged, np.maximum(label, -1), -1)
    feats = {"label": label, "minima": minima, "newton": newton, "maximize": maximize, "lo": f_lo, "hi": f_hi,
             "xy": xy, "grad": gnorm, "kind": kind, "flips": flips, "net": net, "travelled": travelled,
             "loss": loss, "diag": diag, "grad_limit": STALL_GRADIENT * scale}
    diverged = None if at is None else _divergence(trajectory, surf, xy, loss, hess, floor, diag, int(at))
    if diverged is not None:
        reasons[n:] = diverged.reason
    return Timeline(codes, reasons, steps, minimum, diverged, feats)


def explain(trajectory, surface: Surface | str | None = None, *, at: int | None = None) -> RunStatus:
    """Why a single-start run is where it is: its status as of step ``at`` (default: its last step).

    ``surface`` defaults to the trajectory's built-in surface; a typed one must be passed.
    """
    line = timeline(trajectory, surface)
    return line.at(len(line) - 1 if at is None else at)


# ------------------------------------------------------------------------------------------------- divergence


def stability_rule(optimizer: str, hp: dict[str, Any]) -> tuple[str, float, float] | None:
    """(rule, c, extra): on f = ½λθ², this optimizer's iteration is stable iff lr (λ + extra) < c; None where no
    such rule holds (adaptive steps, line searches).

    GD θ ← θ − lr λθ: |1 − lr λ| < 1, so lr < 2/λ. Heavy ball (torch's SGD momentum β, dampening τ, b ← βb +
    (1−τ)g, θ ← θ − lr b): the iteration matrix has trace 1 + β − a and determinant β with a = lr(1−τ)λ, and Jury's
    criterion gives 0 < a < 2(1+β) (Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017). Nesterov as torch
    writes it (b ← βb + g, θ ← θ − lr(g + βb)) has trace (1+β)(1−a) and determinant β(1−a) with a = lr λ; Jury's
    |trace| < 1 + det gives a < 2(1+β)/(1+2β) (derived here, and checked on real runs just either side of it in
    tests/core/test_status.py). ASGD: θ ← θ(1 − λ_d η) − η g, so η(λ + λ_d) < 2. Weight decay adds to λ in each.
    """
    wd = float(hp.get("weight_decay", 0.0))
    if optimizer == "asgd":
        return "2/λ_max", 2.0, wd + float(hp.get("lambd", 0.0))
    if optimizer != "sgd":
        return None
    beta, damp = float(hp.get("momentum", 0.0)), float(hp.get("dampening", 0.0))
    if beta == 0:
        return "2/λ_max", 2.0, wd
    if hp.get("nesterov"):
        return "2(1+β)/((1+2β)λ_max)", 2 * (1 + beta) / (1 + 2 * beta), wd
    if damp >= 1:  # the gradient never enters the buffer after the first step
        return None
    return ("2(1+β)/λ_max" if damp == 0 else "2(1+β)/((1−τ)λ_max)"), 2 * (1 + beta) / (1 - damp), wd


def _lr_per_step(trajectory, optimizer: str, hp: dict[str, Any], count: int) -> np.ndarray:
    """The step size used by the step from point j, for j < count."""
    lr = getattr(trajectory, "lr", None)  # recorded per step (row 0 NaN) where the trajectory has it
    if isinstance(lr, np.ndarray) and lr.shape[:1] == (trajectory.xy.shape[0],) and lr.ndim == 1:
        return lr[1:count + 1]
    base = float(hp.get("lr", 0.0))
    if optimizer == "asgd":  # eta after j steps, as torch's ASGD updates it
        j = np.arange(count, dtype=np.float64)
        return base / (1 + float(hp.get("lambd", 0.0)) * base * j) ** float(hp.get("alpha", 0.75))
    return np.full(count, base)


def _divergence(trajectory, surf: Surface, xy, loss, hess, floor: float, diag: float, at: int) -> RunStatus:
    if at == 0:
        return RunStatus("diverged", 0, None, {}, "start")
    hp, name = trajectory.hyperparameters, trajectory.optimizer
    last = at - 1
    x, y = float(xy[last, 0]), float(xy[last, 1])
    mark = {"last_step": last, "x": x, "y": y, "loss_start": float(loss[0]), "loss_last": float(loss[last])}

    def status(reason: str, **more) -> RunStatus:
        return RunStatus("diverged", at, None, {**mark, **more}, reason)

    maximize = bool(hp.get("maximize"))
    if maximize and loss[last] > loss[0]:
        return status("climbs")
    if name == "sgd" and float(hp.get("momentum", 0.0)) > 1:  # det = β > 1: unstable whatever the lr
        return status("momentum", momentum=float(hp["momentum"]))
    rule = stability_rule(name, hp)
    if rule is not None:
        text, c, extra = rule
        lam = _eig(-hess if maximize else hess)[1] + extra
        lr = _lr_per_step(trajectory, name, hp, at)
        with np.errstate(all="ignore"):
            over = (lam > 0) & (lr * lam > c)
        if over.any():
            j = int(over.argmax())
            return status("curvature" if j == 0 else "curvature_path", lr=float(lr[j]), rule=text,
                          limit=c / float(lam[j]), lambda_max=float(lam[j]), at=j)
    if not maximize and loss[last] < loss[0] and loss[last] < floor:
        return status("unbounded", loss_floor=floor)
    moves = np.linalg.norm(np.diff(xy, axis=0), axis=-1)
    if moves.size >= 2:
        # Growth counts from the last step of an ordinary size (a tenth of the plot's diagonal), else the smallest.
        ordinary = np.flatnonzero((moves[:-1] > 0) & (moves[:-1] <= 0.1 * diag))
        small = int(ordinary[-1]) if ordinary.size else int(np.where(moves[:-1] > 0, moves[:-1], np.inf).argmin())
        if moves[-1] >= GROWTH_FACTOR * moves[small] > 0:
            return status("growth", step_small=float(moves[small]), small_at=small + 1,
                          step_large=float(moves[-1]))
    (x0, x1), (y0, y1) = surf.domain
    factor = math.hypot(x - 0.5 * (x0 + x1), y - 0.5 * (y0 + y1)) / (0.5 * diag)  # from the centre, in half-diagonals
    if factor > 2:
        return status("domain", factor=factor)
    # The first bad point is not recorded (run() keeps finite points only), so one step can only be bounded.
    return status("jump", bound=BOUND_FACTOR)


__all__ = ["CODES", "STATUS_MESSAGES", "RunStatus", "Timeline", "explain", "timeline", "hessian", "stability_rule",
           "surface_scales", "format_number", "CONVERGE_DISTANCE", "CONVERGE_HOLD", "STALL_GRADIENT", "STALL_STEPS",
           "CURVATURE_TOLERANCE", "OSCILLATION_WINDOW", "OSCILLATION_FLIPS", "OSCILLATION_PROGRESS",
           "GROWTH_FACTOR"]
