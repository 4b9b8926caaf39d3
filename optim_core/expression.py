"""Typed formulas f(x, y) -> :class:`Surface` with an exact gradient, without ever running the text as code.

The text comes from strangers on a public server, so it passes four gates, each refusing with an
:class:`ExpressionError` whose ``position`` is a 0-based index into the text as typed:

1. :func:`_tokenize` accepts ASCII numbers, names and operators only. It turns ``^`` into ``**``, inserts the
   implicit ``*`` and writes a Python expression string, remembering which typed position each column came from.
2. ``ast.parse(..., mode="eval")`` parses that string (parsing builds a tree, nothing runs) and :func:`_check`
   walks the tree against a whitelist of node types, names, functions and arities.
3. The tree becomes our own immutable expression DAG (:class:`Node`), built by :class:`_Builder`, which shares
   equal subtrees, applies 0/1 identities and folds constants only when the result is a modest finite number.
4. :func:`_derive` differentiates symbolically; :func:`_program` compiles the value and both derivatives into
   closures over a backend's functions (no code generation), computing shared subexpressions once.

Grammar decisions. ``^`` and ``**`` are both power, right-associative and tighter than unary minus, as in
Python: ``-x^2`` is -(x^2), ``2^-x`` is 2^(-x), ``x^2^3`` is x^8. A product is implied where a number, ``x``,
``y``, ``pi``, ``e`` or ``)`` is followed by a name or ``(``: ``2x``, ``2 x``, ``3(x+y)``, ``(x+1)(y-1)``,
``2 sin(x)``, ``sin(x)cos(y)``, ``x y`` (the space separates the names) and ``x(y+1)``. It binds like ``*``, so
``1/2x`` is (1/2)*x and ``2x^2`` is 2*(x^2). A number is never an implied factor on the right (``x 2``,
``(x)2``, ``2 3`` are refused), and ``xy`` is one name, refused with "write x*y". ``2e3`` is the number 2000,
while ``2e`` and ``2e-x`` read as 2*e and 2*e - x. ``log`` is the natural log.

Limits: 300 characters, brackets nested 50 deep, a tree 50 deep with 500 nodes, constants up to 1e300,
constant exponents up to 100 in size (so ``9**9**9`` is refused before anything is computed), 20000 nodes for
value and derivatives together, and 0.5 s to prepare.

Evaluation follows the backend: on floats a division by zero or a log of a negative raises one of
``FLOAT_ERRORS``, on arrays it gives inf or nan. The one departure: ``FLOAT.power`` is ``a ** b``, which makes
``(-8.0) ** (1/3)`` a complex number, so on floats powers use ``math.pow``, which raises ``ValueError``.

>>> s = parse_expression("x^2 + 3y")
>>> s.fg(1.0, 2.0, FLOAT)
(7.0, 2.0, 3.0)
>>> s.latex
'x^{2} + 3 y'
>>> check_expression("xy")["error"]
{'message': "unknown name 'xy' at position 0; write x*y", 'position': 0}
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .backend import ARRAY, FLOAT
from .surfaces import Domain, Surface

MAX_LENGTH = 300
MAX_DEPTH = 50
MAX_NODES = 500
MAX_TOTAL_NODES = 20000
MAX_EXPONENT = 100.0
MAX_CONSTANT = 1e300
MAX_DOMAIN = 1e6
TIME_LIMIT = 0.5  # seconds; a worst-case 300-character formula takes ~5 ms on an idle machine
DEFAULT_DOMAIN: Domain = ((-3.0, 3.0), (-3.0, 3.0))

# Function name -> backend attribute; the first group takes one argument, min and max take two.
UNARY = {"sin": "sin", "cos": "cos", "tan": "tan", "exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs",
         "tanh": "tanh", "sinh": "sinh", "cosh": "cosh", "atan": "arctan"}
BINARY = {"min": "minimum", "max": "maximum"}
FUNCTIONS = {**UNARY, **BINARY}
CONSTANTS = {"pi": math.pi, "e": math.e}
_VALUES = ("x", "y", *CONSTANTS)


class ExpressionError(ValueError):
    """A refused formula: ``message`` says why, ``position`` is the 0-based index into the text (or None)."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position


def _too_complex(why: str) -> ExpressionError:
    return ExpressionError(f"expression too complex: {why}", None)


# ---------------------------------------------------------------------------------------------- gate 1: tokens

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Python's two-character operators pass through whole, so the whitelist can name the one it refuses.
_PY_OPS = ("**", "//", "<<", ">>", "<=", ">=", "==", "!=", ":=")
_PUNCT = frozenset("+-*/^().,[]{}<>=!@%&|~:;")
_SPACE = frozenset(" \t\r\n")
_QUOTES = frozenset("'\"")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "name", "str" or "op"
    text: str  # as typed
    pos: int
    value: float = 0.0


