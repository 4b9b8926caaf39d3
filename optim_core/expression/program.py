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
import operator
from collections.abc import Callable

import numpy as np

from ..backend import FLOAT, fma
from .dag import Node

Closure = Callable[[list], object]

# Operand kinds: "l" a leaf, read from s (the variables, then the constants, then the shared values); "m" an
# arithmetic operation on two leaves, done inline by its operator function (a C call, cheaper than a closure);
# "e" a closure. (op, left kind, right kind) -> factory(*left parameters, *right parameters).
_ARITH: dict[tuple[str, str, str], Callable[..., Closure]] = {
    ("add", "l", "l"): lambda i, j: lambda s: s[i] + s[j],
    ("add", "l", "m"): lambda i, g, m, n: lambda s: s[i] + g(s[m], s[n]),
    ("add", "l", "e"): lambda i, B: lambda s: s[i] + B(s),
    ("add", "m", "l"): lambda f, k, l, j: lambda s: f(s[k], s[l]) + s[j],
    ("add", "m", "m"): lambda f, k, l, g, m, n: lambda s: f(s[k], s[l]) + g(s[m], s[n]),
    ("add", "m", "e"): lambda f, k, l, B: lambda s: f(s[k], s[l]) + B(s),
    ("add", "e", "l"): lambda A, j: lambda s: A(s) + s[j],
    ("add", "e", "m"): lambda A, g, m, n: lambda s: A(s) + g(s[m], s[n]),
    ("add", "e", "e"): lambda A, B: lambda s: A(s) + B(s),
    ("sub", "l", "l"): lambda i, j: lambda s: s[i] - s[j],
    ("sub", "l", "m"): lambda i, g, m, n: lambda s: s[i] - g(s[m], s[n]),
    ("sub", "l", "e"): lambda i, B: lambda s: s[i] - B(s),
    ("sub", "m", "l"): lambda f, k, l, j: lambda s: f(s[k], s[l]) - s[j],
    ("sub", "m", "m"): lambda f, k, l, g, m, n: lambda s: f(s[k], s[l]) - g(s[m], s[n]),
    ("sub", "m", "e"): lambda f, k, l, B: lambda s: f(s[k], s[l]) - B(s),
    ("sub", "e", "l"): lambda A, j: lambda s: A(s) - s[j],
    ("sub", "e", "m"): lambda A, g, m, n: lambda s: A(s) - g(s[m], s[n]),
    ("sub", "e", "e"): lambda A, B: lambda s: A(s) - B(s),
    ("mul", "l", "l"): lambda i, j: lambda s: s[i] * s[j],
    ("mul", "l", "m"): lambda i, g, m, n: lambda s: s[i] * g(s[m], s[n]),
    ("mul", "l", "e"): lambda i, B: lambda s: s[i] * B(s),
    ("mul", "m", "l"): lambda f, k, l, j: lambda s: f(s[k], s[l]) * s[j],
    ("mul", "m", "m"): lambda f, k, l, g, m, n: lambda s: f(s[k], s[l]) * g(s[m], s[n]),
    ("mul", "m", "e"): lambda f, k, l, B: lambda s: f(s[k], s[l]) * B(s),
    ("mul", "e", "l"): lambda A, j: lambda s: A(s) * s[j],
    ("mul", "e", "m"): lambda A, g, m, n: lambda s: A(s) * g(s[m], s[n]),
    ("mul", "e", "e"): lambda A, B: lambda s: A(s) * B(s),
    ("div", "l", "l"): lambda i, j: lambda s: s[i] / s[j],
    ("div", "l", "m"): lambda i, g, m, n: lambda s: s[i] / g(s[m], s[n]),
    ("div", "l", "e"): lambda i, B: lambda s: s[i] / B(s),
    ("div", "m", "l"): lambda f, k, l, j: lambda s: f(s[k], s[l]) / s[j],
    ("div", "m", "m"): lambda f, k, l, g, m, n: lambda s: f(s[k], s[l]) / g(s[m], s[n]),
    ("div", "m", "e"): lambda f, k, l, B: lambda s: f(s[k], s[l]) / B(s),
    ("div", "e", "l"): lambda A, j: lambda s: A(s) / s[j],
    ("div", "e", "m"): lambda A, g, m, n: lambda s: A(s) / g(s[m], s[n]),
    ("div", "e", "e"): lambda A, B: lambda s: A(s) / B(s),
}
_OPERATOR = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}

