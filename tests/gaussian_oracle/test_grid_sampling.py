"""Exact draws and affine images of grid densities, against independent routes: quantiles of
the mixture's distribution function (scipy's normal cdf and brentq; in 2-D the marginal and
the conditional by adaptive quadrature) and the closed-form affine image of a mixture."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.stats import norm

from gaussian_oracle import GaussianMixture, OracleDomainError
from gaussian_oracle._grid import box_for
from gaussian_oracle._grid_sampling import affine_image, sample_grid, trig_eval
from gaussian_oracle._operations import push_forward

MIX1 = GaussianMixture([0.3, 0.7], [[-1.0], [1.5]], [[[0.4]], [[1.0]]])
MIX2 = GaussianMixture(
    [0.5, 0.5], [[-1.0, 0.0], [1.0, 0.5]], [np.array([[0.5, 0.2], [0.2, 0.6]]), 0.7 * np.eye(2)]
)


def _on(law):
    box = box_for([law])
    return box, np.exp(law.logpdf(box.points)).reshape(box.shape)


def test_one_dimensional_draws_are_the_mixture_quantiles():
    box, values = _on(MIX1)
    u = np.random.default_rng(1).random((40, 1))
    got = sample_grid(box, values, u)[:, 0]

    def cdf(z):
        return 0.3 * norm.cdf(z, -1.0, np.sqrt(0.4)) + 0.7 * norm.cdf(z, 1.5, 1.0)

    want = [brentq(lambda z, w=w: cdf(z) - w, -20.0, 20.0, xtol=1e-15) for w in u[:, 0]]
    # the interpolant is the density to the grid's aliasing error (~1e-15): measured 5e-15
    assert np.max(np.abs(got - want)) < 1e-12


def test_two_dimensional_draws_follow_the_marginal_then_the_conditional():
    box, values = _on(MIX2)
    u = np.random.default_rng(2).random((4, 2))
    got = sample_grid(box, values, u)

    def marginal(z):
        return sum(
            w * norm.cdf(z, m[0], np.sqrt(c[0, 0]))
            for w, m, c in zip(MIX2.weights, MIX2.means, MIX2.covs, strict=True)
        )

    def conditional(y, x0):
        def f(t):
            return float(np.exp(MIX2.logpdf(np.array([[x0, t]])))[0])

        return quad(f, -30.0, y, epsabs=1e-15, epsrel=1e-13)[0] / quad(f, -30.0, 30.0)[0]

    for (w0, w1), (x0, x1) in zip(u, got, strict=True):
        want0 = brentq(lambda z, w=w0: marginal(z) - w, -20.0, 20.0, xtol=1e-15)
        want1 = brentq(lambda z, w=w1, x=want0: conditional(z, x) - w, -20.0, 20.0, xtol=1e-14)
        assert abs(x0 - want0) < 1e-12  # measured 6e-16
        assert abs(x1 - want1) < 1e-10  # quad's own tolerance dominates (measured 1e-15)


def test_affine_image_and_interpolant_match_the_closed_forms():
    box, values = _on(MIX2)
    A, b = np.array([[0.8, 0.3], [-0.2, 1.1]]), np.array([0.3, -0.2])
    image = affine_image(box, values, A, b)
    want = np.exp(push_forward(MIX2, A, b).logpdf(box.points)).reshape(box.shape)
    assert np.max(np.abs(image - want)) < 1e-13 * want.max()  # measured 1.8e-15
    pts = np.random.default_rng(4).normal(size=(30, 2))
    assert np.allclose(trig_eval(box, values, pts), np.exp(MIX2.logpdf(pts)), rtol=0, atol=1e-14)
    assert trig_eval(box, values, np.array([[1e3, 0.0]]))[0] == 0.0  # outside the box
    with pytest.raises(OracleDomainError, match="invertible"):
        affine_image(box, values, np.zeros((2, 2)), 0.0)


def test_bad_uniforms_are_refused():
    box, values = _on(MIX1)
    with pytest.raises(OracleDomainError, match=r"u must have shape \(n, 1\)"):
        sample_grid(box, values, np.array([[1.0]]))