def _tokenize(text: str) -> list[_Token]:
    for i, c in enumerate(text):
        if not c.isascii():
            raise ExpressionError(f"non-ASCII character {c!r} at position {i}", i)
        if not (c.isalnum() or c == "_" or c in _PUNCT or c in _SPACE or c in _QUOTES):
            raise ExpressionError(f"unexpected character {c!r} at position {i}", i)
    tokens: list[_Token] = []
    open_brackets: list[_Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in _SPACE:
            i += 1
        elif m := _NUMBER.match(text, i):
            value = float(m.group())
            if not value <= MAX_CONSTANT:  # inf too
                raise ExpressionError(f"number '{m.group()}' at position {i} is too large (limit 1e300)", i)
            tokens.append(_Token("num", m.group(), i, value))
            i = m.end()
        elif m := _NAME.match(text, i):
            tokens.append(_Token("name", m.group(), i))
            i = m.end()
        elif c in _QUOTES:  # passed through so the whitelist can refuse it by name
            j = text.find(c, i + 1)
            if j < 0:
                raise ExpressionError(f"unterminated string at position {i}", i)
            tokens.append(_Token("str", text[i : j + 1], i))
            i = j + 1
        else:
            op = next((o for o in _PY_OPS if text.startswith(o, i)), c)
            tok = _Token("op", op, i)
            tokens.append(tok)
            i += len(op)
            if op in "([{":
                open_brackets.append(tok)
                if len(open_brackets) > MAX_DEPTH:
                    raise ExpressionError(f"brackets nested deeper than {MAX_DEPTH} at position {tok.pos}", tok.pos)
            elif op in ")]}":
                if not open_brackets:
                    raise ExpressionError(f"unmatched '{op}' at position {tok.pos}", tok.pos)
                open_brackets.pop()
    if open_brackets:
        tok = open_brackets[-1]
        raise ExpressionError(f"unclosed '{tok.text}' at position {tok.pos}", tok.pos)
    return tokens


def _implied_product(left: _Token, right: _Token) -> bool:
    """Whether ``left right`` means left*right (see the module docstring); refuses a number after an operand."""
    if left.kind == "name":
        if keyword.iskeyword(left.text) or left.text in FUNCTIONS:
            return False
        if right.text == "(":
            return left.text in _VALUES  # x(y+1) multiplies; foo(x) stays a call, refused by the whitelist
    elif not (left.kind == "num" or left.text == ")"):
        return False
    if right.kind == "num":
        raise ExpressionError(f"missing operator before '{right.text}' at position {right.pos}", right.pos)
    return right.text == "(" or (right.kind == "name" and not keyword.iskeyword(right.text))


class _Source:
    """The typed text, its tokens, and the Python string built from them with a column -> token map."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        parts: list[str] = []
        self.owner: list[int] = []  # token index of each column of `code`; -1 for added spaces and '*'
        for k, tok in enumerate(self.tokens):
            if tok.kind == "name" and tok.text in FUNCTIONS:
                after = self.tokens[k + 1].text if k + 1 < len(self.tokens) else ""
                if after != "(":
                    raise ExpressionError(
                        f"function '{tok.text}' at position {tok.pos} needs parentheses: write {tok.text}(...)",
                        tok.pos,
                    )
            if k:
                glue = " * " if _implied_product(self.tokens[k - 1], tok) else " "
                parts.append(glue)
                self.owner.extend([-1] * len(glue))
            piece = repr(tok.value) if tok.kind == "num" else ("**" if tok.text == "^" else tok.text)
            parts.append(piece)
            self.owner.extend([k] * len(piece))
        self.code = "".join(parts)

    def token(self, col: int) -> _Token | None:
        """The typed token at or after column `col` of the Python string (None past the end)."""
        for k in self.owner[max(col, 0) :]:
            if k >= 0:
                return self.tokens[k]
        return None

    def after(self, col: int) -> _Token:
        """The first token from column `col` on that is not a ')': the operator after an operand ending there."""
        for k in self.owner[col:]:
            if k >= 0 and self.tokens[k].text != ")":
                return self.tokens[k]
        return self.tokens[-1]

    def at(self, node: ast.AST) -> _Token:
        return self.token(node.col_offset) or self.tokens[-1]

    def parse(self) -> ast.Expression:
        try:
            return ast.parse(self.code, mode="eval")
        except SyntaxError as err:
            tok = self.token((err.offset or 0) - 1) if err.offset else None
            if tok is None:
                n = len(self.text)
                raise ExpressionError(f"incomplete expression: unexpected end at position {n}", n) from None
            raise ExpressionError(f"syntax error near '{tok.text}' at position {tok.pos}", tok.pos) from None
        except (RecursionError, MemoryError, ValueError):
            raise _too_complex("Python's parser gave up") from None


# ------------------------------------------------------------------------------------------ gate 2: whitelist

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
# Parts whose parent expression reports them, or containers that are fine in themselves.
_QUIET = (ast.Expression, ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.comprehension,
          ast.arguments, ast.arg, ast.Slice, ast.FormattedValue)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_REFUSED = {ast.Lambda: "'lambda'", ast.Starred: "unpacking '*'", ast.JoinedStr: "a string", ast.List: "a list",
            ast.Tuple: "a tuple", ast.Set: "a set", ast.Dict: "a dictionary"}


def _split_names(name: str) -> list[str] | None:
    """'xy' -> ['x', 'y'], 'pix' -> ['pi', 'x']; None if `name` is not a run of x, y, pi and e."""
    parts = []
    while name:
        # No one of these is a prefix of another, so the first match is the only one.
        word = next((w for w in _VALUES if name.startswith(w)), None)
        if word is None:
            return None
        parts.append(word)
        name = name[len(word) :]
    return parts


def _unknown(name: str, pos: int, called: bool) -> str:
    if called:
        return f"unknown function '{name}' at position {pos}; functions are {', '.join(FUNCTIONS)}"
    hint = "names are x, y, pi and e"
    parts = _split_names(name)
    if parts and len(parts) > 1:
        hint = "write " + "*".join(parts)
    else:
        for f in sorted(FUNCTIONS, key=len, reverse=True):
            rest = _split_names(name[len(f) :]) if name.startswith(f) else None
            if rest:
                hint = f"write {f}({'*'.join(rest)})"
                break
    return f"unknown name '{name}' at position {pos}; {hint}"


def _problem(node: ast.AST, src: _Source, called: bool) -> tuple[int, str] | None:
    """What is wrong with this one node, as (position, message); None if it passes the whitelist."""
    if isinstance(node, _QUIET):
        return None
    if isinstance(node, ast.BinOp):
        if type(node.op) in _BINOPS:
            return None
        tok = src.after(node.left.end_col_offset)
        return tok.pos, f"operator '{tok.text}' at position {tok.pos} is not supported; use + - * / ^"
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub | ast.UAdd):
            return None
        tok = src.at(node)
        return tok.pos, f"operator '{tok.text}' at position {tok.pos} is not supported"
    if isinstance(node, ast.Constant):
        tok = src.at(node)
        if type(node.value) in (int, float):
            return None
        if isinstance(node.value, str | bytes):
            return tok.pos, f"a string at position {tok.pos} is not allowed"
        return tok.pos, f"'{tok.text}' at position {tok.pos} is not allowed; names are x, y, pi and e"
    if isinstance(node, ast.Name):
        tok = src.at(node)
        if called or node.id in _VALUES:
            return None  # a called name is checked with its call
        return tok.pos, _unknown(node.id, tok.pos, called=False)
    if isinstance(node, ast.Call):
        tok = src.at(node)
        if not isinstance(node.func, ast.Name):
            return None  # the callee (attribute, subscript, lambda...) is refused on its own
        name = node.func.id
        if name not in FUNCTIONS:
            return tok.pos, _unknown(name, tok.pos, called=True)
        want = 2 if name in BINARY else 1
        has_star = any(isinstance(a, ast.Starred) for a in node.args)
        if len(node.args) != want and not node.keywords and not has_star:
            plural = "s" if want > 1 else ""
            return tok.pos, (
                f"{name}() takes exactly {want} argument{plural} ({len(node.args)} given) at position {tok.pos}"
            )
        return None
    if isinstance(node, ast.keyword):
        tok = src.at(node)
        if node.arg is None:
            return tok.pos, f"unpacking '**' at position {tok.pos} is not allowed"
        return tok.pos, f"keyword argument '{node.arg}=' at position {tok.pos} is not allowed; pass it by position"
    if isinstance(node, ast.Attribute):
        tok = src.after(node.value.end_col_offset)
        return tok.pos, f"attribute access '.{node.attr}' at position {tok.pos} is not allowed"
    if isinstance(node, ast.Subscript):
        tok = src.after(node.value.end_col_offset)
        return tok.pos, f"indexing '[' at position {tok.pos} is not allowed"
    if isinstance(node, ast.Compare):
        tok = src.after(node.left.end_col_offset)
        return tok.pos, f"comparison '{tok.text}' at position {tok.pos} is not allowed"
    if isinstance(node, ast.BoolOp):
        tok = src.after(node.values[0].end_col_offset)
        return tok.pos, f"'{tok.text}' at position {tok.pos} is not allowed"
    if isinstance(node, ast.IfExp):
        tok = src.after(node.body.end_col_offset)
        return tok.pos, f"conditional expression '{tok.text} ... else' at position {tok.pos} is not allowed"
    if isinstance(node, ast.NamedExpr):
        tok = src.after(node.target.end_col_offset)
        return tok.pos, f"assignment ':=' at position {tok.pos} is not allowed"
    if isinstance(node, ast.Tuple) and node.elts:
        tok = src.after(node.elts[0].end_col_offset)
        return tok.pos, f"',' at position {tok.pos} is not allowed here; write a single expression"
    tok = src.at(node)
    what = _REFUSED.get(type(node), "comprehension" if isinstance(node, _COMPREHENSIONS) else repr(tok.text))
    return tok.pos, f"{what} at position {tok.pos} is not allowed"


def _check(tree: ast.AST, src: _Source) -> None:
    """Refuse the leftmost construct outside the whitelist (ast.walk is iterative, so any depth is safe)."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    problems = [p for n in ast.walk(tree) if (p := _problem(n, src, id(n) in called))]
    if problems:
        pos, message = min(problems, key=lambda p: p[0])
        raise ExpressionError(message, pos)


# ---------------------------------------------------------------------------------------- gate 3: the DAG


class Node:
    """An immutable vertex of an expression DAG. Built only by a :class:`_Builder`, so equal nodes are one object.

    ``op`` is "const", "x", "y", "add", "sub", "mul", "div", "neg", "pow", a function name, or, in derivatives
    only, "sign", "dmin" and "dmax"; ``free`` has bit 1 set if the node depends on x and bit 2 if on y.
    """

    __slots__ = ("op", "args", "value", "free")

    def __init__(self, op: str, args: tuple[Node, ...], value: float, free: int):
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "free", free)

    def __setattr__(self, name, value):
        raise AttributeError("Node is immutable")

    def __repr__(self) -> str:
        if self.op == "const":
            return repr(self.value)
        return self.op if not self.args else f"{self.op}({', '.join(map(repr, self.args))})"


