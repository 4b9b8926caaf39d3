"""Typed formulas: the grammar, exact gradients (hand values, finite differences, torch goldens), the refusals."""

from __future__ import annotations

import builtins
import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optim_core import expression
from optim_core.backend import ARRAY, FLOAT, FLOAT_ERRORS
from optim_core.expression import ExpressionError, check_expression, parse_expression
from optim_core.surfaces import Surface

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "expression_golden.json"
LN2 = math.log(2.0)


def fg_float(text: str, x: float, y: float) -> tuple[float, float, float]:
    return parse_expression(text).fg(x, y, FLOAT)


def close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(b))


# ------------------------------------------------------------------------------------------------ accepted

# (text, x, y, f, df/dx, df/dy), worked out by hand.
HAND = [
    ("x^4 - 2x^2 + y^2", 2.0, 3.0, 17.0, 24.0, 6.0),
    ("2x", 1.5, 0.0, 3.0, 2.0, 0.0),
    ("2 x", 1.5, 0.0, 3.0, 2.0, 0.0),
    ("3(x+y)", 1.0, 2.0, 9.0, 3.0, 3.0),
    ("(x+1)(y-1)", 2.0, 3.0, 6.0, 2.0, 3.0),
    ("(x+1)x", 2.0, 0.0, 6.0, 5.0, 0.0),
    ("x(y+1)", 2.0, 3.0, 8.0, 4.0, 2.0),
    ("x y", 2.0, 3.0, 6.0, 3.0, 2.0),
    ("2 sin(x)", 0.0, 0.0, 0.0, 2.0, 0.0),
    ("sin(x)cos(y)", math.pi / 6, 0.0, 0.5, math.cos(math.pi / 6), 0.0),
    ("1e-3*x^2", 10.0, 0.0, 0.1, 0.02, 0.0),
    ("-x^2", 3.0, 0.0, -9.0, -6.0, 0.0),
    ("-2^2 + x", 0.0, 0.0, -4.0, 1.0, 0.0),
    ("x^2^3", 2.0, 0.0, 256.0, 1024.0, 0.0),
    ("max(x, y^2)", 1.0, 2.0, 4.0, 0.0, 4.0),
    ("max(x, y^2)", 5.0, 2.0, 5.0, 1.0, 0.0),
    ("min(x, y)", 1.0, 1.0, 1.0, 0.5, 0.5),
    ("x**2 + y**2", 3.0, 4.0, 25.0, 6.0, 8.0),
    ("pi*x", 2.0, 0.0, 2 * math.pi, math.pi, 0.0),
    ("e^x", 1.0, 0.0, math.e, math.e, 0.0),
    ("2^-x", 3.0, 0.0, 0.125, -0.125 * LN2, 0.0),
    ("1/2x", 4.0, 0.0, 2.0, 0.5, 0.0),
    (".5x + 2.5e1", 4.0, 0.0, 27.0, 0.5, 0.0),
    ("abs(x) + sqrt(y)", -3.0, 4.0, 5.0, -1.0, 0.25),
    ("abs(x)", 0.0, 0.0, 0.0, 0.0, 0.0),
    ("log(x) + atan(y)", math.e, 1.0, 1.0 + math.pi / 4, 1 / math.e, 0.5),
    ("x^-1", 2.0, 0.0, 0.5, -0.25, 0.0),
    ("x^y", 2.0, 3.0, 8.0, 12.0, 8.0 * LN2),
    ("x^3", -2.0, 0.0, -8.0, 12.0, 0.0),
    ("+x - -y", 1.0, 2.0, 3.0, 1.0, 1.0),
    ("tanh(x) + cosh(y) - sinh(y)", 0.0, 0.0, 1.0, 1.0, -1.0),
    ("tan(x)", 0.0, 0.0, 0.0, 1.0, 0.0),
    ("exp(x y)", 0.0, 5.0, 1.0, 5.0, 0.0),
    ("  x\t*\ny ", 2.0, 3.0, 6.0, 3.0, 2.0),
    ("7", 1.0, 1.0, 7.0, 0.0, 0.0),
    ("2e3 + 2e - x", 1.0, 0.0, 2000.0 + 2 * math.e - 1.0, -1.0, 0.0),
    ("pi(x+1)", 1.0, 0.0, 2 * math.pi, math.pi, 0.0),
]


