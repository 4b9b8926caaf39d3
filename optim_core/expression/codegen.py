"""Dev-time: write the built-in surfaces' float programs as a plain Python module, for the single path's speed.

    python -m optim_core.expression.codegen    # rewrites optim_core/expression/builtin_float.py

A closure per operation costs about four times what the same arithmetic costs inline, and the float fg is the hot
loop of every single run. So, for the built-in formulas only, the very program the engine compiles into closures
(the same DAG, the same shared values, the same operations in the same order) is also printed as straight-line
Python, committed, and imported like any module. Nothing is generated or compiled at run time, and typed formulas
never come here. Two tests hold this honest: the committed file equals what this script prints now, and every
built-in surface equals the same formula typed (which runs on closures), bit for bit.
"""

from __future__ import annotations

import math
from pathlib import Path

from .autograd import gradient
from .dag import Builder, Node
from .program import _FUNCS, _schedule
from .tree import Term

OUT = Path(__file__).with_name("builtin_float.py")

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _literal(v: float) -> str:
    if math.isnan(v):
        return "_NAN"
    if math.isinf(v):
        return "_INF" if v > 0 else "(-_INF)"
    return f"({v!r})" if v < 0 or math.copysign(1.0, v) < 0 else repr(v)


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def expr(self, n: Node, a: list[str]) -> str:
        op = n.op
        if op in _INFIX:
            return f"({a[0]} {_INFIX[op]} {a[1]})"
        if op == "neg":
            return f"(-{a[0]})"
        if op == "fma":
            return f"_fma({a[0]}, {a[1]}, {a[2]})"
        if op == "zero_if_zero":  # the same lazy selections as program._float_lazy
            return f"(0.0 if {a[0]} == 0.0 else {a[1]})"
        if op == "zero_if_nonneg":
            return f"(0.0 if {a[0]} >= 0.0 else {a[1]})"
        if op == "sqrt_grad":
            d = self.fresh("_d")
            return f"(0.0 if ({d} := {a[1]}) == 0.0 else {a[0]} / {d})"
        if op == "pow_log":
            v = self.fresh("_a")
            return f"(0.0 if ({v} := {a[0]}) == 0.0 and {a[1]} >= 0.0 else {a[2]} * _log({v}))"
        if op.startswith(("dmax_", "dmin_")):
            p, q = self.fresh("_p"), self.fresh("_q")
            wins = "<" if op in ("dmax_self", "dmin_other") else ">"
            return f"(0.0 if ({p} := {a[0]}) {wins} ({q} := {a[1]}) else ({a[2]} / 2 if {p} == {q} else {a[2]}))"
        fn = "_pow" if op == "pow" else f"_{_FUNCS[op]}"
        return f"{fn}({', '.join(a)})"

    def body(self, roots: list[Node], indent: str) -> list[str]:
        order, uses = _schedule(roots)
        root_ids = {id(r) for r in roots}
        text: dict[int, str] = {}
        lines = []
        for n in order:
            if n.op == "var":
                text[id(n)] = "xy"[int(n.value)]
            elif n.op == "const":
                text[id(n)] = _literal(n.value)
            else:
                e = self.expr(n, [text[id(a)] for a in n.args])
                if uses[id(n)] > 1 or (id(n) in root_ids and uses[id(n)] > 0):
                    name = self.fresh("t")
                    lines.append(f"{indent}{name} = {e}")
                    text[id(n)] = name
                else:
                    text[id(n)] = e
        outs = [text[id(r)] for r in roots]
        lines.append(f"{indent}return {outs[0] if len(outs) == 1 else '(' + ', '.join(outs) + ')'}")
        return lines


def function_source(name: str, term: Term) -> str:
    """def <name>(array_fn, array_fg) -> (fn, fg): the float programs of `term` inline, other backends passed on."""
    b = Builder(math.inf)
    f, (gx, gy) = gradient(term, b, 2)
    w = _Writer()
    lines = [f"def {name}(array_fn, array_fg):", "    def fn(x, y, b):", "        if b is not FLOAT:",
             "            return array_fn(x, y, b)"]
    lines += w.body([f], " " * 8)
    lines += ["", "    def fg(x, y, b):", "        if b is not FLOAT:", "            return array_fg(x, y, b)"]
    lines += w.body([f, gx, gy], " " * 8)
    lines += ["", "    return fn, fg"]
    return "\n".join(lines)


_HEADER = '''"""The built-in surfaces' float programs, printed by optim_core/expression/codegen.py: do not edit.

Each factory takes the surface's own fn and fg (the closure programs, which serve every other backend) and returns
fn and fg whose float path is the same program as straight-line Python. See codegen.py for why.
"""
# ruff: noqa

import math

from ..backend import FLOAT, fma as _fma

_NAN, _INF = math.nan, math.inf
_pow = math.pow
'''


def generate() -> str:
    """The text of builtin_float.py for the formulas of optim_core/surfaces.py as they are now."""
    from ..surfaces import SURFACES
    from . import parse_term

    funcs = sorted({v for v in _FUNCS.values() if v != "power"})
    parts = [_HEADER + "".join(f"_{f} = FLOAT.{f}\n" for f in funcs)]
    parts.append("EXPRESSIONS = {\n" + "".join(f"    {n!r}: {s.expression!r},\n" for n, s in SURFACES.items())
                 + "}\n")
    for name, s in SURFACES.items():
        parts.append(function_source(name, parse_term(s.expression)[0]) + "\n")
    parts.append("FACTORIES = {\n" + "".join(f"    {n!r}: {n},\n" for n in SURFACES) + "}\n")
    return "\n\n".join(parts)


if __name__ == "__main__":
    OUT.write_text(generate())
    print(f"wrote {OUT}")