class _TooLarge(Exception):
    """A constant the builder refuses to make; the converter adds the position."""


def _fmt(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)


class _Builder:
    """Makes nodes, sharing equal ones (hash-consing), with 0/1 identities and safe constant folding.

    While ``strict`` (parsing the user's formula) a constant exponent over 100 or a constant over 1e300 is an
    error; afterwards (derivatives) such folds are merely skipped.
    """

    def __init__(self, deadline: float):
        self.table: dict[tuple, Node] = {}
        self.deadline = deadline
        self.strict = True
        self.zero, self.one = self.const(0.0), self.const(1.0)
        self.x, self.y = self._make("x", ()), self._make("y", ())

    def _make(self, op: str, args: tuple[Node, ...], value: float = 0.0) -> Node:
        key = (op, value, math.copysign(1.0, value)) if op == "const" else (op, *map(id, args))
        node = self.table.get(key)
        if node is None:
            free = 1 if op == "x" else 2 if op == "y" else 0
            for a in args:
                free |= a.free
            node = self.table[key] = Node(op, args, value, free)
            if len(self.table) > MAX_TOTAL_NODES:
                raise _too_complex(f"value and derivatives need more than {MAX_TOTAL_NODES} nodes")
            if len(self.table) % 256 == 0 and time.perf_counter() > self.deadline:
                raise _too_complex(f"it took over {TIME_LIMIT} s to prepare")
        return node

    def const(self, v: float) -> Node:
        return self._make("const", (), float(v))

    def _fold(self, f: Callable, *args: Node) -> Node | None:
        """The constant f(*values), or None where it is not a real number (evaluation will report that)."""
        try:
            v = f(*(a.value for a in args))
        except (ZeroDivisionError, ValueError, TypeError):
            return None
        except OverflowError:
            v = math.inf
        if not isinstance(v, float | int) or v != v:
            return None
        if abs(v) > MAX_CONSTANT:
            if self.strict:
                raise _TooLarge("constant too large (limit 1e300)")
            return None
        return self.const(v)

    @staticmethod
    def _is(a: Node, v: float) -> bool:
        return a.op == "const" and a.value == v

    def add(self, a: Node, b: Node) -> Node:
        if a.op == b.op == "const" and (c := self._fold(operator.add, a, b)):
            return c
        return a if self._is(b, 0.0) else b if self._is(a, 0.0) else self._make("add", (a, b))

    def sub(self, a: Node, b: Node) -> Node:
        if a.op == b.op == "const" and (c := self._fold(operator.sub, a, b)):
            return c
        return a if self._is(b, 0.0) else self.neg(b) if self._is(a, 0.0) else self._make("sub", (a, b))

    def mul(self, a: Node, b: Node) -> Node:
        if a.op == b.op == "const" and (c := self._fold(operator.mul, a, b)):
            return c
        if self._is(a, 0.0) or self._is(b, 0.0):
            return self.zero
        for p, q in ((a, b), (b, a)):
            if self._is(p, 1.0):
                return q
            if self._is(p, -1.0):
                return self.neg(q)
        return self._make("mul", (a, b))

    def div(self, a: Node, b: Node) -> Node:
        if a.op == b.op == "const" and (c := self._fold(operator.truediv, a, b)):
            return c
        return a if self._is(b, 1.0) else self.neg(a) if self._is(b, -1.0) else self._make("div", (a, b))

    def neg(self, a: Node) -> Node:
        if a.op == "const":
            return self.const(-a.value)
        return a.args[0] if a.op == "neg" else self._make("neg", (a,))

    def pow(self, a: Node, b: Node) -> Node:
        if b.op == "const":
            c = b.value
            if self.strict and abs(c) > MAX_EXPONENT:
                raise _TooLarge(f"exponent {_fmt(c)} is too large (limit {_fmt(MAX_EXPONENT)})")
            if c == 1.0:
                return a
            if c == 0.0:
                return self.one  # as IEEE pow, even for nan
            if a.op == "const" and (folded := self._fold(math.pow, a, b)):
                return folded
        elif self._is(a, math.e):
            return self.fn("exp", b)
        return self._make("pow", (a, b))

    def fn(self, name: str, *args: Node) -> Node:
        if all(a.op == "const" for a in args) and (c := self._fold(getattr(FLOAT, FUNCTIONS[name]), *args)):
            return c
        return self._make(name, args)

    def sign(self, a: Node) -> Node:
        return self.const(FLOAT.sign(a.value)) if a.op == "const" else self._make("sign", (a,))

    def select(self, op: str, a: Node, b: Node, da: Node, db: Node) -> Node:
        return da if da is db else self._make(op, (a, b, da, db))


