"""The Monte Carlo SDE engine: discretisation order and agreement with the exact engine."""

from __future__ import annotations

import numpy as np
import pytest

from gaussian_oracle import (
    AffineError,
    Diffusion,
    Gaussian,
    GaussianMixture,
    LinearGaussianOracle,
    OracleDomainError,
    OracleShapeError,
    ou_transition,
    simulate_reverse,
)

# Each comparison below involves ~10 estimates from one fixed seed; 4.5 standard errors keeps
# the family-wise false-alarm probability below 1e-4 while a real discrepancy of a few percent
# (e.g. a wrong sign in the drift) is hundreds of standard errors.
K_SE = 4.5


@pytest.mark.slow
def test_euler_maruyama_has_weak_order_one():
    data, err = Gaussian(1.0, 0.5), AffineError(W=0.3, xi=0.2)
    exact = LinearGaussianOracle(data, Diffusion(init="exact"), err).solve().learned_endpoint
    steps = np.array([8, 16, 32, 64])
    bias = []
    for n in steps:
        mc = simulate_reverse(
            data,
            Diffusion(init="exact"),
            err,
            n_paths=200_000,
            n_steps=int(n),
            rng=np.random.default_rng(int(n)),
        )
        b = mc.learned_cov.value[0, 0] - exact.cov[0, 0]
        assert abs(b) > 10 * mc.learned_cov.se[0, 0]  # bias dominates the noise: order visible
        bias.append(abs(b))
    slope = np.polyfit(np.log(steps), np.log(bias), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.2)  # Euler–Maruyama: weak order 1


def _z(exact, est):
    return np.abs(np.ravel(est.value) - np.ravel(exact)) / np.ravel(est.se)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("d", "init", "seed"),
    [(2, "exact", 1), (2, "standard", 2), (3, "exact", 3)],
)
def test_monte_carlo_agrees_with_the_exact_engine(d, init, seed):
    rng = np.random.default_rng(100 + seed)
    a = rng.standard_normal((d, d)) / np.sqrt(d)
    data = Gaussian(rng.uniform(-1, 1, d), a @ a.T + 0.4 * np.eye(d))
    err = AffineError(
        W=0.3 * rng.standard_normal((d, d)), xi=lambda s: 0.3 * np.exp(-s / 4) * np.ones(d)
    )
    diff = Diffusion(init=init)
    exact = LinearGaussianOracle(data, diff, err).solve(0.5)
    # 1000 steps: the O(h) bias (~0.005 on a covariance entry, measured) sits below 1 s.e.
    mc = simulate_reverse(
        data, diff, err, n_paths=20_000, n_steps=1000, rng=np.random.default_rng(seed), scale=0.5
    )
    assert np.all(_z(exact.eps_star2, mc.eps_star2) < K_SE)
    assert np.all(_z(exact.eps_hat2, mc.eps_hat2) < K_SE)
    assert np.all(_z(exact.learned_endpoint.mean, mc.learned_mean) < K_SE)
    assert np.all(_z(exact.learned_endpoint.cov, mc.learned_cov) < K_SE)
    assert np.all(_z(exact.ideal_endpoint.mean, mc.ideal_mean) < K_SE)
    assert np.all(_z(exact.ideal_endpoint.cov, mc.ideal_cov) < K_SE)
    assert mc.eta_exact_in_limit
    assert np.all(_z(exact.eta, mc.eta) < K_SE)


@pytest.mark.slow
def test_mixture_score_drives_the_ideal_process_to_the_forward_marginal():
    """Exact init, no error: the ideal endpoint is P_t0 of the mixture (exact mixture score)."""
    data = GaussianMixture([0.3, 0.7], [[-1.5, 0.0], [1.0, 0.5]], 0.36 * np.eye(2))
    mc = simulate_reverse(
        data,
        Diffusion(init="exact"),
        AffineError(xi=[0.0, 0.0]),
        n_paths=20_000,
        n_steps=800,
        rng=np.random.default_rng(5),
    )
    target = ou_transition(data, 0.02)
    assert np.all(_z(target.mean, mc.ideal_mean) < K_SE)
    assert np.all(_z(target.cov, mc.ideal_cov) < K_SE)
    assert mc.eps_star2.value == 0.0 and not np.isnan(mc.eta.value)


def test_callable_errors_and_non_gaussian_flag():
    data = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [0.5, 0.5])
    res = simulate_reverse(
        data,
        Diffusion(),
        lambda y, s: 0.1 * np.tanh(y),
        n_paths=400,
        n_steps=20,
        rng=np.random.default_rng(0),
    )
    assert not res.eta_exact_in_limit and res.eps_star2.value > 0.0
    assert res.learned_mean.value.shape == (1,) and res.learned_cov.value.shape == (1, 1)


