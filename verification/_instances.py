"""Oracle instances the checks run on: one generation (linear-Gaussian) and many (recursion).

An instance is a frozen description (JSON-safe through :meth:`describe`) plus the method that
computes its exact quantities. Instances are drawn by the strategies of
:mod:`verification.strategies` or listed by hand in :func:`curated_instances`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gaussian_oracle import (
    AffineError,
    AffinePushforward,
    Diffusion,
    ExactScore,
    Gaussian,
    LinearGaussianOracle,
    LinearSolution,
    PopulationKDE,
    Trajectory,
    run_recursion,
)

from ._errors import VerificationError, integer

FloatArray = NDArray[np.float64]

#: time profiles of an affine error, as a factor g(s) of the forward time s in [t0, T]
PROFILES = ("constant", "noisy", "clean")


def _profile_factor(profile: str, T: float) -> Any:
    if profile == "constant":
        return lambda s: 1.0
    if profile == "noisy":  # large where the noise is large (s near T)
        return lambda s: s / T
    if profile == "clean":  # large near the data (s near t0)
        return lambda s: float(np.exp(-s))
    raise VerificationError(f"profile={profile!r} must be one of {', '.join(PROFILES)}")


@dataclass(frozen=True, eq=False)
class GenerationInstance:
    """One generation: Gaussian data, the affine error ``g(s) (W y + xi)``, a diffusion, a scale.

    Attributes
    ----------
    label : str
        Short name used in reports.
    data : Gaussian
    W, xi : ndarray
        Error direction (``(d, d)`` and ``(d,)``), multiplied by ``scale`` and ``g(s)``.
    profile : {"constant", "noisy", "clean"}
        Time profile ``g``: 1, ``s / T`` or ``exp(-s)``.
    diffusion : Diffusion
    scale : float
        Error multiplier ``eps`` passed to :meth:`LinearGaussianOracle.solve`.
    """

    label: str
    data: Gaussian
    W: FloatArray
    xi: FloatArray
    profile: str
    diffusion: Diffusion
    scale: float

    def error(self) -> AffineError:
        g = _profile_factor(self.profile, self.diffusion.T)
        w, xi = np.array(self.W), np.array(self.xi)
        if self.profile == "constant":
            return AffineError(W=w, xi=xi)
        return AffineError(W=lambda s: g(s) * w, xi=lambda s: g(s) * xi)

    @cached_property
    def oracle(self) -> LinearGaussianOracle:
        return LinearGaussianOracle(self.data, self.diffusion, self.error())

    def solve(self, scale: float | None = None) -> LinearSolution:
        """Exact quantities at ``scale`` (default: the instance's own)."""
        return self.oracle.solve(self.scale if scale is None else scale)

    @cached_property
    def solution(self) -> LinearSolution:
        return self.solve()

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "generation",
            "label": self.label,
            "dim": self.data.dim,
            "data_mean": self.data.mean.tolist(),
            "data_cov": self.data.cov.tolist(),
            "W": np.asarray(self.W).tolist(),
            "xi": np.asarray(self.xi).tolist(),
            "profile": self.profile,
            "T": self.diffusion.T,
            "t0": self.diffusion.t0,
            "init": self.diffusion.init,
            "scale": self.scale,
        }


@dataclass(frozen=True, eq=False)
class RecursionInstance:
    """Many generations: Gaussian data, a learner (or schedule of learners), alpha.

    The trajectory is computed once (:attr:`trajectory`) with ``I_i``, ``eps_star2_i`` and
    ``eta_i``; under exact init its laws and ``D_i`` are exact.
    """

    label: str
    data: Gaussian
    alpha: float
    learners: tuple[Any, ...]
    diffusion: Diffusion
    eta_paths: int = 2000
    eta_steps: int = 100
    seed: int = 0
    notes: str = field(default="")

    @property
    def generations(self) -> int:
        return len(self.learners)

    @cached_property
    def trajectory(self) -> Trajectory:
        return run_recursion(
            self.data,
            alpha=self.alpha,
            learner=list(self.learners),
            diffusion=self.diffusion,
            generations=self.generations,
            rng=np.random.default_rng(self.seed),
            eta_paths=self.eta_paths,
            eta_steps=self.eta_steps,
            n_samples=20_000,
        )

    def describe(self) -> dict[str, Any]:
        names = sorted({repr(x) for x in self.learners})
        return {
            "kind": "recursion",
            "label": self.label,
            "dim": self.data.dim,
            "data_mean": self.data.mean.tolist(),
            "data_cov": self.data.cov.tolist(),
            "alpha": self.alpha,
            "generations": self.generations,
            "learners": names if len(names) <= 3 else [*names[:2], f"... ({len(names)} distinct)"],
            "T": self.diffusion.T,
            "t0": self.diffusion.t0,
            "init": self.diffusion.init,
            "notes": self.notes,
        }


Instance = GenerationInstance | RecursionInstance


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
      decaying bias (summable: the literal Thm 4.2 display fails), and the exact score (early
      stopping only).

    ``generations`` (an integer >= 2) is the length of the recursions: the checks of the
    accumulated statements compare halves and thirds of a run.
    """
    generations = integer("generations", generations, 2)
    exact = Diffusion(T=4.0, t0=0.02, init="exact")
    standard = Diffusion(T=4.0, t0=0.02, init="standard")
    d2 = Gaussian([0.5, -0.3], [[1.2, 0.3], [0.3, 0.7]])
    out: list[Instance] = [
        GenerationInstance(
            "mean-shift", d2, np.zeros((2, 2)), np.array([0.3, 0.0]), "constant", exact, 0.5
        ),
        GenerationInstance(
            "mean-shift-standard",
            d2,
            np.zeros((2, 2)),
            np.array([0.3, 0.0]),
            "constant",
            standard,
            0.5,
        ),
        GenerationInstance(
            "rotation-unobservable",
            Gaussian([0.0, 0.0], np.eye(2)),
            _skew(2),
            np.zeros(2),
            "constant",
            exact,
            0.3,
        ),
        GenerationInstance(
            "large-error",
            d2,
            np.array([[0.4, 0.0], [0.1, -0.3]]),
            np.array([1.0, 0.5]),
            "constant",
            exact,
            2.0,
        ),
        GenerationInstance(
            "noisy-time-error",
            Gaussian(0.0, 0.6),
            np.array([[0.2]]),
            np.array([0.4]),
            "noisy",
            exact,
            0.3,
        ),
    ]
    data1 = Gaussian(0.3, 0.8)
    n = generations
    out += [
        RecursionInstance(
            "constant-bias",
            data1,
            0.3,
            tuple([AffinePushforward(1.0, 0.05)] * n),
            exact,
            notes="non-summable errors: D_i settles at a positive level",
        ),
        RecursionInstance(
            "decaying-bias",
            data1,
            0.3,
            tuple(AffinePushforward(1.0, 0.2 * 0.6**i) for i in range(n)),
            exact,
            notes="summable errors (eps_i^2 ~ 0.36^i): the literal Thm 4.2 display fails",
        ),
        RecursionInstance(
            "kde-smoothing",
            Gaussian(0.0, 1.5),
            0.5,
            tuple([PopulationKDE(0.15)] * n),
            exact,
            notes="a variance error: eps_i^2 bounded below",
        ),
        RecursionInstance(
            "exact-score",
            data1,
            0.3,
            tuple([ExactScore()] * n),
            exact,
            notes="no score error: early stopping alone moves D_i (eps_star2 = 0)",
        ),
    ]
    return out
