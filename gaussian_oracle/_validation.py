"""Argument checks shared by the oracle (private).

Each checker returns a clean float64 array (or float) and raises a :class:`OracleValueError`
subclass whose message names the parameter, its value and the violated condition.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import NotPositiveDefiniteError, OracleDomainError, OracleShapeError

FloatArray = NDArray[np.float64]

#: Relative asymmetry ``max|S - S^T| / max|S|`` accepted as round-off (then symmetrised).
#: Products such as ``A S A^T`` leave asymmetries of a few ulps; 1e-10 accepts those and
#: rejects any matrix that is not meant to be symmetric.
SYMMETRY_RTOL = 1e-10

#: A covariance is accepted when its smallest eigenvalue exceeds ``PD_RTOL`` times its largest
#: (condition number below 1e13). Past that, a Cholesky factor in float64 loses more than three
#: significant digits of the precision matrix, so quantities built on it are no longer reliable.
PD_RTOL = 1e-13

#: Mixture weights must sum to 1 within this absolute tolerance (then they are renormalised).
#: Sums of a thousand products ``alpha * w`` carry round-off near 1e-13; 1e-9 leaves margin
#: and still rejects weights that do not describe a probability law.
WEIGHT_SUM_ATOL = 1e-9


def _show(value: Any) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return repr(arr.item()) if arr.dtype.kind in "biufc" else repr(value)
    text = np.array2string(arr, precision=6, threshold=8, separator=", ")
    return text.replace("\n", "")


def as_float_array(name: str, value: Any) -> FloatArray:
    """Convert ``value`` to a float64 array, rejecting non-numeric and non-finite entries.

    Only integers and floats (Python or NumPy) are numbers here: strings such as ``"0.3"``,
    booleans and other objects are refused rather than converted.
    """
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "iuf":
            raise TypeError(raw.dtype)
        arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        kind = "a bool" if isinstance(value, bool | np.bool_) else type(value).__name__
        raise OracleDomainError(
            f"{name}={value!r} must be a real number or array of reals (got {kind})"
        ) from exc
    if not np.all(np.isfinite(arr)):
        raise OracleDomainError(f"{name}={_show(arr)} must be finite (no NaN or inf)")
    return arr


def check_scalar(
    name: str,
    value: Any,
    *,
    low: float = -np.inf,
    high: float = np.inf,
    low_open: bool = False,
) -> float:
    """A finite real scalar in ``[low, high]`` (or ``(low, high]`` with ``low_open``)."""
    arr = as_float_array(name, value)
    if arr.ndim != 0:
        raise OracleShapeError(f"{name}={_show(arr)} must be a scalar, got shape {arr.shape}")
    x = float(arr)
    below = x <= low if low_open else x < low
    if below or x > high:
        left = "(" if low_open else "["
        raise OracleDomainError(f"{name}={x!r} must lie in {left}{low:g}, {high:g}]")
    return x


def check_rng(name: str, rng: Any) -> np.random.Generator:
    """A :class:`numpy.random.Generator` (legacy ``RandomState`` and ints are refused)."""
    if not isinstance(rng, np.random.Generator):
        raise OracleDomainError(
            f"{name}={rng!r} must be a numpy.random.Generator, e.g. numpy.random.default_rng(0)"
        )
    return rng


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """An integer ``>= minimum`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise OracleDomainError(f"{name}={value!r} must be an integer >= {minimum}")
    if value < minimum:
        raise OracleDomainError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def check_covariances(name: str, covs: FloatArray) -> FloatArray:
    """Symmetrise a stack ``(..., d, d)`` of covariances and check positive definiteness.

    Raises :class:`NotPositiveDefiniteError` naming the first offending matrix, with its
    extreme eigenvalues and the round-off rule (:data:`SYMMETRY_RTOL`, :data:`PD_RTOL`).
    """
    scale = np.max(np.abs(covs), axis=(-2, -1), keepdims=True)
    asym = np.max(np.abs(covs - np.swapaxes(covs, -1, -2)), axis=(-2, -1), keepdims=True)
    bad = asym > SYMMETRY_RTOL * np.maximum(scale, np.finfo(float).tiny)
    if np.any(bad):
        idx = np.unravel_index(int(np.argmax(bad.reshape(-1))), bad.shape[:-2])
        where = f"{name}[{', '.join(map(str, idx))}]" if idx else name
        raise NotPositiveDefiniteError(
            f"{where}={_show(covs[idx])} must be symmetric: max|S - S^T| = "
            f"{float(asym[idx].squeeze()):.3g} exceeds {SYMMETRY_RTOL:g} x max|S|"
        )
    sym = 0.5 * (covs + np.swapaxes(covs, -1, -2))
    eig = np.linalg.eigvalsh(sym)
    lo, hi = eig[..., 0], eig[..., -1]
    bad_pd = ~(lo > PD_RTOL * hi)
    if np.any(bad_pd):
        idx = np.unravel_index(int(np.argmax(bad_pd.reshape(-1))), bad_pd.shape)
        where = f"{name}[{', '.join(map(str, idx))}]" if idx else name
        raise NotPositiveDefiniteError(
            f"{where}={_show(sym[idx])} must be positive definite: eigenvalues in "
            f"[{float(lo[idx]):.6g}, {float(hi[idx]):.6g}]; the smallest must exceed "
            f"{PD_RTOL:g} x the largest (round-off rule)"
        )
    return sym
