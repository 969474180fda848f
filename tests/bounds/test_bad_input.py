"""Invalid arguments to the bounds: a ValueError subclass naming parameter, value, condition."""

from __future__ import annotations

import numpy as np
import pytest

import bounds as B


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: B.kl_upper(-0.1), B.DomainError, r"eps_hat2=-0.1 must be >= 0"),
        (lambda: B.kl_upper(np.nan), B.DomainError, r"eps_hat2=nan must be finite"),
        (lambda: B.kl_upper("x"), B.DomainError, r"eps_hat2='x' must be a real number"),
        (lambda: B.chi2_lower(0.1, 1.3, C=1.0), B.DomainError, r"eta=1.3 must lie in \[0, 1\]"),
        (lambda: B.chi2_lower(0.1, 0.5, C=-1.0), B.DomainError, r"C=-1.0 must be >= 0"),
        (
            lambda: B.chi2_lower(0.1, 0.5, C=1.0, outside="ignore"),
            B.DomainError,
            r"outside='ignore' must be one of",
        ),
        (
            lambda: B.chi2_lower([0.1, 0.2], [0.5, 0.5, 0.5], C=1.0),
            B.ShapeError,
            r"do not broadcast together: eps_star2 \(2,\), eta \(3,\)",
        ),
        (lambda: B.chi2_upper(np.inf, c=1.0), B.DomainError, r"eps_star2=inf must be finite"),
        (lambda: B.refresh(1.0, 1.3), B.DomainError, r"alpha=1.3 must lie in \[0, 1\]"),
        (lambda: B.refresh(-1.0, 0.3), B.DomainError, r"D=-1.0 must be >= 0"),
        (
            lambda: B.refresh([1.0, np.nan], 0.3),
            B.DomainError,
            r"D=nan \(at index \(1,\)\) must not be NaN",
        ),
        (lambda: B.persistence_floor(-0.1, 0.5, 1.0), B.DomainError, r"alpha=-0.1"),
        (lambda: B.persistence_floor(0.1, 0.5, -1.0), B.DomainError, r"eps_min2=-1.0"),
        (lambda: B.discounted_sum([[1.0]], 0.5), B.ShapeError, r"eps_star2 has shape \(1, 1\)"),
        (
            lambda: B.discounted_sum([1.0, -2.0], 0.5),
            B.DomainError,
            r"eps_star2=-2.0 \(at index \(1,\)\) must be >= 0",
        ),
        (lambda: B.discounted_sum([1.0], 0.5, D_i0=[1.0, 2.0]), B.ShapeError, r"D_i0"),
        (lambda: B.discounted_sum([1.0], 2.0), B.DomainError, r"alpha=2.0"),
        (lambda: B.accumulated_upper([1.0], 0.5, c2=-1.0, C_bias=0.0), B.DomainError, r"c2=-1.0"),
        (
            lambda: B.accumulated_lower([1.0], 0.5, c1=1.0, C_bias=-1.0),
            B.DomainError,
            r"C_bias=-1.0",
        ),
        (
            lambda: B.literal_constant([1.0, 2.0], [1.0], 0.5, C_bias=0.1),
            B.ShapeError,
            r"D_next has shape \(2,\)",
        ),
        (
            lambda: B.literal_constant([1.0], [1.0], [0.5, 0.2], C_bias=0.1),
            B.ShapeError,
            r"alpha must be a scalar",
        ),
        (lambda: B.sqrt_recursion_step(1.0, -1.0, 0.5), B.DomainError, r"J=-1.0"),
        (lambda: B.ConstantSchedule(-1.0), B.DomainError, r"value=-1.0 must be >= 0"),
        (lambda: B.GeometricSchedule(1.0, 1.5), B.DomainError, r"r=1.5 must lie in \[0, 1\]"),
        (lambda: B.PowerLawSchedule(1.0, 0.0), B.DomainError, r"p=0.0 must lie in \(0, inf\]"),
        (lambda: B.ArraySchedule([]), B.ShapeError, r"non-empty vector"),
        (lambda: B.ArraySchedule([1.0, 2.0], window=3), B.DomainError, r"window=3"),
        (lambda: B.ArraySchedule([1.0, 2.0], tail=3), B.DomainError, r"tail=3"),
        (lambda: B.ConstantSchedule(1.0).values(-1), B.DomainError, r"n=-1"),
        (lambda: B.ArraySchedule([1.0]).values(2), B.DomainError, r"n=2 exceeds"),
        (lambda: B.classify_regime(B.ConstantSchedule(1.0), 1.5), B.DomainError, r"alpha=1.5"),
        (
            lambda: B.classify_regime(B.ConstantSchedule(1.0), 0.5, eta_min=-0.5),
            B.DomainError,
            r"eta_min=-0.5",
        ),
    ],
)
def test_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        call()
    assert isinstance(info.value, B.BoundsValueError) and isinstance(info.value, ValueError)


