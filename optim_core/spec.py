"""Hyperparameter and optimizer specs: the one table that the core, the API and the page all read.

An optimizer is a frozen dataclass of torch.optim's keyword arguments (same names, same defaults) whose
``__post_init__`` applies torch's own checks, with torch's messages plus the allowed range. Its class carries a
:class:`OptimizerSpec` describing each hyperparameter for the API and the UI: kind, default, the range the API
accepts, the slider range, whether the slider is logarithmic, and one line of help in English and Chinese.

A default is stated once, as the dataclass field's default: :func:`bind_spec` copies it into the spec.
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, ClassVar, Literal, NamedTuple

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
    default: Any = MISSING  # the dataclass field's default, filled in by bind_spec()
    low: float | None = None
    high: float | None = None
    log: bool = False
    help_en: str = ""
    help_zh: str = ""
    slider: tuple[float, float] | None = None
    choices: tuple[Any, ...] | None = None
    nullable: bool = False


def hp(name: str, kind: Kind, low=None, high=None, *, log=False, en="", zh="", slider=None, choices=None,
       nullable=False) -> Hyperparameter:
    """A hyperparameter's spec; its default comes from the optimizer's dataclass field (see bind_spec)."""
    return Hyperparameter(name, kind, MISSING, low, high, log, en, zh, slider, choices, nullable)


def bind_spec(cls: type) -> None:
    """Tie ``cls.SPEC`` to its class: each hyperparameter's default is the dataclass field's default."""
    spec = cls.SPEC
    defaults = {f.name: f.default for f in fields(cls)}
    missing = sorted(set(defaults) ^ {p.name for p in spec.params})
    if missing:
        raise TypeError(f"{cls.__name__}: fields and spec disagree on {missing}")
    object.__setattr__(spec, "params", tuple(replace(p, default=defaults[p.name]) for p in spec.params))
    object.__setattr__(spec, "cls", cls)
    # A placeholder until optim_core.optimizers replaces it with the algorithm box (attach_docstrings), the same
    # source the page renders; the classes define no docstring of their own.
    cls.__doc__ = f"torch.optim.{cls.__name__}: {spec.help_en}"


# Shared wording for the keywords many optimizers have.
def p_lr(*, low: float = 0.0) -> Hyperparameter:
    return hp("lr", "float", low, 100.0, log=True, slider=(1e-5, 10.0),
              en="Learning rate: how far each step moves.", zh="学习率：每一步走多远。")


def p_weight_decay(*, decoupled: bool = False) -> Hyperparameter:
    if decoupled:
        en, zh = ("Decoupled weight decay: shrinks the weights by lr*wd each step, outside the gradient.",
                  "解耦权重衰减：每步直接把参数乘以 (1 - lr*wd)，不经过梯度。")
    else:
        en, zh = ("L2 penalty: adds weight_decay * param to the gradient.",
                  "L2 正则：把 weight_decay * 参数 加到梯度上。")
    return hp("weight_decay", "float", 0.0, 10.0, slider=(0.0, 1.0), en=en, zh=zh)


def p_eps(low: float = 0.0) -> Hyperparameter:
    return hp("eps", "float", low, 1.0, log=True, slider=(1e-12, 1e-1),
              en="Added to the denominator so it is never zero.", zh="加到分母上的小数，防止除以零。")


def p_betas() -> Hyperparameter:
    return hp("betas", "pair", 0.0, 1.0, slider=(0.0, 0.9999),
              en="Decay rates of the running averages of g (beta1, momentum) and g² (beta2).",
              zh="梯度 g（beta1，动量）和 g²（beta2）滑动平均的衰减系数。")


MAXIMIZE = hp("maximize", "bool", en="Climb the surface instead of descending it.",
              zh="沿梯度上升（求最大值）而不是下降。")
AMSGRAD = hp("amsgrad", "bool", en="AMSGrad: divide by the largest v seen so far, not the current one.",
             zh="AMSGrad：分母使用历史上最大的 v，而不是当前的 v。")


def p_decoupled() -> Hyperparameter:
    return hp("decoupled_weight_decay", "bool",
              en="Apply weight decay to the weights directly (AdamW style) instead of through the gradient.",
              zh="像 AdamW 一样直接衰减参数，而不是把衰减项加进梯度。")


def find_param(params: tuple[Hyperparameter, ...], name: str) -> Hyperparameter:
    """The hyperparameter called ``name`` of a spec's ``params`` (optimizers' and schedulers'); KeyError if none."""
    for p in params:
        if p.name == name:
            return p
    raise KeyError(name)


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
        return find_param(self.params, name)

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


# Builds a named record without NamedTuple's Python-level __new__: record(AdamState, (step, m, v)). Kernels run
# twice per step of a single path, and the ~100 ns this saves per record is a few percent of a step.
record = tuple.__new__