@pytest.mark.parametrize(("text", "x", "y", "f", "gx", "gy"), HAND, ids=[h[0] for h in HAND])
def test_parse_expression_gives_hand_computed_values_and_gradients(text, x, y, f, gx, gy):
    got = fg_float(text, x, y)
    assert got == pytest.approx((f, gx, gy), rel=1e-15, abs=1e-15)
    with np.errstate(all="raise"):
        arr = parse_expression(text).fg(np.array([x, x]), np.array([y, y]), ARRAY)
    for a, b in zip(arr, got, strict=True):
        assert a.shape == (2,)
        assert a.tolist() == pytest.approx([b, b], rel=1e-15, abs=1e-15)
    assert parse_expression(text).fn(x, y, FLOAT) == got[0]


LATEX = [
    ("x^4 - 2x^2 + y^2", "x^{4} - 2 x^{2} + y^{2}"),
    ("sin(x)", r"\sin\left(x\right)"),
    ("a", None),
    ("x/(y+1)", r"\frac{x}{y + 1}"),
    ("sqrt(x)", r"\sqrt{x}"),
    ("abs(x)", r"\left|x\right|"),
    ("max(x, y)", r"\max\left(x, y\right)"),
    ("-(x+y)", r"-\left(x + y\right)"),
    ("(x+1)^2", r"\left(x + 1\right)^{2}"),
    ("(x^2)^3", r"\left(x^{2}\right)^{3}"),
    ("x - (y - 1)", r"x - \left(y - 1\right)"),
    ("x + -y", r"x + \left(-y\right)"),
    ("x*2", r"x \cdot 2"),
    ("2pi x", r"2 \pi x"),
    ("e^-x", "e^{-x}"),
    ("log(x)", r"\ln\left(x\right)"),
    ("1e-5 x", r"1 \cdot 10^{-5} x"),
    ("sin(x)^2", r"\left(\sin\left(x\right)\right)^{2}"),
    ("(x/y)^2", r"\left(\frac{x}{y}\right)^{2}"),
    ("1/2x", r"\frac{1}{2} x"),
]


@pytest.mark.parametrize(("text", "latex"), [c for c in LATEX if c[1]], ids=[c[0] for c in LATEX if c[1]])
def test_latex_is_parenthesized_by_precedence(text, latex):
    assert parse_expression(text).latex == latex


# ------------------------------------------------------------------------------------- exact gradients

FD_CASES = [
    "x^4 - 2x^2 + y^2",
    "sin(x)cos(y) + x y^3",
    "(1-x)^2 + 100(y-x^2)^2",
    "exp(-(x^2+y^2)/2) * sin(3x)",
    "sqrt(x^2 + y^2 + 1) / (2 + cos(x - y))",
    "log(1 + x^2 y^2) + atan(x/(1 + y^2))",
    "tanh(x) sinh(y/2) + cosh(x/3)",
    "x^x + 2^(x y)",
    "tan(x/4)^3 - (x - y)^-2",
    "max(x, y^2) + min(sin(x), y) + abs(x - 0.3)",
]


@pytest.mark.parametrize("text", FD_CASES)
def test_gradient_matches_central_differences_at_random_points(text):
    s = parse_expression(text, domain=((0.1, 2.5), (-2.0, 2.0)))  # x > 0 keeps x^x real
    rng = np.random.default_rng(7)
    h = 1e-6
    for x, y in zip(rng.uniform(0.1, 2.5, 25), rng.uniform(-2.0, 2.0, 25), strict=True):
        _, gx, gy = s.fg(x, y, FLOAT)
        fdx = (s.fn(x + h, y, FLOAT) - s.fn(x - h, y, FLOAT)) / (2 * h)
        fdy = (s.fn(x, y + h, FLOAT) - s.fn(x, y - h, FLOAT)) / (2 * h)
        assert close(gx, fdx, 1e-6), (x, y)
        assert close(gy, fdy, 1e-6), (x, y)


