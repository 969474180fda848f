"""chi2 of the limit law on THEORY.md §8's boundary, summed: Gaussian data ``N(m, S)`` with
``r`` covariance eigenvalues exactly 1/2 (none below) and no mean offset along them.

Derived in this project. ``p_inf = sum_k w_k P_k`` with ``w_k = alpha (1 - alpha)^{k-1}`` and
``P_k = N(sqrt(u_k) m, u_k S + (1 - u_k) I)``, ``u_k = e^{-k t0}``, so

    1 + chi2(p_inf || p) = sum_{j, k >= 1} w_j w_k G_jk,   G_jk = int P_j P_k / p

(positive terms). Every ``P_k`` shares the eigenvectors of ``S``, so ``G_jk`` is a product of
1-D Gaussian integrals, one per eigen-direction. Along a boundary direction (``lambda = 1/2``,
no offset) ``G_jk = sqrt(lambda / (v_j v_k P))`` with ``P = 1/v_j + 1/v_k - 2 = u_j / (2 v_j) +
u_k / (2 v_k)`` (written so, never as a difference) and ``v = 1 - u / 2``: ``G_kk`` grows like
``e^{k t0 / 2}``. The diagonal terms ``w_k^2 G_kk`` decide: the double series converges iff
``(1 - alpha)^2 e^{r t0 / 2} < 1``. (THEORY.md §8 states ``(1 - alpha) e^{r t0 / 2} < 1``,
the condition for ``sum_k w_k chi2(P_k || p)``, an upper bound by convexity; it is sufficient,
not necessary. Between the two conditions chi2 is finite: e.g. ``alpha = 0.3, t0 = 1`` gives
2.96462.)

The sum over ``j, k <= K`` is exact (closed forms, summed in rows); the rest is bounded by
Cauchy–Schwarz, ``G_jk <= sqrt(G_jj G_kk)``: with ``A = sum_{j <= K} w_j sqrt(G_jj)`` and ``B =
sum_{j > K} w_j sqrt(G_jj)``, the omitted terms lie in ``[0, 2 A B + B^2]``. Along boundary
directions ``G_jj <= G_KK sqrt(u_K / u_j)`` for ``j > K`` (``v`` increases with ``j``); the other
directions' factors are bounded by their largest value on a grid of ``u`` in ``[0, u_K]`` (as
the sup over ages elsewhere in :mod:`._limit_law`); so ``B <= w_K sqrt(G_KK) F q / (1 - q)``
with ``q = (1 - alpha) e^{r t0 / 4}``. ``K`` doubles until that bound is below 1e-13 of the
value or ``K`` reaches :data:`MAX_PAIR_AGES`; the value is the midpoint, ``abs_error`` half the
interval.
"""

from __future__ import annotations

import math

import numpy as np

from ._divergence import Divergence
from ._laws import Gaussian

__all__ = ["boundary_chi2", "boundary_diverges"]

#: largest K of the exact double sum (K^2 pair terms, summed in rows)
MAX_PAIR_AGES = 8192
#: points of u in [0, u_K] on which the off-boundary directions' factors are bounded
_GRID = 33
#: relative size of the omitted terms' bound at which K stops growing
_RTOL = 1e-13


def boundary_diverges(alpha: float, t0: float, r: int) -> tuple[bool, float]:
    """Whether the boundary series diverges, and its ratio ``(1 - alpha)^2 e^{r t0 / 2}``."""
    ratio = (1.0 - alpha) ** 2 * math.exp(0.5 * r * t0)
    return ratio >= 1.0, ratio


def _directions(data: Gaussian) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lam, vec = np.linalg.eigh(data.cov)
    return lam, vec.T @ data.mean, lam == 0.5


