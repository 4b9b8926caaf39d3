"""Two-dimensional test surfaces with exact gradients, and their registry.

Each surface is written once as ``fg(x, y, b) -> (f, df/dx, df/dy)`` against a backend ``b`` (see
:mod:`optim_core.backend`): with ``b = FLOAT`` it runs on Python floats for a single path, with ``b = ARRAY``
on NumPy arrays for a batch or a contour grid. ``fn(x, y, b)`` returns the value alone, for grids.

Values and gradients follow torch autograd on the formula as written in each ``latex`` (``(1-x)**2 +
100*(y-x**2)**2`` and so on): the same operations in the same order, including the order in which autograd adds up
the gradient's contributions, and ``x**2`` as ``x*x`` as ``Tensor.pow`` does. So a student's ``loss.backward()``
gives these gradients to the last bit (transcendental functions aside, where torch's vectorized exp/sin/cos may
round differently from libm in the last bit now and then).

>>> s = SURFACES["rosenbrock"]
>>> s.fg(1.0, 1.0, FLOAT) == (0.0, 0.0, 0.0)
True
>>> s.f(np.array([[1.0, 1.0], [0.0, 0.0]])).tolist()
[0.0, 1.0]
>>> get_surface("himmelblau").grad([3.0, 2.0]).tolist()
[0.0, 0.0]

Minima that are irrational are written to the nearest double (computed with mpmath to 50 digits), so the
gradient there is zero to rounding; the tests check it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backend import ARRAY, FLOAT

_PI = math.pi

Domain = tuple[tuple[float, float], tuple[float, float]]
Point = tuple[float, float]


@dataclass(frozen=True)
class Surface:
    """A 2-D objective: value and exact gradient, plot domain, known minima and a default start.

    ``minima`` lists the known local-or-global minima worth marking on the plot (global ones first);
    ``log_scale`` says the values span decades, so the page draws log-spaced contours.
    """

    name: str
    label: str
    fn: Callable[[Any, Any, Any], Any]
    fg: Callable[[Any, Any, Any], tuple[Any, Any, Any]]
    domain: Domain
    minima: tuple[Point, ...]
    start: Point
    latex: str
    log_scale: bool = False
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def f(self, xy) -> np.ndarray:
        """Values at points shaped (..., 2)."""
        xy = np.asarray(xy, dtype=np.float64)
        return np.asarray(self.fn(xy[..., 0], xy[..., 1], ARRAY), dtype=np.float64)

    def grad(self, xy) -> np.ndarray:
        """Gradients at points shaped (..., 2), shaped (..., 2)."""
        xy = np.asarray(xy, dtype=np.float64)
        _, gx, gy = self.fg(xy[..., 0], xy[..., 1], ARRAY)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(np.float64)

    def grid(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The n x n domain grid: x (n,), y (n,), z (n, n) with z[j, i] = f(x[i], y[j]) as Plotly wants."""
        (x0, x1), (y0, y1) = self.domain
        x = np.linspace(x0, x1, n)
        y = np.linspace(y0, y1, n)
        with np.errstate(all="ignore"):
            z = np.asarray(self.fn(x[None, :], y[:, None], ARRAY), dtype=np.float64)
        return x, y, np.broadcast_to(z, (n, n)).copy()


def _rosenbrock_fn(x, y, b):
    a = 1.0 - x
    c = y - x * x
    return a * a + 100.0 * (c * c)


def _rosenbrock_fg(x, y, b):
    # Every fg below follows torch autograd on the formula as written (see the module docstring), so a student's
    # loss.backward() and this gradient agree to the last bit.
    a = 1.0 - x
    c = y - x * x
    gc = 100.0 * (2.0 * c)
    return a * a + 100.0 * (c * c), -gc * (2.0 * x) + -(2.0 * a), gc


ROSENBROCK = Surface(
    name="rosenbrock",
    label="Rosenbrock",
    fn=_rosenbrock_fn,
    fg=_rosenbrock_fg,
    domain=((-2.0, 2.0), (-1.0, 3.0)),
    minima=((1.0, 1.0),),
    start=(-1.5, 2.0),
    latex=r"(1-x)^2 + 100\,(y-x^2)^2",
    log_scale=True,
    description="A curved, flat-bottomed valley: easy to find, hard to follow to (1, 1).",
)