def _golden_cases():
    return json.loads(GOLDEN.read_text())["cases"]


@pytest.mark.parametrize("case", _golden_cases(), ids=lambda c: c["text"])
def test_values_and_gradients_match_torch_autograd_goldens(case):
    s = parse_expression(case["text"])
    for (x, y), f, (gx, gy) in zip(case["points"], case["f"], case["grad"], strict=True):
        for backend in (FLOAT, ARRAY):
            got = [float(v) for v in s.fg(np.float64(x) if backend is ARRAY else x, y, backend)]
            for a, b in zip(got, (f, gx, gy), strict=True):
                assert close(a, b, 1e-12), (case["text"], x, y, backend.name, got)


def test_golden_file_covers_enough_formulas():
    assert len(_golden_cases()) >= 15


# ------------------------------------------------------------------------------------------- refusals

# (text, fragment of the message, position or None to skip). Each must be refused in well under 0.5 s.
HOSTILE = [
    ("__import__('os').system('ls')", "unknown function '__import__'", 0),
    ("x.__class__", "attribute access '.__class__'", 1),
    ("().__class__.__bases__", "not allowed", 0),
    ("(x).__class__", "attribute access", 3),
    ("[x for x in y]", "comprehension", 0),
    ("lambda: 1", "'lambda'", 0),
    ('"abc"', "string", 0),
    ("9**9**9", "exponent 387420489 is too large", 1),
    ("x^1000000", "exponent 1000000 is too large", 1),
    ("2^5000", "exponent 5000 is too large", 1),
    ("x^(10*11)", "exponent 110 is too large", 1),
    ("1e400", "too large", 0),
    ("1e300*1e300", "constant too large", 5),
    ("exp(1000)", "constant too large", 0),
    ("(" * 60 + "x" + ")" * 60, "nested deeper than 50", 50),
    ("sin(" * 55 + "x" + ")" * 55, "nested deeper than 50", 203),  # the 51st "("
    ("-" * 60 + "x", "nested deeper than 50", 50),
    ("x" * 301, "longer than 300", 300),
    ("x+" * 150 + "x", "longer than 300", 300),
    ("", "empty", 0),
    ("   ", "empty", 0),
    ("sin(x, y)", "sin() takes exactly 1 argument (2 given)", 0),
    ("min(x)", "min() takes exactly 2 arguments (1 given)", 0),
    ("foo(x)", "unknown function 'foo'", 0),
    ("x if y else 1", "conditional expression", 2),
    ("x < y", "comparison '<'", 2),
    ("x and y", "'and'", 2),
    ("x[0]", "indexing", 1),
    ("open('f')", "unknown function 'open'", 0),
    ("xy", "unknown name 'xy'; write x*y", 0),
    ("2 + xy", "unknown name 'xy'; write x*y", 4),
    ("sinx", "write sin(x)", 0),
    ("x @ y", "operator '@'", 2),
    ("x // y", "operator '//'", 2),
    ("x % y", "operator '%'", 2),
    ("x | y", "operator '|'", 2),
    ("~x", "operator '~'", 0),
    ("a = 1", "syntax error near '='", 2),
    ("import os", "syntax error near 'import'", 0),
    ("sin(x=1)", "keyword argument 'x='", 4),
    ("max(*x)", "unpacking '*'", 4),
    ("x; y", "syntax error near ';'", 1),
    ("x, y", "','", 1),
    ("(x := 1)", "assignment ':='", 3),
    ("True", "'True'", 0),
    ("\x00", "unexpected character", 0),
    ("x # comment", "unexpected character '#'", 2),
    ("x \\\n+ y", "unexpected character", 2),
    ("\u03c0 x", "non-ASCII", 0),
    ("\uff58", "non-ASCII", 0),  # fullwidth x, which Python would quietly read as x
    ("sin x", "needs parentheses", 0),
    ("sin^2(x)", "needs parentheses", 0),
    ("x 2", "missing operator before '2'", 2),
    ("(x)2", "missing operator", 3),
    ("x +", "unexpected end", 3),
    ("(x", "unclosed '('", 0),
    ("x)", "unmatched ')'", 1),
    ("'abc", "unterminated string", 0),
    ("1j", "unknown name 'j'", 1),
    ("x.real", "attribute access '.real'", 1),
    ("f'{x}'", "syntax error", 1),
]