def _log_pair(lu_j: np.ndarray, lu_k: np.ndarray, lam: float, mu: float, edge: bool) -> np.ndarray:
    """``log G_jk`` along one eigen-direction from ``log u`` (``lu_j`` a column, ``lu_k`` a
    row): in logarithms, since ``u = e^{-k t0}`` underflows long before the terms do."""
    u_j, u_k = np.exp(lu_j), np.exp(lu_k)
    v_j, v_k = u_j * lam + 1.0 - u_j, u_k * lam + 1.0 - u_k
    if edge:  # P = u_j / (2 v_j) + u_k / (2 v_k), and no offset: no quadratic terms
        log_p = np.logaddexp(lu_j - np.log(2 * v_j), lu_k - np.log(2 * v_k))
        return 0.5 * (math.log(lam) - np.log(v_j * v_k) - log_p)
    # 1/v - 1/(2 lam) = (2 lam - 1 + u (1 - lam)) / (2 lam v) > 0 off the boundary
    p = (2 * lam - 1 + u_j * (1 - lam)) / (2 * lam * v_j) + (2 * lam - 1 + u_k * (1 - lam)) / (
        2 * lam * v_k
    )
    m_j, m_k = np.sqrt(u_j) * mu, np.sqrt(u_k) * mu
    b = m_j / v_j + m_k / v_k - mu / lam
    quad = b * b / p - (m_j**2 / v_j + m_k**2 / v_k - mu * mu / lam)
    return 0.5 * np.log(lam / (v_j * v_k * p)) + 0.5 * quad


def _log_g(lu_j: np.ndarray, lu_k: np.ndarray, dirs: tuple[np.ndarray, ...]) -> np.ndarray:
    lam, mu, edge = dirs
    out = np.zeros(np.broadcast_shapes(lu_j.shape, lu_k.shape))
    for a, b, e in zip(lam, mu, edge, strict=True):
        out = out + _log_pair(lu_j, lu_k, float(a), float(b), bool(e))
    return out


def _partial(k: int, alpha: float, t0: float, dirs: tuple[np.ndarray, ...]) -> tuple[float, ...]:
    """``(S_K, A, log(w_K sqrt(G_KK)))`` of the module docstring for ``K = k`` (every term
    ``w_j w_k G_jk`` formed from its logarithm)."""
    ages = np.arange(1, k + 1, dtype=np.float64)
    if alpha == 1.0:  # fresh data only: p_inf = P_t0 p, age 1 alone
        lw = np.where(ages == 1.0, 0.0, -np.inf)
    else:
        lw = math.log(alpha) + (ages - 1.0) * math.log1p(-alpha)
    lu = -ages * t0
    total = 0.0
    for start in range(0, k, 512):  # rows of the K x K pair matrix
        rows = slice(start, min(k, start + 512))
        log_terms = lw[rows, None] + lw[None, :] + _log_g(lu[rows, None], lu[None, :], dirs)
        total += float(np.sum(np.exp(log_terms)))
    half = lw + 0.5 * _log_g(lu, lu, dirs)
    return total, float(np.sum(np.exp(half))), float(half[-1])


def _off_edge_factor(lu_k: float, dirs: tuple[np.ndarray, ...]) -> float:
    """The off-boundary directions' ``G_jj`` factor for ``u <= u_K``, relative to ``u_K``'s:
    its largest value on a grid of ``[0, u_K]``."""
    lam, mu, edge = dirs
    off = (lam[~edge], mu[~edge], edge[~edge])
    if off[0].size == 0:
        return 1.0
    with np.errstate(divide="ignore"):  # log 0 = -inf: the limit N(0, I)
        grid = np.log(np.linspace(0.0, math.exp(lu_k), _GRID))
    grid[-1] = lu_k
    log_f = _log_g(grid, grid, off)
    return float(np.exp(0.5 * (np.max(log_f) - log_f[-1])))


def boundary_chi2(data: Gaussian, alpha: float, t0: float, start: int) -> Divergence:
    """``chi2(p_inf || data)`` on the convergent boundary (module docstring), starting from
    ``start`` ages."""
    dirs = _directions(data)
    r = int(np.sum(dirs[2]))
    q = (1.0 - alpha) * math.exp(0.25 * r * t0)
    k = 1 if alpha == 1.0 else max(start, 16)
    while True:
        total, a, log_last = _partial(k, alpha, t0, dirs)
        b = math.exp(log_last) * _off_edge_factor(-k * t0, dirs) * q / (1.0 - q)
        omitted = 2.0 * a * b + b * b
        if omitted <= _RTOL * total or 2 * k > MAX_PAIR_AGES or alpha == 1.0:
            break
        k *= 2
    value = total + 0.5 * omitted - 1.0
    return Divergence(
        max(value, 0.0),
        0.5 * omitted + 1e-14 * total,
        "closed-form",
        f"on the boundary ({r} eigenvalue(s) 1/2, no offset): the double series over {k} ages "
        f"summed exactly, the rest within {omitted:.2g} (Cauchy-Schwarz; (1 - alpha)^2 "
        f"e^(r t0 / 2) = {q * q:.6g} < 1)",
        0,
        0.0,
        "estimate",
    )
