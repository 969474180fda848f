"""Distances that are not divergences: total variation (any dimension) and Wasserstein-2 between
Gaussian mixtures in dimension 1.

* :func:`tv` in dimension 1: the density difference ``p - q`` changes sign at finitely many
  points; they are bracketed on a fine grid of ``log p - log q``, located by Brent's method, and
  ``TV = 1/2 sum_I |P(I) - Q(I)|`` over the intervals between them, with the exact normal CDFs
  (survival functions on the right, so tails keep their relative accuracy). ``abs_error`` is the
  difference from the same computation on a grid half as fine (0 when both find the same sign
  changes, up to round-off). The grid (1/16 of the narrowest standard deviation, within 20 of
  them of every component) must see each sign change: two of them closer than that, which the
  half-as-fine grid would also miss, are the method's blind spot. In dimension >= 2: Monte
  Carlo, ``TV = E_m[|p - q| / (2 m)]`` with ``m = (p + q) / 2`` (a bounded integrand, so the
  standard error is meaningful).
* :func:`wasserstein2`: Bures in closed form for two Gaussians (any dimension); in dimension 1
  for mixtures, the monotone map ``T = F_q^{-1} o F_p`` is optimal on the line, so
  ``W2^2 = int (x - T(x))^2 p(x) dx``: Gauss–Legendre on panels cut so that neither ``x`` nor
  ``T(x)`` moves by more than half the narrowest component's standard deviation, over
  10 of them on each side of ``p``'s components (:func:`_w2_squared`), 8 nodes per panel;
  ``abs_error`` is the change from 4 nodes (an over-estimate). The quantiles are found by
  safeguarded Newton steps on the log-CDF (left half) or log-survival function (right half)
  inside the bracket ``[min_j (m_j + s_j z), max_j (m_j + s_j z)]``, ``z`` the standard normal
  quantile of the level, so tail levels keep their relative accuracy.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri

from ._closed_forms import w2_gaussian
from ._divergence import _pair
from ._errors import OracleDomainError
from ._estimate import Estimate
from ._grid_law import GridLaw
from ._law_tools import components, single_gaussian
from ._laws import Gaussian, GaussianMixture, Law  # noqa: F401 - the doctests use them
from ._validation import FloatArray, check_positive_int, check_rng

__all__ = ["tv", "wasserstein2"]

_EPS = float(np.finfo(float).eps)
#: W2's range in component standard deviations: beyond 10 of them every component's weight
#: is below e^{-50} ~ 2e-22 of the integral (the integrand grows only polynomially)
_SDS = 10.0
#: TV's range: sign changes are looked for within 20 standard deviations of every component
#: (beyond, each component's mass is below 1e-88), on a grid of 1/16 of the narrowest one
_TV_SDS = 20.0


def _params(law: Law) -> tuple[FloatArray, FloatArray, FloatArray]:
    w, m, c, _ = components(law)
    live = w > 0
    return np.log(w[live]), m[live, 0], np.sqrt(c[live, 0, 0])


def _log_density(x: FloatArray, lw: FloatArray, m: FloatArray, s: FloatArray) -> FloatArray:
    r = (x[:, None] - m) / s
    return np.asarray(logsumexp(lw - 0.5 * r**2 - np.log(s), axis=1)) - 0.5 * np.log(2 * np.pi)


def _mass(a: float, b: float, w: FloatArray, m: FloatArray, s: FloatArray) -> float:
    """``P((a, b])`` of the mixture, each component from the side of its mean that keeps the
    relative accuracy (lower CDF left of the mean, survival function right of it)."""
    za, zb = (a - m) / s, (b - m) / s
    left = ndtr(zb) - ndtr(za)
    right = ndtr(-za) - ndtr(-zb)
    return float(np.sum(w * np.where(za + zb < 0, left, right)))


def _tv_1d(p: Law, q: Law, per_sd: int) -> float:
    (lp, mp, sp), (lq, mq, sq) = _params(p), _params(q)
    lo = min(np.min(mp - _TV_SDS * sp), np.min(mq - _TV_SDS * sq))
    hi = max(np.max(mp + _TV_SDS * sp), np.max(mq + _TV_SDS * sq))
    count = min(int(np.ceil((hi - lo) / (min(np.min(sp), np.min(sq)) / per_sd))) + 1, 400_001)
    x = np.linspace(lo, hi, count)

    def diff(v: FloatArray) -> FloatArray:
        return _log_density(v, lp, mp, sp) - _log_density(v, lq, mq, sq)

    f = diff(x)
    crossings = []
    for k in np.flatnonzero(np.sign(f[:-1]) * np.sign(f[1:]) < 0):
        crossings.append(brentq(lambda v: float(diff(np.array([v]))[0]), x[k], x[k + 1]))
    crossings += [float(x[k]) for k in np.flatnonzero(f == 0)]
    cuts = [-np.inf, *sorted(crossings), np.inf]
    wp, wq = np.exp(lp), np.exp(lq)
    return 0.5 * sum(
        abs(_mass(a, b, wp, mp, sp) - _mass(a, b, wq, mq, sq)) for a, b in itertools.pairwise(cuts)
    )


def tv(
    p: Law, q: Law, *, n_samples: int = 200_000, rng: np.random.Generator | None = None
) -> Estimate:
    r"""Total variation distance :math:`\mathrm{TV}(p, q) = \frac12 \int |p - q|` (in [0, 1]).

    Dimension 1: sign changes of ``p - q`` and exact CDFs (module docstring; method
    ``"quadrature"``, ``abs_error`` the change on a grid half as fine). Dimension >= 2: Monte
    Carlo with ``n_samples`` draws of ``(p + q) / 2`` (method ``"monte-carlo"``, one standard
    error).

    Examples
    --------
    >>> from scipy.special import ndtr
    >>> t = tv(Gaussian(0.0, 1.0), Gaussian(1.0, 1.0))      # 2 Phi(1/2) - 1
    >>> bool(abs(t.value - (2 * ndtr(0.5) - 1)) < 1e-15), t.method
    (True, 'quadrature')
    """
    p, q = _pair(p, q)
    n = check_positive_int("n_samples", n_samples, minimum=2)
    gen = np.random.default_rng(0) if rng is None else check_rng("rng", rng)
    if p.dim == 1:
        fine, coarse = _tv_1d(p, q, 16), _tv_1d(p, q, 8)
        err = max(abs(fine - coarse), 4 * _EPS * fine)
        return Estimate(min(max(fine, 0.0), 1.0), err, "quadrature")
    wp, mp, cp, _ = components(p)
    wq, mq, cq, _ = components(q)
    mid = GaussianMixture(
        np.concatenate([wp, wq]) / 2, np.concatenate([mp, mq]), np.concatenate([cp, cq])
    )
    x = mid.sample(n, gen)
    lp, lq, lm = p.logpdf(x), q.logpdf(x), mid.logpdf(x)
    vals = 0.5 * np.abs(np.exp(lp - lm) - np.exp(lq - lm))
    return Estimate(
        float(np.mean(vals)),
        float(np.std(vals, ddof=1) / np.sqrt(n)),
        "monte-carlo",
        "E_m |p - q| / (2 m), m = (p + q) / 2",
        n,
    )


def _log_cdf_sf(x: FloatArray, lw: FloatArray, m: FloatArray, s: FloatArray) -> FloatArray:
    """``(log F(x), log(1 - F(x)))`` of a 1-D mixture, both with relative accuracy."""
    r = (x[:, None] - m) / s
    return np.stack([logsumexp(lw + log_ndtr(r), axis=1), logsumexp(lw + log_ndtr(-r), axis=1)])


def _quantiles(levels: FloatArray, lw: FloatArray, m: FloatArray, s: FloatArray) -> FloatArray:
    """``F^{-1}(u)`` of a 1-D mixture for the levels ``(log u, log(1 - u))`` (rows of
    ``levels``): Newton steps on ``g = log F - log u`` (or ``log(1 - u) - log(1 - F)`` where
    ``1 - u < u``, so that tail levels keep their relative accuracy) kept inside a bracket that
    every step narrows: the step from the latest point where it stays inside, else the step from
    the left end (inside when ``g`` is concave, as ``log F`` of a Gaussian is), else from the
    right end (``g`` convex), else a bisection; to a few ulps."""
    log_u, log_v = levels
    left = log_u <= log_v
    target = np.where(left, log_u, log_v)
    # the level as a standard normal quantile z: every component is on one side of it at
    # m_j + s_j z, so the mixture's quantile lies between the extremes of those points
    z0 = _probit_of_log(target)
    z = np.where(left, -z0, z0)
    lo = np.min(m + s * z[:, None], axis=1)
    hi = np.max(m + s * z[:, None], axis=1)

    def newton(x: FloatArray, rows: Any = slice(None)) -> tuple[FloatArray, FloatArray]:
        """``g(x)`` and the Newton step's point from ``x``, for the levels ``rows``."""
        side, level = left[rows], target[rows]
        cdf, sf = _log_cdf_sf(x, lw, m, s)
        g = np.where(side, cdf - level, level - sf)  # increasing in x, 0 at the quantile
        slope = np.exp(_log_density(x, lw, m, s) - np.where(side, cdf, sf))  # d g / dx
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return g, x - g / slope

    g_lo, from_lo = newton(lo)
    g_hi, from_hi = newton(hi)
    x = np.where(g_lo == 0, lo, np.where(g_hi == 0, hi, 0.5 * (lo + hi)))
    last = x.copy()  # the Newton point from the latest evaluation (none yet: the midpoint)
    active = np.flatnonzero((g_lo != 0) & (g_hi != 0))
    for _ in range(100):
        if active.size == 0:
            break
        a, b = lo[active], hi[active]
        cands = (last[active], from_lo[active], from_hi[active])
        new = 0.5 * (a + b)
        for c in reversed(cands):  # the first candidate inside the bracket wins
            new = np.where(np.isfinite(c) & (c > a) & (c < b), c, new)
        g, step = newton(new, active)
        x[active], last[active] = new, step
        right = g > 0
        lo[active] = np.where(right, a, new)
        hi[active] = np.where(right, new, b)
        from_lo[active] = np.where(right, from_lo[active], step)
        from_hi[active] = np.where(right, step, from_hi[active])
        tiny = 4 * _EPS * np.maximum(np.abs(a), np.abs(b)) + 1e-300
        done = (g == 0) | (hi[active] - lo[active] <= tiny) | (np.abs(step - new) <= tiny)
        active = active[~done]
    return x


