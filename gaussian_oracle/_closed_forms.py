"""Closed-form divergences between Gaussians and of mixtures against a Gaussian (private).

Derivations: THEORY.md §6. Everything is computed in the frame whitened by the second law
``q = N(m0, S0)``: with ``L0 L0^T = S0``, ``y = L0^{-1}(x - m0)`` maps ``q`` to ``N(0, I)`` and
leaves chi-square and KL unchanged (both are invariant under invertible affine maps).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp

from ._errors import OracleDomainError
from ._laws import Gaussian, GaussianMixture
from ._validation import FloatArray
from ._whitened import PAIR_BUDGET, WhitenedComponents


def x_minus_log1p(x: FloatArray) -> FloatArray:
    """``x - log1p(x)`` without cancellation for small ``|x|`` (``x > -1``).

    For ``|x| < 0.1`` the series ``sum_{n>=2} (-x)^n / n`` truncated after 30 terms (error
    below ``0.1^31 / 31``, far under one ulp of ``x^2 / 2``); elsewhere the direct formula,
    whose cancellation costs at most a factor ``1 / 0.0047`` on ``eps``, i.e. ~2e-14 relative.
    """
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = np.abs(x) < 0.1
    xs = x[small]
    acc = np.zeros_like(xs)
    for n in range(31, 1, -1):
        acc = acc * (-xs) + 1.0 / n
    out[small] = acc * xs * xs
    out[~small] = x[~small] - np.log1p(x[~small])
    return out


def _whitened_pair(p: Gaussian, q: Gaussian, with_diff: bool = False) -> Any:
    """Whitened frame of ``q``: eigenvalues ``e`` of ``L0^{-1}(S1 - S0)L0^{-T}``, the sum
    ``sum_i log(1 + e_i)`` and the whitened shift ``L0^{-1}(m1 - m0)``.

    ``S1 - S0`` is formed before whitening so that nearly equal covariances keep their relative
    accuracy (the eigenvalues of the whitened ``S1`` are ``1 + e``). Where ``1 + e <= 1/2`` (``p``
    much narrower than ``q`` in some direction) ``1 + e`` has lost its relative accuracy (it
    rounds to 0 for variance ratios below 1e-16), so the sum of those logarithms comes from the
    log-determinants of the Cholesky factors instead, ``sum_i log(1 + e_i) = log det S1 -
    log det S0``, accurate for any ratio the float64 exponent range holds (1e-600 included).
    Only this sum enters chi-square and KL.
    """
    li = q._factors.chol_inv[0]
    with np.errstate(over="ignore"):  # p wider than q by more than float64 holds: see below
        diff = li @ (p.cov - q.cov) @ li.T
        delta = li @ (p.mean - q.mean)
    diff = 0.5 * (diff + diff.T)
    if not np.all(np.isfinite(diff)):
        # a whitened variance beyond float64: chi2 is infinite (the tail rule says so first)
        # and KL finite but unrepresentable; both follow from e = +inf
        out = (np.full(p.dim, np.inf), float("inf"), delta)
        return (*out, diff) if with_diff else out
    e = np.linalg.eigvalsh(diff)
    big = e > -0.5
    total = float(np.sum(np.log1p(e[big])))
    if not np.all(big):
        total = float(p._factors.logdet[0] - q._factors.logdet[0])
    return (e, total, delta, diff) if with_diff else (e, total, delta)


def log1p_chi2_gaussian(p: Gaussian, q: Gaussian) -> float:
    r"""Closed-form :math:`\log(1 + \chi^2(N(m_1,S_1) \| N(m_0,S_0)))` (``inf`` if infinite).

    With ``1 + e_i`` the eigenvalues of the whitened ``S1`` and ``delta`` the whitened shift,
    :math:`\log(1+\chi^2) = -\tfrac12\sum_i [\log(1 - e_i) + \log(1 + e_i)]
    + \delta^\top (2I - \tilde S_1)^{-1}\delta`,
    which is THEORY.md §6's formula in the whitened frame; the caller applies ``expm1``. The
    two logarithms are summed separately (:func:`_whitened_pair`), so a ``p`` narrower than
    ``q`` by any factor keeps its relative accuracy.
    """
    e, sum_log1, delta, diffw = _whitened_pair(p, q, with_diff=True)
    if np.any(e >= 1.0):
        return float("inf")
    # 2 I - S1_whitened = I - (S1 - S0)_whitened: from the accurate difference, not from
    # whitening S1 itself (which costs cond(S0) ulps in the small directions)
    m = np.eye(p.dim) - diffw
    with np.errstate(over="ignore"):  # a shift beyond float64: log(1 + chi2) = +inf (overflow)
        quad = float(delta @ np.linalg.solve(m, delta))
    return -0.5 * (float(np.sum(np.log1p(-e))) + sum_log1) + quad


def gaussian_boundary(p: Gaussian, q: Gaussian) -> bool:
    """Whether the whitened ``S1`` has an eigenvalue ``>= 2`` (``e >= 1``): the chi-square
    boundary, reached only by round-off once the tail rule has passed."""
    return bool(np.any(_whitened_pair(p, q)[0] >= 1.0))


def overflow_note(p: Gaussian, q: Gaussian) -> tuple[str, float]:
    """Why a Gaussian KL is ``inf`` (finite, beyond float64), and ``log KL`` (``inf`` where it
    is not representable): ``KL = (body + |delta|^2) / 2`` summed in log space."""
    e, sum_log1, delta = _whitened_pair(p, q)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        body = float(np.sum(e)) - sum_log1 if np.all(np.isfinite(e)) else float("inf")
        parts = [np.log(0.5 * body)] if 0.0 < body < np.inf else []
        top = float(np.max(np.abs(delta)))
        if 0.0 < top < np.inf:  # |delta| without overflow: top * |delta / top|
            parts.append(np.log(0.5) + 2.0 * (np.log(top) + np.log(np.linalg.norm(delta / top))))
    if body == np.inf or not parts:
        return "finite (KL between Gaussians always is) but beyond the float64 range", np.inf
    log_kl = float(np.logaddexp.reduce(parts))
    return f"finite but beyond the float64 range: log KL = {log_kl:.12g}", log_kl


def kl_gaussian(p: Gaussian, q: Gaussian) -> float:
    r"""Closed-form :math:`\mathrm{KL}(N(m_1,S_1) \| N(m_0,S_0))` (always finite).

    :math:`\tfrac12 \sum_i (e_i - \log(1 + e_i)) + \tfrac12 |\delta|^2` in the whitened frame,
    equal to THEORY.md §6's trace/log-det formula; ``x - log1p(x)`` without cancellation for
    small ``e``, and the sum of ``log(1 + e)`` from the log-determinants where ``p`` is much
    narrower (:func:`_whitened_pair`).
    """
    e, sum_log1, delta = _whitened_pair(p, q)
    if not np.all(np.isfinite(e)):
        return float("inf")  # a whitened variance beyond float64 (see _whitened_pair)
    big = e > -0.5
    if np.all(big):
        body = float(np.sum(x_minus_log1p(e)))
    else:
        body = float(np.sum(e)) - sum_log1
    with np.errstate(over="ignore"):  # beyond float64: +inf, the correct rounding
        return float(0.5 * body + 0.5 * float(delta @ delta))


# log(1 + chi2) above which chi2 is taken from its logarithm (the direct sum of w w expm1(T)
# would overflow; its relative accuracy is then that of the log, ~1e-16 x log)
DIRECT_LIMIT = 700.0


def chi2_mixture_gaussian(p: GaussianMixture, q: Gaussian) -> tuple[float, float | None]:
    r"""``(log(1 + chi2), chi2)`` of :math:`\sum_j w_j N_j` against :math:`N_0`, pairwise.

    :math:`1 + \chi^2 = \sum_{j,k} w_j w_k e^{T_{jk}}` with :math:`T_{jk} = \log\int N_j N_k /
    N_0` (:mod:`gaussian_oracle._whitened`, accurate to relative round-off however close the
    components are to :math:`N_0`). The logarithm is a log-sum-exp over the upper triangle
    (off-diagonal pairs counted twice), computed in blocks of rows; ``chi2`` itself is the
    direct sum :math:`\sum_{j,k} w_j w_k \operatorname{expm1}(T_{jk})` (the weights sum to
    one), which keeps its relative accuracy for values down to the smallest floats, and is
    ``None`` where ``log(1 + chi2) > DIRECT_LIMIT``. Every :math:`A_{jj}` must be positive
    definite (checked by the caller).
    """
    keep = p.weights > 0
    comps = WhitenedComponents.of(p.means[keep], p.covs[keep], q)
    logw = np.log(p.weights[keep])
    k = logw.size
    rows = max(1, PAIR_BUDGET // max(1, k * p.dim * p.dim))
    log2 = float(np.log(2.0))
    terms: list[FloatArray] = []
    weights: list[FloatArray] = []
    for start in range(0, k, rows):
        j = np.arange(start, min(k, start + rows))
        c = np.arange(start, k)  # upper triangle only: pairs (j, c) with c >= j
        block = comps.take(j).log_terms(comps.take(c))
        logw_jc = logw[j][:, None] + logw[c][None, :]
        upper = c[None, :] > j[:, None]
        logw_jc = np.where(upper, logw_jc + log2, logw_jc)  # off-diagonal pairs count twice
        mask = c[None, :] >= j[:, None]
        terms.append(block[mask])
        weights.append(logw_jc[mask])
    flat, logw_flat = np.concatenate(terms), np.concatenate(weights)
    if np.any(np.isnan(flat)):
        # inf - inf in an off-diagonal term: by Cauchy-Schwarz it is at most the mean of two
        # diagonal terms, and a diagonal term that overflowed to +inf makes the sum +inf anyway
        # (an overflow: the caller labels it); without one there is no value to give
        diag = comps.log_terms_diagonal()
        if np.any(diag == np.inf):
            return float("inf"), None
        raise OracleDomainError(
            "chi2 of this mixture against the Gaussian is beyond float64 arithmetic (means too "
            "far out in units of the covariances)"
        )
    log1 = float(logsumexp(flat + logw_flat))
    if log1 > DIRECT_LIMIT:
        return log1, None
    return log1, max(float(np.sum(np.exp(logw_flat) * np.expm1(flat))), 0.0)


def _sqrtm(s: FloatArray) -> FloatArray:
    """Symmetric square root by eigendecomposition (round-off negatives clipped to 0)."""
    w, v = np.linalg.eigh(0.5 * (s + s.T))
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def w2_gaussian(p: Gaussian, q: Gaussian) -> float:
    r"""Wasserstein-2 (Bures) distance between two Gaussians, with relative accuracy.

    :math:`W_2^2 = |m_1 - m_0|^2 + B^2` with the Bures term
    :math:`B^2 = \mathrm{tr}\,S_1 + \mathrm{tr}\,S_0 - 2\,\mathrm{tr}\,(S_0^{1/2} S_1
    S_0^{1/2})^{1/2} = \min_U \|S_0^{1/2} - S_1^{1/2} U\|_F^2` over orthogonal ``U``. The trace
    form cancels catastrophically when ``S_1 ~ S_0`` (relative error ``eps / B^2``); here the
    minimiser (the orthogonal polar factor of :math:`S_1^{1/2} S_0^{1/2}`, by SVD) is found
    first and the difference :math:`S_0^{1/2} - S_1^{1/2} U` formed entrywise, so the relative
    error is ``eps |S^{1/2}| / B``. Diagonal covariances use
    :math:`\sum_i (a_i - b_i)^2 / (\sqrt{a_i} + \sqrt{b_i})^2`, accurate to round-off. Both
    covariances are divided by their largest entry first (scale 1e160 and 1e-160 alike), and the
    two terms are combined with ``hypot``, so nothing overflows before the result does.
    """
    scale = float(max(np.max(np.abs(p.cov)), np.max(np.abs(q.cov))))
    a, b = q.cov / scale, p.cov / scale
    if np.array_equal(a, b):  # equal covariances: no Bures term (the SVD would leave ~1e-16)
        bures = 0.0
    elif (
        np.count_nonzero(a - np.diag(np.diagonal(a))) == 0
        and np.count_nonzero(b - np.diag(np.diagonal(b))) == 0
    ):
        da, db = np.diagonal(a), np.diagonal(b)
        bures = float(np.sqrt(np.sum((da - db) ** 2 / (np.sqrt(da) + np.sqrt(db)) ** 2)))
    else:
        ra, rb = _sqrtm(a), _sqrtm(b)
        left, _, right = np.linalg.svd(rb.T @ ra)
        bures = float(np.linalg.norm(ra - rb @ (left @ right)))
    shift = p.mean - q.mean
    top = float(np.max(np.abs(shift)))
    dist = 0.0 if top == 0.0 else top * float(np.linalg.norm(shift / top))
    with np.errstate(over="ignore"):  # beyond float64: +inf, the correct rounding
        return float(np.hypot(dist, np.sqrt(scale) * bures))
