"""The constant atlas: an adversarial search for the largest constant a statement requires.

The paper's statements carry constants it never gives (``C`` in Prop 3.3, ``c`` in Thm 3.4, ...).
Every check already reports the smallest constant one instance requires (``required``); the
atlas searches a declared family (:class:`verification.Family`: parameter boxes) for the
instance that requires the most, **subject to the statement's hypotheses**: an instance on which
a hypothesis fails (status ``outside``: ``eps_star2 > 1``, A3, ...) requires nothing.

Search (reproducible from ``seed``): :func:`scipy.optimize.differential_evolution` over the
boxes (``Real``: continuous, on the log scale where the box says so; ``Integer``: integers;
``Choice``: the index of a choice), its initial population drawn at random from the boxes,
about 80% of the budget; then an L-BFGS-B polish (bounded, finite-difference gradients) of the
continuous parameters at the best point with the rest, so that a supremum on a box's edge is
reached exactly. Every evaluation is recorded: its value, its ``eps_star2`` and the best value
so far (the convergence trace), so a report can show whether the search settled.

So far (issue 19): the generation statements ``prop-3.3`` (``C``) and ``thm-3.4`` (``c``) on
generation families (the linear engine), the search for infinite chi2 inside ``eps_star2 <= 1``
(:mod:`verification._atlas_a3`), files and figures (:mod:`verification._atlas_files`). Still
to come: the recursion statements (``c1``, ``c2``, ``C_bias`` of Thm 4.2), the grid engine's
families, the executor, a small atlas in ``verify --profile thorough``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._atlas_space import _HUGE, _Space
from ._errors import VerificationError

__all__ = ["ATLAS_CONSTANTS", "ATLAS_FAMILIES", "AtlasResult", "atlas", "variance_family"]

#: the statements with an implicit constant that the atlas searches, and that constant's name
ATLAS_CONSTANTS = {"prop-3.3": "C", "thm-3.4": "c"}


def _raw(statement: str, sol: Any) -> float:
    """The requirement before it is clipped at 0 (negative: the statement holds with room).

    Prop 3.3: ``(eta eps^2 / 4 - chi2) / eps^4``; Thm 3.4: ``(chi2 - 4 eps^2) / eps^4`` (the
    checks report ``max(0, .)``). Unclipped, it still points towards the frontier where every
    instance requires nothing, which a search over ``max(0, .)`` (flat there) would not see.
    """
    e, chi = float(sol.eps_star2), float(sol.chi2.value)
    if e <= 0.0:
        return -math.inf
    if statement == "prop-3.3":
        return (float(sol.eta) * e / 4.0 - chi) / (e * e)
    return (chi - 4.0 * e) / (e * e)


#: share of the budget given to the global search (the rest polishes)
GLOBAL_SHARE = 0.8


@dataclass(frozen=True, eq=False)
class AtlasResult:
    """The largest required constant found, its instance and the search's record.

    Attributes
    ----------
    statement, constant, family : str
    best : float
        The largest required constant found (0 when no evaluated instance requires one).
    params : dict
        The family's parameters of the argmax instance (``family.build(params)`` rebuilds it).
    config : dict
        That instance as an oracle configuration (:func:`verification.instance_to_config`).
    values, inside, eps_star2, trace : ndarray
        Per evaluation: the unclipped requirement (:func:`_raw`; negative: the statement holds
        with room), whether the hypotheses hold (outside them nothing is required),
        ``eps_star2``, and the best requirement so far (``max(0, .)`` over the instances inside).
    outside : int
        Evaluations on which a hypothesis failed.
    """

    statement: str
    constant: str
    family: str
    budget: int
    seed: int
    best: float
    params: dict[str, Any]
    config: dict[str, Any]
    values: np.ndarray
    inside: np.ndarray
    eps_star2: np.ndarray
    trace: np.ndarray
    outside: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def evaluations(self) -> int:
        return int(self.values.size)

    def converged(self, window: float = 0.25) -> bool:
        """Whether the last ``window`` share of the evaluations left the best value unchanged."""
        n = self.evaluations
        if n == 0:
            return False
        return bool(self.trace[-1] == self.trace[int((1.0 - window) * (n - 1))])


def atlas(
    statement: str,
    family: Any,
    *,
    budget: int = 200,
    seed: int = 0,
    fixed: dict[str, Any] | None = None,
    hypotheses: bool = True,
) -> AtlasResult:
    """Search ``family`` for the instance requiring the largest constant of ``statement``.

    Parameters
    ----------
    statement : str
        One of :data:`ATLAS_CONSTANTS`.
    family : Family
        A generation family (:func:`verification._families.generation_family` or your own).
    budget : int, >= 20
        Oracle evaluations in all (global search and polish).
    seed : int
        Seed of the initial population and of the search.
    fixed : dict, optional
        Parameters held at a value (not searched).
    hypotheses : bool
        ``True`` (the statement's meaning): instances outside its hypotheses require nothing.
        ``False`` counts them too (a negative control: the search then finds where the
        statement needs no bound because its hypotheses exclude the instance).

    Examples
    --------
    >>> from verification._families import generation_family
    >>> res = atlas("thm-3.4", generation_family(2), budget=30, seed=1,
    ...             fixed={"init": "exact", "profile": "constant"})
    >>> res.evaluations <= 30 and res.best >= 0.0
    True
    """
    from ._checks import run_check
    from ._config import instance_to_config
    from ._instances import evaluate

    if statement not in ATLAS_CONSTANTS:
        raise VerificationError(
            f"statement={statement!r} must be one of {', '.join(ATLAS_CONSTANTS)}"
        )
    if getattr(family, "kind", None) != "generation":
        raise VerificationError("the atlas searches generation families in this version")
    if not isinstance(budget, int) or budget < 20:
        raise VerificationError(f"budget={budget!r} must be an integer >= 20")
    name = ATLAS_CONSTANTS[statement]
    space = _Space(family, dict(fixed or {}))
    values: list[float] = []
    inside: list[bool] = []
    eps: list[float] = []
    sharp: list[tuple[float, float]] = []
    points: list[dict[str, Any]] = []
    outside = [0]

    def value(x: np.ndarray) -> float:
        if len(values) >= budget:
            return 0.0  # the budget is spent: the optimiser's last calls are not evaluated
        p = space.params(x)
        inst = family.build(p)
        out = run_check(statement, inst).status == "outside"
        outside[0] += out
        sol = evaluate(inst).solution
        v = _raw(statement, sol)
        v = v if not math.isnan(v) else -math.inf
        values.append(v)  # +inf: no constant makes the statement hold
        inside.append(not out)
        eps.append(float(sol.eps_star2))
        sharp.append(_sharp(sol))
        points.append(p)
        if out and hypotheses:  # requires nothing; ranked below every instance inside
            v = min(v, 0.0) - 1.0 - abs(min(v, 0.0))
        return -max(min(v, _HUGE), -_HUGE)  # the optimiser needs finite values

    dims = max(len(space.bounds), 1)
    popsize = max(5, min(15, budget // (10 * dims)))
    maxiter = max(1, int(GLOBAL_SHARE * budget) // (popsize * dims) - 1)
    space.optimise(value, popsize=popsize, maxiter=maxiter, seed=seed,
                   polish=lambda: budget - len(values))  # fmt: skip
    vals = np.array(values)
    mask = np.array(inside) if hypotheses else np.ones(vals.size, dtype=bool)
    ranked = np.where(mask, vals, -np.inf)
    k = int(np.argmax(ranked)) if vals.size else 0
    found = bool(vals.size) and bool(mask[k])
    best_params = points[k] if points else {}
    return AtlasResult(
        statement=statement,
        constant=name,
        family=family.name,
        budget=budget,
        seed=seed,
        best=max(0.0, float(vals[k])) if found else 0.0,
        params=best_params,
        config=instance_to_config(family.build(best_params)) if points else {},
        values=vals,
        inside=np.array(inside, dtype=bool),
        eps_star2=np.array(eps),
        trace=np.maximum.accumulate(np.maximum(ranked, 0.0)) if vals.size else vals,
        outside=outside[0],
        meta={
            "popsize": popsize,
            "maxiter": maxiter,
            "hypotheses": hypotheses,
            "sharp": _extremes(np.array(sharp).reshape(-1, 2), mask),
        },
    )


#: the sharp small-error ratios (THEORY.md §7: as the error vanishes the first tends to 1 and
#: the second to eta, since KL ~ eta eps_star2 / 2 and eps_hat2 ~ eps_star2; Prop 3.1 says <= 1)
SHARP = ("chi2 / (eta eps_star2)", "KL / (eps_hat2 / 2)")


def _sharp(sol: Any) -> tuple[float, float]:
    """The two sharp ratios of :data:`SHARP` on one solution (NaN where undefined)."""
    e, h = float(sol.eps_star2), float(sol.eta)
    chi, kl = float(sol.chi2.value), float(sol.kl.value)
    eh = float(sol.eps_hat2) if sol.eps_hat2 is not None else math.nan
    r1 = chi / (h * e) if h * e > 0 else math.nan
    r2 = kl / (eh / 2) if eh > 0 else math.nan
    return r1, r2


def _extremes(ratios: np.ndarray, mask: np.ndarray) -> dict[str, list[float]]:
    """``[min, max]`` of each sharp ratio over the instances inside the hypotheses (finite
    values only; empty where none)."""
    out: dict[str, list[float]] = {}
    for j, name in enumerate(SHARP):
        v = ratios[mask, j] if ratios.size else np.empty(0)
        v = v[np.isfinite(v)]
        out[name] = [float(v.min()), float(v.max())] if v.size else []
    return out


def variance_family(a_max: float = 0.25) -> Any:
    """A family with a closed-form answer: N(0, 1) data (stationary: ``q_s = N(0, 1)``), the
    error ``e(y) = a y`` with ``a`` up to ``a_max``, exact init, ``T`` in [1, 6], ``t0`` in
    [0.005, 0.1]. The learned variance solves ``S' = (2a - 1) S + 1`` from 1, ``chi2 =
    1/sqrt(S (2 - S)) - 1``, ``eps_star2 = a^2 (T - t0)``; for ``a_max = 0.25`` the largest
    required c of Thm 3.4 is at the corner ``a = 0.25``, ``T - t0 = 5.995`` (5.03290)."""
    from gaussian_oracle import Diffusion, Gaussian

    from ._families import Family, Real
    from ._instances import GenerationInstance

    def build(p: dict[str, Any]) -> Any:
        return GenerationInstance(
            label="variance-error", data=Gaussian(0.0, 1.0), W=np.eye(1), xi=np.zeros(1),
            profile="constant", diffusion=Diffusion(T=p["T"], t0=p["t0"], init="exact"),
            scale=p["scale"],
        )  # fmt: skip

    boxes = (Real("scale", -2.0, math.log10(a_max), log10=True), Real("T", 1.0, 6.0),
             Real("t0", 0.005, 0.1))  # fmt: skip
    return Family("variance-1d", "generation", boxes, build)


def _gaussian_affine() -> Any:
    from ._families import generation_family

    fam = generation_family(5)
    return type(fam)("gaussian-affine", fam.kind, fam.boxes, fam.build)


#: the families ``diffusion-collapse atlas --family`` searches, by name (a factory each)
ATLAS_FAMILIES = {"gaussian-affine": _gaussian_affine, "variance-1d": variance_family}