# Beale: three squared residuals; flat ridges and a narrow trough to (3, 0.5).
def _beale_fn(x, y, b):
    y2 = y * y
    a1 = (1.5 - x) + x * y
    a2 = (2.25 - x) + x * y2
    a3 = (2.625 - x) + x * (y2 * y)
    return (a1 * a1 + a2 * a2) + a3 * a3


def _beale_fg(x, y, b):
    y2 = y * y
    y3 = y2 * y
    a1 = (1.5 - x) + x * y
    a2 = (2.25 - x) + x * y2
    a3 = (2.625 - x) + x * y3
    g1, g2, g3 = 2.0 * a1, 2.0 * a2, 2.0 * a3
    gx = ((((g3 * y3 + -g3) + g2 * y2) + -g2) + g1 * y) + -g1
    gy = ((g3 * x) * (3.0 * y2) + (g2 * x) * (2.0 * y)) + g1 * x
    return (a1 * a1 + a2 * a2) + a3 * a3, gx, gy


BEALE = Surface(
    name="beale",
    label="Beale",
    fn=_beale_fn,
    fg=_beale_fg,
    domain=((-4.5, 4.5), (-4.5, 4.5)),
    minima=((3.0, 0.5),),
    start=(1.0, 1.5),
    latex=r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    log_scale=True,
    description="Steep walls, flat plateaus and a long narrow trough toward (3, 0.5).",
)


# Booth: a convex quadratic (Hessian eigenvalues 2 and 18).
def _booth_fn(x, y, b):
    u = x + 2.0 * y - 7.0
    v = 2.0 * x + y - 5.0
    return u * u + v * v


def _booth_fg(x, y, b):
    u = x + 2.0 * y - 7.0
    v = 2.0 * x + y - 5.0
    return u * u + v * v, 2.0 * u + 4.0 * v, 4.0 * u + 2.0 * v


BOOTH = Surface(
    name="booth",
    label="Booth",
    fn=_booth_fn,
    fg=_booth_fg,
    domain=((-10.0, 10.0), (-10.0, 10.0)),
    minima=((1.0, 3.0),),
    start=(-8.0, 8.0),
    latex=r"(x + 2y - 7)^2 + (2x + y - 5)^2",
    log_scale=True,
    description="A tilted convex bowl (condition number 9): every method gets there, at different speeds.",
)


# Matyas: a convex quadratic with a shallow diagonal (eigenvalues 0.04 and 1).
def _matyas_fn(x, y, b):
    return 0.26 * (x * x + y * y) - 0.48 * x * y


def _matyas_fg(x, y, b):
    return 0.26 * (x * x + y * y) - 0.48 * x * y, 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


MATYAS = Surface(
    name="matyas",
    label="Matyas",
    fn=_matyas_fn,
    fg=_matyas_fg,
    domain=((-10.0, 10.0), (-10.0, 10.0)),
    minima=((0.0, 0.0),),
    start=(-8.0, -4.0),
    latex=r"0.26\,(x^2 + y^2) - 0.48\,xy",
    log_scale=True,
    description="A convex bowl whose diagonal x = y is 25 times flatter than the other direction.",
)


def _quadratic_fn(x, y, b):
    return x * x + y * y


def _quadratic_fg(x, y, b):
    return x * x + y * y, 2.0 * x, 2.0 * y


QUADRATIC = Surface(
    name="quadratic",
    label="Round bowl",
    fn=_quadratic_fn,
    fg=_quadratic_fg,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=((0.0, 0.0),),
    start=(-1.5, 1.0),
    latex=r"x^2 + y^2",
    description="The baseline: an isotropic bowl, where plain gradient descent is already optimal.",
)


# A quadratic rotated 45 degrees, Hessian eigenvalues 1 (along x = y) and 100 (across it). The rotation
# matters: the stiff direction is no coordinate axis, so per-coordinate scaling (Adagrad, RMSprop, Adam)
# cannot undo it.
def _ill_conditioned_fn(x, y, b):
    u = x + y
    v = x - y
    return 0.25 * (u * u) + 25.0 * (v * v)


