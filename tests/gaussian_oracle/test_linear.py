"""The exact linear-Gaussian engine against independent routes."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gaussian_oracle import (
    AffineError,
    Diffusion,
    Gaussian,
    LinearGaussianOracle,
    OracleDomainError,
    ou_transition,
)

from .helpers import gaussians


@st.composite
def instances(draw, max_d=3, max_w=0.5):
    d = draw(st.integers(1, max_d))
    data = draw(gaussians(d, 0.2, 3.0))
    w = np.array(draw(st.lists(st.floats(-max_w, max_w), min_size=d * d, max_size=d * d)))
    xi = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=d, max_size=d)))
    init = draw(st.sampled_from(["standard", "exact"]))
    return LinearGaussianOracle(data, Diffusion(init=init), AffineError(W=w.reshape(d, d), xi=xi))


@pytest.mark.parametrize("t0", [0.02, 0.5, 1.5, 3.0])
def test_integrated_ideal_moments_reach_the_forward_marginals(t0):
    """Under exact init the engine takes the ideal moments in closed form (the forward
    marginals); under standard init it integrates them. With T = 40, q_T is N(0, I) to
    ~e^{-40}, so the two inits must agree: the integrated ideal endpoint against P_{t0} data,
    and every learned quantity of one route against the other's."""
    data = Gaussian([0.7, -1.2], [[0.3, 0.1], [0.1, 1.8]])
    w0 = np.array([[0.2, 0.0], [0.1, -0.3]])
    err = AffineError(W=lambda s: w0 * np.exp(-0.2 * s), xi=[0.1, 0.0])
    exact, standard = (
        LinearGaussianOracle(data, Diffusion(T=40.0, t0=t0, init=init), err).solve(0.7)
        for init in ("exact", "standard")
    )
    target = ou_transition(data, t0)
    assert exact.ideal_endpoint == target and exact.ideal_training_kl.value == 0.0
    # ODE rtol 1e-12 on O(1) moments over a horizon of 40: 1e-10 absolute is a 100x margin
    np.testing.assert_allclose(standard.ideal_endpoint.mean, target.mean, atol=1e-10)
    np.testing.assert_allclose(standard.ideal_endpoint.cov, target.cov, atol=1e-10)
    np.testing.assert_allclose(
        standard.learned_endpoint.cov, exact.learned_endpoint.cov, atol=1e-10
    )
    for name in ("eps_star2", "eps_hat2", "eta"):
        assert getattr(standard, name) == pytest.approx(getattr(exact, name), rel=1e-9)
    assert standard.kl.value == pytest.approx(exact.kl.value, rel=1e-8)  # KL ~ 1e-2: 1e-10 abs


@settings(max_examples=40)
@given(oracle=instances(), scale=st.floats(0.0, 2.0))
def test_prop_3_1_and_eta_range(oracle, scale):
    sol = oracle.solve(scale)
    # KL(learned || ideal) <= path KL; relative slack 1e-9 for the ODE's energy quadrature
    assert sol.kl.value <= sol.path_kl * (1 + 1e-9) + 1e-15
    assert 0.0 <= sol.eta <= 1.0
    assert sol.eps_star2 >= 0.0 and sol.eps_hat2 >= 0.0


def test_eta_equals_the_fisher_information_of_the_endpoint_family_by_finite_differences():
    """Replaces a test of eta's scale invariance, which holds by construction (eta is computed
    at unit scale). Here eta (from the sensitivity equations) is checked against an
    independent route: the endpoint family's Fisher information is the curvature of
    eps -> 2 KL(p_hat_eps || p_hat_0) / eps^2 at 0, taken from the closed-form KL of the ODE's
    endpoints at small scales (THEORY.md §6)."""
    data = Gaussian([0.5, 0.0], [[1.5, 0.2], [0.2, 0.4]])
    oracle = LinearGaussianOracle(
        data, Diffusion(), AffineError(W=[[0.2, 0.1], [0.0, -0.3]], xi=[0.3, -0.1])
    )
    unit = oracle.solve(1.0)
    for eps in (1e-2, 1e-3):
        sol = oracle.solve(eps)
        fisher = 2.0 * sol.kl.value / eps**2  # KL ~ F eps^2 / 2 (1 + O(eps))
        # the relative correction is O(eps) (THEORY.md §7): a constant below 10 at these scales
        assert fisher / unit.eps_star2 == pytest.approx(unit.eta, rel=10 * eps)


def _ratio_slope(oracle, scales):
    dev = []
    for s in scales:
        sol = oracle.solve(s)
        dev.append(abs(sol.chi2.value / (sol.eta * sol.eps_star2) - 1.0))
    return np.polyfit(np.log(scales), np.log(dev), 1)[0], dev


