"""Hermite coefficients of a law against ``N(0, I)`` (THEORY.md §8, derived in this project).

``d mu / d gamma = sum_n c_n(mu) He_n`` with ``He_n(x) = prod_i He_{n_i}(x_i)`` the
probabilists' Hermite polynomials (orthogonal under ``gamma = N(0, I)``, ``E He_n^2 = n!``), so
``c_n(mu) = E_mu[He_n(X)] / n!``. The OU semigroup is diagonal in this basis,
``c_n(P_t mu) = e^{-|n| t / 2} c_n(mu)``.

* Gaussian ``N(m, S)``: since ``sum_n He_n(x) t^n / n! = exp(t.x - |t|^2 / 2)``, the generating
  function of the ``c_n`` is ``E exp(t.X - |t|^2 / 2) = exp(m.t + t^T (S - I) t / 2)``; its
  Taylor coefficients follow from ``d/dt_i``: ``(n_i + 1) c_{n + e_i} = m_i c_n + sum_j
  (S - I)_ij c_{n - e_j}``, exact to round-off for every multi-index up to ``max_order``.
* Mixtures: the weighted sum over components.
* Grid laws (d = 1, 2): the grid's quadrature of ``He_n rho / n!`` (spectrally accurate for
  the smooth, decaying densities the grid engine produces).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import OracleDomainError
from ._grid_law import GridLaw
from ._law_tools import as_mixture, check_law
from ._validation import FloatArray, check_positive_int

__all__ = ["HermiteCoefficients", "hermite_coefficients"]

#: most multi-indices computed at once (d = 10 to order 6: 8,008)
MAX_INDICES = 200_000


@dataclass(frozen=True, slots=True)
class HermiteCoefficients:
    """``c_n`` for every multi-index ``n`` with ``|n| <= max_order``.

    Attributes
    ----------
    orders : ndarray of int, shape (M, d)
        The multi-indices, by total degree then lexicographically (``orders[0]`` is 0).
    values : ndarray, shape (M,)
        ``c_n``.
    method : str
        ``"closed-form"`` (Gaussians, mixtures) or ``"quadrature"`` (grid laws).
    """

    orders: NDArray[np.int64]
    values: FloatArray
    method: str

    def __getitem__(self, n: Any) -> float:
        """``c_n`` of the multi-index ``n`` (a tuple, or an int in d = 1)."""
        key = np.atleast_1d(np.asarray(n, dtype=np.int64))
        hit = np.flatnonzero(np.all(self.orders == key, axis=1))
        if key.shape != (self.orders.shape[1],) or hit.size == 0:
            raise OracleDomainError(
                f"n={n!r}: no such multi-index of dimension {self.orders.shape[1]} up to order "
                f"{int(self.orders.sum(axis=1).max())}"
            )
        return float(self.values[hit[0]])

    def degree(self) -> NDArray[np.int64]:
        """``|n|`` of every multi-index."""
        return self.orders.sum(axis=1)


def _compositions(d: int, budget: int) -> Any:
    """Every ``n`` in ``N^d`` with ``|n| <= budget``."""
    if d == 1:
        for k in range(budget + 1):
            yield (k,)
        return
    for k in range(budget + 1):
        for rest in _compositions(d - 1, budget - k):
            yield (k, *rest)


def _multi_indices(d: int, max_order: int) -> NDArray[np.int64]:
    count = math.comb(max_order + d, d)
    if count > MAX_INDICES:
        raise OracleDomainError(
            f"max_order={max_order} in dimension {d} means {count} multi-indices (at most "
            f"{MAX_INDICES}): lower max_order"
        )
    rows = list(_compositions(d, max_order))
    rows.sort(key=lambda n: (sum(n), tuple(-x for x in n)))
    return np.array(rows, dtype=np.int64).reshape(-1, d)


def _gaussian(mean: FloatArray, cov: FloatArray, orders: NDArray[np.int64]) -> FloatArray:
    """The recurrence of the module docstring for one Gaussian."""
    d = mean.shape[0]
    a = cov - np.eye(d)
    where = {tuple(n): k for k, n in enumerate(orders)}
    out = np.zeros(len(orders))
    out[0] = 1.0
    for k, n in enumerate(orders[1:], start=1):
        i = int(np.flatnonzero(n)[0])  # n = m + e_i with the first nonzero coordinate
        m = n.copy()
        m[i] -= 1
        total = mean[i] * out[where[tuple(m)]]
        for j in range(d):
            if m[j] > 0:
                below = m.copy()
                below[j] -= 1
                total += a[i, j] * out[where[tuple(below)]]
        out[k] = total / n[i]
    return out


def hermite_coefficients(law: Any, max_order: int) -> HermiteCoefficients:
    """The Hermite coefficients ``c_n(law)`` against ``N(0, I)`` for ``|n| <= max_order``.

    Parameters
    ----------
    law : Gaussian, GaussianMixture or GridLaw
    max_order : int, >= 0

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> c = hermite_coefficients(Gaussian(0.5, 1.3), 3)
    >>> c[1], round(c[2], 12), round(c[3], 12)     # m, (m^2 + s - 1) / 2, (m^3 + 3 m (s - 1)) / 6
    (0.5, 0.275, 0.095833333333)
    """
    check_positive_int("max_order", max_order, minimum=0)
    if isinstance(law, GridLaw):
        return _grid(law, int(max_order))
    law = check_law("law", law)
    mix = as_mixture(law)
    orders = _multi_indices(mix.dim, int(max_order))
    values = np.zeros(len(orders))
    for w, m, s in zip(mix.weights, mix.means, mix.covs, strict=True):
        if w > 0:
            values += w * _gaussian(m, s, orders)
    return HermiteCoefficients(orders, values, "closed-form")


def _grid(law: GridLaw, max_order: int) -> HermiteCoefficients:
    box = law.box
    orders = _multi_indices(box.dim, max_order)
    axes = box.axes
    # He_k on each axis by the three-term recurrence He_{k+1} = x He_k - k He_{k-1}
    tables = []
    for x in axes:
        he = np.zeros((max_order + 1, x.size))
        he[0] = 1.0
        if max_order >= 1:
            he[1] = x
        for k in range(1, max_order):
            he[k + 1] = x * he[k] - k * he[k - 1]
        tables.append(he)
    values = np.empty(len(orders))
    for r, n in enumerate(orders):
        f = tables[0][n[0]]
        if box.dim == 2:
            f = np.multiply.outer(f, tables[1][n[1]])
        values[r] = float(box.integrate(f * law.values)) / math.prod(
            math.factorial(int(k)) for k in n
        )
    return HermiteCoefficients(orders, values, "quadrature")