class _Converter:
    """Whitelisted Python AST -> DAG, enforcing the depth and size limits."""

    def __init__(self, src: _Source, builder: _Builder):
        self.src, self.b, self.count = src, builder, 0

    def convert(self, node: ast.expr, depth: int = 1) -> Node:
        if depth > MAX_DEPTH:
            pos = self.src.at(node).pos
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels at position {pos}", pos)
        self.count += 1
        if self.count > MAX_NODES:
            pos = self.src.at(node).pos
            raise ExpressionError(f"expression has more than {MAX_NODES} parts (at position {pos})", pos)
        b = self.b
        if isinstance(node, ast.Constant):
            return b.const(node.value)
        if isinstance(node, ast.Name):
            return b.x if node.id == "x" else b.y if node.id == "y" else b.const(CONSTANTS[node.id])
        if isinstance(node, ast.UnaryOp):
            a = self.convert(node.operand, depth + 1)
            return b.neg(a) if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.BinOp):
            left, right = self.convert(node.left, depth + 1), self.convert(node.right, depth + 1)
            try:
                return getattr(b, _BINOPS[type(node.op)])(left, right)
            except _TooLarge as err:
                tok = self.src.after(node.left.end_col_offset)
                raise ExpressionError(f"{err} at position {tok.pos}", tok.pos) from None
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # all that _check lets through
        args = [self.convert(a, depth + 1) for a in node.args]
        try:
            return b.fn(node.func.id, *args)
        except _TooLarge as err:
            pos = self.src.at(node).pos
            raise ExpressionError(f"{err} at position {pos}", pos) from None


