"""A periodic box in dimension 1 or 2 and its Fourier spectral operators (THEORY.md §6b).

Densities of the diffusion decay like Gaussians, so on a box that holds all but ``1e-14`` of
their mass they are periodic to round-off, and Fourier differentiation converges spectrally
(geometrically in the number of points per standard deviation). The trapezoid rule on the
periodic grid integrates such densities to the same accuracy, and the zero mode of every
Fourier derivative vanishes, so the discrete Fokker–Planck flow conserves mass to round-off.

:func:`box_for` chooses the box and resolution from the laws the process will visit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import fft as sfft
from scipy.special import ndtri

from ._errors import OracleDomainError
from ._law_tools import components
from ._validation import FloatArray, as_float_array

__all__ = ["MAX_POINTS", "Box", "box_for", "grid_of", "refinements_needed", "spectral_tail"]

#: tail mass allowed outside the box, per law (the issue's target: < 1e-14)
TAIL_MASS = 1e-14
#: grid points per standard deviation of the narrowest feature: the Fourier aliasing error of a
#: Gaussian of width sd on spacing h is exp(-2 pi^2 (sd / h)^2); 2.4 points per sd puts it at
#: 1e-50, so the error left is the derivatives' and products' (measured: 1e-12 relative)
POINTS_PER_SD = 2.4
#: most points per axis an automatic grid refines to (1-D, 2-D): memory and time
MAX_POINTS = (4096, 320)


@dataclass(frozen=True, slots=True, eq=False)
class Box:
    """A uniform periodic grid ``[lower, upper)`` with ``n`` points per axis (d = 1 or 2).

    Parameters
    ----------
    lower, upper : array_like, shape (d,)
        Corners of the box (``upper > lower``).
    n : sequence of int, shape (d,)
        Points per axis (even, >= 16).

    Examples
    --------
    >>> b = Box([-8.0], [8.0], [64])
    >>> b.dim, b.shape, float(b.cell)
    (1, (64,), 0.25)
    >>> f = np.exp(-0.5 * b.axes[0] ** 2) / np.sqrt(2 * np.pi)
    >>> round(float(b.integrate(f)), 14)
    1.0
    """

    lower: FloatArray
    upper: FloatArray
    n: tuple[int, ...]
    _k: tuple[FloatArray, ...] = field(init=False, repr=False)
    _points: FloatArray = field(init=False, repr=False)
    _waves: dict[tuple[int, bool], FloatArray] = field(init=False, repr=False)

    def __init__(self, lower: Any, upper: Any, n: Iterable[int]) -> None:
        lo = np.atleast_1d(as_float_array("lower", lower)).copy()
        hi = np.atleast_1d(as_float_array("upper", upper)).copy()
        sizes = tuple(int(x) for x in n)
        if lo.shape != hi.shape or len(sizes) != lo.size or lo.size not in (1, 2):
            raise OracleDomainError(
                f"lower {lo.shape}, upper {hi.shape} and n (length {len(sizes)}) must describe "
                "a box in dimension 1 or 2"
            )
        if not np.all(hi > lo):
            raise OracleDomainError(f"upper={hi.tolist()} must exceed lower={lo.tolist()}")
        if any(m < 16 or m % 2 for m in sizes):
            raise OracleDomainError(f"n={list(sizes)} must be even numbers >= 16")
        for a in (lo, hi):
            a.setflags(write=False)
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(self, "n", sizes)
        last = lo.size - 1  # the real transform halves the last axis
        ks: list[FloatArray] = [
            2.0 * np.pi * (sfft.rfftfreq(m, h) if j == last else sfft.fftfreq(m, h))
            for j, (m, h) in enumerate(zip(sizes, (hi - lo) / np.asarray(sizes), strict=True))
        ]
        object.__setattr__(self, "_k", tuple(ks))
        mesh = np.meshgrid(*self.axes, indexing="ij")
        pts = np.stack([m.ravel() for m in mesh], axis=-1)
        pts.setflags(write=False)
        object.__setattr__(self, "_points", pts)
        object.__setattr__(self, "_waves", {})

    def __reduce__(self) -> Any:
        return (Box, (self.lower, self.upper, self.n))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Box)
            and self.n == other.n
            and np.array_equal(self.lower, other.lower)
            and np.array_equal(self.upper, other.upper)
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def dim(self) -> int:
        return int(self.lower.size)

    def refined(self, factor: float) -> Box:
        """The same box with about ``factor`` times the points per axis (rounded to even)."""
        return Box(self.lower, self.upper, [2 * round(m * factor / 2) for m in self.n])

    @property
    def shape(self) -> tuple[int, ...]:
        return self.n

    @property
    def spacing(self) -> FloatArray:
        return (self.upper - self.lower) / np.asarray(self.n)

    @property
    def cell(self) -> float:
        """Volume of one grid cell (the trapezoid weight)."""
        return float(np.prod(self.spacing))

    @property
    def axes(self) -> tuple[FloatArray, ...]:
        return tuple(
            lo + h * np.arange(m) for lo, h, m in zip(self.lower, self.spacing, self.n, strict=True)
        )

    @property
    def points(self) -> FloatArray:
        """Every grid point, shape ``(prod(n), d)`` in C order of the grid (read-only)."""
        return self._points

    def integrate(self, f: FloatArray) -> FloatArray:
        """Trapezoid (periodic) integral over the grid axes (the last ``d`` axes of ``f``)."""
        return np.sum(f, axis=tuple(range(-self.dim, 0))) * self.cell

    def _fft(self, f: FloatArray) -> Any:
        return sfft.rfftn(f, axes=tuple(range(-self.dim, 0)))

    def _ifft(self, g: Any) -> FloatArray:
        return sfft.irfftn(g, s=self.n, axes=tuple(range(-self.dim, 0)))

    def _wave(self, axis: int, nyquist: bool) -> Any:
        cached = self._waves.get((axis, nyquist))
        if cached is not None:
            return cached
        k = self._k[axis].copy()
        m = self.n[axis]
        if not nyquist:  # odd derivatives of the Nyquist mode are not real: drop it
            k[m // 2] = 0.0
        shape = [1] * self.dim
        shape[axis] = k.size
        k = k.reshape(shape)
        k.setflags(write=False)
        self._waves[(axis, nyquist)] = k
        return k

    def divergence(self, flux: FloatArray) -> FloatArray:
        """``sum_j d_j flux[..., j, grid]`` for a flux of shape ``(..., d, *n)``."""
        hat = self._fft(flux)
        total = sum(
            1j * self._wave(j, False) * hat[..., j, *([slice(None)] * self.dim)]
            for j in range(self.dim)
        )
        return self._ifft(total)

    def gradient(self, f: FloatArray) -> FloatArray:
        """Gradient of ``f`` (shape ``(..., *n)``), shape ``(..., d, *n)``."""
        hat = self._fft(f)
        return np.stack(
            [self._ifft(1j * self._wave(j, False) * hat) for j in range(self.dim)],
            axis=-1 - self.dim,
        )

    def laplacian(self, f: FloatArray) -> FloatArray:
        k2 = sum(self._wave(j, True) ** 2 for j in range(self.dim))
        return self._ifft(-k2 * self._fft(f))

    def drift_diffusion(
        self, drift: FloatArray, f: FloatArray, source: FloatArray | None = None
    ) -> FloatArray:
        """``-div(drift f) + 1/2 Lap f`` in one transform pair; ``drift`` is ``(d, *n)``,
        ``f`` is ``(..., *n)``; ``source`` (``(..., d, *n)``) adds ``-div(source)``."""
        flux = drift * f[..., None, *([slice(None)] * self.dim)]
        if source is not None:
            flux = flux + source
        hat_flux = self._fft(flux)
        hat_f = self._fft(f)
        total = 0.0
        for j in range(self.dim):
            idx = (Ellipsis, j) + (slice(None),) * self.dim
            total = total - 1j * self._wave(j, False) * hat_flux[idx]
            total = total - 0.5 * self._wave(j, True) ** 2 * hat_f
        return self._ifft(total)


def spectral_tail(box: Box, f: FloatArray) -> float:
    """Largest Fourier coefficient of ``f`` (shape ``(..., *n)``) in the outer fifth of the
    resolved band of any axis, relative to the largest of all: how well the grid resolves ``f``
    (round-off gives ~1e-16; a value near 1 means the grid is far too coarse)."""
    hat = np.abs(sfft.fftn(f, axes=tuple(range(-box.dim, 0))))
    top = float(np.max(hat))
    if top == 0.0:
        return 0.0
    outer = np.zeros(box.shape, dtype=bool)
    for j, m in enumerate(box.n):
        idx = [slice(None)] * box.dim
        k = np.abs(sfft.fftfreq(m) * m)
        idx[j] = k > 0.4 * m
        outer[tuple(idx)] = True
    return float(np.max(np.where(outer, hat, 0.0))) / top


def _spread(laws: Iterable[Any]) -> tuple[FloatArray, FloatArray, float]:
    """Lowest and highest extent (``TAIL_MASS`` per law) and the narrowest sd of ``laws``."""
    lo, hi, narrow = None, None, np.inf
    for law in laws:
        w, m, c, _ = components(law)
        live = w > 0
        sd = np.sqrt(np.diagonal(c[live], axis1=1, axis2=2))
        z = float(-ndtri(TAIL_MASS / (2.0 * max(m.shape[1], 1))))
        a, b = np.min(m[live] - z * sd, axis=0), np.max(m[live] + z * sd, axis=0)
        lo = a if lo is None else np.minimum(lo, a)
        hi = b if hi is None else np.maximum(hi, b)
        narrow = min(narrow, float(np.min(np.sqrt(np.linalg.eigvalsh(c[live])))))
    if lo is None or hi is None:
        raise OracleDomainError("box_for needs at least one law")
    return lo, hi, narrow


def box_for(laws: Iterable[Any], *, margin: float = 1.0, refine: float = 1.0) -> Box:
    """The box that holds all but ``1e-14`` of each law's mass (plus ``margin`` on each side)
    with :data:`POINTS_PER_SD` points per standard deviation of the narrowest (times ``refine``).

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> b = box_for([Gaussian(0.0, 1.0)])
    >>> b.dim, bool(b.lower[0] < -8.0 < 8.0 < b.upper[0])
    (1, True)
    """
    lo, hi, narrow = _spread(laws)
    lo, hi = lo - margin, hi + margin
    width = hi - lo
    n = [
        int(sfft.next_fast_len(int(np.ceil(w * POINTS_PER_SD * refine / narrow)), real=True))
        for w in width
    ]
    n = [max(16, m + (m % 2)) for m in n]
    return Box(lo, hi, n)


def grid_of(pts: FloatArray) -> tuple[Box, FloatArray] | None:
    """The box whose points are ``pts`` in C order (periodic: the upper bound one spacing past
    the last point), and the spacing; None if ``pts`` are not such a grid."""
    axes = [np.unique(pts[:, j]) for j in range(pts.shape[1])]
    if int(np.prod([a.size for a in axes])) != pts.shape[0] or any(a.size < 16 for a in axes):
        return None
    h = np.array([a[1] - a[0] for a in axes])
    box = Box(
        [a[0] for a in axes],
        [a[0] + a.size * hj for a, hj in zip(axes, h, strict=True)],
        [a.size for a in axes],
    )
    if box.n != tuple(a.size for a in axes) or not np.allclose(
        box.points, pts, rtol=0, atol=1e-9 * float(np.max(h))
    ):
        return None
    return box, h


def refinements_needed(seen: list[tuple[int, float]], limit: float, most: int = 3) -> int:
    """How many 1.3x refinements should bring a spectral tail below ``limit``, from the last two
    ``(points, tail)`` seen: the tail of an analytic function falls exponentially with the
    number of points, so ``log tail`` is extrapolated linearly to a third of ``limit`` (a
    margin); 1 with fewer than two or a tail that did not fall, at most ``most`` (measured: a
    tanh error on a bimodal mixture, tails 1.7e-7 and 5.2e-9 on 150 and 196 points predict 293
    for 1e-11; 330 gives 3.4e-13, and the solve on 254 is skipped)."""
    if len(seen) < 2:
        return 1
    (n0, t0), (n1, t1) = seen[-2:]
    if not (0.0 < t1 < t0) or n1 <= n0:
        return 1
    need = n1 + np.log(limit / (3.0 * t1)) / (np.log(t1 / t0) / (n1 - n0))
    steps = int(np.ceil(np.log(max(need, n1) / n1) / np.log(1.3)))
    return int(min(max(steps, 1), most))
