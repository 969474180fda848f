"""The fresh-data recursion: exact D_i against independent routes, ages, infinities, files."""

from __future__ import annotations

import os

import numpy as np
import pytest

from gaussian_oracle import (
    RECURSION_COMPUTE,
    AffineError,
    AffinePushforward,
    Diffusion,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    Gaussian,
    GaussianMixture,
    OracleDomainError,
    PopulationKDE,
    Trajectory,
    chi2,
    kl,
    ou_transition,
    run_recursion,
    standard_init_endpoint,
)
from gaussian_oracle._linear import LinearGaussianOracle

EXACT = Diffusion(T=4.0, t0=0.02, init="exact")


def test_alpha_one_stays_at_one_generation_of_error():
    data = Gaussian([0.5, -1.0], [[0.6, 0.1], [0.1, 1.4]])
    traj = run_recursion(
        data,
        alpha=1.0,
        learner=ExactScore(),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=5,
    )
    one = chi2(ou_transition(data, 0.02), data).value  # q_i = p every time
    np.testing.assert_allclose(traj.D_values[1:], one, rtol=1e-13)
    assert traj.D_values[0] == 0.0


def test_alpha_zero_accumulates():
    data = Gaussian([0.5, -1.0], [[0.6, 0.1], [0.1, 1.4]])
    traj = run_recursion(
        data,
        alpha=0.0,
        learner=ExactScore(),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=6,
    )
    assert np.all(np.diff(traj.D_values) > 0)
    # with alpha = 0 the laws are P_{k t0} data exactly (semigroup), one component each
    assert traj.laws[6].n_components == 1
    assert chi2(traj.laws[6], ou_transition(data, 6 * 0.02)).value < 1e-20


def test_merging_keeps_the_size_linear_and_ages_labelled():
    data = GaussianMixture([0.4, 0.6], [[-1.0], [1.0]], [0.5, 0.8])
    traj = run_recursion(
        data,
        alpha=0.3,
        learner=PopulationKDE(0.2),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=8,
    )
    for i, law in enumerate(traj.laws):
        assert law.n_components == 2 * max(i, 1) if i else law.n_components == 2
        if i:
            assert sorted(set(law.ages.tolist())) == list(range(1, i + 1))
    np.testing.assert_allclose([law.weights.sum() for law in traj.laws], 1.0, rtol=1e-14)


def test_population_kde_second_moments_follow_total_variance_over_ages():
    """Age-a components of N(m, s2) data under PopulationKDE(h) and P_t0 have closed-form
    moments; the mixture's variance is the law of total variance over ages with weights
    alpha (1 - alpha)^{a-1} (and the remaining mass on generation 0)."""
    m, s2, h, t0, alpha, g = 1.5, 0.7, 0.3, 0.02, 0.25, 7
    traj = run_recursion(
        Gaussian(m, s2),
        alpha=alpha,
        learner=PopulationKDE(h),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=g,
    )
    law = traj.laws[g]
    weights, means, variances = [], [], []
    for a in range(1, g + 1):  # age a: a passes through (KDE, P_t0) from fresh data
        mean, var = m, s2
        for _ in range(a):
            mean, var = np.exp(-t0 / 2) * mean, np.exp(-t0) * (var + h * h) - np.expm1(-t0)
        weights.append(alpha * (1 - alpha) ** (a - 1) if a < g else (1 - alpha) ** (g - 1))
        means.append(mean)
        variances.append(var)
    w, mu, v = map(np.array, (weights, means, variances))
    total_mean = w @ mu
    total_var = w @ v + w @ (mu - total_mean) ** 2
    assert float(law.mean[0]) == pytest.approx(total_mean, rel=1e-13)
    assert float(law.cov[0, 0]) == pytest.approx(total_var, rel=1e-13)


@pytest.mark.parametrize("d", [1, 2])
def test_d_closed_form_against_quadrature(d):
    data = Gaussian(np.linspace(-0.5, 0.5, d), np.diag(np.linspace(0.6, 1.3, d)))
    traj = run_recursion(
        data,
        alpha=0.4,
        learner=AffinePushforward(1.05, 0.1),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=4,
    )
    for law, dd in zip(traj.laws, traj.D, strict=True):
        assert dd.method == "closed-form"
        quad = chi2(law, data, method="quadrature")
        # cubature at rtol 1e-10 against the pairwise closed form
        assert dd.value == pytest.approx(quad.value, rel=1e-8, abs=1e-12)


