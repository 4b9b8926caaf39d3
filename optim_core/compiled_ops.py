"""The numba side of :mod:`optim_core.compiled`: the :data:`NUMBA` backend namespace (the float backend's
operations compiled, ``fma`` as LLVM's intrinsic) and the few compiled helpers the kernels and the loop need
(``record``, building and storing state records)."""

from __future__ import annotations

import math
import types as pytypes
from types import SimpleNamespace

import numpy as np

from . import backend as _b
from .spec import NoState

try:
    import numba
    from llvmlite import ir
    from numba import njit
    from numba.extending import intrinsic, overload
except ImportError:  # pragma: no cover - numba is a dependency; without it everything runs on NumPy
    numba = None

AVAILABLE = numba is not None
JIT = {"error_model": "numpy", "fastmath": False, "nogil": True, "cache": True}

if AVAILABLE:
    @intrinsic
    def fma(typingctx, a, b, c):
        """LLVM's llvm.fma.f64: a*b + c with one rounding (the FMA instruction where the CPU has one)."""
        sig = numba.types.float64(numba.types.float64, numba.types.float64, numba.types.float64)

        def codegen(context, builder, signature, args):
            d = ir.DoubleType()
            fn = builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d]))
            return builder.call(fn, args)

        return sig, codegen

    _jit = njit(**JIT)
    _add, _addcmul = _b._make_torch_ops(fma)
    NUMBA = SimpleNamespace(
        name="numba", fma=fma, add=_jit(_add), addcmul=_jit(_addcmul), addcdiv=_jit(_b._addcdiv),
        lerp=_jit(_b._make_lerp(fma)), sqrt=_jit(lambda v: np.sqrt(v)), abs=_jit(lambda v: abs(v)),
        sign=_jit(_b._float_sign), maximum=_jit(_b._float_maximum), minimum=_jit(_b._float_minimum),
        where=_jit(_b._float_where), power=_jit(_b._float_pow), pi=math.pi, e=math.e,
    )
    _clip_min, _clip_max = NUMBA.minimum, NUMBA.maximum
    NUMBA.clip = _jit(lambda v, lo, hi: _clip_min(_clip_max(v, lo), hi))


def _stable(obj, name: str):
    """Give a numba function a fixed identity. numba's disk cache keys a closure on its pickled cells, and a
    compiled function pickles with a random uuid, new in every process: without this, a closure over compiled
    functions (every kernel here) would never be found in the cache again."""
    obj._set_uuid(f"optim_core.compiled:{name}")
    return obj


if AVAILABLE:
    _stable(fma, "fma")
    for _name, _value in vars(NUMBA).items():
        if hasattr(_value, "_set_uuid") and _value is not fma:
            _stable(_value, f"NUMBA.{_name}")

    def record(cls, values):  # the kernels' ``record(Class, (fields...))``, compiled
        raise NotImplementedError  # pragma: no cover - only ever called compiled

    @overload(record, jit_options={"error_model": "numpy"})
    def _record(cls, values):
        return lambda cls, values: cls(*values)

    def _at2(cls, a, c, i):  # cls(a[0][c, i], ...): coordinate c of row i's initial state
        raise NotImplementedError  # pragma: no cover

    _LOAD = [lambda cls, a, j: cls(),
             lambda cls, a, j: cls(a[j, 0]),
             lambda cls, a, j: cls(a[j, 0], a[j, 1]),
             lambda cls, a, j: cls(a[j, 0], a[j, 1], a[j, 2]),
             lambda cls, a, j: cls(a[j, 0], a[j, 1], a[j, 2], a[j, 3]),
             lambda cls, a, j: cls(a[j, 0], a[j, 1], a[j, 2], a[j, 3], a[j, 4]),
             lambda cls, a, j: cls(a[j, 0], a[j, 1], a[j, 2], a[j, 3], a[j, 4], a[j, 5]),
             lambda cls, a, j: cls(a[j, 0], a[j, 1], a[j, 2], a[j, 3], a[j, 4], a[j, 5], a[j, 6]),
             lambda cls, a, j: cls(a[j, 0], a[j, 1], a[j, 2], a[j, 3], a[j, 4], a[j, 5], a[j, 6], a[j, 7])]
    _AT2 = [lambda cls, a, c, i: None,  # only NoState has no fields: compiled kernels see it as None
            lambda cls, a, c, i: cls(a[0][c, i]),
            lambda cls, a, c, i: cls(a[0][c, i], a[1][c, i]),
            lambda cls, a, c, i: cls(a[0][c, i], a[1][c, i], a[2][c, i]),
            lambda cls, a, c, i: cls(a[0][c, i], a[1][c, i], a[2][c, i], a[3][c, i]),
            lambda cls, a, c, i: cls(a[0][c, i], a[1][c, i], a[2][c, i], a[3][c, i], a[4][c, i])]

    def _load(cls, a, j):  # cls(a[j, 0], a[j, 1], ...): a row's state from its table row
        raise NotImplementedError  # pragma: no cover

    def _store(a, j, st):  # a[j, :] = st
        raise NotImplementedError  # pragma: no cover

    @overload(_load, jit_options={"error_model": "numpy"})
    def _load_impl(cls, a, j):
        return _LOAD[len(cls.instance_class._fields)] if cls.instance_class is not NoState else (
            lambda cls, a, j: None)

    @overload(_store, jit_options={"error_model": "numpy"})
    def _store_impl(a, j, st):
        if isinstance(st, numba.types.NoneType):
            return lambda a, j, st: None
        if isinstance(st, numba.types.Optional):  # SGD: the buffer exists only when the step's momentum != 0

            def maybe(a, j, st):
                if st is not None:
                    for c, v in enumerate(st):
                        a[j, c] = v

            return maybe

        def impl(a, j, st):
            for c, v in enumerate(st):
                a[j, c] = v

        return impl

    @overload(_at2, jit_options={"error_model": "numpy"})
    def _at2_impl(cls, a, c, i):
        return _AT2[len(a)]


def _stable_as(name: str):
    return lambda obj: _stable(obj, name)


def _rebind(fn, globals_: dict, closure=None):
    """``fn``'s code with some module globals replaced (numba resolves globals by name, at compile time)."""
    return pytypes.FunctionType(fn.__code__, {**fn.__globals__, **globals_}, fn.__name__, fn.__defaults__,
                                fn.__closure__ if closure is None else closure)




if not AVAILABLE:  # pragma: no cover - without numba, compiled.applicable() is False and nothing here is called
    NUMBA = fma = record = _at2 = _load = _store = None
