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

from ._errors import OracleDomainError
from ._law_tools import as_mixture, components
from ._laws import GaussianMixture, Law
from ._tails import TailCheck
from ._validation import FloatArray

_BOX_SDS = 14.0
_NARROW = 1.0 / 100.0
QUAD_RTOL = 1e-10
QUAD_ATOL = 1e-13


@dataclass(frozen=True, slots=True)
class Integral:
    """A numerical integral ``value = exp(log_scale) * I`` and its error (same scale).

    ``log_scale`` is 0 unless the integrand exceeds ``e^600`` somewhere; then it is integrated
    divided by ``exp(log_scale)`` and ``value`` may be ``inf`` (beyond float64) while
    ``log_scale + log(I)`` is the logarithm of the finite value.
    """

    value: float
    abs_error: float
    method: str
    n_samples: int = 0
    converged: bool = True
    log_value: float | None = None


#: integrands whose logarithm exceeds this somewhere are integrated in units of their peak
_LOG_SHIFT_ABOVE = 600.0


def log_abs_expm1(r: FloatArray) -> FloatArray:
    """``log |e^r - 1|`` for any real ``r`` (``-inf`` at 0), without overflow."""
    out = np.full_like(r, -np.inf)
    pos, neg = r > 0.0, r < 0.0
    out[pos] = r[pos] + np.log(-np.expm1(-r[pos]))
    out[neg] = np.log(-np.expm1(r[neg]))
    return out


def _log_chi2_terms(lp: FloatArray, lq: FloatArray) -> FloatArray:
    """``log((p - q)^2 / q) = log q + 2 log |p/q - 1|`` from log-densities (``-inf`` where the
    integrand vanishes): exact where ``p ~ q``, no overflow where ``q << p``."""
    out = np.full_like(lp, -np.inf)
    live = np.isfinite(lq) & (lp > -np.inf)
    out[live] = lq[live] + 2.0 * log_abs_expm1(lp[live] - lq[live])
    only_q = np.isfinite(lq) & (lp == -np.inf)  # p vanishes: (p - q)^2 / q = q
    out[only_q] = lq[only_q]
    return out


def _log_chi2_integrand(lp: FloatArray, lq: FloatArray) -> FloatArray:
    """``(p - q)^2 / q`` from log-densities, stable where ``p ~ q`` and where ``q << p``."""
    with np.errstate(over="ignore"):  # beyond float64: +inf (integrals shift first: see below)
        return np.exp(_log_chi2_terms(lp, lq))


def _kl_integrand(lp: FloatArray, lq: FloatArray, log_scale: float = 0.0) -> FloatArray:
    """``p log(p / q) / exp(log_scale)`` (0 where ``p`` vanishes)."""
    out = np.zeros_like(lp)
    pos = np.isfinite(lp)
    with np.errstate(over="ignore", invalid="ignore"):
        dens = np.exp(lp[pos] - log_scale)
        out[pos] = np.where(dens > 0.0, dens * (lp[pos] - lq[pos]), 0.0)
    return out


def _shift(log_f: Callable[[FloatArray], FloatArray], peaks: FloatArray) -> float:
    """``log_scale``: the integrand's log at its candidate peaks, when it exceeds the shift
    threshold (0 otherwise, so ordinary integrals are unchanged)."""
    if not len(peaks):
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        top = float(np.max(log_f(peaks)))
    return top if np.isfinite(top) and top > _LOG_SHIFT_ABOVE else 0.0


def _scaled(value: float, error: float, log_scale: float) -> tuple[float, float, float | None]:
    """``exp(log_scale) * (value, error)``; with the log of the value when it overflows."""
    if log_scale == 0.0:
        return value, error, None
    with np.errstate(over="ignore"):
        scale = float(np.exp(log_scale))
        out, err = value * scale, error * scale
    log_value = log_scale + float(np.log(value)) if value > 0.0 else None
    return out, err, log_value


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


#: float64 steps a component's standard deviation must span where it sits, for cubature to
#: resolve it (GK21 nodes need room; below this the nodes collapse onto a few floats)
_MIN_STEPS = 1e3


