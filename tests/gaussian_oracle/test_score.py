"""The exact score is the gradient of the log-density of P_t(law): two independent routes."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from gaussian_oracle import Gaussian, GaussianMixture, ou_transition, score

from .helpers import mixtures


@given(law=mixtures(2), t=st.floats(0.0, 3.0), data=st.data())
def test_score_is_finite_difference_gradient_of_logpdf(law, t, data):
    x = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=2, max_size=2)))
    marginal = ou_transition(law, t)
    h = 1e-5
    fd = np.array(
        [(marginal.logpdf(x + h * e) - marginal.logpdf(x - h * e)) / (2 * h) for e in np.eye(2)]
    )
    # central differences: truncation h^2 |f'''| / 6 <= 1e-10 * 100 (third derivatives of the
    # log-density are bounded by ~100 for covariances >= 0.2) plus round-off eps|f|/h ~ 1e-10
    np.testing.assert_allclose(score(law, x, t), fd, rtol=1e-6, atol=1e-6)


def test_score_matches_symbolic_derivative_of_a_1d_mixture():
    x, t = sp.symbols("x t", real=True)
    w, m, v = [0.3, 0.7], [-1.0, 2.0], [0.5, 1.5]
    # P_t maps N(m, v) to N(e^{-t/2} m, e^{-t} v + 1 - e^{-t})
    dens = sum(
        wk
        * sp.exp(-((x - sp.exp(-t / 2) * mk) ** 2) / (2 * (sp.exp(-t) * vk + 1 - sp.exp(-t))))
        / sp.sqrt(2 * sp.pi * (sp.exp(-t) * vk + 1 - sp.exp(-t)))
        for wk, mk, vk in zip(w, m, v, strict=True)
    )
    sym = sp.lambdify((x, t), sp.diff(sp.log(dens), x), "mpmath")
    law = GaussianMixture(w, m, v)
    for xv, tv in [(-2.0, 0.0), (0.3, 0.1), (1.7, 1.0), (4.0, 2.5)]:
        # double precision vs 15-digit mpmath: agreement to a few ulps of O(1) values
        assert float(score(law, xv, tv)[0]) == pytest.approx(
            float(sym(xv, tv)), rel=1e-12, abs=1e-13
        )


def test_score_in_the_far_tail_follows_the_widest_component():
    law = GaussianMixture([0.5, 0.5], [0.0, 0.0], [1.0, 4.0])
    # at x = 1e3 both densities underflow; the responsibility of the wide component is 1 - 1e-...
    assert float(score(law, 1e3)[0]) == pytest.approx(-1e3 / 4.0, rel=1e-14)
    assert np.all(np.isfinite(score(law, np.array([-1e4, 1e4]))))


def test_score_of_gaussian_is_linear_and_shapes_are_kept(rng):
    g = Gaussian([1.0, -1.0], [[2.0, 0.5], [0.5, 1.0]])
    x = rng.standard_normal((4, 3, 2))
    s = score(g, x, 0.0)
    assert s.shape == (4, 3, 2)
    expected = -(x - g.mean) @ np.linalg.inv(g.cov).T
    np.testing.assert_allclose(s, expected, rtol=1e-12, atol=1e-12)
    assert score(Gaussian(0.0, 1.0), np.array([0.5, 1.0])).shape == (2, 1)


@pytest.mark.parametrize("t", [0.0, 0.7])
def test_the_shared_covariance_fast_path_is_the_gradient_of_logpdf(t):
    """Components sharing one covariance (a KDE, the paper's geometry) take the whitened fast
    path: it must be the central finite difference of logpdf (step 1e-5: truncation ~1e-10
    relative, round-off ~1e-11), also beside points so far out that it hands them back."""
    rng = np.random.default_rng(8)
    d = 4
    a = rng.normal(size=(d, d)) / 2
    law = GaussianMixture(rng.dirichlet(np.ones(6)), rng.normal(size=(6, d)), a @ a.T + np.eye(d))
    x = rng.normal(size=(50, d)) * 2
    got = score(law, x, t)
    marg = ou_transition(law, t)
    from gaussian_oracle._score import marginal_score

    assert marginal_score(marg, x) is not None  # the fast path is the one tested here
    h = 1e-5
    for k in range(d):
        step = np.zeros(d)
        step[k] = h
        fd = (marg.logpdf(x + step) - marg.logpdf(x - step)) / (2 * h)
        np.testing.assert_allclose(got[:, k], fd, rtol=1e-7, atol=1e-8)
    far = np.array([[1e160, 0.0, 0.0, 0.0]])
    assert marginal_score(marg, far) is None  # |z|^2 overflows: handed to the general path
    out = score(law, far, t)
    assert np.all(np.isfinite(out)) and out[0, 0] < 0


def test_the_isotropic_fast_paths_match_independent_formulas():
    """Components sd_k^2 I (distinct sd_k) in d = 5: the score by the expansion (one matrix
    product), logpdf by the elementwise whitening; logpdf against scipy's multivariate normal
    summed by logaddexp (1e-12 absolute: round-off of sums of ~30 terms), the score against
    central differences of scipy's logpdf (step 1e-5: ~1e-9). Far points fall back to the exact
    path (finite, right sign)."""
    from scipy.stats import multivariate_normal

    from gaussian_oracle._factors import isotropic_squares

    rng = np.random.default_rng(9)
    d, k = 5, 6
    sds = rng.uniform(0.3, 1.5, k)
    law = GaussianMixture(
        rng.dirichlet(np.ones(k)), rng.normal(size=(k, d)), [s * s * np.eye(d) for s in sds]
    )
    x = rng.normal(size=(40, d)) * 1.5
    assert isotropic_squares(law.means, 1.0 / sds, x) is not None  # the fast path applies

    def ref_logpdf(y):
        parts = [
            np.log(w) + multivariate_normal(m, c).logpdf(y)
            for w, m, c in zip(law.weights, law.means, law.covs, strict=True)
        ]
        return np.logaddexp.reduce(np.array(parts), axis=0)

    np.testing.assert_allclose(law.logpdf(x), ref_logpdf(x), rtol=0, atol=1e-12)
    got = score(law, x)
    h = 1e-5
    for j in range(d):
        step = np.zeros(d)
        step[j] = h
        fd = (ref_logpdf(x + step) - ref_logpdf(x - step)) / (2 * h)
        np.testing.assert_allclose(got[:, j], fd, rtol=1e-7, atol=1e-8)
    far = np.full((1, d), 1e3)
    assert isotropic_squares(law.means, 1.0 / sds, far) is None
    out = score(law, far)
    assert np.all(np.isfinite(out)) and np.all(out < 0)
