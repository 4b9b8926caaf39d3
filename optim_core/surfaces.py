"""The built-in two-dimensional test surfaces: each one formula in the expression language, plus its metadata.

A surface's ``expression`` is the text that, typed in, gives the very same surface: both go through the one engine
of :mod:`optim_core.expression`, which computes values and gradients as torch's autograd does on that formula
(the same operations in the same order, including the order in which autograd adds up the gradient's
contributions). So a student's ``loss.backward()`` gives these gradients to the last bit, wherever torch's
elementary functions round as libm does. On Python floats (the single path's hot loop) each surface runs the same
program printed as plain Python (optim_core/expression/builtin_float.py, see codegen.py); a test holds every
built-in equal to its formula typed in, bit for bit.

>>> s = SURFACES["rosenbrock"]
>>> s.fg(1.0, 1.0, FLOAT) == (0.0, 0.0, 0.0)
True
>>> s.f([[1.0, 1.0], [0.0, 0.0]]).tolist()
[0.0, 1.0]
>>> get_surface("himmelblau").grad([3.0, 2.0]).tolist()
[0.0, 0.0]
>>> s.expression
'(1 - x)^2 + 100(y - x^2)^2'

Minima that are irrational are written to the nearest double (computed with mpmath to 50 digits), so the
gradient there is zero to rounding; the tests check it.
"""

from __future__ import annotations

import dataclasses

from .backend import ARRAY, FLOAT
from .expression import Domain, Point, Surface, formula_surface

try:  # the same float programs printed as plain Python (see optim_core/expression/codegen.py)
    from .expression import builtin_float as _printed
except ImportError:  # not generated yet: the closures serve alone
    _printed = None


def _surface(name: str, expression: str, domain: Domain, **metadata) -> Surface:
    s = formula_surface(expression, domain, name=name, **metadata)
    if _printed is not None and _printed.EXPRESSIONS.get(name) == expression:
        fn, fg = _printed.FACTORIES[name](s.fn, s.fg)
        s = dataclasses.replace(s, fn=fn, fg=fg)
    return s


# Styblinski-Tang is separable: each coordinate has minima at the roots -2.9035... (global) and 2.7468... of
# 2t^3 - 16t + 2.5, so the plane holds one global and three local minima.
_ST_LO = -2.903534027771177
_ST_HI = 2.746802770990837

