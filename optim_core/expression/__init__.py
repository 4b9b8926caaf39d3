"""Typed formulas f(x, y) -> :class:`Surface` with torch's exact gradient, without ever running the text as code.

The text comes from strangers on a public server, so it passes these gates, each refusing with an
:class:`ExpressionError` (a ``code``, its ``params``, the English ``message`` and a 0-based ``position`` into the
text as typed):

1. :mod:`.tokens` accepts ASCII numbers, names and operators only, turns ``^`` into ``**``, inserts the implicit
   ``*`` and writes a Python expression string, remembering which typed position each column came from.
2. ``ast.parse(..., mode="eval")`` parses that string (parsing builds a tree, nothing runs) and :mod:`.whitelist`
   walks the tree against a whitelist of node types, names, functions and arities.
3. :mod:`.tree` turns it into a :class:`Term` tree: the formula exactly as typed, constants folded as Python would.
4. :mod:`.autograd` runs reverse mode over that tree in the order of torch's autograd engine, building values and
   gradients in a shared DAG (:mod:`.dag`), and :mod:`.program` compiles them into closures over a backend's
   functions (no code generation).

Built-in surfaces (:mod:`optim_core.surfaces`) are formulas too, so both kinds share this one engine.

Grammar decisions. ``^`` and ``**`` are both power, right-associative and tighter than unary minus, as in
Python: ``-x^2`` is -(x^2), ``2^-x`` is 2^(-x), ``x^2^3`` is x^8. A product is implied where a number, ``x``,
``y``, ``pi``, ``e`` or ``)`` is followed by a name or ``(``: ``2x``, ``2 x``, ``3(x+y)``, ``(x+1)(y-1)``,
``2 sin(x)``, ``sin(x)cos(y)``, ``x y`` (the space separates the names) and ``x(y+1)``. It binds like ``*``, so
``1/2x`` is (1/2)*x and ``2x^2`` is 2*(x^2). A number is never an implied factor on the right (``x 2``,
``(x)2``, ``2 3`` are refused), and ``xy`` is one name, refused with "write x*y". ``2e3`` is the number 2000,
while ``2e`` and ``2e-x`` read as 2*e and 2*e - x. ``log`` is the natural log; ``e^x`` is ``pow(e, x)``, as
``math.e ** x`` is in torch (not ``exp(x)``, which rounds differently).

Limits (:mod:`.limits`): 300 characters, brackets nested 50 deep, a tree 50 deep with 500 nodes, constants up to
1e300, constant exponents up to 100 in size (so ``9**9**9`` is refused before anything is computed), 20000 nodes
for value and derivatives together, and 0.5 s of the thread's CPU time to prepare.

Evaluation follows the backend: on floats a division by zero or a log of a negative raises one of
``FLOAT_ERRORS``, on arrays it gives inf or nan. On floats powers use ``math.pow``, which raises ``ValueError``
where ``**`` would make ``(-8.0) ** (1/3)`` a complex number.

>>> s = parse_expression("x^2 + 3y")
>>> s.fg(1.0, 2.0, FLOAT)
(7.0, 2.0, 3.0)
>>> s.latex
'x^{2} + 3 y'
>>> check_expression("xy")["error"]["message"]
"unknown name 'xy'; write x*y"
>>> scalar_function("0.95^t")(2)
0.9025
"""

from __future__ import annotations

import functools
import keyword
import math
import time
from collections.abc import Callable

from ..backend import FLOAT
from . import limits
from .autograd import record
from .dag import Builder
from .errors import MESSAGES, ExpressionError
from .latex import latex as _latex
from .limits import (
    DEFAULT_DOMAIN,
    MAX_CONSTANT,
    MAX_DEPTH,
    MAX_DOMAIN,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NODES,
    MAX_TOTAL_NODES,
    TIME_LIMIT,
)
from .program import Program, float_runner
from .surface import START_RULE, Domain, Point, Surface, compile_surface, default_start
from .tokens import BINARY, CONSTANTS, FUNCTIONS, SURFACE, UNARY, Grammar, Source
from .tree import Converter, Term, evaluate
from .whitelist import check


