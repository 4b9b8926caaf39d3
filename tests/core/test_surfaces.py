"""The surface registry: exact gradients, backend agreement, minima, shapes and lookup."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optim_core.backend import ARRAY, FLOAT
from optim_core.surfaces import SURFACES, Surface, get_surface

REQUIRED = (
    "rosenbrock",
    "beale",
    "booth",
    "himmelblau",
    "matyas",
    "saddle",
    "monkey_saddle",
    "rastrigin",
    "ackley",
    "goldstein_price",
    "six_hump_camel",
    "three_hump_camel",
    "styblinski_tang",
    "levi",
    "ill_conditioned",
)

# Known value at the global minimum, listed first in `minima`, with the tolerance it is checked to.
GLOBAL_VALUES = {
    "rosenbrock": (0.0, 0.0),
    "beale": (0.0, 0.0),
    "booth": (0.0, 0.0),
    "himmelblau": (0.0, 0.0),
    "matyas": (0.0, 0.0),
    "rastrigin": (0.0, 0.0),
    "ackley": (0.0, 1e-12),
    "goldstein_price": (3.0, 1e-12),
    "six_hump_camel": (-1.0316284534898774, 1e-12),
    "three_hump_camel": (0.0, 0.0),
    "styblinski_tang": (-78.33233140754282, 1e-10),
    "levi": (0.0, 1e-12),  # sin(3*pi) is 3.7e-16, not 0
    "ill_conditioned": (0.0, 0.0),
    "quadratic": (0.0, 0.0),
    "plateau": (0.0, 0.0),
}

NAMES = list(SURFACES)
surface_param = pytest.mark.parametrize("s", list(SURFACES.values()), ids=NAMES)


def random_points(s: Surface, n: int = 50, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = s.domain
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def value_scale(s: Surface) -> float:
    """The largest |f| on a grid over the domain: the size that rounding errors scale with."""
    return max(1.0, float(np.max(np.abs(s.grid(41)[2]))))


def test_registry_has_every_required_surface():
    assert len(SURFACES) >= 15
    assert set(REQUIRED) <= set(SURFACES)


@surface_param
def test_registry_key_is_surface_name_and_metadata_is_filled(s):
    assert SURFACES[s.name] is s
    assert s.label and s.latex and s.description
    (x0, x1), (y0, y1) = s.domain
    assert x0 < x1 and y0 < y1


@surface_param
def test_gradient_matches_central_differences(s):
    xy = random_points(s)
    h = 1e-6 * np.maximum(1.0, np.abs(xy))
    fd = np.empty_like(xy)
    for k in range(2):
        step = np.zeros_like(xy)
        step[:, k] = h[:, k]
        # Dividing by the step actually taken, (xy + step) - (xy - step), removes its rounding error.
        fd[:, k] = (s.f(xy + step) - s.f(xy - step)) / ((xy + step)[:, k] - (xy - step)[:, k])
    np.testing.assert_allclose(s.grad(xy), fd, rtol=1e-5, atol=1e-6 * value_scale(s))


@surface_param
def test_float_and_array_backends_agree(s):
    xy = random_points(s, seed=1)
    f_arr, gx_arr, gy_arr = s.fg(xy[:, 0], xy[:, 1], ARRAY)
    atol = 1e-12 * value_scale(s)
    for i, (x, y) in enumerate(xy.tolist()):
        out = s.fg(x, y, FLOAT)
        assert all(type(v) is float for v in out), out
        for v, ref in zip(out, (f_arr[i], gx_arr[i], gy_arr[i]), strict=True):
            assert math.isclose(v, ref, rel_tol=1e-12, abs_tol=atol), (x, y, v, ref)


@surface_param
def test_float_backend_does_not_raise_on_the_domain(s):
    (x0, x1), (y0, y1) = s.domain
    points = [(x, y) for x in np.linspace(x0, x1, 11) for y in np.linspace(y0, y1, 11)]
    for x, y in [*points, *s.minima, s.start]:
        out = s.fg(float(x), float(y), FLOAT)
        assert all(math.isfinite(v) for v in out), (x, y, out)


@surface_param
def test_fn_equals_first_output_of_fg(s):
    xy = random_points(s, seed=2)
    f, _, _ = s.fg(xy[:, 0], xy[:, 1], ARRAY)
    np.testing.assert_array_equal(s.fn(xy[:, 0], xy[:, 1], ARRAY), f)
    for x, y in xy[:5].tolist():
        assert s.fn(x, y, FLOAT) == s.fg(x, y, FLOAT)[0]


@surface_param
def test_gradient_vanishes_at_every_listed_minimum(s):
    (x0, x1), (y0, y1) = s.domain
    for m in s.minima:
        assert x0 <= m[0] <= x1 and y0 <= m[1] <= y1, m
        f, gx, gy = s.fg(m[0], m[1], FLOAT)
        assert math.hypot(gx, gy) <= 1e-8 * max(1.0, abs(f)), (m, gx, gy)


@surface_param
def test_listed_minima_are_local_minima(s):
    # A saddle or a maximum with zero gradient would pass the test above; this one it would not.
    angles = np.linspace(0.0, 2.0 * np.pi, 16, endpoint=False)
    ring = 1e-4 * np.column_stack([np.cos(angles), np.sin(angles)])
    for m in s.minima:
        assert np.all(s.f(np.asarray(m) + ring) > s.f(m)), m


@pytest.mark.parametrize("name", list(GLOBAL_VALUES))
def test_global_minimum_has_known_value(name):
    s = SURFACES[name]
    value, tol = GLOBAL_VALUES[name]
    assert s.minima, name
    f_min = s.fg(*s.minima[0], FLOAT)[0]
    assert math.isclose(f_min, value, rel_tol=0.0, abs_tol=tol), f_min
    assert all(s.fg(*m, FLOAT)[0] >= f_min - tol for m in s.minima)


def test_surfaces_without_minima_are_the_saddles():
    assert {name for name, s in SURFACES.items() if not s.minima} == {"saddle", "monkey_saddle"}


def test_ackley_gradient_is_zero_at_its_tip_on_both_backends():
    s = SURFACES["ackley"]
    assert s.fg(0.0, 0.0, FLOAT) == (0.0, 0.0, 0.0)
    np.testing.assert_array_equal(s.grad(np.zeros((3, 2))), np.zeros((3, 2)))


@surface_param
def test_default_start_is_inside_the_domain_and_not_a_minimum(s):
    (x0, x1), (y0, y1) = s.domain
    x, y = s.start
    assert x0 <= x <= x1 and y0 <= y <= y1
    size = min(x1 - x0, y1 - y0)
    for m in s.minima:
        assert math.dist(s.start, m) > 1e-2 * size, m
    _, gx, gy = s.fg(x, y, FLOAT)
    assert math.hypot(gx, gy) > 0.0


@surface_param
def test_f_and_grad_accept_any_batch_shape(s):
    xy = random_points(s, n=12, seed=3)
    for batch in [xy[0], xy, xy.reshape(3, 4, 2)]:
        f = s.f(batch)
        g = s.grad(batch)
        assert f.shape == batch.shape[:-1]
        assert g.shape == batch.shape
        assert f.dtype == np.float64 and g.dtype == np.float64
    np.testing.assert_array_equal(s.f(xy.reshape(3, 4, 2)).ravel(), s.f(xy))
    np.testing.assert_array_equal(s.grad(xy.reshape(3, 4, 2)).reshape(-1, 2), s.grad(xy))
    assert s.f(xy[0]) == s.f(xy)[0]


@surface_param
def test_grid_is_indexed_rows_by_y_columns_by_x(s):
    n = 7
    x, y, z = s.grid(n)
    assert x.shape == (n,) and y.shape == (n,) and z.shape == (n, n)
    (x0, x1), (y0, y1) = s.domain
    assert (x[0], x[-1], y[0], y[-1]) == (x0, x1, y0, y1)
    for i, j in [(0, 0), (1, 5), (6, 2), (3, 3)]:
        assert z[j, i] == s.f(np.array([x[i], y[j]]))


def test_get_surface_looks_up_names():
    assert get_surface("beale") is SURFACES["beale"]


def test_get_surface_passes_a_surface_through():
    s = SURFACES["ackley"]
    assert get_surface(s) is s


def test_get_surface_rejects_unknown_name_and_lists_choices():
    with pytest.raises(ValueError, match=r"^Unknown surface 'nope'; choose one of: ") as info:
        get_surface("nope")
    for name in SURFACES:
        assert name in str(info.value)


# ------------------------------------------------------------------------- written once: built-in == typed


@surface_param
def test_built_in_equals_the_same_formula_typed_bit_for_bit(s):
    from optim_core.expression import parse_expression

    typed = parse_expression(s.expression, domain=s.domain)
    assert typed is not s and typed.fg is not s.fg
    xy = np.concatenate([random_points(s, n=300, seed=11), np.array([*s.minima, s.start]).reshape(-1, 2)])
    for x, y in xy.tolist():
        assert typed.fg(x, y, FLOAT) == s.fg(x, y, FLOAT), (x, y)
        assert typed.fn(x, y, FLOAT) == s.fn(x, y, FLOAT), (x, y)
    for got, want in zip(typed.fg(xy[:, 0], xy[:, 1], ARRAY), s.fg(xy[:, 0], xy[:, 1], ARRAY), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(typed.grid(33)[2], s.grid(33)[2])


@surface_param
def test_expression_and_cost_are_filled(s):
    assert s.expression and s.weight > 0
    assert s.cost >= 1.0
    assert SURFACES["rosenbrock"].cost == 1.0


def test_cost_grows_with_the_formula():
    assert SURFACES["goldstein_price"].cost > 2.0 > SURFACES["quadratic"].cost
    assert SURFACES["levi"].cost > SURFACES["rastrigin"].cost


def test_printed_float_programs_are_what_the_engine_prints_now():
    # optim_core/expression/builtin_float.py is printed by codegen.py; after changing a formula or the engine, run
    # `python -m optim_core.expression.codegen`. Until then the surfaces fall back to the closures (still exact).
    from pathlib import Path

    from optim_core.expression import builtin_float, codegen

    assert Path(builtin_float.__file__).read_text() == codegen.generate()
    for name, s in SURFACES.items():
        assert builtin_float.EXPRESSIONS[name] == s.expression
        assert s.fg.__module__ == s.fn.__module__ == builtin_float.__name__, name