@pytest.mark.parametrize(("text", "fragment", "position"), HOSTILE, ids=[repr(h[0])[:40] for h in HOSTILE])
def test_parse_expression_refuses_hostile_input_quickly(text, fragment, position):
    t0 = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert time.perf_counter() - t0 < 0.5
    assert fragment in info.value.message
    assert str(info.value) == info.value.message
    assert isinstance(info.value, ValueError)
    if position is not None:
        assert info.value.position == position


def test_nested_exponentials_succeed_or_refuse_fast():
    t0 = time.perf_counter()
    s = parse_expression("exp(exp(exp(exp(exp(exp(x))))))")
    assert time.perf_counter() - t0 < 0.5
    with pytest.raises(OverflowError):  # exp^5 is at least exp(exp(e)) = 3.8e6, so exp^6 overflows everywhere
        s.fg(-3.0, 0.0, FLOAT)
    with np.errstate(all="ignore"):
        assert np.isinf(s.fn(np.array([-3.0]), np.array([0.0]), ARRAY)).all()
    f, gx, gy = parse_expression("exp(exp(exp(x)))").fg(-1.0, 0.0, FLOAT)
    chain = [math.exp(-1.0)]
    for _ in range(2):
        chain.append(math.exp(chain[-1]))
    assert (f, gy) == (chain[-1], 0.0)
    assert gx == pytest.approx(math.prod(chain), rel=1e-15)


def test_worst_case_sized_inputs_prepare_within_the_time_bound():
    texts = [
        "x^" + "^".join(["(x+y)"] * 48),
        "*".join(f"sin(x*y+{i})" for i in range(20)),
        "tan(" * 45 + "x" + ")" * 45,
        "/".join(f"(x+y*{i})" for i in range(30)),
    ]
    for text in texts:
        assert len(text) <= 300
        # Refused as "too complex" if it ran past expression.TIME_LIMIT of this thread's CPU time, the measure the
        # limit counts (wall-clock time on a shared machine says more about the neighbours than about the parser).
        t0 = time.thread_time()
        parse_expression(text)
        assert time.thread_time() - t0 < expression.TIME_LIMIT


def test_too_slow_or_too_large_derivatives_are_refused(monkeypatch):
    monkeypatch.setattr(expression.limits, "TIME_LIMIT", -1.0)
    with pytest.raises(ExpressionError, match="too complex"):
        parse_expression("sin(x) + 0.123456")
    monkeypatch.setattr(expression.limits, "TIME_LIMIT", 0.5)
    monkeypatch.setattr(expression.limits, "MAX_TOTAL_NODES", 100)
    with pytest.raises(ExpressionError, match="too complex"):
        parse_expression("*".join(f"cos(x*y+{i})" for i in range(20)))  # text not cached by another test


def test_formulas_with_too_many_parts_are_refused(monkeypatch):
    monkeypatch.setattr(expression.limits, "MAX_NODES", 10)
    with pytest.raises(ExpressionError, match="more than 10 parts") as info:
        parse_expression("x + y + x + y + x + 0.5")  # 11 nodes
    assert info.value.position is not None
    parse_expression("x + y + x + y + 0.25")  # 9 nodes


def test_text_never_reaches_eval_exec_or_a_running_compile(monkeypatch):
    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & 0x400, "compile() called for code, not for an AST"  # ast.PyCF_ONLY_AST
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    for text in ("x^2 + 3y - 0.25", "sin(x)cos(y) / 7", "__import__('os').system('true')"):
        check_expression(text)


