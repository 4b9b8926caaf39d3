"""Validation of model and data options against their :class:`~optim_core.spec.Hyperparameter` specs.

Each message names the field and the allowed range, in the style of the optimizers' own checks.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..spec import Hyperparameter


def option(name: str, kind: str, default: Any, low=None, high=None, *, en: str, zh: str, slider=None,
           choices=None) -> Hyperparameter:
    """A model or data option, in the optimizers' own spec record (so the API and the page read both alike).

    Built by keyword: ``spec.hp`` takes an optimizer's default from its dataclass field, which an option has not.
    """
    return Hyperparameter(name=name, kind=kind, default=default, low=low, high=high, help_en=en, help_zh=zh,
                          slider=slider, choices=choices)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: Any, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise ValueError(f"Invalid {name} value: {value!r} ({name} must be an integer in [{low}, {high}])")
    return int(value)


def check_value(spec: Hyperparameter, value: Any, *, length: tuple[int, int] | None = None) -> Any:
    """``value`` as the option's type, or a ValueError naming the option and its range.

    Kind ``list`` (an MLP's hidden sizes) is a list of integers, each in [low, high], of a length in ``length``.
    """
    name = spec.name
    if spec.kind == "int":
        return check_int(name, value, int(spec.low), int(spec.high))
    if spec.kind == "float":
        if not _is_real(value) or not math.isfinite(value) or not spec.low <= value <= spec.high:
            raise ValueError(f"Invalid {name} value: {value!r} ({name} must be a number in [{spec.low:g}, "
                             f"{spec.high:g}])")
        return float(value)
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ValueError(f"Invalid {name} value: {value!r} ({name} must be one of {list(spec.choices)})")
        return value
    if spec.kind == "list":
        lo, hi = length
        if (not isinstance(value, (list, tuple, np.ndarray)) or np.ndim(value) != 1 or not lo <= len(value) <= hi
                or not all(_is_int(v) and spec.low <= v <= spec.high for v in value)):
            raise ValueError(f"Invalid {name} value: {value!r} ({name} must be a list of {lo} to {hi} integers, "
                             f"each in [{spec.low:g}, {spec.high:g}])")
        return [int(v) for v in value]
    raise TypeError(f"unsupported option kind {spec.kind!r}")  # pragma: no cover - a programming error


def check_options(owner: str, specs: tuple[Hyperparameter, ...], given: Any, **lengths) -> dict[str, Any]:
    """The full option dict (defaults filled in) for ``owner``, after checking every given value."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ValueError(f"Invalid options for {owner}: {given!r} (options must be a dict)")
    allowed = {s.name: s for s in specs}
    unknown = sorted(str(k) for k in set(given) - set(allowed))
    if unknown:
        raise ValueError(f"Unknown option {unknown[0]!r} for {owner}; allowed: {', '.join(allowed) or 'none'}")
    out = {}
    for spec in specs:
        value = given.get(spec.name, spec.default)
        out[spec.name] = check_value(spec, value, length=lengths.get(spec.name))
    return out
