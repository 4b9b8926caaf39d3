"""Gate 1: the text becomes tokens (ASCII numbers, names and operators only), then a Python expression string.

``^`` becomes ``**`` and implied products get their ``*``; every column of the string remembers the typed token it
came from, so later gates can point at the text as typed. Nothing here runs the text.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from dataclasses import dataclass

from . import limits
from .errors import ExpressionError

# Function name -> backend attribute; the first group takes one argument, min and max take two.
UNARY = {"sin": "sin", "cos": "cos", "tan": "tan", "exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs",
         "tanh": "tanh", "sinh": "sinh", "cosh": "cosh", "atan": "arctan"}
BINARY = {"min": "minimum", "max": "maximum"}
FUNCTIONS = {**UNARY, **BINARY}
CONSTANTS = {"pi": math.pi, "e": math.e}


@dataclass(frozen=True)
class Grammar:
    """The names a formula may use: its variables (x and y for a surface, t for a schedule's factor)."""

    variables: tuple[str, ...] = ("x", "y")

    @property
    def values(self) -> tuple[str, ...]:
        return (*self.variables, *CONSTANTS)

    def names_text(self) -> str:
        names = [*self.variables, *CONSTANTS]
        return ", ".join(names[:-1]) + " and " + names[-1]


SURFACE = Grammar()

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Python's two-character operators pass through whole, so the whitelist can name the one it refuses.
_PY_OPS = ("**", "//", "<<", ">>", "<=", ">=", "==", "!=", ":=")
_PUNCT = frozenset("+-*/^().,[]{}<>=!@%&|~:;")
_SPACE = frozenset(" \t\r\n")
_QUOTES = frozenset("'\"")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "name", "str" or "op"
    text: str  # as typed
    pos: int
    value: float = 0.0


def tokenize(text: str) -> list[Token]:
    for i, c in enumerate(text):
        if not c.isascii():
            raise ExpressionError("non_ascii", i, char=c)
        if not (c.isalnum() or c == "_" or c in _PUNCT or c in _SPACE or c in _QUOTES):
            raise ExpressionError("unexpected_character", i, char=c)
    tokens: list[Token] = []
    open_brackets: list[Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in _SPACE:
            i += 1
        elif m := _NUMBER.match(text, i):
            value = float(m.group())
            if not value <= limits.MAX_CONSTANT:  # inf too
                raise ExpressionError("number_too_large", i, number=m.group(), limit=f"{limits.MAX_CONSTANT:g}")
            tokens.append(Token("num", m.group(), i, value))
            i = m.end()
        elif m := _NAME.match(text, i):
            tokens.append(Token("name", m.group(), i))
            i = m.end()
        elif c in _QUOTES:  # passed through so the whitelist can refuse it by name
            j = text.find(c, i + 1)
            if j < 0:
                raise ExpressionError("unterminated_string", i)
            tokens.append(Token("str", text[i : j + 1], i))
            i = j + 1
        else:
            op = next((o for o in _PY_OPS if text.startswith(o, i)), c)
            tok = Token("op", op, i)
            tokens.append(tok)
            i += len(op)
            if op in "([{":
                open_brackets.append(tok)
                if len(open_brackets) > limits.MAX_DEPTH:
                    raise ExpressionError("brackets_too_deep", tok.pos, limit=limits.MAX_DEPTH)
            elif op in ")]}":
                if not open_brackets:
                    raise ExpressionError("unmatched_bracket", tok.pos, bracket=op)
                open_brackets.pop()
    if open_brackets:
        tok = open_brackets[-1]
        raise ExpressionError("unclosed_bracket", tok.pos, bracket=tok.text)
    return tokens


def _implied_product(left: Token, right: Token, grammar: Grammar) -> bool:
    """Whether ``left right`` means left*right (see the package docstring); refuses a number after an operand."""
    if left.kind == "name":
        if keyword.iskeyword(left.text) or left.text in FUNCTIONS:
            return False
        if right.text == "(":
            return left.text in grammar.values  # x(y+1) multiplies; foo(x) stays a call, refused by the whitelist
    elif not (left.kind == "num" or left.text == ")"):
        return False
    if right.kind == "num":
        raise ExpressionError("missing_operator", right.pos, token=right.text)
    return right.text == "(" or (right.kind == "name" and not keyword.iskeyword(right.text))


class Source:
    """The typed text, its tokens, and the Python string built from them with a column -> token map."""

    def __init__(self, text: str, grammar: Grammar = SURFACE):
        self.text = text
        self.grammar = grammar
        self.tokens = tokenize(text)
        parts: list[str] = []
        self.owner: list[int] = []  # token index of each column of `code`; -1 for added spaces and '*'
        for k, tok in enumerate(self.tokens):
            if tok.kind == "name" and tok.text in FUNCTIONS:
                after = self.tokens[k + 1].text if k + 1 < len(self.tokens) else ""
                if after != "(":
                    raise ExpressionError("needs_parentheses", tok.pos, function=tok.text)
            if k:
                glue = " * " if _implied_product(self.tokens[k - 1], tok, grammar) else " "
                parts.append(glue)
                self.owner.extend([-1] * len(glue))
            piece = repr(tok.value) if tok.kind == "num" else ("**" if tok.text == "^" else tok.text)
            parts.append(piece)
            self.owner.extend([k] * len(piece))
        self.code = "".join(parts)

    def token(self, col: int) -> Token | None:
        """The typed token at or after column `col` of the Python string (None past the end)."""
        for k in self.owner[max(col, 0) :]:
            if k >= 0:
                return self.tokens[k]
        return None

    def after(self, col: int) -> Token:
        """The first token from column `col` on that is not a ')': the operator after an operand ending there."""
        for k in self.owner[col:]:
            if k >= 0 and self.tokens[k].text != ")":
                return self.tokens[k]
        return self.tokens[-1]

    def at(self, node: ast.AST) -> Token:
        return self.token(node.col_offset) or self.tokens[-1]

    def parse(self) -> ast.Expression:
        try:
            return ast.parse(self.code, mode="eval")
        except SyntaxError as err:
            tok = self.token((err.offset or 0) - 1) if err.offset else None
            if tok is None:
                raise ExpressionError("unexpected_end", len(self.text)) from None
            raise ExpressionError("syntax_error", tok.pos, token=tok.text) from None
        except (RecursionError, MemoryError, ValueError):
            raise ExpressionError("parser_gave_up") from None
