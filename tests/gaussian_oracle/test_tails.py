"""The chi-square finiteness rule against independent brute-force checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gaussian_oracle import (
    Gaussian,
    GaussianMixture,
    chi2,
    chi2_tail_check,
    convolve,
    mix,
    ou_transition,
)

from .helpers import covariances, random_cov


def _brute_min_envelope(p_cov, q_covs, n_dir=20_000, seed=0):
    """min over random unit directions of max_l u^T (2 P_j - P_l) u (an upper bound on the min)."""
    rng = np.random.default_rng(seed)
    d = p_cov.shape[0]
    u = rng.standard_normal((n_dir, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    b = 2 * np.linalg.inv(p_cov)[None] - np.linalg.inv(q_covs)
    vals = np.einsum("ni,lij,nj->ln", u, b, u)
    return float(np.min(np.max(vals, axis=0)))


@given(s1=covariances(2, 0.2, 4.0), s0=covariances(2, 0.2, 4.0))
@example(s1=np.diag([2.0, 1.0]), s0=np.eye(2))  # exactly on the boundary: infinite
def test_gaussian_rule_is_two_s0_minus_s1_positive_definite(s1, s0):
    t = chi2_tail_check(Gaussian([0.0, 0.0], s1), Gaussian([1.0, 0.0], s0))
    lam = np.linalg.eigvalsh(2 * s0 - s1)
    scale = np.max(np.linalg.eigvalsh(np.linalg.inv(s1)))
    if abs(lam[0]) > 1e-8 * np.max(np.abs(lam)) * scale:  # away from round-off boundary
        assert t.finite == (lam[0] > 0)
    if not t.finite:
        assert t.exact and "chi2 = +inf" in t.reason
        assert chi2(Gaussian([0.0, 0.0], s1), Gaussian([1.0, 0.0], s0)).value == np.inf


def test_1d_mixture_rule_is_variance_below_twice_the_widest():
    q = GaussianMixture([0.5, 0.5], [0.0, 3.0], [1.0, 2.0])
    assert chi2_tail_check(Gaussian(0.0, 3.9), q).finite
    assert not chi2_tail_check(Gaussian(0.0, 4.1), q).finite
    d = chi2(GaussianMixture([0.9, 0.1], [0.0, 1.0], [0.5, 4.5]), q)
    assert d.value == np.inf and d.method == "tail-rule" and "component 1" in d.reason


def test_commuting_envelope_needs_the_linear_program():
    # no single component of q covers p (each B_l is indefinite) but together they do
    q = GaussianMixture([0.5, 0.5], [[0, 0], [0, 0]], [np.diag([1.0, 4.0]), np.diag([4.0, 1.0])])
    finite = chi2_tail_check(Gaussian([0, 0], 2.5 * np.eye(2)), q)
    assert finite.finite and finite.cover[0] == -1
    # exact envelope minimum: at u_i^2 = 1/2, 0.5 (2/2.5 - 1) + 0.5 (2/2.5 - 0.25) = 0.175
    assert finite.tail_precision[0] == pytest.approx(0.175, rel=1e-9)
    infinite = chi2_tail_check(Gaussian([0, 0], 3.5 * np.eye(2)), q)
    assert not infinite.finite and infinite.exact
    np.testing.assert_allclose(np.abs(infinite.direction), [np.sqrt(0.5)] * 2, atol=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_two_dimensional_scan_agrees_with_brute_force_directions(seed):
    rng = np.random.default_rng(seed)
    q_covs = np.array([random_cov(rng, 2, 0.5, 4.0) for _ in range(3)])
    p_cov = random_cov(rng, 2, 0.5, 6.0)
    q = GaussianMixture(np.ones(3) / 3, np.zeros((3, 2)), q_covs)
    # a deterministic grid of 10^6 angles on the half circle: spacing 3.1e-6 rad, so the grid
    # minimum exceeds the true minimum by at most (max slope ~ 20) x 1.6e-6 < 1e-4
    theta = np.linspace(0.0, np.pi, 1_000_000, endpoint=False)
    u = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    b = 2 * np.linalg.inv(p_cov)[None] - np.linalg.inv(q_covs)
    brute = float(np.min(np.max(np.einsum("ni,lij,nj->ln", u, b, u), axis=0)))
    t = chi2_tail_check(Gaussian([0.0, 0.0], p_cov), q)
    if abs(brute) > 1e-4:
        assert t.finite == (brute > 0)
    if t.finite and t.cover[0] < 0:  # the envelope value is the exact minimum
        assert 0.0 <= brute - t.tail_precision[0] <= 1e-4


@pytest.mark.parametrize("seed", range(12))
def test_three_dimensional_general_case_agrees_with_brute_force(seed):
    rng = np.random.default_rng(50 + seed)
    k = 2 + seed % 2
    q_covs = np.array([random_cov(rng, 3, 0.5, 4.0) for _ in range(k)])
    p_cov = random_cov(rng, 3, 0.5, 6.0)
    q = GaussianMixture(np.ones(k) / k, np.zeros((k, 3)), q_covs)
    brute = _brute_min_envelope(p_cov, q_covs, n_dir=200_000)
    t = chi2_tail_check(Gaussian(np.zeros(3), p_cov), q)
    if brute < -1e-3:  # a direction of heavier tails exists: must be infinite
        assert not t.finite
    if brute > 1e-2:  # 2e5 directions in 3-D resolve the minimum to ~1e-3: must be finite
        assert t.finite


def test_early_stopping_with_small_data_variance_becomes_infinite():
    """THEORY.md §5: data variance <= 1/2, exact score, early stopping: D_i = inf eventually."""
    data, t0, alpha = Gaussian(0.0, 0.4), 0.02, 0.5
    p_hat = data
    first = None
    for i in range(1, 100):
        p_hat = ou_transition(mix(alpha, data, p_hat), t0).merged()
        if not chi2(p_hat, data).finite:
            first = i
            break
    # component of age k has variance 1 - 0.6 e^{-0.02 k}; infinite once >= 0.8, i.e. k >= 55
    assert first == int(np.ceil(np.log(0.6 / 0.2) / t0))


def test_kde_bandwidth_at_least_sigma_is_infinite_at_once():
    data = Gaussian(0.0, 0.49)
    assert chi2(convolve(data, 0.69), data).finite
    d = chi2(convolve(data, 0.7), data)  # h = sigma: exactly on the boundary, exact infinity
    assert not d.finite and "singular" in d.reason
    assert not chi2(convolve(data, 0.8), data).finite


def test_boundary_against_a_mixture_is_reported_conservatively():
    # 1-D: widest components of q have variance exactly 2 var_p; finiteness depends on the
    # sub-leading terms, so the rule reports +inf with exact=False
    q = GaussianMixture([0.5, 0.5], [-5.0, 5.0], [2.0, 2.0])
    t = chi2_tail_check(Gaussian(0.0, 4.0), q)
    assert not t.finite and not t.exact and "conservatively" in t.reason


def test_infinite_divergence_in_high_dimension_is_never_estimated():
    q = GaussianMixture([0.5, 0.5], np.zeros((2, 5)), [np.eye(5), 1.5 * np.eye(5)])
    d = chi2(Gaussian(np.zeros(5), 3.5 * np.eye(5)), q)
    assert d.value == np.inf and d.method == "tail-rule" and d.n_samples == 0


@given(v=st.floats(0.1, 10.0), h=st.floats(0.0, 5.0))
def test_zero_weight_components_are_ignored_by_the_rule(v, h):
    """A zero-weight component with heavier tails than q (variance 2.5 + h > 2) changes
    nothing: the verdict is that of the live component of variance v alone (finite iff v < 2,
    away from the boundary)."""
    if abs(v - 2.0) < 1e-6:
        return
    law = GaussianMixture([1.0, 0.0], [0.0, 0.0], [v, 2.5 + h])
    verdict = chi2_tail_check(law, Gaussian(0.0, 1.0)).finite
    assert verdict == chi2_tail_check(Gaussian(0.0, v), Gaussian(0.0, 1.0)).finite
    assert verdict == (v < 2.0)


@pytest.mark.parametrize("var", [1.9, 2.0, 2.05, 2.15, 2.6])
def test_three_non_commuting_components_in_3d(var):
    """Wide axes along e1, e2 and (1, 1, 1)/sqrt(3): only a combination of q covers p."""
    axes = [np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), np.ones(3) / np.sqrt(3)]
    q_covs = np.array([np.eye(3) + 3.0 * np.outer(a, a) for a in axes])
    q = GaussianMixture(np.ones(3) / 3, np.zeros((3, 3)), q_covs)
    p_cov = var * np.eye(3)
    brute = _brute_min_envelope(p_cov, q_covs, n_dir=400_000)
    t = chi2_tail_check(Gaussian(np.zeros(3), p_cov), q)
    assert abs(brute) > 1e-2  # the chosen variances stay clear of the boundary
    assert t.finite == (brute > 0)
    if t.finite:
        # certified lower bound on the envelope minimum; brute force is an upper bound
        assert 0.0 < t.tail_precision[0] <= brute + 1e-12
        # var >= 2: every single 2 P_p - P_l is indefinite, only the cutting planes certify
        assert (t.cover[0] == -1) == (var >= 2.0)
    else:
        assert t.exact