def test_chi2_over_eta_eps_tends_to_one_at_rate_eps():
    """chi2 = eta eps^2 + O(eps^3) for a generic affine error: |ratio - 1| ~ scale."""
    data = Gaussian([0.5, 0.0], [[1.5, 0.2], [0.2, 0.4]])
    oracle = LinearGaussianOracle(
        data, Diffusion(), AffineError(W=[[0.2, 0.1], [0.0, -0.3]], xi=[0.3, -0.1])
    )
    slope, dev = _ratio_slope(oracle, np.geomspace(1e-4, 1e-2, 5))
    assert dev[0] < 1e-3
    assert slope == pytest.approx(1.0, abs=0.05)  # third-order term of the chi2 expansion


def test_mean_only_errors_converge_at_rate_eps_squared():
    """W = 0: only the mean moves, chi2 = exp(eps^2 c) - 1, so |ratio - 1| ~ scale^2."""
    data = Gaussian([0.5, 0.0], [[1.5, 0.2], [0.2, 0.4]])
    oracle = LinearGaussianOracle(
        data, Diffusion(), AffineError(xi=lambda s: np.array([0.3 * np.exp(-s), 0.2]))
    )
    slope, _ = _ratio_slope(oracle, np.geomspace(1e-3, 1e-1, 5))
    assert slope == pytest.approx(2.0, abs=0.05)


def test_one_dimensional_constant_coefficients_match_sympy():
    """Data N(m, 1) keeps S_s = 1: F = -1/2 and the moment ODEs integrate in closed form."""
    tau = sp.Symbol("tau", real=True)
    T, t0 = sp.Rational(4), sp.Rational(1, 50)
    H = T - t0
    # exact rationals keep SymPy's integrals fast and exact; the oracle gets their floats
    m, w, xi, eps = sp.Rational(4, 5), sp.Rational(3, 20), sp.Rational(-2, 5), sp.Rational(7, 10)
    mv, wv, xv, ev = float(m), float(w), float(xi), float(eps)
    f = m * sp.exp(-(T - tau) / 2)

    def integral(expr, upper):
        """int_0^upper of a sum of c e^{k tau} terms, term by term (exact, and fast where
        SymPy's Risch algorithm is slow on these sums)."""
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.powsimp(sp.expand(expr))):
            c, g = term.as_independent(tau, as_Add=False)
            rate = sp.simplify(sp.diff(g, tau) / g) if g != 1 else sp.Integer(0)
            assert not rate.has(tau), term  # the instance only produces exponentials
            total += c * (upper if rate == 0 else (g.subs(tau, upper) - g.subs(tau, 0)) / rate)
        return total

    def solve(a, b, y0):  # y' = a y + b(tau), y(0) = y0, by the integrating factor
        return sp.expand(sp.exp(a * tau) * (y0 + integral(sp.exp(-a * tau) * b, tau)))

    mu_star = solve(-sp.Rational(1, 2), f, 0)  # standard init: N(0, 1)
    sig_star = sp.Integer(1)  # S' = -S + 1 from 1
    mu_hat = solve(-sp.Rational(1, 2) + eps * w, f + eps * xi, 0)
    sig_hat = solve(2 * (-sp.Rational(1, 2) + eps * w), 1, 1)
    nu = solve(-sp.Rational(1, 2), w * mu_star + xi, 0)
    psi = solve(-1, 2 * w * sig_star, 0)
    e_star = integral((w * mu_star + xi) ** 2 + w**2 * sig_star, H)
    e_hat = integral(eps**2 * ((w * mu_hat + xi) ** 2 + w**2 * sig_hat), H)
    fisher = (nu**2 / sig_star + (psi / sig_star) ** 2 / 2).subs(tau, H)

    oracle = LinearGaussianOracle(
        Gaussian(mv, 1.0), Diffusion(T=4.0, t0=0.02), AffineError(W=wv, xi=xv)
    )
    sol = oracle.solve(ev)
    ref = {
        k: float(sp.N(v, 30))
        for k, v in {
            "mu_star": mu_star.subs(tau, H),
            "mu_hat": mu_hat.subs(tau, H),
            "sig_hat": sig_hat.subs(tau, H),
            "e_star": e_star,
            "e_hat": e_hat,
            "fisher": fisher,
        }.items()
    }
    # the issue asks for 1e-9 relative; rtol 1e-12 in the ODE gives ~1e-11
    rel = 1e-9
    assert sol.ideal_endpoint.mean[0] == pytest.approx(ref["mu_star"], rel=rel)
    assert sol.ideal_endpoint.cov[0, 0] == pytest.approx(1.0, rel=rel)
    assert sol.learned_endpoint.mean[0] == pytest.approx(ref["mu_hat"], rel=rel)
    assert sol.learned_endpoint.cov[0, 0] == pytest.approx(ref["sig_hat"], rel=rel)
    assert sol.eps_star2 == pytest.approx(ev**2 * ref["e_star"], rel=rel)
    assert sol.eps_hat2 == pytest.approx(ref["e_hat"], rel=rel)
    assert sol.endpoint_fisher == pytest.approx(ev**2 * ref["fisher"], rel=rel)