@pytest.mark.slow
def test_d_closed_form_against_importance_sampling_in_5d():
    data = Gaussian(np.zeros(5), np.diag([0.6, 0.8, 1.0, 1.2, 1.4]))
    traj = run_recursion(
        data,
        alpha=0.4,
        learner=PopulationKDE(0.3),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=3,
    )
    law, exact = traj.laws[3], traj.D[3]
    est = chi2(law, data, method="monte-carlo", rng=np.random.default_rng(3))
    assert abs(est.value - exact.value) < 4 * est.abs_error  # fixed seed, 4 s.e.


def test_lemma_f1_holds_along_the_trajectory():
    data = Gaussian([0.2, 0.0], [[0.8, 0.2], [0.2, 1.1]])
    traj = run_recursion(
        data,
        alpha=0.35,
        learner=PopulationKDE(0.15),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=6,
    )
    res = traj.lemma_f1_residuals()
    d = traj.D_values
    assert np.all(np.isfinite(d))
    # both sides in closed form: the pairwise sums round to ~1e-15 of 1 + chi2
    assert np.all(np.abs(res) <= 1e-12 * (1 + d))


def test_intra_generation_divergence_is_reported_with_its_method():
    data = Gaussian(0.0, 0.8)
    traj = run_recursion(
        data,
        alpha=0.5,
        learner=PopulationKDE(0.3),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=2,
    )
    # q_0 = p (p_hat_0 = p): I_0 is closed form and equals D_1; q_1 is a mixture: quadrature
    assert [i.method for i in traj.I] == ["closed-form", "quadrature"]
    assert traj.I[0].value == traj.D[1].value
    assert all(i.value > 0 and i.abs_error < 1e-8 for i in traj.I)


def test_small_data_variance_turns_d_infinite_and_the_run_continues():
    traj = run_recursion(
        Gaussian(0.0, 0.4),
        alpha=0.5,
        learner=ExactScore(),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=60,
    )
    assert traj.first_infinite == 55  # age-k variance 1 - 0.6 e^{-0.02 k} reaches 0.8
    assert np.all(np.isinf(traj.D_values[55:])) and np.all(np.isfinite(traj.D_values[:55]))
    assert all(np.isfinite(i.value) for i in traj.I)  # I_i stays finite: q_i carries the tails
    assert "heavier tails" in traj.D[55].reason


def test_finite_d_beyond_float64_is_flagged_not_called_infinite():
    """Old components drift towards the origin, 20 sd away from the data: D_i grows past
    1e308 while staying finite (variances 0.6 -> 1 < 2 x 0.6)."""
    from gaussian_oracle._closed_forms import chi2_mixture_gaussian

    data = Gaussian(20.0, 0.6)
    traj = run_recursion(
        data,
        alpha=0.1,
        learner=ExactScore(),
        diffusion=EXACT,
        generations=115,
        compute=(),
    )
    assert traj.first_infinite is None
    i = traj.first_overflow
    assert i is not None and np.all(np.isfinite(traj.D_values[:i]))
    log1 = traj.D[i].log_value  # typed: log(1 + chi2) of the overflow
    # the cache's normalised-kernel sum vs the direct log-sum-exp over pairs (both float64)
    assert log1 == pytest.approx(chi2_mixture_gaussian(traj.laws[i], data)[0], rel=1e-12)
    assert log1 > np.log(np.finfo(float).max)


def test_kde_bandwidth_at_least_sigma_is_infinite_at_once():
    traj = run_recursion(
        Gaussian(0.0, 0.25),
        alpha=0.5,
        learner=PopulationKDE(0.5),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=2,
    )
    assert traj.first_infinite == 1


