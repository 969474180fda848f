"""Numeric bounds: mpmath references, brute force, properties and limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import bounds as B

from . import checks

unit = st.floats(0.0, 1.0)
energy = st.floats(0.0, 1e3)
small_energy = st.floats(0.0, 1.0)


@pytest.mark.slow
@pytest.mark.parametrize("idx", range(len(checks.references()["discounted"])))
def test_discounted_sum_against_mpmath_at_one_million_generations(idx):
    checks.check_discounted_reference(B.discounted_sum, checks.references()["discounted"][idx])


def test_closed_forms_against_mpmath():
    checks.check_closed_forms(B.kl_upper, B.chi2_lower, B.chi2_upper)
    checks.check_recursion_closed_forms(B.persistence_floor, B.refresh, B.fixed_point)


@pytest.mark.parametrize("alpha", [0.0, 1e-3, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("d0", [0.0, 1.7])
def test_discounted_sum_equals_brute_force(alpha, d0):
    e = np.random.default_rng(3).uniform(0, 2, 25)
    checks.check_discounted_brute_force(B.discounted_sum, e, alpha, d0)


@pytest.mark.parametrize(("k", "alpha"), [(0.01, 0.1), (2.0, 0.5), (1e-6, 0.01), (3.0, 1.0)])
def test_constant_schedule_settles_at_the_fixed_point(k, alpha):
    checks.check_fixed_point(B.discounted_sum, B.fixed_point, k, alpha)


@given(k=st.floats(1e-6, 10.0), alpha=st.floats(1e-3, 1.0))
def test_fixed_point_solves_the_scalar_recursion(k, alpha):
    d = B.fixed_point(k, alpha)
    # D = (1 - alpha)^2 D + k, to round-off (relative 1e-12 covers 1 / (alpha (2 - alpha)))
    assert B.refresh(d, alpha) + k == pytest.approx(d, rel=1e-12)


@given(e=st.lists(energy, min_size=1, max_size=20), a1=unit, a2=unit, d0=energy)
def test_discounted_sum_decreases_in_alpha(e, a1, a2, d0):
    lo, hi = sorted([a1, a2])
    s_lo = B.discounted_sum(e, lo, D_i0=d0)
    s_hi = B.discounted_sum(e, hi, D_i0=d0)
    assert np.all(s_hi <= s_lo * (1 + 1e-13) + 1e-300)


@given(e=st.lists(energy, min_size=1, max_size=20), d0=energy)
def test_alpha_one_forgets_everything_and_alpha_zero_nothing(e, d0):
    np.testing.assert_array_equal(B.discounted_sum(e, 1.0, D_i0=d0), e)
    # alpha = 0: plain cumulative sums plus the initial value
    np.testing.assert_allclose(B.discounted_sum(e, 0.0, D_i0=d0), np.cumsum(e) + d0, rtol=1e-13)


@given(e=st.lists(energy, min_size=1, max_size=10), d0=energy)
def test_alpha_to_one_limit_is_continuous(e, d0):
    near = B.discounted_sum(e, 1 - 1e-9, D_i0=d0)
    # (1 - alpha)^2 = 1e-18: every remembered term is scaled by <= 1e-18
    np.testing.assert_allclose(near, e, rtol=1e-15, atol=1e-18 * (max(e) + d0) * len(e) + 1e-300)


@given(eps=small_energy, eta=unit, c=st.floats(0.0, 10.0))
@example(eps=0.0, eta=1.0, c=2.225073858507e-311)  # found by hypothesis: eta / (8 C) overflowed
def test_per_generation_bounds_are_ordered(eps, eta, c):
    lower = B.chi2_lower(eps, eta, C=c)
    assert lower <= B.chi2_upper(eps, c=c)
    assert lower <= B.chi2_asymptotic(eps, eta) * (1 + 1e-15)  # eta eps / 4 - C eps^2 <= eta eps
    if B.clean_regime(eps, eta, C=c):
        assert B.chi2_lower_clean(eps, eta, C=c) <= lower * (1 + 1e-15) + 1e-300


@given(e1=energy, e2=energy, eta=unit)
def test_monotone_in_the_energy(e1, e2, eta):
    lo, hi = sorted([e1, e2])
    assert B.kl_upper(lo) <= B.kl_upper(hi)
    assert B.chi2_upper(lo, c=3.0) <= B.chi2_upper(hi, c=3.0)
    assert B.persistence_floor(0.3, eta, lo) <= B.persistence_floor(0.3, eta, hi)


@given(eps=small_energy, h1=unit, h2=unit)
def test_lower_bounds_increase_with_observability(eps, h1, h2):
    lo, hi = sorted([h1, h2])
    assert B.chi2_lower(eps, lo, C=1.0) <= B.chi2_lower(eps, hi, C=1.0)
    assert B.persistence_floor(0.5, lo, eps) <= B.persistence_floor(0.5, hi, eps)


def test_persistence_floor_limits():
    assert B.persistence_floor(1.0, 1.0, 1.0) == 1 / 16  # no memory: alpha eta eps / 16
    assert B.persistence_floor(0.0, 1.0, 1.0) == 0.0  # alpha = 0: vacuous
    assert B.persistence_floor(0.5, 0.0, 1.0) == 0.0  # eta = 0: vacuous
    # small alpha: alpha eta eps / 32 to first order
    assert B.persistence_floor(1e-8, 1.0, 1.0) == pytest.approx(1e-8 / 32, rel=1e-7)


def test_refresh_and_next_lower():
    assert B.refresh(4.0, 0.5) == 1.0
    assert B.refresh(np.inf, 0.5) == np.inf
    assert B.refresh(np.inf, 1.0) == 0.0
    assert B.next_lower(1.0, 1.0, 0.5) == 0.25 - 0.25
    assert B.next_lower(np.inf, 1.0, 0.5) == -np.inf
    assert B.next_lower(1.0, np.inf, 0.5) == np.inf


def test_broadcasting_shapes():
    eps = np.linspace(0, 1, 5)[:, None]
    eta = np.linspace(0, 1, 3)[None, :]
    assert B.chi2_lower(eps, eta, C=0.1).shape == (5, 3)
    assert B.discounted_sum(np.ones(7), np.array([0.1, 0.2])).shape == (2, 7)
    assert isinstance(B.kl_upper(0.1), float)


def test_clean_form_and_its_regime():
    # C = 0: condition is eps <= 1
    assert B.clean_regime(1.0, 0.5, C=0.0) and not B.clean_regime(1.01, 0.5, C=0.0)
    np.testing.assert_array_equal(B.clean_regime([0.01, 0.2], 0.8, C=1.0), [True, False])
    assert B.chi2_lower_clean(0.2, 0.8, C=1.0, outside="vacuous") == 0.0
    with pytest.raises(B.AssumptionError, match="eps_star2 <= min"):
        B.chi2_lower_clean(0.2, 0.8, C=1.0)


def test_statement_outside_its_hypotheses():
    with pytest.raises(
        B.AssumptionError,
        match=r"Prop. 3.3 requires eps_star2 <= 1; got "
        r"eps_star2=1.5",
    ):
        B.chi2_lower(1.5, 0.5, C=0.1)
    out = B.chi2_lower([0.5, 1.5], 0.5, C=0.1, outside="vacuous")
    np.testing.assert_allclose(out, [0.0625 - 0.025, 0.0])  # eta eps / 4 - C eps^2


def test_accumulated_bounds_and_literal_constant():
    e = 0.5 ** np.arange(30)  # summable: S_N -> 0
    s = B.discounted_sum(e, 0.5)
    np.testing.assert_allclose(B.accumulated_upper(e, 0.5, c2=2.0, C_bias=0.1), 2 * s + 0.1)
    lower = B.accumulated_lower(e, 0.5, c1=0.5, C_bias=0.1, D_i0=1.0)
    decay = 0.25 ** np.arange(1, 31)
    np.testing.assert_allclose(lower, 0.5 * s - decay - 0.1, rtol=1e-13, atol=1e-16)
    # a D that sits at C_bias: the literal display needs c2 = (D + C_bias) / S_N -> inf
    needed = B.literal_constant(np.full(30, 0.05), e, 0.5, C_bias=0.1)
    assert np.all(np.diff(needed) > 0) and needed[-1] > 1e7


def test_sqrt_recursion_dominates_the_papers_lower_recursion():
    rng = np.random.default_rng(0)
    d, j, a = rng.uniform(0, 2, 200), rng.uniform(0, 2, 200), rng.uniform(0, 1, 200)
    lower, upper = B.sqrt_recursion_step(d, j, a)
    paper = j / 2 - (1 - a) ** 2 * d
    # THEORY.md §7: the difference is (sqrt J - 2 (1 - alpha) sqrt D)^2 / 2 >= 0
    np.testing.assert_allclose(
        lower - paper, 0.5 * (np.sqrt(j) - 2 * (1 - a) * np.sqrt(d)) ** 2, atol=1e-14
    )
    assert np.all(upper >= lower)
    # unrolled bound: one step from D_i0 equals the step bound
    ub = B.sqrt_recursion_bounds([j[0]], a[0], D_i0=d[0])
    assert ub[0] == pytest.approx(upper[0], rel=1e-14)


def test_memory_length_and_fixed_point():
    assert B.memory_length(0.0) == np.inf and B.memory_length(0.25) == 2.0
    assert B.fixed_point(1.0, 0.0) == np.inf and B.fixed_point(0.0, 0.0) == 0.0


def test_asymptotic_docstrings_state_the_order_eps_star():
    """Issue 13: the docstrings still said the correction was O(eps^2); it is O(eps_star)."""
    for fn in (B.chi2_asymptotic, B.kl_asymptotic):
        doc = fn.__doc__ or ""
        assert r"O(\varepsilon_\ast))" in doc and r"(1 + O(\varepsilon_\ast^2))" not in doc
    assert "(1 + O(eps))" in (B.__doc__ or "")
