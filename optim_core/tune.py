"""``tune()``: a fair comparison. Each optimizer's lr is swept over the same log grid (and, if asked, a second
hyperparameter over the same number of values), and the best setting is picked by one fixed, stated rule.

The rule (:class:`TuneRule`) is data, with en/zh sentence templates (:data:`RULE_TEMPLATES`) the page words under
its chart:

- every optimizer gets the same number of runs, on the same lr values, from the same start, for the same steps;
- the best run has the lowest objective: the final loss, or the steps to converge (``status``'s criterion);
- a run that diverged (or, for steps to converge, did not converge) counts as the worst, and an optimizer none of
  whose runs counts has no best setting;
- ties, equal to the bit, go to the larger lr (then to the second hyperparameter's value listed first).

Same inputs, same result: nothing is random (noise, if any, is the single run's, from ``seed``).

>>> t = tune(["sgd", "adam"], "booth", [-8.0, 8.0], 100, budget=7)
>>> {name: r.best["lr"] for name, r in t.results.items()}
{'sgd': 0.1, 'adam': 1.0}
>>> t.rule.sentence("en")[:60]
'Each optimizer ran 7 times from (-8, 8) for 100 steps, with '
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .optimizers import OPTIMIZERS
from .spec import p_lr
from .status import format_number
from .surfaces import get_surface
from .sweep import Sweep, _set_value, grid_name, sweep

LR_RANGE: tuple[float, float] = p_lr().slider
"""The lr grid's ends: the lr slider's range, the same for every optimizer."""
DEFAULT_BUDGET = 31
"""lr values per optimizer by default: 5 per decade from 1e-5 to 10."""
MAX_BUDGET = 64
"""lr values per optimizer at most."""
MAX_SECOND = 16
"""Values of the second hyperparameter at most."""
OBJECTIVES = ("final_loss", "steps_to_converge")

RULE_TEMPLATES = {
    "en": {
        "rule": ("Each optimizer ran {evaluations} times from ({x}, {y}) for {steps} steps, with lr at {count} "
                 "log-spaced values from {lr_min} to {lr_max}{second}. The best run has the lowest {objective}; "
                 "{worst}. Ties go to the larger lr."),
        "second": ", each with {second_count} values of {second_names}",
        "final_loss": "final loss",
        "steps_to_converge": "number of steps to converge",
        "worst_final_loss": "a run that diverged counts as the worst",
        "worst_steps_to_converge": "a run that diverged or did not converge counts as the worst",
    },
    "zh": {
        "rule": ("每个优化器都从 ({x}, {y}) 出发运行 {evaluations} 次，每次 {steps} 步，lr 取 {lr_min} 到 {lr_max} "
                 "之间按对数均匀分布的 {count} 个值{second}。{objective}最小的一次为最佳；{worst}。"
                 "并列时取较大的 lr。"),
        "second": "，每个 lr 再配 {second_names} 的 {second_count} 个取值",
        "final_loss": "最终损失",
        "steps_to_converge": "收敛所需步数",
        "worst_final_loss": "发散的运行记为最差",
        "worst_steps_to_converge": "发散或未收敛的运行记为最差",
    },
}


@dataclass(frozen=True)
class TuneRule:
    """The rule a :func:`tune` used, as data: what the page writes under the chart (:meth:`sentence`)."""

    objective: str
    lr: tuple[float, ...]
    evaluations: int
    steps: int
    start: tuple[float, float]
    second: dict[str, tuple[str, tuple[float, ...]]] | None = None
    lower_is_better: bool = True
    worst: str = "diverged"  # diverged runs (and, for steps_to_converge, unconverged ones) rank last
    tie_break: str = "larger_lr"

    def to_dict(self) -> dict[str, Any]:
        second = None if self.second is None else {k: {"name": n, "values": list(v)}
                                                   for k, (n, v) in self.second.items()}
        return {"objective": self.objective, "lr": list(self.lr), "evaluations": self.evaluations,
                "steps": self.steps, "start": list(self.start), "second": second,
                "lower_is_better": self.lower_is_better, "worst": self.worst, "tie_break": self.tie_break}

    def params(self, lang: str = "en") -> dict[str, str]:
        """The numbers and words the template takes, formatted as the page formats them."""
        t = RULE_TEMPLATES[lang]
        second = ""
        if self.second:
            names = sorted({n for n, _ in self.second.values()})
            count = len(next(iter(self.second.values()))[1])
            second = t["second"].format(second_count=count, second_names=", ".join(names))
        return {"evaluations": str(self.evaluations), "x": format_number(self.start[0]),
                "y": format_number(self.start[1]), "steps": str(self.steps), "count": str(len(self.lr)),
                "lr_min": format_number(self.lr[0]), "lr_max": format_number(self.lr[-1]), "second": second,
                "objective": t[self.objective], "worst": t[f"worst_{self.objective}"]}

    def sentence(self, lang: str = "en") -> str:
        if lang not in RULE_TEMPLATES:
            raise ValueError(f"Invalid lang value: {lang!r} (lang must be one of {list(RULE_TEMPLATES)})")
        return RULE_TEMPLATES[lang]["rule"].format(**self.params(lang))


@dataclass
class TuneResult:
    """One optimizer's curve: ``objective`` over ``lr`` (shape (n,), or (n, k) with a second hyperparameter whose
    values are ``second_values``), with inf for the runs the rule ranks worst; ``best`` is the winning setting's
    hyperparameters (None if no run counts) and ``best_value`` its objective."""

    optimizer: str
    lr: np.ndarray
    objective: np.ndarray
    best: dict[str, Any] | None
    best_value: float
    second_name: str | None = None
    second_values: np.ndarray | None = None
    sweep: Sweep | None = field(default=None, repr=False)


@dataclass
class Tune:
    surface: str
    rule: TuneRule
    results: dict[str, TuneResult]


def _objective(s: Sweep, objective: str) -> np.ndarray:
    if objective == "final_loss":
        return np.where(s.diverged_at < 0, s.final_loss, np.inf)
    return np.where(s.converged, s.steps_to_converge, np.inf).astype(np.float64)


def _pick(values: np.ndarray) -> tuple[int, ...] | None:
    """The lowest value's index; ties toward the larger lr (axis 0, ascending), then the second value listed
    first. None if nothing is finite."""
    if not np.isfinite(values).any():
        return None
    v = values.reshape(values.shape[0], -1)
    best = v.min()
    for i in range(v.shape[0] - 1, -1, -1):  # from the largest lr down
        hits = np.flatnonzero(v[i] == best)
        if hits.size:
            return (i,) if values.ndim == 1 else (i, int(hits[0]))
    return None  # pragma: no cover - best is one of the values


def tune(optimizers, surface, start, steps: int, *, objective: str = "final_loss", budget: int = DEFAULT_BUDGET,
         second: dict[str, tuple[str, Any]] | None = None, fixed: dict[str, dict[str, Any]] | None = None,
         noise: float = 0.0, seed: int | None = None) -> Tune:
    """Tune each of ``optimizers`` (names) on ``surface`` from ``start`` (shape (2,)) for ``steps`` steps.

    ``budget`` lr values, log-spaced over :data:`LR_RANGE`, for every optimizer. ``second`` maps every optimizer
    to a (grid name, values) pair swept with lr (the same number of values for each, so the evaluations stay
    equal); ``fixed`` maps an optimizer to hyperparameters held fixed (e.g. SGD's momentum).
    """
    if isinstance(optimizers, str):
        optimizers = [optimizers]
    names = [str(o).lower() for o in optimizers]
    if not names or len(set(names)) != len(names):
        raise ValueError("Invalid optimizers: name each optimizer once, at least one")
    for n in names:
        if n not in OPTIMIZERS:
            raise ValueError(f"Unknown optimizer {n!r}; choose one of: {', '.join(OPTIMIZERS)}")
    if objective not in OBJECTIVES:
        raise ValueError(f"Invalid objective value: {objective!r} (objective must be one of {list(OBJECTIVES)})")
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or not 2 <= budget <= MAX_BUDGET:
        raise ValueError(f"Invalid budget value: {budget!r} (budget must be an integer in [2, {MAX_BUDGET}])")
    fixed = fixed or {}
    if set(fixed) - set(names):
        raise ValueError(f"Invalid fixed: {sorted(set(fixed) - set(names))} are not among the optimizers")
    second_axes = _second(names, second)
    start_arr = np.asarray(start, dtype=np.float64)
    if start_arr.shape != (2,):
        raise ValueError(f"Invalid start shape {start_arr.shape} (tune takes one start point, shape (2,))")
    lrs = np.logspace(math.log10(LR_RANGE[0]), math.log10(LR_RANGE[1]), int(budget))
    surf = get_surface(surface)

    results = {}
    for name in names:
        grid = {"lr": lrs}
        if second_axes:
            grid[second_axes[name][0]] = second_axes[name][1]
        s = sweep(name, surf, steps, starts=start_arr, grid=grid, noise=noise, seed=seed, **fixed.get(name, {}))
        values = _objective(s, objective)
        pick = _pick(values)
        best = None
        if pick is not None:
            best = dict(s.hyperparameters)
            for axis, i in zip(grid, pick, strict=False):
                _set_value(best, axis, float(grid[axis][i]))
        results[name] = TuneResult(name, lrs, values, best, math.inf if pick is None else float(values[pick]),
                                   second_axes[name][0] if second_axes else None,
                                   second_axes[name][1] if second_axes else None, s)
    count = len(lrs) * (len(next(iter(second_axes.values()))[1]) if second_axes else 1)
    rule = TuneRule(objective, tuple(float(v) for v in lrs), count, int(steps),
                    (float(start_arr[0]), float(start_arr[1])),
                    {k: (n, tuple(float(x) for x in v)) for k, (n, v) in second_axes.items()} or None)
    return Tune(surf.name, rule, results)


def _second(names, second) -> dict[str, tuple[str, np.ndarray]]:
    if not second:
        return {}
    if not isinstance(second, dict) or set(second) != set(names):
        raise ValueError("Invalid second: map every optimizer to (grid name, values), so each gets as many runs")
    out = {}
    for n in names:
        try:
            name, values = second[n]
        except (TypeError, ValueError):
            raise ValueError(f"Invalid second for {n!r}: a (grid name, values) pair") from None
        grid_name(OPTIMIZERS[n], name)
        if name == "lr":
            raise ValueError(f"Invalid second for {n!r}: lr is already swept")
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1 or not 1 <= arr.size <= MAX_SECOND or not np.all(np.isfinite(arr)):
            raise ValueError(f"Invalid second values for {n!r} (1 to {MAX_SECOND} finite numbers)")
        out[n] = (name, arr)
    if len({v.size for _, v in out.values()}) != 1:
        raise ValueError("Invalid second: every optimizer needs the same number of values (equal evaluations)")
    return out
