"""``make_scheduler``: a spec such as ``("CosineAnnealingLR", {"T_max": 200})`` -> a torch-exact scheduler.

Checks run in this order, so that where torch has a rule its own message is the one shown:

1. keywords: unknown ones and missing required ones;
2. types (an integer, a number, a list of integers, a formula...), with the rule in the message;
3. the ranges of :mod:`.specs` for the keywords torch does not check itself;
4. torch's constructor, ported, which raises torch's messages (plus the rule);
5. the ranges of the keywords torch checks, for what torch lets through (a negative ``factor``, say);
6. with ``steps``: the schedule is stepped that many times on a copy, as torch would, so that a setting torch
   refuses mid-run (OneCycleLR's ``total_steps`` too short, a division by zero) is refused before the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..spec import Hyperparameter, _coerce
from .base import Group, Scheduler
from .specs import EXPRESSION_VARIABLE, MAX_LIST, SchedulerSpec

MAX_DEPTH = 3  # SequentialLR inside ChainedScheduler inside SequentialLR is already more than anyone draws


def _fmt(v: float | None) -> str:
    return "" if v is None else (str(int(v)) if float(v).is_integer() else repr(v))


def rule(p: Hyperparameter) -> str:
    """The allowed values of one keyword, in words (appended to every error message about it)."""
    null = ", or null" if p.nullable else ""
    if p.kind == "bool":
        return "must be true or false"
    if p.kind == "choice":
        return f"must be one of {', '.join(map(str, p.choices))}{null}"
    if p.kind == "expression":
        return f"must be a formula in {EXPRESSION_VARIABLE[p.name]}{null}"
    if p.kind == "schedulers":
        return f"must be a list of 1 to {MAX_LIST} schedulers, each [name, {{params}}]"
    if p.kind == "ints":
        return f"must be a list of at most {MAX_LIST} integers in [{_fmt(p.low)}, {_fmt(p.high)}]"
    word = "an integer" if p.kind == "int" else "a number"
    if p.high is None:
        return f"must be {word} >= {_fmt(p.low)}{null}"
    return f"must be {word} in [{_fmt(p.low)}, {_fmt(p.high)}]{null}"


def _invalid(p: Hyperparameter, value: Any) -> ValueError:
    return ValueError(f"Invalid {p.name} value: {value!r} ({p.name} {rule(p)})")


def _expression(p: Hyperparameter, value: Any) -> Callable[[float], float]:
    if callable(value):  # from Python callers; the API and the page send text
        return value
    if not isinstance(value, str):
        raise _invalid(p, value)
    from .. import expression

    scalar_function = getattr(expression, "scalar_function", None)
    if scalar_function is None:  # until the typed-surfaces branch (which adds it) is merged
        raise ValueError(f"Invalid {p.name} value: {value!r} (typed formulas need "
                         "optim_core.expression.scalar_function, which this build does not have yet)")
    return scalar_function(value, EXPRESSION_VARIABLE[p.name])


def _typed(p: Hyperparameter, value: Any, group: Group, depth: int) -> Any:
    """Step 2: the value in the type the port expects, or a ValueError naming the keyword and its rule."""
    if value is None:
        if p.nullable:
            return None
        raise _invalid(p, value)
    if p.kind == "expression":
        return _expression(p, value)
    if p.kind == "schedulers":
        if not isinstance(value, (list, tuple)) or len(value) > MAX_LIST:
            raise _invalid(p, value)
        return [_build(child, group, depth + 1, f"schedulers[{i}]: ") for i, child in enumerate(value)]
    if p.kind == "ints":
        if not isinstance(value, (list, tuple)) or len(value) > MAX_LIST:
            raise _invalid(p, value)
        try:
            return [_coerce(Hyperparameter(name=p.name, kind="int", default=0), v) for v in value]
        except ValueError:
            raise _invalid(p, value) from None
    if p.kind == "choice":
        if not isinstance(value, str):
            raise _invalid(p, value)
        return value  # membership is step 3 or torch's own check (step 4)
    try:
        return _coerce(p, value)
    except ValueError:
        raise _invalid(p, value) from None


def _in_range(p: Hyperparameter, value: Any) -> None:
    """Steps 3 and 5."""
    if value is None:
        return
    if p.kind == "choice" and value not in p.choices:
        raise _invalid(p, value)
    if p.kind in ("float", "int") and ((p.low is not None and value < p.low)
                                       or (p.high is not None and value > p.high)):
        raise _invalid(p, value)
    if p.kind == "ints" and any(v < p.low or v > p.high for v in value):
        raise _invalid(p, value)


def _split(spec: Any) -> tuple[str, dict]:
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, dict) and "name" in spec and set(spec) <= {"name", "params"}:
        return spec["name"], spec.get("params") or {}
    if isinstance(spec, (list, tuple)) and len(spec) == 2 and isinstance(spec[1], dict):
        return spec[0], spec[1]
    raise ValueError(f"Invalid scheduler {spec!r} (a scheduler is [name, {{params}}] or "
                     "{\"name\": ..., \"params\": {...}})")


def find_spec(name: Any) -> SchedulerSpec:
    """torch's class name or its lower-case form."""
    from . import SCHEDULERS

    if isinstance(name, str) and name.lower() in SCHEDULERS:
        return SCHEDULERS[name.lower()]
    labels = ", ".join(s.label for s in SCHEDULERS.values())
    raise ValueError(f"Unknown scheduler {name!r}; choose one of: {labels}")


