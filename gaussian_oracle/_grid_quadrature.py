"""Quadratures shared by the grid engine and the grid recursion (THEORY.md §6b): ratio
integrals ``int f^2 / ref`` where ``ref`` is above round-off, and the coarse/fine error rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import binary_dilation

from ._estimate import Estimate
from ._grid import Box

__all__ = ["TRUST_FLOOR", "masked_ratio", "refined_estimate"]

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


def _trusted(rho0: Any) -> Any:
    return rho0 > TRUST_FLOOR * float(np.max(rho0))


def masked_ratio(box: Box, f: Any, ref: Any) -> tuple[float, float]:
    """``int f^2 / ref`` where ``ref`` is trusted (above :data:`TRUST_FLOOR` of its peak), and
    the integrand's weight on the band of two cells next to where it is not (a tail indicator:
    the part beyond is not seen)."""
    ok = _trusted(ref)
    g = np.where(ok, f**2 / np.where(ok, ref, 1.0), 0.0)
    band = ok & binary_dilation(~ok, iterations=2)
    return float(box.integrate(g)), float(box.integrate(np.where(band, g, 0.0)))
