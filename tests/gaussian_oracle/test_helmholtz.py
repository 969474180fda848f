"""The weighted Helmholtz split (THEORY.md §6b) along independent routes.

* Gaussian marginal, affine error: the least-squares split on the grid against the closed-form
  Lyapunov (Sylvester) solution;
* the rotated score: all solenoidal;
* the statement itself, on the exact linear engine: the Fisher information of the full error
  equals that of its gradient part (first order), chi2 agrees to O(eps) only (the solenoidal
  part acts at second order), and eps_star2 of the full error is larger by the solenoidal
  energy.
"""

from __future__ import annotations

import numpy as np
import pytest

from gaussian_oracle import (
    AffineError,
    Diffusion,
    Gaussian,
    GaussianMixture,
    LinearGaussianOracle,
    RotatedScore,
    Tanh,
    affine_gradient_part,
    helmholtz_split,
    ou_transition,
    split_energies,
)

DATA = Gaussian([0.3, -0.2], [[1.0, 0.3], [0.3, 0.6]])
E = np.array([[0.2, -0.7], [0.4, 0.1]])


def test_grid_split_of_an_affine_error_is_the_lyapunov_solution():
    s = 0.7
    marg = ou_transition(DATA, s)
    b = np.array([0.1, 0.2])
    sp = helmholtz_split(AffineError(W=E, xi=b - E @ marg.mean), DATA, s)
    want = b + (sp.box.points - marg.mean) @ affine_gradient_part(marg, E).T
    got = np.moveaxis(sp.gradient.reshape(2, -1), 0, -1)
    rho = np.exp(marg.logpdf(sp.box.points))
    rel = np.sqrt(np.sum(rho[:, None] * (got - want) ** 2) / np.sum(rho[:, None] * want**2))
    assert rel < 1e-12  # both exact: least squares on a degree-2 potential, and Sylvester
    assert sp.degree == 1 or sp.degree == 2


def test_rotated_score_is_all_solenoidal_and_one_dimension_all_gradient():
    sp = helmholtz_split(RotatedScore(DATA, 1.0), DATA, 0.5)
    assert sp.gradient_energy < 1e-20 * sp.solenoidal_energy
    one = helmholtz_split(Tanh(0.3), Gaussian(0.0, 0.5), 0.5)
    assert one.solenoidal_energy == 0.0 and one.gradient_energy > 0.0


@pytest.mark.parametrize("init", ["exact"])
def test_the_endpoint_sees_only_the_gradient_part(init):
    diffusion = Diffusion(T=2.0, t0=0.05, init=init)

    def S(s):
        return affine_gradient_part(ou_transition(DATA, s), E)

    def offset(s):  # E x = E (x - m_s) + E m_s: the constant is a gradient already
        m = ou_transition(DATA, s).mean
        return E @ m - S(s) @ m

    def both(scale):
        return [
            LinearGaussianOracle(DATA, diffusion, err).solve(scale, rtol=3e-14)
            for err in (AffineError(W=E), AffineError(W=S, xi=offset))
        ]

    full, grad = both(0.3)
    # first order: the tangent sees only the gradient part, so the Fisher information
    # (eta eps_star2) is the same, and eta scales inversely with the energies
    fisher_full, fisher_grad = full.eta * full.eps_star2, grad.eta * grad.eps_star2
    assert fisher_full == pytest.approx(fisher_grad, rel=1e-9)
    # beyond first order the solenoidal part does move the endpoint (THEORY.md §6b reads it
    # for purely solenoidal errors): the chi2 ratio tends to 1 like O(eps), not exactly
    gaps = []
    for scale in (0.3, 0.03, 0.003):
        f, g = both(scale)
        gaps.append(abs(f.chi2.value / g.chi2.value - 1.0))
    assert gaps[0] > 1e-3 and gaps[1] < gaps[0] / 5 and gaps[2] < gaps[1] / 5
    g_energy, s_energy, change = split_energies(AffineError(W=E), DATA, 0.05, 2.0)
    assert change < 1e-10
    # eps_star2 at scale 0.3 is 0.09 times the unit-scale energy of each part
    assert grad.eps_star2 == pytest.approx(0.09 * g_energy, rel=1e-9)
    assert full.eps_star2 == pytest.approx(0.09 * (g_energy + s_energy), rel=1e-9)


def test_a_nonlinear_error_on_a_mixture_reports_its_achieved_accuracy():
    mix = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.5]], [0.5 * np.eye(2), 0.7 * np.eye(2)])
    sp = helmholtz_split(Tanh(0.3), mix, 0.3, tol=1e-4)
    assert sp.change <= 1e-4 and sp.solenoidal_energy > 0.0
    total = sp.gradient_energy + sp.solenoidal_energy
    e = np.moveaxis((sp.gradient + sp.solenoidal).reshape(2, -1), 0, -1)
    rho = np.exp(ou_transition(mix, 0.3).logpdf(sp.box.points)) * sp.box.cell
    # orthogonal split: the energies add up (Pythagoras in L^2(rho)), to the fit's accuracy
    assert total == pytest.approx(float(np.sum(rho[:, None] * e * e)), rel=1e-6)
