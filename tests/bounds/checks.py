"""Checks of the bounds that take the implementation as an argument.

tests/bounds runs them on the real functions; tests/quality runs them on deliberately wrong
versions (a constant halved or doubled, an exponent off by one, the discount (1 - alpha)
instead of (1 - alpha)^2) and requires them to fail. A check that passed a mutant would prove
nothing about the real function.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import mpmath as mp
import numpy as np

from tests.data.make_bounds_references import schedule  # the recipe that made the data

DATA = Path(__file__).resolve().parents[1] / "data" / "bounds_references.json"

# Stored references are mpmath at 50 digits; the issue asks for 1e-12 relative.
REL = 1e-12


def references() -> dict:
    return json.loads(DATA.read_text())


def _rel(got: float, ref: str) -> float:
    r = mp.mpf(ref)
    if r == 0:
        return abs(got)
    if got == float("inf") and r > mp.mpf(np.finfo(float).max):
        return 0.0  # the true value exceeds float64: inf is its correct rounding
    if abs(r) < mp.mpf(np.finfo(float).tiny):  # subnormal: only absolute accuracy exists
        return (
            0.0
            if abs(mp.mpf(got) - r) <= 4 * mp.mpf(np.finfo(float).smallest_subnormal)
            else float("inf")
        )
    return float(abs((mp.mpf(got) - r) / r))


def check_discounted_reference(fn: Callable, case: dict) -> float:
    """``fn(eps_star2, alpha, D_i0=...)`` against one stored case; returns the worst error."""
    e = schedule(case["recipe"])
    s = np.asarray(fn(e, case["alpha"], D_i0=case["D_i0"]))
    worst = max(_rel(float(s[int(k)]), v) for k, v in case["values"].items())
    assert worst <= REL, f"relative error {worst:.3g} > {REL:g} for {case['recipe']}"
    return worst


def check_closed_forms(kl_upper: Callable, chi2_lower: Callable, chi2_upper: Callable) -> None:
    for row in references()["closed_forms"]:
        e, h = row["eps_star2"], row["eta"]
        pairs = [
            (kl_upper(e), row["kl_upper"]),
            (chi2_upper(e, c=row["c"]), row["chi2_upper"]),
        ]
        # chi2_lower cancels near eta = 4 C eps; no stored case is within 1e-3 of that root
        pairs.append((chi2_lower(e, h, C=row["C"]), row["chi2_lower"]))
        for got, ref in pairs:
            err = _rel(float(got), ref)
            assert err <= REL, f"{got!r} vs {ref} at eps={e}, eta={h}: {err:.3g}"


def check_recursion_closed_forms(
    persistence_floor: Callable, refresh: Callable, fixed_point: Callable
) -> None:
    for row in references()["recursion"]:
        a, e = row["alpha"], row["eps_min2"]
        pairs = [
            (persistence_floor(a, row["eta_min"], e), row["persistence_floor"]),
            (refresh(e, a), row["refresh"]),
            (fixed_point(e, a), row["fixed_point"]),
        ]
        for got, ref in pairs:
            err = _rel(float(got), ref)
            assert err <= REL, f"{got!r} vs {ref} at alpha={a}, eps={e}: {err:.3g}"


def check_discounted_brute_force(fn: Callable, e: np.ndarray, alpha: float, d0: float) -> None:
    """O(N^2) direct sum (math.fsum of exact powers) against ``fn``."""
    import math

    s = np.asarray(fn(e, alpha, D_i0=d0))
    for k in range(len(e)):
        terms = [(1 - alpha) ** (2 * (k - j)) * e[j] for j in range(k + 1)]
        terms.append((1 - alpha) ** (2 * (k + 1)) * d0)
        ref = math.fsum(terms)
        # each power (1 - alpha)^m by repeated multiplication: m ulps; N <= 30 here
        assert abs(s[k] - ref) <= 1e-13 * max(ref, 1e-300), (k, s[k], ref)


def check_fixed_point(fn: Callable, fixed_point: Callable, k: float, alpha: float) -> None:
    """The discounted sum of a constant schedule tends to the recursion's fixed point."""
    n = int(50 / alpha) + 10  # (1 - alpha)^{2n} < e^{-100}: the limit is reached
    s = np.asarray(fn(np.full(n, k), alpha))
    assert abs(s[-1] - fixed_point(k, alpha)) <= 1e-12 * fixed_point(k, alpha)
