"""Divergences: closed forms against mpmath / scipy quadrature and Monte Carlo estimates."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from gaussian_oracle import Gaussian, GaussianMixture, chi2, kl, w2

from .helpers import random_gaussian, random_mixture


def _mp_quad_1d(f, centres):
    """mpmath tanh-sinh quadrature over R split at the component centres (30 digits)."""
    with mp.workdps(30):
        pts = [-mp.inf, *sorted(set(float(c) for c in centres)), mp.inf]
        return float(mp.quad(f, pts))


def _chi2_1d_reference(p, q):
    def f(x):
        return mp.e ** (2 * float(p.logpdf(float(x))) - float(q.logpdf(float(x))))

    return _mp_quad_1d(f, np.concatenate([np.ravel(getattr(p, "means", p.mean)), [0.0]])) - 1.0


def _kl_1d_reference(p, q):
    def f(x):
        lp, lq = float(p.logpdf(float(x))), float(q.logpdf(float(x)))
        return mp.e**lp * (lp - lq)

    return _mp_quad_1d(f, np.ravel(getattr(p, "means", p.mean)))


def _gauss_legendre_2d(f, lim=14.0, n=400):
    """Tensor Gauss–Legendre rule on [-lim, lim]^2, vectorised over points.

    Independent of the library's adaptive cubature. Self-checked: the 300- and 400-node rules
    must agree to 1e-12, so the reference is converged (integrands are smooth, sd >= 0.4, and
    the box loses < exp(-14^2 / 2 / 1.6^2) ~ 1e-17 of the mass).
    """

    def rule(m):
        x, w = np.polynomial.legendre.leggauss(m)
        x, w = x * lim, w * lim
        gx, gy = np.meshgrid(x, x, indexing="ij")
        pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
        return float(np.sum(np.outer(w, w).ravel() * f(pts)))

    coarse, fine = rule(300), rule(n)
    assert abs(coarse - fine) < 1e-12 * max(1.0, abs(fine))
    return fine


@pytest.mark.parametrize("mu", [1.0, 0.5, 2.0, 1e-6])
def test_mean_shift_values(mu):
    p, q = Gaussian(mu, 1.0), Gaussian(0.0, 1.0)
    # THEORY.md §6: chi2 = e^{mu^2} - 1, KL = mu^2 / 2; expm1 keeps full relative accuracy
    # even at mu = 1e-6 (chi2 = 1e-12): 1e-13 relative is a few ulps
    assert chi2(p, q).value == pytest.approx(np.expm1(mu**2), rel=1e-13)
    assert kl(p, q).value == pytest.approx(mu**2 / 2, rel=1e-13)


def test_tiny_covariance_perturbation_keeps_relative_accuracy():
    eps = 1e-7
    p, q = Gaussian(0.0, 1.0 + eps), Gaussian(0.0, 1.0)
    with mp.workdps(50):
        e = mp.mpf(eps)
        ref_chi2 = 1 / mp.sqrt(1 - e**2) - 1  # 1D: 1 + chi2 = (1 - e^2)^{-1/2}
        ref_kl = (e - mp.log1p(e)) / 2
    # whitened eigen-form: relative error ~ few ulps even though chi2 ~ 5e-15
    assert chi2(p, q).value == pytest.approx(float(ref_chi2), rel=1e-9)
    assert kl(p, q).value == pytest.approx(float(ref_kl), rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_gaussian_closed_forms_match_mpmath_in_1d(seed):
    rng = np.random.default_rng(seed)
    p = Gaussian(rng.uniform(-1, 1), rng.uniform(0.3, 1.8))
    q = Gaussian(rng.uniform(-1, 1), rng.uniform(1.0, 2.0))
    # mpmath at 30 digits is exact to ~1e-25; the closed form's round-off is ~1e-15 relative
    # times the condition of log1p / expm1 (O(1) here): 1e-11 is a safe but tight tolerance
    assert chi2(p, q).value == pytest.approx(_chi2_1d_reference(p, q), rel=1e-11)
    assert kl(p, q).value == pytest.approx(_kl_1d_reference(p, q), rel=1e-11)


@pytest.mark.parametrize("seed", range(3))
def test_gaussian_closed_forms_match_tensor_quadrature_in_2d(seed):
    rng = np.random.default_rng(100 + seed)
    p = random_gaussian(rng, 2, 0.4, 1.2)
    q = random_gaussian(rng, 2, 0.8, 1.6)
    ref_chi2 = _gauss_legendre_2d(lambda x: np.exp(2 * p.logpdf(x) - q.logpdf(x))) - 1.0
    ref_kl = _gauss_legendre_2d(lambda x: np.exp(p.logpdf(x)) * (p.logpdf(x) - q.logpdf(x)))
    # the converged tensor rule is accurate to ~1e-12; closed-form round-off ~1e-14
    assert chi2(p, q).value == pytest.approx(ref_chi2, rel=1e-10)
    assert kl(p, q).value == pytest.approx(ref_kl, rel=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_mixture_vs_gaussian_chi2_matches_mpmath_in_1d(seed):
    rng = np.random.default_rng(200 + seed)
    p = random_mixture(rng, 1, 3, 0.3, 1.5)
    q = Gaussian(0.2, 1.6)
    d = chi2(p, q)
    assert d.method == "closed-form"
    assert d.value == pytest.approx(_chi2_1d_reference(p, q), rel=1e-11)  # as in the 1-D test


def test_mixture_vs_gaussian_chi2_matches_tensor_quadrature_in_2d(rng):
    p = random_mixture(rng, 2, 3, 0.4, 1.2)
    q = random_gaussian(rng, 2, 0.9, 1.5)
    ref = _gauss_legendre_2d(lambda x: np.exp(2 * p.logpdf(x) - q.logpdf(x))) - 1.0
    assert chi2(p, q).value == pytest.approx(ref, rel=1e-10)  # as in the 2-D Gaussian test


@pytest.mark.parametrize("seed", range(3))
def test_mixture_vs_mixture_cubature_matches_mpmath_in_1d(seed):
    rng = np.random.default_rng(300 + seed)
    p = random_mixture(rng, 1, 3, 0.3, 1.2)
    q = random_mixture(rng, 1, 2, 0.8, 1.6)
    for fn, ref in ((chi2, _chi2_1d_reference(p, q)), (kl, _kl_1d_reference(p, q))):
        d = fn(p, q)
        assert d.method == "quadrature" and not d.exact
        # cubature asked for 1e-10 relative; its error estimate must cover the true error
        assert abs(d.value - ref) <= max(10 * d.abs_error, 1e-10 * abs(ref))
        assert d.value == pytest.approx(ref, rel=1e-8)


def test_mixture_vs_mixture_cubature_matches_tensor_quadrature_in_2d(rng):
    p = random_mixture(rng, 2, 2, 0.4, 1.2)
    q = random_mixture(rng, 2, 2, 0.9, 1.6)
    ref = _gauss_legendre_2d(lambda x: np.exp(2 * p.logpdf(x) - q.logpdf(x))) - 1.0
    d = chi2(p, q)
    assert d.method == "quadrature"
    # cubature rtol 1e-10 (error estimate reported) vs a reference good to ~1e-12
    assert d.value == pytest.approx(ref, rel=1e-9)
    assert abs(d.value - ref) <= 10 * d.abs_error + 1e-12


def test_quadrature_route_reproduces_closed_forms(rng):
    p = random_mixture(rng, 2, 3, 0.4, 1.2)
    q = random_gaussian(rng, 2, 0.9, 1.5)
    exact, quad = chi2(p, q), chi2(p, q, method="quadrature")
    assert quad.value == pytest.approx(exact.value, rel=1e-8)  # cubature rtol 1e-10
    g = random_gaussian(rng, 2, 0.9, 1.5)
    assert kl(g, q, method="quadrature").value == pytest.approx(kl(g, q).value, rel=1e-8)


@pytest.mark.parametrize("d", [3, 5])
def test_importance_sampling_agrees_with_closed_form_within_standard_errors(d):
    rng = np.random.default_rng(400 + d)
    p = random_mixture(rng, d, 3, 0.5, 1.2)
    q = random_gaussian(rng, d, 0.9, 1.5)
    exact = chi2(p, q).value
    est = chi2(p, q, method="monte-carlo", rng=np.random.default_rng(1))
    assert est.method == "importance-sampling" and est.n_samples == 200_000
    # fixed seed; 4 standard errors: a false alarm has probability < 1e-4
    assert abs(est.value - exact) < 4 * est.abs_error
    assert est.abs_error < 0.05 * exact  # the proposal is efficient enough to be useful
    g = random_gaussian(rng, d, 0.8, 1.2)
    est_kl = kl(g, q, method="monte-carlo", rng=np.random.default_rng(2))
    assert abs(est_kl.value - kl(g, q).value) < 4 * est_kl.abs_error


def test_mixture_vs_mixture_in_5d_uses_importance_sampling_consistently():
    rng = np.random.default_rng(5)
    p = random_mixture(rng, 5, 2, 0.6, 1.2)
    q = random_mixture(rng, 5, 2, 0.9, 1.5)
    a = chi2(p, q, rng=np.random.default_rng(10))
    b = chi2(p, q, rng=np.random.default_rng(11))
    assert a.method == "importance-sampling"
    # two independent estimates differ by < 4 sqrt(se_a^2 + se_b^2) (fixed seeds)
    assert abs(a.value - b.value) < 4 * np.hypot(a.abs_error, b.abs_error)
    # default generator is seeded: same call, same number
    assert chi2(p, q).value == chi2(p, q).value


def test_w2_against_one_dimensional_and_commuting_formulas():
    # 1-D: W2^2 = (m1 - m0)^2 + (s1 - s0)^2
    assert w2(Gaussian(1.0, 4.0), Gaussian(-1.0, 1.0)) == pytest.approx(
        np.sqrt(4.0 + 1.0), rel=1e-14
    )
    # commuting covariances: sum_i (sqrt(l1_i) - sqrt(l0_i))^2
    a, b = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 1.0, 1.0])
    ref = np.sqrt(1.0 + 1.0 + 4.0)
    assert w2(Gaussian(np.zeros(3), a), Gaussian(np.zeros(3), b)) == pytest.approx(ref, rel=1e-13)
    g = Gaussian([0.0, 0.0], [[2.0, 0.7], [0.7, 1.0]])
    assert w2(g, g) == pytest.approx(0.0, abs=1e-7)  # sqrt of round-off 1e-15


def test_w2_is_symmetric_and_satisfies_the_triangle_inequality(rng):
    a, b, c = (random_gaussian(rng, 3) for _ in range(3))
    assert w2(a, b) == pytest.approx(w2(b, a), rel=1e-10)
    assert w2(a, c) <= w2(a, b) + w2(b, c) + 1e-12


def test_one_component_mixtures_use_closed_forms():
    g = GaussianMixture([1.0, 0.0], [[0.0], [5.0]], [1.0, 1.0])
    q = GaussianMixture([1.0], [[1.0]], [2.0])
    assert chi2(g, q).method == "closed-form"
    assert kl(g, q).method == "closed-form"
    assert w2(g, q) == pytest.approx(np.sqrt(1 + (np.sqrt(2) - 1) ** 2), rel=1e-14)


def test_divergence_result_behaves_like_a_float():
    d = chi2(Gaussian(1.0, 1.0), Gaussian(0.0, 1.0))
    assert float(d) == d.value and d.exact and d.finite and d.abs_error == 0.0


def test_narrow_far_peaks_in_a_wide_box_are_not_missed():
    """Regression: without splitting at the peaks, cubature reported 4571.1 +- 1e-7 here."""
    p = GaussianMixture([0.5, 0.5], [37.3, -12.1], [0.01, 0.02])
    q = GaussianMixture([0.5, 0.5], [0.0, 3.0], [100.0, 120.0])
    with mp.workdps(30):
        brk = [-13.1, -12.1, -11.1, 36.3, 37.3, 38.3]
        ref_chi2 = (
            float(
                mp.quad(
                    lambda x: mp.e ** (2 * float(p.logpdf(float(x))) - float(q.logpdf(float(x)))),
                    [-mp.inf, *brk, mp.inf],
                )
            )
            - 1.0
        )
    ref_kl = _kl_1d_reference(p, q)
    c, k = chi2(p, q), kl(p, q)
    assert abs(c.value - ref_chi2) <= 10 * c.abs_error + 1e-10 * ref_chi2
    assert abs(k.value - ref_kl) <= 10 * k.abs_error + 1e-10 * ref_kl


def test_narrow_far_peaks_in_2d():
    p = GaussianMixture(
        [0.3, 0.7], [[20.0, -5.0], [-8.0, 9.0]], [0.02 * np.eye(2), np.diag([0.05, 0.01])]
    )
    q = GaussianMixture([0.5, 0.5], [[0, 0], [2, 1]], [50 * np.eye(2), np.diag([80.0, 60.0])])
    # independent reference: p's components are 100 sd apart, so p^2/q and p log(p/q) are
    # sums of local terms; a 200-node Gauss–Legendre rule on +-8 sd around each component
    # integrates each to ~1e-14 (the cross terms and the outside mass are below e^-32)
    x, w = np.polynomial.legendre.leggauss(200)
    ref_chi2, ref_kl = -1.0, 0.0
    for m, s in zip(p.means, np.sqrt(np.diagonal(p.covs, axis1=1, axis2=2)), strict=True):
        gx, gy = np.meshgrid(m[0] + 8 * s[0] * x, m[1] + 8 * s[1] * x, indexing="ij")
        pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
        wts = np.outer(w * 8 * s[0], w * 8 * s[1]).ravel()
        lp, lq = p.logpdf(pts), q.logpdf(pts)
        ref_chi2 += np.sum(wts * np.exp(2 * lp - lq))
        ref_kl += np.sum(wts * np.exp(lp) * (lp - lq))
    assert chi2(p, q).value == pytest.approx(ref_chi2, rel=1e-9)  # cubature rtol 1e-10
    assert kl(p, q).value == pytest.approx(ref_kl, rel=1e-9)


@pytest.mark.parametrize("sd", [1.5, 0.4, 0.05])
@pytest.mark.parametrize("c0", [-33.1, 51.7])
def test_peaks_of_every_width_in_a_wide_box(sd, c0):
    """From peaks seen by the first cubature rule to peaks that need a split point."""
    p = GaussianMixture([0.5, 0.5], [c0, -c0 / 3], [sd**2, (1.3 * sd) ** 2])
    q = GaussianMixture([0.5, 0.5], [0.0, 2.0], [400.0, 300.0])
    ref_chi2, ref_kl = _chi2_1d_reference(p, q), _kl_1d_reference(p, q)
    c, k = chi2(p, q), kl(p, q)
    # cubature rtol 1e-10; observed errors are below 1e-13 on this family
    assert c.value == pytest.approx(ref_chi2, rel=1e-10)
    assert k.value == pytest.approx(ref_kl, rel=1e-10)


def test_identical_laws_have_exactly_zero_divergence_without_sampling():
    """chi2(p || p) and KL(p || p) in d = 3 were importance-sampling runs of 200,000 draws
    (value 0 by luck of the estimator); the laws' components decide it: exactly 0."""
    rng = np.random.default_rng(5)
    means = rng.normal(size=(3, 3))
    covs = np.array([np.eye(3) * v for v in (0.5, 1.0, 1.5)])
    p = GaussianMixture([0.2, 0.3, 0.5], means, covs)
    copy = GaussianMixture([0.2, 0.3, 0.5], means.copy(), covs.copy())
    split = GaussianMixture([0.1, 0.1, 0.3, 0.5], means[[0, 0, 1, 2]], covs[[0, 0, 1, 2]])
    for q in (p, copy, split):  # the same object, an equal copy, a component written twice
        for div in (chi2(p, q), kl(p, q)):
            assert div.value == 0.0 and div.method == "closed-form" and div.n_samples == 0
    # a different law is not caught by the shortcut, and an explicit method still samples
    other = GaussianMixture([0.25, 0.25, 0.5], means, covs)
    assert chi2(p, other).method == "importance-sampling" and chi2(p, other).value > 0.0
    assert chi2(p, p, method="monte-carlo").n_samples > 0