def test_finite_sample_refit_error_shrinks_like_one_over_n():
    """E KL(N(m_hat, S_hat) || q) ~ (d + d(d+1)/2) / (2 n) for the ML fit of n samples."""
    data = Gaussian([0.0, 1.0], [[1.0, 0.3], [0.3, 0.5]])
    d, n, reps = 2, 400, 300
    rng = np.random.default_rng(9)
    kls = [kl(FiniteSampleRefit(n).learn(data, rng), data).value for _ in range(reps)]
    expected = (d + d * (d + 1) / 2) / (2 * n)
    se = np.std(kls, ddof=1) / np.sqrt(reps)
    # first-order expansion: relative O(1/n) correction (~1%) plus 4 s.e. of the average
    assert abs(np.mean(kls) - expected) < 4 * se + 0.02 * expected


def test_finite_sample_kde_is_an_n_component_mixture_and_seeded():
    def run(seed):
        return run_recursion(
            Gaussian(0.0, 1.0),
            alpha=0.5,
            learner=FiniteSampleKDE(30, 0.4),
            diffusion=EXACT,
            compute=("I", "I_ideal", "J"),
            generations=2,
            rng=np.random.default_rng(seed),
        )

    a, b = run(4), run(4)
    assert a.laws[2].n_components == 30
    np.testing.assert_array_equal(a.D_values, b.D_values)


def test_save_and_load_round_trip(tmp_path):
    traj = run_recursion(
        Gaussian(0.0, 0.4),
        alpha=0.5,
        learner=PopulationKDE(0.2),
        diffusion=EXACT,
        compute=("I", "I_ideal", "J"),
        generations=4,
    )
    path = traj.save(tmp_path / "traj.npz")
    back = Trajectory.load(path)
    assert back.alpha == traj.alpha and back.diffusion == traj.diffusion
    assert back.learner == traj.learner
    assert all(x == y for x, y in zip(back.laws, traj.laws, strict=True))
    assert back.D == traj.D and back.I == traj.I and back.refreshed == traj.refreshed
    assert not list(tmp_path.glob("*.part"))
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # as open() would, not owner-only


_G = Gaussian(0.0, 1.0)
_RUN = {"alpha": 0.5, "learner": ExactScore(), "diffusion": EXACT, "generations": 1}


def _run(**changes):
    return lambda: run_recursion(_G, **{**_RUN, "compute": ("I", "I_ideal", "J"), **changes})


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(  # in d = 1, 2 this runs on the grid (test_grid_recursion); d = 3 refuses
            lambda: run_recursion(
                Gaussian(np.zeros(3), np.eye(3)), **{**_RUN, "diffusion": Diffusion()}
            ),
            "init='standard' is supported only when every",
            id="standard-init-mixtures",
        ),
        pytest.param(  # a sampled KDE runs on the grid under the standard init, up to a size
            _run(alpha=1.0, learner=FiniteSampleKDE(10, 0.01), diffusion=Diffusion()),
            r"would need about \d+ points per axis .* KDE bandwidth of 0.01",
            id="standard-init-narrow-kde",
        ),
        pytest.param(
            lambda: standard_init_endpoint(
                GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 1.0]), Diffusion()
            ),
            r"law=.* must be a Gaussian",
            id="endpoint-of-a-mixture",
        ),
        pytest.param(
            _run(learner=[ExactScore()], generations=2),
            "sequence of 1 learners; with generations=2",
            id="schedule-length",
        ),
        pytest.param(
            _run(learner=[ExactScore(), None], generations=2),
            r"learner\[1\]=None must be one of",
            id="schedule-entry",
        ),
        pytest.param(_run(learner=3), "learner=3 must be one of", id="learner"),
        pytest.param(_run(alpha=1.5), r"alpha=1.5 must lie in \[0, 1\]", id="alpha"),
        pytest.param(_run(generations=0), "generations=0", id="generations"),
        pytest.param(
            _run(p_hat_0=Gaussian([0.0, 0.0], np.eye(2))),
            "p_hat_0 has dimension 2",
            id="p_hat_0",
        ),
        pytest.param(
            _run(compute="eta"),
            "compute='eta' must be 'auto', 'all' or a collection",
            id="compute-str",
        ),
        pytest.param(_run(compute=["D"]), r"compute=\['D'\]: D not among", id="compute-item"),
        pytest.param(
            _run(intra=False),
            "give compute=... or the deprecated",
            id="compute-and-flags",
        ),
        pytest.param(
            lambda: FiniteSampleRefit(2).learn(
                Gaussian([0.0, 0.0], np.eye(2)), np.random.default_rng(0)
            ),
            "n=2 must exceed the dimension 2",
            id="refit-n",
        ),
        pytest.param(lambda: FiniteSampleKDE(10, 0.0), r"h=0.0 must lie in \(0, inf\]", id="kde-h"),
        pytest.param(
            lambda: FiniteSampleRefit(10, family="student"), "family='student'", id="family"
        ),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(OracleDomainError, match=match):
        call()


