"""Reverse mode over a :class:`Term` tree, in the order in which torch's autograd engine accumulates.

Replaying torch to the bit takes three facts about it:

1. **Which operations record a node, with which backward formula.** Each term on a tensor records one autograd
   node as it is computed, in Python's evaluation order, and the node's ``sequence_nr`` counts up in that order.
   A Python number next to a tensor makes a different operation: ``c - t`` is ``rsub``, ``c / t`` is
   ``t.reciprocal() * c`` (``Tensor.__rdiv__``), ``c ** t`` is ``pow(Scalar, Tensor)``, and ``t ** c`` computes
   its special exponents (2, 3, -1, -2, 0.5, -0.5) without libm's pow. The backward formulas are those of
   derivatives.yaml and FunctionsManual.cpp: pow's is ``grad * (c * t.pow(c - 1))``, mul's ``grad * other``,
   div's ``-grad * ((self / other) / other)`` for the divisor, tanh's a fused ``grad * fma(-r, r, 1)``, and so on.
2. **The order in which nodes run.** The engine runs, among the nodes whose gradient is complete, the one with
   the highest ``sequence_nr`` first. In a tree every node has one consumer, so a node is ready as soon as its
   consumer has run: the backward is a best-first walk of the tree by creation order.
3. **How a tensor used several times adds up its gradient.** Its input buffer keeps the first contribution and
   adds each later one to the running sum (``old + new``), in the order they arrive: a left fold in the order in
   which the nodes that consume it run, and for one node in the order of its inputs (``x * x`` adds
   ``grad * x`` from ``self`` before ``grad * x`` from ``other``). Only x and y are used several times here.

One departure, stated once: torch's sqrt backward ``grad / (2 * result)`` is inf at a zero result, and nan after
a zero factor, as at the tip of the cone ``sqrt(x^2 + y^2)``. Here it is 0 there, the symmetric subgradient, as
torch itself takes for ``abs`` (``sign(0) = 0``).
"""

from __future__ import annotations

import heapq
import math

from .dag import Builder, Node
from .tree import Term


class _Fn:
    """One autograd node: the operation, its inputs as (Term, value Node) and what its backward needs."""

    __slots__ = ("seq", "op", "inputs", "const", "value")

    def __init__(self, seq: int, op: str, inputs: list, const: float, value: Node):
        self.seq, self.op, self.inputs, self.const, self.value = seq, op, inputs, const, value


def record(root: Term, b: Builder) -> tuple[Node, dict[int, _Fn]]:
    """Compute every term's value Node, recording an autograd node for each operation on a tensor, in Python's
    evaluation order. Returns the root's value and term id -> the autograd node that produced the term."""
    value: dict[int, Node] = {}
    made: dict[int, _Fn] = {}
    seq = 0

    def node(op: str, inputs: list, v: Node, const: float = 0.0) -> _Fn:
        nonlocal seq
        seq += 1
        return _Fn(seq, op, inputs, const, v)

    for t in root.walk():
        if t.op == "const":
            value[id(t)] = b.const(t.value)
            continue
        if t.op == "var":
            value[id(t)] = b.var(int(t.value))
            continue
        vals = [value[id(a)] for a in t.args]
        if not t.free:  # numbers only (a part that did not fold): no tensor, no autograd node
            value[id(t)] = b.fn(t.op, *vals)
            continue
        ins = [(a, value[id(a)]) for a in t.args]
        op = t.op
        if op in ("add", "sub", "mul", "div", "pow"):
            left, right = t.args
            if not left.free:  # a number on the left: Tensor.__radd__, __rsub__, __rmul__, __rdiv__, __rpow__
                c = left.value if left.op == "const" else math.nan
                if op == "div":  # c / t is t.reciprocal() * c: two nodes, and another rounding
                    r = b.div(b.const(1.0), vals[1])
                    inner = node("reciprocal", [ins[1]], r)
                    v = b.mul(r, vals[0])
                    made[id(t)] = node("mulc", [(inner, r)], v, c)
                    value[id(t)] = v
                    continue
                if op == "add":
                    v = b.add(vals[1], vals[0])
                elif op == "sub":
                    v = b.sub(vals[0], vals[1])
                elif op == "mul":
                    v = b.mul(vals[1], vals[0])
                elif left.op == "const":
                    v = _scalar_pow(b, c, vals[1])
                else:  # a number part that did not fold (1/0): evaluation reports it
                    v = b.make("pow", *vals)
                made[id(t)] = node({"add": "addc", "sub": "rsub", "mul": "mulc", "pow": "rpow"}[op], [ins[1]], v, c)
            elif not right.free:  # a number on the right
                c = right.value if right.op == "const" else math.nan
                if op != "pow":
                    v = getattr(b, op)(vals[0], vals[1])
                else:
                    v = b.tpow(vals[0], c) if right.op == "const" else b.make("pow", *vals)
                made[id(t)] = node(op + "c", [ins[0]], v, c)
            else:
                v = b.make("pow", *vals) if op == "pow" else getattr(b, op)(*vals)
                made[id(t)] = node(op, ins, v)
        elif op in ("min", "max"):
            v = b.fn(op, *vals)
            made[id(t)] = node(op, ins, v)
        else:
            v = b.neg(vals[0]) if op == "neg" else b.fn(op, *vals)
            made[id(t)] = node(op, ins, v)
        value[id(t)] = v
    return value[id(root)], made


