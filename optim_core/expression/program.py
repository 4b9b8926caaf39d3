"""Compiling value DAGs into nested closures over a backend's functions: no text is generated, nothing is run.

A program evaluates its roots at a point: the values that several others use are computed once, in dependency
order, into a list ``s`` (which starts with the variables), and everything else is a nest of closures. Each
arithmetic closure reads its operands straight from ``s`` or from a captured constant where it can, so a call is
paid only per operation that is neither a leaf nor shared: this is the single path's hot loop.

On floats a division by zero, a log of a negative or an overflowing exp raise (see ``FLOAT_ERRORS``), where
arrays give inf or nan; the selections torch computes with ``where`` are lazy on floats, so the branch torch
discards cannot raise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..backend import ARRAY, FLOAT, fma
from .dag import Node

Closure = Callable[[list], object]

# (op, left kind, right kind) -> factory(left, right) for the four arithmetic operations; a kind is "s" (a slot
# index into s), "c" (a constant) or "e" (a closure).
_ARITH: dict[tuple[str, str, str], Callable[[object, object], Closure]] = {
    ("add", "s", "s"): lambda i, j: lambda s: s[i] + s[j],
    ("add", "s", "c"): lambda i, c: lambda s: s[i] + c,
    ("add", "c", "s"): lambda c, j: lambda s: c + s[j],
    ("add", "s", "e"): lambda i, B: lambda s: s[i] + B(s),
    ("add", "e", "s"): lambda A, j: lambda s: A(s) + s[j],
    ("add", "c", "e"): lambda c, B: lambda s: c + B(s),
    ("add", "e", "c"): lambda A, c: lambda s: A(s) + c,
    ("add", "e", "e"): lambda A, B: lambda s: A(s) + B(s),
    ("sub", "s", "s"): lambda i, j: lambda s: s[i] - s[j],
    ("sub", "s", "c"): lambda i, c: lambda s: s[i] - c,
    ("sub", "c", "s"): lambda c, j: lambda s: c - s[j],
    ("sub", "s", "e"): lambda i, B: lambda s: s[i] - B(s),
    ("sub", "e", "s"): lambda A, j: lambda s: A(s) - s[j],
    ("sub", "c", "e"): lambda c, B: lambda s: c - B(s),
    ("sub", "e", "c"): lambda A, c: lambda s: A(s) - c,
    ("sub", "e", "e"): lambda A, B: lambda s: A(s) - B(s),
    ("mul", "s", "s"): lambda i, j: lambda s: s[i] * s[j],
    ("mul", "s", "c"): lambda i, c: lambda s: s[i] * c,
    ("mul", "c", "s"): lambda c, j: lambda s: c * s[j],
    ("mul", "s", "e"): lambda i, B: lambda s: s[i] * B(s),
    ("mul", "e", "s"): lambda A, j: lambda s: A(s) * s[j],
    ("mul", "c", "e"): lambda c, B: lambda s: c * B(s),
    ("mul", "e", "c"): lambda A, c: lambda s: A(s) * c,
    ("mul", "e", "e"): lambda A, B: lambda s: A(s) * B(s),
    ("div", "s", "s"): lambda i, j: lambda s: s[i] / s[j],
    ("div", "s", "c"): lambda i, c: lambda s: s[i] / c,
    ("div", "c", "s"): lambda c, j: lambda s: c / s[j],
    ("div", "s", "e"): lambda i, B: lambda s: s[i] / B(s),
    ("div", "e", "s"): lambda A, j: lambda s: A(s) / s[j],
    ("div", "c", "e"): lambda c, B: lambda s: c / B(s),
    ("div", "e", "c"): lambda A, c: lambda s: A(s) / c,
    ("div", "e", "e"): lambda A, B: lambda s: A(s) / B(s),
}

# Two-argument functions (pow, min, max) by operand kinds; f is the backend's function.
_CALL2: dict[tuple[str, str], Callable] = {
    ("s", "s"): lambda f, i, j: lambda s: f(s[i], s[j]),
    ("s", "c"): lambda f, i, c: lambda s: f(s[i], c),
    ("c", "s"): lambda f, c, j: lambda s: f(c, s[j]),
    ("s", "e"): lambda f, i, B: lambda s: f(s[i], B(s)),
    ("e", "s"): lambda f, A, j: lambda s: f(A(s), s[j]),
    ("c", "e"): lambda f, c, B: lambda s: f(c, B(s)),
    ("e", "c"): lambda f, A, c: lambda s: f(A(s), c),
    ("e", "e"): lambda f, A, B: lambda s: f(A(s), B(s)),
}


def _float_lazy(op: str, A: Closure, B: Closure, C: Closure | None) -> Closure:
    """The float versions of torch's ``where`` selections: only the branch torch keeps is computed."""
    if op == "zero_if_zero":  # where(e == 0, 0, v)
        return lambda s: 0.0 if A(s) == 0.0 else B(s)
    if op == "zero_if_nonneg":  # where(e >= 0, 0, v)
        return lambda s: 0.0 if A(s) >= 0.0 else B(s)
    if op == "sqrt_grad":  # g / (2 r), 0 where r == 0 (see autograd.py)
        def sqrt_grad(s):
            d = B(s)
            return 0.0 if d == 0.0 else A(s) / d
        return sqrt_grad
    if op == "pow_log":  # where(a == 0 & e >= 0, 0, result * log(a))
        def pow_log(s):
            a = A(s)
            return 0.0 if a == 0.0 and B(s) >= 0.0 else C(s) * math.log(a)
        return pow_log
    # maximum / minimum backward: where(a == b, g / 2, g), zero where the other argument wins
    wins = {"dmax_self": "lt", "dmax_other": "gt", "dmin_self": "gt", "dmin_other": "lt"}[op]
    G = C

    def select(s):
        a, b = A(s), B(s)
        if (a < b) if wins == "lt" else (a > b):
            return 0.0
        return G(s) / 2 if a == b else G(s)
    return select