def test_tighter_tolerance_agrees_to_1e9():
    data = Gaussian([0.5, -0.3, 1.0], np.diag([0.05, 1.0, 4.0]))  # small variance: stiff end
    oracle = LinearGaussianOracle(
        data,
        Diffusion(init="exact"),
        AffineError(
            W=lambda s: np.array([[0.1, 0, 0], [0, -0.2 * np.exp(-s), 0], [0.05, 0, 0.3]]),
            xi=lambda s: np.array([0.2, np.sin(s), 0.0]),
        ),
    )
    a, b = oracle.solve(0.5), oracle.solve(0.5, rtol=1e-13)
    for x, y in [
        (a.eps_star2, b.eps_star2),
        (a.eps_hat2, b.eps_hat2),
        (a.eta, b.eta),
        (a.chi2.value, b.chi2.value),
        (a.kl.value, b.kl.value),
    ]:
        assert x == pytest.approx(y, rel=1e-9)


def test_zero_error_gives_zero_everything():
    sol = LinearGaussianOracle(Gaussian(0.0, 2.0), Diffusion(), AffineError(xi=0.0)).solve()
    assert sol.eps_star2 == 0.0 and sol.eta == 0.0 and sol.chi2.value == 0.0
    assert sol.kl.value == 0.0 and sol.path_kl == 0.0


def test_large_errors_can_make_chi2_infinite_with_its_reason():
    # a strongly expanding W doubles the endpoint variance: 2 S_ideal - S_learned < 0
    oracle = LinearGaussianOracle(Gaussian(0.0, 0.3), Diffusion(), AffineError(W=0.6))
    sol = oracle.solve(1.0)
    assert sol.chi2.value == np.inf and "heavier tails" in sol.chi2.reason
    assert np.isfinite(sol.kl.value) and sol.kl.value <= sol.path_kl


def test_standard_init_reports_the_gap_to_the_training_law():
    sol = LinearGaussianOracle(
        Gaussian(2.0, 0.5), Diffusion(init="standard"), AffineError(xi=0.1)
    ).solve()
    # the ideal process starts at N(0, 1), not at q_T = N(2 e^{-2}, ~1): a small mismatch
    assert 0.0 < sol.ideal_training_kl.value < 0.05
    assert sol.chi2_training.value != sol.chi2.value


def test_solve_many_is_solve_at_each_scale():
    """Several scales in one system (the scale-free part once) against one solve per scale:
    two integrations at rtol 1e-12 agree to ~1e-11; tiny and zero scales keep their relative
    accuracy (the differences are integrated as such)."""
    rng = np.random.default_rng(3)
    d = 3
    a = rng.normal(size=(d, d)) / 2
    data = Gaussian(rng.normal(size=d), a @ a.T + 0.4 * np.eye(d))
    w0 = 0.2 * rng.normal(size=(d, d))
    err = AffineError(W=lambda s: w0 * np.exp(-s), xi=0.1 * np.ones(d))
    for init in ("exact", "standard"):
        oracle = LinearGaussianOracle(data, Diffusion(init=init), err)
        scales = [0.0, 1e-7, 0.3, 2.0]
        many = oracle.solve_many(scales)
        for x, m in zip(scales, many, strict=True):
            one = oracle.solve(x)
            assert m.scale == x
            for name in ("eps_star2", "eps_hat2", "endpoint_fisher", "eta"):
                assert getattr(m, name) == pytest.approx(getattr(one, name), rel=1e-10, abs=0)
            assert m.chi2.value == pytest.approx(one.chi2.value, rel=1e-9, abs=0)
            np.testing.assert_allclose(
                m.learned_endpoint.cov, one.learned_endpoint.cov, rtol=1e-11, atol=1e-14
            )
    with pytest.raises(OracleDomainError, match=r"scales=.*non-empty"):
        oracle.solve_many([])
    with pytest.raises(OracleDomainError, match="scale=-1"):
        oracle.solve_many([0.5, -1.0])