def _ill_conditioned_fg(x, y, b):
    p = x + y
    q = x - y
    hp = 0.5 * p
    fq = 50.0 * q
    return 0.25 * (p * p) + 25.0 * (q * q), hp + fq, hp - fq


ILL_CONDITIONED = Surface(
    name="ill_conditioned",
    label="Ill-conditioned valley",
    fn=_ill_conditioned_fn,
    fg=_ill_conditioned_fg,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=((0.0, 0.0),),
    start=(-1.8, -1.2),
    latex=r"\tfrac14\,(x+y)^2 + 25\,(x-y)^2",
    log_scale=True,
    description="A rotated narrow valley (condition number 100): SGD zig-zags, momentum runs along it.",
)


# Himmelblau: four global minima, all with f = 0, and a local maximum near (-0.27, -0.92).
def _himmelblau_fn(x, y, b):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return u * u + v * v


def _himmelblau_fg(x, y, b):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return u * u + v * v, 4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v


HIMMELBLAU = Surface(
    name="himmelblau",
    label="Himmelblau",
    fn=_himmelblau_fn,
    fg=_himmelblau_fg,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    minima=(
        (3.0, 2.0),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.2831859912861696),
        (3.5844283403304917, -1.8481265269644036),
    ),
    start=(0.0, 0.0),
    latex=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    log_scale=True,
    description="Four equally good minima: which one a method finds depends on its start and how it moves.",
)


# Goldstein-Price in the substitutions w = x + y, t = 2x - 3y, which turn each bracket into a polynomial of
# one variable: 19 - 14w + 3w^2 and 18 - 16t + 3t^2 are the two quadratics of the standard form.
def _goldstein_price_fn(x, y, b):
    return _goldstein_price_fg(x, y, b)[0]


def _goldstein_price_fg(x, y, b):
    # (1 + (x+y+1)^2 Q) (30 + (2x-3y)^2 T), with autograd's accumulation order written out (see _rosenbrock_fg).
    xx, yy = x * x, y * y
    s2 = (x + y) + 1.0
    p = s2 * s2
    m6x, m36x = x * 6.0, x * 36.0
    q = ((((19.0 - x * 14.0) + xx * 3.0) - y * 14.0) + m6x * y) + yy * 3.0
    c1 = x * 2.0 - y * 3.0
    s = c1 * c1
    t = ((((18.0 - x * 32.0) + xx * 12.0) + y * 48.0) - m36x * y) + yy * 27.0
    left = p * q + 1.0
    right = s * t + 30.0
    g_t = left * s
    g_c1 = (left * t) * (2.0 * c1)
    g_q = right * p
    g_s2 = (right * q) * (2.0 * s2)
    gx = ((((((((-g_t * y) * 36.0 + (g_t * 12.0) * (2.0 * x)) + -g_t * 32.0) + g_c1 * 2.0) + (g_q * y) * 6.0)
            + (g_q * 3.0) * (2.0 * x)) + -g_q * 14.0) + g_s2)
    gy = ((((((((g_t * 27.0) * (2.0 * y) + -g_t * m36x) + g_t * 48.0) + -g_c1 * 3.0) + (g_q * 3.0) * (2.0 * y))
            + g_q * m6x) + -g_q * 14.0) + g_s2)
    return left * right, gx, gy


GOLDSTEIN_PRICE = Surface(
    name="goldstein_price",
    label="Goldstein-Price",
    fn=_goldstein_price_fn,
    fg=_goldstein_price_fg,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=((0.0, -1.0), (-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)),
    start=(-1.5, 1.5),
    latex=(
        r"\left[1 + (x+y+1)^2\,(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
        r"\left[30 + (2x-3y)^2\,(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
    ),
    log_scale=True,
    description="Values over six decades, a global minimum of 3 at (0, -1), local traps at 30, 84 and 840.",
)


