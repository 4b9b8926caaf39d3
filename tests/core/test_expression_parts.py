"""The expression engine's smaller contracts: scalar functions of t, the default start rule, error codes, the CPU
time limit, and the one departure from torch (sqrt's derivative at 0)."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

from optim_core import expression
from optim_core.backend import ARRAY, FLOAT, FLOAT_ERRORS
from optim_core.expression import START_RULE, ExpressionError, check_expression, parse_expression, scalar_function
from optim_core.expression.errors import MESSAGES

# ------------------------------------------------------------------------------------------ scalar_function


@pytest.mark.parametrize(("text", "t", "value"), [
    ("0.95^t", 0, 1.0),
    ("0.95^t", 2, 0.95 ** 2),
    ("0.95^t", 7, 0.95 ** 7),  # as a LambdaLR lambda computes it: float ** int is C pow
    ("min(1, (t+1)/10)", 0, 0.1),
    ("min(1, (t+1)/10)", 20, 1.0),
    ("1/(1 + 0.1t)", 10, 0.5),
    ("2", 5, 2.0),
    ("t", 3, 3.0),
    ("exp(-t/10)", 10, math.exp(-1.0)),
])
def test_scalar_function_evaluates_a_formula_in_t(text, t, value):
    f = scalar_function(text)
    assert f(t) == value
    assert type(f(t)) is float


def test_scalar_function_matches_python_on_many_epochs():
    f, g = scalar_function("0.9^t * (1 + cos(pi t / 50))/2"), scalar_function("max(0.01, 1 - t/100)")
    for t in range(200):
        assert f(t) == 0.9 ** t * (1 + math.cos(math.pi * t / 50)) / 2
        assert g(t) == max(0.01, 1 - t / 100)


def test_scalar_function_takes_another_variable_name_and_refuses_x():
    assert scalar_function("2k + 1", variable="k")(3) == 7.0
    with pytest.raises(ExpressionError) as info:
        scalar_function("x + t")
    assert info.value.code == "unknown_name" and info.value.position == 0
    assert "names are t, pi and e" in info.value.message
    for bad in ("sin", "pi", "lambda", "2t", ""):
        with pytest.raises(ExpressionError) as info:
            scalar_function("1", variable=bad)
        assert info.value.code == "bad_variable"


def test_scalar_function_raises_float_errors_outside_the_reals():
    with pytest.raises(FLOAT_ERRORS):
        scalar_function("log(t - 5)")(1)
    with pytest.raises(FLOAT_ERRORS):
        scalar_function("1/t")(0)


# ------------------------------------------------------------------------------------------------ start rule


def test_start_rule_is_data_that_json_can_carry():
    rule = json.loads(json.dumps(START_RULE))
    assert rule == START_RULE
    assert all(0 <= fx <= 1 and 0 <= fy <= 1 for fx, fy in rule["candidates"])
    assert rule["candidates"][0] == [0.3, 0.7]


@pytest.mark.parametrize("text", [
    "x^4 - 2x^2 + y^2",  # a stationary point at the centre of the default box
    "x^2 + y^2",
    "(x + 1.2)^2 + (y - 1.2)^2",  # its minimum sits on the first candidate
    "sin(x) sin(y)",
    "max(abs(x), abs(y))",
])
def test_default_start_is_never_a_stationary_point(text):
    s = parse_expression(text)
    (x0, x1), (y0, y1) = s.domain
    x, y = s.start
    assert x0 <= x <= x1 and y0 <= y <= y1
    _, gx, gy = s.fg(x, y, FLOAT)
    assert math.hypot(gx, gy) > 1e-3


def test_default_start_follows_the_first_good_candidate_of_the_rule():
    s = parse_expression("(x + 1.2)^2 + (y - 1.2)^2")
    assert s.start != pytest.approx((-1.2, 1.2))  # the first candidate is its minimum: refused
    assert s.start == pytest.approx((1.2, -1.2))  # the second candidate
    assert parse_expression("x y", domain=((0, 10), (-4, 0))).start == pytest.approx((3.0, -1.2))


def test_default_start_of_a_constant_or_nowhere_finite_surface_is_still_a_point():
    assert parse_expression("7").start == pytest.approx((-1.2, 1.2))
    assert parse_expression("log(x - 10)").start == pytest.approx((-1.2, 1.2))


# ---------------------------------------------------------------------------------------- error codes


@pytest.mark.parametrize(("text", "code", "params"), [
    ("xy", "unknown_name", {"name": "xy", "hint": "product", "suggestion": "x*y"}),
    ("sinx", "unknown_name", {"name": "sinx", "hint": "call", "suggestion": "sin(x)"}),
    ("foo(x)", "unknown_function", {"name": "foo"}),
    ("x +", "unexpected_end", {}),
    ("x^1000", "exponent_too_large", {"exponent": "1000", "limit": "100"}),
    ("sin(x, y)", "arity", {"function": "sin", "expected": 1, "given": 2}),
    ("x" * 301, "too_long", {"limit": 300}),
    ("x @ y", "unsupported_operator", {"operator": "@"}),
    ("\u03c0", "non_ascii", {"char": "\u03c0"}),
])
def test_errors_carry_a_code_and_json_params_beside_the_english(text, code, params):
    out = check_expression(text)
    assert out["ok"] is False
    err = out["error"]
    assert err["code"] == code
    assert params.items() <= err["params"].items()
    assert json.loads(json.dumps(err)) == err
    assert err["message"] == ExpressionError(code, **err["params"]).message  # the params say it all


def test_no_message_states_the_position():
    for template in MESSAGES.values():
        assert "at position" not in template
    for text in ("xy", "x +", "(x", "x)", "2 + xy", "x 2", "x.real", "sin x"):
        err = check_expression(text)["error"]
        assert err["position"] is not None and "position" not in err["message"], text
    assert "position" not in check_expression("sin(x=1)")["error"]["message"].replace("by position", "")


# ---------------------------------------------------------------------------------------------- time limit


def test_preparation_time_counts_this_threads_cpu_not_the_wall_clock(monkeypatch):
    # A busy server: the wall clock races ahead, but this thread's CPU time does not.
    real = time.perf_counter
    monkeypatch.setattr(time, "perf_counter", lambda: real() + 1e6 * (next(ticks)))
    ticks = iter(range(10**9))
    parse_expression("sin(x) cos(y) + 0.1234567 x^3")
    # The thread's CPU clock running out is what refuses.
    clock = iter(range(0, 10**9, 10))
    monkeypatch.setattr(time, "thread_time", lambda: float(next(clock)))
    with pytest.raises(ExpressionError) as info:
        parse_expression("sin(x) cos(y) + 0.7654321 x^3")
    assert info.value.code == "too_slow"


# ------------------------------------------------------------------------------------------- sqrt at zero


def test_sqrt_derivative_at_zero_is_the_symmetric_subgradient_on_both_backends():
    s = parse_expression("sqrt(x^2 + y^2) + 0.5x")
    assert s.fg(0.0, 0.0, FLOAT) == (0.0, 0.5, 0.0)
    with np.errstate(all="raise"):
        f, gx, gy = s.fg(np.zeros(3), np.zeros(3), ARRAY)
    assert f.tolist() == [0.0] * 3 and gx.tolist() == [0.5] * 3 and gy.tolist() == [0.0] * 3
    assert parse_expression("sqrt(x)").fg(0.0, 1.0, FLOAT) == (0.0, 0.0, 0.0)
    assert parse_expression("sqrt(x)").fg(4.0, 1.0, FLOAT) == (2.0, 0.25, 0.0)


def test_limits_live_in_one_module():
    assert expression.MAX_LENGTH == expression.limits.MAX_LENGTH == 300
    assert expression.DEFAULT_DOMAIN == ((-3.0, 3.0), (-3.0, 3.0))