def test_a_file_that_is_not_a_trajectory_is_refused(tmp_path):
    bad = tmp_path / "x.npz"
    np.savez(bad, meta=np.array('{"format": "other"}'))
    with pytest.raises(OracleDomainError, match="is not a trajectory file"):
        Trajectory.load(bad)


def test_the_deprecated_switches_still_work_and_say_so():
    with pytest.warns(DeprecationWarning, match="use compute="):
        old = run_recursion(_G, **_RUN, observables=False)
    new = run_recursion(_G, **_RUN, compute=("I", "I_ideal", "J"))
    assert old.eps_star2 == () and old.eta == () and len(old.I) == 1
    assert [d.value for d in old.I] == [d.value for d in new.I]
    only_energy = run_recursion(
        _G, **{**_RUN, "learner": PopulationKDE(0.2)}, compute=["eps_star2"]
    )
    assert len(only_energy.eps_star2) == 1 and only_energy.eta == () and only_energy.I == ()
    assert only_energy.settings["compute"] == ["eps_star2"]


def _as_two_components(law):
    """The same law written as two identical half-weight components (forces generic routes)."""
    m = (
        law
        if isinstance(law, GaussianMixture)
        else GaussianMixture([1.0], law.mean[None], law.cov[None])
    )
    return GaussianMixture([0.5, 0.5], np.repeat(m.means, 2, axis=0), np.repeat(m.covs, 2, axis=0))


def _energy_and_eta(q, qt, diffusion, *, energy_rng, eta_rng, **sizes):
    """``(eps_star2, eta)`` of the generation q -> q~, by the engine the recursion uses."""
    from gaussian_oracle import ScoreDifference, Streams, solve_generation

    sol = solve_generation(
        q,
        ScoreDifference(q, qt),
        diffusion,
        compute=("eps_star2", "eta"),
        rng=Streams(energy_rng, eta_rng),
        **sizes,
    )
    return sol.eps_star2, sol.eta


def test_energy_and_eta_exact_route_against_cubature_and_regression():
    q = GaussianMixture([1.0], [[0.4]], [[[0.7]]])
    qt = AffinePushforward(1.1, 0.15).learn(q)
    rng = np.random.default_rng(2)
    exact_e, exact_eta = _energy_and_eta(
        q, qt, EXACT, energy_rng=rng, eta_rng=rng, n_samples=10_000, eta_paths=4000, eta_steps=100
    )
    assert exact_e.method == exact_eta.method == "closed-form"
    quad_e, mc_eta = _energy_and_eta(
        _as_two_components(q),
        _as_two_components(qt),
        EXACT,
        energy_rng=rng,
        eta_rng=rng,
        n_samples=10_000,
        eta_paths=20_000,
        eta_steps=400,
    )
    # two equal components: not recognised as Gaussian, so the 1-D spline basis is used
    assert quad_e.method == "quadrature" and mc_eta.method == "regression"
    assert mc_eta.kind == "estimate" and "settled" in mc_eta.reason
    # cubature (rtol 1e-8) against the ODE route (rtol 1e-12)
    assert quad_e.value == pytest.approx(exact_e.value, rel=1e-6)
    # the decision rule: 4.5 s.e. plus the estimated Euler bias (-0.0019 at 400 steps; the raw
    # value is 6 s.e. below the exact one, so the bias term is needed)
    assert abs(mc_eta.value - exact_eta.value) < 4.5 * mc_eta.abs_error + abs(mc_eta.bias)
    # after one Richardson step the remainder is second order in h: measured 2% of |bias|,
    # allowed 25%
    extrapolated = mc_eta.value - mc_eta.bias
    assert abs(extrapolated - exact_eta.value) < 4.5 * mc_eta.abs_error + 0.25 * abs(mc_eta.bias)


