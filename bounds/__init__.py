"""The statements of Khelifa, Turner & Venkataramanan (ICML 2026) as numeric functions.

Every function broadcasts over NumPy arrays, validates its arguments (a ``ValueError``
subclass naming the parameter, value and condition) and says in its docstring which statement
it implements. Symbolic twins (SymPy) live in :mod:`bounds.symbolic`, imported on demand.
Constants the paper does not give (``C``, ``c``, ``c1``, ``c2``, ``C_bias``) are explicit
keyword inputs.

Per generation
--------------
kl_upper            -- Prop. 3.1: KL <= eps_hat^2 / 2.
chi2_lower          -- Prop. 3.3: chi2 >= eta eps^2 / 4 - C eps^4.
chi2_lower_clean    -- Prop. 3.3, clean form: chi2 >= eta eps^2 / 8 in its regime.
clean_regime        -- whether eps^2 <= min(1, eta / (8 C)).
chi2_upper          -- Thm. 3.4: chi2 <= 4 eps^2 + c eps^4.
chi2_asymptotic     -- ours (THEORY.md §7): chi2 = eta eps^2 (1 + O(eps)).
kl_asymptotic       -- ours (THEORY.md §7): KL = eta eps^2 / 2 (1 + O(eps)).

Across generations
------------------
refresh             -- Lemma F.1: chi2(q_i || p) = (1 - alpha)^2 D_i.
next_lower          -- lower recursion: D_{i+1} >= alpha I_i / 2 - (1 - alpha)^2 D_i.
persistence_floor   -- Prop. 4.1 (ii): floor on limsup D_i.
discounted_sum      -- right side of Thm. 4.2 for every horizon, O(N).
accumulated_upper   -- Thm. 4.2, additive reading, upper bound (c2, C_bias explicit).
accumulated_lower   -- Thm. 4.2, additive reading, lower bound (reconstruction).
literal_constant    -- the constant the literal Thm. 4.2 display would need (it diverges).
sqrt_recursion_step, sqrt_recursion_bounds -- ours (THEORY.md §7): square-root recursion.
memory_length, fixed_point -- 1 / (2 alpha) and k / (alpha (2 - alpha)).

Early stopping alone (derived in this project, THEORY.md §8; consistent with [KTV26b])
--------------------------------------------------------------------------------------
hermite_gain        -- g_n = alpha lambda_n / (1 - (1 - alpha) lambda_n): c_n(p_inf) = g_n c_n(p).
mode_contraction    -- (1 - alpha) lambda_n, each mode's rate towards the limit law.
mode_errors         -- c_n(p_hat_k) - c_n(p) under any truncation schedule t0^(k).
w2_contraction, w2_ball -- kappa = e^{-t0/2} sqrt(1 - alpha) and the W2 ball around p_inf.
tv_contraction      -- (1 - alpha)^i (TV contraction; truncation weight of the limit law).

Regimes and schedules
---------------------
classify_regime, Regime, REGIMES -- THEORY.md §5.
ConstantSchedule, GeometricSchedule, PowerLawSchedule, ArraySchedule, as_schedule.

Errors
------
BoundsValueError (base), DomainError, ShapeError, AssumptionError.
"""

from ._accumulated import accumulated_lower, accumulated_upper, discounted_sum, literal_constant
from ._errors import AssumptionError, BoundsValueError, DomainError, ShapeError
from ._intra import (
    chi2_asymptotic,
    chi2_lower,
    chi2_lower_clean,
    chi2_upper,
    clean_regime,
    kl_asymptotic,
    kl_upper,
)
from ._limit import (
    hermite_gain,
    mode_contraction,
    mode_errors,
    tv_contraction,
    w2_ball,
    w2_contraction,
)
from ._recursion import fixed_point, memory_length, next_lower, persistence_floor, refresh
from ._regimes import REGIMES, Regime, classify_regime
from ._schedules import (
    ArraySchedule,
    ConstantSchedule,
    GeometricSchedule,
    PowerLawSchedule,
    Schedule,
    as_schedule,
)
from ._sqrt_recursion import sqrt_recursion_bounds, sqrt_recursion_step

__all__ = [
    "REGIMES",
    "ArraySchedule",
    "AssumptionError",
    "BoundsValueError",
    "ConstantSchedule",
    "DomainError",
    "GeometricSchedule",
    "PowerLawSchedule",
    "Regime",
    "Schedule",
    "ShapeError",
    "accumulated_lower",
    "accumulated_upper",
    "as_schedule",
    "chi2_asymptotic",
    "chi2_lower",
    "chi2_lower_clean",
    "chi2_upper",
    "classify_regime",
    "clean_regime",
    "discounted_sum",
    "fixed_point",
    "hermite_gain",
    "kl_asymptotic",
    "kl_upper",
    "literal_constant",
    "memory_length",
    "mode_contraction",
    "mode_errors",
    "next_lower",
    "persistence_floor",
    "refresh",
    "sqrt_recursion_bounds",
    "sqrt_recursion_step",
    "tv_contraction",
    "w2_ball",
    "w2_contraction",
]
