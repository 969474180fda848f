"""``J = int (a - b)^2 / r`` for Gaussian mixtures: the L^2 contrast of THEORY.md §7 (private).

In the recursion ``J_i = E_{q_i}[(r_i - 1)^2 s_i] = int (p_hat_{i+1} - q_i)^2 / p`` (with
``r_i = p_hat_{i+1} / q_i`` and ``s_i = q_i / p``), the quantity of the exact square-root
recursion. Identical components of ``a`` and ``b`` cancel exactly; the rest decides:

* finiteness: ``J < inf`` iff every component with a non-zero net weight has ``int N^2 / r``
  finite (the chi-square tail rule of :mod:`gaussian_oracle._tails`, applied to the law of
  ``|a - b|``); distinct components cannot cancel each other's tails;
* value: signed pairwise closed form against a Gaussian ``r``, adaptive cubature in
  dimension 1–2, importance sampling above (the chi-square proposal of ``|a - b|`` against ``r``:
  ``(a - b)^2 <= (sum |c|) sum |c_k| N_k^2``, so the variance is finite).
"""

from __future__ import annotations

import numpy as np

from ._divergence import Divergence, numeric_divergence
from ._law_tools import as_mixture, centred, components, single_gaussian
from ._laws import Law, _assemble
from ._numerical import log_abs_expm1, monte_carlo, quadrature
from ._tails import chi2_tail_check
from ._validation import FloatArray
from ._whitened import WhitenedComponents

__all__ = ["contrast", "log_contrast_terms", "net_components", "signed_form"]

_EPS = float(np.finfo(float).eps)
_LOG_MAX = float(np.log(np.finfo(float).max))


def log_contrast_terms(la: FloatArray, lb: FloatArray, lr: FloatArray) -> FloatArray:
    """``log((a - b)^2 / r) = 2 max(la, lb) - lr + 2 log(1 - e^{-|la - lb|})`` (``-inf`` where
    the integrand vanishes): exact where ``a ~ b``, no overflow where one dominates."""
    top = np.maximum(la, lb)
    out = np.full_like(top, -np.inf)
    live = np.isfinite(top) & np.isfinite(lr)
    gap = -np.abs(la[live] - lb[live])
    out[live] = 2.0 * top[live] - lr[live] + 2.0 * log_abs_expm1(gap)
    return out


def net_components(a: Law, b: Law) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Signed weights, means and covariances of ``a - b``; bitwise-equal components merged."""
    keys: dict[tuple[bytes, bytes], int] = {}
    weights: list[float] = []
    means: list[FloatArray] = []
    covs: list[FloatArray] = []
    for law, sign in ((a, 1.0), (b, -1.0)):
        w, m, c, _ = components(law)
        for k in range(len(w)):
            key = (m[k].tobytes(), c[k].tobytes())
            if key not in keys:
                keys[key] = len(weights)
                weights.append(0.0)
                means.append(m[k])
                covs.append(c[k])
            weights[keys[key]] += sign * float(w[k])
    c_arr = np.asarray(weights)
    keep = c_arr != 0.0
    d = components(a)[1].shape[1]
    return (
        c_arr[keep],
        np.reshape(np.asarray(means)[keep], (-1, d)),
        np.reshape(np.asarray(covs)[keep], (-1, d, d)),
    )


def signed_form(c: FloatArray, diag: FloatArray, kern: FloatArray) -> Divergence:
    """``sum_ab c_a c_b int N_a N_b / N_0`` from ``T_aa = log int N_a^2 / N_0`` (``diag``) and the
    normalised kernel ``B_ab = exp(T_ab - (T_aa + T_bb) / 2)`` in (0, 1] (``kern``).

    With ``u_a = log |c_a| + T_aa / 2`` and ``v_a = sign(c_a) exp(u_a - max u)`` the sum is
    ``exp(2 max u) v^T B v``: no overflow before the end. It cancels when the positive and
    negative parts are close; ``abs_error`` bounds its round-off,
    ``2 eps (n + 4 max(1, |T|)) exp(2 max u) |v|^T B |v|`` (the products, and the exponents
    behind ``B``). ``inf`` with method "overflow" (and ``log J``) beyond the float64 range.
    """
    u = np.log(np.abs(c)) + 0.5 * diag
    top = float(np.max(u))
    v = np.sign(c) * np.exp(u - top)
    quad = max(float(v @ (kern @ v)), 0.0)
    bound = float(np.abs(v) @ (kern @ np.abs(v)))
    if quad > 0.0 and 2.0 * top + np.log(quad) > _LOG_MAX:
        log_j = 2.0 * top + float(np.log(quad))
        return Divergence(
            float("inf"),
            0.0,
            "overflow",
            f"finite but beyond the float64 range: log J = {log_j:.12g}",
            log_value=log_j,
        )
    rel = 2.0 * _EPS * (len(v) + 4.0 * max(1.0, float(np.max(np.abs(diag)))))
    with np.errstate(over="ignore", divide="ignore"):  # in log space: exp(2 top) may overflow
        value = float(np.exp(2.0 * top + np.log(quad))) if quad > 0.0 else 0.0
        err = float(np.exp(2.0 * top + np.log(rel * bound))) if bound > 0.0 else 0.0
    return Divergence(
        value,
        err,
        "closed-form",
        "signed pairwise closed form; abs_error bounds the round-off of the cancelling sum",
    )


def contrast(
    a: Law, b: Law, r: Law, *, rng: np.random.Generator, n_samples: int = 200_000
) -> Divergence:
    """``int (a - b)^2 / r`` with its method and error (module docstring)."""
    c, means, covs = net_components(a, b)
    if not len(c):
        return Divergence(0.0, 0.0, "closed-form", "the two laws are the same")
    size = np.abs(c)
    spread = _assemble(size / size.sum(), means, covs, np.zeros(len(c), dtype=np.int64))
    tails = chi2_tail_check(spread, r)
    if not tails.finite:
        return Divergence(float("inf"), 0.0, "tail-rule", f"J = +inf: {tails.reason}")
    ref = single_gaussian(r)
    if ref is not None:
        comps = WhitenedComponents.of(means, covs, ref)
        terms = comps.log_terms(comps)
        diag = np.diagonal(terms)
        return signed_form(c, diag, np.exp(terms - 0.5 * (diag[:, None] + diag[None, :])))

    centre = r.mean  # translation invariance, as in gaussian_oracle._divergence
    a, b, r, spread = (centred(x, centre) for x in (a, b, r, spread))

    def integrand(x: FloatArray) -> FloatArray:
        return log_contrast_terms(a.logpdf(x), b.logpdf(x), r.logpdf(x))

    if r.dim <= 2:
        est = quadrature(spread, r, "chi2", tails, integrand)
        note = "" if est.converged else "cubature did not reach its tolerance; see abs_error"
        return numeric_divergence(est, "J", note)
    est = monte_carlo(spread, as_mixture(r), "chi2", tails, n_samples, rng, integrand)
    return numeric_divergence(est, "J")
