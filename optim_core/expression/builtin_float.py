"""The built-in surfaces' float programs, printed by optim_core/expression/codegen.py: do not edit.

Each factory takes the surface's own fn and fg (the closure programs, which serve every other backend) and returns
fn and fg whose float path is the same program as straight-line Python. See codegen.py for why.
"""
# ruff: noqa

import math

from ..backend import FLOAT, fma as _fma

_NAN, _INF = math.nan, math.inf
_pow = math.pow
_abs = FLOAT.abs
_arctan = FLOAT.arctan
_cos = FLOAT.cos
_cosh = FLOAT.cosh
_exp = FLOAT.exp
_log = FLOAT.log
_maximum = FLOAT.maximum
_minimum = FLOAT.minimum
_sign = FLOAT.sign
_sin = FLOAT.sin
_sinh = FLOAT.sinh
_sqrt = FLOAT.sqrt
_tan = FLOAT.tan
_tanh = FLOAT.tanh


EXPRESSIONS = {
    'rosenbrock': '(1 - x)^2 + 100(y - x^2)^2',
    'beale': '(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2',
    'booth': '(x + 2y - 7)^2 + (2x + y - 5)^2',
    'matyas': '0.26(x^2 + y^2) - 0.48x*y',
    'quadratic': 'x^2 + y^2',
    'ill_conditioned': '0.25(x + y)^2 + 25(x - y)^2',
    'himmelblau': '(x^2 + y - 11)^2 + (x + y^2 - 7)^2',
    'goldstein_price': '(1 + (x + y + 1)^2(19 - 14x + 3x^2 - 14y + 6x*y + 3y^2))(30 + (2x - 3y)^2(18 - 32x + 12x^2 + 48y - 36x*y + 27y^2))',
    'six_hump_camel': '(4 - 2.1x^2 + x^4/3)x^2 + x*y + (-4 + 4y^2)y^2',
    'three_hump_camel': '2x^2 - 1.05x^4 + x^6/6 + x*y + y^2',
    'styblinski_tang': '0.5((x^4 - 16x^2 + 5x) + (y^4 - 16y^2 + 5y))',
    'rastrigin': '20 + x^2 - 10cos(2pi*x) + y^2 - 10cos(2pi*y)',
    'ackley': '-20exp(-0.2sqrt(0.5(x^2 + y^2))) - exp(0.5(cos(2pi*x) + cos(2pi*y))) + e + 20',
    'levi': 'sin(3pi*x)^2 + (x - 1)^2(1 + sin(3pi*y)^2) + (y - 1)^2(1 + sin(2pi*y)^2)',
    'saddle': 'x^2 - y^2',
    'monkey_saddle': 'x^3 - 3x*y^2',
    'plateau': '1 - exp(-(x^2 + y^2)/2)',
}


