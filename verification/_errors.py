"""Exceptions raised by :mod:`verification`.

Every invalid-argument error is a :class:`VerificationError` (a ``ValueError``) whose message
names the parameter, its value and the violated condition.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["InstanceKindError", "UnknownCheckError", "VerificationError"]


class VerificationError(ValueError):
    """Base class of every invalid-argument error raised by :mod:`verification`."""


class UnknownCheckError(VerificationError):
    """A check id that is not in :data:`verification.CHECKS`."""


class InstanceKindError(VerificationError, TypeError):
    """An instance of the wrong kind for a check (one generation vs a recursion)."""


def number(name: str, value: Any, *, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite real number in ``[low, high]``; strings, bools and other objects are refused."""
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise VerificationError(f"{name}={value!r} must be a real number")
    x = float(value)
    if not math.isfinite(x) or x < low or x > high:
        if math.isinf(low) and math.isinf(high):
            raise VerificationError(f"{name}={value!r} must be a finite number")
        if math.isinf(high):
            raise VerificationError(f"{name}={value!r} must be a finite number >= {low:g}")
        raise VerificationError(f"{name}={value!r} must lie in [{low:g}, {high:g}]")
    return x


def integer(name: str, value: Any, minimum: int) -> int:
    """An integer ``>= minimum`` (bools refused)."""
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, int | np.integer)
        or value < minimum
    ):
        raise VerificationError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)
