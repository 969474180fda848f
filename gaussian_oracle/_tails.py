"""Exact finiteness rule for chi-square divergences between Gaussian mixtures.

The rule and how it is decided are documented in :func:`chi2_tail_check`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._errors import FinitenessUndecidedError, OracleShapeError
from ._law_tools import components
from ._laws import Law
from ._tail_search import (
    _circle_min,
    _commuting_basis,
    _lp_min_max,
    _max_lambda_min,
    _whitened_top,
    _witness_search,
)
from ._validation import FloatArray, _show

__all__ = ["TAIL_RTOL", "TailCheck", "chi2_tail_check"]

TAIL_RTOL = 1e-10
_SCAN_MAX_COMPONENTS = 150  # the exact 2-D scan enumerates O(K^2) crossings x K forms


@dataclass(frozen=True, slots=True)
class TailCheck:
    """Outcome of the chi-square finiteness rule.

    Attributes
    ----------
    finite : bool
        Whether :math:`\\chi^2(p \\| q) < \\infty`.
    exact : bool
        False only on the boundary (tail exponent zero to round-off against a mixture), where
        infinity is reported conservatively.
    reason : str
        Human-readable justification (empty when finite).
    component : int or None
        Index (in ``p``) of a component with heavier tails, when infinite.
    direction : ndarray or None
        Unit direction of heavier tails, when one was found.
    tail_precision : ndarray, shape (K_p,)
        When finite: a positive lower bound on :math:`\\min_u \\varphi_j(u)` for each component
        of ``p`` (``inf`` for zero-weight components). Used to size quadrature boxes and
        importance-sampling proposals. ``-inf`` throughout when infinite.
    cover : ndarray of int, shape (K_p,)
        Index of a component ``l`` of ``q`` with :math:`2P_j - P_l` positive definite, or -1.
    """

    finite: bool
    exact: bool
    reason: str
    component: int | None
    direction: FloatArray | None
    tail_precision: FloatArray
    cover: NDArray[np.int64]


def _infinite(j: int, u: FloatArray | None, reason: str, exact: bool, kp: int) -> TailCheck:
    # no Gaussian decay: the tail precision is -inf (not a number to size anything with)
    return TailCheck(False, exact, reason, j, u, np.full(kp, -np.inf), np.full(kp, -1))


def chi2_tail_check(p: Law, q: Law) -> TailCheck:
    r"""Decide whether :math:`\chi^2(p \| q)` is finite, exactly wherever possible.

    The rule (derived in this project, THEORY.md §5–§6)
    ----------------------------------------------------
    Write :math:`P_j = S_j^{-1}` for the components of ``p`` (positive weight only) and
    :math:`P_l` for those of ``q``. Since :math:`w_j^2 N_j^2 \le p^2 \le K \sum_j w_j^2 N_j^2`,
    :math:`\int p^2/q < \infty` iff :math:`\int N_j^2/q < \infty` for every ``j``. Along a ray
    :math:`x = r u`, :math:`\log(N_j^2/q) = -\tfrac{r^2}{2}\,\varphi_j(u) + O(r)` with

    .. math::
        \varphi_j(u) = \max_l\, u^\top B_{jl}\, u, \qquad B_{jl} = 2P_j - P_l, \quad |u| = 1 .

    * If :math:`\min_u \varphi_j(u) > 0` the integrand has Gaussian tails in every direction:
      finite (and ``min_u phi_j`` is a tail precision used to build importance-sampling proposals).
    * If :math:`\varphi_j(u) < 0` for some ``u`` (component ``j`` has heavier tails in direction
      ``u`` than every component of ``q``) the integrand grows on a cone: :math:`\chi^2 = +\infty`.
    * If :math:`\min_u \varphi_j(u) = 0` (to round-off) the linear terms decide. Against a single
      Gaussian this boundary is always infinite (the integrand is :math:`e^{b^\top x}` along the
      null direction), which is exact. Against a mixture it can go either way; it is reported as
      infinite with ``exact=False`` so that no finite number is ever returned for an infinite
      divergence.

    How :math:`\min_u \varphi_j` is decided
    ---------------------------------------
    1. Some :math:`B_{jl}` positive definite: finite (the usual case; certificate ``l``). Decided
       scale-free: :math:`B_{jl} \succ 0` iff the largest eigenvalue of :math:`S_j` whitened by
       :math:`S_l` (:math:`L_l^{-1} S_j L_l^{-\top}`) is below 2, which no condition number of
       the covariances disturbs (``chi2(p, p)`` is finite for every accepted ``p``).
    2. ``q`` a single Gaussian: the same whitened eigenvalue against 2 (exact).
    3. All precisions commute (isotropic or diagonal covariances, or any simultaneously
       diagonalisable set): in the common eigenbasis :math:`\varphi_j` is a max of linear forms in
       :math:`u_i^2`, and its minimum over the simplex is a linear program (exact).
    4. Dimension 2: :math:`u^\top B u` is a sinusoid in twice the angle; the minimum of the upper
       envelope is attained at a sinusoid's minimum or a pairwise crossing, all enumerated (exact).
    5. Two components in ``q``: by Yuan's lemma (1990) :math:`\min_u \varphi_j > 0` iff some
       convex combination :math:`\mu B_{j1} + (1 - \mu) B_{j2}` is positive definite, and
       :math:`\min_u \varphi_j < 0` iff :math:`\max_\mu \lambda_{\min} < 0` (exact).
    6. Otherwise: a cutting-plane search for a positive-definite convex combination (certifies
       finite) and a search for a direction with :math:`\varphi_j(u) < 0` (certifies infinite); if
       neither is found, :class:`FinitenessUndecidedError` is raised.

    Tolerance: in cases 1–2 a whitened eigenvalue within ``TAIL_RTOL = 1e-10`` of 2 (relative) is
    the boundary. Whitening carries relative round-off about ``sqrt(cond(S)) * 2^-52``: 1e-15 for
    well-conditioned covariances, 7e-10 at the accepted limit ``cond(S) = 1e13`` (where a
    decision that close to the boundary is round-off either way). In cases 3–6 a tail exponent
    within ``TAIL_RTOL`` times the largest precision eigenvalue involved is "zero to round-off".

    Parameters
    ----------
    p, q : Gaussian or GaussianMixture
        Laws of the same dimension (checked by the callers, e.g. :func:`chi2`).

    Returns
    -------
    TailCheck

    Raises
    ------
    OracleShapeError
        If the laws have different dimensions.
    FinitenessUndecidedError
        Only in case 6 of the rule when no certificate either way was found.

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> chi2_tail_check(Gaussian(0.0, 1.9), Gaussian(0.0, 1.0)).finite    # 2 - 1.9 > 0
    True
    >>> t = chi2_tail_check(Gaussian(0.0, 2.1), Gaussian(0.0, 1.0))
    >>> t.finite, t.exact
    (False, True)
    """
    if p.dim != q.dim:
        raise OracleShapeError(
            f"p has dimension {p.dim} and q has dimension {q.dim}; they must match"
        )
    wp, _, covp, fp = components(p)
    wq, _, covq, fq = components(q)
    kp = len(wp)
    prec_p = fp.precisions()
    prec_q = fq.precisions()[wq > 0]
    lam_q = np.linalg.eigvalsh(prec_q)[:, -1]
    tail = np.full(kp, np.inf)
    cover = np.full(kp, -1)
    q_index = np.flatnonzero(wq > 0)
    live = wp > 0
    # case 1 for every component at once (the usual outcome), scale-free: the largest eigenvalue
    # of S_j whitened by S_l (the square of ``sig``) below 2 (1 - TAIL_RTOL)
    sig, vec = _whitened_top(fp.chol, fq.chol_inv[wq > 0])
    covered = sig < np.sqrt(2.0 * (1.0 - TAIL_RTOL))
    best = np.argmin(np.where(covered, sig, np.inf), axis=1)
    js = np.flatnonzero(live & np.any(covered, axis=1))
    if len(js):
        # the tail precision lambda_min(2 P_j - P_l) sizes quadrature boxes and proposals: the
        # direct eigenvalue where it stands above its round-off (absolute error ~ eps |B|), else
        # the certified lower bound (2 / sig^2 - 1) / lambda_max(S_l)
        lb = best[js]
        direct = np.linalg.eigvalsh(2.0 * prec_p[js] - prec_q[lb])[:, 0]
        scale = np.maximum(np.linalg.eigvalsh(prec_p[js])[:, -1], float(lam_q.max()))
        s_l = np.linalg.eigvalsh(covq[q_index[lb]])[:, -1]
        with np.errstate(over="ignore", divide="ignore"):  # sig -> 0: p far narrower than q
            certified = (2.0 / sig[js, lb] ** 2 - 1.0) / s_l
        tail[js] = np.where(direct > TAIL_RTOL * scale, direct, certified)
        cover[js] = q_index[lb]
    if np.all(covered[live].any(axis=1)):
        return TailCheck(True, True, "", None, None, tail, cover)
    for j in range(kp):
        if wp[j] == 0.0 or cover[j] >= 0:
            continue
        b = 2.0 * prec_p[j][None] - prec_q
        tol = TAIL_RTOL * max(float(np.linalg.eigvalsh(prec_p[j])[-1]), float(lam_q.max()))
        head = f"component {j} of p (covariance {_show(covp[j])}) "
        if len(b) == 1:
            # the direction of heavier tails: the top eigenvector v of the whitened S_j, mapped
            # back (u = L_q^{-T} v gives u^T B u = 2 / lambda - 1 < 0 per unit of |L^{-T} v|^2)
            u = fq.chol_inv[q_index[0]].T @ vec[j, 0]
            u = u / np.linalg.norm(u)
            if sig[j, 0] > np.sqrt(2.0 * (1.0 + TAIL_RTOL)):
                why = (
                    f"{head}has heavier tails than q along {np.round(u, 6).tolist()}: "
                    f"2 S_q - S_p is not positive definite (S_p whitened by S_q has eigenvalue "
                    f"{sig[j, 0]:.6g}^2 > 2), so chi2 = +inf"
                )
            else:
                why = (
                    f"{head}has exactly as heavy tails as q along {np.round(u, 6).tolist()} "
                    "(2 S_q - S_p singular within TAIL_RTOL = 1e-10): the integrand does not "
                    "decay, chi2 = +inf"
                )
            return _infinite(j, u, why, True, kp)
        value: float
        u_star: FloatArray | None
        exact_sign = True
        basis = _commuting_basis(np.concatenate([prec_p[j][None], prec_q]))
        if basis is not None:
            diag = np.einsum("ji,kjl,li->ki", basis, b, basis)
            value, lam = _lp_min_max(diag)
            u_star = basis @ np.sqrt(np.clip(lam, 0.0, None))
        elif b.shape[-1] == 2 and len(b) <= _SCAN_MAX_COMPONENTS:
            value, u_star = _circle_min(b)
        else:
            lower, upper, cuts = _max_lambda_min(b, tol)
            if lower > tol:
                tail[j] = lower
                continue
            value, u_star = _witness_search(b, cuts)
            if value >= -tol:
                if len(b) == 2:  # Yuan's lemma: the LP bound decides the sign exactly
                    value = upper if upper < -tol else 0.0
                    exact_sign = upper < -tol
                    u_star = None  # the sign is certified, but no witness direction was found
                else:
                    raise FinitenessUndecidedError(
                        f"could not decide whether chi2 is finite: {head}against {len(b)} "
                        "non-commuting components in dimension "
                        f"{b.shape[-1]}; best convex combination has lambda_min in "
                        f"[{lower:.3g}, {upper:.3g}] and no direction of heavier tails was found"
                    )
        if value > tol:
            tail[j] = value
            continue
        if value < -tol:
            shown = (
                ""
                if u_star is None
                else f" along {np.round(u_star / np.linalg.norm(u_star), 6).tolist()}"
            )
            why = (
                f"{head}has heavier tails{shown} than every component of q "
                f"(max_l u^T (2 P_j - P_l) u = {value:.3g} < 0), so chi2 = +inf"
            )
            return _infinite(
                j, None if u_star is None else u_star / np.linalg.norm(u_star), why, exact_sign, kp
            )
        why = (
            f"{head}has tails exactly as heavy (to round-off) as the heaviest components of q "
            "in some direction; the sub-leading terms, not resolved here, decide finiteness. "
            "Reported as +inf conservatively"
        )
        return _infinite(j, u_star, why, False, kp)
    return TailCheck(True, True, "", None, None, tail, cover)
