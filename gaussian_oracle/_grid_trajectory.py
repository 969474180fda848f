"""The grid recursion as a :class:`Trajectory` (used by :func:`run_recursion`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._divergence import chi2
from ._errors import OracleDomainError
from ._grid_recursion import grid_recursion
from ._law_tools import as_mixture, check_law
from ._laws import Law
from ._trajectory import Trajectory

__all__ = ["grid_trajectory"]


def grid_trajectory(
    data: Law,
    alpha: float,
    learners: list[Any],
    diffusion: Diffusion,
    p_hat_0: Law | None,
    gen: np.random.Generator,
    todo: frozenset[str],
    n_samples: int,
    grid: tuple[int | None, float | None] = (None, None),
) -> Trajectory:
    """The recursion by :func:`grid_recursion`, as a :class:`Trajectory` (laws: GridLaws)."""
    p = as_mixture(data)
    start = p if p_hat_0 is None else as_mixture(check_law("p_hat_0", p_hat_0))
    if start.dim != p.dim:
        raise OracleDomainError(f"p_hat_0 has dimension {start.dim}; data has dimension {p.dim}")
    laws, seqs, box = grid_recursion(
        p,
        alpha=alpha,
        learners=learners,
        diffusion=diffusion,
        p_hat_0=start,
        rng=gen,
        points=grid[0],
        rtol=grid[1],
    )
    d0 = chi2(start, data, rng=np.random.default_rng(0), n_samples=n_samples)

    def kept(name: str) -> tuple[Any, ...]:
        return seqs[name] if name in todo else ()

    return Trajectory(
        alpha,
        diffusion,
        tuple(x.config() for x in learners),
        data,
        laws,
        (d0, *seqs["D"]),
        kept("I"),
        kept("I_ideal"),
        kept("J"),
        seqs["refreshed"],
        kept("eps_star2"),
        kept("eta"),
        settings={
            "engine": "grid",
            "box": {"lower": box.lower.tolist(), "upper": box.upper.tolist(), "n": list(box.n)},
            "n_samples": n_samples,
            "compute": [c for c in ("I", "I_ideal", "J", "eps_star2", "eta") if c in todo],
        },
    )
