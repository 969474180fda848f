"""The exact engines: no score error at all, and the linear-Gaussian engine (THEORY.md §6)."""

from __future__ import annotations

from typing import Any

from ._diffusion import Diffusion
from ._error_fields import Aligned, TimeOnly
from ._errors import OracleDomainError
from ._estimate import Estimate
from ._law_tools import single_gaussian
from ._linear import LinearGaussianOracle
from ._score_errors import AffineError, ScoreDifference
from ._solution import GenerationSolution

__all__ = ["LinearEngine", "ZeroErrorEngine"]

_WHY_LINEAR = "exact linear engine (affine score error between Gaussians)"


class ZeroErrorEngine:
    """A model that learned the training law exactly: ``eps_star2 = 0`` and ``eta = 0`` by
    definition (THEORY.md §3), whatever the law."""

    name = "zero-error"
    exact = True
    weak_order: float | None = None

    def supports(
        self, data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0
    ) -> str | None:
        if isinstance(error, ScoreDifference) and error.zero:
            return None
        return "the error is not known to vanish"

    def solve(self, data: Any, error: Any, diffusion: Diffusion, **_: Any) -> GenerationSolution:
        zero = Estimate(0.0, 0.0, "closed-form", "no score error")
        return GenerationSolution("zero-error", zero, zero)


class LinearEngine:
    """Gaussian data and an affine error: moments, energies, eta and divergences exactly, by
    the moment and sensitivity ODEs of :class:`LinearGaussianOracle`."""

    name = "linear"
    exact = True
    weak_order: float | None = None

    @staticmethod
    def _parts(data: Any, error: Any) -> tuple[Any, AffineError | None]:
        """The data as a Gaussian and the error as an :class:`AffineError` (None where not):
        a :class:`ScoreDifference` of two Gaussians and the affine ready-made fields
        (:class:`Aligned`, :class:`TimeOnly`) say so through their ``affine()``."""
        g = single_gaussian(data)
        if isinstance(error, Aligned):
            affine: Any = error.affine(data.dim)
        elif isinstance(error, ScoreDifference | TimeOnly):
            affine = error.affine()
        else:
            affine = error
        return g, affine if isinstance(affine, AffineError) else None

    def supports(
        self, data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0
    ) -> str | None:
        g, affine = self._parts(data, error)
        if g is None:
            return "the data is not Gaussian"
        if affine is None:
            return "the error is not affine"
        return None

    def solve(
        self, data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0, **_: Any
    ) -> GenerationSolution:
        g, affine = self._parts(data, error)
        if g is None or affine is None:
            raise OracleDomainError(
                f"the linear engine does not support this instance: "
                f"{self.supports(data, error, diffusion)}"
            )
        sol = LinearGaussianOracle(g, diffusion, affine).solve(scale)

        def exact(v: float) -> Estimate:
            return Estimate(v, 0.0, "closed-form", _WHY_LINEAR)

        return GenerationSolution(
            "linear",
            exact(sol.eps_star2),
            exact(sol.eta),
            eps_hat2=exact(sol.eps_hat2),
            chi2=sol.chi2,
            kl=sol.kl,
            path_kl=exact(sol.path_kl),
            learned_endpoint=sol.learned_endpoint,
            ideal_endpoint=sol.ideal_endpoint,
            native=sol,
        )
