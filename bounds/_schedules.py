"""Score-error schedules: energies :math:`\\varepsilon_{\\ast,i}^2` across generations.

Each schedule knows its first ``n`` values, whether it is summable, its sum when finite and its
floor :math:`\\liminf_i \\varepsilon_{\\ast,i}^2` (what Prop. 4.1 (ii) needs). A finite
:class:`ArraySchedule` is summable or not only once its ``tail`` says how it continues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import zeta

from ._errors import DomainError, ShapeError
from ._validation import FloatArray, check_nonnegative

__all__ = [
    "TAILS",
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


#: how a finite :class:`ArraySchedule` continues beyond its last entry
TAILS = ("zero", "constant", "geometric", "power-law")
#: a fitted decay parameter within this of its boundary (r = 1, p = 1) is the boundary: the
#: log-linear fit of exact values is accurate to ~1e-13, so 1e-9 absorbs round-off and no more
BOUNDARY_ATOL = 1e-9


@dataclass(frozen=True, slots=True, eq=False)
class ArraySchedule:
    """Explicit energies for a finite horizon (e.g. measured on the oracle), and how they go on.

    A finite array cannot decide summability: that depends on how the energies continue. So
    ``summable`` is None ("undetermined") unless ``tail`` says how the schedule goes on after
    its last entry:

    * ``"zero"``: no error afterwards (summable, floor 0);
    * ``"constant"``: the last value forever (summable iff it is 0; floor = last value);
    * ``"geometric"``: ``e_k = e_last r^(k - last)`` with ``r`` fitted (least squares on the
      logarithms) to the last ``window`` entries; summable iff ``r < 1``;
    * ``"power-law"``: ``e_k = c (k + 1)^(-p)`` with ``p`` fitted on log-log axes to the last
      ``window`` entries and ``c`` continuous with the last entry; summable iff ``p > 1``;
    * a schedule object (not an ArraySchedule): its ``values(k)`` are the energies of
      generations ``n + k``; summability and floor are its own.

    A fitted ``r`` or ``p`` within :data:`BOUNDARY_ATOL` of 1 counts as 1 (round-off of the fit),
    so the values of ``PowerLawSchedule(c, 1)`` continued as a power law are non-summable, like
    the schedule itself.

    Parameters
    ----------
    data : array_like, shape (n,), >= 0
    tail : {"zero", "constant", "geometric", "power-law"} or Schedule, optional
    window : int, optional
        Entries used for the fits and, without ``tail``, for the finite-horizon floor (the
        minimum over them); default the last quarter (at least 2 for a fit).

    Examples
    --------
    >>> s = ArraySchedule([0.3, 0.2, 0.1, 0.1])
    >>> s.summable is None, s.floor                 # undetermined: how does it go on?
    (True, 0.1)
    >>> ArraySchedule([0.3, 0.2, 0.1, 0.1], tail="zero").summable
    True
    >>> PowerLawSchedule(0.05, 1.0).summable, ArraySchedule(
    ...     PowerLawSchedule(0.05, 1.0).values(40), tail="power-law").summable
    (False, False)
    """

    data: FloatArray
    tail: Any = None
    window: int | None = None
    _fit: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        arr = check_nonnegative("data", self.data)
        if arr.ndim != 1 or arr.size == 0:
            raise ShapeError(f"data has shape {arr.shape}; it must be a non-empty vector")
        arr = arr.copy()
        arr.setflags(write=False)
        fitted = self.tail in ("geometric", "power-law")
        default = max(2 if fitted else 1, arr.size // 4)
        window = self.window if self.window is not None else min(default, arr.size)
        low = 2 if fitted else 1
        if (
            isinstance(window, bool)
            or not isinstance(window, int | np.integer)
            or not low <= window <= arr.size
        ):
            raise DomainError(f"window={self.window!r} must be an integer in [{low}, {arr.size}]")
        tail = self.tail
        if isinstance(tail, ArraySchedule) or not (
            tail is None
            or tail in TAILS
            or isinstance(tail, ConstantSchedule | GeometricSchedule | PowerLawSchedule)
        ):
            raise DomainError(
                f"tail={tail!r} must be None, one of {', '.join(map(repr, TAILS))}, or a "
                "ConstantSchedule, GeometricSchedule or PowerLawSchedule (the generations "
                "after the array)"
            )
        object.__setattr__(self, "data", arr)
        object.__setattr__(self, "window", int(window))
        object.__setattr__(self, "_fit", _fit(arr, tail, int(window)) if fitted else 0.0)

    def values(self, n: int) -> FloatArray:
        """The first ``n`` energies: the array, then its tail (if it has one)."""
        n = _check_n(n)
        size = self.data.size
        if n <= size:
            return np.array(self.data[:n])
        if self.tail is None:
            raise DomainError(
                f"n={n} exceeds the schedule's length {size} and no tail says how it continues"
            )
        return np.concatenate([self.data, self._tail_values(n - size)])

    def _tail_values(self, k: int) -> FloatArray:
        last, size = float(self.data[-1]), self.data.size
        if self.tail == "zero" or (isinstance(self.tail, str) and last == 0.0):
            return np.zeros(k)
        if self.tail == "constant":
            return np.full(k, last)
        if self.tail == "geometric":
            return last * self._fit ** np.arange(1, k + 1, dtype=float)
        if self.tail == "power-law":
            c = last * (size**self._fit)  # continuous with the last entry at index size - 1
            return c * np.arange(size + 1, size + k + 1, dtype=float) ** (-self._fit)
        return np.asarray(self.tail.values(k))

    @property
    def fitted(self) -> float | None:
        """The fitted ``r`` (geometric) or ``p`` (power-law) tail parameter, else None."""
        return self._fit if self.tail in ("geometric", "power-law") else None

    @property
    def summable(self) -> bool | None:
        """True or False when ``tail`` decides it; None (undetermined) for a bare array."""
        tail = self.tail
        if tail is None:
            return None
        if tail == "zero":
            return True
        if tail == "constant":
            return float(self.data[-1]) == 0.0
        if tail == "geometric":
            return self._fit < 1.0 or float(self.data[-1]) == 0.0
        if tail == "power-law":
            return self._fit > 1.0 or float(self.data[-1]) == 0.0
        return bool(tail.summable)

    @property
    def total(self) -> float:
        """Sum over all generations (``inf`` if not summable). Without a tail: the sum of the
        given entries, a lower bound on the sum of any continuation."""
        head = float(np.sum(self.data))
        last, size = float(self.data[-1]), self.data.size
        if self.tail is None or self.tail == "zero":
            return head
        if not self.summable:
            return float("inf")
        if isinstance(self.tail, str):
            if last == 0.0 or self.tail == "constant":
                return head
            if self.tail == "geometric":
                return head + last * self._fit / (1.0 - self._fit)
            return head + float(last * size**self._fit * zeta(self._fit, size + 1.0))
        return head + float(self.tail.total)

    @property
    def floor(self) -> float:
        """:math:`\\liminf` of the energies: from the tail when there is one; without a tail,
        the finite-horizon stand-in, the minimum over the last ``window`` entries."""
        tail, last = self.tail, float(self.data[-1])
        if tail is None:
            return float(np.min(self.data[-int(self.window or 1) :]))
        if tail == "zero":
            return 0.0
        if tail == "constant":
            return last
        if tail in ("geometric", "power-law"):
            decays = self._fit < 1.0 if tail == "geometric" else self._fit > 0.0
            return 0.0 if decays else last  # growing energies: at least the last value
        return float(tail.floor)


def _fit(arr: FloatArray, tail: str, window: int) -> float:
    """``r`` (geometric) or ``p`` (power-law) fitted to the last ``window`` entries."""
    part = arr[-window:]
    if np.any(part <= 0.0):
        if np.all(part[-1:] == 0.0):
            return 0.0 if tail == "geometric" else np.inf  # the energies already stopped
        raise DomainError(
            f"tail={tail!r} fits the last {window} entries on a log scale: they must be > 0 "
            f"(got {part.tolist()})"
        )
    idx = np.arange(arr.size - window, arr.size, dtype=float)
    slope = float(np.polyfit(idx if tail == "geometric" else np.log(idx + 1.0), np.log(part), 1)[0])
    value = float(np.exp(slope)) if tail == "geometric" else -slope
    return 1.0 if abs(value - 1.0) <= BOUNDARY_ATOL else value


Schedule = ConstantSchedule | GeometricSchedule | PowerLawSchedule | ArraySchedule


def as_schedule(value: Any) -> Schedule:
    """A schedule object, or an array-like turned into an :class:`ArraySchedule`."""
    if isinstance(value, ConstantSchedule | GeometricSchedule | PowerLawSchedule | ArraySchedule):
        return value
    return ArraySchedule(value)
