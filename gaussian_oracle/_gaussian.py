"""The frozen, validated Gaussian law :math:`N(m, S)` (its covariance factorised once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._errors import OracleShapeError
from ._factors import _component_terms, _Factors, _points, _readonly
from ._validation import (
    FloatArray,
    _show,
    as_float_array,
    check_covariances,
    check_positive_int,
    check_rng,
)

__all__ = ["Gaussian"]


@dataclass(frozen=True, slots=True, eq=False, init=False)
class Gaussian:
    r"""A Gaussian law :math:`N(m, S)` on :math:`\mathbb{R}^d`.

    Parameters
    ----------
    mean : array_like, shape (d,) or scalar
        Mean vector; a scalar means ``d = 1``. Entries must be finite.
    cov : array_like, shape (d, d), or scalar when ``d = 1``
        Symmetric positive-definite covariance. Asymmetry up to ``1e-10 x max|S|`` is treated as
        round-off and symmetrised; the smallest eigenvalue must exceed ``1e-13`` times the
        largest (see :data:`gaussian_oracle.PD_RTOL`).

    Raises
    ------
    OracleShapeError
        If the shapes of ``mean`` and ``cov`` do not match.
    OracleDomainError, NotPositiveDefiniteError
        If an entry is not finite, or ``cov`` is not symmetric positive definite.

    Examples
    --------
    >>> g = Gaussian([0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]])
    >>> g.dim
    2
    >>> round(float(Gaussian(0.0, 1.0).logpdf(0.0)), 6)   # -log(2 pi) / 2
    -0.918939
    """

    mean: FloatArray
    cov: FloatArray
    _factors: _Factors = field(repr=False)

    def __init__(self, mean: ArrayLike, cov: ArrayLike) -> None:
        mean = as_float_array("mean", mean)
        if mean.ndim == 0:
            mean = mean[None]
        if mean.ndim != 1:
            raise OracleShapeError(
                f"mean={_show(mean)} must be a vector of shape (d,), got {mean.shape}"
            )
        d = mean.shape[0]
        cov = as_float_array("cov", cov)
        if cov.ndim == 0 and d == 1:
            cov = cov.reshape(1, 1)
        if cov.shape != (d, d):
            raise OracleShapeError(
                f"cov has shape {cov.shape}; with mean of shape ({d},) it must be ({d}, {d})"
            )
        cov = check_covariances("cov", cov)
        object.__setattr__(self, "mean", _readonly(mean))
        object.__setattr__(self, "cov", _readonly(cov))
        object.__setattr__(self, "_factors", _Factors.of(cov[None]))

    @property
    def dim(self) -> int:
        """Dimension ``d``."""
        return int(self.mean.shape[0])

    @property
    def n_components(self) -> int:
        """Always 1 (a Gaussian seen as a one-component mixture)."""
        return 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Gaussian):
            return NotImplemented
        return bool(np.array_equal(self.mean, other.mean) and np.array_equal(self.cov, other.cov))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Gaussian(mean={_show(self.mean)}, cov={_show(self.cov)})"

    def logpdf(self, x: Any) -> FloatArray:
        """Log-density at points ``x`` of shape ``(..., d)``; returns the batch shape ``(...)``.

        In one dimension a scalar is one point and a vector of shape ``(n,)`` is ``n`` points.
        """
        pts, batch = _points(x, self.dim)
        logn, _ = _component_terms(self.mean[None], self._factors, pts, with_whitened=False)
        return logn[0].reshape(batch)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``n`` independent draws, shape ``(n, d)``, from the caller's generator ``rng``."""
        n = check_positive_int("n", n)
        rng = check_rng("rng", rng)
        z = rng.standard_normal((n, self.dim))
        return self.mean + z @ self._factors.chol[0].T
