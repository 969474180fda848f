"""Properties of the divergences drawn over their domain with hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gaussian_oracle import Gaussian, GaussianMixture, chi2, kl, mix, ou_transition

from .helpers import gaussians, mixtures

dims = st.integers(1, 3)
alphas = st.floats(0.0, 1.0)


@st.composite
def gaussian_pairs(draw, lo=0.2, hi=3.0):
    d = draw(dims)
    return draw(gaussians(d, lo, hi)), draw(gaussians(d, lo, hi))


@st.composite
def mixture_gaussian_pairs(draw):
    d = draw(dims)
    return draw(mixtures(d, 3)), draw(gaussians(d))


@given(pair=gaussian_pairs())
def test_chi2_nonnegative_and_zero_only_for_equal_laws(pair):
    p, q = pair
    assert chi2(p, p).value == 0.0 and kl(p, p).value == 0.0
    c = chi2(p, q).value
    assert c >= 0.0
    if not (np.allclose(p.mean, q.mean, atol=1e-6) and np.allclose(p.cov, q.cov, atol=1e-6)):
        assert c > 0.0 and kl(p, q).value > 0.0


@given(pair=mixture_gaussian_pairs())
@example(  # found by hypothesis: p == q written as a two-component mixture, KL is round-off
    pair=(GaussianMixture([0.5, 0.5], [0.0, 0.0], [1.0, 1.0]), Gaussian(0.0, 1.0))
)
def test_kl_below_log_one_plus_chi2(pair):
    # Jensen: KL = E_p log(p/q) <= log E_p(p/q) = log(1 + chi2); closed forms on both sides,
    # so a relative slack of 1e-12 covers their round-off
    p, q = pair
    k = kl(p, q, method="monte-carlo", n_samples=2000) if p.n_components > 1 else kl(p, q)
    c = chi2(p, q).value
    if p.n_components > 1:  # KL estimated: compare with a 5 standard-error allowance
        # plus 1e-12 absolute: each log-density difference carries ~1e-15 round-off
        assert k.value - 5 * k.abs_error <= np.log1p(c) * (1 + 1e-12) + 1e-12
    else:
        assert k.value <= np.log1p(c) * (1 + 1e-12) + 1e-15


@settings(max_examples=25)
@given(p=mixtures(1, 3), q=mixtures(1, 2, lo=0.5))
def test_kl_below_log_one_plus_chi2_for_mixtures_by_quadrature(p, q):
    c, k = chi2(p, q), kl(p, q)
    if c.finite:  # both by cubature: allow the reported errors
        assert k.value - k.abs_error <= np.log1p(c.value + c.abs_error) + 1e-10


@given(pair=mixture_gaussian_pairs(), t=st.floats(0.0, 3.0))
def test_data_processing_under_the_ou_transition(pair, t):
    p, q = pair
    before, after = chi2(p, q), chi2(ou_transition(p, t), ou_transition(q, t))
    # closed forms on both sides; 1e-12 relative slack for round-off (equality at t = 0)
    assert after.value <= before.value * (1 + 1e-12) + 1e-14


@given(pair=mixture_gaussian_pairs(), alpha=alphas)
def test_lemma_f1_mixing_identity(pair, alpha):
    """chi2(alpha p + (1 - alpha) q || p) = (1 - alpha)^2 chi2(q || p), p Gaussian, q mixture."""
    q, p = pair
    lhs, rhs = chi2(mix(alpha, p, q), p), chi2(q, p)
    assert lhs.method == rhs.method == "closed-form" or not rhs.finite
    if not rhs.finite:
        assert lhs.value == (np.inf if alpha < 1 else 0.0)
        return
    # both sides are sums of pairwise closed forms then expm1: absolute error ~1e-15 in
    # log(1 + chi2), i.e. 1e-13 absolute after allowing a hundred ulps, plus 1e-11 relative
    assert abs(lhs.value - (1 - alpha) ** 2 * rhs.value) <= 1e-13 + 1e-11 * rhs.value


@settings(max_examples=20)
@given(p=mixtures(1, 2, lo=0.5), q=mixtures(1, 2, lo=0.3, hi=1.5), alpha=st.floats(0.05, 0.95))
@example(  # found by hypothesis: q == p, both sides are round-off around 0
    p=GaussianMixture([1.0], [0.0], [1.0]), q=GaussianMixture([1.0], [0.0], [1.0]), alpha=0.875
)
def test_lemma_f1_with_a_mixture_reference_by_quadrature(p, q, alpha):
    lhs, rhs = chi2(mix(alpha, p, q), p), chi2(q, p)
    if not rhs.finite:
        assert not lhs.finite
        return
    err = lhs.abs_error + (1 - alpha) ** 2 * rhs.abs_error
    # cubature error estimates at rtol 1e-10 plus the same relative allowance; 1e-14 absolute
    # for closed forms (one-component p) whose log-sum-exp of O(1) terms rounds near 0
    assert abs(lhs.value - (1 - alpha) ** 2 * rhs.value) <= 10 * err + 1e-9 * rhs.value + 1e-14


def test_lemma_f1_at_alpha_one_is_zero():
    p = Gaussian([0.0, 1.0], np.eye(2))
    assert chi2(mix(1.0, p, Gaussian([3.0, 0.0], 2 * np.eye(2))), p).value == 0.0