def _array_select(op: str, a, b, c):
    with np.errstate(all="ignore"):
        if op == "zero_if_zero":
            return np.where(a == 0.0, 0.0, b)
        if op == "zero_if_nonneg":
            return np.where(a >= 0.0, 0.0, b)
        if op == "sqrt_grad":
            return np.divide(a, b, out=np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b))), where=b != 0.0)
        if op == "pow_log":
            return np.where((a == 0.0) & (b >= 0.0), 0.0, c * np.log(a))
        zero = (a < b) if op in ("dmax_self", "dmin_other") else (a > b)
        return np.where(zero, 0.0, np.where(a == b, c / 2, c))


_SELECTS = ("zero_if_zero", "zero_if_nonneg", "sqrt_grad", "pow_log", "dmax_self", "dmax_other", "dmin_self",
            "dmin_other")
# DAG op -> backend attribute
_FUNCS = {"sqrt": "sqrt", "exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh",
          "sinh": "sinh", "cosh": "cosh", "atan": "arctan", "abs": "abs", "sign": "sign", "max": "maximum",
          "min": "minimum", "pow": "power"}


class Program:
    """`roots` compiled for one backend: ``program(*variables)`` -> the tuple of the roots' values."""

    def __init__(self, roots: list[Node], nvars: int, b):
        self.is_float = b is FLOAT
        order, uses = _schedule(roots)
        const = float if self.is_float else np.float64  # so an unfolded 1/0 gives inf on arrays, as numpy does
        slot: dict[int, int] = {}
        out_consts: list = []
        for r in roots:  # every root gets a slot: a variable's, a constant's, or one the tape fills
            if r.op == "var":
                slot[id(r)] = int(r.value)
            elif r.op == "const" and id(r) not in slot:
                slot[id(r)] = nvars + len(out_consts)
                out_consts.append(const(r.value))
        nfixed = nvars + len(out_consts)
        root_ids = {id(r) for r in roots}
        made: dict[int, tuple[str, object]] = {}  # id -> (kind, index | constant | closure)
        tape: list[Closure] = []
        for n in order:
            if n.op == "var":
                made[id(n)] = ("s", int(n.value))
                continue
            if n.op == "const":
                made[id(n)] = ("s", slot[id(n)]) if id(n) in slot else ("c", const(n.value))
                continue
            c = self._closure(n, [made[id(a)] for a in n.args], b, const)
            if uses[id(n)] > 1 or id(n) in root_ids:
                slot[id(n)] = nfixed + len(tape)
                tape.append(c)
                made[id(n)] = ("s", slot[id(n)])
            else:
                made[id(n)] = ("e", c)
        self.tape = tuple(tape)
        self.fixed = tuple(out_consts)
        self.outputs = tuple(slot[id(r)] for r in roots)
        self.size = len(order)
        self.weight = sum(_WEIGHT.get(n.op, 1) for n in order if n.op not in ("var", "const"))

    @staticmethod
    def _closure(n: Node, kids: list[tuple[str, object]], b, const) -> Closure:
        op = n.op
        if op in ("add", "sub", "mul", "div"):
            (ka, a), (kb, bb) = kids
            if ka == kb == "c":  # a constant operation that did not fold (1/0): evaluate it, and let it raise
                ka, a = "e", (lambda v: lambda s: v)(a)
            return _ARITH[op, ka, kb](a, bb)
        if op == "neg":
            ((k, a),) = kids
            if k == "s":
                return lambda s: -s[a]
            A = _as_closure(k, a)
            return lambda s: -A(s)
        if op in _SELECTS:
            closures = [_as_closure(k, v) for k, v in kids] + [None]
            if b is FLOAT:
                return _float_lazy(op, *closures[:3])
            A, B, C = closures[:3]
            if C is None:
                return lambda s: _array_select(op, A(s), B(s), None)
            return lambda s: _array_select(op, A(s), B(s), C(s))
        if op == "fma":
            A, B, C = (_as_closure(k, v) for k, v in kids)
            return lambda s: fma(A(s), B(s), C(s))
        f = getattr(b, _FUNCS[op])
        if op == "pow" and b is FLOAT:
            f = math.pow  # C pow: a negative base to a fractional power raises, never a complex number
        if len(kids) == 2:
            (ka, a), (kb, bb) = kids
            if ka == kb == "c":
                ka, a = "e", (lambda v: lambda s: v)(a)
            return _CALL2[ka, kb](f, a, bb)
        ((k, a),) = kids
        if k == "s":
            return lambda s: f(s[a])
        A = _as_closure(k, a)
        return lambda s: f(A(s))


