"""Chi-square and KL divergences between Gaussian / mixture laws, and the Gaussian W2 distance.

Every divergence comes back as a :class:`Divergence` that says how it was obtained:
``"closed-form"`` (exact to round-off), ``"tail-rule"`` (exactly infinite by the finiteness
rule of :mod:`gaussian_oracle._tails`), ``"quadrature"`` (adaptive cubature, error estimate),
``"importance-sampling"`` / ``"monte-carlo"`` (one standard error).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._closed_forms import (
    chi2_mixture_gaussian,
    gaussian_boundary,
    kl_gaussian,
    log1p_chi2_gaussian,
    overflow_note,
    w2_gaussian,
)
from ._errors import OracleDomainError, OracleShapeError
from ._estimate import EXACT_METHODS, KINDS, Estimate
from ._law_tools import as_mixture, centred, check_law, components, single_gaussian
from ._laws import (
    Gaussian,  # noqa: F401 - the doctests use it
    Law,
)
from ._numerical import Integral, monte_carlo, quadrature
from ._tails import chi2_tail_check
from ._validation import check_positive_int, check_rng

__all__ = ["EXACT_METHODS", "KINDS", "Divergence", "chi2", "kl", "w2"]

_METHODS = ("auto", "closed-form", "quadrature", "monte-carlo")
_DEFAULT_SEED = 0
_LOG_FLOAT_MAX = float(np.log(np.finfo(float).max))


#: the value type of every divergence (one :class:`Estimate` for every number with an error)
Divergence = Estimate


def _pair(p: Any, q: Any) -> tuple[Law, Law]:
    p, q = check_law("p", p), check_law("q", q)
    if p.dim != q.dim:
        raise OracleShapeError(
            f"p has dimension {p.dim} and q has dimension {q.dim}; they must match"
        )
    return p, q


def _identical(p: Law, q: Law) -> bool:
    """Whether ``p`` and ``q`` are the same law component for component (weights summed over
    identical (mean, covariance) pairs, all compared exactly): then chi2 = KL = 0 exactly and
    nothing is sampled (the recursion's ``chi2(p || p)`` in d >= 3 cost two 200,000-sample
    importance-sampling runs). Equal laws written differently fall through to the numerics."""
    if p is q:
        return True

    def table(law: Law) -> dict[tuple[bytes, bytes], float]:
        w, m, c, _ = components(law)
        out: dict[tuple[bytes, bytes], float] = {}
        for k in np.flatnonzero(w > 0):
            key = (np.ascontiguousarray(m[k]).tobytes(), np.ascontiguousarray(c[k]).tobytes())
            out[key] = out.get(key, 0.0) + float(w[k])
        return out

    return table(p) == table(q)


def _options(method: str, n_samples: Any, rng: Any) -> tuple[int, np.random.Generator]:
    if method not in _METHODS:
        raise OracleDomainError(f"method={method!r} must be one of {', '.join(_METHODS)}")
    n = check_positive_int("n_samples", n_samples, minimum=2)
    gen = np.random.default_rng(_DEFAULT_SEED) if rng is None else check_rng("rng", rng)
    return n, gen


def _numeric(
    p: Law, q: Law, kind: str, method: str, tails: Any, n: int, rng: np.random.Generator
) -> Divergence:
    if method == "closed-form":
        raise OracleDomainError(
            f"method='closed-form' has no closed form for {kind} between these laws "
            f"(p: {p.n_components} components, q: {q.n_components}); use 'auto'"
        )
    if method == "quadrature" and p.dim > 2:
        raise OracleDomainError(
            f"method='quadrature' is available in dimension 1 or 2, not {p.dim}"
        )
    # translation invariance: work near the integrand's mass (q's mean for chi2, p's for KL),
    # so that laws far from the origin keep the resolution of their boxes and samples
    centre = q.mean if kind == "chi2" else p.mean
    p, q = centred(p, centre), centred(q, centre)
    if method == "quadrature" or (method == "auto" and p.dim <= 2):
        est: Integral = quadrature(p, q, kind, tails)
        note = "" if est.converged else "cubature did not reach its tolerance; see abs_error"
    else:
        est = monte_carlo(p, q, kind, tails, n, rng)
        note = ""
    return numeric_divergence(est, kind, note)


def numeric_divergence(est: Integral, what: str, note: str = "") -> Divergence:
    """A :class:`Divergence` from a numerical integral: beyond float64 it is ``inf``
    with method "overflow" and the logarithm in ``reason``."""
    if not np.isfinite(est.value):
        log = "" if est.log_value is None else f": log {what} = {est.log_value:.12g}"
        return Divergence(
            float("inf"),
            0.0,
            "overflow",
            f"finite (the tail rule holds) but beyond the float64 range{log} ({est.method})",
            est.n_samples,
            log_value=est.log_value,
        )
    return Divergence(est.value, est.abs_error, est.method, note, est.n_samples)


def chi2(
    p: Law,
    q: Law,
    *,
    method: str = "auto",
    n_samples: int = 200_000,
    rng: np.random.Generator | None = None,
) -> Divergence:
    r"""Chi-square divergence :math:`\chi^2(p \| q) = \int p^2/q - 1` (possibly infinite).

    Finiteness is decided first and exactly by the tail rule (THEORY.md §5; the rule is in the
    docstring of :func:`gaussian_oracle.chi2_tail_check`); an infinite divergence is returned as
    ``inf`` with the reason, never estimated. Finite values come from:

    * Gaussian vs Gaussian: closed form of THEORY.md §6 (whitened and ``log1p``/``expm1``
      based, so tiny divergences keep full relative accuracy);
    * mixture vs Gaussian: pairwise closed form summed by log-sum-exp (§6);
    * anything vs a mixture: adaptive cubature in dimension 1–2 (error estimate), importance
      sampling above (one standard error; finite-variance proposal).

    Parameters
    ----------
    p, q : Gaussian or GaussianMixture
        Laws of the same dimension.
    method : {"auto", "closed-form", "quadrature", "monte-carlo"}
        Force a route; ``"quadrature"`` only in dimension <= 2, ``"closed-form"`` only when
        ``q`` has a single component. Infinite divergences are always decided by the tail rule.
    n_samples : int, >= 2
        Monte Carlo sample size.
    rng : numpy.random.Generator, optional
        For Monte Carlo; defaults to ``numpy.random.default_rng(0)`` so that results repeat.

    Returns
    -------
    Divergence

    Raises
    ------
    OracleShapeError
        If the dimensions differ.
    OracleDomainError
        On an unknown or unavailable ``method``, a bad ``n_samples`` or ``rng``.
    FinitenessUndecidedError
        See :func:`gaussian_oracle.chi2_tail_check` (only for mixtures of >= 3 non-commuting
        components in dimension >= 3).

    References
    ----------
    THEORY.md §5 (finiteness), §6 (closed forms).

    Examples
    --------
    >>> import math
    >>> chi2(Gaussian(0.5, 1.0), Gaussian(0.0, 1.0)).value == math.expm1(0.25)   # e^{mu^2} - 1
    True
    >>> d = chi2(Gaussian(0.0, 2.5), Gaussian(0.0, 1.0))      # 2 S0 - S1 = -0.5 < 0
    >>> d.value, d.method
    (inf, 'tail-rule')
    """
    p, q = _pair(p, q)
    n, gen = _options(method, n_samples, rng)
    if method in ("auto", "closed-form") and _identical(p, q):
        return Divergence(0.0, 0.0, "closed-form", "identical laws")
    tails = chi2_tail_check(p, q)
    if not tails.finite:
        return Divergence(float("inf"), 0.0, "tail-rule", tails.reason)
    q1 = single_gaussian(q)
    if q1 is not None and method in ("auto", "closed-form"):
        p1 = single_gaussian(p)
        boundary = False
        direct: float | None = None
        try:
            if p1 is not None:
                log1 = log1p_chi2_gaussian(p1, q1)
                boundary = log1 == float("inf") and gaussian_boundary(p1, q1)
            else:
                log1, direct = chi2_mixture_gaussian(as_mixture(p), q1)
        except np.linalg.LinAlgError:  # A_jk positive definite only to round-off
            log1, boundary = float("inf"), True
        if boundary:  # the tail rule passed, but only by round-off
            return Divergence(
                float("inf"),
                0.0,
                "tail-rule",
                "2 S_q - S_p is positive definite only to round-off (smallest eigenvalue within "
                "the tail rule's tolerance): treated as the boundary, where chi2 = +inf",
            )
        if log1 == float("inf"):  # finite by the tail rule: an overflow, not an infinity
            return overflow_beyond_log("the means are too far apart in units of the covariances")
        return closed_form_chi2(log1, direct)
    return _numeric(p, q, "chi2", method, tails, n, gen)


def overflow_beyond_log(why: str) -> Divergence:
    """A finite value whose logarithm is beyond float64 as well: ``inf``, method "overflow"."""
    return Divergence(
        float("inf"),
        0.0,
        "overflow",
        f"finite (the tail rule holds) but beyond the float64 range, and so is its log: {why}",
        log_value=float("inf"),
    )


def closed_form_chi2(log1: float, direct: float | None = None) -> Divergence:
    """The closed-form ``chi2`` from ``log(1 + chi2)``, or ``direct`` where given (a sum that
    keeps its relative accuracy for tiny values, which ``expm1(log1)`` does not): ``inf`` with
    method ``"overflow"`` (and the log in ``reason``) when finite but beyond the float64 range."""
    if log1 > _LOG_FLOAT_MAX:
        return Divergence(
            float("inf"),
            0.0,
            "overflow",
            f"finite but beyond the float64 range: log(1 + chi2) = {log1:.12g}",
            log_value=log1,
        )
    value = float(np.expm1(log1)) if direct is None else direct
    return Divergence(max(value, 0.0), 0.0, "closed-form")


def kl(
    p: Law,
    q: Law,
    *,
    method: str = "auto",
    n_samples: int = 200_000,
    rng: np.random.Generator | None = None,
) -> Divergence:
    r"""Kullback–Leibler divergence :math:`\mathrm{KL}(p \| q) = \int p \log(p/q)`.

    Always finite between Gaussian mixtures. Gaussian vs Gaussian: closed form (THEORY.md §6,
    whitened, with ``x - log1p(x)`` evaluated without cancellation). Any mixture: adaptive
    cubature in dimension 1–2, Monte Carlo with samples of ``p`` above (the log-ratio has
    quadratic growth, so every moment is finite and the standard error is meaningful).

    Parameters and returns are as for :func:`chi2`.

    Examples
    --------
    >>> kl(Gaussian(1.0, 1.0), Gaussian(0.0, 1.0)).value
    0.5
    """
    p, q = _pair(p, q)
    n, gen = _options(method, n_samples, rng)
    if method in ("auto", "closed-form") and _identical(p, q):
        return Divergence(0.0, 0.0, "closed-form", "identical laws")
    p1, q1 = single_gaussian(p), single_gaussian(q)
    if p1 is not None and q1 is not None and method in ("auto", "closed-form"):
        value = kl_gaussian(p1, q1)
        if value == float("inf"):  # KL of Gaussians is finite: beyond float64, not infinite
            why, log_kl = overflow_note(p1, q1)
            return Divergence(float("inf"), 0.0, "overflow", why, log_value=log_kl)
        return Divergence(max(value, 0.0), 0.0, "closed-form")
    return _numeric(p, q, "kl", method, None, n, gen)


def w2(p: Law, q: Law) -> float:
    r"""Wasserstein-2 distance between Gaussians (Bures formula), a cross-metric to chi2 / KL.

    .. math::
        W_2^2 = |m_1 - m_0|^2 + \mathrm{tr}\big(S_1 + S_0 - 2 (S_0^{1/2} S_1 S_0^{1/2})^{1/2}\big)

    Mixtures are refused (no closed form); a one-component mixture is accepted.

    Examples
    --------
    >>> round(w2(Gaussian(0.0, 1.0), Gaussian(3.0, 4.0)), 12)   # sqrt(3^2 + (2 - 1)^2)
    3.162277660168
    """
    p, q = _pair(p, q)
    p1, q1 = single_gaussian(p), single_gaussian(q)
    if p1 is None or q1 is None:
        bad = "p" if p1 is None else "q"
        law = p if p1 is None else q
        raise OracleDomainError(
            f"{bad} has {law.n_components} components: w2 is implemented for Gaussian laws only"
        )
    return w2_gaussian(p1, q1)