# ------------------------------------------------------------------------------------ gate 4: derivatives


def _derive(b: _Builder, node: Node, bit: int, memo: dict[int, Node]) -> Node:
    """d node / d var (bit 1: x, bit 2: y). Written as torch's backward formulas, so the numbers match torch's."""
    if not node.free & bit:
        return b.zero
    if not node.args:
        return b.one  # the variable itself
    hit = memo.get(id(node))
    if hit is not None:
        return hit
    op, args = node.op, node.args
    a = args[0]
    da = _derive(b, a, bit, memo)
    db = _derive(b, args[1], bit, memo) if len(args) == 2 else b.zero
    if op == "add":
        r = b.add(da, db)
    elif op == "sub":
        r = b.sub(da, db)
    elif op == "neg":
        r = b.neg(da)
    elif op == "mul":
        r = b.add(b.mul(da, args[1]), b.mul(a, db))
    elif op == "div":  # torch: grad / other, -grad * (self / other) / other
        r = b.div(da, args[1]) if da is not b.zero else b.zero
        if db is not b.zero:
            r = b.sub(r, b.mul(db, b.div(node, args[1])))
    elif op == "pow":
        e = args[1]
        if e.op == "const":  # the power rule, defined for negative bases: x^2 at x < 0
            r = b.mul(b.mul(e, b.pow(a, b.const(e.value - 1.0))), da)
        else:  # d(a^e) = e a^(e-1) da + a^e log(a) de, torch's two pow backward formulas
            r = b.zero
            if da is not b.zero:
                r = b.mul(b.mul(e, b.pow(a, b.sub(e, b.one))), da)
            if db is not b.zero:
                r = b.add(r, b.mul(b.mul(node, b.fn("log", a)), db))
    elif op == "sin":
        r = b.mul(b.fn("cos", a), da)
    elif op == "cos":
        r = b.neg(b.mul(b.fn("sin", a), da))
    elif op == "tan":
        r = b.mul(b.add(b.one, b.mul(node, node)), da)
    elif op == "exp":
        r = b.mul(node, da)
    elif op == "log":
        r = b.div(da, a)
    elif op == "sqrt":
        r = b.div(da, b.mul(b.const(2.0), node))
    elif op == "abs":
        r = b.mul(b.sign(a), da)
    elif op == "tanh":
        r = b.mul(b.sub(b.one, b.mul(node, node)), da)
    elif op == "sinh":
        r = b.mul(b.fn("cosh", a), da)
    elif op == "cosh":
        r = b.mul(b.fn("sinh", a), da)
    elif op == "atan":
        r = b.div(da, b.add(b.mul(a, a), b.one))
    elif op in ("min", "max"):  # the derivative of the chosen argument; half of each at a tie, as torch
        r = b.select("d" + op, a, args[1], da, db)
    else:
        raise AssertionError(f"no derivative for {op}")
    memo[id(node)] = r
    return r


