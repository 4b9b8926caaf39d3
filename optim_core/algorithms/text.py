"""The LaTeX of a box line as plain Unicode text, for docstrings: ``\\hat{v}_t^{max}`` -> ``v̂ₜᵐᵃˣ``.

Only the small LaTeX vocabulary the boxes use is known, and anything else raises, so a new command in a box is
caught by the tests instead of leaking a backslash into a docstring. (pylatexenc's converter drops the braces of
subscripts and fractions, which turns ``\\theta_{t-1}`` into ``θ_t-1``; this keeps them as Unicode scripts or
parentheses.)
"""

from __future__ import annotations

import re

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
    "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ", "tau": "τ", "psi": "ψ", "Gamma": "Γ", "Delta": "Δ",
    "infty": "∞", "nabla": "∇", "leftarrow": "←", "neq": "≠", "leq": "≤", "geq": "≥", "in": "∈", "mid": "|",
    "ldots": "…", "lfloor": "⌊", "rfloor": "⌋", "cdot": "·", "top": "⊤", "max": "max", "min": "min",
    "quad": "\u2003", "big": "",
}
_TEXT = {"text", "textbf", "textit", "texttt", "mathbf", "mathrm", "mathit", "operatorname"}
_ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}
_ESCAPES = {"\\ ": " ", "\\,": " ", "\\:": " ", "\\;": " ", "\\{": "{", "\\}": "}", "\\|": "‖", "\\_": "_"}
_SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUP = dict(zip("0123456789+-−=()abdeimnprstvx⊤", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᵈᵉⁱᵐⁿᵖʳˢᵗᵛˣᵀ", strict=True))
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^]|\s+|.")


class _Reader:
    def __init__(self, latex: str):
        self.tokens = _TOKEN.findall(latex)
        self.pos = 0
        self.latex = latex

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ValueError(f"unexpected end of {self.latex!r}")
        self.pos += 1
        return tok

    def until_close(self) -> str:
        """The rendered text of a group whose "{" has been taken."""
        out = []
        while self.peek() != "}":
            out.append(self.atom())
        self.take()
        return "".join(out)

    def arg(self) -> str:
        while self.peek() is not None and self.peek().isspace():
            self.take()
        tok = self.take()
        if tok == "{":
            return self.until_close()
        return self.command(tok) if tok.startswith("\\") else tok

    def atom(self) -> str:
        tok = self.take()
        if tok == "{":
            return self.until_close()
        if tok in ("_", "^"):
            return _script(self.arg(), _SUB if tok == "_" else _SUP, tok)
        if tok.isspace():
            return " "
        if tok == "}":
            raise ValueError(f"unbalanced }} in {self.latex!r}")
        return self.command(tok) if tok.startswith("\\") else tok

    def command(self, tok: str) -> str:
        if tok in _ESCAPES:
            return _ESCAPES[tok]
        name = tok[1:]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _TEXT:
            return self.arg()
        if name in _ACCENTS:
            body = self.arg()
            return body[:1] + _ACCENTS[name] + body[1:]
        if name in ("frac", "tfrac"):
            num, den = self.arg(), self.arg()
            return "½" if (num, den) == ("1", "2") else f"{_wrap(num)}/{_wrap(den)}"
        if name == "sqrt":
            return "√" + _wrap(self.arg())
        raise ValueError(f"unknown LaTeX command {tok} in {self.latex!r}")


def _wrap(text: str) -> str:
    """Parenthesize unless the text is one term (no spaces or operators outside parentheses)."""
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in " +-−/,":
            return f"({text})"
    return text


def _script(text: str, table: dict[str, str], mark: str) -> str:
    text = text.replace(" ", "")
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return mark + (text if len(text) == 1 else f"({text})")


def latex_to_text(latex: str) -> str:
    r"""
    >>> latex_to_text(r"\hat{v}_t \leftarrow v_t^{max} / (1 - \beta_2^t)")
    'v̂ₜ ← vₜᵐᵃˣ / (1 - β₂ᵗ)'
    >>> latex_to_text(r"\theta_t \leftarrow \theta_{t-1} - \gamma \frac{g_t}{\sqrt{\text{sum}_t} + \epsilon}")
    'θₜ ← θₜ₋₁ - γ gₜ/(√sumₜ + ε)'
    """
    r = _Reader(latex)
    out = []
    while r.peek() is not None:
        out.append(r.atom())
    # LaTeX ignores the source's spaces in math; one space reads better than none, and \quad stays wider.
    return re.sub(" *\u2003 *", "  ", re.sub(" +", " ", "".join(out))).strip()
