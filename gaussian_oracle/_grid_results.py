"""What a grid solve returns beyond :class:`GenerationSolution`, and the endpoint integrals
read from its fields (private; the engine is :mod:`._engine_grid`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._estimate import Estimate
from ._grid import Box
from ._grid_quadrature import _trusted, masked_ratio
from ._grid_solver import GridRun

__all__ = ["GridSolution"]


@dataclass(frozen=True, slots=True)
class GridSolution:
    """What the grid engine knows beyond :class:`GenerationSolution` (its ``native``).

    Attributes
    ----------
    box : Box
        The finer grid the returned values come from.
    endpoint_fisher : Estimate
        ``eta eps_star2`` at unit scale: ``int u^2 / rho_0`` at the endpoint.
    chi2_training, kl_training : Estimate or None
        The learned endpoint against the training law ``q`` (the paper's ``I_i`` reading).
    rhs_calls : int
        Right-hand-side evaluations of the two integrations together.
    """

    box: Box
    endpoint_fisher: Estimate
    chi2_training: Estimate | None
    kl_training: Estimate | None
    rhs_calls: int


def _ratio2(run: GridRun, f: Any) -> tuple[float, float]:
    value, band, _ = masked_ratio(run.box, f, run.rho0)
    return value, band


def _fisher(run: GridRun) -> tuple[float, float]:
    return _ratio2(run, run.u)


def _chi2(run: GridRun) -> tuple[float, float]:
    """chi2 of the learned against the ideal endpoint, and its tail indicator."""
    return _ratio2(run, run.delta)


def _kl(run: GridRun) -> float:
    ok = _trusted(run.rho0)
    x = np.where(ok, run.delta / np.where(ok, run.rho0, 1.0), 0.0)
    x = np.maximum(x, -1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(x > -1.0, (1.0 + x) * np.log1p(np.maximum(x, -1.0 + 1e-300)) - x, 1.0)
    return float(run.box.integrate(run.rho0 * np.where(ok, g, 0.0)))
