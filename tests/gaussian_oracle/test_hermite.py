"""Hermite coefficients against N(0, I): the closed form (Gaussians, mixtures, any dimension)
against quadrature in 1-D and the grid in 2-D, the OU semigroup's diagonal action, and the
limit law's low-pass gain (THEORY.md §8, derived in this project)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import eval_hermitenorm

import bounds as B
from gaussian_oracle import (
    Box,
    Gaussian,
    GaussianMixture,
    GridLaw,
    OracleDomainError,
    hermite_coefficients,
    limit_law,
    ou_transition,
)


def test_closed_form_against_scipy_quadrature_in_one_dimension():
    law = GaussianMixture([0.3, 0.7], [[-1.2], [0.8]], [0.4, 1.7])
    c = hermite_coefficients(law, 8)
    for n in range(9):

        def f(x, n=n):
            return eval_hermitenorm(n, x) * math.exp(float(law.logpdf(np.array([[x]]))[0]))

        ref = quad(f, -30, 30, epsabs=1e-14, epsrel=1e-13, limit=400)[0] / math.factorial(n)
        assert c[n] == pytest.approx(ref, rel=1e-10, abs=1e-13)  # quad's own accuracy


def test_closed_form_against_the_grid_in_two_dimensions():
    law = Gaussian([0.4, -0.3], [[0.8, 0.25], [0.25, 1.4]])
    box = Box([-12.0, -12.0], [12.0, 12.0], [96, 96])
    grid = GridLaw(box, np.exp(law.logpdf(box.points)).reshape(box.shape))
    exact, quadrature = hermite_coefficients(law, 6), hermite_coefficients(grid, 6)
    assert exact.method == "closed-form" and quadrature.method == "quadrature"
    np.testing.assert_array_equal(exact.orders, quadrature.orders)
    # the trapezoid rule on a periodic box is spectral for this smooth, decaying integrand
    np.testing.assert_allclose(quadrature.values, exact.values, atol=1e-12)
    assert exact[(1, 0)] == pytest.approx(0.4) and exact[(1, 1)] == pytest.approx(0.25 - 0.12)


def test_the_ou_semigroup_is_diagonal_in_the_hermite_basis():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(3, 3, 3))
    law = GaussianMixture(
        [0.2, 0.5, 0.3], rng.normal(size=(3, 3)), 0.3 * np.eye(3) + a @ np.swapaxes(a, 1, 2) / 3
    )
    t = 0.7
    before, after = hermite_coefficients(law, 5), hermite_coefficients(ou_transition(law, t), 5)
    factor = np.exp(-0.5 * before.degree() * t)
    np.testing.assert_allclose(after.values, factor * before.values, rtol=1e-12, atol=1e-14)


def test_the_limit_law_is_a_low_pass_filter_of_the_data():
    """c_n(p_inf) = g_n c_n(p) for every multi-index, g_n of bounds.hermite_gain (the limit law
    truncated at TV 1e-12, so to ~1e-12)."""
    alpha, t0 = 0.3, 0.2
    for data in (
        Gaussian([-1.0, 0.5], [[0.6, 0.1], [0.1, 0.9]]),  # 2-D: every multi-index to order 6
        GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [0.6, 0.9]),
    ):
        lim = hermite_coefficients(limit_law(data, alpha=alpha, t0=t0).law, 6)
        ref = hermite_coefficients(data, 6)
        gain = B.hermite_gain(ref.degree(), alpha, t0)
        np.testing.assert_allclose(lim.values, gain * ref.values, rtol=1e-10, atol=1e-13)


def test_indexing_and_bad_input():
    c = hermite_coefficients(Gaussian([0.0, 0.0], np.eye(2)), 2)
    assert c.orders.tolist()[:3] == [[0, 0], [1, 0], [0, 1]] and len(c.values) == 6
    assert c[(0, 0)] == 1.0 and c[(2, 0)] == 0.0  # N(0, I) itself: only the mass
    with pytest.raises(OracleDomainError, match="no such multi-index"):
        c[(3, 0)]
    with pytest.raises(OracleDomainError, match="max_order"):
        hermite_coefficients(Gaussian(0.0, 1.0), -1)
    with pytest.raises(OracleDomainError, match="multi-indices"):
        hermite_coefficients(Gaussian(np.zeros(10), np.eye(10)), 12)
