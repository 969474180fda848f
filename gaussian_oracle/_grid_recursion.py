"""The fresh-data recursion on a grid, d = 1 or 2, either init (THEORY.md §2, §6b).

Used by :func:`run_recursion` where the laws stop being Gaussian mixtures: the standard
(N(0, I)) init with a learner whose learned law is a mixture (ExactScore and PopulationKDE on
mixture data, the paper's own setting), or on request (``engine="grid"``). Each generation
solves the Fokker–Planck equation of the ideal process for ``q_i`` and of the learned one (the
exact score of ``q~ = learner(q_i)``, i.e. the error ``e = grad log q~_s - grad log q_s``) and
the tangent equation, on one box for the whole run. ``p_hat_{i+1}`` is the learned endpoint as
a :class:`GridLaw`; ``D_i``, ``I_i``, ``I_ideal_i``, ``J_i``, ``chi2(q_i || p)``, ``eps_star2_i``
and ``eta_i`` are quadratures on the grid.

Achieved error: the whole run is made twice, on the box at ``rtol`` and on a box 1.3 times finer
at ``rtol / 10``; values come from the finer run with ``abs_error`` the difference plus the
finer run's time tolerance (method "grid").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._divergence import chi2
from ._engine_grid import _chi2, _fisher, masked_ratio, refined_estimate
from ._errors import OracleDomainError
from ._estimate import Estimate
from ._gaussian import Gaussian
from ._grid import MAX_POINTS, Box, box_for
from ._grid_law import GridLaw, _edge_mass
from ._grid_solver import integrate_generation, resolution_tail
from ._hybrid import HybridLaw, HybridMarginals, learn_hybrid, mixed
from ._law_tools import as_mixture, check_law
from ._laws import Law
from ._learners import ExactScore, PopulationKDE
from ._operations import ou_transition
from ._trajectory import Trajectory
from ._validation import FloatArray

__all__ = ["GRID_LEARNERS", "grid_recursion", "grid_trajectory"]

#: learners the grid recursion supports (deterministic law maps)
GRID_LEARNERS = (ExactScore, PopulationKDE)


@dataclass(frozen=True, slots=True)
class _GridDifference:
    """``grad log q~_s - grad log q_s`` at the grid points of ``box`` (the error of a learner
    given as a law, on the grid)."""

    learned: HybridMarginals
    truth: HybridMarginals
    box: Box

    def __call__(self, y: Any, s: float) -> FloatArray:
        diff = self.learned.drift(self.box, s) - self.truth.drift(self.box, s)
        return np.moveaxis(diff.reshape((self.box.dim, -1)), 0, -1)


def _on(law: Any, box: Box) -> FloatArray:
    return np.exp(law.logpdf(box.points)).reshape(box.shape)


def _ratio(box: Box, num: FloatArray, ref: FloatArray) -> float:
    """``int num^2 / ref`` where ``ref`` is above round-off (the engine's trust floor)."""
    return masked_ratio(box, num, ref)[0]


class _Unresolved(OracleDomainError):
    """A generation the grid does not resolve (the automatic grid refines and restarts)."""


def _check_resolved(
    box: Box, mq: HybridMarginals, error: Any, diffusion: Diffusion, rtol: float, step: int
) -> None:
    """Refuse a generation whose fields the grid does not resolve to ``rtol / 10`` (spectral
    tail of ``q_s``, ``e q_s`` and ``b_0 q_s``): mixtures with close modes put poles of the
    score near the real axis, and an unresolved drift would make the stepping crawl or fail."""
    times = (diffusion.t0, 0.5 * (diffusion.t0 + diffusion.T), diffusion.T)
    for s in times:
        tail = resolution_tail(box, mq, error, (s,))
        if tail > 0.1 * rtol:
            raise _Unresolved(
                f"generation {step}: the grid recursion cannot resolve the score on {box.n} "
                f"points (spectral tail {tail:.2g} at s={s:.3g}, needed <= {0.1 * rtol:.2g}); "
                "the laws' scores have poles near the real axis (close, narrow modes). Pass "
                "grid_points= (more points per axis; the cost grows like its square) or a "
                "larger rtol="
            )


def _sequences(
    p: Any,
    alpha: float,
    learners: list[Any],
    diffusion: Diffusion,
    box: Box,
    rtol: float,
    current: Any,
    rng: np.random.Generator,
    check: float,
) -> tuple[list[GridLaw], dict[str, list[float]]]:
    p_grid = _on(p, box)
    out: dict[str, list[float]] = {
        k: [] for k in ("D", "I", "I_ideal", "J", "refreshed", "eps_star2", "eta")
    }
    laws = [GridLaw(box, _on(current, box)) if not isinstance(current, GridLaw) else current]
    for learner in learners:
        q: HybridLaw = mixed(alpha, p, current)
        q_grid = q.on(box)
        out["refreshed"].append(_ratio(box, q_grid - p_grid, p_grid))
        learned = learn_hybrid(learner, q, box, rng)
        mq = HybridMarginals(q)
        ml = mq if learned is q else HybridMarginals(learned)  # ExactScore: one set of marginals
        start = delta0 = None
        if diffusion.init == "standard":
            start = _on(Gaussian(np.zeros(box.dim), np.eye(box.dim)), box)
        else:  # the learned process starts at q~_T (THEORY.md §1)
            delta0 = ml.density(box, diffusion.T) - mq.density(box, diffusion.T)
        _check_resolved(box, mq, _GridDifference(ml, mq, box), diffusion, check, len(out["eta"]))
        run = integrate_generation(
            mq,
            _GridDifference(ml, mq, box),
            diffusion,
            box,
            scale=1.0,
            rtol=rtol,
            start=start,
            delta0=delta0,
        )
        endpoint = run.rho0 + run.delta
        if _edge_mass(box, np.abs(endpoint)) > 1e-10:
            raise OracleDomainError(
                f"the generated law reaches the edge of the box {box.lower.tolist()}..."
                f"{box.upper.tolist()}: pass a larger margin="
            )
        current = GridLaw(box, endpoint)
        laws.append(current)
        e_star = run.e_star
        out["eps_star2"].append(e_star)
        out["eta"].append(0.0 if e_star <= 0.0 else min(_fisher(run)[0] / e_star, 1.0))
        out["I_ideal"].append(_chi2(run)[0])
        out["I"].append(_ratio(box, current.values - q_grid, q_grid))
        out["J"].append(_ratio(box, current.values - q_grid, p_grid))
        out["D"].append(_ratio(box, current.values - p_grid, p_grid))
    q_last = mixed(alpha, p, current).on(box)
    out["refreshed"].append(_ratio(box, q_last - p_grid, p_grid))
    return laws, out


def grid_recursion(
    data: Any,
    *,
    alpha: float,
    learners: list[Any],
    diffusion: Diffusion,
    p_hat_0: Any,
    rng: np.random.Generator,
    rtol: float | None = None,
    margin: float = 2.0,
    points: int | None = None,
) -> tuple[tuple[GridLaw, ...], dict[str, tuple[Estimate, ...]], Box]:
    """Laws and every sequence of :class:`Trajectory` (``D`` from generation 1 on) by the grid.

    Returns ``(laws, sequences, box)``; ``laws[0]`` is ``p_hat_0`` on the finer grid.
    """
    if data.dim not in (1, 2):
        raise OracleDomainError(
            f"data has dimension {data.dim}: the grid recursion needs 1 or 2 (in d >= 3 the "
            "standard init keeps exact laws only for Gaussian learned laws)"
        )
    for i, x in enumerate(learners):
        if not isinstance(x, GRID_LEARNERS):
            raise OracleDomainError(
                f"learner[{i}]={x!r}: the grid recursion supports "
                f"{', '.join(c.__name__ for c in GRID_LEARNERS)} (sampled learners on grid "
                "laws are not supported yet)"
            )
    rtol = (1e-10 if data.dim == 1 else 1e-8) if rtol is None else rtol
    laws_for_box = [
        data,
        ou_transition(data, diffusion.t0),
        ou_transition(data, diffusion.T),
        Gaussian(np.zeros(data.dim), np.eye(data.dim)),
        p_hat_0,
    ]
    widest = max(float(getattr(x, "h", 0.0)) for x in learners)
    coarse = box_for(laws_for_box, margin=margin + 4.0 * widest)
    if points is not None:
        coarse = Box(coarse.lower, coarse.upper, [2 * (int(points) // 2)] * data.dim)
    else:  # refine until generation 0's fields are resolved (later ones are checked)
        q0 = mixed(alpha, data, p_hat_0)
        while True:
            l0 = learn_hybrid(learners[0], q0, coarse, np.random.default_rng(0))
            m0 = HybridMarginals(q0)
            try:
                _check_resolved(
                    coarse, m0, _GridDifference(HybridMarginals(l0), m0, coarse), diffusion, rtol, 0
                )
                break
            except _Unresolved:
                if max(coarse.refined(1.3).n) > MAX_POINTS[data.dim - 1]:
                    raise
                coarse = coarse.refined(1.3)
    seed = int(rng.integers(2**63))
    while True:
        fine = coarse.refined(1.3)
        try:
            runs = [
                _sequences(
                    data,
                    alpha,
                    learners,
                    diffusion,
                    b,
                    r,
                    p_hat_0,
                    np.random.default_rng(seed),
                    rtol,
                )
                for b, r in ((coarse, rtol), (fine, rtol / 10.0))
            ]
            break
        except _Unresolved:
            if points is not None or max(coarse.refined(1.3).n) > MAX_POINTS[data.dim - 1]:
                raise
            coarse = coarse.refined(1.3)
    why = f"grid recursion on {fine.n} points (error: difference from {coarse.n})"
    seqs = {
        name: tuple(
            refined_estimate(a, b, 0.1 * rtol, why)
            for a, b in zip(runs[1][1][name], runs[0][1][name], strict=True)
        )
        for name in runs[1][1]
    }
    return tuple(runs[1][0]), seqs, fine


def grid_trajectory(
    data: Law,
    alpha: float,
    learners: list[Any],
    diffusion: Diffusion,
    p_hat_0: Law | None,
    gen: np.random.Generator,
    todo: frozenset[str],
    n_samples: int,
    grid: tuple[int | None, float | None] = (None, None),
) -> Trajectory:
    """The recursion by :func:`grid_recursion`, as a :class:`Trajectory` (laws: GridLaws)."""
    p = as_mixture(data)
    start = p if p_hat_0 is None else as_mixture(check_law("p_hat_0", p_hat_0))
    if start.dim != p.dim:
        raise OracleDomainError(f"p_hat_0 has dimension {start.dim}; data has dimension {p.dim}")
    laws, seqs, box = grid_recursion(
        p,
        alpha=alpha,
        learners=learners,
        diffusion=diffusion,
        p_hat_0=start,
        rng=gen,
        points=grid[0],
        rtol=grid[1],
    )
    d0 = chi2(start, data, rng=np.random.default_rng(0), n_samples=n_samples)

    def kept(name: str) -> tuple[Any, ...]:
        return seqs[name] if name in todo else ()

    return Trajectory(
        alpha,
        diffusion,
        tuple(x.config() for x in learners),
        data,
        laws,
        (d0, *seqs["D"]),
        kept("I"),
        kept("I_ideal"),
        kept("J"),
        seqs["refreshed"],
        kept("eps_star2"),
        kept("eta"),
        settings={
            "engine": "grid",
            "box": {"lower": box.lower.tolist(), "upper": box.upper.tolist(), "n": list(box.n)},
            "n_samples": n_samples,
            "compute": [c for c in ("I", "I_ideal", "J", "eps_star2", "eta") if c in todo],
        },
    )
