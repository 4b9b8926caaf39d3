"""Each optimizer's algorithm, written once as a box in the form of torch's docs, with every branch.

The box feeds the class docstring (:func:`algorithm_text`, set by :func:`attach_docstrings`), the one-line
``latex`` summary (:func:`summary_latex`) and the page, which renders each line as math and shows beside it the
live value of each symbol the line defines (see :mod:`optim_core.algorithms.box` for the data).

The boxes state what torch 2.13's single-tensor code computes. foreach, fused, capturable and differentiable
select other kernels for the same arithmetic and are not hyperparameters here, so no box branches on them.

>>> print(algorithm_text("sgd").splitlines()[0])
SGD: torch.optim.SGD as torch 2.13 computes it.
>>> summary_latex("adagrad").startswith(r"\\tilde{\\gamma} \\leftarrow")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import adam, other, sgd
from .box import DERIVED, PHRASES_ZH, TRACE, Box, Line, Symbol, holds, localize
from .text import latex_to_text

BOXES: dict[str, Box] = {b.name: b for b in (*sgd.BOXES, *adam.BOXES, *other.BOXES)}

_LABELS = {"input": "input: ", "initialize": "initialize: "}
_TRACE_TEXT = {"grad": "the gradient received", "update": "the step Δθ", "lr": "the lr in effect",
               "params": "the point"}


def get_box(name: str) -> Box:
    try:
        return BOXES[name]
    except KeyError:
        raise KeyError(f"Unknown optimizer {name!r}; known: {', '.join(sorted(BOXES))}") from None


def summary_latex(name: str, lang: str = "en") -> str:
    """The one-line ``latex`` of an optimizer: its box's key lines, with their conditions."""
    return get_box(name).summary(lang)


def algorithm_text(name: str, help_text: str = "") -> str:
    """The box as plain text in the form of torch's docs: input, initialize, the loop with every branch."""
    box = get_box(name)
    rows: list[tuple[str, str]] = []  # (part, text)
    for line in box.lines:
        text = latex_to_text(line.latex)
        if line.part == "loop":
            text = "    " * line.indent + text
        elif line.part == "initialize" and line.when:
            text += "   (if " + ", ".join(_condition_text(k, v) for k, v in line.when.items()) + ")"
        rows.append((line.part, text))
    lines, seen = [], set()
    for part, text in rows:
        if part in _LABELS:
            label = _LABELS[part]
            lines.append((label if part not in seen else " " * len(label)) + text.removeprefix(label.strip() + " "))
            seen.add(part)
        else:
            lines.append(text)
    width = max(len(s) for s in lines)
    rule = "─" * width
    n_head = sum(1 for p, _ in rows if p in _LABELS)
    body = [rule, *lines[:n_head], rule, *lines[n_head:-1], rule, lines[-1], rule]
    head = f"{box.title}: torch.optim.{box.title} as torch 2.13 computes it."
    return "\n".join([head, "", *([help_text, ""] if help_text else []), *body, "", *_legend(box)])


def _legend(box: Box) -> list[str]:
    """Which symbol is which entry of torch's optimizer.state, for readers of help()."""
    first: dict[str, Symbol] = {}  # each key by its symbol in the loop (m_t), else where it is initialized (m_0)
    for line in sorted(box.lines, key=lambda line: line.part != "loop"):
        for s in line.symbols:
            if s.source == "state":
                first.setdefault(s.key, s)
    state = [f"{latex_to_text(s.latex)} = state[{key!r}]" for key, s in first.items()]
    return [f"optimizer.state: {', '.join(state)}."] if state else []


def _condition_text(name: str, want: Any) -> str:
    if want in ("nonzero", "positive", "zero"):
        return f"{name} {dict(nonzero='!=', positive='>', zero='==')[want]} 0"
    return name if want is True else f"not {name}" if want is False else f"{name} == {want!r}"


def attach_docstrings(optimizers: Mapping[str, Any], *, latex: bool = False) -> None:
    """Make each optimizer class's ``__doc__`` its box, so the docstring and the page cannot drift.

    ``optimizers`` is :data:`optim_core.OPTIMIZERS` (name -> spec, with ``spec.cls`` the class). With
    ``latex=True`` each spec's one-line ``latex`` is replaced by :func:`summary_latex` as well.
    """
    missing = sorted(set(optimizers) ^ set(BOXES))
    if missing:
        raise KeyError(f"optimizers and boxes differ: {missing}")
    for name, spec in optimizers.items():
        spec.cls.__doc__ = algorithm_text(name, spec.help_en)
        if latex:
            object.__setattr__(spec, "latex", summary_latex(name))  # the spec is frozen; set once at import


def applying_lines(name: str, hyperparameters: Mapping[str, Any]) -> tuple[Line, ...]:
    """The lines that run for these hyperparameters (both sides of a run-time branch included)."""
    return get_box(name).applying(hyperparameters)


def to_dict(name: str, lang: str = "en") -> dict[str, Any]:
    """The box as JSON-ready data, for ``GET /api/optimizers`` (``algorithm``)."""
    return get_box(name).to_dict(lang)


__all__ = ["BOXES", "DERIVED", "PHRASES_ZH", "TRACE", "Box", "Line", "Symbol", "algorithm_text", "applying_lines",
           "attach_docstrings", "get_box", "holds", "latex_to_text", "localize", "summary_latex", "to_dict"]
