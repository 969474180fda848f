"""The limit law of early stopping (THEORY.md §8, derived in this project) for grid data in
1-D/2-D: ``p_inf = sum_k alpha (1 - alpha)^{k-1} P_{k t0} p`` with every ``P_{k t0} p`` computed
exactly for the band-limited grid function (:meth:`GridLaw.ou_transition`, a chirp-z transform
at the contracted frequencies), summed on the same box and truncated where the weight left out
is below ``tol``. ``chi2`` and ``KL`` against the data are grid quadratures (method ``"grid"``,
with the integrand's size at the box's edge in the error), the omitted ages bounded as for
mixtures (Cauchy–Schwarz in ``L^2(1/p)``; convexity and the mixing entropy for KL), the sup
over ages taken on the grid of the age continuum ``c = e^{-k t0}`` in ``[0, c_1]``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._grid_law import GridLaw

__all__ = ["grid_aged", "grid_limit_law"]

#: ``c = 0`` (the limit N(0, I)) is taken at this OU time: e^{-60} ~ 1e-26 of the data is left
_INFINITE_TIME = 60.0


def grid_aged(data: GridLaw, c: float) -> GridLaw:
    """``P_s p`` for ``c = e^{-s}`` (``c = 0``: the limit, at ``s = 60``)."""
    return data.ou_transition(_INFINITE_TIME if c <= 0.0 else -math.log(c))


def grid_limit_law(data: GridLaw, alpha: float, t0: float, tol: float) -> Any:
    """:func:`gaussian_oracle.limit_law` for a :class:`GridLaw` (validated arguments)."""
    from ._limit_law import LimitLaw, limit_ages, with_omitted_ages

    weights, c, left = limit_ages(alpha, t0, tol)
    total = np.zeros(data.box.shape)
    for w, age in zip(weights, range(1, len(c) + 1), strict=True):
        total += w * np.asarray(data.ou_transition(age * t0).values)
    law = GridLaw(data.box, total / np.sum(weights))
    div = with_omitted_ages(law.chi2(data), data, t0, left, len(c), None)
    return LimitLaw(law, alpha, t0, len(c), left, div, data)
