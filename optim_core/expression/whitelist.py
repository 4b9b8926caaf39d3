"""Gate 2: the parsed Python tree (parsing builds a tree, nothing runs) against a whitelist of node types, names,
functions and arities. The leftmost construct outside it is refused, with a code and the typed position."""

from __future__ import annotations

import ast

from .errors import ExpressionError
from .tokens import BINARY, FUNCTIONS, Grammar, Source

BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
# Parts whose parent expression reports them, or containers that are fine in themselves.
_QUIET = (ast.Expression, ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.comprehension,
          ast.arguments, ast.arg, ast.Slice, ast.FormattedValue)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_REFUSED = {ast.Lambda: "'lambda'", ast.Starred: "unpacking '*'", ast.JoinedStr: "a string", ast.List: "a list",
            ast.Tuple: "a tuple", ast.Set: "a set", ast.Dict: "a dictionary"}

Problem = tuple[int, str, dict]  # (position, code, params)


def _split_names(name: str, grammar: Grammar) -> list[str] | None:
    """'xy' -> ['x', 'y'], 'pix' -> ['pi', 'x']; None if `name` is not a run of the grammar's value names."""
    parts = []
    values = sorted(grammar.values, key=len, reverse=True)  # longest first, so 'pi' is not read as 'p', 'i'
    while name:
        word = next((w for w in values if name.startswith(w)), None)
        if word is None:
            return None
        parts.append(word)
        name = name[len(word) :]
    return parts


def _unknown_name(name: str, grammar: Grammar) -> dict:
    parts = _split_names(name, grammar)
    if parts and len(parts) > 1:
        return {"name": name, "hint": "product", "suggestion": "*".join(parts)}
    for f in sorted(FUNCTIONS, key=len, reverse=True):
        rest = _split_names(name[len(f) :], grammar) if name.startswith(f) else None
        if rest:
            return {"name": name, "hint": "call", "suggestion": f"{f}({'*'.join(rest)})"}
    return {"name": name, "hint": "names", "names": grammar.names_text()}


def _problem(node: ast.AST, src: Source, called: bool) -> Problem | None:
    """What is wrong with this one node; None if it passes the whitelist."""
    if isinstance(node, _QUIET):
        return None
    if isinstance(node, ast.BinOp):
        if type(node.op) in BINOPS:
            return None
        tok = src.after(node.left.end_col_offset)
        return tok.pos, "unsupported_operator", {"operator": tok.text}
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub | ast.UAdd):
            return None
        tok = src.at(node)
        return tok.pos, "unsupported_unary", {"operator": tok.text}
    if isinstance(node, ast.Constant):
        tok = src.at(node)
        if type(node.value) in (int, float):
            return None
        if isinstance(node.value, str | bytes):
            return tok.pos, "string", {}
        return tok.pos, "not_allowed", {"what": repr(tok.text)}
    if isinstance(node, ast.Name):
        tok = src.at(node)
        if called or node.id in src.grammar.values:
            return None  # a called name is checked with its call
        return tok.pos, "unknown_name", _unknown_name(node.id, src.grammar)
    if isinstance(node, ast.Call):
        tok = src.at(node)
        if not isinstance(node.func, ast.Name):
            return None  # the callee (attribute, subscript, lambda...) is refused on its own
        name = node.func.id
        if name not in FUNCTIONS:
            return tok.pos, "unknown_function", {"name": name, "functions": ", ".join(FUNCTIONS)}
        want = 2 if name in BINARY else 1
        has_star = any(isinstance(a, ast.Starred) for a in node.args)
        if len(node.args) != want and not node.keywords and not has_star:
            return tok.pos, "arity", {"function": name, "expected": want, "given": len(node.args),
                                      "plural": "s" if want > 1 else ""}
        return None
    if isinstance(node, ast.keyword):
        tok = src.at(node)
        if node.arg is None:
            return tok.pos, "unpacking_keywords", {}
        return tok.pos, "keyword_argument", {"name": node.arg}
    if isinstance(node, ast.Attribute):
        return src.after(node.value.end_col_offset).pos, "attribute", {"name": node.attr}
    if isinstance(node, ast.Subscript):
        return src.after(node.value.end_col_offset).pos, "indexing", {}
    if isinstance(node, ast.Compare):
        tok = src.after(node.left.end_col_offset)
        return tok.pos, "comparison", {"operator": tok.text}
    if isinstance(node, ast.BoolOp):
        tok = src.after(node.values[0].end_col_offset)
        return tok.pos, "boolean", {"operator": tok.text}
    if isinstance(node, ast.IfExp):
        tok = src.after(node.body.end_col_offset)
        return tok.pos, "conditional", {"token": tok.text}
    if isinstance(node, ast.NamedExpr):
        return src.after(node.target.end_col_offset).pos, "assignment", {}
    if isinstance(node, ast.Tuple) and node.elts:
        return src.after(node.elts[0].end_col_offset).pos, "comma", {}
    tok = src.at(node)
    what = _REFUSED.get(type(node), "comprehension" if isinstance(node, _COMPREHENSIONS) else repr(tok.text))
    return tok.pos, "not_allowed", {"what": what}


def check(tree: ast.AST, src: Source) -> None:
    """Refuse the leftmost construct outside the whitelist (ast.walk is iterative, so any depth is safe)."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    problems = [p for n in ast.walk(tree) if (p := _problem(n, src, id(n) in called))]
    if problems:
        pos, code, params = min(problems, key=lambda p: p[0])
        raise ExpressionError(code, pos, **params)
