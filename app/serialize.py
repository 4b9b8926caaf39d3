"""The JSON shapes of the core's catalog objects: the API owns them, the core keeps its own dataclasses.

The core's ``low``/``high`` (what the API accepts) are ``min``/``max`` in JSON, as the page's controls call them.
"""

from __future__ import annotations

from typing import Any

from optim_core import Hyperparameter, OptimizerSpec, Surface


def hyperparameter_info(p: Hyperparameter) -> dict[str, Any]:
    d = {
        "name": p.name,
        "kind": p.kind,
        "default": list(p.default) if isinstance(p.default, tuple) else p.default,
        "min": p.low,
        "max": p.high,
        "log": p.log,
        "help": {"en": p.help_en, "zh": p.help_zh},
        "nullable": p.nullable,
    }
    if p.slider is not None:
        d["slider"] = list(p.slider)
    if p.choices is not None:
        d["choices"] = list(p.choices)
    return d


def optimizer_info(spec: OptimizerSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "label": spec.label,
        "family": spec.family,
        "latex": spec.latex,
        "help": {"en": spec.help_en, "zh": spec.help_zh},
        "params": [hyperparameter_info(p) for p in spec.params],
    }


def surface_info(s: Surface) -> dict[str, Any]:
    (x0, x1), (y0, y1) = s.domain
    info = {"name": s.name, "label": s.label, "latex": s.latex, "description": s.description,
            "log_scale": s.log_scale, "domain": {"x": [x0, x1], "y": [y0, y1]},
            "minima": [list(m) for m in s.minima], "start": list(s.start)}
    expression = getattr(s, "expression", None)  # the text that, typed in, gives the same surface (issue 9)
    if expression is not None:
        info["expression"] = expression
    return info