@pytest.mark.slow
def test_energy_monte_carlo_route_in_3d():
    q = GaussianMixture([1.0], [[0.2, -0.1, 0.3]], [np.diag([0.5, 1.0, 1.5])])
    qt = PopulationKDE(0.3).learn(q)
    rng = np.random.default_rng(4)
    exact_e, _ = _energy_and_eta(
        q, qt, EXACT, energy_rng=rng, eta_rng=rng, n_samples=2, eta_paths=40, eta_steps=4
    )
    mc_e, _ = _energy_and_eta(
        _as_two_components(q),
        _as_two_components(qt),
        EXACT,
        energy_rng=rng,
        eta_rng=rng,
        n_samples=40_000,
        eta_paths=400,
        eta_steps=20,
    )
    assert mc_e.method == "monte-carlo"
    assert abs(mc_e.value - exact_e.value) < 4 * mc_e.abs_error  # fixed seed, 4 s.e.


def test_trajectory_carries_energies_and_observabilities():
    traj = run_recursion(
        Gaussian(0.3, 0.8),
        alpha=1.0,
        learner=AffinePushforward(1.05, 0.1),
        diffusion=EXACT,
        generations=2,
    )
    assert len(traj.eps_star2) == len(traj.eta) == 2
    # alpha = 1: every step starts from the data, so every step has the same error
    assert traj.eps_star2[0].value == pytest.approx(traj.eps_star2[1].value, rel=1e-12)
    assert 0.0 < traj.eta[0].value <= 1.0 and traj.eta[0].method == "closed-form"
    zero = run_recursion(
        Gaussian(0.3, 0.8), alpha=0.5, learner=ExactScore(), diffusion=EXACT, generations=2
    )
    assert all(e.value == 0.0 for e in zero.eps_star2) and all(e.value == 0.0 for e in zero.eta)


def test_cached_d_equals_the_direct_closed_form():
    data = Gaussian([0.3, -0.2], [[0.9, 0.2], [0.2, 0.7]])
    traj = run_recursion(
        data,
        alpha=0.3,
        learner=AffinePushforward(1.02, [0.05, 0.0]),
        diffusion=EXACT,
        generations=12,
        compute=(),
    )
    direct = np.array([chi2(law, data).value for law in traj.laws])
    # same pairwise formula, summed in a different order: round-off of 1 + chi2 (~1e-15)
    np.testing.assert_allclose(traj.D_values, direct, rtol=1e-12, atol=1e-15)
    assert traj.I == () and traj.eps_star2 == ()


def test_pair_cache_matches_chi2_from_order_one_to_overflow():
    """The normalised-kernel sum (Cauchy–Schwarz scaling) against the log-sum-exp closed form,
    on random mixtures whose chi2 ranges from O(1) to beyond the float64 range."""
    from gaussian_oracle._paircache import PairCache

    rng = np.random.default_rng(3)
    d = 4
    data = Gaussian(np.zeros(d), 1.5 * np.eye(d))
    cache = PairCache(data)
    seen_overflow = seen_infinite = 0
    for _ in range(40):
        k = int(rng.integers(2, 12))
        a = 0.3 * rng.standard_normal((k, d, d))
        law = GaussianMixture(
            rng.dirichlet(np.ones(k)),
            rng.uniform(0.1, 40.0) * rng.standard_normal((k, d)),
            # variances above 2 x 1.5 make chi2 infinite (tail rule)
            np.einsum("kij,klj->kil", a, a) + rng.uniform(0.3, 3.2) * np.eye(d),
        )
        got, want = cache.chi2(law, rng, 1000), chi2(law, data)
        if np.isfinite(want.value):
            # both sum the same positive terms in float64; relative round-off ~K^2 x 1e-16
            assert got.value == pytest.approx(want.value, rel=1e-12)
        else:
            assert got.value == np.inf and got.method == want.method
            assert got.reason == want.reason
            seen_overflow += want.method == "overflow"
            seen_infinite += want.method == "tail-rule"
    assert seen_overflow and seen_infinite  # both kinds of inf were exercised


