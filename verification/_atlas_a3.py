"""The A3 search of the constant atlas: the smallest ``eps_star2`` at which the oracle finds an
infinite endpoint chi2 (A3 fails), per family. Inside ``eps_star2 <= 1`` such an instance is one
the perturbative statements assume away (THEORY.md §4: A3 puts the Girsanov density in L^2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._atlas_space import _HUGE, _Space
from ._errors import VerificationError

__all__ = ["A3Result", "a3_search"]

#: share of the A3 search's budget given to its global phase (its polish needs more)
A3_GLOBAL_SHARE = 0.5


def _spread_ratio(sol: Any) -> float:
    """``lambda_max(S0^{-1/2} S1 S0^{-1/2})`` of the learned (S1) against the ideal (S0)
    endpoint covariance: chi2 is infinite exactly when it is >= 2 (THEORY.md §6)."""
    s0 = np.atleast_2d(sol.ideal_endpoint.cov)
    s1 = np.atleast_2d(sol.learned_endpoint.cov)
    from scipy.linalg import eigh

    return float(eigh(s1, s0, eigvals_only=True)[-1])


@dataclass(frozen=True, eq=False)
class A3Result:
    """The smallest ``eps_star2`` at which the oracle finds an infinite chi2 (A3 fails).

    ``eps_star2`` is ``inf`` when no instance of the family has an infinite chi2 within its
    error-scale box; ``inside`` says whether the smallest one lies in the perturbative regime
    ``eps_star2 <= 1``, where the statements assume A3.
    """

    family: str
    eps_star2: float
    params: dict[str, Any]
    config: dict[str, Any]
    evaluations: int
    trace: np.ndarray

    @property
    def inside(self) -> bool:
        return bool(self.eps_star2 <= 1.0)


def a3_search(family: Any, *, budget: int = 300, seed: int = 0, scale: str = "scale") -> A3Result:
    """Search ``family`` for the smallest ``eps_star2`` with an infinite endpoint chi2.

    For every other parameter point the error scale is found on its box (Brent's method on the
    log scale: to 1e-6 in the global phase, 1e-14 in the polish) at the value at which the
    learned endpoint's spread reaches twice the ideal one (chi2 infinite from there on, when
    the spread grows with the scale; the top of the box is tried first, and a point whose
    chi2 is finite over the whole box is ranked by how far its spread stays below 2);
    ``eps_star2`` there is minimised over the other parameters by the same global search and
    polish as :func:`atlas`. ``budget`` counts oracle solves, root-finding included.

    Examples
    --------
    >>> from verification import variance_family
    >>> res = a3_search(variance_family(1.0), budget=120, seed=0)  # the minimum: 0.2279
    >>> res.inside, round(res.eps_star2, 3)
    (True, 0.238)
    """
    from scipy.optimize import brentq

    from ._config import instance_to_config
    from ._instances import evaluate

    boxes = {b.name: b for b in family.boxes}
    if scale not in boxes or not getattr(boxes[scale], "log10", False):
        raise VerificationError(f"family {family.name!r} has no log-scale parameter {scale!r}")
    lo, hi = boxes[scale].low, boxes[scale].high
    space = _Space(family, {scale: 0.0})
    solves = [0]
    found: list[tuple[float, dict[str, Any]]] = []
    trace: list[float] = []

    def solve(p: dict[str, Any], x: float) -> tuple[float, float]:
        solves[0] += 1
        sol = evaluate(family.build({**p, scale: 10.0**x})).solution
        return _spread_ratio(sol), float(sol.eps_star2)

    xtol = [1e-6]  # of the log-scale root: the global phase; the polish refines to 1e-14

    def boundary(z: np.ndarray) -> float:
        if solves[0] >= budget:
            return _HUGE
        p = space.params(z)
        p.pop(scale)
        r_hi = solve(p, hi)[0]
        if r_hi < 2.0:  # finite chi2 over the whole box: ranked by how far from it
            trace.append(trace[-1] if trace else math.inf)
            return 1e6 + (2.0 - r_hi)
        if solve(p, lo)[0] >= 2.0:
            b = lo
        else:  # the crossing of 2 by the spread, to round-off in the global phase too
            b = brentq(lambda x: solve(p, x)[0] - 2.0, lo, hi, xtol=xtol[0], rtol=1e-15)
            step = max(xtol[0], 4e-16 * abs(b))
            while solve(p, b)[0] < 2.0 and b < hi:  # the root may sit just below 2: the
                b, step = min(hi, b + step), 2 * step  # instance reported must be infinite
        e = solve(p, b)[1]
        found.append((e, {**p, scale: 10.0**b}))
        trace.append(min(e, trace[-1]) if trace else e)
        return e

    dims = max(len(space.bounds), 1)
    popsize = max(5, min(10, budget // (40 * dims)))
    maxiter = max(1, int(A3_GLOBAL_SHARE * budget) // (12 * popsize * dims) - 1)

    def refine() -> None:
        xtol[0] = 1e-14

    # a polish call is one root-finding: about 14 solves at 1e-14
    space.optimise(boundary, popsize=popsize, maxiter=maxiter, seed=seed,
                   polish=lambda: (budget - solves[0]) // 14 if found else 0,
                   before_polish=refine)  # fmt: skip
    if not found:
        return A3Result(family.name, math.inf, {}, {}, solves[0], np.array(trace))
    e, p = min(found, key=lambda t: t[0])
    config = instance_to_config(family.build(p))
    return A3Result(family.name, e, p, config, solves[0], np.array(trace))