def _six_hump_camel_fn(x, y, b):
    xx = x * x
    yy = y * y
    return (((4.0 - 2.1 * xx) + b.power(x, 4.0) / 3.0) * xx + x * y) + (4.0 * yy + -4.0) * yy


def _six_hump_camel_fg(x, y, b):
    xx = x * x
    yy = y * y
    p = (4.0 - 2.1 * xx) + b.power(x, 4.0) / 3.0
    q = 4.0 * yy + -4.0
    f = (p * xx + x * y) + q * yy
    gx = ((y + p * (2.0 * x)) + (xx / 3.0) * (4.0 * (xx * x))) + (-xx * 2.1) * (2.0 * x)
    gy = (q * (2.0 * y) + (yy * 4.0) * (2.0 * y)) + x
    return f, gx, gy


SIX_HUMP_CAMEL = Surface(
    name="six_hump_camel",
    label="Six-hump camel",
    fn=_six_hump_camel_fn,
    fg=_six_hump_camel_fg,
    domain=((-2.0, 2.0), (-1.0, 1.0)),
    minima=((0.08984201310031806, -0.7126564030207396), (-0.08984201310031806, 0.7126564030207396)),
    start=(-1.0, -0.8),
    latex=r"\left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
    description="Six minima, two of them global and point-symmetric through the origin.",
)


# Three-hump camel: the global minimum at the origin, local ones at +-(a, -a/2) with a^2 = 2.1 + sqrt(0.91).
def _three_hump_camel_fn(x, y, b):
    return (((2.0 * (x * x) - 1.05 * b.power(x, 4.0)) + b.power(x, 6.0) / 6.0) + x * y) + y * y


def _three_hump_camel_fg(x, y, b):
    xx = x * x
    x4 = b.power(x, 4.0)
    x6 = b.power(x, 6.0)
    f = (((2.0 * xx - 1.05 * x4) + x6 / 6.0) + x * y) + y * y
    gx = ((y + (1.0 / 6.0) * (6.0 * b.power(x, 5.0))) + -1.05 * (4.0 * (xx * x))) + 2.0 * (2.0 * x)
    return f, gx, 2.0 * y + x


THREE_HUMP_CAMEL = Surface(
    name="three_hump_camel",
    label="Three-hump camel",
    fn=_three_hump_camel_fn,
    fg=_three_hump_camel_fg,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=(
        (0.0, 0.0),
        (1.7475523458302888, -0.8737761729151444),
        (-1.7475523458302888, 0.8737761729151444),
    ),
    start=(-1.0, 1.8),
    latex=r"2x^2 - 1.05x^4 + \tfrac{x^6}{6} + xy + y^2",
    description="A global minimum at the origin flanked by two shallower local ones.",
)


# Styblinski-Tang is separable: each coordinate has minima at the roots -2.9035... (global) and 2.7468... of
# 2t^3 - 16t + 2.5, so the plane holds one global and three local minima.
_ST_LO = -2.903534027771177
_ST_HI = 2.746802770990837


def _styblinski_tang_fn(x, y, b):
    return 0.5 * (((b.power(x, 4.0) - 16.0 * (x * x)) + 5.0 * x) + ((b.power(y, 4.0) - 16.0 * (y * y)) + 5.0 * y))


def _styblinski_tang_fg(x, y, b):
    f = _styblinski_tang_fn(x, y, b)
    gx = (2.5 + -8.0 * (2.0 * x)) + 0.5 * (4.0 * ((x * x) * x))
    gy = (2.5 + -8.0 * (2.0 * y)) + 0.5 * (4.0 * ((y * y) * y))
    return f, gx, gy


STYBLINSKI_TANG = Surface(
    name="styblinski_tang",
    label="Styblinski-Tang",
    fn=_styblinski_tang_fn,
    fg=_styblinski_tang_fg,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    minima=((_ST_LO, _ST_LO), (_ST_LO, _ST_HI), (_ST_HI, _ST_LO), (_ST_HI, _ST_HI)),
    start=(0.0, -4.5),
    latex=r"\tfrac12\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
    description="Four basins of different depths; the deepest is at (-2.90, -2.90).",
)


