"""A surface as torch code: the parsed formula's tree written out as a Python expression over tensors.

No text a user typed becomes code. A typed formula has already passed ``optim_core.expression``'s gates (tokens,
whitelist, limits); here it is parsed again into the tree that optim_core evaluates, and every character of the
emitted expression comes from that tree: operators, ``torch.<function>`` names from a fixed table, and constants
as ``repr`` of floats. A built-in surface goes through the very same parser and writer.

Two engines are supported, because main is replacing the one this branch started from:

- ``optim_core.expression.parse_term`` (main): a :class:`Term` tree that is the formula exactly as typed, constants
  folded as Python folds them, and whose gradient optim_core computes as autograd does on the natural torch code.
  So the natural code is written: ``c / x`` stays ``c / x`` (torch's ``x.reciprocal() * c``), ``e^x`` is
  ``math.e ** x``. A built-in surface's formula is its ``Surface.expression``.
- the older single-module engine: a folded, shared DAG (``e^x`` folded to ``exp(x)``), whose ``c / x`` is one
  division, so it is written ``torch.div(c, x)``. Built-in surfaces there are hand-written, so their formulas are
  listed below (:data:`BUILTIN_FORMULAS`), each checked against its surface by tests/api/test_export.py.

A constant-only part that could not be folded (``1/0``, ``log(-1)``) is written with tensors, which give inf or
nan where Python would raise; the playground stops such a run at its first point either way.
"""

from __future__ import annotations

import math
import time

from optim_core import SURFACES
from optim_core import expression as _expression

TERMS = hasattr(_expression, "parse_term")  # main's engine

# The older engine's built-in surfaces' formulas in the typed grammar, each as its latex in optim_core/surfaces.py
# reads and in the operation order of its hand-written gradient (tests/api/test_export.py checks them against it).
# Main states each once, as Surface.expression (these are its very texts, so scripts read the same on either
# engine), and this table can go once that has merged.
BUILTIN_FORMULAS: dict[str, str] = {
    "rosenbrock": "(1 - x)^2 + 100(y - x^2)^2",
    "beale": "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
    "booth": "(x + 2y - 7)^2 + (2x + y - 5)^2",
    "matyas": "0.26(x^2 + y^2) - 0.48x*y",
    "quadratic": "x^2 + y^2",
    "ill_conditioned": "0.25(x + y)^2 + 25(x - y)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "goldstein_price": ("(1 + (x + y + 1)^2(19 - 14x + 3x^2 - 14y + 6x*y + 3y^2))"
                        "(30 + (2x - 3y)^2(18 - 32x + 12x^2 + 48y - 36x*y + 27y^2))"),
    "six_hump_camel": "(4 - 2.1x^2 + x^4/3)x^2 + x*y + (-4 + 4y^2)y^2",
    "three_hump_camel": "2x^2 - 1.05x^4 + x^6/6 + x*y + y^2",
    "styblinski_tang": "0.5((x^4 - 16x^2 + 5x) + (y^4 - 16y^2 + 5y))",
    "rastrigin": "20 + x^2 - 10cos(2pi*x) + y^2 - 10cos(2pi*y)",
    "ackley": "-20exp(-0.2sqrt(0.5(x^2 + y^2))) - exp(0.5(cos(2pi*x) + cos(2pi*y))) + e + 20",
    "levi": "sin(3pi*x)^2 + (x - 1)^2(1 + sin(3pi*y)^2) + (y - 1)^2(1 + sin(2pi*y)^2)",
    "saddle": "x^2 - y^2",
    "monkey_saddle": "x^3 - 3x*y^2",
    "plateau": "1 - exp(-(x^2 + y^2)/2)",
}

# DAG operation -> torch function; the arithmetic operators are written as operators.
TORCH_FUNCTIONS = {"sin": "torch.sin", "cos": "torch.cos", "tan": "torch.tan", "exp": "torch.exp",
                   "log": "torch.log", "sqrt": "torch.sqrt", "abs": "torch.abs", "tanh": "torch.tanh",
                   "sinh": "torch.sinh", "cosh": "torch.cosh", "atan": "torch.atan", "min": "torch.minimum",
                   "max": "torch.maximum"}
_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
# Python's precedence: a higher number binds tighter. Unary minus sits between * and **: -x**2 is -(x**2).
_ATOM, _POWER, _UNARY, _PRODUCT, _SUM = 5, 4, 3, 2, 1
_LEVEL = {"add": _SUM, "sub": _SUM, "mul": _PRODUCT, "div": _PRODUCT}


def formula_tree(text: str):
    """The tree optim_core evaluates for ``text``, which must already be accepted by ``parse_expression`` (this
    raises ``ExpressionError`` otherwise, as that does)."""
    if TERMS:
        return _expression.parse_term(text)[0]
    # The older engine hands out no tree, so this repeats the first three gates of its _build.
    src = _expression._Source(text)
    tree = src.parse()
    _expression._check(tree, src)
    builder = _expression._Builder(time.perf_counter() + _expression.TIME_LIMIT)
    return _expression._Converter(src, builder).convert(tree.body)


def surface_formula(name: str) -> str:
    """A built-in surface's formula in the typed grammar."""
    return getattr(SURFACES[name], "expression", "") or BUILTIN_FORMULAS[name]


def _pi_multiple(value: float) -> int | None:
    """k where ``value`` is the double nearest k * pi for a small integer k (2pi, 3pi ... as typed), else None."""
    k = round(value / math.pi)
    return k if 2 <= abs(k) <= 100 and k * math.pi == value else None


