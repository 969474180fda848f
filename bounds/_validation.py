"""Argument checks for :mod:`bounds` (private).

Each checker returns a float64 array (0-d for scalars) and raises a :class:`BoundsValueError`
subclass naming the parameter, the first offending value and the condition.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import AssumptionError, DomainError, ShapeError

FloatArray = NDArray[np.float64]

OUTSIDE = ("raise", "vacuous")


def _first_bad(arr: FloatArray, bad: NDArray[np.bool_]) -> str:
    value = float(arr[bad].flat[0]) if arr.ndim else float(arr)
    where = "" if arr.ndim == 0 else f" (at index {tuple(int(i) for i in np.argwhere(bad)[0])})"
    return f"{value!r}{where}"


def as_array(name: str, value: Any, *, allow_inf: bool = False) -> FloatArray:
    """A float64 array with no NaN (and no infinities unless ``allow_inf``).

    Only integers and floats (Python or NumPy) are numbers here: strings such as ``"0.3"``,
    booleans and other objects are refused rather than converted.
    """
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "iuf":
            raise TypeError(raw.dtype)
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        what = "a bool" if isinstance(value, bool | np.bool_) else type(value).__name__
        raise DomainError(
            f"{name}={value!r} must be a real number or an array of reals (got {what})"
        ) from exc
    bad = np.isnan(arr) if allow_inf else ~np.isfinite(arr)
    if np.any(bad):
        what = "must not be NaN" if allow_inf else "must be finite"
        raise DomainError(f"{name}={_first_bad(arr, bad)} {what}")
    return arr


def check_interval(name: str, value: Any, low: float, high: float) -> FloatArray:
    """Values in the closed interval ``[low, high]``."""
    arr = as_array(name, value)
    bad = (arr < low) | (arr > high)
    if np.any(bad):
        raise DomainError(f"{name}={_first_bad(arr, bad)} must lie in [{low:g}, {high:g}]")
    return arr


def check_nonnegative(name: str, value: Any, *, allow_inf: bool = False) -> FloatArray:
    """Energies, divergences and constants: ``>= 0`` (``+inf`` allowed for divergences)."""
    arr = as_array(name, value, allow_inf=allow_inf)
    bad = arr < 0
    if np.any(bad):
        raise DomainError(f"{name}={_first_bad(arr, bad)} must be >= 0")
    return arr


def check_outside(outside: str) -> str:
    if outside not in OUTSIDE:
        raise DomainError(f"outside={outside!r} must be one of {', '.join(map(repr, OUTSIDE))}")
    return outside


def check_hypothesis(
    statement: str, name: str, arr: FloatArray, ok: NDArray[np.bool_], condition: str, outside: str
) -> NDArray[np.bool_]:
    """Raise :class:`AssumptionError` where ``ok`` fails, unless ``outside == "vacuous"``."""
    if outside == "raise" and not np.all(ok):
        raise AssumptionError(
            f"{statement} requires {condition}; got {name}={_first_bad(arr, ~ok)}. "
            "Pass outside='vacuous' to get the trivially true bound there instead"
        )
    return ok


def broadcast(**arrays: FloatArray) -> list[FloatArray]:
    """Broadcast named arrays together, or raise :class:`ShapeError` naming their shapes."""
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError as exc:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise ShapeError(f"arguments do not broadcast together: {shapes}") from exc


def result(arr: Any) -> Any:
    """Return a Python float for 0-d results, the array otherwise."""
    out = np.asarray(arr, dtype=np.float64)
    return float(out) if out.ndim == 0 else out
