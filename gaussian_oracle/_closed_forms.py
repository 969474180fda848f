"""Closed-form divergences between Gaussians and of mixtures against a Gaussian (private).

Derivations: THEORY.md §6. Everything is computed in the frame whitened by the second law
``q = N(m0, S0)``: with ``L0 L0^T = S0``, ``y = L0^{-1}(x - m0)`` maps ``q`` to ``N(0, I)`` and
leaves chi-square and KL unchanged (both are invariant under invertible affine maps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp

from ._laws import Gaussian, GaussianMixture
from ._validation import FloatArray

# Pairs of components are processed in blocks of rows so that the (rows x K x d x d) work array
# stays near 8 MB.
_PAIR_BUDGET = 1_000_000


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


def _whitened_pair(p: Gaussian, q: Gaussian) -> tuple[FloatArray, FloatArray]:
    """Eigenvalues ``e`` of ``L0^{-1}(S1 - S0)L0^{-T}`` and the whitened shift ``L0^{-1}(m1 - m0)``.

    ``S1 - S0`` is formed before whitening so that nearly equal covariances keep their relative
    accuracy (the eigenvalues of the whitened ``S1`` are ``1 + e``).
    """
    li = q._factors.chol_inv[0]
    diff = li @ (p.cov - q.cov) @ li.T
    e = np.linalg.eigvalsh(0.5 * (diff + diff.T))
    delta = li @ (p.mean - q.mean)
    return e, delta


def log1p_chi2_gaussian(p: Gaussian, q: Gaussian) -> float:
    r"""Closed-form :math:`\log(1 + \chi^2(N(m_1,S_1) \| N(m_0,S_0)))` (``inf`` if infinite).

    With ``1 + e_i`` the eigenvalues of the whitened ``S1`` and ``delta`` the whitened shift,
    :math:`\log(1+\chi^2) = -\tfrac12\sum_i \log(1 - e_i^2)
    + \delta^\top (2I - \tilde S_1)^{-1}\delta`,
    which is THEORY.md §6's formula in the whitened frame; the caller applies ``expm1``.
    """
    e, delta = _whitened_pair(p, q)
    if np.any(np.abs(e) >= 1.0):
        return float("inf")
    li = q._factors.chol_inv[0]
    s1w = li @ p.cov @ li.T
    m = 2.0 * np.eye(p.dim) - 0.5 * (s1w + s1w.T)
    quad = float(delta @ np.linalg.solve(m, delta))
    return -0.5 * float(np.sum(np.log1p(-(e * e)))) + quad


def kl_gaussian(p: Gaussian, q: Gaussian) -> float:
    r"""Closed-form :math:`\mathrm{KL}(N(m_1,S_1) \| N(m_0,S_0))` (always finite).

    :math:`\tfrac12 \sum_i (e_i - \log(1 + e_i)) + \tfrac12 |\delta|^2` in the whitened frame,
    equal to THEORY.md §6's trace/log-det formula.
    """
    e, delta = _whitened_pair(p, q)
    return float(0.5 * np.sum(x_minus_log1p(e)) + 0.5 * float(delta @ delta))


@dataclass(frozen=True, slots=True)
class WhitenedComponents:
    """Components in the frame whitened by a Gaussian ``N_0`` (private; THEORY.md §6).

    Holds, per component, the whitened mean ``mu``, precision ``prec``, ``prec @ mu``,
    ``mu^T prec mu`` and ``log det Sigma``: everything the pairwise terms
    ``log int N_j N_k / N_0`` need.
    """

    mu: FloatArray
    prec: FloatArray
    pm: FloatArray
    quad: FloatArray
    logdet: FloatArray

    @classmethod
    def of(cls, means: FloatArray, covs: FloatArray, q: Gaussian) -> WhitenedComponents:
        li = q._factors.chol_inv[0]
        mu = (means - q.mean) @ li.T
        sig = np.einsum("ij,kjl,ml->kim", li, covs, li)
        sig = 0.5 * (sig + np.swapaxes(sig, 1, 2))
        chol = np.linalg.cholesky(sig)
        logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
        cinv = np.linalg.inv(chol)
        prec = np.einsum("kji,kjl->kil", cinv, cinv)
        pm = np.einsum("kij,kj->ki", prec, mu)
        return cls(mu, prec, pm, np.einsum("ki,ki->k", mu, pm), logdet)

    def take(self, idx: NDArray[np.intp]) -> WhitenedComponents:
        return WhitenedComponents(
            self.mu[idx], self.prec[idx], self.pm[idx], self.quad[idx], self.logdet[idx]
        )

    def log_terms(self, other: WhitenedComponents) -> FloatArray:
        """``log int N_j N_k / N_0`` for ``j`` in self and ``k`` in other, shape ``(J, K)``.

        Every ``A_jk = Pi_j + Pi_k - I`` must be positive definite (true when every
        ``A_jj`` and ``A_kk`` is, since ``A_jk = (A_jj + A_kk) / 2``).
        """
        k, d = other.mu.shape
        eye = np.eye(d)
        rows = max(1, _PAIR_BUDGET // max(1, k * d * d))
        out = np.empty((self.mu.shape[0], k))
        for start in range(0, self.mu.shape[0], rows):
            j = slice(start, min(self.mu.shape[0], start + rows))
            a = self.prec[j][:, None] + other.prec[None, :] - eye
            b = self.pm[j][:, None] + other.pm[None, :]
            ca = np.linalg.cholesky(a)
            logdet_a = 2.0 * np.sum(np.log(np.diagonal(ca, axis1=-2, axis2=-1)), axis=-1)
            y = np.linalg.solve(ca, b[..., None])[..., 0]
            out[j] = (
                -0.5 * (self.logdet[j][:, None] + other.logdet[None, :] + logdet_a)
                + 0.5 * np.einsum("rki,rki->rk", y, y)
                - 0.5 * (self.quad[j][:, None] + other.quad[None, :])
            )
        return out


def log1p_chi2_mixture_gaussian(p: GaussianMixture, q: Gaussian) -> float:
    r""":math:`\log(1 + \chi^2(\sum_j w_j N_j \| N_0))` by the pairwise closed form.

    :math:`1 + \chi^2 = \sum_{j,k} w_j w_k \int N_j N_k / N_0` with, in the whitened frame
    (:math:`N_0 = N(0, I)`, components :math:`N(\mu_j, \Sigma_j)`, precisions :math:`\Pi_j`),
    :math:`A = \Pi_j + \Pi_k - I`, :math:`b = \Pi_j\mu_j + \Pi_k\mu_k` and

    .. math::
        \log\!\int\!\frac{N_j N_k}{N_0} = -\tfrac12(\log|\Sigma_j| + \log|\Sigma_k| + \log|A|)
        + \tfrac12 b^\top A^{-1} b - \tfrac12(\mu_j^\top\Pi_j\mu_j + \mu_k^\top\Pi_k\mu_k).

    Every :math:`A_{jj}` must be positive definite (checked by the caller). The double sum is a
    log-sum-exp over the upper triangle (off-diagonal pairs counted twice), computed in blocks
    of rows.
    """
    keep = p.weights > 0
    comps = WhitenedComponents.of(p.means[keep], p.covs[keep], q)
    logw = np.log(p.weights[keep])
    k = logw.size
    rows = max(1, _PAIR_BUDGET // max(1, k * p.dim * p.dim))
    log2 = float(np.log(2.0))
    terms: list[FloatArray] = []
    for start in range(0, k, rows):
        j = np.arange(start, min(k, start + rows))
        c = np.arange(start, k)  # upper triangle only: pairs (j, c) with c >= j
        log_t = comps.take(j).log_terms(comps.take(c)) + logw[j][:, None] + logw[c][None, :]
        upper = c[None, :] > j[:, None]
        log_t = np.where(upper, log_t + log2, log_t)  # off-diagonal pairs count twice
        terms.append(log_t[c[None, :] >= j[:, None]])
    return float(logsumexp(np.concatenate(terms)))


def w2_gaussian(p: Gaussian, q: Gaussian) -> float:
    r"""Wasserstein-2 (Bures) distance between two Gaussians.

    :math:`W_2^2 = |m_1 - m_0|^2 + \mathrm{tr}\,S_1 + \mathrm{tr}\,S_0
    - 2\,\mathrm{tr}\,(S_0^{1/2} S_1 S_0^{1/2})^{1/2}`, square roots by symmetric
    eigendecomposition. A negative value of the trace term within ``1e-12 (tr S0 + tr S1)`` is
    round-off and is set to zero; anything below that is a bug and raises.
    """
    w0, v0 = np.linalg.eigh(q.cov)
    r0 = (v0 * np.sqrt(w0)) @ v0.T
    mid = r0 @ p.cov @ r0
    wm = np.linalg.eigvalsh(0.5 * (mid + mid.T))
    scale = float(np.trace(p.cov) + np.trace(q.cov))
    cross = float(np.sum(np.sqrt(np.clip(wm, 0.0, None))))
    bures = scale - 2.0 * cross
    if bures < -1e-12 * scale:  # pragma: no cover - cannot happen for valid covariances
        raise ArithmeticError(f"Bures term {bures!r} is negative beyond round-off")
    shift = p.mean - q.mean
    return float(np.sqrt(max(bures, 0.0) + float(shift @ shift)))
