"""LaTeX of a formula as typed (before folding), with the parentheses its precedence needs."""

from __future__ import annotations

import ast

from .tokens import BINARY
from .whitelist import BINOPS

_ADD, _NEG, _MUL, _FRAC, _POW, _ATOM = 1.0, 1.5, 2.0, 3.0, 4.0, 5.0
_LATEX_FN = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\ln", "tanh": r"\tanh",
             "sinh": r"\sinh", "cosh": r"\cosh", "atan": r"\arctan", "min": r"\min", "max": r"\max"}


def _wrap(part: tuple[str, float], need: float) -> str:
    text, prec = part
    return text if prec >= need else rf"\left({text}\right)"


def latex(node: ast.expr) -> tuple[str, float]:
    """(LaTeX, precedence) of a whitelisted Python expression node."""
    if isinstance(node, ast.Constant):
        text = _fmt(float(node.value))
        if "e" in text:
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \cdot 10^{{{int(exponent)}}}", _MUL
        return text, _ATOM
    if isinstance(node, ast.Name):
        return (r"\pi" if node.id == "pi" else node.id), _ATOM
    if isinstance(node, ast.UnaryOp):
        inner = latex(node.operand)
        return inner if isinstance(node.op, ast.UAdd) else ("-" + _wrap(inner, _MUL), _NEG)
    if isinstance(node, ast.BinOp):
        a, b = latex(node.left), latex(node.right)
        kind = BINOPS[type(node.op)]
        if kind in ("add", "sub"):
            return f"{_wrap(a, _ADD)} {'+' if kind == 'add' else '-'} {_wrap(b, _MUL)}", _ADD
        if kind == "mul":
            right = _wrap(b, _MUL)
            return _wrap(a, _NEG) + (r" \cdot " if right[0].isdigit() else " ") + right, _MUL
        if kind == "div":
            return rf"\frac{{{a[0]}}}{{{b[0]}}}", _FRAC
        return f"{_wrap(a, _ATOM)}^{{{b[0]}}}", _POW
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    name, args = node.func.id, [latex(a)[0] for a in node.args]
    if name == "sqrt":
        return rf"\sqrt{{{args[0]}}}", _ATOM
    if name == "abs":
        return rf"\left|{args[0]}\right|", _ATOM
    return rf"{_LATEX_FN[name]}\left({', '.join(args)}\right)", (_ATOM if name in BINARY else _FRAC)


def _fmt(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
