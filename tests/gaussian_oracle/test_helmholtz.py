"""The weighted Helmholtz split (THEORY.md §6b) along independent routes.

* Gaussian marginal, affine error: the weighted Poisson solve on the grid against the
  closed-form Lyapunov (Sylvester) solution;
* a nonlinear error on a mixture made of a known gradient (tanh) and a known solenoidal part
  (the rotated score): the split returns each, and on the grid engine the Fisher information
  is the gradient part's, eps_star2 the sum of the parts' energies;
* the rotated score: all solenoidal;
* the gradient part tabulated in time (GradientTable) as the grid engine's error field,
  against the engine on the known gradient part;
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
    GradientPart,
    GradientTable,
    GridOracle,
    LinearGaussianOracle,
    OracleDomainError,
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
    # both exact for the band-limited grid problem: the Poisson solve (CG to 1e-12, spectral
    # in space) and Sylvester; measured 2e-14
    assert rel < 1e-12
    assert sp.change < 1e-11 and sp.iterations > 0


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


MIX = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.5]], [0.5 * np.eye(2), 0.7 * np.eye(2)])


class _Sum:
    """``tanh + rotated score``: a gradient (``tanh`` componentwise is ``grad sum log cosh``)
    plus a field with ``div(q_s r) = 0``: the split must return each part."""

    def __init__(self, law, c_tanh=0.3, c_rot=0.5):
        self.tanh, self.rot = Tanh(c_tanh), RotatedScore(law, c_rot)

    def __call__(self, y, s):
        return self.tanh(y, s) + self.rot(y, s)


def test_a_nonlinear_error_on_a_mixture_splits_into_its_known_parts():
    s = 0.3
    err = _Sum(MIX)
    sp = helmholtz_split(err, MIX, s)
    pts = sp.box.points
    rho = np.exp(ou_transition(MIX, s).logpdf(pts)) * sp.box.cell
    grad = np.moveaxis(sp.gradient.reshape(2, -1), 0, -1)
    sol = np.moveaxis(sp.solenoidal.reshape(2, -1), 0, -1)

    def rel(got, want):
        return np.sqrt(np.sum(rho[:, None] * (got - want) ** 2) / np.sum(rho[:, None] * want**2))

    # the automatic grid resolves sqrt(q_s) e to 0.1 sqrt(tol): pointwise ~1e-7 at most
    assert rel(grad, err.tanh(pts, s)) < 1e-7
    assert rel(sol, err.rot(pts, s)) < 1e-7
    energy = float(np.sum(rho[:, None] * err.tanh(pts, s) ** 2))
    assert sp.gradient_energy == pytest.approx(energy, rel=sp.change + 1e-12)
    assert sp.change < 1e-10
    # (the polynomial least squares this replaced put 5e-5 of tanh's energy in a solenoidal
    # part that does not exist)


def test_gradient_part_as_a_field_at_grid_and_scattered_points():
    part = GradientPart(_Sum(MIX), MIX)
    rng = np.random.default_rng(3)
    y = rng.normal(size=(40, 2))
    want = Tanh(0.3)(y, 0.4)
    assert np.max(np.abs(part(y, 0.4) - want)) < 1e-7  # trigonometric interpolation
    from gaussian_oracle._grid import Box

    grid = Box([-6.0, -6.0], [6.0, 6.0], [96, 96])  # a sub-grid of the split's grid
    rho = np.exp(ou_transition(MIX, 0.4).logpdf(grid.points))
    got = part(grid.points, 0.4)
    inside = rho > 1e-6 * rho.max()
    assert np.max(np.abs(got - Tanh(0.3)(grid.points, 0.4))[inside]) < 1e-7


def test_the_grid_engine_sees_only_the_gradient_part_of_a_nonlinear_error():
    """On the grid oracle (independent of the split: an ODE for the tangent, quadrature of the
    energies): the Fisher information of tanh + rotated equals tanh's, and eps_star2 of each
    error equals the split's energies (Gauss-Legendre over s of the Poisson solves)."""
    law = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.5]], [1.5 * np.eye(2)] * 2)
    diffusion = Diffusion(T=0.6, t0=0.2, init="exact")  # short: the 2-D solves stay ~6 s each
    err = _Sum(law)
    scale = 0.01
    full = GridOracle(law, diffusion, err, rtol=1e-6).solve(scale)
    grad = GridOracle(law, diffusion, err.tanh, rtol=1e-6).solve(scale)

    def fisher(sol):
        return sol.eta.value * sol.eps_star2.value, sol.eta.abs_error * sol.eps_star2.value

    (f_full, e_full), (f_grad, e_grad) = fisher(full), fisher(grad)
    assert abs(f_full - f_grad) <= e_full + e_grad
    assert full.eta.value < 0.5 * grad.eta.value  # the solenoidal part dilutes eta
    g_energy, s_energy, change = split_energies(err, law, 0.2, 0.6, nodes=8, tol=1e-10)
    # 8 Gauss-Legendre nodes on a smooth integrand over [0.2, 0.6]: far below 1e-12
    for sol, want in ((grad, g_energy), (full, g_energy + s_energy)):
        assert sol.eps_star2.value == pytest.approx(
            scale**2 * want, rel=change + 1e-12 + sol.eps_star2.abs_error / sol.eps_star2.value
        )


class _Wave:
    """``c grad(sin(y1 / 2) sin(y2 / 3))``: an entire gradient field (cheap to resolve)."""

    def __init__(self, c):
        self.c = c

    def __call__(self, y, s):
        a, b = y[:, 0] / 2.0, y[:, 1] / 3.0
        return self.c * np.stack([np.cos(a) * np.sin(b) / 2.0, np.sin(a) * np.cos(b) / 3.0], 1)


class _Plus:
    def __init__(self, f, g):
        self.f, self.g = f, g

    def __call__(self, y, s):
        return self.f(y, s) + self.g(y, s)


def test_the_grid_engine_runs_on_the_tabulated_gradient_part():
    """The engine on GradientTable(wave + rotated) against the engine on the wave (its gradient
    part, known in closed form): every value within the two stated errors (the table's own
    accuracy, ~1e-10 of the field, moves them by less); the full error has the solenoidal
    energy on top."""
    diffusion = Diffusion(T=0.6, t0=0.1, init="exact")  # short: 17 Poisson solves per grid
    wave = _Wave(0.4)
    err = _Plus(wave, RotatedScore(DATA, 0.5))
    table = GradientTable(err, DATA, diffusion, rtol=1e-8, tol=1e-10)
    got = GridOracle(DATA, diffusion, table, rtol=1e-6).solve(0.05)
    want = GridOracle(DATA, diffusion, wave, rtol=1e-6).solve(0.05)
    for name in ("eps_star2", "eps_hat2", "eta", "chi2", "kl"):
        a, b = getattr(got, name), getattr(want, name)
        assert abs(a.value - b.value) <= a.abs_error + b.abs_error, (name, a, b)
    assert table.accuracy and all(acc <= 1e-8 for _, acc in table.accuracy.values())
    full = GridOracle(DATA, diffusion, err, rtol=1e-6).solve(0.05)
    assert full.eps_star2.value > 10.0 * got.eps_star2.value  # the table is not the error


def test_gradient_table_refuses_bad_input():
    with pytest.raises(OracleDomainError, match="diffusion"):
        GradientTable(Tanh(0.3), DATA, "exact")
    with pytest.raises(OracleDomainError, match="rtol"):
        GradientTable(Tanh(0.3), DATA, Diffusion(), rtol=0.0)
