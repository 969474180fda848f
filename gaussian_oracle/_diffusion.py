"""The diffusion's time grid and initialisation (THEORY.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import OracleDomainError
from ._validation import check_scalar

__all__ = ["Diffusion"]

INITS = ("standard", "exact")


@dataclass(frozen=True, slots=True)
class Diffusion:
    """Horizon, early-stopping time and initialisation of the reverse process.

    Parameters
    ----------
    T : float, > t0
        Horizon of the forward OU process (the paper's experiment: 4).
    t0 : float, in (0, T)
        Early-stopping time: the reverse process runs for reverse time ``T - t0`` and ends at
        forward time ``t0`` (the paper: 0.02).
    init : {"standard", "exact"}
        "standard": both reverse processes start from N(0, I), as in the paper; "exact": they
        start from the forward marginal at ``T``, so the ideal process has exactly the forward
        marginals and ends at ``P_{t0}`` of the data (THEORY.md §1).

    Examples
    --------
    >>> Diffusion().horizon
    3.98
    """

    T: float = 4.0
    t0: float = 0.02
    init: str = "standard"

    def __post_init__(self) -> None:
        T = check_scalar("T", self.T, low=0.0, low_open=True)
        t0 = check_scalar("t0", self.t0, low=0.0, low_open=True)
        if not t0 < T:
            raise OracleDomainError(f"t0={t0!r} must be smaller than T={T!r}")
        if self.init not in INITS:
            raise OracleDomainError(
                f"init={self.init!r} must be one of {', '.join(map(repr, INITS))}"
            )
        object.__setattr__(self, "T", T)
        object.__setattr__(self, "t0", t0)

    @property
    def horizon(self) -> float:
        """Length ``T - t0`` of the reverse-time interval."""
        return self.T - self.t0