class NoState(NamedTuple):
    """torch keeps nothing for this optimizer and configuration (e.g. SGD without momentum)."""


NO_STATE = NoState()


class Optimizer:
    """Base of every optimizer dataclass: torch's ``init`` and ``step``, for parameter vectors of any shape.

    The protocol, the same for all 13 (L-BFGS needs ``objective``)::

        state = opt.init(params)
        params, state = opt.step(params, grad, state)            # one torch optimizer.step()

    ``state`` is a named record whose fields are the keys of torch's ``optimizer.state[p]`` for this optimizer
    and configuration (``AdamState(step, exp_avg, exp_avg_sq)``, with ``max_exp_avg_sq`` under amsgrad). A
    scheduler's values for the step go in as ``step(..., lr=, momentum=, betas=)``.

    Subclasses of the elementwise kind define:

    - ``state0(p, b, lr)``: the record torch's ``_init_group`` creates (``lr`` is the group's lr at that moment);
    - ``scalar_steps(prev, values)``: a generator of the per-step scalars torch computes in Python (bias
      corrections, step sizes...), one named record per step, from the per-tensor fields of ``prev`` (``step``,
      ``mu_product``...) and each step's ``(lr, momentum, betas)`` drawn from ``values``. A generator, so that a
      constant run's scalars come ahead at little cost per step, and a scheduled run's one step at a time. The
      values may be NumPy arrays shaped like a batch's rows (lr as (N, 1)): the scalars broadcast;
    - ``kernel(b)``: ``update(p, g, state, k) -> (p, state)``, line for line ``torch.optim._single_tensor_*``,
      on Python floats (one coordinate) or NumPy arrays alike (see :mod:`optim_core.backend`).

    >>> import numpy as np
    >>> from optim_core import OPTIMIZERS
    >>> opt = OPTIMIZERS["sgd"].make(lr=0.1, momentum=0.9)
    >>> p = np.array([1.0, -2.0]); state = opt.init(p)
    >>> p, state = opt.step(p, 2 * p, state)  # the gradient of x^2 + y^2
    >>> p.tolist(), state.momentum_buffer.tolist()
    ([0.8, -1.6], [2.0, -4.0])
    """

    SPEC: ClassVar[OptimizerSpec]
    elementwise: ClassVar[bool] = True
    # The hyperparameters that torch reads from param_groups at every step and a scheduler may change.
    SCHEDULABLE: ClassVar[tuple[str, ...]] = ("lr",)
    # The state fields that torch keeps once per tensor (0-dim), not per coordinate.
    TENSOR_SCALARS: ClassVar[tuple[str, ...]] = ("step",)

    def init(self, params, *, lr: float | None = None):
        """torch's state for parameters of any shape, as torch creates it at the first step."""
        params = np.asarray(params, dtype=np.float64)
        return self.state0(params, ARRAY, self.lr if lr is None else lr)

    def step(self, params, grad, state, *, objective=None, lr=None, momentum=None, betas=None):
        """One torch ``optimizer.step()`` given the gradient: returns (new params, new state).

        ``lr``, ``momentum`` and ``betas`` override the hyperparameters for this step only, as a scheduler
        writing to ``param_groups`` does. ``objective`` is unused here (L-BFGS takes it).
        """
        k = self.scalars(state, lr, momentum, betas)
        return self.kernel(ARRAY)(np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64),
                                  state, k)

    def step_values(self, lr=None, momentum=None, betas=None) -> tuple:
        """(lr, momentum, betas) in effect: the given ones, else this optimizer's own (0.0 / None if it has
        none). A single momentum value for an optimizer with betas is beta1, as torch's CyclicLR writes it."""
        own_betas = getattr(self, "betas", None)
        if momentum is not None and own_betas is not None and betas is None:
            betas, momentum = (momentum, own_betas[1]), None
        if momentum is not None and "momentum" not in self.SCHEDULABLE:
            raise ValueError(f"{self.SPEC.name} has no momentum for a scheduler to change")
        if betas is not None and "betas" not in self.SCHEDULABLE:
            raise ValueError(f"{self.SPEC.name} has no betas for a scheduler to change")
        return (self.lr if lr is None else lr, getattr(self, "momentum", 0.0) if momentum is None else momentum,
                own_betas if betas is None else betas)

    def scalars(self, prev, lr, momentum=None, betas=None):
        """The per-step scalars of the step after ``prev`` (a state or the previous step's scalars)."""
        return next(self.scalar_steps(prev, (self.step_values(lr, momentum, betas),)))

    def schedule(self, steps: int, state0) -> list:
        """The per-step scalars of ``steps`` steps with constant hyperparameters, from the initial state."""
        return list(self.scalar_steps(state0, itertools.repeat(self.step_values(), steps)))

    def kernel(self, b):  # pragma: no cover - every elementwise optimizer overrides it
        raise NotImplementedError

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