def rosenbrock(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = (1.0 - x)
        t2 = (y - (x * x))
        return ((t1 * t1) + ((t2 * t2) * 100.0))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t3 = (1.0 - x)
        t4 = (y - (x * x))
        t5 = (100.0 * (t4 * 2.0))
        return (((t3 * t3) + ((t4 * t4) * 100.0)), (((-t5) * (x * 2.0)) + (-(t3 * 2.0))), t5)

    return fn, fg


def beale(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = ((1.5 - x) + (x * y))
        t2 = (y * y)
        t3 = ((2.25 - x) + (x * t2))
        t4 = ((2.625 - x) + (x * (t2 * y)))
        return (((t1 * t1) + (t3 * t3)) + (t4 * t4))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t5 = ((1.5 - x) + (x * y))
        t6 = (y * y)
        t7 = ((2.25 - x) + (x * t6))
        t8 = (t6 * y)
        t9 = ((2.625 - x) + (x * t8))
        t10 = (t9 * 2.0)
        t11 = (t7 * 2.0)
        t12 = (t5 * 2.0)
        return ((((t5 * t5) + (t7 * t7)) + (t9 * t9)), ((((((t10 * t8) + (-t10)) + (t11 * t6)) + (-t11)) + (t12 * y)) + (-t12)), ((((t10 * x) * (t6 * 3.0)) + ((t11 * x) * (y * 2.0))) + (t12 * x)))

    return fn, fg


def booth(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = ((x + (y * 2.0)) - 7.0)
        t2 = (((x * 2.0) + y) - 5.0)
        return ((t1 * t1) + (t2 * t2))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t3 = ((x + (y * 2.0)) - 7.0)
        t4 = (((x * 2.0) + y) - 5.0)
        t5 = (t4 * 2.0)
        t6 = (t3 * 2.0)
        return (((t3 * t3) + (t4 * t4)), ((t5 * 2.0) + t6), (t5 + (t6 * 2.0)))

    return fn, fg


def matyas(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return ((((x * x) + (y * y)) * 0.26) - ((x * 0.48) * y))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t1 = (x * 0.48)
        return (((((x * x) + (y * y)) * 0.26) - (t1 * y)), (((-y) * 0.48) + (0.26 * (x * 2.0))), ((-t1) + (0.26 * (y * 2.0))))

    return fn, fg


def quadratic(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return ((x * x) + (y * y))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        return (((x * x) + (y * y)), (x * 2.0), (y * 2.0))

    return fn, fg


def ill_conditioned(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = (x + y)
        t2 = (x - y)
        return (((t1 * t1) * 0.25) + ((t2 * t2) * 25.0))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t3 = (x + y)
        t4 = (x - y)
        t5 = (25.0 * (t4 * 2.0))
        t6 = (0.25 * (t3 * 2.0))
        return ((((t3 * t3) * 0.25) + ((t4 * t4) * 25.0)), (t5 + t6), ((-t5) + t6))

    return fn, fg


def himmelblau(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = (((x * x) + y) - 11.0)
        t2 = ((x + (y * y)) - 7.0)
        return ((t1 * t1) + (t2 * t2))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t3 = (((x * x) + y) - 11.0)
        t4 = ((x + (y * y)) - 7.0)
        t5 = (t4 * 2.0)
        t6 = (t3 * 2.0)
        return (((t3 * t3) + (t4 * t4)), (t5 + (t6 * (x * 2.0))), ((t5 * (y * 2.0)) + t6))

    return fn, fg


def goldstein_price(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = ((x + y) + 1.0)
        t2 = (x * x)
        t3 = (y * y)
        t4 = ((x * 2.0) - (y * 3.0))
        return ((((t1 * t1) * (((((19.0 - (x * 14.0)) + (t2 * 3.0)) - (y * 14.0)) + ((x * 6.0) * y)) + (t3 * 3.0))) + 1.0) * (((t4 * t4) * (((((18.0 - (x * 32.0)) + (t2 * 12.0)) + (y * 48.0)) - ((x * 36.0) * y)) + (t3 * 27.0))) + 30.0))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t5 = ((x + y) + 1.0)
        t6 = (t5 * t5)
        t7 = (x * x)
        t8 = (x * 6.0)
        t9 = (y * y)
        t10 = (((((19.0 - (x * 14.0)) + (t7 * 3.0)) - (y * 14.0)) + (t8 * y)) + (t9 * 3.0))
        t11 = ((t6 * t10) + 1.0)
        t12 = (x * 2.0)
        t13 = (t12 - (y * 3.0))
        t14 = (t13 * t13)
        t15 = (x * 36.0)
        t16 = (((((18.0 - (x * 32.0)) + (t7 * 12.0)) + (y * 48.0)) - (t15 * y)) + (t9 * 27.0))
        t17 = ((t14 * t16) + 30.0)
        t18 = (t11 * t14)
        t19 = (-t18)
        t20 = ((t11 * t16) * (t13 * 2.0))
        t21 = (t17 * t6)
        t22 = (t21 * 3.0)
        t23 = ((-t21) * 14.0)
        t24 = ((t17 * t10) * (t5 * 2.0))
        t25 = (y * 2.0)
        return ((t11 * t17), (((((((((t19 * y) * 36.0) + ((t18 * 12.0) * t12)) + (t19 * 32.0)) + (t20 * 2.0)) + ((t21 * y) * 6.0)) + (t22 * t12)) + t23) + t24), (((((((((t18 * 27.0) * t25) + (t19 * t15)) + (t18 * 48.0)) + ((-t20) * 3.0)) + (t22 * t25)) + (t21 * t8)) + t23) + t24))

    return fn, fg


def six_hump_camel(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = (x * x)
        t2 = (y * y)
        return (((((4.0 - (t1 * 2.1)) + (_pow(x, 4.0) / 3.0)) * t1) + (x * y)) + (((t2 * 4.0) + (-4.0)) * t2))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t3 = (x * x)
        t4 = ((4.0 - (t3 * 2.1)) + (_pow(x, 4.0) / 3.0))
        t5 = (y * y)
        t6 = (t5 * 4.0)
        t7 = (t6 + (-4.0))
        t8 = (x * 2.0)
        t9 = (y * 2.0)
        return ((((t4 * t3) + (x * y)) + (t7 * t5)), (((y + (t4 * t8)) + ((t3 / 3.0) * ((t3 * x) * 4.0))) + (((-t3) * 2.1) * t8)), (((t7 * t9) + (t6 * t9)) + x))

    return fn, fg


def three_hump_camel(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return ((((((x * x) * 2.0) - (_pow(x, 4.0) * 1.05)) + (_pow(x, 6.0) / 6.0)) + (x * y)) + (y * y))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t1 = (x * x)
        return ((((((t1 * 2.0) - (_pow(x, 4.0) * 1.05)) + (_pow(x, 6.0) / 6.0)) + (x * y)) + (y * y)), (((y + (0.16666666666666666 * (_pow(x, 5.0) * 6.0))) + ((-1.05) * ((t1 * x) * 4.0))) + (2.0 * (x * 2.0))), ((y * 2.0) + x))

    return fn, fg


def styblinski_tang(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return ((((_pow(x, 4.0) - ((x * x) * 16.0)) + (x * 5.0)) + ((_pow(y, 4.0) - ((y * y) * 16.0)) + (y * 5.0))) * 0.5)

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t1 = (x * x)
        t2 = (y * y)
        return (((((_pow(x, 4.0) - (t1 * 16.0)) + (x * 5.0)) + ((_pow(y, 4.0) - (t2 * 16.0)) + (y * 5.0))) * 0.5), ((2.5 + ((-8.0) * (x * 2.0))) + (0.5 * ((t1 * x) * 4.0))), ((2.5 + ((-8.0) * (y * 2.0))) + (0.5 * ((t2 * y) * 4.0))))

    return fn, fg


def rastrigin(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return (((((x * x) + 20.0) - (_cos((x * 6.283185307179586)) * 10.0)) + (y * y)) - (_cos((y * 6.283185307179586)) * 10.0))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t1 = (x * 6.283185307179586)
        t2 = (y * 6.283185307179586)
        return ((((((x * x) + 20.0) - (_cos(t1) * 10.0)) + (y * y)) - (_cos(t2) * 10.0)), ((((-10.0) * (-_sin(t1))) * 6.283185307179586) + (x * 2.0)), ((((-10.0) * (-_sin(t2))) * 6.283185307179586) + (y * 2.0)))

    return fn, fg


def ackley(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return ((((_exp((_sqrt((((x * x) + (y * y)) * 0.5)) * (-0.2))) * (-20.0)) - _exp(((_cos((x * 6.283185307179586)) + _cos((y * 6.283185307179586))) * 0.5))) + 2.718281828459045) + 20.0)

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t1 = _sqrt((((x * x) + (y * y)) * 0.5))
        t2 = _exp((t1 * (-0.2)))
        t3 = (x * 6.283185307179586)
        t4 = (y * 6.283185307179586)
        t5 = _exp(((_cos(t3) + _cos(t4)) * 0.5))
        t6 = ((-t5) * 0.5)
        t8 = ((0.0 if (_d7 := (t1 * 2.0)) == 0.0 else (((-20.0) * t2) * (-0.2)) / _d7) * 0.5)
        return (((((t2 * (-20.0)) - t5) + 2.718281828459045) + 20.0), (((t6 * (-_sin(t3))) * 6.283185307179586) + (t8 * (x * 2.0))), (((t6 * (-_sin(t4))) * 6.283185307179586) + (t8 * (y * 2.0))))

    return fn, fg


def levi(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        t1 = _sin((x * 9.42477796076938))
        t2 = (x - 1.0)
        t3 = _sin((y * 9.42477796076938))
        t4 = (y - 1.0)
        t5 = _sin((y * 6.283185307179586))
        return (((t1 * t1) + ((t2 * t2) * ((t3 * t3) + 1.0))) + ((t4 * t4) * ((t5 * t5) + 1.0)))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t6 = (x * 9.42477796076938)
        t7 = _sin(t6)
        t8 = (x - 1.0)
        t9 = (t8 * t8)
        t10 = (y * 9.42477796076938)
        t11 = _sin(t10)
        t12 = ((t11 * t11) + 1.0)
        t13 = (y - 1.0)
        t14 = (t13 * t13)
        t15 = (y * 6.283185307179586)
        t16 = _sin(t15)
        t17 = ((t16 * t16) + 1.0)
        return ((((t7 * t7) + (t9 * t12)) + (t14 * t17)), ((t12 * (t8 * 2.0)) + (((t7 * 2.0) * _cos(t6)) * 9.42477796076938)), (((((t14 * (t16 * 2.0)) * _cos(t15)) * 6.283185307179586) + (t17 * (t13 * 2.0))) + (((t9 * (t11 * 2.0)) * _cos(t10)) * 9.42477796076938)))

    return fn, fg


def saddle(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return ((x * x) - (y * y))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        return (((x * x) - (y * y)), (x * 2.0), (-(y * 2.0)))

    return fn, fg


def monkey_saddle(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return (((x * x) * x) - ((x * 3.0) * (y * y)))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t1 = (x * x)
        t2 = (x * 3.0)
        t3 = (y * y)
        return (((t1 * x) - (t2 * t3)), (((-t3) * 3.0) + (t1 * 3.0)), ((-t2) * (y * 2.0)))

    return fn, fg


def plateau(array_fn, array_fg):
    def fn(x, y, b):
        if b is not FLOAT:
            return array_fn(x, y, b)
        return (1.0 - _exp(((-((x * x) + (y * y))) / 2.0)))

    def fg(x, y, b):
        if b is not FLOAT:
            return array_fg(x, y, b)
        t1 = _exp(((-((x * x) + (y * y))) / 2.0))
        t2 = (-((-t1) / 2.0))
        return ((1.0 - t1), (t2 * (x * 2.0)), (t2 * (y * 2.0)))

    return fn, fg


FACTORIES = {
    'rosenbrock': rosenbrock,
    'beale': beale,
    'booth': booth,
    'matyas': matyas,
    'quadratic': quadratic,
    'ill_conditioned': ill_conditioned,
    'himmelblau': himmelblau,
    'goldstein_price': goldstein_price,
    'six_hump_camel': six_hump_camel,
    'three_hump_camel': three_hump_camel,
    'styblinski_tang': styblinski_tang,
    'rastrigin': rastrigin,
    'ackley': ackley,
    'levi': levi,
    'saddle': saddle,
    'monkey_saddle': monkey_saddle,
    'plateau': plateau,
}