def test_no_warnings_at_extreme_inputs():
    # filterwarnings=error makes any overflow / divide warning fail this test
    assert B.chi2_upper(1e300, c=1.0) == np.inf  # 1e600 is beyond float64: inf, quietly
    assert B.refresh(1e300, 1e-10) == pytest.approx(1e300 * (1 - 1e-10) ** 2, rel=1e-15)
    assert B.memory_length(0.0) == np.inf
    assert np.all(np.isfinite(B.discounted_sum(np.full(10, 1e300), 1e-10)))


@pytest.mark.parametrize("bad", ["0.3", True, np.bool_(False), [0.1, "a"], None, object()])
def test_numeric_strings_and_bools_are_refused_where_a_float_is_meant(bad):
    """Issue 13: B.kl_upper("0.3") returned 0.15 (the string was converted)."""
    with pytest.raises(B.DomainError, match=r"eps_hat2=.* must be a real number"):
        B.kl_upper(bad)
    with pytest.raises(B.DomainError, match=r"alpha=.* must be a real number"):
        B.refresh(1.0, bad)


def test_discounted_sum_beyond_float64_is_inf_without_nan_or_warning():
    """Issue 13: discounted_sum([1e308, 1e308], 0.001) was NaN (should be inf, no warning)."""
    out = B.discounted_sum([1e308, 1e308], 0.001)
    assert out[0] == 1e308 and out[1] == np.inf
    # scaling by a power of two is exact: values just below the limit are unchanged
    np.testing.assert_array_equal(B.discounted_sum([1e300, 1e300], 0.5), [1e300, 1.25e300])
    assert np.all(np.isinf(B.sqrt_recursion_bounds([1e308, 1e308], 0.001)[1:]))


def test_accumulated_upper_with_an_infinite_initial_term_is_inf_not_nan():
    """Issue 13: accumulated_upper([1, 1], .5, c2=0, C_bias=0, D_i0=inf) was NaN."""
    out = B.accumulated_upper([1, 1], 0.5, c2=0.0, C_bias=0.0, D_i0=np.inf)
    assert np.all(out == np.inf)
    assert np.all(B.literal_constant([np.inf, 1.0], [1.0, 1.0], 0.5, C_bias=0.1, D_i0=np.inf) == 0)


def test_huge_valid_inputs_round_to_inf_without_warning():
    assert B.memory_length(1e-320) == np.inf
    assert B.sqrt_recursion_step(1e308, 1e308, 0.5)[1] == np.inf
    assert B.clean_regime(0.0, 0.5, C=1.7e308) and not B.clean_regime(1e-300, 0.0, C=1.7e308)
    assert B.chi2_lower(2.0, 1.0, C=1.7e308, outside="vacuous") == 0.0


def test_next_lower_with_a_subnormal_alpha_and_infinite_i_is_inf_without_warning():
    """Found by the fuzz test in CI: alpha = 5e-324 made alpha / 2 underflow to 0, and 0 x inf
    gave NaN with a warning."""
    assert B.next_lower(5e-324, np.inf, 5e-324) == np.inf
    assert B.next_lower(1.0, np.inf, 0.0) == -1.0  # alpha = 0: no gain, the loss remains


def test_a_zero_constant_times_a_sum_beyond_float64_is_zero_not_nan():
    """Found by the fuzz test (thorough profile): c1 = 0 times an S_N that overflowed gave NaN.
    S_N is finite (a sum of finite energies) even when float64 cannot hold it."""
    out = B.accumulated_lower([1.7e308, 1.7e308], 0.0, c1=0.0, C_bias=0.0, D_i0=1.0)
    np.testing.assert_array_equal(out, [-1.0, -1.0])
    np.testing.assert_array_equal(
        B.accumulated_upper([1.7e308] * 2, 0.0, c2=0.0, C_bias=0.5), [0.5, 0.5]
    )
    # an infinite initial term is remembered for alpha < 1 only
    both = B.accumulated_upper([1.0, 1.0], np.array([0.5, 1.0]), c2=2.0, C_bias=0.1, D_i0=np.inf)
    assert np.all(both[0] == np.inf) and both[1].tolist() == [2.1, 2.1]


def test_bounds_beyond_float64_round_to_inf_without_warning():
    """Found by the fuzz test (thorough profile): c2 S_N + C_bias overflowed with a warning."""
    up = B.accumulated_upper(
        [1e-300, 5e-324, 1.7e308, 1e12], 1e-10, c2=0.25, C_bias=1.7e308, D_i0=1.7e308
    )
    assert np.all(up == np.inf)
    low = B.accumulated_lower([1e-300, 1.7e308], 1e-10, c1=1.7e308, C_bias=1.7e308, D_i0=1.7e308)
    assert low[1] == np.inf and low[0] == -np.inf  # -1.7e308 - 1.7e308: vacuous, rounded
