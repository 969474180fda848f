"""Hand-picked instances, each showing one behaviour of the theory (the report's first rows)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gaussian_oracle import AffinePushforward, Diffusion, ExactScore, Gaussian, PopulationKDE

from ._errors import integer
from ._instances import FloatArray, GenerationInstance, Instance, RecursionInstance

__all__ = ["curated_instances"]


def _skew(d: int) -> FloatArray:
    w = np.zeros((d, d))
    if d >= 2:
        w[0, 1], w[1, 0] = 0.5, -0.5
    return w


def curated_instances(generations: int = 12) -> list[Instance]:
    """Hand-picked instances that each show one behaviour of the theory.

    * a mean shift (eta near 1: the lower bound is nearly tight), exact and standard init;
    * a rotation of isotropic data (``W`` skew, data ``N(0, I)``): the endpoint does not move,
      ``eta = 0`` exactly and every lower bound is vacuous;
    * a large error (``eps_star2 > 1``): outside the perturbative hypotheses;
    * recursions in d = 1: a constant bias (non-summable errors: a floor), a geometrically
      decaying bias (summable: the literal Thm 4.2 display fails), the exact score (early
      stopping only) and the exact score under an annealed truncation schedule.

    ``generations`` (an integer >= 2) is the length of the recursions: the checks of the
    accumulated statements compare halves and thirds of a run.
    """
    generations = integer("generations", generations, 2)
    exact = Diffusion(T=4.0, t0=0.02, init="exact")
    standard = Diffusion(T=4.0, t0=0.02, init="standard")
    d2 = Gaussian([0.5, -0.3], [[1.2, 0.3], [0.3, 0.7]])

    def gen(
        label: str, data: Gaussian, W: Any, xi: Any, profile: str, diff: Diffusion, scale: float
    ) -> GenerationInstance:
        return GenerationInstance(
            label=label,
            data=data,
            W=np.asarray(W, dtype=float),
            xi=np.asarray(xi, dtype=float),
            profile=profile,
            diffusion=diff,
            scale=scale,
        )

    def rec(
        label: str, data: Gaussian, alpha: float, learners: Any, notes: str, t0: Any = None
    ) -> RecursionInstance:
        return RecursionInstance(
            label=label,
            data=data,
            alpha=alpha,
            learners=tuple(learners),
            diffusion=exact,
            notes=notes,
            t0_schedule=t0,
        )

    out: list[Instance] = [
        gen("mean-shift", d2, np.zeros((2, 2)), [0.3, 0.0], "constant", exact, 0.5),
        gen("mean-shift-standard", d2, np.zeros((2, 2)), [0.3, 0.0], "constant", standard, 0.5),
        gen(
            "rotation-unobservable",
            Gaussian([0.0, 0.0], np.eye(2)),
            _skew(2),
            np.zeros(2),
            "constant",
            exact,
            0.3,
        ),
        gen("large-error", d2, [[0.4, 0.0], [0.1, -0.3]], [1.0, 0.5], "constant", exact, 2.0),
        gen("noisy-time-error", Gaussian(0.0, 0.6), [[0.2]], [0.4], "noisy", exact, 0.3),
    ]
    data1 = Gaussian(0.3, 0.8)
    n = generations
    out += [
        rec(
            "constant-bias",
            data1,
            0.3,
            [AffinePushforward(1.0, 0.05)] * n,
            "non-summable errors: D_i settles at a positive level",
        ),
        rec(
            "decaying-bias",
            data1,
            0.3,
            [AffinePushforward(1.0, 0.2 * 0.6**i) for i in range(n)],
            "summable errors (eps_i^2 ~ 0.36^i): the literal Thm 4.2 display fails",
        ),
        rec(
            "kde-smoothing",
            Gaussian(0.0, 1.5),
            0.5,
            [PopulationKDE(0.15)] * n,
            "a variance error: eps_i^2 bounded below",
        ),
        rec(
            "exact-score",
            data1,
            0.3,
            [ExactScore()] * n,
            "no score error: early stopping alone moves D_i (eps_star2 = 0)",
        ),
        rec(
            "annealed-exact-score",
            data1,
            0.3,
            [ExactScore()] * n,
            "annealed truncation t0^(k) = 0.02 * 0.6^k: D_i -> 0 (THEORY.md §8)",
            t0=tuple(0.02 * 0.6**k for k in range(n)),
        ),
    ]
    return out