def test_evaluation_errors_are_left_to_the_backend():
    s = parse_expression("1/x + log(y)")
    with pytest.raises(ZeroDivisionError):
        s.fg(0.0, 1.0, FLOAT)
    with pytest.raises(ValueError):
        s.fn(1.0, -1.0, FLOAT)
    with np.errstate(all="ignore"):
        f, gx, gy = s.fg(np.array([0.0, 1.0]), np.array([1.0, -1.0]), ARRAY)
    assert np.isinf(f[0]) and np.isnan(f[1]) and np.isinf(gx[0])
    with np.errstate(all="ignore"):  # constants stay NumPy numbers, so a constant 1/0 is inf, not an exception
        assert np.isinf(parse_expression("x + 1/0").fn(np.array([1.0]), np.array([1.0]), ARRAY)[0])
    # A negative base to a fractional power is an error on floats (never a complex number) and nan on arrays.
    cube_root = parse_expression("x^(1/3)")
    with pytest.raises(ValueError):
        cube_root.fn(-8.0, 0.0, FLOAT)
    with np.errstate(all="ignore"):
        assert np.isnan(cube_root.fn(np.array([-8.0]), np.array([0.0]), ARRAY)[0])


# ------------------------------------------------------------------------------------- API and Surface


def test_check_expression_reports_latex_or_an_error():
    assert check_expression("x^2 + y") == {"ok": True, "latex": "x^{2} + y"}
    assert check_expression("x + xy") == {
        "ok": False,
        "error": {"code": "unknown_name", "params": {"name": "xy", "hint": "product", "suggestion": "x*y"},
                  "message": "unknown name 'xy'; write x*y", "position": 4},
    }
    assert check_expression(None) == {
        "ok": False,
        "error": {"code": "not_a_string", "params": {}, "message": "expression must be a string", "position": None},
    }


def test_parse_expression_caches_surfaces_by_text_and_domain():
    a = parse_expression("x^2 + 2y^2 - 0.5")
    assert parse_expression("x^2 + 2y^2 - 0.5") is a
    assert parse_expression("x^2 + 2y^2 - 0.5", domain=[[-3, 3], [-3, 3]]) is a
    b = parse_expression("x^2 + 2y^2 - 0.5", domain=((-1, 1), (-2, 2)))
    assert b is not a and b.domain == ((-1.0, 1.0), (-2.0, 2.0))
    assert expression._build.cache_info().maxsize == 256


def test_surface_fields_defaults_and_domain():
    s = parse_expression("x^2 + y^2")
    assert isinstance(s, Surface)
    assert (s.name, s.label, s.minima, s.log_scale) == ("custom", "x^2 + y^2", (), False)
    assert s.domain == ((-3.0, 3.0), (-3.0, 3.0))
    assert s.start == pytest.approx((-1.2, 1.2))
    t = parse_expression("x^2 + y^2", domain=((0, 10), (-4, 0)))
    assert t.start == pytest.approx((3.0, -1.2))


@pytest.mark.parametrize(
    "domain",
    [((1, 0), (0, 1)), ((0, 1), (2, 2)), ((0, math.inf), (0, 1)), ((0, 2e6), (0, 1)), ((0, 1),), "ab", 5,
     ((0, "a"), (0, 1)), ((0, math.nan), (0, 1))],
)
def test_parse_expression_refuses_bad_domains(domain):
    with pytest.raises(ExpressionError, match="domain|range"):
        parse_expression("x", domain=domain)


def test_surface_f_grad_and_grid_work_on_batches():
    s = parse_expression("x^2 + 3y")
    xy = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 1.0]])
    assert s.f(xy).tolist() == [7.0, 0.0, 4.0]
    assert s.grad(xy).tolist() == [[2.0, 3.0], [0.0, 3.0], [-2.0, 3.0]]
    assert s.grad(xy[None]).shape == (1, 3, 2)
    x, y, z = s.grid(5)
    assert z.shape == (5, 5)
    assert z[1, 4] == pytest.approx(x[4] ** 2 + 3 * y[1])
    constant = parse_expression("2.5")
    assert constant.f(xy).tolist() == [2.5, 2.5, 2.5]
    assert constant.grad(xy).tolist() == [[0.0, 0.0]] * 3
    assert constant.grid(4)[2].tolist() == [[2.5] * 4] * 4