def _probit_of_log(log_u: FloatArray) -> FloatArray:
    """``-Phi^{-1}(u)`` for ``u = exp(log_u) <= 1/2``, from its logarithm (Newton on
    ``log_ndtr``, started from the tail asymptote), accurate to a few ulps."""
    z = np.where(log_u > -2.0, -ndtri(np.exp(log_u)), np.sqrt(-2.0 * log_u))
    for _ in range(60):
        f = log_ndtr(-z) - log_u
        # d/dz log Phi(-z) = -phi(z) / Phi(-z) = -exp(log phi(z) - log Phi(-z))
        slope = -np.exp(-0.5 * z**2 - 0.5 * np.log(2 * np.pi) - log_ndtr(-z))
        step = f / slope
        z = z - step
        if np.all(np.abs(step) <= 4 * _EPS * np.maximum(1.0, np.abs(z))):
            break
    return z


def _w2_squared(p: Law, q: Law, nodes: int) -> float:
    """``int (x - T(x))^2 p(x) dx`` with ``T = F_q^{-1} o F_p``, Gauss–Legendre with ``nodes``
    per panel; the panels are cut on a grid of half the narrowest component's sd in ``x``
    and at the points that ``T`` maps to the same grid, so that across a panel neither ``x``
    nor ``T(x)`` moves by more than one grid step, over ``p``'s range of :data:`_SDS` standard
    deviations (``T`` crosses a gap of ``q`` in a panel of
    its own)."""
    pp, pq = _params(p), _params(q)
    step = 0.5 * min(np.min(pp[2]), np.min(pq[2]))
    span = [(np.min(law[1] - _SDS * law[2]), np.max(law[1] + _SDS * law[2])) for law in (pp, pq)]
    gx = np.linspace(*span[0], int(np.ceil((span[0][1] - span[0][0]) / step)) + 1)
    gy = np.linspace(*span[1], int(np.ceil((span[1][1] - span[1][0]) / step)) + 1)
    images = _quantiles(_log_cdf_sf(gy, *pq), *pp)
    inside = (images > span[0][0]) & (images < span[0][1])
    cuts = np.unique(np.concatenate([gx, images[inside]]))
    t, w = np.polynomial.legendre.leggauss(nodes)
    half = 0.5 * np.diff(cuts)
    x = (0.5 * (cuts[:-1] + cuts[1:]))[:, None] + half[:, None] * t
    x = x.ravel()
    image = _quantiles(_log_cdf_sf(x, *pp), *pq)
    dens = np.exp(_log_density(x, *pp))
    return float(np.sum((half[:, None] * w).ravel() * (x - image) ** 2 * dens))


