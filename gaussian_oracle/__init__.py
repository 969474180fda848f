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
ScoreDifference     -- score error of a model that learned the law q~ exactly (truth q).
ErrorField          -- any score error: a callable (y, s) -> (n, d).
LinearGaussianOracle, LinearSolution -- moments, energies, eta, chi2 / KL, all exact.
simulate_reverse, MonteCarloResult, McEstimate -- Monte Carlo SDE engine with standard errors,
                       Richardson bias estimates and eta labelled estimate / lower bound.

Beyond the Gaussian-affine case (d = 1, 2; THEORY.md §6b)
--------------------------------------------------------
GridOracle, GridSolution -- Fokker–Planck and tangent equations on a grid: every quantity of
                       one generation for any error field and any mixture, with its error.
GridLaw, Box, box_for -- densities on a periodic grid (pdf, moments, sampling, P_t, chi2, KL).
Aligned, TimeOnly, Tanh, RotatedScore, random_direction, kde_error -- ready-made error fields.
helmholtz_split, GradientPart, split_energies, affine_gradient_part -- the part of an error
                       that moves mass (weighted Helmholtz split; the endpoint sees only it).
GradientTable -- GradientPart tabulated in time (Chebyshev), fast enough for GridOracle.

Engines (one protocol)
----------------------
solve_generation    -- one generation by the most exact engine that supports it ("auto").
GenerationSolution  -- what every engine returns (eps_star2, eta, chi2, kl, endpoints, ...).
Engine, ENGINES, register_engine, unregister_engine, supporting_engines -- the registry:
                       zero-error, linear, law-map, grid, monte-carlo.
Settings, Streams, COMPUTE -- sizes, random streams and what to compute.

Many generations
----------------
ExactScore, PopulationKDE, AffinePushforward, FiniteSampleRefit, FiniteSampleKDE -- learners.
Learner, LEARNERS, register_learner, learner_from_config -- the learner protocol and registry.
run_recursion, Trajectory -- the fresh-data recursion: laws, D_i, I_i against the training law
                       and the ideal endpoint, J_i, Lemma F.1, labelled eta_i; save / load.
standard_init_endpoint -- closed-form endpoint of the exact-score reverse SDE from N(0, I).
limit_law, LimitLaw -- the fixed point of the exact-score recursion under early stopping, as a
    truncated Gaussian mixture, with chi2 against the data of the untruncated law (THEORY.md
    §8: derived in this project, consistent with the abstract of arXiv:2606.13796).
simulate_protocol, ProtocolRun, paper_data -- the paper's GMM experiment run literally (KDE of N
    samples, N(0, I) start, Euler–Maruyama) with each idealisation switched on or off, on NumPy
    or, with the [gpu] extra, torch / CuPy; per generation moments, modes, W2 of the Gaussian
    fit and the paper's eps_star2 / eta estimators next to the oracle's exact values.
protocol_gaps, ProtocolGaps -- the chain exact closure -> + finite samples -> + standard init
    -> + discretisation, each step's change with its Monte Carlo error.
hermite_coefficients -- c_n of a Gaussian, mixture (closed form, any d) or grid law (quadrature)
    against N(0, I), every multi-index up to a maximal order.

Divergences
-----------
chi2, kl            -- chi-square and KL, returned as :class:`Estimate` (value, error, method).
w2                  -- Wasserstein-2 (Bures) distance between Gaussians.
wasserstein2, tv    -- W2 (Bures; the monotone map for 1-D mixtures and grid laws) and TV
                       (exact CDFs between sign changes in 1-D, Monte Carlo above), as Estimates.
chi2_tail_check     -- the exact finiteness rule for chi-square (see its module docstring).
Estimate, Method, Kind -- every value with an error: exact, an estimate (s.e., bias) or a
                       lower bound, and how it was obtained (``Divergence`` is the same type).
TailCheck           -- the tail rule's verdict.

