"""The tiny math backend that lets one update rule serve a single path and a batch.

Every optimizer here except L-BFGS is elementwise once the gradient is known, so each update is written once
against the handful of functions below, named as torch's tensor methods are (``add(t, u, alpha)`` is
``t.add(u, alpha=alpha)``, ``addcmul``, ``addcdiv``, ``lerp``), so a kernel line reads as the line of
``torch.optim._single_tensor_*`` it mirrors. ``FLOAT`` runs it on Python floats, one coordinate at a time, which is
what makes a single 2-D trajectory cheap (a NumPy call on a (2,) array costs ~10 us, a float op ~30 ns).
``ARRAY`` runs the very same code on NumPy arrays for a batch of start points.

Both follow IEEE double arithmetic, so a float path and a batch row agree to the last bit wherever the libm and
NumPy elementary functions agree (sqrt always does; exp/sin/cos may differ by one ulp).

torch's CPU kernels fuse multiply-adds: ``a.add_(b, alpha=w)`` is ``fma(w, b, a)``, ``a.addcmul_(b, c, value=w)``
is ``fma(w * b, c, a)`` and ``lerp`` is an fma too, while ``addcdiv_`` is ``a + (w * b) / c`` with no fusion
(measured on torch 2.13 CPU). Python 3.11 has no ``math.fma`` and NumPy has no fma ufunc, so :func:`fma` below is
Dekker's exact product plus an error-free sum: one rounding, as the hardware instruction does (a double rounding
is possible in principle, far below anything a 2-D path can show). Every path uses it by default, the batch
included, so a batch row equals the single run bit for bit. Only a batch run with ``exact=False`` swaps in
``ARRAY_FAST``, a plain multiply-add: one rounding away from torch per multiply-add.

On floats, a step that leaves the reals raises (``OverflowError``, ``ZeroDivisionError``, ``ValueError``) where
NumPy would give inf or nan; :data:`FLOAT_ERRORS` lists them so the step loop can treat both as divergence.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

FLOAT_ERRORS = (OverflowError, ZeroDivisionError, ValueError)


_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitting constant for doubles


def fma(a, b, c):
    """a * b + c with a single rounding, for floats and NumPy arrays alike."""
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a*b = p + e exactly
    s = p + c
    bb = s - p
    return s + (((p - (s - bb)) + (c - bb)) + e)  # (p + c) = s + that error, exactly


def _array_fma(a, b, c):
    """:func:`fma` for NumPy arrays, operation for operation, with fewer temporaries (same bits)."""
    if not isinstance(b, np.ndarray) or np.shape(c) != b.shape or not (isinstance(a, float) or np.shape(a) == b.shape):
        # A scalar b (lerp's 1 - weight when weight >= 0.5) or operands that broadcast: the temporaries below
        # are shaped like b, so use the plain formula (the same operations, so the same bits).
        return fma(a, b, c)
    if isinstance(a, float):
        t = _SPLIT * a
        ah = t - (t - a)
        al = a - ah
    else:
        ah = np.multiply(a, _SPLIT)
        tmp = np.subtract(ah, a)
        np.subtract(ah, tmp, out=ah)
        al = np.subtract(a, ah)
    bh = np.multiply(b, _SPLIT)
    tmp = np.subtract(bh, b)
    np.subtract(bh, tmp, out=bh)
    bl = np.subtract(b, bh)
    p = np.multiply(a, b)
    e = np.multiply(bh, ah)
    e -= p
    np.multiply(bl, ah, out=tmp)
    e += tmp
    np.multiply(bh, al, out=tmp)
    e += tmp
    np.multiply(bl, al, out=tmp)
    e += tmp
    s = np.add(p, c)
    bb = np.subtract(s, p)
    np.subtract(s, bb, out=tmp)
    np.subtract(p, tmp, out=tmp)
    np.subtract(c, bb, out=bb)
    tmp += bb
    tmp += e
    s += tmp
    return s


def _float_add(input, other, alpha):
    """``input.add(other, alpha=alpha)``: ATen fuses it, ``fma(alpha, other, input)`` (inlined: a hot path)."""
    p = alpha * other
    t = _SPLIT * alpha
    ah = t - (t - alpha)
    al = alpha - ah
    t = _SPLIT * other
    bh = t - (t - other)
    bl = other - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + input
    bb = s - p
    return s + (((p - (s - bb)) + (input - bb)) + e)


def _float_addcmul(input, tensor1, tensor2, value):
    """``input.addcmul(tensor1, tensor2, value=value)``: ``fma(value * tensor1, tensor2, input)`` in ATen."""
    a = value * tensor1
    p = a * tensor2
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * tensor2
    bh = t - (t - tensor2)
    bl = tensor2 - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + input
    bb = s - p
    return s + (((p - (s - bb)) + (input - bb)) + e)


def _addcdiv(input, tensor1, tensor2, value):
    """``input.addcdiv(tensor1, tensor2, value=value)``: ``input + (value * tensor1) / tensor2``, not fused."""
    return input + (value * tensor1) / tensor2


def _make_torch_ops(fma_):
    def add(input, other, alpha):
        return fma_(alpha, other, input)

    def addcmul(input, tensor1, tensor2, value):
        return fma_(value * tensor1, tensor2, input)

    return add, addcmul


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
    return math.pow(a, b)  # like C pow: a negative base with a fractional exponent raises, not a complex result


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
    fma=fma,
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
    fma=_array_fma,
    pi=math.pi,
    e=math.e,
)


def _make_lerp(fma_):
    def lerp(start, end, weight: float):
        """``torch.lerp`` for a scalar weight, with ATen's formulas (Lerp.h) and its fused multiply-add.

        ATen switches formulas at |weight| = 0.5 to stay exact at both ends; the numbers match torch's only if we
        do too.
        """
        if abs(weight) < 0.5:
            return fma_(weight, end - start, start)
        return fma_(start - end, 1.0 - weight, end)

    return lerp


FLOAT.lerp = _make_lerp(fma)
ARRAY.lerp = _make_lerp(_array_fma)
FLOAT.add, FLOAT.addcmul, FLOAT.addcdiv = _float_add, _float_addcmul, _addcdiv
ARRAY.add, ARRAY.addcmul = _make_torch_ops(_array_fma)
ARRAY.addcdiv = _addcdiv


def _plain_fma(a, b, c):
    return a * b + c


# The same code with a plain multiply-add, 3-4x cheaper in NumPy than the exact emulation and one rounding away
# from torch's fused result per multiply-add: run(exact=False) uses it for a batch (pictures, never parity).
ARRAY_FAST = SimpleNamespace(**{**vars(ARRAY), "name": "array-fast", "fma": _plain_fma, "lerp": _make_lerp(_plain_fma)})
ARRAY_FAST.add, ARRAY_FAST.addcmul = _make_torch_ops(_plain_fma)
