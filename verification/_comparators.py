"""Comparators: the one meaning of ``lhs``, ``rhs``, ``margin`` and ``tightness`` of a check.

Every check compares a quantity of the oracle with what a statement says about it, through
one of five comparators. In every result:

``lhs``
    the oracle's quantity (the statement's left side, or the deviation it measures);
``rhs``
    what it is compared with (the bound, the reference value, or the tolerance);
``margin``
    signed **relative** slack, ``>= 0`` exactly when the comparison holds (up to the
    round-off slack ``EXACT_RTOL`` of exact comparisons), in units of the
    compared size, so that margins of different checks can be ranked against each other:

    * ``upper`` (``lhs <= rhs``): ``(rhs - lhs) / max(|lhs|, |rhs|)``, in ``[-1, 1]`` for
      non-negative sides;
    * ``lower`` (``lhs >= rhs``): ``(lhs - rhs) / max(|lhs|, |rhs|)``;
    * ``identity`` (``|deviation| <= tolerance``): ``1 - |deviation| / tolerance`` (1: exact);
    * ``rate`` (a deviation within its tolerance that shrinks by the stated factor):
      the smaller of ``1 - dev1 / tol`` and ``1 - dev2 / allowed``;
    * ``growth`` (a required constant that must not grow by ``factor``):
      ``1 - late / (factor * early)``;

    with ``-1`` / ``1`` where an infinite side decides it, NaN where nothing was compared;
``tightness``
    in ``[0, 1]``: how close the bound comes to the value (1 = attained).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "COMPARATORS",
    "EXACT_RTOL",
    "N_SE",
    "growth_margin",
    "identity_margin",
    "lower_margin",
    "rate_margin",
    "ratio",
    "relative",
    "upper_margin",
]

#: relative slack for comparisons of exact quantities: the ODE engine runs at rtol 1e-12 and
#: the closed forms are accurate to ~1e-13, so 1e-9 is three orders of magnitude of margin
EXACT_RTOL = 1e-9
#: standard errors allowed on a Monte Carlo or quadrature quantity before a check fails
N_SE = 4.0

#: the comparators, by name, with what ``margin >= 0`` means
COMPARATORS = {
    "upper": "lhs <= rhs",
    "lower": "lhs >= rhs",
    "identity": "|deviation| <= tolerance",
    "rate": "deviation within tolerance, shrinking with the scale",
    "growth": "a required constant does not grow",
}


def relative(diff: float, a: float, b: float) -> float:
    """``diff / max(|a|, |b|)``; ±1 where an infinite side decides, NaN where undefined."""
    diff, a, b = float(diff), float(a), float(b)
    if math.isnan(diff):
        return float("nan")
    scale = max(abs(a), abs(b))
    if math.isinf(diff) or math.isinf(scale):
        return float(np.sign(diff)) if diff != 0.0 else 0.0
    return diff / scale if scale > 0.0 else 0.0


def upper_margin(lhs: float, rhs: float) -> float:
    """Relative slack of ``lhs <= rhs``."""
    if math.isinf(lhs) and math.isinf(rhs) and lhs == rhs:
        return 0.0
    return relative(rhs - lhs, lhs, rhs)


def lower_margin(lhs: float, rhs: float) -> float:
    """Relative slack of ``lhs >= rhs``."""
    if math.isinf(lhs) and math.isinf(rhs) and lhs == rhs:
        return 0.0
    return relative(lhs - rhs, lhs, rhs)


def identity_margin(deviation: float, tolerance: float) -> float:
    """``1 - |deviation| / tolerance``."""
    return 1.0 - abs(float(deviation)) / float(tolerance)


def rate_margin(dev1: float, tolerance: float, dev2: float, allowed: float) -> float:
    """The smaller of ``1 - dev1 / tolerance`` and ``1 - dev2 / allowed``."""
    return min(1.0 - dev1 / tolerance, 1.0 - dev2 / allowed)


def growth_margin(early: float, late: float, factor: float) -> float:
    """``1 - late / (factor * early)``: negative when ``late`` grew by more than ``factor``."""
    if early <= 0.0 or not math.isfinite(early):
        return float("nan")
    return 1.0 - late / (factor * early)


def ratio(a: float, b: float) -> float:
    """``a / b`` in [0, 1] for tightness (0 when ``b`` is 0 or infinite)."""
    if b == 0.0 or not np.isfinite(b) or not np.isfinite(a):
        return 0.0
    return float(np.clip(a / b, 0.0, 1.0))