def _build(spec: Any, group: Group, depth: int, where: str = "") -> Scheduler:
    try:
        name, params = _split(spec)
        s = find_spec(name)
        if depth > MAX_DEPTH:
            raise ValueError(f"Invalid schedulers value: nested {MAX_DEPTH + 1} deep (containers nest at most "
                             f"{MAX_DEPTH} deep)")
        known = {p.name for p in s.params}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"Unknown parameter {unknown[0]!r} for {s.label}; allowed: {', '.join(sorted(known))}")
        for r in s.required:
            if r not in params:
                raise ValueError(f"{s.label}() missing required argument {r!r} ({r} {rule(s.param(r))})")
        values = {p.name: _typed(p, params[p.name], group, depth) for p in s.params if p.name in params}
        for k, v in values.items():
            if k not in s.torch_checked:
                _in_range(s.param(k), v)
        try:
            scheduler = s.cls(group, **values)
        except (ArithmeticError, ValueError) as e:
            if isinstance(e, ValueError) and "math domain error" not in str(e):
                raise  # one of torch's checks, with its message
            raise ValueError(f"{s.label} fails at construction, as in torch: {type(e).__name__}: {e} "
                             "(change its settings so the schedule stays finite)") from e
        for k in s.torch_checked:
            if k in values:
                _in_range(s.param(k), values[k])
        return scheduler
    except ValueError as e:
        if where:  # each level names its own index: "schedulers[1]: schedulers[0]: ..."
            raise ValueError(where + str(e)) from e
        raise


def make_scheduler(spec: Any, optimizer: Any, steps: int | None = None) -> Scheduler:
    """Build a scheduler over ``optimizer``'s lr (and momentum or betas), doing what torch's constructor does.

    ``spec``: ``(name, {params})``, ``{"name": ..., "params": {...}}`` or a bare name; the name is torch's class
    name or its lower-case form. ``optimizer``: an optim_core optimizer object. ``steps``: the run's length;
    when given, settings torch would refuse within that many steps are refused now (see ``validate_for_run``),
    and the whole schedule computed on the way is kept as ``scheduler.plan`` (a :class:`~.base.Plan`, or None
    for ReduceLROnPlateau, which follows the losses).

    >>> from optim_core import OPTIMIZERS
    >>> s = make_scheduler(("StepLR", {"step_size": 2, "gamma": 0.5}), OPTIMIZERS["sgd"].make(lr=0.1))
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(s.lr)  # the lr this optimizer step uses
    ...     s.step()
    >>> lrs
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    if not hasattr(type(optimizer), "SPEC") or not hasattr(optimizer, "lr"):
        raise ValueError(f"make_scheduler needs an optim_core optimizer object, not {type(optimizer).__name__}")
    if isinstance(optimizer.lr, float) and not math.isfinite(optimizer.lr):
        raise ValueError(f"Invalid learning rate: {optimizer.lr} (lr must be finite)")
    scheduler = _build(spec, Group(optimizer), 0)
    scheduler.plan = None if steps is None else scheduler.validate_for_run(int(steps))
    return scheduler