# Two-argument functions (pow, min, max) by operand kinds ("m" operands come as closures); f is the function.
_CALL2: dict[tuple[str, str], Callable] = {
    ("l", "l"): lambda f, i, j: lambda s: f(s[i], s[j]),
    ("l", "e"): lambda f, i, B: lambda s: f(s[i], B(s)),
    ("e", "l"): lambda f, A, j: lambda s: f(A(s), s[j]),
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
    """`roots` compiled for one backend: the closures of the shared values (``tape``), then one closure per root
    (``outputs``). ``s`` starts as the variables followed by ``fixed``, the constants; each tape closure appends."""

    def __init__(self, roots: list[Node], nvars: int, b):
        order, uses = _schedule(roots)
        const = float if b is FLOAT else np.float64  # so an unfolded 1/0 gives inf on arrays, as numpy does
        consts = [n for n in order if n.op == "const"]
        where: dict[int, int] = {id(n): nvars + k for k, n in enumerate(consts)}
        ntape = 0
        made: dict[int, tuple] = {}  # id -> (kind, *parameters)
        tape: list[Closure] = []
        root_ids = {id(r) for r in roots}
        for n in order:
            if n.op == "var":
                where[id(n)] = int(n.value)
            if id(n) in where:
                made[id(n)] = ("l", where[id(n)])
                continue
            kids = [made[id(a)] for a in n.args]
            shared = uses[id(n)] > 1 or (id(n) in root_ids and uses[id(n)] > 0)
            if n.op in _OPERATOR and kids[0][0] == kids[1][0] == "l" and not shared and id(n) not in root_ids:
                made[id(n)] = ("m", _OPERATOR[n.op], kids[0][1], kids[1][1])  # the parent does it inline
                continue
            c = _closure(n, kids, b)
            if shared:
                where[id(n)] = nvars + len(consts) + ntape
                ntape += 1
                tape.append(c)
                made[id(n)] = ("l", where[id(n)])
            else:
                made[id(n)] = ("e", c)
        self.tape = tuple(tape)
        self.fixed = tuple(const(n.value) for n in consts)
        # The roots no other node uses are computed by the return statement, outside the tape.
        self.outputs = tuple(_as_closure(made[id(r)]) for r in roots)
        self.size = len(order)
        self.weight = sum(_WEIGHT.get(n.op, 1) for n in order if n.op not in ("var", "const"))


def _closure(n: Node, kids: list[tuple], b) -> Closure:
    op = n.op
    if op in _OPERATOR:
        (ka, *pa), (kb, *pb) = kids
        return _ARITH[op, ka, kb](*pa, *pb)
    if op == "neg":
        ((k, *p),) = kids
        if k == "l":
            (i,) = p
            return lambda s: -s[i]
        A = _as_closure(kids[0])
        return lambda s: -A(s)
    if op in _SELECTS:
        closures = [_as_closure(k) for k in kids] + [None]
        if b is FLOAT:
            return _float_lazy(op, *closures[:3])
        A, B, C = closures[:3]
        if C is None:
            return lambda s: _array_select(op, A(s), B(s), None)
        return lambda s: _array_select(op, A(s), B(s), C(s))
    if op == "fma":
        A, B, C = (_as_closure(k) for k in kids)
        return lambda s: fma(A(s), B(s), C(s))
    f = getattr(b, _FUNCS[op])
    if op == "pow" and b is FLOAT:
        f = math.pow  # C pow: a negative base to a fractional power raises, never a complex number
    if len(kids) == 2:
        ka, kb = ("l" if k[0] == "l" else "e" for k in kids)
        pa = kids[0][1] if ka == "l" else _as_closure(kids[0])
        pb = kids[1][1] if kb == "l" else _as_closure(kids[1])
        return _CALL2[ka, kb](f, pa, pb)
    ((k, *p),) = kids
    if k == "l":
        (i,) = p
        return lambda s: f(s[i])
    if k == "m":
        g, i, j = p
        return lambda s: f(g(s[i], s[j]))
    (A,) = p
    return lambda s: f(A(s))


def _as_closure(kind: tuple) -> Closure:
    k, *p = kind
    if k == "e":
        return p[0]
    if k == "l":
        (i,) = p
        return lambda s: s[i]
    g, i, j = p
    return lambda s: g(s[i], s[j])


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
    """run(*variables) -> the tuple of the roots' values, on Python floats."""
    tape, fixed, outs = p.tape, p.fixed, p.outputs

    def run(*xs):
        s = [*xs, *fixed]
        app = s.append
        for c in tape:
            app(c(s))
        return tuple([o(s) for o in outs])
    return run


def array_runner(p: Program) -> Callable:
    tape, fixed, outs = p.tape, p.fixed, p.outputs

    def run(*xs):
        s = [*xs, *fixed]
        for c in tape:
            s.append(c(s))
        return tuple([o(s) for o in outs])
    return run
