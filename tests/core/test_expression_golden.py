"""Typed formulas and built-in surfaces against torch 2.13's autograd (tests/data/expression_golden.json, from
scripts/make_expression_golden.py): bit for bit wherever torch's elementary functions rounded as libm does."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from optim_core.backend import ARRAY, FLOAT
from optim_core.expression import parse_expression, parse_term
from optim_core.surfaces import SURFACES

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "data" / "expression_golden.json").read_text())
# Term operations whose NumPy and libm results may differ in the last bit; sqrt is IEEE-exact in both.
_TRANSCENDENTAL = {"sin", "cos", "tan", "exp", "log", "tanh", "sinh", "cosh", "atan"}


def _arithmetic(text: str) -> bool:
    """No transcendental function and no power off torch's special exponents, so NumPy must match libm too."""
    term, _ = parse_term(text)
    for t in term.walk():
        if t.op in _TRANSCENDENTAL:
            return False
        if t.op == "pow" and not (t.args[1].op == "const" and t.args[1].value in (0, 1, 2, 3, -1, -2, 0.5, -0.5)):
            return False
    return True


def _close(got, want) -> bool:
    scale = max(1.0, *map(abs, want))
    return all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * scale) for a, b in zip(got, want, strict=True))


def _check(surface, case) -> None:
    text = case["text"]
    pts = np.array(case["points"])
    with np.errstate(all="ignore"):
        arr = surface.fg(pts[:, 0], pts[:, 1], ARRAY)
    for k, ((x, y), f, g, exact) in enumerate(zip(case["points"], case["f"], case["grad"], case["exact"], strict=True)):
        ours = surface.fg(x, y, FLOAT)
        want = (f, *g)
        if exact:
            assert ours == want, (text, x, y, ours, want)
        else:  # torch's own sin/exp/sqrt differed from libm by an ulp somewhere on the way
            assert _close(ours, want), text
        row = tuple(float(v[k]) for v in arr)
        if _arithmetic(text):
            assert row == ours, (text, "array", x, y)
        else:
            assert _close(row, ours), text


def test_golden_file_states_its_origin_and_covers_enough():
    assert GOLDEN["torch"].startswith("2.13") and GOLDEN["cpu"]
    assert len(GOLDEN["cases"]) >= 20 and len(GOLDEN["random"]) >= 100
    assert {c["name"] for c in GOLDEN["surfaces"]} == set(SURFACES)
    points = [e for c in GOLDEN["cases"] + GOLDEN["surfaces"] + GOLDEN["random"] for e in c["exact"]]
    assert sum(points) >= 0.9 * len(points)  # the bit-exact check is the rule, not the exception


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["text"])
def test_typed_formulas_match_torch_autograd(case):
    _check(parse_expression(case["text"]), case)


@pytest.mark.parametrize("case", GOLDEN["surfaces"], ids=lambda c: c["name"])
def test_built_in_surfaces_match_torch_autograd_at_random_points(case):
    surface = SURFACES[case["name"]]
    assert surface.expression == case["text"]
    _check(surface, case)


def test_random_formulas_match_torch_autograd_accumulation_order():
    for case in GOLDEN["random"]:
        _check(parse_expression(case["text"], domain=((0.2, 2.0), (-2.0, 2.0))), case)
