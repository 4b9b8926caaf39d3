"""The tiny math backend that lets one update rule serve a single path and a batch.

Every optimizer here except L-BFGS is elementwise once the gradient is known, so each update is written once
against the handful of functions below. ``FLOAT`` runs it on Python floats, one coordinate at a time, which is
what makes a single 2-D trajectory cheap (a NumPy call on a (2,) array costs ~10 us, a float op ~30 ns).
``ARRAY`` runs the very same code on NumPy arrays for a batch of start points.

Both follow IEEE double arithmetic, so a float path and a batch row agree to the last bit wherever the libm and
NumPy elementary functions agree (sqrt always does; exp/sin/cos may differ by one ulp).

On floats, a step that leaves the reals raises (``OverflowError``, ``ZeroDivisionError``, ``ValueError``) where
NumPy would give inf or nan; :data:`FLOAT_ERRORS` lists them so the step loop can treat both as divergence.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

FLOAT_ERRORS = (OverflowError, ZeroDivisionError, ValueError)


def _float_sign(v: float) -> float:
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0 * v)  # 0.0*nan keeps nan, as torch.sign does


def _float_maximum(a: float, b: float) -> float:
    # torch.maximum and np.maximum propagate nan; builtin max() does not.
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


def _float_minimum(a: float, b: float) -> float:
    if a != a or b != b:
        return math.nan
    return a if a <= b else b


def _float_clip(v: float, lo: float, hi: float) -> float:
    return _float_minimum(_float_maximum(v, lo), hi)


def _float_where(cond: bool, a: float, b: float) -> float:
    return a if cond else b


def _float_pow(a: float, b: float) -> float:
    return a**b


FLOAT = SimpleNamespace(
    name="float",
    sqrt=math.sqrt,
    exp=math.exp,
    log=math.log,
    sin=math.sin,
    cos=math.cos,
    tan=math.tan,
    tanh=math.tanh,
    sinh=math.sinh,
    cosh=math.cosh,
    arctan=math.atan,
    abs=abs,
    sign=_float_sign,
    maximum=_float_maximum,
    minimum=_float_minimum,
    clip=_float_clip,
    where=_float_where,
    power=_float_pow,
    pi=math.pi,
    e=math.e,
)

ARRAY = SimpleNamespace(
    name="array",
    sqrt=np.sqrt,
    exp=np.exp,
    log=np.log,
    sin=np.sin,
    cos=np.cos,
    tan=np.tan,
    tanh=np.tanh,
    sinh=np.sinh,
    cosh=np.cosh,
    arctan=np.arctan,
    abs=np.abs,
    sign=np.sign,
    maximum=np.maximum,
    minimum=np.minimum,
    clip=np.clip,
    where=np.where,
    power=np.power,
    pi=math.pi,
    e=math.e,
)


def lerp(start, end, weight: float):
    """torch.lerp's formula for a scalar weight, rounding step for rounding step (ATen's Lerp.h).

    Torch switches formulas at |weight| = 0.5 to stay exact at both ends; the numbers match torch's only if we do too.
    """
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)