# Rastrigin (A = 10, n = 2): a bowl under a regular grid of local minima, one near every integer point.
def _rastrigin_fn(x, y, b):
    two_pi = 2.0 * math.pi
    return (((x * x + 20.0) - b.cos(x * two_pi) * 10.0) + y * y) - b.cos(y * two_pi) * 10.0


def _rastrigin_fg(x, y, b):
    two_pi = 2.0 * math.pi
    u = x * two_pi
    v = y * two_pi
    f = (((x * x + 20.0) - b.cos(u) * 10.0) + y * y) - b.cos(v) * 10.0
    return f, (-10.0 * -b.sin(u)) * two_pi + 2.0 * x, (-10.0 * -b.sin(v)) * two_pi + 2.0 * y


RASTRIGIN = Surface(
    name="rastrigin",
    label="Rastrigin",
    fn=_rastrigin_fn,
    fg=_rastrigin_fg,
    domain=((-5.12, 5.12), (-5.12, 5.12)),
    minima=((0.0, 0.0),),
    start=(-4.2, 3.7),
    latex=r"20 + x^2 - 10\cos(2\pi x) + y^2 - 10\cos(2\pi y)",
    description="An egg-crate of local minima on a bowl: gradient methods stop in the first dimple.",
)


# Ackley: a cone (the exp-of-sqrt term) under a ripple. The cone's tip at the origin has no gradient; we take
# 0 there, the symmetric subgradient. Dividing by r + (r == 0) keeps floats from raising, and at r = 0 the
# numerator holds x = y = 0, so the cone's share of the gradient comes out 0 without a branch.
def _ackley_fn(x, y, b):
    return _ackley_fg(x, y, b)[0]


def _ackley_fg(x, y, b):
    tp = 2.0 * _PI
    u = x * tp
    v = y * tp
    r = b.sqrt((x * x + y * y) * 0.5)
    e1 = b.exp(r * -0.2)
    e2 = b.exp((b.cos(u) + b.cos(v)) * 0.5)
    f = ((e1 * -20.0 - e2) + b.e) + 20.0
    g_c = -e2 * 0.5
    # d sqrt / d s is grad / (2 r): at the origin torch gets 0 * inf = nan; the symmetric subgradient there is 0.
    g_s = (((-20.0 * e1) * -0.2) / (2.0 * r + (r == 0.0))) * 0.5
    return f, (g_c * -b.sin(u)) * tp + g_s * (2.0 * x), (g_c * -b.sin(v)) * tp + g_s * (2.0 * y)


ACKLEY = Surface(
    name="ackley",
    label="Ackley",
    fn=_ackley_fn,
    fg=_ackley_fg,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    minima=((0.0, 0.0),),
    start=(3.5, -2.5),
    latex=r"-20\,e^{-0.2\sqrt{0.5\,(x^2+y^2)}} - e^{0.5\,(\cos 2\pi x + \cos 2\pi y)} + e + 20",
    description="A nearly flat, rippled plain around a sharp funnel at the origin.",
)


# Levi N.13: ripples of period 2/3 in x and in y, scaled by the distance to (1, 1).
def _levi_fn(x, y, b):
    return _levi_fg(x, y, b)[0]


def _levi_fg(x, y, b):
    a = x * (3.0 * _PI)
    c = y * (3.0 * _PI)
    h = y * (2.0 * _PI)
    sa, sc, sh = b.sin(a), b.sin(c), b.sin(h)
    bx = x - 1.0
    gy1 = y - 1.0
    d = sc * sc + 1.0
    i = sh * sh + 1.0
    big_b = bx * bx
    big_g = gy1 * gy1
    f = (sa * sa + big_b * d) + big_g * i
    gx = d * (2.0 * bx) + ((2.0 * sa) * b.cos(a)) * (3.0 * _PI)
    gy = (((big_g * (2.0 * sh)) * b.cos(h)) * (2.0 * _PI) + i * (2.0 * gy1)) + ((big_b * (2.0 * sc)) * b.cos(c)) * (
        3.0 * _PI)
    return f, gx, gy


