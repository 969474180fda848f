"""Total variation and 1-D Wasserstein-2 (gaussian_oracle._distances) against independent
routes: closed forms, exact transport maps, scipy's adaptive quadrature and Monte Carlo."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import ndtr
from scipy.stats import norm

from gaussian_oracle import (
    Gaussian,
    GaussianMixture,
    OracleDomainError,
    OracleShapeError,
    tv,
    w2,
    wasserstein2,
)

BIMODAL = GaussianMixture([0.35, 0.65], [-2.5, 1.5], [0.2, 0.6])


def _pdf(law: GaussianMixture, x: float) -> float:
    return float(np.exp(law.logpdf(np.array([[x]])))[0])


def _cdf(law: GaussianMixture, x: float) -> float:
    return float(np.sum(law.weights * ndtr((x - law.means[:, 0]) / np.sqrt(law.covs[:, 0, 0]))))


def test_tv_gaussians_closed_forms() -> None:
    # equal variances: 2 Phi(|dm| / (2 s)) - 1, exact CDFs make it exact to round-off
    t = tv(Gaussian(0.3, 0.49), Gaussian(-0.4, 0.49))
    assert t.value == pytest.approx(2 * ndtr(0.7 / 1.4) - 1, rel=1e-14, abs=0)
    # equal means, sd 1 and 2: the densities cross at +-x*, TV = mass difference inside
    x = np.sqrt(2 * np.log(2.0) / (1 - 0.25))
    expected = (ndtr(x) - ndtr(-x)) - (ndtr(x / 2) - ndtr(-x / 2))
    assert tv(Gaussian(0.0, 1.0), Gaussian(0.0, 4.0)).value == pytest.approx(expected, rel=1e-13)
    assert tv(BIMODAL, BIMODAL).value == 0.0


def test_tv_mixture_against_adaptive_quadrature() -> None:
    other = Gaussian(0.2, 2.0)
    t = tv(BIMODAL, other)
    # an independent route: scipy.integrate.quad of |p - q| / 2 (kinks listed as breakpoints
    # would use the code under test, so a fine split of the range is given instead)
    pieces = np.linspace(-12, 12, 97)
    ref = sum(
        quad(lambda v: abs(_pdf(BIMODAL, v) - _pdf(other, v)) / 2, a, b, epsabs=1e-14)[0]
        for a, b in itertools.pairwise(pieces)
    )
    # quad's pieces each carry ~1e-14; 96 of them and the kinks: 1e-11 absolute
    assert t.value == pytest.approx(ref, abs=1e-11)
    assert t.abs_error < 1e-14 and t.method == "quadrature"


def test_tv_monte_carlo_in_2d_within_four_standard_errors() -> None:
    cov = np.array([[1.0, 0.3], [0.3, 0.8]])
    p, q = Gaussian([0.0, 0.0], cov), Gaussian([0.5, -0.2], cov)
    dm = np.array([0.5, -0.2])
    maha = float(np.sqrt(dm @ np.linalg.solve(cov, dm)))  # equal covariances: 2 Phi(M/2) - 1
    t = tv(p, q, n_samples=50_000, rng=np.random.default_rng(3))
    assert t.method == "monte-carlo" and t.n_samples == 50_000
    assert abs(t.value - (2 * ndtr(maha / 2) - 1)) <= 4 * t.abs_error  # 4 SE (no bias)


def test_w2_translation_and_affine_map_are_exact() -> None:
    shifted = GaussianMixture(BIMODAL.weights, BIMODAL.means + 0.7, BIMODAL.covs)
    assert wasserstein2(BIMODAL, shifted).value == pytest.approx(0.7, rel=1e-12)
    # x -> a x + b is monotone, hence the optimal map: W2^2 = E[((a - 1) X + b)^2]
    a, b = 0.6, -0.3
    pushed = GaussianMixture(BIMODAL.weights, a * BIMODAL.means + b, a * a * BIMODAL.covs)
    m1 = float(BIMODAL.mean[0])
    m2 = float(BIMODAL.cov[0, 0]) + m1**2
    exact = np.sqrt((a - 1) ** 2 * m2 + 2 * (a - 1) * b * m1 + b * b)
    w = wasserstein2(BIMODAL, pushed)
    # 8-point Gauss–Legendre panels on which x and T(x) move by half an sd: round-off only
    assert w.value == pytest.approx(exact, rel=1e-12) and w.abs_error < 1e-12


def test_w2_gaussians_closed_form_and_mixture_against_scipy_quantiles() -> None:
    g, h = Gaussian(0.0, 1.0), Gaussian(3.0, 4.0)
    assert wasserstein2(g, h).value == w2(g, h) and wasserstein2(g, h).exact

    def ppf(law: GaussianMixture, u: float) -> float:
        return brentq(lambda x: _cdf(law, x) - u, -30, 30, xtol=1e-15, rtol=1e-15)

    ref = quad(lambda u: (ppf(BIMODAL, u) - norm.ppf(u, 0.5, 1.2)) ** 2, 0, 1, limit=400)[0]
    w = wasserstein2(BIMODAL, GaussianMixture([1.0], [0.5], [1.44]))
    # quad in u meets the quantiles' logarithmic end-point singularities: 1e-8 relative
    assert w.value == pytest.approx(np.sqrt(ref), rel=1e-8)


def test_bad_input_is_refused() -> None:
    two_d = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], np.eye(2))
    with pytest.raises(OracleDomainError, match="dimension 1, not 2"):
        wasserstein2(two_d, Gaussian([0.0, 0.0], np.eye(2)))
    with pytest.raises(OracleShapeError, match="dimension"):
        tv(Gaussian(0.0, 1.0), Gaussian([0.0, 0.0], np.eye(2)))
    with pytest.raises(OracleDomainError, match="n_samples"):
        tv(two_d, two_d, n_samples=1)


def test_w2_on_the_grid_against_the_exact_routes() -> None:
    from gaussian_oracle import Box, GridLaw

    box = Box([-12.0], [12.0], [512])

    def grid(law):
        return GridLaw(box, np.exp(law.logpdf(box.points)).reshape(box.shape))

    a, b = 0.6, -0.3
    pushed = GaussianMixture(BIMODAL.weights, a * BIMODAL.means + b, a * a * BIMODAL.covs)
    exact = wasserstein2(BIMODAL, pushed).value  # the monotone map, checked above
    w = wasserstein2(grid(BIMODAL), grid(pushed))
    # refined 16x, distribution functions integrated exactly for the band-limited grid
    # function, cubic Hermite inversion: measured 4e-15 relative
    assert w.method == "grid" and w.value == pytest.approx(exact, rel=1e-12)
    assert abs(w.value - exact) <= w.abs_error
    g, h = Gaussian(0.0, 1.0), Gaussian(1.0, 2.0)
    assert wasserstein2(grid(g), h).value == pytest.approx(w2(g, h), rel=1e-12)  # 1e-13 measured
    other = Box([-10.0], [10.0], [256])
    elsewhere = GridLaw(other, np.exp(g.logpdf(other.points)).reshape(other.shape))
    with pytest.raises(OracleDomainError, match="same box"):
        wasserstein2(grid(g), elsewhere)
