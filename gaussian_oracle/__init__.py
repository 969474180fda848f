"""Exact Gaussian / Gaussian-mixture laws, the OU forward process, scores and divergences.

The oracle of diffusion-collapse: every quantity of the theory (THEORY.md) is known in closed
form or to quadrature accuracy here, never estimated without an error bar.

Laws
----
Gaussian            -- frozen, validated :math:`N(m, S)`.
GaussianMixture     -- frozen, validated mixture whose components carry an age.
as_mixture          -- view any law as a mixture.

Operations (mixtures to mixtures)
---------------------------------
ou_transition       -- the OU transition :math:`P_t` of the forward process.
convolve            -- smoothing by :math:`N(0, h^2 I)` (population KDE).
push_forward        -- image under :math:`x \\mapsto A x + b`.
mix                 -- fresh-data mixing :math:`\\alpha p + (1 - \\alpha) q`.
score               -- exact score of :math:`P_t(\\mathrm{law})`.

One generation, exactly (Gaussian data, affine error)
----------------------------------------------------
Diffusion           -- horizon T, early stopping t0, init "standard" | "exact".
AffineError         -- score error e(y, s) = W(s) y + xi(s).
LinearGaussianOracle, LinearSolution -- moments, energies, eta, chi2 / KL, all exact.
simulate_reverse, MonteCarloResult, McEstimate -- Monte Carlo SDE engine with standard errors,
                       Richardson bias estimates and eta labelled estimate / lower bound.

Many generations
----------------
ExactScore, PopulationKDE, AffinePushforward, FiniteSampleRefit, FiniteSampleKDE -- learners.
run_recursion, Trajectory -- the fresh-data recursion: laws, D_i, I_i against the training law
                       and the ideal endpoint, J_i, Lemma F.1, labelled eta_i; save / load.
standard_init_endpoint -- closed-form endpoint of the exact-score reverse SDE from N(0, I).

Divergences
-----------
chi2, kl            -- chi-square and KL, returned as :class:`Divergence` (value, error, method).
w2                  -- Wasserstein-2 (Bures) distance between Gaussians.
chi2_tail_check     -- the exact finiteness rule for chi-square (see its module docstring).
Divergence, TailCheck -- result types.

Errors
------
OracleValueError    -- base of all invalid-argument errors (a ``ValueError``).
DomainError, ShapeError, NotPositiveDefiniteError, FinitenessUndecidedError.
"""

from ._diffusion import AffineError, Diffusion
from ._divergence import Divergence, chi2, kl, w2
from ._errors import (
    DomainError,
    FinitenessUndecidedError,
    NotPositiveDefiniteError,
    OracleValueError,
    ShapeError,
)
from ._laws import Gaussian, GaussianMixture, Law, as_mixture
from ._learners import (
    AffinePushforward,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    PopulationKDE,
)
from ._linear import LinearGaussianOracle, LinearSolution
from ._montecarlo import McEstimate, MonteCarloResult, simulate_reverse
from ._operations import convolve, mix, ou_transition, push_forward
from ._recursion import run_recursion, standard_init_endpoint
from ._score import score
from ._tails import TAIL_RTOL, TailCheck, chi2_tail_check
from ._trajectory import Trajectory
from ._validation import PD_RTOL, SYMMETRY_RTOL, WEIGHT_SUM_ATOL

__all__ = [
    "PD_RTOL",
    "SYMMETRY_RTOL",
    "TAIL_RTOL",
    "WEIGHT_SUM_ATOL",
    "AffineError",
    "AffinePushforward",
    "Diffusion",
    "Divergence",
    "DomainError",
    "ExactScore",
    "FiniteSampleKDE",
    "FiniteSampleRefit",
    "FinitenessUndecidedError",
    "Gaussian",
    "GaussianMixture",
    "Law",
    "LinearGaussianOracle",
    "LinearSolution",
    "McEstimate",
    "MonteCarloResult",
    "NotPositiveDefiniteError",
    "OracleValueError",
    "PopulationKDE",
    "ShapeError",
    "TailCheck",
    "Trajectory",
    "as_mixture",
    "chi2",
    "chi2_tail_check",
    "convolve",
    "kl",
    "mix",
    "ou_transition",
    "push_forward",
    "run_recursion",
    "score",
    "simulate_reverse",
    "standard_init_endpoint",
    "w2",
]
