"""Laws: densities against scipy.stats, moments against sampling and total variance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from gaussian_oracle import Gaussian, GaussianMixture, as_mixture

from .helpers import random_gaussian, random_mixture


@pytest.mark.parametrize("d", [1, 2, 5])
def test_gaussian_logpdf_matches_scipy(rng, d):
    g = random_gaussian(rng, d)
    x = rng.standard_normal((50, d)) * 3
    ref = stats.multivariate_normal(g.mean, g.cov).logpdf(x)
    # both are Cholesky/eigh based log-densities of O(10) size: agreement to ~1e-13 relative;
    # 1e-10 allows for the condition number (<= 10) of the drawn covariances
    np.testing.assert_allclose(g.logpdf(x), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("d", [1, 3])
def test_mixture_logpdf_is_log_of_weighted_density_sum(rng, d):
    m = random_mixture(rng, d, 4)
    x = rng.standard_normal((40, d)) * 2
    dens = sum(
        w * stats.multivariate_normal(mu, s).pdf(x)
        for w, mu, s in zip(m.weights, m.means, m.covs, strict=True)
    )
    np.testing.assert_allclose(m.logpdf(x), np.log(dens), rtol=1e-10)  # same argument as above


def test_mixture_logpdf_is_stable_far_in_the_tails():
    m = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [1.0, 1.0])
    x = np.array([200.0])
    # every density underflows at x = 200; log-sum-exp keeps the dominant component exactly
    expected = np.log(0.5) + stats.norm(1.0, 1.0).logpdf(200.0) + np.log1p(np.exp(-400.0))
    assert float(m.logpdf(x)[0]) == pytest.approx(expected, rel=1e-14)


def test_one_dimensional_points_may_omit_the_trailing_axis():
    g = Gaussian(0.0, 2.0)
    x = np.array([0.0, 1.0, -2.0])
    np.testing.assert_array_equal(g.logpdf(x), g.logpdf(x[:, None]))
    assert g.logpdf(x).shape == (3,)
    assert g.logpdf(0.0).shape == ()


def test_mixture_mean_and_cov_law_of_total_variance():
    m = GaussianMixture([0.25, 0.75], [[0.0, 2.0], [4.0, -2.0]], [np.eye(2), 2 * np.eye(2)])
    np.testing.assert_allclose(m.mean, [3.0, -1.0])
    # within: 0.25 I + 1.5 I; between: 0.25*0.75*(4, -4)(4, -4)^T
    between = 0.25 * 0.75 * np.outer([4.0, -4.0], [4.0, -4.0])
    np.testing.assert_allclose(m.cov, 1.75 * np.eye(2) + between, rtol=1e-14)


@pytest.mark.parametrize("law_kind", ["gaussian", "mixture"])
def test_sample_moments_agree_with_exact_moments(rng, law_kind):
    law = random_gaussian(rng, 3) if law_kind == "gaussian" else random_mixture(rng, 3, 3)
    n = 200_000
    x = law.sample(n, np.random.default_rng(7))
    assert x.shape == (n, 3)
    cov = law.cov
    se_mean = np.sqrt(np.diag(cov) / n)
    # fixed seed; 5 standard errors leaves a false-alarm rate below 1e-6 per coordinate
    assert np.all(np.abs(x.mean(axis=0) - law.mean) < 5 * se_mean)
    # variance of a sample variance <= E[x^4]/n; bound it by 3 * (2 var)^2 generously
    se_var = np.sqrt(2.0 * 3.0 * np.diag(cov) ** 2 / n) * 2
    assert np.all(np.abs(x.var(axis=0) - np.diag(cov)) < 5 * se_var)


def test_sampling_is_reproducible_with_the_callers_generator():
    m = GaussianMixture([0.3, 0.7], [[0.0], [3.0]], [1.0, 0.5])
    a = m.sample(10, np.random.default_rng(3))
    b = m.sample(10, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


def test_laws_are_frozen_and_read_only():
    g = Gaussian([0.0, 0.0], np.eye(2))
    with pytest.raises(AttributeError):
        g.mean = np.ones(2)  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        g.mean[0] = 1.0
    m = as_mixture(g)
    with pytest.raises(ValueError, match="read-only"):
        m.covs[0, 0, 0] = 2.0


def test_inputs_are_copied_not_aliased():
    mean = np.zeros(2)
    g = Gaussian(mean, np.eye(2))
    mean[0] = 5.0
    assert g.mean[0] == 0.0


def test_equality_is_by_value():
    assert Gaussian(0.0, 1.0) == Gaussian([0.0], [[1.0]])
    assert Gaussian(0.0, 1.0) != Gaussian(0.0, 2.0)
    m = GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    assert m == GaussianMixture([0.5, 0.5], [[0.0], [1.0]], [[[1.0]], [[1.0]]])
    assert m != m.aged()


def test_round_off_asymmetry_is_symmetrised():
    s = np.array([[2.0, 0.3], [0.3 + 1e-14, 1.0]])
    g = Gaussian([0.0, 0.0], s)
    np.testing.assert_array_equal(g.cov, g.cov.T)


def test_shared_covariance_and_scalar_forms_are_broadcast():
    m = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], np.eye(2))
    assert m.covs.shape == (2, 2, 2)
    m1 = GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 2.0])
    assert m1.means.shape == (2, 1) and m1.covs.shape == (2, 1, 1)


def test_weights_within_tolerance_are_renormalised():
    m = GaussianMixture([0.5, 0.5 + 5e-10], [0.0, 1.0], [1.0, 1.0])
    assert np.sum(m.weights) == pytest.approx(1.0, abs=1e-15)


def test_ages_and_merging():
    g = Gaussian(0.0, 1.0)
    m = GaussianMixture([0.2, 0.3, 0.5], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0], ages=[1, 1, 2])
    merged = m.merged()
    assert merged.n_components == 2
    np.testing.assert_allclose(merged.weights, [0.5, 0.5])
    assert merged.ages.tolist() == [1, 2]
    # different ages are never merged
    m2 = GaussianMixture([0.5, 0.5], [0.0, 0.0], [1.0, 1.0], ages=[0, 1])
    assert m2.merged().n_components == 2
    # zero-weight components are dropped; the law is unchanged
    m3 = GaussianMixture([1.0, 0.0], [0.0, 5.0], [1.0, 1.0])
    assert m3.merged() == as_mixture(g)
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(m.merged().logpdf(x), m.logpdf(x), rtol=1e-14)


def test_component_and_responsibilities(rng):
    m = random_mixture(rng, 2, 3)
    x = rng.standard_normal((5, 2))
    r = m.responsibilities(x)
    np.testing.assert_allclose(r.sum(axis=0), 1.0, rtol=1e-14)
    joint = np.log(m.weights)[:, None] + m.component_logpdf(x)
    np.testing.assert_allclose(np.log(r), joint - m.logpdf(x)[None], atol=1e-12)
    np.testing.assert_allclose(m.component(1).logpdf(x), m.component_logpdf(x)[1], rtol=1e-14)


def test_laws_pickle_and_deepcopy_by_value():
    import copy
    import pickle

    m = GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 2.0], ages=[1, 2])
    for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert clone == m and clone.ages.tolist() == [1, 2]
        np.testing.assert_array_equal(clone.logpdf([0.3, 2.0]), m.logpdf([0.3, 2.0]))


def test_relabelled_and_merged_laws_keep_the_density_and_validate_ages():
    """with_ages / merged reuse the factorisation (no re-validation): the law must be unchanged
    and bad ages still rejected by the same rule as the constructor."""
    from gaussian_oracle import OracleDomainError

    m = GaussianMixture([0.25, 0.25, 0.5], [[0.0], [0.0], [2.0]], [1.0, 1.0, 0.5])
    x = np.linspace(-3, 4, 9)
    aged = m.with_ages([1, 1, 2])
    merged = aged.merged()
    assert merged.n_components == 2 and merged.ages.tolist() == [1, 2]
    # same components, weights summed: equal up to round-off of the log-sum-exp
    np.testing.assert_allclose(merged.logpdf(x), m.logpdf(x), rtol=1e-14)
    np.testing.assert_array_equal(aged.logpdf(x), m.logpdf(x))
    with pytest.raises(OracleDomainError, match=r"ages=.* must be 3 non-negative integers"):
        m.with_ages([1, -1, 0])
    with pytest.raises(OracleDomainError, match=r"ages=.* must be 2 non-negative integers"):
        GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 1.0], ages=[0.5, 1.0])


def test_the_log_sum_exp_of_logpdf_is_scipys_to_the_bit():
    """logpdf's log-sum-exp (max + log1p of the other terms, without scipy's dispatch) must be
    scipy's own, bit for bit, -inf columns included: a naive log(sum(exp)) changed the round-off
    of chi2 between laws equal but for round-off (thorough verify, exact-score, 5.8e-32)."""
    from scipy.special import logsumexp

    from gaussian_oracle._factors import log_sum_exp

    rng = np.random.default_rng(0)
    a = rng.normal(size=(7, 500)) * 30
    a[2, 5] = -np.inf
    a[:, 7] = -np.inf
    a[:, 8] = 0.0  # ties
    assert np.array_equal(log_sum_exp(a, 0), logsumexp(a, axis=0))
    assert np.array_equal(log_sum_exp(a.T, 1), logsumexp(a.T, axis=1))
