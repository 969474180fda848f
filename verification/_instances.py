"""Oracle instances the checks run on: one generation (linear-Gaussian) and many (recursion).

An instance is pure data: frozen, keyword-only, picklable, JSON-safe through :meth:`describe`.
:func:`evaluate` calls the oracle once per instance and returns an :class:`Evaluation` (the
exact solution, or the trajectory) that the checks read; the evaluation of an instance is
remembered while the instance lives, so every check of one instance shares one oracle call.
Instances are drawn from the declared families of :mod:`verification._families` or listed by
hand in :func:`verification._curated.curated_instances`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gaussian_oracle import (
    AffineError,
    Diffusion,
    Gaussian,
    GaussianMixture,
    LinearGaussianOracle,
    LinearSolution,
    Trajectory,
    run_recursion,
)

from ._errors import VerificationError

FloatArray = NDArray[np.float64]

#: time profiles of an affine error, as a factor g(s) of the forward time s in [t0, T]
PROFILES = ("constant", "noisy", "clean")


def _profile_factor(profile: str, s: float, T: float) -> float:
    if profile == "constant":
        return 1.0
    if profile == "noisy":  # large where the noise is large (s near T)
        return s / T
    if profile == "clean":  # large near the data (s near t0)
        return float(np.exp(-s))
    raise VerificationError(f"profile={profile!r} must be one of {', '.join(PROFILES)}")


@dataclass(frozen=True, eq=False)
class Profiled:
    """``s -> g(s) * array``: a time profile ``g`` of :data:`PROFILES` times a fixed array (a
    picklable stand-in for a closure)."""

    profile: str
    T: float
    array: FloatArray

    def __post_init__(self) -> None:
        _profile_factor(self.profile, self.T, self.T)  # validates the name

    def __call__(self, s: float) -> FloatArray:
        return _profile_factor(self.profile, s, self.T) * self.array


@dataclass(frozen=True, eq=False, kw_only=True)
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
        """The error field ``g(s) (W y + xi)`` (picklable)."""
        w, xi = np.array(self.W), np.array(self.xi)
        if self.profile == "constant":
            return AffineError(W=w, xi=xi)
        T = self.diffusion.T
        return AffineError(W=Profiled(self.profile, T, w), xi=Profiled(self.profile, T, xi))

    @property
    def solution(self) -> LinearSolution:
        """The exact solution at the instance's scale (``evaluate(self).solution``)."""
        return evaluate(self).solution

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


@dataclass(frozen=True, eq=False, kw_only=True)
class RecursionInstance:
    """Many generations: Gaussian data, a learner (or schedule of learners), alpha.

    :func:`evaluate` runs the recursion once (with ``I_i``, ``eps_star2_i`` and ``eta_i``);
    under exact init its laws and ``D_i`` are exact. ``t0_schedule`` (one early-stopping time
    per generation, THEORY.md §8: annealed truncation) replaces ``diffusion.t0`` generation by
    generation when given.
    """

    label: str
    data: Gaussian | GaussianMixture
    alpha: float
    learners: tuple[Any, ...]
    diffusion: Diffusion
    eta_paths: int = 2000
    eta_steps: int = 100
    seed: int = 0
    notes: str = field(default="")
    t0_schedule: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.t0_schedule is not None and len(self.t0_schedule) != len(self.learners):
            raise VerificationError(
                f"t0_schedule has {len(self.t0_schedule)} entries; it needs one per generation "
                f"({len(self.learners)})"
            )

    @property
    def generations(self) -> int:
        return len(self.learners)

    @property
    def trajectory(self) -> Trajectory:
        """The run (``evaluate(self).trajectory``)."""
        return evaluate(self).trajectory

    def run(self) -> Trajectory:
        """Run the recursion (every call runs it again; :func:`evaluate` remembers it)."""
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
            compute="all",  # the checks read every quantity (small instances: cheap)
            t0=None if self.t0_schedule is None else list(self.t0_schedule),
        )

    def describe(self) -> dict[str, Any]:
        names = sorted({repr(x) for x in self.learners})  # a summary for reports
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
            **({} if self.t0_schedule is None else {"t0_schedule": list(self.t0_schedule)}),
        }


Instance = GenerationInstance | RecursionInstance


@dataclass(frozen=True, eq=False)
class GenerationEvaluation:
    """The exact solution of a :class:`GenerationInstance` (what the checks read)."""

    instance: GenerationInstance
    oracle: LinearGaussianOracle
    solution: LinearSolution

    @property
    def label(self) -> str:
        return self.instance.label

    @property
    def scale(self) -> float:
        return self.instance.scale

    #: solutions at other scales, by scale (the chi2 and KL asymptotic checks share theirs)
    solves: dict[float, LinearSolution] = field(default_factory=dict, repr=False)

    def solve(self, scale: float | None = None) -> LinearSolution:
        """Exact quantities at ``scale`` (default: the instance's own), each scale solved once."""
        eps = self.scale if scale is None else float(scale)
        if eps == self.scale:
            return self.solution
        if eps not in self.solves:
            self.solves[eps] = self.oracle.solve(eps)
        return self.solves[eps]

    def solve_many(self, scales: list[float]) -> None:
        """Solve the scales not known yet as one system (:meth:`LinearGaussianOracle.solve_many`:
        the scale-free part once), for :meth:`solve` to return."""
        todo = sorted({float(x) for x in scales} - set(self.solves) - {self.scale})
        if todo:
            self.solves.update(zip(todo, self.oracle.solve_many(todo), strict=True))


@dataclass(frozen=True, eq=False)
class RecursionEvaluation:
    """The trajectory of a :class:`RecursionInstance` (what the checks read)."""

    instance: RecursionInstance
    trajectory: Trajectory

    @property
    def label(self) -> str:
        return self.instance.label


Evaluation = GenerationEvaluation | RecursionEvaluation

#: evaluations of live instances (weak keys: an instance that is gone takes its evaluation)
_EVALUATIONS: weakref.WeakKeyDictionary[Any, Evaluation] = weakref.WeakKeyDictionary()


def evaluate(instance: Any) -> Any:
    """The oracle's answer on ``instance``, computed once per instance object.

    Examples
    --------
    >>> from verification import curated_instances
    >>> inst = curated_instances()[0]
    >>> evaluate(inst) is evaluate(inst)
    True
    """
    from ._field_instances import FieldEvaluation, FieldInstance, evaluate_field

    if isinstance(instance, GenerationEvaluation | RecursionEvaluation | FieldEvaluation):
        return instance
    if not isinstance(instance, GenerationInstance | RecursionInstance | FieldInstance):
        raise VerificationError(
            f"instance={instance!r} must be a GenerationInstance, a FieldInstance or a "
            "RecursionInstance"
        )
    known = _EVALUATIONS.get(instance)
    if known is not None:
        return known
    ev: Any
    if isinstance(instance, FieldInstance):
        ev = evaluate_field(instance)
    elif isinstance(instance, GenerationInstance):
        oracle = LinearGaussianOracle(instance.data, instance.diffusion, instance.error())
        ev = GenerationEvaluation(instance, oracle, oracle.solve(instance.scale))
    elif isinstance(instance, RecursionInstance):
        ev = RecursionEvaluation(instance, instance.run())
    _EVALUATIONS[instance] = ev
    return ev
