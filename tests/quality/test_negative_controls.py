"""Negative controls: the checks of tests/bounds must reject deliberately wrong bounds.

Each mutant changes one thing a careless implementation could get wrong; the same check that
passes the real function must fail on it.
"""

from __future__ import annotations

import numpy as np
import pytest

import bounds as B
from tests.bounds import checks


def _discount_not_squared(e, alpha, *, D_i0=0.0):
    """The discount (1 - alpha) instead of (1 - alpha)^2."""
    return np.asarray(B.sqrt_recursion_bounds(np.asarray(e) ** 2, alpha, D_i0=D_i0**2)) ** 0.5


def _exponent_off_by_one(e, alpha, *, D_i0=0.0):
    """Initial term decayed by (1 - alpha)^{2k} instead of (1 - alpha)^{2(k+1)}."""
    s = np.asarray(B.discounted_sum(e, alpha))
    k = np.arange(len(s))
    return s + (1 - alpha) ** (2 * k) * D_i0


def _naive_recursion(e, alpha, *, D_i0=0.0):
    """The textbook loop S = r S + e with r = fl((1 - alpha)^2): rounding accumulates."""
    r = (1.0 - alpha) ** 2
    out = np.empty(len(e))
    s = D_i0
    for k, ek in enumerate(np.asarray(e, dtype=float)):
        s = r * s + ek
        out[k] = s
    return out


@pytest.mark.parametrize("mutant", [_discount_not_squared, _exponent_off_by_one])
def test_brute_force_check_rejects_discount_mutants(mutant):
    e = np.random.default_rng(3).uniform(0, 2, 25)
    checks.check_discounted_brute_force(B.discounted_sum, e, 0.3, 1.7)  # the real one passes
    with pytest.raises(AssertionError):
        checks.check_discounted_brute_force(mutant, e, 0.3, 1.7)


@pytest.mark.slow
def test_reference_check_rejects_the_naive_recursion():
    # alpha = 1e-10 with a constant 1e-300 schedule: the naive loop drifts by ~1e-11
    case = next(
        c
        for c in checks.references()["discounted"]
        if c["recipe"]["kind"] == "constant"
        and c["recipe"]["value"] == 1e-300
        and c["alpha"] == 1e-10
    )
    checks.check_discounted_reference(B.discounted_sum, case)
    with pytest.raises(AssertionError, match="relative error"):
        checks.check_discounted_reference(_naive_recursion, case)


def test_fixed_point_check_rejects_a_wrong_fixed_point():
    def wrong(k, alpha):
        return k / alpha  # the first-order approximation, not k / (alpha (2 - alpha))

    checks.check_fixed_point(B.discounted_sum, B.fixed_point, 0.5, 0.3)
    with pytest.raises(AssertionError):
        checks.check_fixed_point(B.discounted_sum, wrong, 0.5, 0.3)


@pytest.mark.parametrize(
    "mutant",
    [
        ("kl", lambda e: e / 4),  # constant halved
        ("kl", lambda e: e),  # constant doubled
        ("lower", lambda e, h, *, C: h * e / 8 - C * e * e),  # 1/4 -> 1/8
        ("lower", lambda e, h, *, C: h * e / 4 - C * e),  # exponent off by one
        ("upper", lambda e, *, c: 2 * e + c * e * e),  # 4 -> 2
        ("upper", lambda e, *, c: 4 * e + c * e**3),  # exponent off by one
    ],
)
def test_closed_form_check_rejects_mutated_constants(mutant):
    which, fn = mutant
    fns = {"kl": B.kl_upper, "lower": B.chi2_lower, "upper": B.chi2_upper}
    checks.check_closed_forms(fns["kl"], fns["lower"], fns["upper"])
    fns[which] = fn
    with pytest.raises(AssertionError):
        checks.check_closed_forms(fns["kl"], fns["lower"], fns["upper"])


@pytest.mark.parametrize(
    "mutant",
    [
        ("floor", lambda a, h, e: a * h * e / (8 * (1 + (1 - a) ** 2))),  # 16 -> 8
        ("floor", lambda a, h, e: a * h * e / (16 * (1 + (1 - a)))),  # discount not squared
        ("refresh", lambda d, a: (1 - a) * d),  # Lemma F.1 with (1 - alpha)
        ("fixed", lambda k, a: k / (a * (1 - a) + 1e-300)),  # wrong denominator
    ],
)
def test_recursion_check_rejects_mutants(mutant):
    which, fn = mutant
    fns = {"floor": B.persistence_floor, "refresh": B.refresh, "fixed": B.fixed_point}
    checks.check_recursion_closed_forms(fns["floor"], fns["refresh"], fns["fixed"])
    fns[which] = fn
    with pytest.raises((AssertionError, ZeroDivisionError)):
        checks.check_recursion_closed_forms(fns["floor"], fns["refresh"], fns["fixed"])