LEVI = Surface(
    name="levi",
    label="Levi N.13",
    fn=_levi_fn,
    fg=_levi_fg,
    domain=((-4.0, 6.0), (-4.0, 6.0)),
    minima=((1.0, 1.0),),
    start=(-3.0, 4.5),
    latex=(
        r"\sin^2(3\pi x) + (x-1)^2\left(1 + \sin^2(3\pi y)\right)"
        r" + (y-1)^2\left(1 + \sin^2(2\pi y)\right)"
    ),
    description="Sine ripples whose depth grows with the distance to the minimum at (1, 1).",
)


def _saddle_fn(x, y, b):
    return x * x - y * y


def _saddle_fg(x, y, b):
    return x * x - y * y, 2.0 * x, -2.0 * y


SADDLE = Surface(
    name="saddle",
    label="Saddle",
    fn=_saddle_fn,
    fg=_saddle_fg,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=(),
    start=(1.0, 1e-3),
    latex=r"x^2 - y^2",
    description="Unbounded below: starting almost on the ridge, how long does each method linger?",
)


def _monkey_saddle_fn(x, y, b):
    return (x * x) * x - (3.0 * x) * (y * y)


def _monkey_saddle_fg(x, y, b):
    y2 = y * y
    x3 = 3.0 * x
    return (x * x) * x - x3 * y2, -y2 * 3.0 + 3.0 * (x * x), -x3 * (2.0 * y)


MONKEY_SADDLE = Surface(
    name="monkey_saddle",
    label="Monkey saddle",
    fn=_monkey_saddle_fn,
    fg=_monkey_saddle_fg,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=(),
    start=(1.0, 0.05),
    latex=r"x^3 - 3xy^2",
    description="Three valleys meet at a saddle where slope and curvature vanish: methods crawl past.",
)


# A Gaussian well on a plateau: far from the origin the gradient is tiny but not zero. Plain SGD crawls there;
# methods that normalise the step by the gradient's size (Adam, RMSprop, Rprop) walk at full speed.
def _plateau_fn(x, y, b):
    return 1.0 - b.exp(-(x * x + y * y) / 2.0)


def _plateau_fg(x, y, b):
    e = b.exp(-(x * x + y * y) / 2.0)
    g = -(-e / 2.0)
    return 1.0 - e, g * (2.0 * x), g * (2.0 * y)


PLATEAU = Surface(
    name="plateau",
    label="Plateau",
    fn=_plateau_fn,
    fg=_plateau_fg,
    domain=((-4.0, 4.0), (-4.0, 4.0)),
    minima=((0.0, 0.0),),
    start=(3.0, 2.0),
    latex=r"1 - e^{-(x^2+y^2)/2}",
    description="A well in a nearly flat plain: tiny gradients stall SGD, adaptive methods are unbothered.",
)

# Menu order: the classic valleys, convex bowls, multimodal surfaces, then saddles and the plateau.
_ALL = [
    ROSENBROCK,
    BEALE,
    BOOTH,
    MATYAS,
    QUADRATIC,
    ILL_CONDITIONED,
    HIMMELBLAU,
    GOLDSTEIN_PRICE,
    SIX_HUMP_CAMEL,
    THREE_HUMP_CAMEL,
    STYBLINSKI_TANG,
    RASTRIGIN,
    ACKLEY,
    LEVI,
    SADDLE,
    MONKEY_SADDLE,
    PLATEAU,
]

SURFACES: dict[str, Surface] = {s.name: s for s in _ALL}


def get_surface(name_or_surface: str | Surface) -> Surface:
    """The registered surface of that name, or the given Surface unchanged.

    >>> get_surface("beale").label
    'Beale'
    >>> get_surface("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown surface 'nope'; choose one of: rosenbrock, beale, booth, ..., plateau
    """
    if isinstance(name_or_surface, Surface):
        return name_or_surface
    try:
        return SURFACES[name_or_surface]
    except (KeyError, TypeError):
        choices = ", ".join(SURFACES)
        raise ValueError(f"Unknown surface {name_or_surface!r}; choose one of: {choices}") from None


__all__ = ["FLOAT", "ARRAY", "Surface", "SURFACES", "get_surface"]