# -------------------------------------------------------------------------------------- closures over b

_Closure = Callable[[object, object, list], object]

# op -> (both operands computed, right operand a constant, left operand a constant)
_ARITH = {
    "add": (lambda A, B: lambda x, y, s: A(x, y, s) + B(x, y, s),
            lambda A, c: lambda x, y, s: A(x, y, s) + c,
            lambda c, B: lambda x, y, s: c + B(x, y, s)),
    "sub": (lambda A, B: lambda x, y, s: A(x, y, s) - B(x, y, s),
            lambda A, c: lambda x, y, s: A(x, y, s) - c,
            lambda c, B: lambda x, y, s: c - B(x, y, s)),
    "mul": (lambda A, B: lambda x, y, s: A(x, y, s) * B(x, y, s),
            lambda A, c: lambda x, y, s: A(x, y, s) * c,
            lambda c, B: lambda x, y, s: c * B(x, y, s)),
    "div": (lambda A, B: lambda x, y, s: A(x, y, s) / B(x, y, s),
            lambda A, c: lambda x, y, s: A(x, y, s) / c,
            lambda c, B: lambda x, y, s: c / B(x, y, s)),
}


def _torch_pow(rule):
    def make(A, b):
        if rule == "sqrt":
            sqrt = b.sqrt
            return lambda x, y, s: sqrt(A(x, y, s))
        if rule == "rsqrt":
            sqrt = b.sqrt
            return lambda x, y, s: 1.0 / sqrt(A(x, y, s))
        return lambda x, y, s: rule(A(x, y, s))
    return make


# torch computes these powers without pow(): libm's pow(a, 2.0) is not always a * a, so they would differ.
_TORCH_POW = {
    2.0: _torch_pow(lambda a: a * a),
    3.0: _torch_pow(lambda a: a * a * a),
    -1.0: _torch_pow(lambda a: 1.0 / a),
    -2.0: _torch_pow(lambda a: 1.0 / (a * a)),
    0.5: _torch_pow("sqrt"),
    -0.5: _torch_pow("rsqrt"),
}


