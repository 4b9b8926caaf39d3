"""The algorithm boxes as MathML, made on the server with latex2mathml for the browser's native MathML.

Why this and not a vendored KaTeX: it works offline with nothing shipped to the page (KaTeX would add about
280 kB of script, CSS and fonts to a page that otherwise loads only Plotly); the boxes are the server's own text,
fixed at import, so each line is converted once and cached; and the page can insert the result without
``innerHTML`` by parsing it as XML (``DOMParser`` + ``document.importNode``). The figures behind the choice are in
docs/decisions (the report of issue 8).

Only the boxes' own LaTeX comes here, never a user's text: latex2mathml is not a sanitizer, and a typed surface
formula has its own renderer on the page.

Chromium implements MathML Core, which ignores ``mathvariant`` except on ``<mi>``: the page's CSS should give
``mtext[mathvariant=bold]`` a bold weight and ``mtext[mathvariant=italic]`` an italic style (``\\textbf{if}``,
``\\textit{amsgrad}``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from latex2mathml.converter import convert

from optim_core.algorithms import get_box


@lru_cache(maxsize=1024)
def to_mathml(latex: str) -> str:
    """One box line as an inline ``<math>`` element (cached: the boxes are fixed)."""
    return convert(latex)


def algorithm(name: str) -> dict[str, Any]:
    """The box of one optimizer for ``GET /api/optimizers``: each line's data plus its MathML, and the summary.

    >>> box = algorithm("adam")
    >>> box["lines"][0]["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    True
    """
    box = get_box(name)
    d = box.to_dict()
    for line, out in zip(box.lines, d["lines"], strict=True):
        out["mathml"] = to_mathml(line.latex)
        for symbol in out["symbols"]:
            symbol["mathml"] = to_mathml(symbol["latex"])
    summary = box.summary()
    d["summary"] = {"latex": summary, "mathml": to_mathml(summary)}
    return d
