"""The fresh-data recursion: exact D_i against independent routes, ages, infinities, files."""

from __future__ import annotations

import numpy as np
import pytest

from gaussian_oracle import (
    AffinePushforward,
    Diffusion,
    DomainError,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    Gaussian,
    GaussianMixture,
    PopulationKDE,
    Trajectory,
    chi2,
    kl,
    ou_transition,
    run_recursion,
)

EXACT = Diffusion(T=4.0, t0=0.02, init="exact")


def test_alpha_one_stays_at_one_generation_of_error():
    data = Gaussian([0.5, -1.0], [[0.6, 0.1], [0.1, 1.4]])
    traj = run_recursion(
        data, alpha=1.0, learner=ExactScore(), diffusion=EXACT, observables=False, generations=5
    )
    one = chi2(ou_transition(data, 0.02), data).value  # q_i = p every time
    np.testing.assert_allclose(traj.D_values[1:], one, rtol=1e-13)
    assert traj.D_values[0] == 0.0


def test_alpha_zero_accumulates():
    data = Gaussian([0.5, -1.0], [[0.6, 0.1], [0.1, 1.4]])
    traj = run_recursion(
        data, alpha=0.0, learner=ExactScore(), diffusion=EXACT, observables=False, generations=6
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
        observables=False,
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
        observables=False,
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
        observables=False,
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
        observables=False,
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
        observables=False,
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
        observables=False,
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
        observables=False,
        generations=60,
    )
    assert traj.first_infinite == 55  # age-k variance 1 - 0.6 e^{-0.02 k} reaches 0.8
    assert np.all(np.isinf(traj.D_values[55:])) and np.all(np.isfinite(traj.D_values[:55]))
    assert all(np.isfinite(i.value) for i in traj.I)  # I_i stays finite: q_i carries the tails
    assert "heavier tails" in traj.D[55].reason


def test_kde_bandwidth_at_least_sigma_is_infinite_at_once():
    traj = run_recursion(
        Gaussian(0.0, 0.25),
        alpha=0.5,
        learner=PopulationKDE(0.5),
        diffusion=EXACT,
        observables=False,
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
            observables=False,
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
        observables=False,
        generations=4,
    )
    path = traj.save(tmp_path / "traj.npz")
    back = Trajectory.load(path)
    assert back.alpha == traj.alpha and back.diffusion == traj.diffusion
    assert back.learner == traj.learner
    assert all(x == y for x, y in zip(back.laws, traj.laws, strict=True))
    assert back.D == traj.D and back.I == traj.I and back.refreshed == traj.refreshed
    assert not list(tmp_path.glob("*.part"))


def test_bad_input(tmp_path):
    g = Gaussian(0.0, 1.0)
    with pytest.raises(DomainError, match="init='standard' is not supported"):
        run_recursion(g, alpha=0.5, learner=ExactScore(), diffusion=Diffusion(), generations=1)
    with pytest.raises(DomainError, match="learner=3 must be one of"):
        run_recursion(g, alpha=0.5, learner=3, diffusion=EXACT, observables=False, generations=1)
    with pytest.raises(DomainError, match=r"alpha=1.5 must lie in \[0, 1\]"):
        run_recursion(
            g, alpha=1.5, learner=ExactScore(), diffusion=EXACT, observables=False, generations=1
        )
    with pytest.raises(DomainError, match="generations=0"):
        run_recursion(
            g, alpha=0.5, learner=ExactScore(), diffusion=EXACT, observables=False, generations=0
        )
    with pytest.raises(DomainError, match="p_hat_0 has dimension 2"):
        run_recursion(
            g,
            alpha=0.5,
            learner=ExactScore(),
            diffusion=EXACT,
            observables=False,
            generations=1,
            p_hat_0=Gaussian([0.0, 0.0], np.eye(2)),
        )
    with pytest.raises(DomainError, match="n=2 must exceed the dimension 2"):
        FiniteSampleRefit(2).learn(Gaussian([0.0, 0.0], np.eye(2)), np.random.default_rng(0))
    with pytest.raises(DomainError, match=r"h=0.0 must lie in \(0, inf\]"):
        FiniteSampleKDE(10, 0.0)
    with pytest.raises(DomainError, match="family='student'"):
        FiniteSampleRefit(10, family="student")
    bad = tmp_path / "x.npz"
    np.savez(bad, meta=np.array('{"format": "other"}'))
    with pytest.raises(DomainError, match="is not a trajectory file"):
        Trajectory.load(bad)


def _as_two_components(law):
    """The same law written as two identical half-weight components (forces generic routes)."""
    m = (
        law
        if isinstance(law, GaussianMixture)
        else GaussianMixture([1.0], law.mean[None], law.cov[None])
    )
    return GaussianMixture([0.5, 0.5], np.repeat(m.means, 2, axis=0), np.repeat(m.covs, 2, axis=0))


def test_energy_and_eta_exact_route_against_cubature_and_regression():
    from gaussian_oracle._generation import generation_energy_and_eta

    q = GaussianMixture([1.0], [[0.4]], [[[0.7]]])
    qt = AffinePushforward(1.1, 0.15).learn(q)
    rng = np.random.default_rng(2)
    exact_e, exact_eta = generation_energy_and_eta(
        q, qt, EXACT, rng, n_samples=10_000, eta_paths=4000, eta_steps=100
    )
    assert exact_e.method == exact_eta.method == "closed-form"
    quad_e, mc_eta = generation_energy_and_eta(
        _as_two_components(q),
        _as_two_components(qt),
        EXACT,
        rng,
        n_samples=10_000,
        eta_paths=20_000,
        eta_steps=400,
    )
    assert quad_e.method == "quadrature" and mc_eta.method == "monte-carlo"
    # cubature (rtol 1e-8) against the ODE route (rtol 1e-12)
    assert quad_e.value == pytest.approx(exact_e.value, rel=1e-6)
    # regression estimate: 4.5 s.e. plus the Euler bias of 400 steps (~1e-2 relative, measured)
    assert abs(mc_eta.value - exact_eta.value) < 4.5 * mc_eta.abs_error + 0.01


@pytest.mark.slow
def test_energy_monte_carlo_route_in_3d():
    from gaussian_oracle._generation import generation_energy_and_eta

    q = GaussianMixture([1.0], [[0.2, -0.1, 0.3]], [np.diag([0.5, 1.0, 1.5])])
    qt = PopulationKDE(0.3).learn(q)
    rng = np.random.default_rng(4)
    exact_e, _ = generation_energy_and_eta(
        q, qt, EXACT, rng, n_samples=1, eta_paths=40, eta_steps=1
    )
    mc_e, _ = generation_energy_and_eta(
        _as_two_components(q),
        _as_two_components(qt),
        EXACT,
        rng,
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
        intra=False,
        observables=False,
    )
    direct = np.array([chi2(law, data).value for law in traj.laws])
    # same pairwise formula, summed in a different order: round-off of 1 + chi2 (~1e-15)
    np.testing.assert_allclose(traj.D_values, direct, rtol=1e-12, atol=1e-15)
    assert traj.I == () and traj.eps_star2 == ()
