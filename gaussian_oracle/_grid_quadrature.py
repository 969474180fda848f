"""Quadratures shared by the grid engine and the grid recursion (THEORY.md §6b): ratio
integrals ``int f^2 / ref`` where ``ref`` is above round-off, and the coarse/fine error rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import binary_dilation

from ._estimate import Estimate
from ._grid import Box, spectral_tail

__all__ = ["TAIL_FACTOR", "TRUST_FLOOR", "grid_noise", "masked_ratio", "refined_estimate"]

#: the unseen tail of a ratio integral, as a multiple of its weight on the last two trusted
#: cells (a Gaussian-like tail beyond adds less than this; tests check it on heavy tails)
TAIL_FACTOR = 5.0

#: ideal density (relative to its peak) below which ratios u / rho_0, delta / rho_0 are not
#: used: the solver's absolute tolerance and FFT round-off leave ~1e-18 of the peak there
#: (measured on Gaussian-affine instances: 1e-13 cut 2e-11 of eta, 1e-16 cuts < 1e-13)
TRUST_FLOOR = 1e-16


def refined_estimate(
    fine: float, coarse: float, rtol: float, why: str, extra: float = 0.0
) -> Estimate:
    """The finer solve's value; its error the difference from the coarser one, plus the finer
    solve's own time tolerance ``rtol`` (a floor on what it can claim) and ``extra``."""
    return Estimate(fine, abs(fine - coarse) + rtol * abs(fine) + extra, "grid", why)


def grid_noise(box: Box, values: Any, floor: float = 1e-15) -> float:
    """Round-off level of a grid function (absolute), a posteriori: white noise of size ``sigma``
    puts ``~sigma sqrt(N)`` into every Fourier coefficient, so the top of the resolved band
    (:func:`spectral_tail`, relative to the largest coefficient) bounds it; at least ``floor``
    of the peak (FFT round-off). Measured on generated laws: 5e-16 of the peak at tight
    absolute tolerances, 2e-14 .. 7e-14 at ``1e-3 rtol`` with rtol 1e-11."""
    v = np.asarray(values)
    top = float(np.abs(np.sum(v)))  # the zero mode: the largest coefficient of a density
    est = spectral_tail(box, v) * top / np.sqrt(v.size)
    return max(est, floor * float(np.max(np.abs(v))))


def _trusted(rho0: Any, floor: float = TRUST_FLOOR) -> Any:
    return rho0 > floor * float(np.max(rho0))


def masked_ratio(
    box: Box, f: Any, ref: Any, floor: float = TRUST_FLOOR, beyond: Any = None
) -> tuple[float, float]:
    """``int f^2 / ref`` where ``ref`` is trusted (above ``floor`` of its peak, or where the
    mask ``beyond`` says so), and the integrand's weight on the band of two cells next to
    where it is not (a tail indicator: the part beyond is not seen)."""
    ok = _trusted(ref, floor) if beyond is None else _trusted(ref, floor) | beyond
    g = np.where(ok, f**2 / np.where(ok, ref, 1.0), 0.0)
    band = ok & binary_dilation(~ok, iterations=2)
    return float(box.integrate(g)), float(box.integrate(np.where(band, g, 0.0)))