@pytest.mark.parametrize(
    ("mean", "cov", "T", "t0"),
    [
        ([0.7], [[0.3]], 4.0, 0.02),
        ([2.0, -1.0], [[0.4, 0.1], [0.1, 2.5]], 4.0, 0.02),
        ([1.0, 0.0, -3.0], [[1.2, 0.3, 0.0], [0.3, 0.2, 0.05], [0.0, 0.05, 4.0]], 1.0, 0.3),
    ],
)
def test_standard_init_endpoint_against_the_moment_odes(mean, cov, T, t0):
    """Closed-form reverse kernel vs the ideal moments integrated by the linear engine (DOP853,
    rtol 1e-12) from N(0, I) with zero error: two independent routes to the same Gaussian."""
    law = Gaussian(mean, cov)
    diffusion = Diffusion(T=T, t0=t0, init="standard")
    ode = LinearGaussianOracle(law, diffusion, AffineError(xi=np.zeros(len(mean)))).solve()
    got = standard_init_endpoint(law, diffusion)
    # ODE tolerance 1e-12 relative on O(1) moments: 1e-9 absolute leaves a wide margin
    np.testing.assert_allclose(got.mean, ode.ideal_endpoint.mean, atol=1e-9)
    np.testing.assert_allclose(got.cov, ode.ideal_endpoint.cov, atol=1e-9)
    # and the start matters: the endpoint differs from P_t0(law) by the initial mismatch
    assert not np.allclose(got.mean, ou_transition(law, t0).mean, atol=1e-6)


def test_standard_init_recursion_alpha_one_repeats_one_standard_generation():
    data = Gaussian([1.5, -0.5], [[0.8, 0.2], [0.2, 1.4]])
    std = Diffusion(T=4.0, t0=0.02, init="standard")
    traj = run_recursion(data, alpha=1.0, learner=ExactScore(), diffusion=std, generations=3)
    ode = LinearGaussianOracle(data, std, AffineError(xi=[0.0, 0.0])).solve()
    want = chi2(ode.ideal_endpoint, data).value
    # closed form on the ODE endpoint (moments to ~1e-12) vs closed form on the kernel formula
    np.testing.assert_allclose(traj.D_values[1:], want, rtol=1e-8)
    assert all(e.value == 0.0 for e in traj.eps_star2)  # the exact score: no score error
    exact = run_recursion(data, alpha=1.0, learner=ExactScore(), diffusion=EXACT, generations=1)
    assert traj.D_values[1] > exact.D_values[1]  # the N(0, I) start adds its mismatch


def test_standard_init_refit_recursion_is_exact_and_reports_grid_observables():
    data = Gaussian(0.0, 0.8)
    std = Diffusion(T=4.0, t0=0.02, init="standard")
    traj = run_recursion(
        data,
        alpha=0.5,
        learner=FiniteSampleRefit(200),
        diffusion=std,
        generations=3,
        rng=np.random.default_rng(4),
        eta_paths=400,
        eta_steps=40,
    )
    for i, law in enumerate(traj.laws[1:], start=1):
        assert law.n_components == 1
        assert traj.D[i].value == pytest.approx(chi2(law, data).value, rel=1e-12)
    # q_0 = p (Gaussian): exact linear engine; q_1, q_2 are two-component mixtures in 1-D:
    # the grid engine from N(0, I) (Fokker-Planck + tangent equations, stated error)
    assert traj.eps_star2[0].method == "closed-form"
    assert [e.method for e in traj.eps_star2[1:]] == ["grid"] * 2
    assert all(e.method == "grid" and e.abs_error < 1e-6 for e in traj.eta[1:])