def _as_closure(kind: str, v) -> Closure:
    if kind == "e":
        return v
    if kind == "s":
        return lambda s: s[v]
    return lambda s: v


# Relative cost of one operation on floats (measured: a transcendental call costs about two arithmetic closures).
_WEIGHT = {"sqrt": 1, "exp": 2, "log": 2, "sin": 2, "cos": 2, "tan": 2, "tanh": 2, "sinh": 2, "cosh": 2,
           "atan": 2, "pow": 3, "fma": 6, **{op: 2 for op in _SELECTS}}


def _schedule(roots: list[Node]) -> tuple[list[Node], dict[int, int]]:
    """Post-order (children first) of the DAG under `roots`, and how many parents use each node."""
    order: list[Node] = []
    done: set[int] = set()
    for root in roots:
        stack = [root]
        while stack:
            n = stack[-1]
            if id(n) in done:
                stack.pop()
                continue
            pending = [a for a in n.args if id(a) not in done]
            if pending:
                stack.extend(reversed(pending))
            else:
                stack.pop()
                done.add(id(n))
                order.append(n)
    uses = dict.fromkeys(done, 0)
    for n in order:
        for a in n.args:
            uses[id(a)] += 1
    return order, uses


def float_runner(p: Program, nvars: int) -> Callable:
    """run(x, y) -> tuple (or run(t) for one variable, one root -> a float) on Python floats."""
    tape, fixed, outs = p.tape, p.fixed, p.outputs
    if nvars == 2 and len(outs) == 3 and not fixed:
        i, j, k = outs

        def run3(x, y):
            s = [x, y]
            app = s.append
            for c in tape:
                app(c(s))
            return s[i], s[j], s[k]
        return run3

    def run(*xs):
        s = [*xs, *fixed]
        app = s.append
        for c in tape:
            app(c(s))
        return tuple(s[o] for o in outs)
    return run


def array_runner(p: Program) -> Callable:
    tape, fixed, outs = p.tape, p.fixed, p.outputs

    def run(*xs):
        s = [*xs, *fixed]
        for c in tape:
            s.append(c(s))
        return tuple(s[o] for o in outs)
    return run


__all__ = ["Program", "float_runner", "array_runner", "ARRAY"]
