"""Gaussian components whitened by a Gaussian ``N_0``, and their pairwise terms (private).

``T_jk = log int N_j N_k / N_0`` (THEORY.md §6) behind every chi-square of a mixture against a
Gaussian. The textbook form (log-determinants of ``Sigma_j``, ``Sigma_k`` and ``A = Pi_j + Pi_k -
I``, a quadratic form minus two others) cancels to first order in the components' distance from
``N_0``: for components within ``delta`` of it the terms are ``O(delta^2)`` but carry an
absolute round-off of ``eps``. Here the cancellation is done analytically. With ``E = Sigma - I``
(from the covariance difference, before whitening) and ``F = I - Pi = Pi E``,

* ``log|Sigma_j| + log|Sigma_k| + log|A| = log det(I - E_j E_k)``, because
  ``Sigma_j A Sigma_k = I - E_j E_k``; on the diagonal ``sum_i log1p(-lambda_i^2)`` over the
  eigenvalues of ``E_j``, off it the series ``-sum_n tr((E_j E_k)^n) / n`` (four terms) where
  ``|E_j|_F |E_k|_F < 1e-3`` (truncation below ``2.5e-13`` relative), else the textbook sum
  (whose round-off, ``eps / |E|``, is then below ``1e-13`` relative);
* the quadratic part is ``m_j^T Pi_j A^{-1} Pi_k m_k + (m_j^T Pi_j A^{-1} F_k m_j + m_k^T Pi_k
  A^{-1} F_j m_k) / 2`` (``A^{-1} - Sigma_j = A^{-1} F_k Sigma_j``), ``m_j . m_k`` to leading
  order with no cancellation; on the diagonal ``m^T (2I - Sigma)^{-1} m``, a positive form;
* ``A = (A_jj + A_kk) / 2`` with ``A_jj = Pi (2I - Sigma)`` from ``2 S_0 - S`` (exact near the
  chi-square boundary, where ``Pi_j + Pi_k - I`` cancels).

Commuting covariances (every ``E`` diagonal in one orthonormal basis ``Q``: the recursion's
components with Gaussian data and a componentwise learner that keeps the data's eigenbasis,
isotropic laws) take the same formulas entrywise in ``Q``: ``O(d)`` per pair instead of a
``d x d`` factorisation and solve.

So ``T_jk`` keeps its relative accuracy however close the components are to ``N_0``, and
``chi2 = sum_jk w_j w_k expm1(T_jk)`` (the weights sum to one) keeps it down to the smallest
floats; tested against 400-digit mpmath.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ._laws import Gaussian
from ._validation import FloatArray

__all__ = ["BASIS_TOL", "SERIES_LIMIT", "WhitenedComponents", "shared_basis"]

# Pairs of components are processed in blocks of rows so that the (rows x K x d x d) work array
# stays near 8 MB.
PAIR_BUDGET = 1_000_000
# |E_j|_F |E_k|_F below which log det(I - E_j E_k) is summed as a series (module docstring)
SERIES_LIMIT = 1e-3
# off-diagonal entries of Q^T E Q (and of Q^T (2I - Sigma) Q), relative to |E|_F (|2I -
# Sigma|_F), below which a component counts as diagonal in Q. Dropping them changes the
# quadratic part of T_jk by 1e-14 relative at most and log det(I - E_j E_k) only at second
# order. The rotation's round-off is ~d 1e-16 of |E|: commuting covariances pass up to d ~ 50
BASIS_TOL = 1e-14


def _sym(a: FloatArray) -> FloatArray:
    return 0.5 * (a + np.swapaxes(a, -1, -2))


@dataclass(frozen=True, slots=True)
class WhitenedComponents:
    """Components in the frame whitened by ``N_0`` (module docstring).

    Per component: the whitened mean ``mu``, precision ``prec``, ``pm = prec @ mu``,
    ``e = Sigma - I`` (accurate for nearly equal covariances), ``f = I - prec``, ``dw = 2I -
    Sigma`` and ``ad = A_jj = 2 Pi - I = Pi dw`` (both from ``2 S_0 - S`` before whitening, so
    accurate near the chi-square boundary ``2 S_0 = S``, where ``2 Pi - I`` cancels), ``logdet``
    (of ``Sigma``) and ``norm_e`` (Frobenius norm of ``e``). ``A_jk = (A_jj + A_kk) / 2``, a
    sum of two positive definite matrices: no cancellation either.
    """

    mu: FloatArray
    prec: FloatArray
    pm: FloatArray
    e: FloatArray
    f: FloatArray
    dw: FloatArray
    ad: FloatArray
    logdet: FloatArray
    norm_e: FloatArray
    basis_mu: FloatArray  # (K, d): Q^T mu in the shared basis Q (commuting covariances)
    basis_e: FloatArray  # (K, d): the diagonal of Q^T E Q
    basis_dw: FloatArray  # (K, d): the diagonal of Q^T (2I - Sigma) Q
    in_basis: NDArray[np.bool_]  # (K,): E and 2I - Sigma diagonal in Q (to BASIS_TOL)

    @classmethod
    def of(
        cls, means: FloatArray, covs: FloatArray, q: Gaussian, basis: str | None = "auto"
    ) -> WhitenedComponents:
        """The components ``(means, covs)`` whitened by ``q``; ``basis="auto"``: with their
        diagonal forms in :func:`shared_basis` (``None``: none, :meth:`rebased` adds them)."""
        li = q._factors.chol_inv[0]
        mu = (means - q.mean) @ li.T
        with np.errstate(over="ignore"):  # beyond float64: the caller's tail rule decides
            e = _sym(np.einsum("ij,kjl,ml->kim", li, covs - q.cov, li))
            dw = _sym(np.einsum("ij,kjl,ml->kim", li, 2.0 * q.cov - covs, li))
        eye = np.eye(mu.shape[1])
        chol = np.linalg.cholesky(_sym(np.einsum("ij,kjl,ml->kim", li, covs, li)))
        logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
        cinv = np.linalg.inv(chol)
        prec = np.einsum("kji,kjl->kil", cinv, cinv)
        f = _sym(prec @ e)  # I - Pi = Pi E, relative accuracy of E kept
        pm = np.einsum("kij,kj->ki", eye - f, mu)
        norm_e = np.sqrt(np.einsum("kij,kij->k", e, e))
        k, d = mu.shape
        none = (np.zeros((k, d)), np.zeros((k, d)), np.zeros((k, d)), np.zeros(k, dtype=bool))
        out = cls(mu, eye - f, pm, e, f, dw, _sym((eye - f) @ dw), logdet, norm_e, *none)
        return out if basis is None else out.rebased(shared_basis(e)[0])

    def rebased(self, basis: FloatArray) -> WhitenedComponents:
        """These components with their diagonal forms in the orthonormal ``basis`` (``in_basis``
        False for those whose ``E`` or ``2I - Sigma`` is not diagonal there)."""
        re = np.einsum("ji,kjl,lm->kim", basis, self.e, basis)
        rdw = np.einsum("ji,kjl,lm->kim", basis, self.dw, basis)
        de, ddw = np.diagonal(re, axis1=1, axis2=2), np.diagonal(rdw, axis1=1, axis2=2)

        def off(full: FloatArray, diag: FloatArray) -> FloatArray:
            rest = np.abs(full - diag[:, :, None] * np.eye(full.shape[1]))
            return np.max(rest, axis=(1, 2)) if full.shape[1] > 1 else np.zeros(len(full))

        # against E's own size: E may be all off-diagonal and tiny (then T ~ |E|^2 is made
        # of what would be dropped), so an absolute threshold would not do. Round-off of
        # S - S_0 (~1e-16 absolute) sends a tiny E to the full path, which keeps it as it is
        scale_e = self.norm_e
        scale_dw = np.sqrt(np.einsum("kij,kij->k", self.dw, self.dw))
        ok = (off(re, de) <= BASIS_TOL * scale_e) & (off(rdw, ddw) <= BASIS_TOL * scale_dw)
        return replace(
            self, basis_mu=self.mu @ basis, basis_e=de.copy(), basis_dw=ddw.copy(), in_basis=ok
        )

    def take(self, idx: NDArray[np.intp]) -> WhitenedComponents:
        return WhitenedComponents(*(getattr(self, n)[idx] for n in self.__slots__))

    @staticmethod
    def concat(a: WhitenedComponents, b: WhitenedComponents) -> WhitenedComponents:
        return WhitenedComponents(
            *(np.concatenate([getattr(a, n), getattr(b, n)]) for n in a.__slots__)
        )

    def log_terms_diagonal(self) -> FloatArray:
        """``T_jj = log int N_j^2 / N_0 = -log det(I - E^2) / 2 + mu^T (2I - Sigma)^{-1} mu``.

        ``2I - Sigma`` positive definite (the caller's tail rule; ``LinAlgError`` otherwise), so
        a positive form plus a constant: means too far out overflow to ``+inf``, never
        ``inf - inf``. The constant is ``-sum log1p(-lambda^2) / 2`` over the eigenvalues of
        ``E`` where they are below 1/2, else ``-(log det dw + log det Sigma) / 2``.
        """
        lam = np.linalg.eigvalsh(self.e)
        chol = np.linalg.cholesky(self.dw)
        logdet_d = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
        const = np.where(
            np.max(np.abs(lam), axis=-1) < 0.5,
            np.sum(np.log1p(-np.minimum(lam * lam, 0.25)), axis=-1),
            logdet_d + self.logdet,
        )
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.linalg.solve(self.dw, self.mu[..., None])[..., 0]
            form = np.einsum("ki,ki->k", self.mu, z)
        return -0.5 * const + form

    def log_terms(self, other: WhitenedComponents) -> FloatArray:
        """``T_jk`` for ``j`` in self and ``k`` in other, shape ``(J, K)`` (module docstring).

        Every ``A_jk = I - F_j - F_k = (A_jj + A_kk) / 2`` must be positive definite (true when
        every ``A_jj`` and ``A_kk`` is): ``LinAlgError`` otherwise.
        """
        k, d = other.mu.shape
        rows = max(1, PAIR_BUDGET // max(1, k * d * d))
        out = np.empty((self.mu.shape[0], k))
        for start in range(0, self.mu.shape[0], rows):
            j = slice(start, min(self.mu.shape[0], start + rows))
            out[j] = self._block(self.take(np.arange(j.start, j.stop)), other)
        return out

    @staticmethod
    def _block(a: WhitenedComponents, b: WhitenedComponents) -> FloatArray:
        if not (np.any(a.norm_e) or np.any(b.norm_e)):  # every covariance that of N_0: exact
            with np.errstate(over="ignore", invalid="ignore"):
                return a.mu @ b.mu.T
        if np.all(a.in_basis) and np.all(b.in_basis):
            return _diagonal_block(a, b)
        mat = 0.5 * (a.ad[:, None] + b.ad[None, :])
        chol = np.linalg.cholesky(mat)
        logdet_a = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
        shape = mat.shape[:2]
        rhs = np.stack(
            [
                np.broadcast_to(b.pm[None, :], (*shape, b.pm.shape[1])),
                np.einsum("kab,jb->jka", b.f, a.mu),
                np.einsum("jab,kb->jka", a.f, b.mu),
            ],
            axis=-1,
        )
        # means beyond ~1e150 whitened sds overflow the forms: +inf, or nan (inf - inf) for
        # pairs, which the callers resolve by the diagonal terms
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.linalg.solve(mat, rhs)
            quad = np.einsum("ji,jki->jk", a.pm, z[..., 0] + 0.5 * z[..., 1]) + 0.5 * np.einsum(
                "ki,jki->jk", b.pm, z[..., 2]
            )
        logdet = a.logdet[:, None] + b.logdet[None, :] + logdet_a
        small = np.outer(a.norm_e, b.norm_e) < SERIES_LIMIT
        if np.any(small):
            jj, kk = np.nonzero(small)
            logdet[jj, kk] = _log_det_one_minus(a.e[jj], b.e[kk])
        return -0.5 * logdet + quad


def shared_basis(e: FloatArray) -> tuple[FloatArray, bool]:
    """An orthonormal basis in which commuting ``E_k`` are all diagonal: the eigenvectors of
    the one with the largest non-scalar part (the identity when every ``E_k`` is a multiple of
    ``I``, which any basis diagonalises); and whether such a non-scalar one exists."""
    k, d = e.shape[0], e.shape[1]
    if k == 0 or d == 1:
        return np.eye(d), False
    trace = np.trace(e, axis1=1, axis2=2) / d
    dev = e - trace[:, None, None] * np.eye(d)
    rest = np.sqrt(np.einsum("kij,kij->k", dev, dev))
    top = int(np.argmax(rest))
    if rest[top] <= BASIS_TOL * max(float(np.max(np.abs(e))), 1e-300):
        return np.eye(d), False
    return np.linalg.eigh(e[top])[1], True


def _diagonal_block(a: WhitenedComponents, b: WhitenedComponents) -> FloatArray:
    """``T_jk`` when every ``E`` is diagonal in one basis (module docstring, entrywise): ``A``
    is diagonal, the solves are divisions and ``log det(I - E_j E_k) = sum log1p(-e_j e_k)``
    (exact, no series: ``1 - e_j e_k = sigma_j A sigma_k > 0``). ``O(d)`` per pair."""
    sa, sb = 1.0 + a.basis_e, 1.0 + b.basis_e  # Sigma's eigenvalues
    mat = 0.5 * (a.basis_dw / sa)[:, None] + 0.5 * (b.basis_dw / sb)[None, :]  # A_jk, (J, K, d)
    pm_a, pm_b = a.basis_mu / sa, b.basis_mu / sb
    with np.errstate(over="ignore", invalid="ignore"):  # as the full form: +inf or nan
        inner = pm_b[None] + 0.5 * (b.basis_e / sb)[None] * a.basis_mu[:, None]
        quad = np.einsum("jd,jkd->jk", pm_a, inner / mat) + 0.5 * np.einsum(
            "kd,jkd->jk", pm_b, (a.basis_e / sa)[:, None] * b.basis_mu[None] / mat
        )
    logdet = np.sum(np.log1p(-a.basis_e[:, None] * b.basis_e[None, :]), axis=-1)
    return -0.5 * logdet + quad


def _log_det_one_minus(ea: FloatArray, eb: FloatArray) -> FloatArray:
    """``log det(I - E_a E_b)`` for ``|E_a E_b| < SERIES_LIMIT``: ``-sum_{n<=4} tr(M^n) / n``."""
    m = ea @ eb
    m2 = m @ m
    mt = np.swapaxes(m, -1, -2)
    t1 = np.einsum("kij,kij->k", ea, eb)  # tr(E_a E_b), both symmetric
    t2 = np.einsum("kij,kij->k", m, mt)
    t3 = np.einsum("kij,kij->k", m2, mt)
    t4 = np.einsum("kij,kji->k", m2, m2)
    return -(t1 + t2 / 2.0 + t3 / 3.0 + t4 / 4.0)
