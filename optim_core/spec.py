"""Hyperparameter and optimizer specs: the one table that the core, the API and the page all read.

An optimizer is a frozen dataclass of torch.optim's keyword arguments (same names, same defaults) whose
``__post_init__`` applies torch's own checks, with torch's messages plus the allowed range. Its class carries a
:class:`OptimizerSpec` describing each hyperparameter for the API and the UI: kind, default, the range the API
accepts, the slider range, whether the slider is logarithmic, and one line of help in English and Chinese.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

import numpy as np

from .backend import ARRAY

Kind = Literal["float", "int", "bool", "pair", "choice"]


@dataclass(frozen=True)
class Hyperparameter:
    """One keyword argument of a torch.optim constructor.

    ``low``/``high`` bound what the API accepts (inclusive); torch's own rules, which may be stricter in places
    (``betas[0] < 1``), are checked by the optimizer itself. ``slider`` is the range the page offers by default.
    For ``pair`` the bounds apply to each element.
    """

    name: str
    kind: Kind
    default: Any
    low: float | None = None
    high: float | None = None
    log: bool = False
    help_en: str = ""
    help_zh: str = ""
    slider: tuple[float, float] | None = None
    choices: tuple[Any, ...] | None = None
    nullable: bool = False


def hp(name: str, kind: Kind, default: Any, low=None, high=None, *, log=False, en="", zh="", slider=None,
       choices=None, nullable=False) -> Hyperparameter:
    return Hyperparameter(name, kind, default, low, high, log, en, zh, slider, choices, nullable)


# Shared wording for the keywords many optimizers have; each optimizer sets its own default.
def p_lr(default: float, *, low: float = 0.0) -> Hyperparameter:
    return hp("lr", "float", default, low, 100.0, log=True, slider=(1e-5, 10.0),
              en="Learning rate: how far each step moves.", zh="学习率：每一步走多远。")


def p_weight_decay(default: float = 0.0, *, decoupled: bool = False) -> Hyperparameter:
    if decoupled:
        en, zh = ("Decoupled weight decay: shrinks the weights by lr*wd each step, outside the gradient.",
                  "解耦权重衰减：每步直接把参数乘以 (1 - lr*wd)，不经过梯度。")
    else:
        en, zh = ("L2 penalty: adds weight_decay * param to the gradient.",
                  "L2 正则：把 weight_decay * 参数 加到梯度上。")
    return hp("weight_decay", "float", default, 0.0, 10.0, slider=(0.0, 1.0), en=en, zh=zh)


def p_eps(default: float) -> Hyperparameter:
    return hp("eps", "float", default, 0.0, 1.0, log=True, slider=(1e-12, 1e-1),
              en="Added to the denominator so it is never zero.", zh="加到分母上的小数，防止除以零。")


def p_betas(default=(0.9, 0.999)) -> Hyperparameter:
    return hp("betas", "pair", default, 0.0, 1.0, slider=(0.0, 0.9999),
              en="Decay rates of the running averages of g (beta1, momentum) and g² (beta2).",
              zh="梯度 g（beta1，动量）和 g²（beta2）滑动平均的衰减系数。")


MAXIMIZE = hp("maximize", "bool", False, en="Climb the surface instead of descending it.",
              zh="沿梯度上升（求最大值）而不是下降。")
AMSGRAD = hp("amsgrad", "bool", False, en="AMSGrad: divide by the largest v seen so far, not the current one.",
             zh="AMSGrad：分母使用历史上最大的 v，而不是当前的 v。")


def p_decoupled(default: bool) -> Hyperparameter:
    return hp("decoupled_weight_decay", "bool", default,
              en="Apply weight decay to the weights directly (AdamW style) instead of through the gradient.",
              zh="像 AdamW 一样直接衰减参数，而不是把衰减项加进梯度。")


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    label: str
    family: str
    params: tuple[Hyperparameter, ...]
    latex: str
    help_en: str = ""
    help_zh: str = ""
    cls: type | None = field(default=None, compare=False)

    def param(self, name: str) -> Hyperparameter:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def make(self, **hyperparameters) -> Optimizer:
        """Build the optimizer, rejecting keywords that torch's constructor does not take."""
        known = {p.name for p in self.params}
        unknown = sorted(set(hyperparameters) - known)
        if unknown:
            raise ValueError(
                f"Unknown hyperparameter {unknown[0]!r} for {self.name}; allowed: {', '.join(sorted(known))}")
        return self.cls(**hyperparameters)


@dataclass
class OptimizerState:
    """What :meth:`Optimizer.step` carries between calls: the step count and the per-coordinate state."""

    t: int
    inner: Any
    schedule: list = field(default_factory=list)