def parse_term(text: str, grammar: Grammar = SURFACE) -> tuple[Term, str]:
    """The :class:`Term` tree of `text` and its LaTeX: gates 1 to 3, no evaluation."""
    if not isinstance(text, str):
        raise ExpressionError("not_a_string")
    if len(text) > limits.MAX_LENGTH:
        raise ExpressionError("too_long", limits.MAX_LENGTH, limit=limits.MAX_LENGTH)
    if not text.strip():
        raise ExpressionError("empty", 0)
    src = Source(text, grammar)
    tree = src.parse()
    check(tree, src)
    return Converter(src).convert(tree.body), _latex(tree.body)[0]


def _domain(domain) -> Domain:
    if domain is None:
        return DEFAULT_DOMAIN
    try:
        (x0, x1), (y0, y1) = domain
        pairs = ((float(x0), float(x1)), (float(y0), float(y1)))
    except (TypeError, ValueError):
        raise ExpressionError("bad_domain") from None
    for axis, (lo, hi) in zip("xy", pairs, strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi) and abs(lo) <= MAX_DOMAIN and abs(hi) <= MAX_DOMAIN):
            raise ExpressionError("range_not_finite", axis=axis, limit=f"{MAX_DOMAIN:g}")
        if not lo < hi:
            raise ExpressionError("range_empty", axis=axis, low=f"{lo:g}", high=f"{hi:g}")
    return pairs


def formula_surface(text: str, domain: Domain, **metadata) -> Surface:
    """The surface of formula `text` over `domain`: the one constructor of built-in and typed surfaces alike.
    `metadata` fills the other fields; without a ``start``, :data:`START_RULE` picks one."""
    deadline = time.thread_time() + limits.TIME_LIMIT
    term, tex = parse_term(text)
    compiled = compile_surface(term, deadline)
    if time.thread_time() > deadline:
        raise ExpressionError("too_slow", limit=limits.TIME_LIMIT)
    fields = {"name": "custom", "label": text, "minima": (), "latex": tex, "log_scale": False, **metadata}
    if "start" not in fields:
        fields["start"] = default_start(compiled.fn, compiled.fg, domain)
    return Surface(fn=compiled.fn, fg=compiled.fg, domain=domain, expression=text, weight=compiled.weight,
                   **fields)


@functools.lru_cache(maxsize=256)
def _build(text: str, domain: Domain) -> Surface:
    return formula_surface(text, domain)


def parse_expression(text: str, *, domain=None) -> Surface:
    """The surface z = f(x, y) typed as `text`, with torch's gradient; raises :class:`ExpressionError`.

    `domain` is ((xmin, xmax), (ymin, ymax)), by default ((-3, 3), (-3, 3)). Results are cached (LRU, 256).
    """
    if not isinstance(text, str):
        raise ExpressionError("not_a_string")
    return _build(text, _domain(domain))


def check_expression(text: str) -> dict:
    """{"ok": True, "latex": ...} or {"ok": False, "error": {"code", "params", "message", "position"}}."""
    try:
        surface = parse_expression(text)
    except ExpressionError as err:
        return {"ok": False, "error": err.to_dict()}
    return {"ok": True, "latex": surface.latex}


@functools.lru_cache(maxsize=64)
def scalar_function(text: str, variable: str = "t") -> Callable[[float], float]:
    """f(t) typed as `text`, for a schedule's factor ("0.95^t", "min(1, (t+1)/10)"), through the same gates.

    The function takes a number and returns a float; where the formula leaves the reals it raises one of
    ``FLOAT_ERRORS``.
    """
    if not (isinstance(variable, str) and variable.isidentifier() and variable not in FUNCTIONS
            and variable not in CONSTANTS and not keyword.iskeyword(variable)):
        raise ExpressionError("bad_variable", name=variable)
    term, _ = parse_term(text, Grammar((variable,)))
    run = float_runner(Program([_value(term)], 1, FLOAT), 1)

    def f(t: float) -> float:
        return run(float(t))[0]
    return f


def _value(term: Term):
    return record(term, Builder(time.thread_time() + limits.TIME_LIMIT))[0]


__all__ = ["ExpressionError", "Surface", "Term", "parse_expression", "check_expression", "scalar_function",
           "formula_surface", "parse_term", "evaluate", "START_RULE", "MESSAGES", "DEFAULT_DOMAIN", "MAX_LENGTH",
           "MAX_DEPTH", "MAX_NODES", "MAX_TOTAL_NODES", "MAX_EXPONENT", "MAX_CONSTANT", "MAX_DOMAIN", "TIME_LIMIT",
           "UNARY", "BINARY", "FUNCTIONS", "CONSTANTS", "Point"]