def _paper_geometry(seed=0):
    """The paper's experiment: d = 10, five equal-weight components of covariance 0.36 I."""
    d = 10
    means = 1.5 * np.random.default_rng(seed).standard_normal((5, d))
    return GaussianMixture(np.full(5, 0.2), means, 0.36 * np.eye(d))


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_paper_geometry_with_bandwidth_sigma_is_infinite_from_generation_one(alpha):
    """h = 0.6 = sigma: every component of p_hat_1 has covariance >= 2 x 0.36 I, the chi2
    boundary (THEORY.md §5), whatever alpha."""
    traj = run_recursion(
        _paper_geometry(),
        alpha=alpha,
        learner=PopulationKDE(0.6),
        diffusion=EXACT,
        generations=20,
        compute=(),
    )
    assert traj.first_infinite == 1 and traj.D[0].value == 0.0
    assert all(d.method == "tail-rule" for d in traj.D[1:])
    # q_0 = p merges with p_hat_0 = p; afterwards one age (5 components) per generation
    assert [law.n_components for law in traj.laws] == [5] + [5 * i for i in range(1, 21)]


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_paper_geometry_with_small_bandwidth_turns_infinite_when_the_variance_recursion_says(
    alpha,
):
    """h = 0.1: the component of age k has variance v_k with v_{k+1} = e^{-t0}(v_k + h^2) +
    1 - e^{-t0}; D_i turns infinite at the first i with v_i >= 2 x 0.36. The scalar recursion
    (computed here) and the tail rule inside run_recursion are independent routes."""
    v, first = 0.36, 0
    while v < 0.72:
        v = np.exp(-EXACT.t0) * (v + 0.01) - np.expm1(-EXACT.t0)
        first += 1
    traj = run_recursion(
        _paper_geometry(),
        alpha=alpha,
        learner=PopulationKDE(0.1),
        diffusion=EXACT,
        generations=first + 1,
        compute=(),
        n_samples=2000,
        rng=np.random.default_rng(1),
    )
    assert traj.first_infinite == first
    finite = traj.D[1:first]
    assert all(d.method == "importance-sampling" and 0 < d.value < np.inf for d in finite)


def test_a_learner_schedule_applies_one_learner_per_generation():
    """alpha = 1: generation i+1 depends only on learner i, so each D_{i+1} is one closed form."""
    from gaussian_oracle import push_forward

    data = Gaussian([0.2, -0.4], [[1.1, 0.3], [0.3, 0.6]])
    biases = [0.3 * 0.5**i for i in range(4)]
    schedule = [AffinePushforward(1.0, [b, 0.0]) for b in biases]
    traj = run_recursion(
        data,
        alpha=1.0,
        learner=schedule,
        diffusion=EXACT,
        generations=4,
        compute=("I", "I_ideal", "J"),
    )
    want = [
        chi2(ou_transition(push_forward(data, 1.0, [b, 0.0]), EXACT.t0), data).value for b in biases
    ]
    # the same Gaussian closed form on the same laws: equal to round-off
    np.testing.assert_allclose(traj.D_values[1:], want, rtol=1e-12)
    assert [c["learner"] for c in traj.learner] == ["AffinePushforward"] * 4
    assert [float(x.b[0]) for x in traj.learners()] == biases  # configurations, not reprs


def test_compute_auto_leaves_the_monte_carlo_quantities_out_in_high_dimension():
    """compute="auto" (the default): in d >= 3 with mixture laws only what has a closed form;
    the same run with compute="all" adds the Monte Carlo ones and changes nothing else."""
    rng = np.random.default_rng(1)
    data = GaussianMixture([0.5, 0.5], rng.normal(size=(2, 3)), [0.5 * np.eye(3)] * 2)
    args = dict(
        alpha=0.5,
        learner=AffinePushforward(np.eye(3), 0.05),
        diffusion=EXACT,
        generations=2,
        n_samples=2_000,
        eta_paths=50,
        eta_steps=4,
    )
    auto = run_recursion(data, **args)
    assert auto.settings["compute"] == []  # J too: the data is a mixture
    assert auto.I == auto.J == auto.eps_star2 == ()
    every = run_recursion(data, **args, compute="all")
    assert every.settings["compute"] == list(RECURSION_COMPUTE)
    assert len(every.I) == len(every.eta) == 2
    assert every.D_values.tolist() == auto.D_values.tolist()
    gauss = run_recursion(Gaussian(np.zeros(3), np.eye(3)), **args)  # J closed form: kept
    assert gauss.settings["compute"] == ["J"]
    flat = run_recursion(
        GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [0.5, 0.5]),
        **{**args, "learner": AffinePushforward(1.0, 0.05)},
    )
    assert flat.settings["compute"] == list(RECURSION_COMPUTE)  # d <= 2: cubature, all of it