def _closure(node: Node, kids: list[_Closure], b, const: Callable) -> _Closure:
    op = node.op
    if op == "const":
        v = const(node.value)
        return lambda x, y, s: v
    if op == "x":
        return lambda x, y, s: x
    if op == "y":
        return lambda x, y, s: y
    if op == "neg":
        (A,) = kids
        return lambda x, y, s: -A(x, y, s)
    if op in _ARITH:
        both, right_const, left_const = _ARITH[op]
        if node.args[1].op == "const":
            return right_const(kids[0], const(node.args[1].value))
        if node.args[0].op == "const":
            return left_const(const(node.args[0].value), kids[1])
        return both(*kids)
    if op == "pow":
        power = math.pow if b is FLOAT else b.power  # see the module docstring
        A, B = kids
        e = node.args[1]
        if e.op == "const" and e.value in _TORCH_POW:  # Tensor.pow's special cases (ATen PowKernel.cpp)
            return _TORCH_POW[e.value](A, b)
        if e.op == "const":
            c = const(e.value)
            return lambda x, y, s: power(A(x, y, s), c)
        return lambda x, y, s: power(A(x, y, s), B(x, y, s))
    if op in ("dmin", "dmax"):
        where, half = b.where, const(0.5)
        U, V, DU, DV = kids
        first = operator.lt if op == "dmin" else operator.gt  # when the first argument is the one chosen

        def select(x, y, s):
            u, v, du, dv = U(x, y, s), V(x, y, s), DU(x, y, s), DV(x, y, s)
            return where(first(u, v), du, where(first(v, u), dv, half * (du + dv)))
        return select
    f = getattr(b, FUNCTIONS.get(op, op))  # a function, or "sign"
    if len(kids) == 2:
        A, B = kids
        return lambda x, y, s: f(A(x, y, s), B(x, y, s))
    (A,) = kids
    return lambda x, y, s: f(A(x, y, s))


def _program(roots: list[Node], b) -> Callable:
    """Compile `roots` for backend `b` into run(x, y) -> value (one root) or tuple (three roots).

    Nodes used more than once are computed once per call, in dependency order, into a list `s` that the
    closures read; everything else is a nest of closures. No text is generated or run.
    """
    order: list[Node] = []  # post-order: children first
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
                stack.extend(pending)
            else:
                stack.pop()
                done.add(id(n))
                order.append(n)
    uses = dict.fromkeys(done, 0)
    for n in order:
        for a in n.args:
            uses[id(a)] += 1
    for root in roots:
        uses[id(root)] += 1
    const = np.float64 if b is ARRAY else float  # so that 1/0 gives inf on arrays, as numpy does
    tape: list[_Closure] = []
    made: dict[int, _Closure] = {}
    for n in order:
        c = _closure(n, [made[id(a)] for a in n.args], b, const)
        if n.args and uses[id(n)] > 1:
            i = len(tape)
            tape.append(c)
            made[id(n)] = lambda x, y, s, i=i: s[i]
        else:
            made[id(n)] = c
    outs = [made[id(r)] for r in roots]
    if len(outs) == 1:
        (F,) = outs
        if not tape:
            return lambda x, y: F(x, y, None)

        def run1(x, y):
            s: list = []
            for c in tape:
                s.append(c(x, y, s))
            return F(x, y, s)
        return run1
    F, GX, GY = outs
    if not tape:
        return lambda x, y: (F(x, y, None), GX(x, y, None), GY(x, y, None))

    def run3(x, y):
        s: list = []
        for c in tape:
            s.append(c(x, y, s))
        return F(x, y, s), GX(x, y, s), GY(x, y, s)
    return run3


