"""Quadratures shared by the grid engine and the grid recursion (THEORY.md §6b): ratio
integrals ``int f^2 / ref`` where ``ref`` is above round-off, and the coarse/fine error rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import binary_dilation

from ._estimate import Estimate
from ._grid import Box, spectral_tail

__all__ = [
    "TAIL_FACTOR",
    "TRUST_FLOOR",
    "grid_noise",
    "masked_ratio",
    "refined_estimate",
    "unseen_tail",
]

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
) -> tuple[float, float, float]:
    """``int f^2 / ref`` where ``ref`` is trusted (above ``floor`` of its peak, or where the
    mask ``beyond`` says so), the integrand's weight on the band of two cells next to where it
    is not (a tail indicator: the part beyond is not seen), and the band's least distance from
    the box's centre (``inf`` without a band)."""
    ok = _trusted(ref, floor) if beyond is None else _trusted(ref, floor) | beyond
    g = np.where(ok, f**2 / np.where(ok, ref, 1.0), 0.0)
    band = ok & binary_dilation(~ok, iterations=2)
    dist = np.linalg.norm(box.points - 0.5 * (box.lower + box.upper), axis=-1).reshape(box.shape)
    radius = float(np.min(dist[band])) if np.any(band) else float("inf")
    return float(box.integrate(g)), float(box.integrate(np.where(band, g, 0.0))), radius


def unseen_tail(box: Box, band: float, radius: float, phi: float) -> float:
    """Bound on a ratio integral beyond its trusted region when its integrand decays at least
    like ``exp(-phi r^2 / 2)`` outward (``phi``: the tail precision of the finiteness rule,
    :func:`chi2_tail_check`) and the region is at least ``radius`` from its centre: per unit
    length of the boundary the integrand is ``band / (2 h)`` (``band``: its weight on two cells
    of spacing ``h``), and beyond it integrates to at most ``sqrt(pi / (2 phi))`` times that,
    plus ``1 / (phi radius)`` in 2-D (the boundary grows outward). ``TAIL_FACTOR`` times the
    band assumes a fast decay; slow tails need this (measured: a 2-D KDE recursion with 4.5% of
    ``D_1`` where the generated law is below round-off, 0.11 off with 0.096 stated)."""
    if not band > 0.0:
        return 0.0
    h = float(np.min(box.spacing))
    grow = 0.0 if box.dim == 1 else 1.0 / (phi * max(radius, h))
    return band / (2.0 * h) * (float(np.sqrt(np.pi / (2.0 * phi))) + grow)