def test_a_progress_bar_names_what_is_computed_and_is_off_in_a_pipe(capsys):
    args = dict(alpha=0.5, learner=PopulationKDE(0.2), diffusion=EXACT, generations=2)
    run_recursion(Gaussian(0.0, 1.0), **args, compute=("J",), progress=True)
    err = capsys.readouterr().err
    assert "recursion (laws, D, J)" in err and "/2 [" in err  # tqdm: done / total
    run_recursion(Gaussian(0.0, 1.0), **args, compute=("J",))  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    with pytest.raises(OracleDomainError, match="progress='yes' must be a bool"):
        run_recursion(Gaussian(0.0, 1.0), **args, progress="yes")


@pytest.mark.parametrize(
    "learner", [AffinePushforward(0.97, 0.05), PopulationKDE(0.3), ExactScore()], ids=repr
)
def test_the_age_table_matches_the_general_recursion(learner):
    """One componentwise learner on Gaussian data runs on the age table (each component once,
    laws as views of one table); the same learner given as a schedule of copies takes the
    general path (re-merging every generation): D, chi2(q || p), J and the laws agree."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 3)) / 3
    data = Gaussian(rng.normal(size=3), a @ a.T + 0.5 * np.eye(3))
    if isinstance(learner, AffinePushforward):
        learner = AffinePushforward(0.97 * np.eye(3), 0.05 * np.ones(3))
    n = 12
    args = dict(alpha=0.3, diffusion=EXACT, generations=n, compute=("J",))
    fast = run_recursion(data, learner=learner, **args)
    params = {k: v for k, v in learner.config().items() if k != "learner"}
    copies = [type(learner)(**params) for _ in range(n)]
    slow = run_recursion(data, learner=copies, **args)
    assert np.shares_memory(fast.laws[n].means, fast.laws[n - 1].means)  # one table
    assert not np.shares_memory(slow.laws[n].means, slow.laws[n - 1].means)
    # the same closed forms summed over the same components in another order: round-off
    for name in ("D", "refreshed", "J"):
        f = np.array([x.value for x in getattr(fast, name)])
        s = np.array([x.value for x in getattr(slow, name)])
        np.testing.assert_allclose(f, s, rtol=1e-12, atol=0.0, err_msg=name)
        assert [x.method for x in getattr(fast, name)] == [x.method for x in getattr(slow, name)]
    for lf, ls in zip(fast.laws, slow.laws, strict=True):
        order = np.argsort(ls.ages, kind="stable")
        np.testing.assert_allclose(lf.weights, ls.weights[order], rtol=1e-14)
        np.testing.assert_allclose(lf.means, ls.means[order], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(lf.covs, ls.covs[order], rtol=1e-13, atol=1e-15)


def test_an_age_table_trajectory_saves_and_reloads_exactly(tmp_path):
    """Its laws' weights sum to one only within round-off (1 + 2e-16): reloading must keep
    them bit for bit rather than renormalise (which moved their last bits: unequal)."""
    rng = np.random.default_rng(11)
    g = Gaussian(rng.normal(size=4), np.diag(rng.uniform(0.5, 2.0, 4)))
    learner = AffinePushforward(0.99 * np.eye(4), 0.01)
    traj = run_recursion(g, alpha=0.2, learner=learner, diffusion=EXACT, generations=40)
    assert any(float(np.sum(x.weights)) != 1.0 for x in traj.laws)  # the case that broke
    traj.save(tmp_path / "t.npz")
    assert Trajectory.load(tmp_path / "t.npz") == traj