# Menu order: the classic valleys, convex bowls, multimodal surfaces, then saddles and the plateau.
_ALL = [
    _surface(
        "rosenbrock", "(1 - x)^2 + 100(y - x^2)^2", ((-2.0, 2.0), (-1.0, 3.0)),
        label="Rosenbrock", minima=((1.0, 1.0),), start=(-1.5, 2.0), log_scale=True,
        latex=r"(1-x)^2 + 100\,(y-x^2)^2",
        description="A curved, flat-bottomed valley: easy to find, hard to follow to (1, 1).",
    ),
    # Three squared residuals; flat ridges and a narrow trough to (3, 0.5).
    _surface(
        "beale", "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2", ((-4.5, 4.5), (-4.5, 4.5)),
        label="Beale", minima=((3.0, 0.5),), start=(1.0, 1.5), log_scale=True,
        latex=r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        description="Steep walls, flat plateaus and a long narrow trough toward (3, 0.5).",
    ),
    # A convex quadratic (Hessian eigenvalues 2 and 18).
    _surface(
        "booth", "(x + 2y - 7)^2 + (2x + y - 5)^2", ((-10.0, 10.0), (-10.0, 10.0)),
        label="Booth", minima=((1.0, 3.0),), start=(-8.0, 8.0), log_scale=True,
        latex=r"(x + 2y - 7)^2 + (2x + y - 5)^2",
        description="A tilted convex bowl (condition number 9): every method gets there, at different speeds.",
    ),
    # A convex quadratic with a shallow diagonal (eigenvalues 0.04 and 1).
    _surface(
        "matyas", "0.26(x^2 + y^2) - 0.48x*y", ((-10.0, 10.0), (-10.0, 10.0)),
        label="Matyas", minima=((0.0, 0.0),), start=(-8.0, -4.0), log_scale=True,
        latex=r"0.26\,(x^2 + y^2) - 0.48\,xy",
        description="A convex bowl whose diagonal x = y is 25 times flatter than the other direction.",
    ),
    _surface(
        "quadratic", "x^2 + y^2", ((-2.0, 2.0), (-2.0, 2.0)),
        label="Round bowl", minima=((0.0, 0.0),), start=(-1.5, 1.0), latex=r"x^2 + y^2",
        description="The baseline: an isotropic bowl, where plain gradient descent is already optimal.",
    ),
    # Rotated 45 degrees, Hessian eigenvalues 1 (along x = y) and 100 (across it). The rotation matters: the stiff
    # direction is no coordinate axis, so per-coordinate scaling (Adagrad, RMSprop, Adam) cannot undo it.
    _surface(
        "ill_conditioned", "0.25(x + y)^2 + 25(x - y)^2", ((-2.0, 2.0), (-2.0, 2.0)),
        label="Ill-conditioned valley", minima=((0.0, 0.0),), start=(-1.8, -1.2), log_scale=True,
        latex=r"\tfrac14\,(x+y)^2 + 25\,(x-y)^2",
        description="A rotated narrow valley (condition number 100): SGD zig-zags, momentum runs along it.",
    ),
    # Four global minima, all with f = 0, and a local maximum near (-0.27, -0.92).
    _surface(
        "himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", ((-5.0, 5.0), (-5.0, 5.0)),
        label="Himmelblau", start=(0.0, 0.0), log_scale=True,
        minima=((3.0, 2.0), (-2.805118086952745, 3.131312518250573), (-3.779310253377747, -3.2831859912861696),
                (3.5844283403304917, -1.8481265269644036)),
        latex=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        description="Four equally good minima: which one a method finds depends on its start and how it moves.",
    ),
    _surface(
        "goldstein_price",
        "(1 + (x + y + 1)^2(19 - 14x + 3x^2 - 14y + 6x*y + 3y^2))"
        "(30 + (2x - 3y)^2(18 - 32x + 12x^2 + 48y - 36x*y + 27y^2))",
        ((-2.0, 2.0), (-2.0, 2.0)),
        label="Goldstein-Price", minima=((0.0, -1.0), (-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)), start=(-1.5, 1.5),
        log_scale=True,
        latex=(r"\left[1 + (x+y+1)^2\,(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
               r"\left[30 + (2x-3y)^2\,(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"),
        description="Values over six decades, a global minimum of 3 at (0, -1), local traps at 30, 84 and 840.",
    ),
    _surface(
        "six_hump_camel", "(4 - 2.1x^2 + x^4/3)x^2 + x*y + (-4 + 4y^2)y^2", ((-2.0, 2.0), (-1.0, 1.0)),
        label="Six-hump camel", start=(-1.0, -0.8),
        minima=((0.08984201310031806, -0.7126564030207396), (-0.08984201310031806, 0.7126564030207396)),
        latex=r"\left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
        description="Six minima, two of them global and point-symmetric through the origin.",
    ),
    # The global minimum at the origin, local ones at +-(a, -a/2) with a^2 = 2.1 + sqrt(0.91).
    _surface(
        "three_hump_camel", "2x^2 - 1.05x^4 + x^6/6 + x*y + y^2", ((-2.0, 2.0), (-2.0, 2.0)),
        label="Three-hump camel", start=(-1.0, 1.8),
        minima=((0.0, 0.0), (1.7475523458302888, -0.8737761729151444), (-1.7475523458302888, 0.8737761729151444)),
        latex=r"2x^2 - 1.05x^4 + \tfrac{x^6}{6} + xy + y^2",
        description="A global minimum at the origin flanked by two shallower local ones.",
    ),
    _surface(
        "styblinski_tang", "0.5((x^4 - 16x^2 + 5x) + (y^4 - 16y^2 + 5y))", ((-5.0, 5.0), (-5.0, 5.0)),
        label="Styblinski-Tang", start=(0.0, -4.5),
        minima=((_ST_LO, _ST_LO), (_ST_LO, _ST_HI), (_ST_HI, _ST_LO), (_ST_HI, _ST_HI)),
        latex=r"\tfrac12\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
        description="Four basins of different depths; the deepest is at (-2.90, -2.90).",
    ),
    # Rastrigin (A = 10, n = 2): a bowl under a regular grid of local minima, one near every integer point.
    _surface(
        "rastrigin", "20 + x^2 - 10cos(2pi*x) + y^2 - 10cos(2pi*y)", ((-5.12, 5.12), (-5.12, 5.12)),
        label="Rastrigin", minima=((0.0, 0.0),), start=(-4.2, 3.7),
        latex=r"20 + x^2 - 10\cos(2\pi x) + y^2 - 10\cos(2\pi y)",
        description="An egg-crate of local minima on a bowl: gradient methods stop in the first dimple.",
    ),
    # Ackley: a cone (the exp-of-sqrt term) under a ripple. The cone's tip at the origin has no gradient; the
    # engine takes sqrt's derivative there as 0, the symmetric subgradient (see optim_core/expression/autograd.py).
    _surface(
        "ackley", "-20exp(-0.2sqrt(0.5(x^2 + y^2))) - exp(0.5(cos(2pi*x) + cos(2pi*y))) + e + 20",
        ((-5.0, 5.0), (-5.0, 5.0)),
        label="Ackley", minima=((0.0, 0.0),), start=(3.5, -2.5),
        latex=r"-20\,e^{-0.2\sqrt{0.5\,(x^2+y^2)}} - e^{0.5\,(\cos 2\pi x + \cos 2\pi y)} + e + 20",
        description="A nearly flat, rippled plain around a sharp funnel at the origin.",
    ),
    # Levi N.13: ripples of period 2/3 in x and in y, scaled by the distance to (1, 1).
    _surface(
        "levi", "sin(3pi*x)^2 + (x - 1)^2(1 + sin(3pi*y)^2) + (y - 1)^2(1 + sin(2pi*y)^2)",
        ((-4.0, 6.0), (-4.0, 6.0)),
        label="Levi N.13", minima=((1.0, 1.0),), start=(-3.0, 4.5),
        latex=(r"\sin^2(3\pi x) + (x-1)^2\left(1 + \sin^2(3\pi y)\right)"
               r" + (y-1)^2\left(1 + \sin^2(2\pi y)\right)"),
        description="Sine ripples whose depth grows with the distance to the minimum at (1, 1).",
    ),
    _surface(
        "saddle", "x^2 - y^2", ((-2.0, 2.0), (-2.0, 2.0)),
        label="Saddle", minima=(), start=(1.0, 1e-3), latex=r"x^2 - y^2",
        description="Unbounded below: starting almost on the ridge, how long does each method linger?",
    ),
    _surface(
        "monkey_saddle", "x^3 - 3x*y^2", ((-2.0, 2.0), (-2.0, 2.0)),
        label="Monkey saddle", minima=(), start=(1.0, 0.05), latex=r"x^3 - 3xy^2",
        description="Three valleys meet at a saddle where slope and curvature vanish: methods crawl past.",
    ),
    # A Gaussian well on a plateau: far from the origin the gradient is tiny but not zero. Plain SGD crawls there;
    # methods that normalise the step by the gradient's size (Adam, RMSprop, Rprop) walk at full speed.
    _surface(
        "plateau", "1 - exp(-(x^2 + y^2)/2)", ((-4.0, 4.0), (-4.0, 4.0)),
        label="Plateau", minima=((0.0, 0.0),), start=(3.0, 2.0), latex=r"1 - e^{-(x^2+y^2)/2}",
        description="A well in a nearly flat plain: tiny gradients stall SGD, adaptive methods are unbothered.",
    ),
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


__all__ = ["FLOAT", "ARRAY", "Surface", "SURFACES", "get_surface", "Domain", "Point"]
