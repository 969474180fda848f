"""Numerical divergences: adaptive cubature in dimension 1-2, Monte Carlo above (private).

Only called for chi-square divergences already certified finite by :mod:`._tails`.

Quadrature box. The integrands decay like Gaussians whose precisions are known: ``p``'s
component precisions for KL, and for chi-square the tail precision ``phi_j`` of each component
of ``p`` certified by the tail rule (the tilted law ``N_j^2 / N_l``). The box covers the
components of ``p``, of ``q`` (for chi-square: ``(p - q)^2 / q ~ q`` where ``p << q``) and the
tilted laws, and extends ``_BOX_SDS = 14`` effective standard deviations beyond them; the
mass neglected outside is below ``exp(-14^2 / 2) ~ 3e-43`` relative to the integrand's scale,
far under the requested tolerance, so the reported error is the cubature's own estimate.

Importance sampling for chi-square. The proposal ``g`` mixes (i) the components of ``p``,
(ii) for each component ``j`` with a covering component ``l`` of ``q`` (``B = 2P_j - P_l``
positive definite) the tilted Gaussian ``N(B^{-1}(2P_j m_j - P_l m_l), B^{-1})``, and (iii) an
isotropic Gaussian at ``m_j`` with variance ``1 / phi_j``. Since ``p^2/q <= K sum_j w_j^2
N_j^2 / (v_l N_l)`` and ``g`` dominates a multiple of each tilted Gaussian (or of the
isotropic one, whose precision ``phi_j`` is below twice the integrand's tail precision), the
second moment ``int (p^2/q)^2 / g`` is finite: the estimator has finite variance and its
standard error is meaningful. The estimator is of ``int (p - q)^2 / q`` (the chi-square itself,
without the ``- 1`` cancellation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from scipy.integrate import cubature

from ._laws import GaussianMixture, Law, as_mixture, components
from ._tails import TailCheck
from ._validation import FloatArray

_BOX_SDS = 14.0
_NARROW = 1.0 / 100.0
QUAD_RTOL = 1e-10
QUAD_ATOL = 1e-13


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    abs_error: float
    method: str
    n_samples: int = 0
    converged: bool = True


def _log_chi2_integrand(lp: FloatArray, lq: FloatArray) -> FloatArray:
    """``(p - q)^2 / q`` from log-densities, stable where ``p ~ q`` and where ``q << p``."""
    r = lp - lq
    out = np.zeros_like(r)
    near = r <= 1.0
    # q (p/q - 1)^2 = exp(lq) expm1(r)^2 : exact near p = q, no overflow when r <= 1
    out[near] = np.exp(lq[near]) * np.expm1(r[near]) ** 2
    far = ~near
    out[far] = np.exp(2.0 * lp[far] - lq[far]) - 2.0 * np.exp(lp[far]) + np.exp(lq[far])
    return out


def contrast_integrand(la: FloatArray, lb: FloatArray, lr: FloatArray) -> FloatArray:
    """``(a - b)^2 / r`` from log-densities: ``exp(2 max(la, lb) - lr) expm1(-|la - lb|)^2``,
    exact where ``a ~ b`` and free of overflow where one dominates (0 where both vanish)."""
    top = np.maximum(la, lb)
    out = np.zeros_like(top)
    live = np.isfinite(top)
    gap = -np.abs(la[live] - lb[live])
    out[live] = np.exp(2.0 * top[live] - lr[live]) * np.expm1(gap) ** 2
    return out


def _kl_integrand(lp: FloatArray, lq: FloatArray) -> FloatArray:
    out = np.zeros_like(lp)
    pos = np.isfinite(lp)
    out[pos] = np.exp(lp[pos]) * (lp[pos] - lq[pos])
    return out


def _box(centres: FloatArray, sds: FloatArray) -> tuple[FloatArray, FloatArray]:
    lo = np.min(centres - _BOX_SDS * sds, axis=0)
    hi = np.max(centres + _BOX_SDS * sds, axis=0)
    return lo, hi


def _tilted(p: Law, q: Law, tails: TailCheck) -> tuple[FloatArray, FloatArray]:
    """Means and covariances of the tilted Gaussians ``N_j^2 / N_l`` for covered components."""
    _, mp, _, fp = components(p)
    _, mq, _, fq = components(q)
    pp, pq = fp.precisions(), fq.precisions()
    means, covs = [], []
    for j, cover in enumerate(tails.cover):
        if cover < 0:
            continue
        b = 2.0 * pp[j] - pq[cover]
        cov = np.linalg.inv(b)
        means.append(cov @ (2.0 * pp[j] @ mp[j] - pq[cover] @ mq[cover]))
        covs.append(0.5 * (cov + cov.T))
    d = mp.shape[1]
    return np.reshape(means, (-1, d)), np.reshape(covs, (-1, d, d))


def _chi2_box(p: Law, q: Law, tails: TailCheck) -> tuple[FloatArray, FloatArray]:
    """Box holding the mass of ``p``, of ``q`` (the integrand ``(p - q)^2 / q`` is ``~ q`` where
    ``p << q``) and of the tilted laws that carry ``p^2 / q``."""
    wp, mp, covp, _ = components(p)
    wq, mq, covq, _ = components(q)
    keep = wp > 0
    keep_q = wq > 0
    tm, tc = _tilted(p, q, tails)
    centres = np.concatenate([mp[keep], tm])
    sd_p = np.sqrt(np.diagonal(covp[keep], axis1=1, axis2=2))
    sd_t = np.sqrt(np.diagonal(tc, axis1=1, axis2=2)) if len(tc) else np.zeros((0, mp.shape[1]))
    # the tail precision bounds the integrand's decay in every direction, also without a cover
    sd_env = np.repeat(1.0 / np.sqrt(tails.tail_precision[keep])[:, None], mp.shape[1], axis=1)
    sd_q = np.sqrt(np.diagonal(covq[keep_q], axis1=1, axis2=2))
    return _box(
        np.concatenate([centres, mp[keep], mq[keep_q]]),
        np.concatenate([sd_p, sd_t, sd_env, sd_q]),
    )


def _breakpoints(
    centres: FloatArray, sds: FloatArray, lo: FloatArray, hi: FloatArray
) -> list[FloatArray]:
    """The narrow peaks of the integrand, where cubature must split its box.

    Adaptive cubature can step over a peak much narrower than the box (its first rule sees
    nothing there and reports convergence: seen with a peak of sd 0.1 in a box of width 300).
    Splitting the box at such a peak puts it on region corners, where the Gauss–Kronrod nodes
    cluster, so the refinement sees it. A peak of sd above ``_NARROW = 1/100`` of the box lies
    within ~4 sd of a node of the first 21-node rule (mid-box spacing ~ 0.075 x box), so it
    shows in the Gauss/Kronrod difference at ~1e-3 of its mass and triggers refinement; such
    peaks get no point, because points multiply the regions (20 of them cost 40x the time in
    2-D). Points within one sd of a kept one are skipped too (thin slivers cost the most).
    """
    width = hi - lo
    kept: list[FloatArray] = []
    for c, s in zip(centres, sds, strict=True):
        narrow = np.min(s / width) < _NARROW
        inside = bool(np.all(c > lo) and np.all(c < hi))
        if narrow and inside and all(np.max(np.abs(c - k) / s) > 1.0 for k in kept):
            kept.append(c)
    return kept


def quadrature(
    p: Law,
    q: Law,
    kind: str,
    tails: TailCheck | None,
    integrand: Callable[[FloatArray], FloatArray] | None = None,
) -> Estimate:
    """Adaptive cubature (``scipy.integrate.cubature``, Gauss–Kronrod 21 product rule).

    ``integrand`` replaces the chi-square / KL integrand (the box and breakpoints stay those of
    ``kind`` for ``p`` against ``q``): used for ``J = int (a - b)^2 / q`` with ``p`` the
    law of ``|a - b|`` (:mod:`gaussian_oracle._contrast`).
    """
    wp, mp, covp, _ = components(p)
    keep = wp > 0
    centres = mp[keep]
    sds = np.sqrt(np.diagonal(covp[keep], axis1=1, axis2=2))
    if kind == "chi2":
        lo, hi = _chi2_box(p, q, cast(TailCheck, tails))
        tm, tc = _tilted(p, q, cast(TailCheck, tails))
        if len(tm):
            centres = np.concatenate([centres, tm])
            sds = np.concatenate([sds, np.sqrt(np.diagonal(tc, axis1=1, axis2=2))])

        def chi2_f(x: FloatArray) -> FloatArray:
            return _log_chi2_integrand(p.logpdf(x), q.logpdf(x))

        f: Callable[[FloatArray], FloatArray] = chi2_f if integrand is None else integrand
    else:
        lo, hi = _box(centres, sds)

        def f(x: FloatArray) -> FloatArray:
            return _kl_integrand(p.logpdf(x), q.logpdf(x))

    points = _breakpoints(centres, sds, lo, hi)
    res: Any = cubature(
        f,
        lo,
        hi,
        rule="gk21",
        rtol=QUAD_RTOL,
        atol=QUAD_ATOL,
        max_subdivisions=20_000,
        points=points or None,
    )
    return Estimate(
        float(res.estimate), float(res.error), "quadrature", converged=res.status == "converged"
    )


def _proposal(p: Law, q: Law, tails: TailCheck) -> GaussianMixture:
    wp, mp, covp, _ = components(p)
    keep = np.flatnonzero(wp > 0)
    d = mp.shape[1]
    tm, tc = _tilted(p, q, tails)
    parts_w = [0.5 * wp[keep]]
    parts_m = [mp[keep]]
    parts_c = [covp[keep]]
    if len(tm):
        covered = wp[tails.cover >= 0]
        parts_w.append(0.4 * covered / covered.sum())
        parts_m.append(tm)
        parts_c.append(tc)
        env_share = 0.1
    else:
        env_share = 0.5
    env_var = 1.0 / tails.tail_precision[keep]
    parts_w.append(env_share * wp[keep])
    parts_m.append(mp[keep])
    parts_c.append(env_var[:, None, None] * np.eye(d))
    w = np.concatenate(parts_w)
    return GaussianMixture(w / w.sum(), np.concatenate(parts_m), np.concatenate(parts_c))


def monte_carlo(
    p: Law,
    q: Law,
    kind: str,
    tails: TailCheck | None,
    n_samples: int,
    rng: np.random.Generator,
    integrand: Callable[[FloatArray], FloatArray] | None = None,
) -> Estimate:
    """Importance sampling (chi-square) or plain sampling from ``p`` (KL); one standard error.

    ``integrand`` replaces the chi-square integrand, with the chi-square proposal of ``p``
    against ``q`` (see :func:`quadrature`).
    """
    if kind == "chi2":
        g = _proposal(p, q, cast(TailCheck, tails))
        x = g.sample(n_samples, rng)
        lg = g.logpdf(x)
        body = _log_chi2_integrand(p.logpdf(x), q.logpdf(x)) if integrand is None else integrand(x)
        vals = body / np.exp(lg)
        method = "importance-sampling"
    else:
        x = as_mixture(p).sample(n_samples, rng)
        vals = p.logpdf(x) - q.logpdf(x)
        method = "monte-carlo"
    mean = float(np.mean(vals))
    se = float(np.std(vals, ddof=1) / np.sqrt(n_samples))
    return Estimate(mean, se, method, n_samples=n_samples)
