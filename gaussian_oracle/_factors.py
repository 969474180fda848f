"""Covariance factors and per-component densities shared by the laws (private)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import OracleDomainError, OracleShapeError
from ._validation import FloatArray, _show, as_float_array

_LOG_2PI = float(np.log(2.0 * np.pi))
# Points are processed in blocks so that the (components x points x dim) work array stays
# below about 32 MB whatever the number of components.
_BLOCK_BUDGET = 4_000_000


def _readonly(arr: NDArray[Any]) -> FloatArray:
    out: FloatArray = np.ascontiguousarray(arr, dtype=np.float64)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class _Factors:
    """Per-component factors: ``chol @ chol.T = cov``, ``chol_inv = chol^{-1}``, log-dets."""

    chol: FloatArray  # (K, d, d) lower triangular
    chol_inv: FloatArray  # (K, d, d) lower triangular
    logdet: FloatArray  # (K,)

    @classmethod
    def of(cls, covs: FloatArray) -> _Factors:
        chol = np.linalg.cholesky(covs)
        chol_inv = np.linalg.inv(chol)
        logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
        return cls(_readonly(chol), _readonly(chol_inv), _readonly(logdet))

    def precisions(self) -> FloatArray:
        """Inverse covariances ``(K, d, d)``."""
        return np.einsum("kji,kjl->kil", self.chol_inv, self.chol_inv)


def _points(x: Any, dim: int) -> tuple[FloatArray, tuple[int, ...]]:
    """Reshape points to ``(n, dim)``; return them and the batch shape to restore."""
    arr = as_float_array("x", x)
    if dim == 1 and arr.ndim <= 1:
        arr = arr[..., None]  # in one dimension, a scalar is one point and (n,) is n points
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise OracleShapeError(
            f"x has shape {arr.shape}; its last axis must have length dim={dim} "
            "(points are stacked along the leading axes)"
        )
    batch = arr.shape[:-1]
    return arr.reshape(-1, dim), batch


def _component_terms(
    means: FloatArray, factors: _Factors, x: FloatArray, *, with_whitened: bool
) -> tuple[FloatArray, FloatArray | None]:
    """Log-densities ``(K, n)`` of every component at ``x`` and optionally ``z = L^{-1}(x-m)``."""
    k, d = means.shape
    n = x.shape[0]
    logn = np.empty((k, n))
    z_all = np.empty((k, n, d)) if with_whitened else None
    block = max(1, _BLOCK_BUDGET // max(1, k * d))
    inv_sd = isotropic_scale(factors.chol_inv)  # S_k = sd_k^2 I: a product, not a matrix
    for start in range(0, n, block):
        stop = min(n, start + block)
        # points so far out that |L^{-1}(x - m)|^2 overflows get log-density -inf: the correct
        # rounding of a density below e^-1e308 (scores handle them apart: see score())
        with np.errstate(over="ignore", invalid="ignore"):
            diff = x[None, start:stop, :] - means[:, None, :]
            if inv_sd is not None:
                z = diff * inv_sd[:, None, None]
            else:
                z = diff @ np.swapaxes(factors.chol_inv, 1, 2)  # rows L^{-1}(x - m); ~5x einsum
            logn[:, start:stop] = -0.5 * (
                np.einsum("kni,kni->kn", z, z) + factors.logdet[:, None] + d * _LOG_2PI
            )
        if z_all is not None:
            z_all[:, start:stop, :] = z
    return logn, z_all


#: |x - c|^2 / sd^2 (c the components' centre) beyond which isotropic_squares declines: its
#: absolute round-off, ~eps times that, stays below 1e-12 in a log-density
_EXPANDED_LIMIT = 1e3


def isotropic_squares(means: FloatArray, inv_sd: FloatArray, x: FloatArray) -> FloatArray | None:
    """``|x_n - m_k|^2 / sd_k^2``, shape ``(n, K)``, by one matrix product (``|x|^2 - 2 x.m +
    |m|^2`` about the components' centre) instead of a ``(K, n, d)`` array; None where points
    are far enough out that the expansion's round-off would show (:data:`_EXPANDED_LIMIT`)."""
    centre = np.mean(means, axis=0)
    xc, mc = x - centre, means - centre
    xx = np.einsum("ni,ni->n", xc, xc)
    mm = np.einsum("ki,ki->k", mc, mc)
    inv2 = inv_sd * inv_sd
    if (
        np.max(xx, initial=0.0) * np.max(inv2) > _EXPANDED_LIMIT
        or np.max(mm) * np.max(inv2) > _EXPANDED_LIMIT
    ):
        return None
    sq = (xx[:, None] - 2.0 * (xc @ mc.T) + mm[None, :]) * inv2[None, :]
    return np.maximum(sq, 0.0)


def log_sum_exp(a: FloatArray, axis: int) -> FloatArray:
    """``log sum exp`` along ``axis`` (``-inf`` where every entry is), as scipy computes it
    (``max + log1p(sum of the other terms)``, accurate where one term dominates) without its
    array-API dispatch, which cost more than the sum on the sampling paths."""
    idx = np.expand_dims(np.argmax(a, axis=axis), axis)
    top = np.take_along_axis(a, idx, axis=axis)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(a - top)
    np.put_along_axis(e, idx, 0.0, axis=axis)
    with np.errstate(divide="ignore"):
        out = np.squeeze(top, axis=axis) + np.log1p(np.sum(e, axis=axis))
        return np.where(np.isneginf(np.max(a, axis=axis)), -np.inf, out)


def soft_max(a: FloatArray, axis: int) -> FloatArray:
    """``exp(a) / sum exp(a)`` along ``axis`` for ``a`` with a finite maximum along it."""
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def isotropic_scale(inv: FloatArray) -> FloatArray | None:
    """``1 / sd_k`` when every component's covariance is ``sd_k^2 I`` (its inverse Cholesky
    factor ``inv``, ``(K, d, d)``, exactly a multiple of the identity), else None."""
    diag = inv[:, 0, 0]
    if inv.shape[1] == 1 or np.array_equal(inv, diag[:, None, None] * np.eye(inv.shape[1])):
        return diag
    return None


def _check_ages(ages: Any, k: int) -> NDArray[np.int64]:
    """``k`` non-negative integer ages as an int64 array, else a OracleDomainError."""
    raw = np.asarray(ages)
    if raw.shape != (k,) or raw.dtype.kind not in "iu" or np.any(raw < 0):
        raise OracleDomainError(
            f"ages={_show(raw)} must be {k} non-negative integers (one per component)"
        )
    return raw.astype(np.int64)
