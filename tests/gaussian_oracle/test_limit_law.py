"""The limit law of the exact-score recursion (THEORY.md §8, derived in this project): its chi2
against mpmath sums of the age series, its modes against the Hermite gain of ``bounds``, the
recursion converging to it, and the infinite cases that a truncation alone would miss."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import bounds as B
from gaussian_oracle import (
    Diffusion,
    ExactScore,
    Gaussian,
    GaussianMixture,
    OracleDomainError,
    chi2,
    limit_law,
    run_recursion,
)


def _mp_chi2_gaussian_1d(m: float, s: float, alpha: float, t0: float, dps: int = 40) -> mp.mpf:
    """sum_jk w_j w_k (int N_j N_k / p - 1) over ages 1..K (weights below 1e-30 dropped), each
    integral by the textbook 1-D formula at ``dps`` digits."""
    with mp.workdps(dps):
        a, tt = mp.mpf(alpha), mp.mpf(t0)
        k_max = math.ceil(math.log(1e-30) / math.log1p(-alpha))
        comps = []
        for k in range(1, k_max + 1):
            c = mp.e ** (-k * tt)
            comps.append((a * (1 - a) ** (k - 1), mp.sqrt(c) * m, c * s + 1 - c))
        total = mp.mpf(0)
        for wj, mj, vj in comps:
            for wk, mk, vk in comps:
                prec = 1 / vj + 1 / vk - 1 / mp.mpf(s)
                b = mj / vj + mk / vk - m / mp.mpf(s)
                log_int = (
                    -mp.log(2 * mp.pi * vj) / 2
                    - mp.log(2 * mp.pi * vk) / 2
                    + mp.log(2 * mp.pi * s) / 2
                    + mp.log(2 * mp.pi / prec) / 2
                    - (mj**2 / vj + mk**2 / vk - mp.mpf(m) ** 2 / s) / 2
                    + b**2 / prec / 2
                )
                total += wj * wk * mp.expm1(log_int)
        return total


@pytest.mark.parametrize(("m", "s", "alpha", "t0"), [(0.3, 0.8, 0.4, 0.1), (-1.0, 2.5, 0.7, 0.5)])
def test_chi2_of_the_limit_law_against_an_mpmath_age_series(m, s, alpha, t0):
    lim = limit_law(Gaussian(m, s), alpha=alpha, t0=t0)
    ref = _mp_chi2_gaussian_1d(m, s, alpha, t0)
    # the 1e-10 relative; the stated error bounds the truncation (Cauchy-Schwarz)
    assert abs(lim.chi2.value - float(ref)) <= 1e-10 * float(ref)
    assert abs(lim.chi2.value - float(ref)) <= lim.chi2.abs_error + 1e-15 * float(ref)
    assert lim.truncation_tv <= 1e-12 and lim.law.n_components == lim.ages


def test_the_limit_laws_modes_are_the_datas_times_the_hermite_gain():
    """c_1 = mean and c_2 = (E X^2 - 1) / 2 of the (truncated) limit law against
    hermite_gain(n) c_n(p) from bounds: two routes (the law's moments, the closed-form gain)."""
    data = Gaussian(0.7, 0.6)
    for alpha, t0 in [(0.2, 0.05), (0.6, 0.8)]:
        law = limit_law(data, alpha=alpha, t0=t0).law
        c1, c2 = law.mean[0], (law.cov[0, 0] + law.mean[0] ** 2 - 1.0) / 2.0
        c1_p, c2_p = 0.7, (0.6 + 0.49 - 1.0) / 2.0
        # renormalised truncation: TV 1e-12 moves moments by ~1e-12
        assert float(c1) == pytest.approx(B.hermite_gain(1, alpha, t0) * c1_p, rel=1e-10)
        assert float(c2) == pytest.approx(B.hermite_gain(2, alpha, t0) * c2_p, rel=1e-9)


def test_the_exact_score_recursion_converges_to_it_at_rate_one_minus_alpha():
    data = Gaussian(0.5, 0.9)
    alpha, t0 = 0.5, 0.2
    lim = limit_law(data, alpha=alpha, t0=t0)
    traj = run_recursion(
        data,
        alpha=alpha,
        learner=ExactScore(),
        diffusion=Diffusion(T=4.0, t0=t0, init="exact"),
        generations=40,
        compute=(),
    )
    d = traj.D_values
    # D_i -> D_inf: the gap contracts at least as fast as TV, (1 - alpha)^i (up to the constant)
    gaps = np.abs(d - lim.chi2.value)
    assert gaps[-1] <= 1e-9 * lim.chi2.value
    assert np.all(gaps[5:25] <= 10.0 * (1 - alpha) ** np.arange(5, 25) * gaps[1])


def test_infinite_where_theory_says_even_when_the_truncation_is_finite():
    """Variance 0.45 < 1/2: the old ages tend to N(0, 1), heavier-tailed than the data, so
    chi2(p_inf || p) = inf; with t0 = 0.01 every kept age is still finite (k t0 < 1.7)."""
    data = Gaussian(0.0, 0.45)
    lim = limit_law(data, alpha=0.5, t0=0.01)
    assert lim.chi2.value == np.inf and "N(0, I)" in lim.chi2.reason
    assert np.isfinite(chi2(lim.law, data).value)  # what a truncation alone would report
    offset = limit_law(Gaussian([1.0, 0.0], [[0.5, 0.0], [0.0, 2.0]]), alpha=0.5, t0=0.1)
    assert offset.chi2.value == np.inf and "offset" in offset.chi2.reason  # eigenvalue 1/2
    # (1 - alpha)^2 e^(t0 / 2) = 1.03 >= 1: the series' diagonal terms grow
    diverging = limit_law(Gaussian([0.0, 0.0], np.diag([0.5, 2.0])), alpha=0.01, t0=0.1)
    assert diverging.chi2.value == np.inf and "diverges" in diverging.chi2.reason
    summed = limit_law(Gaussian([0.0, 0.0], np.diag([0.5, 2.0])), alpha=0.5, t0=0.1).chi2
    assert np.isfinite(summed.value) and "boundary" in summed.reason
    # mixture data on the boundary: not summed; the +inf is the tail rule's conservative one,
    # and the reason says so rather than claiming heavier tails
    mixed = limit_law(GaussianMixture([0.5, 0.5], [-2.0, 2.0], [0.5, 0.5]), alpha=0.5, t0=0.5)
    assert mixed.chi2.value == np.inf and "exactly as heavy" in mixed.chi2.reason
    assert "conservatively" in mixed.chi2.reason


def test_boundary_series_converges_beyond_the_condition_theory_states():
    """THEORY.md §8 says the boundary series converges iff (1 - alpha) e^(t0 / 2) < 1; the
    double series converges iff (1 - alpha)^2 e^(t0 / 2) < 1 (_limit_boundary). At alpha =
    0.3, t0 = 1 the first is 1.15 and the second 0.81: a partial sum in float64 (the stable
    form of the pair integral, independent of the oracle's code) settles at 2.964620."""
    lim = limit_law(Gaussian(0.0, 0.5), alpha=0.3, t0=1.0)
    k = np.arange(1, 401, dtype=float)
    u, w = np.exp(-k), 0.3 * 0.7 ** (k - 1)
    v = 1 - u / 2
    gram = np.sqrt(0.5 / (v[:, None] * v[None, :] * (u[:, None] / (2 * v[:, None]) + u / (2 * v))))
    partial = float(w @ gram @ w) - 1.0  # 400 ages: the rest is below 0.9^400 ~ 1e-19
    assert lim.chi2.value == pytest.approx(partial, rel=1e-12)
    assert lim.chi2.abs_error < 1e-12 and np.isfinite(lim.chi2.value)


def test_bad_input_is_a_clear_error():
    g = Gaussian(0.0, 1.0)
    with pytest.raises(OracleDomainError, match="alpha"):
        limit_law(g, alpha=0.0, t0=0.1)
    with pytest.raises(OracleDomainError, match="t0"):
        limit_law(g, alpha=0.5, t0=0.0)
    with pytest.raises(OracleDomainError, match=r"needs \d+ ages"):
        limit_law(g, alpha=1e-6, t0=0.1)
    assert limit_law(g, alpha=1.0, t0=0.3).ages == 1  # only fresh data: P_t0 p