def wasserstein2(p: Law, q: Law) -> Estimate:
    r"""Wasserstein-2 distance: Bures in closed form between Gaussians (any dimension),
    quadrature of the monotone map between mixtures in dimension 1 (module docstring;
    ``abs_error`` is the change from half the nodes, an over-estimate of the error), and on
    the grid when a side is a 1-D :class:`GridLaw` (:mod:`gaussian_oracle._distances_grid`).

    Raises
    ------
    OracleDomainError
        For a mixture in dimension >= 2 (no exact route).

    Examples
    --------
    >>> mix = GaussianMixture([0.3, 0.7], [-1.0, 2.0], [0.5, 1.0])
    >>> shifted = GaussianMixture([0.3, 0.7], [-0.5, 2.5], [0.5, 1.0])
    >>> w = wasserstein2(mix, shifted)       # a translation by 1/2 moves everything by 1/2
    >>> abs(w.value - 0.5) < 1e-12, w.method
    (True, 'quadrature')
    """
    if isinstance(p, GridLaw) or isinstance(q, GridLaw):
        from ._distances_grid import grid_wasserstein2

        return grid_wasserstein2(p, q)
    p, q = _pair(p, q)
    p1, q1 = single_gaussian(p), single_gaussian(q)
    if p1 is not None and q1 is not None:
        return Estimate(w2_gaussian(p1, q1))
    if p.dim != 1:
        raise OracleDomainError(
            f"wasserstein2 between mixtures is implemented in dimension 1, not {p.dim} "
            f"(p: {p.n_components} components, q: {q.n_components})"
        )
    if p.n_components < q.n_components:  # symmetric: invert the CDF of the smaller mixture
        p, q = q, p
    cur, prev = _w2_squared(p, q, 8), _w2_squared(p, q, 4)
    value = float(np.sqrt(max(cur, 0.0)))
    # d sqrt(x) = dx / (2 sqrt(x)); at W2 = 0 the error is sqrt of the squared one
    err = abs(cur - prev) / (2 * value) if value > 0 else float(np.sqrt(abs(cur - prev)))
    return Estimate(value, max(err, 4 * _EPS * value), "quadrature")
