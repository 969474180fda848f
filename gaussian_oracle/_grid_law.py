"""A density on a periodic grid in dimension 1 or 2: :class:`GridLaw` (THEORY.md §6b).

The grid engine's endpoint laws. Values are point values of a smooth density on a
:class:`Box` that holds all of its mass but round-off; integrals use the periodic trapezoid
rule (spectrally accurate for such densities), derivatives and the OU transition use Fourier
series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.interpolate import RegularGridInterpolator
from scipy.signal import resample

from ._errors import OracleDomainError, OracleShapeError
from ._estimate import Estimate
from ._fourier_ou import ou_apply
from ._grid import Box
from ._validation import FloatArray, check_positive_int, check_rng, check_scalar

__all__ = ["GridLaw"]

#: |mass - 1| accepted (then renormalised): a grid density holds all but round-off
MASS_TOL = 1e-9
#: negative values down to this fraction of the peak are round-off (set to 0); below, an error
NEGATIVE_TOL = 1e-9
#: relative density below which a ratio of two grid densities is not resolved (FFT round-off
#: leaves ~1e-16 of the peak everywhere)
RATIO_FLOOR = 1e-13
_ORDERS = {1: "linear", 3: "cubic", 5: "quintic"}


@dataclass(frozen=True, slots=True, eq=False, init=False)
class GridLaw:
    """A probability density given by its values on a :class:`Box` (d = 1 or 2).

    Parameters
    ----------
    box : Box
    values : array_like, shape ``box.shape``
        Finite, non-negative up to round-off (``>= -1e-9`` of the peak; set to 0), mass 1
        within ``1e-9`` by the trapezoid rule (then renormalised exactly).

    Examples
    --------
    >>> b = Box([-10.0], [10.0], [128])
    >>> law = GridLaw(b, np.exp(-0.5 * b.axes[0] ** 2) / np.sqrt(2 * np.pi))
    >>> round(float(law.mean[0]), 12), round(float(law.cov[0, 0]), 12)
    (0.0, 1.0)
    >>> round(float(law.pdf(np.array([[0.5]]))[0]), 6)    # cubic interpolation
    0.352065
    """

    box: Box
    values: FloatArray

    def __init__(self, box: Box, values: Any) -> None:
        if not isinstance(box, Box):
            raise OracleDomainError(f"box={box!r} must be a Box")
        v = np.array(values, dtype=np.float64)
        if v.shape != box.shape:
            raise OracleShapeError(f"values have shape {v.shape}; the box has {box.shape}")
        if not np.all(np.isfinite(v)):
            raise OracleDomainError("values must be finite (found NaN or inf)")
        peak = float(np.max(v))
        if peak <= 0.0 or float(np.min(v)) < -NEGATIVE_TOL * peak:
            raise OracleDomainError(
                f"values must be non-negative (min {float(np.min(v)):.3g}, peak {peak:.3g}; "
                f"round-off down to -{NEGATIVE_TOL:g} of the peak is allowed)"
            )
        v = np.maximum(v, 0.0)
        mass = float(box.integrate(v))
        if abs(mass - 1.0) > MASS_TOL:
            raise OracleDomainError(f"values have mass {mass!r}; it must be 1 within {MASS_TOL:g}")
        if abs(mass - 1.0) > 1e-15:  # idempotent: a normalised law reloads bit for bit
            v /= mass
        v.setflags(write=False)
        object.__setattr__(self, "box", box)
        object.__setattr__(self, "values", v)

    def __reduce__(self) -> Any:
        return (GridLaw, (self.box, self.values))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, GridLaw)
            and self.box == other.box
            and np.array_equal(self.values, other.values)
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def dim(self) -> int:
        return self.box.dim

    @property
    def mean(self) -> FloatArray:
        pts = self.box.points
        return pts.T @ self.values.ravel() * self.box.cell

    @property
    def cov(self) -> FloatArray:
        c = self.box.points - self.mean
        return (c.T * self.values.ravel()) @ c * self.box.cell

    def pdf(self, x: Any, *, order: int = 3) -> FloatArray:
        """Density at points ``x`` of shape ``(n, d)`` by spline interpolation of ``order``
        (1, 3 or 5; error ``O(h^(order+1))``), 0 outside the box, never negative."""
        if order not in _ORDERS:
            raise OracleDomainError(f"order={order!r} must be 1, 3 or 5")
        pts = np.asarray(x, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != self.dim:
            raise OracleShapeError(f"x has shape {pts.shape}; it must be (n, {self.dim})")
        axes = [np.append(a, hi) for a, hi in zip(self.box.axes, self.box.upper, strict=True)]
        vals = np.pad(self.values, [(0, 1)] * self.dim, mode="wrap")  # periodic closure
        interp = RegularGridInterpolator(
            axes, vals, method=_ORDERS[order], bounds_error=False, fill_value=0.0
        )
        return np.maximum(interp(pts), 0.0)

    def logpdf(self, x: Any, *, order: int = 3) -> FloatArray:
        """``log pdf`` (``-inf`` where the interpolated density is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x, order=order))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``n`` draws of the histogram of the grid values (a cell by its mass, then uniform
        in the cell): exact mean, covariance larger by ``h^2 / 12`` per axis."""
        n = check_positive_int("n", n)
        rng = check_rng("rng", rng)
        p = self.values.ravel() / np.sum(self.values)
        cells = rng.choice(p.size, size=n, p=p)
        h = self.box.spacing
        return self.box.points[cells] + (rng.random((n, self.dim)) - 0.5) * h

    def ou_transition(self, t: float) -> GridLaw:
        """``P_t`` of this law on the same box, by its Fourier transform at the contracted
        frequencies (a chirp-z transform, :mod:`._fourier_ou`; exact for the band-limited grid
        function; the box must hold ``P_t`` of the law too)."""
        t = check_scalar("t", t, low=0.0)
        if t == 0.0:
            return self
        out = ou_apply(self.box, np.asarray(self.values), t)
        peak = float(np.max(out))
        return GridLaw(self.box, np.where(out < 1e-15 * peak, np.maximum(out, 0.0), out))

    def resampled(self, box: Box) -> GridLaw:
        """This law on ``box`` (same bounds, any number of points) by trigonometric
        interpolation (``scipy.signal.resample``): exact for the band-limited grid function."""
        if not (
            np.array_equal(box.lower, self.box.lower) and np.array_equal(box.upper, self.box.upper)
        ):
            raise OracleDomainError(
                f"resampled needs a box with the same bounds {self.box.lower.tolist()}.."
                f"{self.box.upper.tolist()}; got {box.lower.tolist()}..{box.upper.tolist()}"
            )
        out = np.asarray(self.values)
        for axis, m in enumerate(box.n):
            if m != out.shape[axis]:
                out = resample(out, m, axis=axis)
        peak = float(np.max(out))
        return GridLaw(box, np.where(out < 1e-15 * peak, np.maximum(out, 0.0), out))

    def _ratio(self, other: Any, integrand: Any, what: str) -> Estimate:
        q = other.values if isinstance(other, GridLaw) else _density_on(other, self.box)
        if isinstance(other, GridLaw) and other.box is not self.box:
            if not (np.array_equal(other.box.lower, self.box.lower) and other.box.n == self.box.n):
                raise OracleDomainError("both GridLaws must live on the same box")
        p = np.asarray(self.values)
        trusted = q > RATIO_FLOOR * float(np.max(q))
        vals = np.where(trusted, integrand(p, np.where(trusted, q, 1.0)), 0.0)
        value = float(self.box.integrate(vals))
        lost = float(self.box.integrate(np.where(trusted, 0.0, p)))
        edge = _edge_mass(self.box, np.abs(vals))
        # the integrand left out where the reference is below the floor: estimated, as at the
        # box's edge, by its size on the two trusted cells next to that region
        floor_edge = float(
            self.box.integrate(np.where(trusted & _near(~trusted, 2), np.abs(vals), 0.0))
        )
        err = edge + floor_edge + 1e-14 * abs(value) + (np.inf if lost > 1e-10 else 0.0)
        why = f"periodic trapezoid on {self.box.n} points"
        if lost > 1e-10:
            why += f"; {what} not resolved: mass {lost:.2g} where the reference is below round-off"
        return Estimate(value, err, "grid", why)

    def chi2(self, other: Any) -> Estimate:
        """``chi2(self || other)`` by quadrature on the grid (``other``: GridLaw on the same
        box, Gaussian or mixture), with its error estimate (the integrand's size at the edge
        of the box, round-off; ``inf`` when the ratio is not resolved)."""
        return self._ratio(other, lambda p, q: (p - q) ** 2 / q, "chi2")

    def kl(self, other: Any) -> Estimate:
        """``KL(self || other)`` by quadrature on the grid (as :meth:`chi2`)."""

        def f(p: FloatArray, q: FloatArray) -> FloatArray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(p > 0.0, p * np.log(np.where(p > 0, p, 1.0) / q), 0.0) - p + q

        return self._ratio(other, f, "KL")


def _density_on(law: Any, box: Box) -> FloatArray:
    from ._law_tools import check_law

    law = check_law("other", law)
    if law.dim != box.dim:
        raise OracleShapeError(f"other has dimension {law.dim}; the grid has {box.dim}")
    return np.exp(law.logpdf(box.points)).reshape(box.shape)


def _near(mask: Any, width: int) -> Any:
    """Cells within ``width`` cells of ``mask`` along some axis (the box is periodic)."""
    out = np.zeros_like(mask)
    for axis in range(mask.ndim):
        for shift in range(1, width + 1):
            out |= np.roll(mask, shift, axis) | np.roll(mask, -shift, axis)
    return out


def _edge_cells(box: Box, width: int = 2) -> Any:
    """Mask of the outer ``width`` cells of every axis."""
    mask = np.zeros(box.shape, dtype=bool)
    for j in range(box.dim):
        idx: list[Any] = [slice(None)] * box.dim
        idx[j] = np.r_[0:width, box.n[j] - width : box.n[j]]
        mask[tuple(idx)] = True
    return mask


def _edge_mass(box: Box, f: FloatArray, width: int = 2) -> float:
    """Integral of ``|f|`` over the outer ``width`` cells of every axis (a tail indicator)."""
    return float(box.integrate(np.where(_edge_cells(box, width), f, 0.0)))
