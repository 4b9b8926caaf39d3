"""The values a program computes: an immutable DAG in which equal nodes are one object (hash-consing).

A value is a pure function of x and y, so computing a shared node once gives the very bits that computing it
twice would: sharing here changes speed, never a result. Only identities that are exact for every double are
applied (a*1, a/1, a*-1 -> -a, --a -> a, a-0); a*0 -> 0 is not one of them (it is nan at inf), nor is a+0 -> a
(it turns -0 into 0). Constant operations fold with Python's float arithmetic when they do not raise.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable

from ..backend import FLOAT
from . import limits
from .errors import ExpressionError

# op -> Python's float function, for folding constants.
FOLD: dict[str, Callable] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv, "neg": operator.neg,
    "pow": math.pow, "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos,
    "tan": math.tan, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh, "atan": math.atan, "abs": abs,
    "sign": FLOAT.sign, "max": FLOAT.maximum, "min": FLOAT.minimum,
}


class Node:
    """A vertex of the value DAG: ``op`` with ``args`` (Nodes); ``value`` for "const", the index for "var"."""

    __slots__ = ("op", "args", "value")

    def __init__(self, op: str, args: tuple[Node, ...], value: float):
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "value", value)

    def __setattr__(self, name, value):
        raise AttributeError("Node is immutable")

    def __repr__(self) -> str:
        if self.op == "const":
            return repr(self.value)
        if self.op == "var":
            return "xy"[int(self.value)] if self.value < 2 else f"var{int(self.value)}"
        return f"{self.op}({', '.join(map(repr, self.args))})"


class Builder:
    """Makes nodes, sharing equal ones, within the node and CPU-time limits."""

    def __init__(self, deadline: float):
        self.table: dict[tuple, Node] = {}
        self.deadline = deadline

    def make(self, op: str, *args: Node, value: float = 0.0) -> Node:
        if op == "const":
            key: tuple = (op, value, math.copysign(1.0, value))
        else:
            key = (op, value, *map(id, args))
        node = self.table.get(key)
        if node is None:
            if args and all(a.op == "const" for a in args) and op in FOLD:
                try:
                    return self.const(FOLD[op](*(a.value for a in args)))
                except (ArithmeticError, ValueError, TypeError):
                    pass  # left to evaluation, which raises on floats and gives inf or nan on arrays
            node = self.table[key] = Node(op, args, value)
            if len(self.table) > limits.MAX_TOTAL_NODES:
                raise ExpressionError("too_many_nodes", limit=limits.MAX_TOTAL_NODES)
            if len(self.table) % 256 == 0 and time.thread_time() > self.deadline:
                raise ExpressionError("too_slow", limit=limits.TIME_LIMIT)
        return node

    def const(self, v: float) -> Node:
        return self.make("const", value=float(v))

    def var(self, k: int) -> Node:
        return self.make("var", value=float(k))

    @staticmethod
    def _is(a: Node, v: float) -> bool:
        return a.op == "const" and a.value == v

    def add(self, a: Node, b: Node) -> Node:
        return self.make("add", a, b)

    def sub(self, a: Node, b: Node) -> Node:
        if b.op == "const" and b.value == 0.0 and math.copysign(1.0, b.value) > 0:
            return a  # a - (+0) is a, even for a = -0
        return self.make("sub", a, b)

    def mul(self, a: Node, b: Node) -> Node:
        for p, q in ((a, b), (b, a)):
            if self._is(p, 1.0):
                return q
            if self._is(p, -1.0):
                return self.neg(q)
        return self.make("mul", a, b)

    def div(self, a: Node, b: Node) -> Node:
        if self._is(b, 1.0):
            return a
        if self._is(b, -1.0):
            return self.neg(a)
        return self.make("div", a, b)

    def neg(self, a: Node) -> Node:
        return a.args[0] if a.op == "neg" else self.make("neg", a)

    def fn(self, op: str, *args: Node) -> Node:
        return self.make(op, *args)

    def tpow(self, a: Node, e: float) -> Node:
        """``a.pow(e)`` for a constant e as torch computes it: ATen's Pow kernels special-case these exponents (a
        libm pow(a, 2.0) need not equal a * a, so the special cases matter to the last bit)."""
        if e == 0.0:
            return self.const(1.0)  # torch fills ones, even for nan
        if e == 1.0:
            return a  # a copy
        if e == 2.0:
            return self.mul(a, a)
        if e == 3.0:
            return self.mul(self.mul(a, a), a)
        if e == -1.0:
            return self.div(self.const(1.0), a)
        if e == -2.0:
            return self.div(self.const(1.0), self.mul(a, a))
        if e == 0.5:
            return self.fn("sqrt", a)
        if e == -0.5:
            return self.div(self.const(1.0), self.fn("sqrt", a))
        return self.make("pow", a, self.const(e))
