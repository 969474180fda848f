"""The Monte Carlo engine: Euler–Maruyama for any law and any error field (weak order 1).

Both reverse SDEs are simulated from the same draws (:func:`simulate_reverse`): energies,
endpoint moments and eta by regression, each with one standard error and the Richardson
estimate of its discretisation bias; eta is labelled "estimate" or "lower-bound"
(:mod:`gaussian_oracle._regression`).
"""

from __future__ import annotations

from typing import Any

from ._diffusion import Diffusion
from ._estimate import Estimate
from ._montecarlo import MonteCarloResult, simulate_reverse
from ._solution import GenerationSolution

__all__ = ["MonteCarloEngine", "eta_of"]


def eta_of(mc: MonteCarloResult, how: str) -> Estimate:
    """The regression eta of a Monte Carlo run as a labelled value: ``kind`` is "estimate" or
    "lower-bound" (module :mod:`gaussian_oracle._regression`), ``bias`` the Richardson
    estimate of its discretisation bias."""
    return Estimate(
        float(mc.eta.value),
        float(mc.eta.se),
        "regression",
        f"{how}; {mc.eta.note}",
        mc.n_paths,
        bias=float(mc.eta.bias),
        kind=mc.eta.kind,
    )


def _energy(est: Estimate, why: str, n_paths: int) -> Estimate:
    return Estimate(
        float(est.value), float(est.se), "monte-carlo", why, n_paths, bias=float(est.bias)
    )


class MonteCarloEngine:
    """Any law, any error field, either init: Euler–Maruyama with standard errors and
    Richardson bias estimates (weak order 1)."""

    name = "monte-carlo"
    exact = False
    weak_order: float | None = 1.0

    def supports(
        self, data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0
    ) -> str | None:
        return None if callable(error) else "the error is not a callable (y, s) -> (n, d)"

    def solve(
        self,
        data: Any,
        error: Any,
        diffusion: Diffusion,
        *,
        scale: float = 1.0,
        streams: Any,
        settings: Any,
        **_: Any,
    ) -> GenerationSolution:
        paths, steps = settings.eta_paths, settings.eta_steps
        mc = simulate_reverse(
            data,
            diffusion,
            error,
            n_paths=paths,
            n_steps=steps,
            rng=streams.eta,
            scale=scale,
            progress=settings.progress,
        )
        start = " from N(0, I)" if diffusion.init == "standard" else ""
        why = (
            f"Euler-Maruyama{start}, {paths} paths x {steps} steps; bias is the Richardson "
            "estimate of the discretisation bias"
        )
        return GenerationSolution(
            "monte-carlo",
            _energy(mc.eps_star2, why, paths),
            eta_of(mc, why),
            eps_hat2=_energy(mc.eps_hat2, why, paths),
            weak_order=1.0,
            native=mc,
        )