def _full(x, y, values: tuple) -> tuple:
    """On arrays, give a constant (or x-only, y-only) result the points' shape, as surfaces.py's do."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    return tuple(v if np.shape(v) == shape else np.full(shape, v, dtype=np.float64) for v in values)


# ---------------------------------------------------------------------------------------------------- LaTeX

_ADD, _NEG, _MUL, _FRAC, _POW, _ATOM = 1.0, 1.5, 2.0, 3.0, 4.0, 5.0
_LATEX_FN = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\ln", "tanh": r"\tanh",
             "sinh": r"\sinh", "cosh": r"\cosh", "atan": r"\arctan", "min": r"\min", "max": r"\max"}


def _wrap(part: tuple[str, float], need: float) -> str:
    text, prec = part
    return text if prec >= need else rf"\left({text}\right)"


def _latex(node: ast.expr) -> tuple[str, float]:
    """LaTeX of the formula as typed (before folding), with the parentheses its precedence needs."""
    if isinstance(node, ast.Constant):
        text = _fmt(float(node.value))
        if "e" in text:
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \cdot 10^{{{int(exponent)}}}", _MUL
        return text, _ATOM
    if isinstance(node, ast.Name):
        return (r"\pi" if node.id == "pi" else node.id), _ATOM
    if isinstance(node, ast.UnaryOp):
        inner = _latex(node.operand)
        return inner if isinstance(node.op, ast.UAdd) else ("-" + _wrap(inner, _MUL), _NEG)
    if isinstance(node, ast.BinOp):
        a, b = _latex(node.left), _latex(node.right)
        kind = _BINOPS[type(node.op)]
        if kind in ("add", "sub"):
            return f"{_wrap(a, _ADD)} {'+' if kind == 'add' else '-'} {_wrap(b, _MUL)}", _ADD
        if kind == "mul":
            right = _wrap(b, _MUL)
            return _wrap(a, _NEG) + (r" \cdot " if right[0].isdigit() else " ") + right, _MUL
        if kind == "div":
            return rf"\frac{{{a[0]}}}{{{b[0]}}}", _FRAC
        return f"{_wrap(a, _ATOM)}^{{{b[0]}}}", _POW
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    name, args = node.func.id, [_latex(a)[0] for a in node.args]
    if name == "sqrt":
        return rf"\sqrt{{{args[0]}}}", _ATOM
    if name == "abs":
        return rf"\left|{args[0]}\right|", _ATOM
    return rf"{_LATEX_FN[name]}\left({', '.join(args)}\right)", (_ATOM if name in BINARY else _FRAC)


# ------------------------------------------------------------------------------------------------ public API


def _domain(domain) -> Domain:
    if domain is None:
        return DEFAULT_DOMAIN
    try:
        (x0, x1), (y0, y1) = domain
        pairs = ((float(x0), float(x1)), (float(y0), float(y1)))
    except (TypeError, ValueError):
        raise ExpressionError("domain must be ((xmin, xmax), (ymin, ymax))", None) from None
    for axis, (lo, hi) in zip("xy", pairs, strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi) and abs(lo) <= MAX_DOMAIN and abs(hi) <= MAX_DOMAIN):
            raise ExpressionError(f"{axis} range must be finite numbers within +-{MAX_DOMAIN:g}", None)
        if not lo < hi:
            raise ExpressionError(f"{axis} range must have min < max, got ({lo:g}, {hi:g})", None)
    return pairs


@functools.lru_cache(maxsize=256)
def _build(text: str, domain: Domain) -> Surface:
    deadline = time.perf_counter() + TIME_LIMIT
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not text.strip():
        raise ExpressionError("empty expression", 0)
    src = _Source(text)
    tree = src.parse()
    _check(tree, src)
    builder = _Builder(deadline)
    f = _Converter(src, builder).convert(tree.body)
    latex = _latex(tree.body)[0]
    builder.strict = False
    fx, fy = _derive(builder, f, 1, {}), _derive(builder, f, 2, {})
    f_float, fg_float = _program([f], FLOAT), _program([f, fx, fy], FLOAT)
    f_array, fg_array = _program([f], ARRAY), _program([f, fx, fy], ARRAY)
    if time.perf_counter() > deadline:
        raise _too_complex(f"it took over {TIME_LIMIT} s to prepare")

    def fn(x, y, b):
        if b is FLOAT:
            return f_float(x, y)
        if b is ARRAY:
            return _full(x, y, (f_array(x, y),))[0]
        return _program([f], b)(x, y)  # some other backend: compile for it on the spot

    def fg(x, y, b):
        if b is FLOAT:
            return fg_float(x, y)
        if b is ARRAY:
            return _full(x, y, fg_array(x, y))
        return _program([f, fx, fy], b)(x, y)

    (x0, x1), (y0, y1) = domain
    return Surface(
        name="custom",
        label=text,
        fn=fn,
        fg=fg,
        domain=domain,
        minima=(),
        start=(0.7 * x0 + 0.3 * x1, 0.3 * y0 + 0.7 * y1),
        latex=latex,
        log_scale=False,
    )


def parse_expression(text: str, *, domain=None) -> Surface:
    """The surface z = f(x, y) typed as `text`, with an exact gradient; raises :class:`ExpressionError`.

    `domain` is ((xmin, xmax), (ymin, ymax)), by default ((-3, 3), (-3, 3)). Results are cached (LRU, 256).
    """
    if not isinstance(text, str):
        raise ExpressionError("expression must be a string", None)
    return _build(text, _domain(domain))


def check_expression(text: str) -> dict:
    """{"ok": True, "latex": ...} or {"ok": False, "error": {"message": ..., "position": ...}}, for live feedback."""
    try:
        surface = parse_expression(text)
    except ExpressionError as err:
        return {"ok": False, "error": {"message": err.message, "position": err.position}}
    return {"ok": True, "latex": surface.latex}