def _scalar_pow(b: Builder, c: float, t: Node) -> Node:
    """``pow(Scalar c, Tensor t)``: ATen fills ones for c == 1, and otherwise calls libm's pow."""
    return b.const(1.0) if c == 1.0 else b.make("pow", b.const(c), t)


def _backward(f: _Fn, g: Node, b: Builder) -> list[tuple[object, Node]]:
    """The gradient each input of `f` receives from `f`, in the order of its inputs (derivatives.yaml)."""
    op, ins, c, r = f.op, f.inputs, f.const, f.value
    a = ins[0][1]
    if op in ("add", "addc", "subc"):
        return [(i, g) for i, _ in ins]
    if op == "sub":
        return [(ins[0][0], g), (ins[1][0], b.neg(g))]
    if op in ("rsub", "neg"):
        return [(ins[0][0], b.neg(g))]
    if op == "mul":
        return [(ins[0][0], b.mul(g, ins[1][1])), (ins[1][0], b.mul(g, a))]
    if op == "mulc":
        return [(ins[0][0], b.mul(g, b.const(c)))]
    if op == "div":
        other = ins[1][1]
        return [(ins[0][0], b.div(g, other)), (ins[1][0], b.mul(b.neg(g), b.div(b.div(a, other), other)))]
    if op == "divc":
        return [(ins[0][0], b.div(g, b.const(c)))]
    if op == "reciprocal":
        return [(ins[0][0], b.mul(b.neg(g), b.mul(r, r)))]
    if op == "powc":
        if c == 0.0:
            return [(ins[0][0], b.const(0.0))]  # zeros_like(self)
        return [(ins[0][0], b.mul(g, b.mul(b.tpow(a, c - 1.0), b.const(c))))]
    if op == "rpow":  # grad * (result * log(c)); at c == 0, 0 where the exponent is >= 0
        if c == 0.0:
            return [(ins[0][0], b.mul(g, b.fn("zero_if_nonneg", a, b.mul(r, b.const(-math.inf)))))]
        log_c = math.log(c) if c > 0 else math.nan
        return [(ins[0][0], b.mul(g, b.mul(r, b.const(log_c))))]
    if op == "pow":
        e = ins[1][1]
        d_self = b.fn("zero_if_zero", e, b.mul(g, b.mul(e, b.make("pow", a, b.sub(e, b.const(1.0))))))
        d_exp = b.mul(g, b.fn("pow_log", a, e, r))  # 0 where a == 0 and e >= 0, else result * log(a)
        return [(ins[0][0], d_self), (ins[1][0], d_exp)]
    if op in ("min", "max"):
        other = ins[1][1]
        return [(ins[0][0], b.fn("d" + op + "_self", a, other, g)),
                (ins[1][0], b.fn("d" + op + "_other", a, other, g))]
    return [(ins[0][0], _UNARY[op](b, g, a, r))]


_UNARY = {
    "sin": lambda b, g, a, r: b.mul(g, b.fn("cos", a)),
    "cos": lambda b, g, a, r: b.mul(g, b.neg(b.fn("sin", a))),
    "tan": lambda b, g, a, r: b.mul(g, b.add(b.mul(r, r), b.const(1.0))),
    "exp": lambda b, g, a, r: b.mul(g, r),
    "log": lambda b, g, a, r: b.div(g, a),
    "sqrt": lambda b, g, a, r: b.fn("sqrt_grad", g, b.mul(r, b.const(2.0))),  # see the module docstring
    "abs": lambda b, g, a, r: b.mul(g, b.fn("sign", a)),
    "tanh": lambda b, g, a, r: b.mul(g, b.fn("fma", b.neg(r), r, b.const(1.0))),  # ATen's tanh_backward
    "sinh": lambda b, g, a, r: b.mul(g, b.fn("cosh", a)),
    "cosh": lambda b, g, a, r: b.mul(g, b.fn("sinh", a)),
    "atan": lambda b, g, a, r: b.div(g, b.add(b.mul(a, a), b.const(1.0))),
}


def gradient(root: Term, b: Builder, nvars: int = 2) -> tuple[Node, list[Node]]:
    """The value of `root` and its gradient with respect to each variable, as torch's autograd computes them."""
    f, made = record(root, b)
    sums: list[Node | None] = [None] * nvars
    top = made.get(id(root))
    if top is None:  # the formula is a variable or a constant
        grads = [b.const(1.0 if root.op == "var" and int(root.value) == k else 0.0) for k in range(nvars)]
        return f, grads
    ready: list[tuple[int, _Fn, Node]] = [(-top.seq, top, b.const(1.0))]
    while ready:
        _, fn, g = heapq.heappop(ready)  # the highest sequence number first, as the engine's ready queue
        for target, contribution in _backward(fn, g, b):
            if isinstance(target, _Fn):
                heapq.heappush(ready, (-target.seq, target, contribution))
            elif target.op == "var":
                k = int(target.value)
                sums[k] = contribution if sums[k] is None else b.add(sums[k], contribution)
            elif isinstance(target, Term) and target.free:
                heapq.heappush(ready, (-made[id(target)].seq, made[id(target)], contribution))
    return f, [s if s is not None else b.const(0.0) for s in sums]