def _constant(value: float, tensor: bool) -> tuple[str, int]:
    if value == 0.0 and math.copysign(1.0, value) < 0:
        text = "-0.0"  # keeps its sign, which 1/x would show
    elif value == math.pi:
        text = "math.pi"
    elif value == math.e:
        text = "math.e"
    elif value == -math.pi:
        text = "-math.pi"
    elif value == -math.e:
        text = "-math.e"
    elif (k := _pi_multiple(value)) is not None:
        text = f"{k} * math.pi"  # Python computes k * pi first, to the very constant the parser folded
    elif value.is_integer() and abs(value) < 2**53:
        text = str(int(value))  # 100 rather than 100.0; torch turns either into the same double
    else:
        text = repr(value)
    if tensor:  # a constant-only part the parser could not fold (1/0, log(-1)): torch gives inf or nan, no error
        return f"torch.tensor({float(value)!r})", _ATOM
    level = _PRODUCT if " * " in text else _UNARY if text.startswith("-") else _ATOM
    return text, level


def _wrap(part: tuple[str, int], need: int) -> str:
    text, level = part
    return text if level >= need else f"({text})"


def _variable(node) -> str | None:
    if node.op in ("x", "y"):
        return node.op
    if node.op == "var":
        return "xy"[int(node.value)]
    return None


def _write(node, tensor: bool = False) -> tuple[str, int]:
    """(Python source, precedence level) of ``node``. ``tensor``: write constants as tensors (see _constant)."""
    op = node.op
    if op == "const":
        return _constant(node.value, tensor)
    if (name := _variable(node)) is not None:
        return name, _ATOM
    tensor = tensor or node.free == 0
    args = [_write(a, tensor) for a in node.args]
    if op == "neg":
        return "-" + _wrap(args[0], _UNARY), _UNARY
    if op == "pow":  # right-associative: the base must be an atom, the exponent may carry a unary minus
        return f"{_wrap(args[0], _ATOM)} ** {_wrap(args[1], _UNARY)}", _POWER
    if op == "div" and not TERMS and node.args[0].op == "const" and not tensor:
        return f"torch.div({args[0][0]}, {args[1][0]})", _ATOM
    if op in _OPERATORS:
        level = _LEVEL[op]  # left-associative: the right operand needs a tighter level
        return f"{_wrap(args[0], level)} {_OPERATORS[op]} {_wrap(args[1], level + 1)}", level
    if op in ("min", "max"):  # torch.minimum and torch.maximum take tensors only
        args = [_write(a, True) if a.op == "const" else part for a, part in zip(node.args, args, strict=True)]
    if op in TORCH_FUNCTIONS:
        return f"{TORCH_FUNCTIONS[op]}({', '.join(a[0] for a in args)})", _ATOM
    raise ValueError(f"no torch spelling for the operation {op!r}")  # the parser makes no other node


def torch_expression(text: str) -> str:
    """The formula ``text`` (typed grammar) as a Python expression over tensors ``x`` and ``y``.

    >>> torch_expression("(1-x)^2 + 100(y - x^2)^2")
    '(1 - x) ** 2 + 100 * (y - x ** 2) ** 2'
    >>> torch_expression("2 sin(pi x) / (3 + y) - max(x, 1)")
    '2 * torch.sin(math.pi * x) / (3 + y) - torch.maximum(x, torch.tensor(1.0))'
    """
    node = formula_tree(text)
    if node.free == 0:  # a constant formula: a tensor all the same, so that backward() has a graph to walk
        return f"{_write(node, tensor=True)[0]} + 0 * (x + y)"
    return _write(node)[0]


# A schedule's factor runs on Python numbers, as torch calls lr_lambda(epoch) with an int: math's functions and the
# builtins abs, min and max (which take numbers, where torch.minimum needs tensors).
MATH_FUNCTIONS = {"sin": "math.sin", "cos": "math.cos", "tan": "math.tan", "exp": "math.exp", "log": "math.log",
                  "sqrt": "math.sqrt", "abs": "abs", "tanh": "math.tanh", "sinh": "math.sinh", "cosh": "math.cosh",
                  "atan": "math.atan", "min": "min", "max": "max"}


def _write_scalar(node, variable: str) -> tuple[str, int]:
    op = node.op
    if op == "const":
        return _constant(node.value, False)
    if op == "var":
        return variable, _ATOM
    args = [_write_scalar(a, variable) for a in node.args]
    if op == "neg":
        return "-" + _wrap(args[0], _UNARY), _UNARY
    if op == "pow":
        return f"{_wrap(args[0], _ATOM)} ** {_wrap(args[1], _UNARY)}", _POWER
    if op in _OPERATORS:
        level = _LEVEL[op]
        return f"{_wrap(args[0], level)} {_OPERATORS[op]} {_wrap(args[1], level + 1)}", level
    if op in MATH_FUNCTIONS:
        return f"{MATH_FUNCTIONS[op]}({', '.join(a[0] for a in args)})", _ATOM
    raise ValueError(f"no Python spelling for the operation {op!r}")  # the parser makes no other node


def scalar_lambda(text: str, variable: str) -> str:
    """A schedule's factor typed in one variable (``lr_lambda`` in t) as a Python lambda, written from the tree the
    playground parsed (``optim_core.expression.scalar_function`` reads the same text through the same parser), so
    that no character of the text itself becomes code.

    >>> scalar_lambda("0.95^t", "t"), scalar_lambda("min(1, (t+1)/10)", "t")
    ('lambda t: 0.95 ** t', 'lambda t: min(1, (t + 1) / 10)')
    """
    from optim_core.expression import Grammar

    term, _ = _expression.parse_term(text, Grammar((variable,)))
    return f"lambda {variable}: {_write_scalar(term, variable)[0]}"
