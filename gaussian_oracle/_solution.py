"""One result type for every one-generation engine: :class:`GenerationSolution`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._estimate import Estimate

__all__ = ["COMPUTE", "GenerationSolution"]

#: what an engine can be asked to compute (``solve_generation(compute=...)``): the score
#: energies, the observability, the endpoint laws and the endpoint divergences
COMPUTE = ("eps_star2", "eta", "eps_hat2", "endpoints", "divergences")


@dataclass(frozen=True, slots=True)
class GenerationSolution:
    """Every quantity of one generation, named after THEORY.md, from whichever engine solved it.

    Attributes
    ----------
    engine : str
        Name of the engine that solved it (see :data:`gaussian_oracle.ENGINES`).
    eps_star2, eta : Estimate or None
        Score energy along the ideal path and observability (THEORY.md §3), each labelled
        exact, estimate (standard error, bias) or lower bound; None when not computed.
    eps_hat2 : Estimate or None
        Score energy along the learned path (None when not computed).
    chi2, kl : Estimate or None
        Learned endpoint against the ideal endpoint (what Prop. 3.1–Thm. 3.4 bound).
    path_kl : Estimate or None
        ``KL(P_hat || P*) = eps_hat2 / 2``.
    learned_endpoint, ideal_endpoint : law or None
        The endpoint laws when the engine knows them exactly (Gaussian or mixture).
    weak_order : float or None
        None for an exact engine; otherwise the engine's weak order in the time step.
    native : object
        The engine's own result (:class:`LinearSolution`, :class:`MonteCarloResult`, ...).
    reason : str
        Why this engine was chosen (the engines that were passed over, and why).
    """

    engine: str
    eps_star2: Estimate | None = None
    eta: Estimate | None = None
    eps_hat2: Estimate | None = None
    chi2: Estimate | None = None
    kl: Estimate | None = None
    path_kl: Estimate | None = None
    learned_endpoint: Any = None
    ideal_endpoint: Any = None
    weak_order: float | None = None
    native: Any = None
    reason: str = ""

    @property
    def exact(self) -> bool:
        """True when every computed quantity is exact."""
        values = (self.eps_star2, self.eta, self.eps_hat2, self.chi2, self.kl, self.path_kl)
        return all(v.exact for v in values if v is not None)
