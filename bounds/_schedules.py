"""Score-error schedules: energies :math:`\\varepsilon_{\\ast,i}^2` across generations.

Each schedule knows its first ``n`` values, whether it is summable, its sum when finite and its
floor :math:`\\liminf_i \\varepsilon_{\\ast,i}^2` (what Prop. 4.1 (ii) needs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import zeta

from ._errors import DomainError, ShapeError
from ._validation import FloatArray, check_nonnegative

__all__ = [
    "ArraySchedule",
    "ConstantSchedule",
    "GeometricSchedule",
    "PowerLawSchedule",
    "Schedule",
    "as_schedule",
]


def _scalar(
    name: str, value: Any, *, low: float = 0.0, high: float = np.inf, open_low: bool = False
) -> float:
    arr = check_nonnegative(name, value) if low >= 0 else np.asarray(value, dtype=float)
    if arr.ndim:
        raise ShapeError(f"{name} has shape {arr.shape}; it must be a scalar")
    x = float(arr)
    if (x <= low if open_low else x < low) or x > high:
        left = "(" if open_low else "["
        raise DomainError(f"{name}={x!r} must lie in {left}{low:g}, {high:g}]")
    return x


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise DomainError(f"n={n!r} must be an integer >= 0")
    return int(n)


@dataclass(frozen=True, slots=True)
class ConstantSchedule:
    """:math:`\\varepsilon_i^2 = c` for every generation (an error floor when ``c > 0``).

    Examples
    --------
    >>> s = ConstantSchedule(0.01)
    >>> s.values(3).tolist(), s.summable, s.floor
    ([0.01, 0.01, 0.01], False, 0.01)
    """

    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _scalar("value", self.value))

    def values(self, n: int) -> FloatArray:
        """The first ``n`` energies (generations ``0 .. n-1``)."""
        return np.full(_check_n(n), self.value)

    @property
    def summable(self) -> bool:
        return self.value == 0.0

    @property
    def total(self) -> float:
        """Sum over all generations (``inf`` unless the schedule is zero)."""
        return 0.0 if self.value == 0.0 else float("inf")

    @property
    def floor(self) -> float:
        """:math:`\\liminf_i \\varepsilon_i^2`."""
        return self.value


@dataclass(frozen=True, slots=True)
class GeometricSchedule:
    """:math:`\\varepsilon_i^2 = \\varepsilon_0^2\\, r^i`, ``r`` in [0, 1] (summable iff r < 1).

    Examples
    --------
    >>> s = GeometricSchedule(1.0, 0.5)
    >>> s.values(3).tolist(), s.summable, s.total
    ([1.0, 0.5, 0.25], True, 2.0)
    """

    eps0_2: float
    r: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "eps0_2", _scalar("eps0_2", self.eps0_2))
        object.__setattr__(self, "r", _scalar("r", self.r, high=1.0))

    def values(self, n: int) -> FloatArray:
        i = np.arange(_check_n(n), dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):  # r = 0: 0 * log(0) at i = 0
            return self.eps0_2 * np.where(i == 0, 1.0, np.exp(i * np.log(self.r)))

    @property
    def summable(self) -> bool:
        return self.r < 1.0 or self.eps0_2 == 0.0

    @property
    def total(self) -> float:
        if self.eps0_2 == 0.0:
            return 0.0
        return self.eps0_2 / (1.0 - self.r) if self.r < 1.0 else float("inf")

    @property
    def floor(self) -> float:
        return self.eps0_2 if self.r == 1.0 else 0.0


@dataclass(frozen=True, slots=True)
class PowerLawSchedule:
    """:math:`\\varepsilon_i^2 = c\\,(i + 1)^{-p}`, ``p > 0`` (summable iff ``p > 1``).

    Indexing from ``i + 1`` keeps generation 0 finite. ``total`` is :math:`c\\,\\zeta(p)`.

    Examples
    --------
    >>> s = PowerLawSchedule(1.0, 2.0)
    >>> s.values(3).tolist(), round(s.total, 12)     # pi^2 / 6
    ([1.0, 0.25, 0.1111111111111111], 1.644934066848)
    >>> PowerLawSchedule(1.0, 1.0).summable    # eps_i^2 = 1/(i+1): both series diverge
    False
    """

    c: float
    p: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "c", _scalar("c", self.c))
        object.__setattr__(self, "p", _scalar("p", self.p, open_low=True))

    def values(self, n: int) -> FloatArray:
        return self.c * np.arange(1, _check_n(n) + 1, dtype=float) ** (-self.p)

    @property
    def summable(self) -> bool:
        return self.p > 1.0 or self.c == 0.0

    @property
    def total(self) -> float:
        if self.c == 0.0:
            return 0.0
        return float(self.c * zeta(self.p, 1.0)) if self.p > 1.0 else float("inf")

    @property
    def floor(self) -> float:
        return 0.0


@dataclass(frozen=True, slots=True, eq=False)
class ArraySchedule:
    """Explicit energies for a finite horizon (e.g. measured on the oracle).

    A finite array is summable; its ``floor`` is the minimum over the last ``tail`` entries
    (default: the last quarter), the finite-horizon stand-in for :math:`\\liminf`.

    Examples
    --------
    >>> s = ArraySchedule([0.3, 0.2, 0.1, 0.1])
    >>> s.summable, s.total, s.floor
    (True, 0.7, 0.1)
    """

    data: FloatArray
    tail: int | None = None
    _floor: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        arr = check_nonnegative("data", self.data)
        if arr.ndim != 1 or arr.size == 0:
            raise ShapeError(f"data has shape {arr.shape}; it must be a non-empty vector")
        arr = arr.copy()
        arr.setflags(write=False)
        tail = self.tail if self.tail is not None else max(1, arr.size // 4)
        if isinstance(tail, bool) or not isinstance(tail, int) or not 1 <= tail <= arr.size:
            raise DomainError(f"tail={self.tail!r} must be an integer in [1, {arr.size}]")
        object.__setattr__(self, "data", arr)
        object.__setattr__(self, "_floor", float(np.min(arr[-tail:])))

    def values(self, n: int) -> FloatArray:
        n = _check_n(n)
        if n > self.data.size:
            raise DomainError(f"n={n} exceeds the schedule's length {self.data.size}")
        return np.array(self.data[:n])

    @property
    def summable(self) -> bool:
        return True

    @property
    def total(self) -> float:
        return float(np.sum(self.data))

    @property
    def floor(self) -> float:
        return self._floor


Schedule = ConstantSchedule | GeometricSchedule | PowerLawSchedule | ArraySchedule


def as_schedule(value: Any) -> Schedule:
    """A schedule object, or an array-like turned into an :class:`ArraySchedule`."""
    if isinstance(value, ConstantSchedule | GeometricSchedule | PowerLawSchedule | ArraySchedule):
        return value
    return ArraySchedule(value)
