"""The grid engine (THEORY.md §6b) against independent routes.

* Gaussian data and affine errors: the exact linear engine (moment and sensitivity ODEs);
* a nonlinear error: the Monte Carlo engine (within 4 standard errors plus its Richardson
  bias) and the Fisher information from Richardson-extrapolated finite differences of chi2 in
  the error scale (the learned density, not the tangent equation);
* the rotated score: invisible by the divergence identity, with a closed-form energy.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from gaussian_oracle import (
    AffineError,
    Aligned,
    Box,
    Diffusion,
    Gaussian,
    GaussianMixture,
    GridLaw,
    GridOracle,
    LinearGaussianOracle,
    OracleDomainError,
    OracleShapeError,
    RotatedScore,
    ScoreDifference,
    Tanh,
    TimeOnly,
    convolve,
    ou_transition,
    simulate_reverse,
    solve_generation,
    supporting_engines,
)

SHORT = {"T": 2.0, "t0": 0.05}  # a shorter horizon: fewer time steps, same equations
BIMODAL = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [0.25, 0.25])


def _close(got, want, rtol):
    """``got`` (an Estimate) within ``rtol`` of ``want`` and within its own stated error (plus
    1e-13 of the value: the linear engine at rtol 3e-14, see :func:`_linear`)."""
    assert abs(got.value - want) <= rtol * abs(want) + 1e-300, (got, want)
    assert abs(got.value - want) <= got.abs_error + 1e-13 * abs(want) + 1e-300, (got, want)


def _linear(data, diffusion, error, scale):
    """The linear engine at its tightest rtol: at the default 1e-12 its eta is off by 2e-12,
    more than the grid engine's error."""
    return LinearGaussianOracle(data, diffusion, error).solve(scale, rtol=3e-14)


@pytest.mark.parametrize("init", ["exact", "standard"])
@pytest.mark.parametrize(
    "error",
    [AffineError(W=-0.3, xi=0.2), AffineError(xi=lambda s: np.array([np.cos(s)]))],
    ids=["affine", "time-only"],
)
def test_one_dimension_agrees_with_the_linear_engine_to_1e10(init, error):
    data, diffusion = Gaussian(0.3, 0.5), Diffusion(init=init)
    lin = _linear(data, diffusion, error, 0.5)
    sol = GridOracle(data, diffusion, error).solve(0.5)
    assert sol.engine == "grid" and sol.eta.method == "grid" and sol.eta.kind == "estimate"
    # 1e-10: the issue's target in 1-D (measured: 1e-12 .. 1e-15)
    for name in ("eps_star2", "eta", "eps_hat2", "path_kl", "kl", "chi2"):
        _close(getattr(sol, name), float(getattr(lin, name)), 1e-10)
    law = sol.learned_endpoint
    assert isinstance(law, GridLaw)
    assert abs(law.box.integrate(law.values) - 1.0) < 1e-12  # mass conserved
    assert np.allclose(law.mean, lin.learned_endpoint.mean, rtol=0, atol=1e-11)
    assert np.allclose(law.cov, lin.learned_endpoint.cov, rtol=0, atol=1e-11)
    fisher = sol.native.endpoint_fisher.value
    assert fisher == pytest.approx(lin.eta * lin.eps_star2 / 0.25, rel=1e-10)


def test_wider_learned_law_reports_its_chi2_tail_honestly():
    """A learned law wider than the ideal one: chi2's integrand decays slower than the ideal
    density, so the grid resolves it only to the tail estimate, which must cover the error."""
    data, diffusion, error = Gaussian(0.3, 0.5), Diffusion(init="exact"), AffineError(W=0.3)
    lin = _linear(data, diffusion, error, 0.5)
    sol = GridOracle(data, diffusion, error).solve(0.5)
    assert abs(sol.chi2.value - lin.chi2.value) <= sol.chi2.abs_error
    _close(sol.eta, lin.eta, 1e-10)  # the tangent is resolved: u / rho_0 is a polynomial