def test_bad_input():
    g = Gaussian([0.0, 0.0], np.eye(2))
    ok = {"n_paths": 100, "n_steps": 5, "rng": np.random.default_rng(0)}
    with pytest.raises(OracleDomainError, match=r"n_paths=1 must be an integer >= 2"):
        simulate_reverse(g, Diffusion(), AffineError(xi=[0.1, 0.0]), **{**ok, "n_paths": 1})
    with pytest.raises(OracleDomainError, match=r"n_steps=0"):
        simulate_reverse(g, Diffusion(), AffineError(xi=[0.1, 0.0]), **{**ok, "n_steps": 0})
    with pytest.raises(OracleDomainError, match=r"rng=1 must be a numpy.random.Generator"):
        simulate_reverse(g, Diffusion(), AffineError(xi=[0.1, 0.0]), **{**ok, "rng": 1})
    with pytest.raises(
        OracleShapeError,
        match=r"error\(y, s\) at s=4.0 returned an array of shape "
        r"\(200, 3\); it must be finite with shape \(200, 2\), like the points y",
    ):
        simulate_reverse(g, Diffusion(), lambda y, s: np.zeros((len(y), 3)), **ok)
    with pytest.raises(OracleShapeError, match=r"non-finite"):
        simulate_reverse(g, Diffusion(), lambda y, s: np.full(y.shape, np.nan), **ok)
    with pytest.raises(OracleShapeError, match="error has dimension 1 but data has dimension 2"):
        simulate_reverse(g, Diffusion(), AffineError(xi=0.1), **ok)
    with pytest.raises(OracleDomainError, match="error=3 must be an AffineError or a callable"):
        simulate_reverse(g, Diffusion(), 3, **ok)  # type: ignore[arg-type]
    with pytest.raises(OracleDomainError, match=r"scale=-0.5"):
        simulate_reverse(g, Diffusion(), AffineError(xi=[0.1, 0.0]), **ok, scale=-0.5)


def test_float32_paths_agree_with_float64_on_the_same_draws():
    """precision="float32" rounds the same float64 draws: the estimates move by round-off
    (float32 eps 6e-8 over 40 steps: below 1e-5 relative), not by Monte Carlo noise; a Gaussian,
    an isotropic mixture (the fast score paths) and a callable error; bad values are named."""
    rng = np.random.default_rng(4)
    d = 3
    laws = [
        Gaussian(rng.normal(size=d), np.eye(d) * 0.7),
        GaussianMixture([0.3, 0.7], rng.normal(size=(2, d)), [0.5 * np.eye(d), 0.8 * np.eye(d)]),
    ]
    errors = [AffineError(W=0.1 * np.eye(d), xi=0.05 * np.ones(d)), lambda y, s: 0.1 * np.tanh(y)]
    for law, err in zip(laws, errors, strict=True):
        out = [
            simulate_reverse(
                law,
                Diffusion(),
                err,
                n_paths=600,
                n_steps=40,
                rng=np.random.default_rng(2),
                precision=p,
            )
            for p in ("float64", "float32")
        ]
        for name in ("eps_star2", "eps_hat2"):
            a, b = getattr(out[0], name).value, getattr(out[1], name).value
            assert b == pytest.approx(a, rel=1e-5), name
        assert out[1].eta.value == pytest.approx(out[0].eta.value, rel=1e-4, abs=1e-6)
    with pytest.raises(OracleDomainError, match="precision='half' must be"):
        simulate_reverse(
            laws[0],
            Diffusion(),
            errors[0],
            n_paths=600,
            n_steps=4,
            rng=np.random.default_rng(0),
            precision="half",
        )


def test_a_progress_bar_over_the_steps_when_asked(capsys):
    law, err = Gaussian(0.0, 1.0), AffineError(xi=0.1)
    kw = dict(n_paths=50, n_steps=8, rng=np.random.default_rng(0), richardson=False)
    simulate_reverse(law, Diffusion(), err, **kw, progress=True)
    assert "reverse SDEs (100 paths)" in capsys.readouterr().err
    simulate_reverse(law, Diffusion(), err, **kw)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    with pytest.raises(OracleDomainError, match="progress=1 must be a bool"):
        simulate_reverse(law, Diffusion(), err, **kw, progress=1)


def test_the_fused_gaussian_drift_and_the_covariance_errors_match_their_plain_forms():
    """The step loop's shortcuts against the plain formulas: the reverse drift of one Gaussian
    as one product about the mean against y/2 + score (general path), in float64 and float32,
    and near the float64 limit (where an overflow would send it to the general path); the covariance
    standard errors by two products against the sd of the (n, d, d) array of products."""
    from gaussian_oracle import score
    from gaussian_oracle._montecarlo import _cov_se
    from gaussian_oracle._score import reverse_drift

    rng = np.random.default_rng(8)
    a = rng.normal(size=(3, 3))
    law = Gaussian(rng.normal(size=3) * 5.0, a @ a.T + 0.01 * np.eye(3))
    y = law.mean + rng.normal(size=(50, 3))
    plain = 0.5 * y + score(law, y)
    # the offset is formed first: round-off ~ eps times the drift's own terms (|S^{-1}| ~ 1e2)
    np.testing.assert_allclose(reverse_drift(law, y), plain, rtol=1e-12, atol=1e-11)
    y32 = y.astype(np.float32)
    fused32 = reverse_drift(law, y32)
    assert fused32.dtype == np.float32  # float32 paths stay in float32 (~1e-7 relative)
    np.testing.assert_allclose(fused32, plain, rtol=1e-4, atol=1e-3)
    far = np.array([[1e307, 0.0, 0.0]])  # near the float64 limit: still the general value
    np.testing.assert_array_equal(reverse_drift(law, far), 0.5 * far + score(law, far))
    x = rng.normal(size=(2000, 3)) @ a + 3.0
    cov, se = _cov_se(x)
    c = x - x.mean(axis=0)
    prods = c[:, :, None] * c[:, None, :]
    np.testing.assert_allclose(cov, np.cov(x.T), rtol=1e-13)
    np.testing.assert_allclose(se, np.std(prods, axis=0, ddof=1) / np.sqrt(2000), rtol=1e-10)
