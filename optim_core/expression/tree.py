"""Gate 3: the whitelisted Python tree becomes a :class:`Term` tree, the formula exactly as typed.

A Term is what a student's torch script would compute, operation for operation: ``x`` and ``y`` are tensors, every
number is a Python float, and an operation whose operands are all numbers is done in Python before torch sees it
(so ``2pi x`` multiplies x by the one float 2*pi). That is why a Term is a tree, not a DAG: torch records every
occurrence of ``sin(x)`` as its own autograd node, and the order of the gradient's sums depends on it.

Constant parts are folded here, with Python's float arithmetic, when the result is a modest finite number; a
constant exponent over 100 or a constant over 1e300 is refused. A part that cannot fold (``1/0``, ``log(-1)``) is
kept, and evaluation reports it.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

from ..backend import FLOAT
from . import limits
from .errors import ExpressionError
from .tokens import CONSTANTS, FUNCTIONS, Source
from .whitelist import BINOPS

_FOLD: dict[str, Callable] = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                              "div": operator.truediv, "pow": math.pow, "neg": operator.neg,
                              **{name: getattr(FLOAT, attr) for name, attr in FUNCTIONS.items()}}


class Term:
    """One operation of the typed formula. ``op`` is "const", "var", "neg", "add", "sub", "mul", "div", "pow" or a
    function name; ``value`` is a constant's value or a variable's index (0 for x, 1 for y); ``free`` has bit k set
    when the term depends on variable k."""

    __slots__ = ("op", "args", "value", "free")

    def __init__(self, op: str, args: tuple[Term, ...] = (), value: float = 0.0):
        self.op, self.args, self.value = op, args, value
        free = (1 << int(value)) if op == "var" else 0
        for a in args:
            free |= a.free
        self.free = free

    def __repr__(self) -> str:
        if self.op == "const":
            return repr(self.value)
        if self.op == "var":
            return f"var{int(self.value)}"
        return f"{self.op}({', '.join(map(repr, self.args))})"

    def walk(self):
        """Every term of the tree, children before parents (iteratively: any depth is safe)."""
        stack: list[tuple[Term, bool]] = [(self, False)]
        while stack:
            t, expanded = stack.pop()
            if expanded or not t.args:
                yield t
            else:
                stack.append((t, True))
                stack.extend((a, False) for a in reversed(t.args))


def fold(op: str, args: tuple[Term, ...]) -> float | None:
    """Python's value of `op` on constant terms; None where it is not a finite real (evaluation reports it), and
    an error over 1e300."""
    try:
        v = _FOLD[op](*(a.value for a in args))
    except (ZeroDivisionError, ValueError, TypeError):
        return None
    except OverflowError:
        v = math.inf
    if not isinstance(v, float | int) or v != v:
        return None
    if abs(v) > limits.MAX_CONSTANT:
        raise OverflowError
    return float(v)


class Converter:
    """Whitelisted Python AST -> Term tree, enforcing the depth and size limits."""

    def __init__(self, src: Source):
        self.src, self.count = src, 0
        self.variables = {name: k for k, name in enumerate(src.grammar.variables)}

    def _make(self, op: str, args: tuple[Term, ...], pos: int) -> Term:
        if op == "pow" and args[1].op == "const" and abs(args[1].value) > limits.MAX_EXPONENT:
            exponent = args[1].value
            shown = str(int(exponent)) if exponent.is_integer() and abs(exponent) < 1e16 else repr(exponent)
            raise ExpressionError("exponent_too_large", pos, exponent=shown, limit=f"{limits.MAX_EXPONENT:g}")
        if all(a.op == "const" for a in args):
            try:
                v = fold(op, args)
            except OverflowError:
                raise ExpressionError("constant_too_large", pos, limit=f"{limits.MAX_CONSTANT:g}") from None
            if v is not None:
                return Term("const", (), v)
        return Term(op, args)

    def convert(self, node: ast.expr, depth: int = 1) -> Term:
        if depth > limits.MAX_DEPTH:
            raise ExpressionError("too_deep", self.src.at(node).pos, limit=limits.MAX_DEPTH)
        self.count += 1
        if self.count > limits.MAX_NODES:
            raise ExpressionError("too_many_parts", self.src.at(node).pos, limit=limits.MAX_NODES)
        if isinstance(node, ast.Constant):
            return Term("const", (), float(node.value))
        if isinstance(node, ast.Name):
            if node.id in self.variables:
                return Term("var", (), float(self.variables[node.id]))
            return Term("const", (), CONSTANTS[node.id])
        if isinstance(node, ast.UnaryOp):
            a = self.convert(node.operand, depth + 1)
            # +t is t itself (torch.positive returns its input); -t is torch.neg
            return self._make("neg", (a,), self.src.at(node).pos) if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.BinOp):
            left, right = self.convert(node.left, depth + 1), self.convert(node.right, depth + 1)
            return self._make(BINOPS[type(node.op)], (left, right), self.src.after(node.left.end_col_offset).pos)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # all that the whitelist lets through
        args = tuple(self.convert(a, depth + 1) for a in node.args)
        return self._make(node.func.id, args, self.src.at(node).pos)


def evaluate(term: Term, variables, ops: dict[str, Callable]):
    """The value of `term` with ``ops[op](*args)`` for each operation: how another engine (torch, for the goldens)
    computes the same tree. Constants are Python floats; ``variables[k]`` stands for variable k."""
    values: dict[int, object] = {}
    for t in term.walk():
        if t.op == "const":
            values[id(t)] = t.value
        elif t.op == "var":
            values[id(t)] = variables[int(t.value)]
        elif not t.free:  # an all-constant part that did not fold: Python's arithmetic, which raises
            values[id(t)] = _FOLD[t.op](*(values[id(a)] for a in t.args))
        else:
            values[id(t)] = ops[t.op](*(values[id(a)] for a in t.args))
    return values[id(term)]
