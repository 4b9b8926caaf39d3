"""The algorithm boxes as MathML, made on the server with latex2mathml for the browser's native MathML.

Why this and not a vendored KaTeX (measured for issue 8): nothing is shipped to the page, where KaTeX 0.19.1
would add katex.min.js (273 kB, 76 kB gzipped), its CSS (25 kB) and up to 20 woff2 fonts (260 kB); all 13 boxes
with their symbols and summaries come to 10 kB of gzipped JSON, converted once (about 0.1 s) and cached, since the
boxes are the server's own fixed text. The page inserts it without ``innerHTML``: ``DOMParser`` (as XML) and
``document.importNode``.

Only the boxes' own LaTeX comes here, never a user's text: latex2mathml is not a sanitizer, and a typed surface
formula has its own renderer on the page.

Chromium implements MathML Core, so the page's CSS must (1) name a font with an OpenType MATH table, e.g.
``math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Math TeX Gyre", math }``,
without which subscripts sit too low and hats and radicals drift; and (2) give ``mtext[mathvariant=bold]`` a bold
weight and ``mtext[mathvariant=italic]`` an italic style, since Core ignores ``mathvariant`` there
(``\textbf{if}``, ``\textit{amsgrad}``).
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


def algorithm(name: str, lang: str = "en") -> dict[str, Any]:
    """The box of one optimizer for ``GET /api/optimizers``, in ``lang`` ("en" or "zh"): each line's data plus its
    MathML, each symbol's MathML, and the one-line summary.

    >>> box = algorithm("adam")
    >>> box["lines"][0]["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    True
    """
    box = get_box(name)
    d = box.to_dict(lang)
    for out in d["lines"]:
        out["mathml"] = to_mathml(out["latex"])
        for symbol in out["symbols"]:
            symbol["mathml"] = to_mathml(symbol["latex"])
    summary = box.summary(lang)
    d["summary"] = {"latex": summary, "mathml": to_mathml(summary)}
    return d