def test_tanh_error_agrees_with_monte_carlo_and_finite_differences():
    data, diffusion, error = BIMODAL, Diffusion(init="exact", **SHORT), Tanh(0.3)
    # rtol 1e-7: nothing below asks for more than 1e-6 (the default 1e-10 takes 30 s)
    oracle = GridOracle(data, diffusion, error, rtol=1e-7)
    sol = oracle.solve(1.0)
    mc = simulate_reverse(
        data, diffusion, error, n_paths=20_000, n_steps=100, rng=np.random.default_rng(1)
    )
    for name in ("eps_star2", "eps_hat2"):
        got, est = getattr(sol, name).value, getattr(mc, name)
        assert abs(got - est.value) <= 4.0 * est.se + abs(est.bias), (name, got, est)
    law = sol.learned_endpoint
    for moment, est in ((law.mean, mc.learned_mean), (law.cov, mc.learned_cov)):
        assert np.all(np.abs(moment - est.value) <= 4.0 * est.se + np.abs(est.bias))
    # Fisher information from chi2(eps) / eps^2 = F + a eps + O(eps^2), Richardson on h, h/2
    h = 0.02
    g = [oracle.solve(x).chi2.value / x**2 for x in (h, h / 2)]
    richardson = 2.0 * g[1] - g[0]
    fisher = sol.native.endpoint_fisher.value
    assert richardson == pytest.approx(fisher, rel=1e-3)  # O(h^2) left: measured 2e-4
    assert sol.eta.value == pytest.approx(fisher / (sol.eps_star2.value), rel=1e-12)


def test_chi2_over_eta_eps_star2_tends_to_one_for_a_nonlinear_error_on_a_mixture():
    # rtol 1e-7: the gaps are 1e-2 .. 1e-1 and their differences 1e-3 or more
    oracle = GridOracle(BIMODAL, Diffusion(init="exact", **SHORT), Tanh(0.3), rtol=1e-7)
    ratios = []
    for scale in (0.1, 0.03, 0.01):
        sol = oracle.solve(scale)
        ratios.append(sol.chi2.value / (sol.eta.value * sol.eps_star2.value))
    gaps = np.abs(np.array(ratios) - 1.0)
    assert gaps[-1] < 0.02 and np.all(np.diff(gaps) < 0)  # O(eps_star): shrinks with scale


def test_rotated_score_is_invisible_in_two_dimensions():
    data = Gaussian([0.0, 0.0], [[1.0, 0.3], [0.3, 0.8]])
    diffusion = Diffusion(init="exact", **SHORT)
    sol = GridOracle(data, diffusion, RotatedScore(data, 0.5), rtol=1e-8).solve(1.0)
    # 0 to grid accuracy: within the stated errors, which are small
    assert abs(sol.chi2.value) <= sol.chi2.abs_error < 1e-9
    assert sol.eta.value <= max(sol.eta.abs_error, 1e-10) < 1e-9
    # eps_star2 = c^2 int_{t0}^{T} tr(S_s^{-1}) ds (E|grad log q_s|^2 = tr(S_s^{-1}))
    from scipy.integrate import quad

    want = (
        0.25
        * quad(
            lambda s: np.trace(np.linalg.inv(ou_transition(data, s).cov)), 0.05, 2.0, epsabs=1e-14
        )[0]
    )
    assert sol.eps_star2.value == pytest.approx(want, rel=1e-8)


@pytest.mark.slow
def test_issue_13_mixture_eta_is_exact_on_the_grid():
    """1-D bimodal data, PopulationKDE(0.1): the regression on quadratic features gave 0.122;
    the grid gives eta = 0.999918 (the issue quoted 0.99996 from a coarser solve), and the
    growing spline basis converges to it within its s.e. plus bias. The KDE error's poles sit
    0.2 from the real axis, so the grid needs 330 points even at rtol 1e-7 (slow: ~10 s)."""
    error = ScoreDifference(BIMODAL, convolve(BIMODAL, 0.1))
    sol = GridOracle(BIMODAL, Diffusion(init="exact"), error, rtol=1e-7).solve(learned=False)
    assert sol.eta.value == pytest.approx(0.9999176, abs=1e-6) and sol.eta.abs_error < 1e-7
    mc = simulate_reverse(
        BIMODAL,
        Diffusion(init="exact"),
        error,
        n_paths=4000,
        n_steps=200,
        rng=np.random.default_rng(0),
    )
    gap = abs(mc.eta.value - mc.eta.bias - sol.eta.value)
    assert gap <= 4.5 * mc.eta.se + 0.25 * abs(mc.eta.bias)


def test_auto_picks_the_grid_for_nonlinear_errors_in_low_dimension():
    sol = solve_generation(Gaussian(0.0, 1.0), Tanh(0.1), Diffusion(**SHORT))
    assert sol.engine == "grid" and "linear: the error is not affine" in sol.reason
    assert pickle.loads(pickle.dumps(sol)).eta == sol.eta


def test_affine_ready_made_fields_go_to_the_exact_linear_engine():
    data, d = Gaussian([0.0, 0.0], [[1.0, 0.2], [0.2, 0.5]]), Diffusion(**SHORT)
    for err in (Aligned(0.4), TimeOnly([0.3, 0.1]), TimeOnly.zero_mean([0.3, 0.1], d)):
        sol = solve_generation(data, err, d)
        assert sol.engine == "linear" and sol.exact
    reasons = supporting_engines(data, Tanh(0.2), d)  # a nonlinear field: not the linear one
    assert reasons["linear"] == "the error is not affine" and reasons["grid"] is None


