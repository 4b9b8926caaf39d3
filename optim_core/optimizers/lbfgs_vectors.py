"""The vector operations L-BFGS needs, for two representations of a parameter vector.

:data:`PAIR` holds a 2-D point as a tuple of Python floats: the playground's single path, bit-exact to torch,
where a NumPy call on a (2,) array would cost more than the arithmetic (~10 us against ~30 ns). :data:`VECTOR`
holds P parameters as a NumPy array, for any P. Both do what torch's tensor ops do: ``axpy`` and ``add_step`` are
``t.add_(v, alpha=a)``, one rounding as ATen's fused multiply-add. torch's ``dot`` over P > 2 elements may sum in
another order than ``np.dot``, so VECTOR can differ from torch in the last bits for P > 2; for P = 2 both sum
``a0*b0 + a1*b1`` as torch does.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from ..backend import ARRAY

_SPLIT = 134217729.0  # Veltkamp's constant, as in optim_core.backend.fma


def _pair_split(v):
    """Veltkamp halves of both components, kept with each history vector since the two-loop reuses them."""
    t = _SPLIT * v[0]
    h0 = t - (t - v[0])
    t = _SPLIT * v[1]
    h1 = t - (t - v[1])
    return h0, v[0] - h0, h1, v[1] - h1


def _pair_axpy(a, v, vs, base):
    """(fma(a, v[0], base[0]), fma(a, v[1], base[1])): optim_core.backend.fma inlined, v's halves precomputed."""
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    h, lo = vs[0], vs[1]
    p = a * v[0]
    e = ((ah * h - p) + ah * lo + al * h) + al * lo
    c = base[0]
    s = p + c
    bb = s - p
    r0 = s + (((p - (s - bb)) + (c - bb)) + e)
    h, lo = vs[2], vs[3]
    p = a * v[1]
    e = ((ah * h - p) + ah * lo + al * h) + al * lo
    c = base[1]
    s = p + c
    bb = s - p
    return r0, s + (((p - (s - bb)) + (c - bb)) + e)


def _pair_add_step(x, t, d):
    """torch's ``_add_grad``: ``p.add_(d, alpha=t)``."""
    return _pair_axpy(t, d, _pair_split(d), x)


PAIR = SimpleNamespace(
    neg=lambda v: (-v[0], -v[1]),
    sub=lambda a, b: (a[0] - b[0], a[1] - b[1]),
    mul=lambda v, s: (v[0] * s, v[1] * s),
    dot=lambda a, b: a[0] * b[0] + a[1] * b[1],
    abs_max=lambda v: max(abs(v[0]), abs(v[1])),
    abs_sum=lambda v: abs(v[0]) + abs(v[1]),
    split=_pair_split,
    axpy=_pair_axpy,
    add_step=_pair_add_step,
    isfinite=lambda v: math.isfinite(v[0]) and math.isfinite(v[1]),
    equal=lambda a, b: a == b,
)


def _vector_axpy(a, v, vs, base):
    return ARRAY.fma(a, v, base)


VECTOR = SimpleNamespace(
    neg=lambda v: -v,
    sub=lambda a, b: a - b,
    mul=lambda v, s: v * s,
    dot=lambda a, b: float(np.dot(a, b)),
    abs_max=lambda v: float(np.max(np.abs(v))),
    abs_sum=lambda v: float(np.sum(np.abs(v))),
    split=lambda v: None,
    axpy=_vector_axpy,
    add_step=lambda x, t, d: ARRAY.fma(t, d, x),
    isfinite=lambda v: bool(np.all(np.isfinite(v))),
    equal=lambda a, b: bool(np.array_equal(a, b)),
)