def _check_resolution(centres: FloatArray, sds: FloatArray, lo: FloatArray, hi: FloatArray) -> None:
    """Refuse a box that float64 cannot resolve at the width of some peak (the limit named)."""
    ulp = np.spacing(np.maximum(np.abs(lo), np.abs(hi)))
    steps = np.min(sds / ulp[None, :]) if len(sds) else np.inf
    if not steps >= _MIN_STEPS:
        raise OracleDomainError(
            f"the laws are too far apart for their widths to be integrated in float64: a "
            f"component of standard deviation {float(np.min(sds)):.3g} sits in a box "
            f"[{float(np.min(lo)):.3g}, {float(np.max(hi)):.3g}] whose float64 spacing is "
            f"{float(np.max(ulp)):.3g} (at least {_MIN_STEPS:g} steps per standard deviation "
            "are needed)"
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
) -> Integral:
    """Adaptive cubature (``scipy.integrate.cubature``, Gauss–Kronrod 21 product rule).

    ``integrand`` (the **logarithm** of the integrand) replaces the chi-square one (the box and
    breakpoints stay those of ``kind`` for ``p`` against ``q``): used for
    ``J = int (a - b)^2 / q`` with ``p`` the law of ``|a - b|``
    (:mod:`gaussian_oracle._contrast`). Chi-square integrands that exceed ``e^600`` are
    integrated in units of their peak (:class:`Integral`).
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

        def chi2_log(x: FloatArray) -> FloatArray:
            return _log_chi2_terms(p.logpdf(x), q.logpdf(x))

        log_f = chi2_log if integrand is None else integrand
        log_scale = _shift(log_f, centres)

        def f(x: FloatArray) -> FloatArray:
            with np.errstate(over="ignore"):
                return np.exp(log_f(x) - log_scale)
    else:
        lo, hi = _box(centres, sds)

        def kl_log(x: FloatArray) -> FloatArray:  # log |p log(p / q)|, for the shift only
            lp, lq = p.logpdf(x), q.logpdf(x)
            with np.errstate(divide="ignore", invalid="ignore"):
                return lp + np.log(np.abs(lp - lq))

        log_scale = _shift(kl_log, centres)

        def f(x: FloatArray) -> FloatArray:
            return _kl_integrand(p.logpdf(x), q.logpdf(x), log_scale)

    _check_resolution(centres, sds, lo, hi)
    points = _breakpoints(centres, sds, lo, hi)
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
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
    if np.isnan(res.estimate) or np.isnan(res.error):
        raise OracleDomainError(
            "quadrature failed: the integrand exceeds the float64 range inside the box "
            "(components far apart in units of their widths); no estimate is returned"
        )
    value, error, log_value = _scaled(float(res.estimate), float(res.error), log_scale)
    return Integral(
        value,
        error,
        "quadrature",
        converged=res.status == "converged",
        log_value=log_value,
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
) -> Integral:
    """Importance sampling (chi-square) or plain sampling from ``p`` (KL); one standard error.

    ``integrand`` (the logarithm of the integrand) replaces the chi-square one, with the
    chi-square proposal of ``p`` against ``q`` (see :func:`quadrature`); sums of terms beyond
    ``e^600`` are taken in units of the largest.
    """
    if kind == "chi2":
        g = _proposal(p, q, cast(TailCheck, tails))
        x = g.sample(n_samples, rng)
        log_body = _log_chi2_terms(p.logpdf(x), q.logpdf(x)) if integrand is None else integrand(x)
        log_vals = log_body - g.logpdf(x)
        top = float(np.max(log_vals))
        log_scale = top if np.isfinite(top) and top > _LOG_SHIFT_ABOVE else 0.0
        vals = np.exp(log_vals - log_scale)
        method = "importance-sampling"
    else:
        x = as_mixture(p).sample(n_samples, rng)
        with np.errstate(over="ignore", invalid="ignore"):
            vals = p.logpdf(x) - q.logpdf(x)
        top = float(np.max(np.abs(vals)))
        log_scale = float(np.log(top)) if np.isfinite(top) and top > 1e300 else 0.0
        vals = vals / np.exp(log_scale)
        method = "monte-carlo"
    mean = float(np.mean(vals))
    se = float(np.std(vals, ddof=1) / np.sqrt(n_samples))
    value, error, log_value = _scaled(mean, se, log_scale)
    return Integral(value, error, method, n_samples=n_samples, log_value=log_value)