def test_ready_made_fields_match_their_affine_forms():
    y = np.array([[0.5], [-2.0]])
    assert np.array_equal(Aligned(0.3)(y, 1.0), Aligned(0.3).affine()(y, 1.0))
    t = TimeOnly.zero_mean(0.7, Diffusion())
    assert np.array_equal(t(y, 1.3), t.affine()(y, 1.3))
    assert pickle.loads(pickle.dumps(t))(y, 1.3).tolist() == t(y, 1.3).tolist()


def test_bad_fields_and_grids_are_clear_errors():
    data, d = Gaussian(0.0, 1.0), Diffusion(**SHORT)
    with pytest.raises(OracleShapeError, match=r"returned shape \(3,\)"):
        GridOracle(data, d, lambda y, s: np.zeros(3)).solve()
    with pytest.raises(OracleDomainError, match="non-finite values"):
        GridOracle(data, d, lambda y, s: np.full_like(y, np.nan)).solve()
    with pytest.raises(OracleDomainError, match="cannot resolve this instance"):
        GridOracle(data, d, Tanh(0.1, ell=0.01))  # a near-step: not resolvable on 4096 points
    with pytest.raises(OracleDomainError, match="cannot resolve"):
        GridOracle(data, d, Tanh(0.1), box=Box([-9.0], [9.0], [16]))
    with pytest.raises(OracleDomainError, match="needs 1 or 2"):
        GridOracle(Gaussian(np.zeros(3), np.eye(3)), d, Tanh(0.1))
    with pytest.raises(OracleDomainError, match="reaches the edge of the box"):
        GridOracle(data, d, lambda y, s: np.full_like(y, 8.0), box=Box([-9.0], [9.0], [64])).solve()


def test_refinements_needed_extrapolates_the_spectral_tail():
    from gaussian_oracle._grid import refinements_needed

    # measured on tanh over the bimodal mixture: 1.7e-7 on 150 points, 5.2e-9 on 196; 1e-11 is
    # predicted at ~293 points, two 1.3x steps from 196 (330 points gave 3.4e-13)
    assert refinements_needed([(150, 1.68e-7), (196, 5.25e-9)], 1e-11) == 2
    assert refinements_needed([(196, 5.25e-9)], 1e-11) == 1  # one tail: no decay rate yet
    assert refinements_needed([(150, 1e-9), (196, 2e-9)], 1e-11) == 1  # did not fall
    assert refinements_needed([(150, 1e-2), (196, 5e-3)], 1e-12, most=3) == 3  # capped


def test_a_progress_bar_over_the_two_integrations_when_asked(capsys):
    oracle = GridOracle(Gaussian(0.0, 1.0), Diffusion(**SHORT, init="exact"), Tanh(0.1))
    quiet = oracle.solve(0.5)  # stderr is not a terminal under pytest: no bar
    assert capsys.readouterr().err == ""
    loud = oracle.solve(0.5, progress=True)
    err = capsys.readouterr().err
    assert "grid solve" in err and "100%" in err and "points" in err
    assert loud.eta.value == quiet.eta.value  # the bar changes nothing
    sol = solve_generation(Gaussian(0.0, 1.0), Tanh(0.1), oracle.diffusion, progress=True)
    assert sol.engine == "grid" and "grid solve" in capsys.readouterr().err
    with pytest.raises(OracleDomainError, match="progress=1 must be a bool"):
        oracle.solve(0.5, progress=1)


def test_the_rotated_score_on_the_grid_reuses_the_drifts_score():
    """The solver takes RotatedScore's score of q_s from the marginals (computed with the
    drift) instead of evaluating it again: the same field as the pointwise call, to the
    round-off of the two closed forms (eigen-form vs Cholesky, ~1e-15 of the score)."""
    from gaussian_oracle._grid_solver import MixtureMarginals, field_on

    data = Gaussian([0.2, -0.1], [[1.0, 0.3], [0.3, 0.6]])
    error, box = RotatedScore(data, 0.3), Box([-6.0, -6.0], [6.0, 6.0], [24, 20])
    marginals = MixtureMarginals(data)
    for s in (0.02, 1.0, 4.0):
        shared, pointwise = field_on(error, box, s, marginals), field_on(error, box, s)
        np.testing.assert_allclose(shared, pointwise, rtol=1e-12, atol=1e-13)
    other = RotatedScore(Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]), 0.3)  # not q: its own
    np.testing.assert_array_equal(field_on(other, box, 1.0, marginals), field_on(other, box, 1.0))
