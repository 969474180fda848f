"""Per-generation alpha and t0 in run_recursion (THEORY.md §8: annealed truncation)."""

from __future__ import annotations

import numpy as np
import pytest

import bounds as B
from gaussian_oracle import (
    Diffusion,
    ExactScore,
    Gaussian,
    GaussianMixture,
    OracleDomainError,
    PopulationKDE,
    Trajectory,
    hermite_coefficients,
    run_recursion,
)

EXACT = Diffusion(T=4.0, t0=0.02, init="exact")


def test_annealed_truncation_follows_the_mode_recursion():
    """Exact score, t0^(k) = 0.3 * 0.8^k: the Hermite modes of the trajectory's laws (the
    recursion on Gaussian mixtures) against bounds.mode_errors (the scalar recursion of each
    mode): two routes, every multi-index to order 4 in 2-D (the laws are mixtures of ages);
    and D_i falls towards 0 where a
    constant t0 keeps it at the limit law's value."""
    data = Gaussian([-1.0, 0.3], [[0.7, 0.2], [0.2, 1.1]])  # D_i in closed form
    alpha, times = 0.4, 0.3 * 0.8 ** np.arange(25)
    traj = run_recursion(
        data,
        alpha=alpha,
        learner=ExactScore(),
        diffusion=EXACT,
        generations=25,
        t0=times,
        compute=(),
    )
    assert traj.settings["t0_schedule"] == pytest.approx(times.tolist())
    ref = hermite_coefficients(data, 4)
    measured = np.array([hermite_coefficients(law, 4).values - ref.values for law in traj.laws])
    predicted = B.mode_errors(ref.degree(), alpha, times, data_coef=ref.values)
    np.testing.assert_allclose(measured, predicted, rtol=1e-9, atol=1e-13)  # 25 merged steps
    constant = run_recursion(
        data,
        alpha=alpha,
        learner=ExactScore(),
        diffusion=Diffusion(T=4.0, t0=0.3, init="exact"),
        generations=25,
        compute=(),
    )
    assert traj.D_values[-1] < 0.01 * constant.D_values[-1]


def test_a_schedule_of_alpha_keeps_lemma_f1_and_reloads(tmp_path):
    alphas = np.linspace(0.9, 0.1, 6)
    traj = run_recursion(
        Gaussian(0.3, 0.7),
        alpha=alphas,
        learner=PopulationKDE(0.2),
        diffusion=EXACT,
        generations=6,
    )
    assert traj.settings["alpha_schedule"] == pytest.approx(alphas.tolist())
    # chi2(q_i || p) = (1 - alpha_i)^2 D_i with each generation's own alpha (exact identity)
    np.testing.assert_allclose(traj.lemma_f1_residuals(), 0.0, atol=1e-14)
    assert Trajectory.load(traj.save(tmp_path / "t.npz")) == traj


def test_constant_schedules_are_the_constant_run():
    kw = dict(learner=PopulationKDE(0.2), diffusion=EXACT, generations=5, compute=())
    plain = run_recursion(Gaussian(0.0, 0.8), alpha=0.3, **kw)
    same = run_recursion(Gaussian(0.0, 0.8), alpha=[0.3] * 5, t0=[0.02] * 5, **kw)
    np.testing.assert_array_equal(same.D_values, plain.D_values)
    assert "alpha_schedule" not in same.settings


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": [0.5, 0.5]}, "alpha has 2 values"),
        ({"alpha": [0.5, 1.5, 0.5]}, r"alpha\[1\]=1.5"),
        ({"t0": [0.1, 5.0, 0.1]}, r"t0\[1\]=5.0 must be below the horizon"),
        ({"t0": [0.1, 0.0, 0.1]}, r"t0\[1\]=0.0"),
    ],
)
def test_bad_schedules_are_specific_errors(kwargs, match):
    args = dict(alpha=0.5, learner=ExactScore(), diffusion=EXACT, generations=3)
    with pytest.raises(OracleDomainError, match=match):
        run_recursion(Gaussian(0.0, 1.0), **{**args, **kwargs})


def test_the_grid_recursion_refuses_schedules():
    with pytest.raises(OracleDomainError, match="not supported by the grid recursion"):
        run_recursion(
            GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [0.5, 0.5]),
            alpha=[0.5, 0.4],
            learner=ExactScore(),
            diffusion=Diffusion(init="standard"),
            generations=2,
        )