class Optimizer:
    """Base of every optimizer dataclass.

    Subclasses define the dataclass fields (torch's keywords), ``SPEC``, ``_check()`` and, for the elementwise
    ones, ``schedule(steps)`` (the per-step scalars that torch computes in Python, e.g. bias corrections),
    ``state0(p, b)`` (the per-coordinate state) and ``kernel(b)``, which returns ``update(p, g, state, k)``
    working on Python floats or NumPy arrays alike (see :mod:`optim_core.backend`). ``run()`` drives those
    directly; :meth:`init` and :meth:`step` are the same thing one step at a time, for your own loop:

    >>> import numpy as np
    >>> from optim_core import OPTIMIZERS
    >>> opt = OPTIMIZERS["sgd"].make(lr=0.1)
    >>> p = np.array([1.0, -2.0]); state = opt.init(p)
    >>> p, state = opt.step(p, 2 * p, state)  # the gradient of x^2 + y^2
    >>> p.tolist()
    [0.8, -1.6]
    """

    SPEC: ClassVar[OptimizerSpec]
    elementwise: ClassVar[bool] = True

    def init(self, params) -> OptimizerState:
        """State for parameters shaped (..., 2) (any shape, in fact: the update is elementwise)."""
        if not self.elementwise:
            raise TypeError(f"{self.SPEC.name} needs the objective: use run(), or LBFGS.step with a closure")
        return OptimizerState(0, self.state0(np.asarray(params, dtype=np.float64), ARRAY))

    def step(self, params, grad, state: OptimizerState):
        """One torch ``optimizer.step()`` given the gradient: returns (new params, new state)."""
        if state.t >= len(state.schedule):  # per-step scalars, computed ahead in doubling blocks
            state.schedule = self.schedule(max(16, 2 * (state.t + 1)))
        p, inner = self.kernel(ARRAY)(np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64),
                                      state.inner, state.schedule[state.t])
        return p, OptimizerState(state.t + 1, inner, state.schedule)

    def __post_init__(self) -> None:
        cls = type(self)
        specs = cls.__dict__.get("_field_specs")
        if specs is None:  # once per class: each dataclass field with its Hyperparameter
            specs = tuple((f.name, cls.SPEC.param(f.name)) for f in fields(self))
            cls._field_specs = specs
        for name, spec in specs:
            object.__setattr__(self, name, _coerce(spec, getattr(self, name)))
        self._check()

    def _check(self) -> None:  # pragma: no cover - every optimizer overrides it
        pass

    def hyperparameters(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def cost_rates(self) -> tuple[float, float, int]:
        """(work units per step, units per objective evaluation, evaluations per step), worst case.

        A work unit is about one elementwise step of one start point (~2-3 us); the service holds each request
        to a budget of them. An elementwise step is one gradient and one update: 1 unit, no extra evaluations.
        """
        return 1.0, 0.0, 0

    def cost(self, steps: int) -> float:
        """Worst-case work of ``steps`` steps on a surface whose evaluation costs 1 (a built-in one).

        >>> from optim_core import OPTIMIZERS
        >>> OPTIMIZERS["adam"].make().cost(500)
        500.0
        """
        per_step, per_eval, evals = self.cost_rates()
        return steps * (per_step + per_eval * evals)


def _coerce(spec: Hyperparameter, value: Any) -> Any:
    """Normalize types the way torch would accept them; reject what torch would not."""
    name = spec.name
    if value is None and spec.nullable:
        return None
    if spec.kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise ValueError(f"Invalid {name} value: {value!r} ({name} must be true or false)")
    if spec.kind == "choice":
        if value in spec.choices:
            return value
        raise ValueError(f"Invalid {name} value: {value!r} ({name} must be one of {list(spec.choices)})")
    if spec.kind == "pair":
        if not isinstance(value, (tuple, list, np.ndarray)) or np.ndim(value) != 1 or len(value) != 2:
            raise ValueError(f"Invalid {name} value: {value!r} ({name} must be a pair of numbers)")
        return (_number(name, value[0]), _number(name, value[1]))
    if spec.kind == "int":
        if not _is_real(value) or not math.isfinite(value) or value != int(value):
            raise ValueError(f"Invalid {name} value: {value!r} ({name} must be an integer)")
        return int(value)
    return _number(name, value)


def _is_real(value: Any) -> bool:
    """A real number, NumPy's scalars included (a random search may well hand us np.float64 or np.int64)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _number(name: str, value: Any) -> float:
    if not _is_real(value):
        raise ValueError(f"Invalid {name} value: {value!r} ({name} must be a number)")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"Invalid {name} value: {value} ({name} must be finite)")
    return value


def require(ok: bool, message: str) -> None:
    """torch's style: ``if not <rule>: raise ValueError("Invalid ...: value")``, plus the rule itself."""
    if not ok:
        raise ValueError(message)