Errors
------
OracleValueError    -- base of all invalid-argument errors (a ``ValueError``).
OracleDomainError, OracleShapeError, NotPositiveDefiniteError, FinitenessUndecidedError.
"""

from ._diffusion import Diffusion
from ._distances import tv, wasserstein2
from ._divergence import Divergence, chi2, kl, w2
from ._engine_grid import GridOracle, GridSolution
from ._engines import (
    ENGINES,
    Engine,
    Settings,
    Streams,
    register_engine,
    solve_generation,
    supporting_engines,
    unregister_engine,
)
from ._error_fields import Aligned, RotatedScore, Tanh, TimeOnly, kde_error, random_direction
from ._errors import (
    FinitenessUndecidedError,
    NotPositiveDefiniteError,
    OracleDomainError,
    OracleShapeError,
    OracleValueError,
)
from ._estimate import Estimate, Kind, Method
from ._grid import Box, box_for
from ._grid_law import GridLaw
from ._helmholtz import (
    GradientPart,
    HelmholtzSplit,
    affine_gradient_part,
    helmholtz_split,
    split_energies,
)
from ._helmholtz_table import GradientTable
from ._hermite import HermiteCoefficients, hermite_coefficients
from ._law_tools import as_mixture
from ._laws import Gaussian, GaussianMixture, Law
from ._learners import (
    LEARNERS,
    AffinePushforward,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    Learner,
    PopulationKDE,
    learner_from_config,
    register_learner,
)
from ._limit_law import LimitLaw, limit_law
from ._linear import LinearGaussianOracle, LinearSolution
from ._montecarlo import McEstimate, MonteCarloResult, simulate_reverse
from ._operations import convolve, mix, ou_transition, push_forward
from ._protocol import ProtocolRun, paper_data, simulate_protocol
from ._protocol_gaps import ProtocolGaps, protocol_gaps
from ._recursion import RECURSION_COMPUTE, run_recursion
from ._score import score
from ._score_errors import AffineError, ErrorField, ScoreDifference
from ._solution import COMPUTE, GenerationSolution
from ._standard_init import standard_init_endpoint
from ._tails import TAIL_RTOL, TailCheck, chi2_tail_check
from ._trajectory import Trajectory
from ._validation import PD_RTOL, SYMMETRY_RTOL, WEIGHT_SUM_ATOL

__all__ = [
    "COMPUTE",
    "ENGINES",
    "LEARNERS",
    "PD_RTOL",
    "RECURSION_COMPUTE",
    "SYMMETRY_RTOL",
    "TAIL_RTOL",
    "WEIGHT_SUM_ATOL",
    "AffineError",
    "AffinePushforward",
    "Aligned",
    "Box",
    "Diffusion",
    "Divergence",
    "Engine",
    "ErrorField",
    "Estimate",
    "ExactScore",
    "FiniteSampleKDE",
    "FiniteSampleRefit",
    "FinitenessUndecidedError",
    "Gaussian",
    "GaussianMixture",
    "GenerationSolution",
    "GradientPart",
    "GradientTable",
    "GridLaw",
    "GridOracle",
    "GridSolution",
    "HelmholtzSplit",
    "HermiteCoefficients",
    "Kind",
    "Law",
    "Learner",
    "LimitLaw",
    "LinearGaussianOracle",
    "LinearSolution",
    "McEstimate",
    "Method",
    "MonteCarloResult",
    "NotPositiveDefiniteError",
    "OracleDomainError",
    "OracleShapeError",
    "OracleValueError",
    "PopulationKDE",
    "ProtocolGaps",
    "ProtocolRun",
    "RotatedScore",
    "ScoreDifference",
    "Settings",
    "Streams",
    "TailCheck",
    "Tanh",
    "TimeOnly",
    "Trajectory",
    "affine_gradient_part",
    "as_mixture",
    "box_for",
    "chi2",
    "chi2_tail_check",
    "convolve",
    "helmholtz_split",
    "hermite_coefficients",
    "kde_error",
    "kl",
    "learner_from_config",
    "limit_law",
    "mix",
    "ou_transition",
    "paper_data",
    "protocol_gaps",
    "push_forward",
    "random_direction",
    "register_engine",
    "register_learner",
    "run_recursion",
    "score",
    "simulate_protocol",
    "simulate_reverse",
    "solve_generation",
    "split_energies",
    "standard_init_endpoint",
    "supporting_engines",
    "tv",
    "unregister_engine",
    "w2",
    "wasserstein2",
]

#: names of version 0.1 that now carry the package, kept resolvable for one release
_DEPRECATED = {"DomainError": "OracleDomainError", "ShapeError": "OracleShapeError"}


def __getattr__(name: str) -> type:
    if name in _DEPRECATED:
        import warnings

        new = _DEPRECATED[name]
        warnings.warn(
            f"gaussian_oracle.{name} is now gaussian_oracle.{new} (bounds.{name} is a "
            "different class); the old name will be removed",
            DeprecationWarning,
            stacklevel=2,
        )
        return globals()[new]
    raise AttributeError(f"module 'gaussian_oracle' has no attribute {name!r}")
