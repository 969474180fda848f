"""Exact score of the forward marginals ``P_t(law)`` (THEORY.md §1)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from scipy.special import softmax

from ._factors import isotropic_scale, isotropic_squares, soft_max
from ._law_tools import check_law, components
from ._laws import Gaussian, Law, _component_terms, _points
from ._operations import ou_transition
from ._validation import FloatArray, check_scalar

__all__ = ["score"]


def score(law: Law, x: Any, t: float = 0.0) -> FloatArray:
    r"""Exact score :math:`\nabla_x \log (P_t\,\mathrm{law})(x)` at points ``x``.

    For a mixture the score is :math:`\sum_k r_k(x)\,(-S_k^{-1}(x - m_k))` with responsibilities
    :math:`r_k` computed by a softmax of log-weights plus component log-densities, so points far
    in the tails (where every density underflows) still get the right score.

    Parameters
    ----------
    law : Gaussian or GaussianMixture
        Law at time 0.
    x : array_like, shape (..., d)
        Points; in one dimension a scalar is one point and a vector ``(n,)`` is ``n`` points.
    t : float, >= 0
        Forward time; ``t = 0`` gives the score of ``law`` itself.

    Returns
    -------
    ndarray, shape (..., d)

    Examples
    --------
    >>> float(score(Gaussian(1.0, 4.0), 3.0)[0])     # -(x - m) / s^2
    -0.5
    >>> float(score(Gaussian(0.0, 1.0), 2.0, t=5.0)[0])   # N(0, I) is invariant under P_t
    -2.0
    """
    law = check_law("law", law)
    t = check_scalar("t", t, low=0.0)
    marginal = ou_transition(law, t) if t > 0.0 else law
    pts, batch = _points(x, law.dim)
    fast = marginal_score(marginal, pts)
    if fast is not None:
        return fast.reshape((*batch, law.dim))
    weights, means, _, factors = components(marginal)
    logn, z = _component_terms(means, factors, pts, with_whitened=True)
    z = cast(FloatArray, z)  # requested with with_whitened=True, so never None
    comp = _component_scores(z, factors.chol_inv)
    if isinstance(marginal, Gaussian):
        out = comp[0]
    else:
        with np.errstate(divide="ignore"):
            joint = np.log(weights)[:, None] + logn
        far = ~np.isfinite(np.max(joint, axis=0))
        if np.any(far):
            joint[:, far] = _far_log_weights(z[:, far], np.log(weights), factors.logdet)
        resp = softmax(joint, axis=0)
        # components of zero responsibility contribute nothing, even where their score is inf
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.einsum("kn,kni->ni", resp, np.where(resp[..., None] > 0.0, comp, 0.0))
    return out.reshape((*batch, law.dim))


def marginal_score(law: Law, pts: FloatArray) -> FloatArray | None:
    """The score of ``law`` at ``pts`` ``(n, d)`` by a fast path, or None where none applies.

    * One Gaussian: ``-(x - m) S^{-1}``, one matrix product.
    * Isotropic components ``S_k = sd_k^2 I`` in d >= 3 (the paper's geometry, KDEs, their OU
      transitions): ``|x - m_k|^2`` expanded about the components' centre, one matrix product
      for the responsibilities and one for ``sum_k r_k (m_k - x) / sd_k^2``; declined for points
      so far out that the expansion's round-off (relative ``eps |x - c|^2 / sd^2``) would show.
    * Components sharing one covariance ``S = L L^T`` (bitwise: a KDE, the paper's
      geometry): whiten the points once, ``z_k = L^{-1} x - L^{-1} m_k``, responsibilities
      from ``|z_k|^2``, and the score ``-L^{-T} sum_k r_k z_k``: two products of ``n x d x d``
      instead of ``2K``.

    Points where a component's ``|z|^2`` overflows, or where every density underflows, take
    the general path (``None``), which handles them (:func:`score`).
    """
    weights, means, covs, factors = components(law)
    linv = factors.chol_inv[0]
    if pts.dtype == np.float32:  # the Monte Carlo engine's float32 paths: stay in float32
        means, linv = means.astype(np.float32), linv.astype(np.float32)
    # the expansion only where it saves a matrix product per component (d >= 3); below, the
    # exact path is as fast (and the grid engine, d <= 2, keeps its round-off accuracy)
    inv_sd = isotropic_scale(factors.chol_inv) if len(weights) > 1 and pts.shape[1] >= 3 else None
    if inv_sd is not None:
        inv_sd = inv_sd.astype(pts.dtype, copy=False)
        sq = isotropic_squares(means, inv_sd, pts)
        if sq is not None:  # r_k (m_k - x) / sd_k^2 summed: one more product, no (K, n, d)
            d = pts.shape[1]
            with np.errstate(divide="ignore"):
                logw = np.log(weights).astype(pts.dtype, copy=False)
                joint = logw[None, :] - 0.5 * sq + d * np.log(inv_sd)[None, :]
            rw = soft_max(joint, axis=1) * (inv_sd * inv_sd)[None, :]
            return rw @ means - pts * np.sum(rw, axis=1)[:, None]
    if len(weights) > 1 and not np.all(covs == covs[0]):
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        if len(weights) == 1:  # -(x - m) S^{-1}: one product with the precision
            out = (means[0] - pts) @ (linv.T @ linv)
            total = np.sum(out)  # finite: every entry is (else the general path decides)
            return out if np.isfinite(total) else None
        xw = pts @ linv.T
        zk = xw[None] - (means @ linv.T)[:, None, :]  # (K, n, d)
        sq = np.einsum("kni,kni->kn", zk, zk)
    if not np.all(np.isfinite(sq)):
        return None
    with np.errstate(divide="ignore"):
        joint = np.log(weights)[:, None] - 0.5 * sq
    if not np.all(np.isfinite(np.max(joint, axis=0))):
        return None
    resp = soft_max(joint, axis=0)
    return -(np.einsum("kn,kni->ni", resp, zk) @ linv)


def reverse_drift(law: Law, pts: FloatArray) -> FloatArray:
    """The ideal reverse drift ``pts / 2 + score(law, pts)`` at ``pts`` ``(n, d)``. For one
    Gaussian it is one product about the mean, ``(x - m)(I/2 - S^{-1}) + m / 2`` (no
    cancellation: the offset ``x - m`` is formed first); else :func:`marginal_score`'s paths."""
    weights, means, _, factors = components(law)
    if len(weights) == 1:
        linv = factors.chol_inv[0]
        mat = 0.5 * np.eye(pts.shape[1]) - linv.T @ linv
        m = means[0]
        if pts.dtype == np.float32:
            mat, m = mat.astype(np.float32), m.astype(np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            out = (pts - m) @ mat
            out += 0.5 * m
            if np.isfinite(np.sum(out)):  # else the general path decides
                return out
    sc = marginal_score(law, pts)
    return 0.5 * pts + (score(law, pts) if sc is None else sc)


def _component_scores(z: FloatArray, chol_inv: FloatArray) -> FloatArray:
    """``-S_k^{-1}(x - m_k) = -L_k^{-T} z`` per component and point, shape ``(K, n, d)``.

    Where the product overflows (points beyond ~1e154 sd) it is formed in units of
    ``max |z|`` and rescaled, so an out-of-range score is ``+-inf`` with its sign, never NaN.
    """
    inv_sd = isotropic_scale(chol_inv)
    with np.errstate(over="ignore", invalid="ignore"):
        comp = -(z * inv_sd[:, None, None]) if inv_sd is not None else -(z @ chol_inv)
    bad = ~np.all(np.isfinite(comp), axis=-1)
    if np.any(bad):
        zb = z[bad]
        unit = np.max(np.abs(zb), axis=-1, keepdims=True)
        k_idx = np.nonzero(bad)[0]
        inner = -np.einsum("mi,mij->mj", _in_units(zb, unit), chol_inv[k_idx])
        with np.errstate(over="ignore", invalid="ignore"):
            comp[bad] = np.where(inner == 0.0, 0.0, inner * unit)
    return comp


def _in_units(z: FloatArray, unit: FloatArray) -> FloatArray:
    """``z / unit`` where ``unit = max |z|`` may itself be ``inf`` (an overflowed ``z``): the
    infinite entries become their sign and the finite ones 0, the limit of the ratio."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(z), np.sign(z), z / unit)


def _far_log_weights(z: FloatArray, logw: FloatArray, logdet: FloatArray) -> FloatArray:
    """Unnormalised log-responsibilities at points where every ``|z_k|^2`` overflowed.

    ``log w_k - log det S_k / 2 - c^2 q_k / 2`` with ``c = max |z|`` per point and
    ``q_k = |z_k / c|^2 <= d``: only differences of ``q_k`` matter, so the component(s) with
    the smallest ``q_k`` (the heaviest tails towards the point) keep their weight and the
    others get ``-inf`` (or a finite penalty when ``c^2`` is representable).
    """
    unit = np.max(np.abs(z), axis=(0, 2))  # (n,)
    zs = _in_units(z, unit[None, :, None])
    q = np.einsum("kni,kni->kn", zs, zs)
    gap = q - np.min(q, axis=0, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        penalty = np.where(gap > 0.0, -0.5 * unit[None, :] ** 2 * gap, 0.0)
    return logw[:, None] - 0.5 * logdet[:, None] + penalty