def test_gradient_of_float_path_equals_array_path_bit_for_bit_on_arithmetic():
    s = parse_expression("(1-x)^2 + 100(y-x^2)^2 + x/(y+3) - sqrt(x^2+1)")
    rng = np.random.default_rng(3)
    pts = rng.uniform(-2, 2, (20, 2))
    batch = s.grad(pts)
    for row, (x, y) in zip(batch, pts, strict=True):
        _, gx, gy = s.fg(float(x), float(y), FLOAT)
        assert row.tolist() == [gx, gy]


# ------------------------------------------------------------------------------------- property test

NUMBERS = st.sampled_from(["0", "1", "2", "3", "0.5", ".5", "1e-3", "2.5", "10", "1.5e1", "7", "2.0"])
NAMES = st.sampled_from(["x", "y", "pi", "e"])
ATOMS = st.one_of(NUMBERS, NAMES, st.sampled_from(["2x", "3y", "2 x", "x y", "2pi", "0.5y"]))
UNARY = sorted(expression.UNARY)


def _grow(inner):
    ops = st.sampled_from(["+", "-", "*", "/", "^", "**", " + ", " * ", " ^ "])
    return st.one_of(
        st.builds(lambda a, op, b: f"({a}){op}({b})", inner, ops, inner),
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["+", "-"]), inner),
        st.builds(lambda a: f"-({a})", inner),
        st.builds(lambda a: f"-{a}", inner),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(UNARY), inner),
        st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max"]), inner, inner),
        st.builds(lambda n, a: f"{n}({a})", NUMBERS, inner),  # 3(x+y)
        st.builds(lambda a, b: f"({a})({b})", inner, inner),  # (x+1)(y-1)
        st.builds(lambda n, f, a: f"{n} {f}({a})", NUMBERS, st.sampled_from(UNARY), inner),  # 2 sin(x)
        st.builds(lambda a, v: f"({a}){v}", inner, st.sampled_from(["x", "y"])),  # )x
    )


FORMULAS = st.recursive(ATOMS, _grow, max_leaves=12)
LIMITS = ("too large", "nested deeper", "more than", "longer than", "too complex")


def _float_fg(s, x, y):
    try:
        out = s.fg(x, y, FLOAT)
    except FLOAT_ERRORS:
        return None
    assert all(type(v) is float for v in out), out  # never complex, never another type
    return out


def _float_fn(s, x, y):
    try:
        v = s.fn(x, y, FLOAT)
    except FLOAT_ERRORS:
        return None
    return v if math.isfinite(v) else None


# derandomize: libm and NumPy differ by an ulp in exp, tanh, ..., and a rare formula could amplify that past
# 1e-12 by cancellation; a fixed set of 200 examples keeps the suite deterministic.
@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(text=FORMULAS, x=st.floats(-3, 3), y=st.floats(-3, 3))
def test_random_formulas_parse_agree_across_backends_and_differentiate_correctly(text, x, y):
    try:
        s = parse_expression(text)
    except ExpressionError as err:
        assert any(fragment in err.message for fragment in LIMITS), (text, err.message)
        return
    ours = _float_fg(s, x, y)
    with np.errstate(all="ignore"):
        arr = s.fg(np.array([x]), np.array([y]), ARRAY)
    assert all(np.shape(v) == (1,) for v in arr)
    if ours is None:
        return
    for a, b in zip(ours, arr, strict=True):
        if math.isfinite(a):
            assert close(float(b[0]), a, 1e-12), (text, x, y, ours, arr)
    # Central differences at two step sizes, compared only where f is smooth at this scale: the two agree, and
    # the forward and backward differences agree (which catches a kink sitting midway, as abs(y) at y = 0).
    for i, g in enumerate(ours[1:]):
        f0, central = _float_fn(s, x, y), []
        for h in (1e-4, 1e-5):
            dx, dy = (h, 0.0) if i == 0 else (0.0, h)
            hi, lo = _float_fn(s, x + dx, y + dy), _float_fn(s, x - dx, y - dy)
            if None in (f0, hi, lo) or not close((hi - f0) / h, (f0 - lo) / h, 1e-3):
                break
            central.append((hi - lo) / (2 * h))
        if len(central) < 2 or not math.isfinite(g) or not close(central[0], central[1], 1e-6):
            continue
        assert close(g, central[1], 1e-4), (text, x, y, i, g, central)
