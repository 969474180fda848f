"""The early-stopping statements of THEORY.md §8 (derived in this project, consistent with the
abstract of [KTV26b]): numeric against symbolic, the limit law's age series, the mode recursion
against the law recursion of Gaussian mixtures, limits and edges, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import bounds as B
from bounds import symbolic as S

RNG = np.random.default_rng(17)
POINTS = 40


def _lambdified(expr, values):
    names = sorted(str(x) for x in expr.free_symbols)
    f = sp.lambdify([sp.Symbol(n) for n in names], expr, "numpy")
    return f(*[values[n] for n in names])


def _draw():
    return {
        "alpha": RNG.uniform(0.01, 1.0, POINTS),
        "t0": RNG.uniform(0.001, 2.0, POINTS),
        "n": RNG.integers(0, 12, POINTS).astype(float),
        "i": RNG.integers(0, 30, POINTS).astype(float),
        "delta": RNG.uniform(0.0, 1.0, POINTS),
        "W0": RNG.uniform(0.0, 3.0, POINTS),
        "c_n": RNG.normal(size=POINTS),
        "e0": RNG.normal(size=POINTS),
    }


@pytest.mark.parametrize(
    ("expr", "numeric"),
    [
        (S.hermite_gain, lambda v: B.hermite_gain(v["n"], v["alpha"], v["t0"])),
        (S.mode_contraction, lambda v: B.mode_contraction(v["n"], v["alpha"], v["t0"])),
        (S.w2_contraction, lambda v: B.w2_contraction(v["alpha"], v["t0"])),
        (
            S.w2_ball,
            lambda v: B.w2_ball(v["i"], v["alpha"], v["t0"], v["delta"], initial=v["W0"]),
        ),
        (S.tv_contraction, lambda v: B.tv_contraction(v["i"], v["alpha"])),
    ],
    ids=["hermite_gain", "mode_contraction", "w2_contraction", "w2_ball", "tv_contraction"],
)
def test_numeric_twins_match_the_symbolic_expressions(expr, numeric):
    values = _draw()
    values["alpha"] = np.minimum(values["alpha"], 0.99)  # w2_ball's 1 - kappa > 0 symbolically
    # same formula, another evaluation order (expm1 / log1p forms): a few ulps
    np.testing.assert_allclose(numeric(values), _lambdified(expr, values), rtol=1e-12, atol=1e-15)


def test_mode_errors_under_a_constant_t0_follow_the_closed_form():
    v = _draw()
    for k in range(8):
        n, a, t, c, e0 = (v[x][k] for x in ("n", "alpha", "t0", "c_n", "e0"))
        errors = B.mode_errors(n, a, t, 25, data_coef=c, initial_error=e0)
        closed = [
            float(
                S.mode_error_constant.subs(
                    {S.n: n, S.alpha: a, S.t0: t, S.c_n: c, S.e0: e0, S.i: i}
                )
            )
            for i in range(26)
        ]
        # 25 steps of a contraction: round-off stays at a few ulps of the terms
        np.testing.assert_allclose(errors, closed, rtol=1e-12, atol=1e-14)


def test_the_limit_laws_age_series_sums_to_the_gain():
    """c_n(p_inf) = sum_k alpha (1 - alpha)^(k-1) e^{-k |n| t0 / 2} c_n(p): SymPy sums the
    series exactly at rational points, and a numeric partial sum agrees with hermite_gain."""
    for a, n, t in [
        (sp.Rational(3, 10), 4, sp.Rational(1, 5)),
        (sp.Rational(1, 2), 1, 2),
        (sp.Rational(9, 10), 7, 1),  # (SymPy sums 0**(j - 1) wrongly at alpha = 1)
    ]:
        point = {S.alpha: a, S.n: n, S.t0: t}
        assert (
            sp.simplify(S.hermite_gain_series.subs(point).doit() - S.hermite_gain.subs(point)) == 0
        )
    a, n, t = 0.1, 3, 0.02
    k = np.arange(1, 20001)
    partial = np.sum(a * (1 - a) ** (k - 1) * np.exp(-k * n * t / 2))  # tail (0.9)^20000: 0
    assert B.hermite_gain(n, a, t) == pytest.approx(partial, rel=1e-13)


def test_limits_of_the_gain_and_the_fixed_point_of_the_mode_error():
    assert sp.limit(S.hermite_gain, S.t0, 0) == 1  # no truncation: the data is the fixed point
    assert sp.simplify(S.hermite_gain.subs(S.alpha, 1) - S.hermite_lambda) == 0  # fresh data only
    assert sp.limit(S.hermite_gain, S.n, sp.oo) == 0  # high modes are filtered out
    three = {S.n: 3, S.alpha: sp.Rational(1, 2), S.t0: sp.Rational(1, 5)}
    fixed = (S.hermite_gain - 1) * S.c_n
    assert (
        sp.simplify(sp.limit(S.mode_error_constant.subs(three), S.i, sp.oo) - fixed.subs(three))
        == 0
    )
    assert B.hermite_gain(5, 0.3, 1e-300) == 1.0 and B.hermite_gain(0, 0.0, 1.0) == 1.0
    assert B.hermite_gain(3, 1.0, 0.4) == pytest.approx(math.exp(-0.6), rel=1e-15)
    assert B.hermite_gain(10**6, 0.5, 1.0) == 0.0 and B.hermite_gain(2, 0.0, 0.3) == 0.0
    # small t0: 1 - g = (1 - alpha)(1 - lambda) / (alpha + ...) keeps its relative accuracy
    assert 1.0 - B.hermite_gain(1, 0.5, 1e-12) == pytest.approx(0.5e-12, rel=1e-3)


def _hermite_moments(w, m, v):
    """c_1, c_2, c_3 of a 1-D Gaussian mixture against N(0, 1): E[He_n] / n!."""
    he1 = m
    he2 = m * m + v - 1.0
    he3 = m**3 + 3.0 * m * (v - 1.0)
    return np.array([w @ he1, w @ he2 / 2.0, w @ he3 / 6.0])


def test_mode_errors_match_the_law_recursion_of_a_gaussian_mixture_under_annealing():
    """An independent route: the recursion p_hat_{k+1} = P_{t0_k}(alpha p + (1 - alpha) p_hat_k)
    run on the laws (1-D, data a two-component mixture: components carried exactly, OU moves
    mean and variance), its Hermite coefficients c_1..c_3 from the moments, against the mode
    recursion; and the annealed error tends to 0 where a constant t0 leaves (g - 1) c_n."""
    alpha, data = 0.3, (np.array([0.4, 0.6]), np.array([-1.0, 1.2]), np.array([0.3, 0.5]))
    c_data = _hermite_moments(*data)
    schedule = 0.2 * 0.85 ** np.arange(40)
    w, m, v = (x.copy() for x in data)
    errors = [np.zeros(3)]
    for t in schedule:
        w = np.concatenate([alpha * data[0], (1 - alpha) * w])
        m = np.exp(-t / 2) * np.concatenate([data[1], m])
        v = np.exp(-t) * np.concatenate([data[2], v]) - np.expm1(-t)
        errors.append(_hermite_moments(w, m, v) - c_data)
    law = np.array(errors)
    modes = B.mode_errors(np.array([1, 2, 3]), alpha, schedule, data_coef=c_data)
    np.testing.assert_allclose(modes, law, rtol=1e-10, atol=1e-14)  # two routes, 40 steps
    constant = B.mode_errors([1, 2, 3], alpha, 0.2, 200, data_coef=c_data)[-1]
    np.testing.assert_allclose(constant, (B.hermite_gain([1, 2, 3], alpha, 0.2) - 1) * c_data)
    assert np.all(np.abs(modes[-1]) < 0.05 * np.abs(constant))


def test_w2_ball_and_tv_contraction_at_their_edges():
    assert B.w2_ball(7, 0.0, 0.0, 0.1, initial=1.0) == pytest.approx(1.0 + 0.7)  # kappa = 1
    assert B.w2_ball(float("inf"), 0.0, 0.0, 0.0) == 0.0  # no slack, no start gap: 0
    assert B.w2_ball(float("inf"), 0.0, 0.0, 0.1) == float("inf")
    assert B.w2_ball(0, 0.5, 1.0, 0.3, initial=2.0) == 2.0
    assert B.w2_ball(3, 1.0, 0.0, 0.3, initial=2.0) == pytest.approx(0.3)  # kappa = 0
    kappa = B.w2_contraction(0.36, 0.5)
    assert B.w2_ball(float("inf"), 0.36, 0.5, 0.2) == pytest.approx(0.2 / (1 - kappa), rel=1e-15)
    assert B.tv_contraction(0, 1.0) == 1.0 and B.tv_contraction(float("inf"), 0.0) == 1.0
    np.testing.assert_allclose(B.tv_contraction(np.arange(4), 0.5), [1, 0.5, 0.25, 0.125])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: B.hermite_gain(1.5, 0.3, 0.1), "order=1.5 must be an integer"),
        (lambda: B.hermite_gain(-1, 0.3, 0.1), "order=-1.0 must be >= 0"),
        (lambda: B.hermite_gain(2, 1.3, 0.1), r"alpha=1.3 must lie in \[0, 1\]"),
        (lambda: B.hermite_gain(2, 0.0, 0.0), "every law is a fixed point"),
        (lambda: B.mode_errors(2, 0.3, 0.1), "a constant t0 needs generations="),
        (lambda: B.mode_errors(2, 0.3, [0.1, 0.2], 3), "t0 has 2 values but generations=3"),
        (lambda: B.mode_errors(2, 0.3, B.GeometricSchedule(0.1, 0.5)), "needs generations="),
        (lambda: B.mode_errors(2, 0.3, [[0.1]]), r"t0 has shape \(1, 1\)"),
        (lambda: B.w2_ball(1.5, 0.3, 0.1, 0.1), "i=1.5 must be an integer"),
        (lambda: B.w2_ball(1, 0.3, 0.1, -0.1), "delta=-0.1 must be >= 0"),
        (lambda: B.tv_contraction(2, "0.5"), "alpha='0.5' must be a real number"),
    ],
)
def test_bad_input_is_a_specific_error(call, match):
    with pytest.raises(B.BoundsValueError, match=match):
        call()


def test_schedule_objects_and_broadcasting():
    sched = B.GeometricSchedule(0.2, 0.5)
    a = B.mode_errors(2, 0.4, sched, 5)
    b = B.mode_errors(2, 0.4, sched.values(5))
    np.testing.assert_array_equal(a, b)
    grid = B.hermite_gain(np.arange(5)[:, None], np.array([0.1, 0.5, 0.9])[None, :], 0.3)
    assert grid.shape == (5, 3) and np.all(np.diff(grid, axis=0) < 0)  # low-pass in |n|
    assert B.mode_errors([1, 2], [0.2, 0.4], 0.1, 3).shape == (4, 2)
