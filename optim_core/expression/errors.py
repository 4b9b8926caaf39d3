"""Why a formula is refused: a machine-readable code with its parameters, and the English wording.

The page words errors from its own en/zh catalogs by ``code`` and ``params``; ``message`` is the English text for
logs, the CLI and API clients. No message names the position: it travels separately, as ``position``.
"""

from __future__ import annotations

from typing import Any

MESSAGES = {
    "not_a_string": "expression must be a string",
    "empty": "empty expression",
    "too_long": "expression longer than {limit} characters",
    "non_ascii": "non-ASCII character {char!r}",
    "unexpected_character": "unexpected character {char!r}",
    "number_too_large": "number '{number}' is too large (limit {limit})",
    "unterminated_string": "unterminated string",
    "brackets_too_deep": "brackets nested deeper than {limit}",
    "unmatched_bracket": "unmatched '{bracket}'",
    "unclosed_bracket": "unclosed '{bracket}'",
    "needs_parentheses": "function '{function}' needs parentheses: write {function}(...)",
    "missing_operator": "missing operator before '{token}'",
    "unexpected_end": "incomplete expression: unexpected end",
    "syntax_error": "syntax error near '{token}'",
    "parser_gave_up": "expression too complex: Python's parser gave up",
    "unsupported_operator": "operator '{operator}' is not supported; use + - * / ^",
    "unsupported_unary": "operator '{operator}' is not supported",
    "string": "a string is not allowed",
    "unknown_name": "unknown name '{name}'; {hint_text}",
    "unknown_function": "unknown function '{name}'; functions are {functions}",
    "arity": "{function}() takes exactly {expected} argument{plural} ({given} given)",
    "unpacking_keywords": "unpacking '**' is not allowed",
    "keyword_argument": "keyword argument '{name}=' is not allowed; pass it by position",
    "attribute": "attribute access '.{name}' is not allowed",
    "indexing": "indexing '[' is not allowed",
    "comparison": "comparison '{operator}' is not allowed",
    "boolean": "'{operator}' is not allowed",
    "conditional": "conditional expression '{token} ... else' is not allowed",
    "assignment": "assignment ':=' is not allowed",
    "comma": "',' is not allowed here; write a single expression",
    "not_allowed": "{what} is not allowed",
    "exponent_too_large": "exponent {exponent} is too large (limit {limit})",
    "constant_too_large": "constant too large (limit {limit})",
    "too_deep": "expression nested deeper than {limit} levels",
    "too_many_parts": "expression has more than {limit} parts",
    "too_many_nodes": "expression too complex: value and derivatives need more than {limit} nodes",
    "too_slow": "expression too complex: it took over {limit} s of CPU time to prepare",
    "bad_domain": "domain must be ((xmin, xmax), (ymin, ymax))",
    "range_not_finite": "{axis} range must be finite numbers within +-{limit}",
    "range_empty": "{axis} range must have min < max, got ({low}, {high})",
    "bad_variable": "the variable must be a name other than the functions and constants, got {name!r}",
}

# The hints of an unknown name, for the catalogs: "write x*y", "write sin(x)", or the list of names.
HINTS = {
    "names": "names are {names}",
    "product": "write {suggestion}",
    "call": "write {suggestion}",
}


class ExpressionError(ValueError):
    """A refused formula: ``code`` and ``params`` say why (``message`` in English); ``position`` is the 0-based
    index into the text as typed, or None."""

    def __init__(self, code: str, position: int | None = None, **params: Any):
        self.code = code
        self.params = params
        self.position = position
        hint = HINTS[params["hint"]].format(**params) if "hint" in params else ""
        self.message = MESSAGES[code].format(**params, hint_text=hint)
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "message": self.message, "position": self.position}
