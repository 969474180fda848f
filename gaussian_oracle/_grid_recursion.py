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
at ``rtol / 10`` (explicit stepping at :data:`EXPLICIT_FACTOR` of each); values come from the
finer run with ``abs_error`` the difference plus the finer run's tolerance and the bound on the
unseen tail of each ratio integral (method "grid"). The closed-form tail model of
:mod:`._grid_tails` makes a ratio whose integrand grows beyond the box ``+inf`` (method
"tail-rule") and, where it is finite, bounds its unseen tail by the decay it knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._errors import OracleDomainError
from ._estimate import Estimate
from ._gaussian import Gaussian
from ._grid import Box, box_for
from ._grid_law import GridLaw, _edge_mass
from ._grid_quadrature import TAIL_FACTOR, grid_noise, masked_ratio, refined_estimate, unseen_tail
from ._grid_results import _chi2, _fisher
from ._grid_solver import implicit_on, integrate_generation, resolution_tail
from ._grid_tails import TailModel, infinite_estimate
from ._hybrid import HybridLaw, HybridMarginals, learn_hybrid, mixed
from ._learners import (
    AffinePushforward,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    PopulationKDE,
)
from ._operations import ou_transition
from ._validation import FloatArray

__all__ = ["GRID_LEARNERS", "grid_recursion"]

#: the explicit stepping (DOP853) runs at this fraction of each run's ``rtol``: errors of the
#: time stepping carry over from one generation to the next (measured on 70 points at rtol
#: 1e-10: D_i off by up to 8e-10 relative after 10 generations, 1e-13 at rtol 1e-12, in the
#: same time, since the explicit step is bounded by stability, not accuracy). The implicit
#: stepping (Radau, fine 1-D grids) keeps ``rtol``: there a 100x tighter tolerance doubles the
#: time and moves D_i by 1e-12 relative (measured on a KDE recursion at rtol 1e-7).
EXPLICIT_FACTOR = 1e-2
#: below this the stepping's tolerance stops helping (round-off of the spectral operators)
TIME_RTOL_FLOOR = 1e-13

#: reference density (relative to its peak) below which the ratios D, I, J are not integrated:
#: a generated law is round-off below ~1e-15 of its peak (:meth:`GridLaw.resampled` clips
#: there), and round-off squared over a smaller reference is noise (measured: one noisy cell
#: put 1e-8 of D into the tail bound at generation 10 of 20 with 1e-16)
LAW_FLOOR = 1e-15
#: round-off of a grid law relative to its peak (FFT transforms and resampling)
LAW_NOISE = 1e-15

#: most points per axis of the automatic coarse grid (1-D, 2-D): beyond, a generation takes
#: minutes (measured: Radau with the dense Jacobian 5-25 s per 1-D generation at 300-430
#: points, growing like n^3; DOP853 in 2-D like n^4)
RECURSION_POINTS = (700, 192)

#: learners the grid recursion supports: law maps, and sampled learners (exact draws of the
#: grid law, the same uniforms on both grids)
GRID_LEARNERS = (ExactScore, PopulationKDE, AffinePushforward, FiniteSampleKDE, FiniteSampleRefit)


@dataclass(frozen=True, slots=True)
class _GridDifference:
    """``grad log q~_s - grad log q_s`` at the grid points of ``box`` (the error of a learner
    given as a law, on the grid)."""

    learned: HybridMarginals
    truth: HybridMarginals
    box: Box

    @property
    def vanishes(self) -> bool:
        """True where the learned law is the training law (ExactScore): the error is 0."""
        return self.learned is self.truth

    def __call__(self, y: Any, s: float) -> FloatArray:
        if self.vanishes:
            return np.zeros((int(np.prod(self.box.shape)), self.box.dim))
        diff = self.learned.drift(self.box, s) - self.truth.drift(self.box, s)
        return np.moveaxis(diff.reshape((self.box.dim, -1)), 0, -1)


def _on(law: Any, box: Box) -> FloatArray:
    return np.exp(law.logpdf(box.points)).reshape(box.shape)


def _ratio(
    box: Box, num: FloatArray, ref: FloatArray, noise: float, ref_noise: float = 0.0
) -> tuple[float, ...]:
    """``int num^2 / ref``, the bound on its unseen tail (:data:`TAIL_FACTOR` times the weight
    on the last cells integrated), that weight and its distance from the box's centre (for
    :func:`unseen_tail` where the tail model knows the decay). Integrated: where ``ref`` is above
    :data:`LAW_FLOOR` of its peak, and beyond, where ``num`` and ``ref`` stand 100 times above
    their round-off (``noise``, ``ref_noise``: absolute), so that the integrand is known to 2%
    however small ``ref`` is. Generated laws can have heavier tails than ``p`` (a KDE widens
    every generation; measured: the integrand of D_4 still 3e-11 per unit length where ``p``
    reaches 1e-16 of its peak, D 8e-12 short, the coarse/fine difference 1.7e-12)."""
    beyond = (np.abs(num) > 100.0 * noise) & (ref > 100.0 * ref_noise)
    value, band, radius = masked_ratio(box, num, ref, LAW_FLOOR, beyond)
    return value, TAIL_FACTOR * band, band, radius


class _Unresolved(OracleDomainError):
    """A generation the grid does not resolve (the automatic grid refines both runs from that
    generation on)."""


def _check_resolved(
    box: Box, mq: HybridMarginals, error: Any, diffusion: Diffusion, rtol: float, step: int
) -> None:
    """Refuse a generation whose fields the grid does not resolve (spectral tail of ``q_s``,
    ``e q_s`` and ``b_0 q_s``): mixtures with close modes put poles of the score near the real
    axis, and an unresolved drift would make the stepping crawl or fail. Closed-form laws must
    be resolved to ``rtol / 10``; a law with a grid part (a generated law) to ``rtol``: its top
    modes hold the noise of the solve that made it (measured at ``rtol`` 1e-10: a tail rising
    to 1e-11 after about ten generations whatever the grid, 70 or 92 points), which no finer
    grid removes. The stated error is the coarse/fine difference either way."""
    limit = rtol if mq.law.grid is not None else 0.1 * rtol
    times = (diffusion.t0, 0.5 * (diffusion.t0 + diffusion.T), diffusion.T)
    for s in times:
        tail = resolution_tail(box, mq, error, (s,))
        if tail > limit:
            raise _Unresolved(
                f"generation {step}: the grid recursion cannot resolve the score on {box.n} "
                f"points (spectral tail {tail:.2g} at s={s:.3g}, needed <= {limit:.2g}); "
                "the laws' scores have poles near the real axis (close, narrow modes). Pass "
                "grid_points= (more points per axis; the cost grows like its square) or a "
                "larger rtol="
            )


_NAMES = ("D", "I", "I_ideal", "J", "refreshed", "eps_star2", "eta")


class _Chain:
    """One run of the recursion on one box at one ``rtol`` (the grid recursion makes two).

    :meth:`advance` computes a generation without changing the chain (it raises
    :class:`_Unresolved` before integrating if the box is too coarse); :meth:`commit` keeps it;
    :meth:`refine` moves the chain to a finer box with the same bounds, its current law by
    trigonometric interpolation (exact for the band-limited grid function).
    """

    def __init__(
        self, p: Any, alpha: float, diffusion: Diffusion, box: Box, rtol: float, start: Any
    ) -> None:
        self.p, self.alpha, self.diffusion, self.rtol = p, alpha, diffusion, rtol
        self.box, self.p_grid = box, _on(p, box)
        self.current: Any = start  # a mixture (generation 0), then a GridLaw on self.box
        self.laws: list[Any] = [start]
        self.out: dict[str, list[tuple[float, ...]]] = {k: [] for k in _NAMES}

    def refine(self, box: Box) -> None:
        self.box, self.p_grid = box, _on(self.p, box)
        if isinstance(self.current, GridLaw):
            self.current = self.current.resampled(box)

    def advance(self, learner: Any, check: float, rng: np.random.Generator) -> dict[str, Any]:
        box, diffusion, p_grid = self.box, self.diffusion, self.p_grid
        q: HybridLaw = mixed(self.alpha, self.p, self.current)
        q_grid = q.on(box)
        learned = learn_hybrid(learner, q, box, rng)
        mq = HybridMarginals(q)
        ml = mq if learned is q else HybridMarginals(learned)  # ExactScore: one set of marginals
        start = delta0 = None
        if diffusion.init == "standard":
            start = _on(Gaussian(np.zeros(box.dim), np.eye(box.dim)), box)
        else:  # the learned process starts at q~_T (THEORY.md §1)
            delta0 = ml.density(box, diffusion.T) - mq.density(box, diffusion.T)
        error = _GridDifference(ml, mq, box)
        _check_resolved(box, mq, error, diffusion, check, len(self.out["eta"]))
        step = self.rtol if implicit_on(box) else max(EXPLICIT_FACTOR * self.rtol, TIME_RTOL_FLOOR)
        absolute = step if error.vanishes or q.grid is None else self.rtol
        run = integrate_generation(
            mq,
            error,
            diffusion,
            box,
            scale=1.0,
            # absolute tolerances from rtol (not the stepping's) only where an error field
            # acts on a law with a grid part: there the error's tails are round-off
            rtol=absolute,
            step_rtol=step,
            start=start,
            delta0=delta0,
            learned=not error.vanishes,  # a vanishing error keeps delta = 0 and u = 0
            tangent=not error.vanishes,
        )
        endpoint = run.rho0 + run.delta
        if _edge_mass(box, np.abs(endpoint)) > 1e-10:
            raise OracleDomainError(
                f"the generated law reaches the edge of the box {box.lower.tolist()}..."
                f"{box.upper.tolist()}: pass a larger margin="
            )
        law = GridLaw(box, endpoint)
        noise = grid_noise(box, law.values, LAW_NOISE)
        e_star = run.e_star
        fisher, fisher_band = _fisher(run)
        ideal, ideal_band = _chi2(run)
        return {  # (value, unseen tail)
            "law": law,
            "learned": learned,
            "refreshed": _ratio(box, q_grid - p_grid, p_grid, noise),
            "eps_star2": (e_star, 0.0),
            "eta": (0.0, 0.0)
            if e_star <= 0.0
            else (min(fisher / e_star, 1.0), TAIL_FACTOR * fisher_band / e_star),
            "I_ideal": (ideal, TAIL_FACTOR * ideal_band),
            "I": _ratio(box, law.values - q_grid, q_grid, noise, noise),
            "J": _ratio(box, law.values - q_grid, p_grid, noise),
            "D": _ratio(box, law.values - p_grid, p_grid, noise),
        }

    def commit(self, step: dict[str, Any]) -> None:
        self.current = step["law"]
        self.laws.append(step["law"])
        for name in _NAMES:
            self.out[name].append(step[name])

    def finish(self) -> tuple[list[GridLaw], dict[str, list[tuple[float, ...]]]]:
        """Every law on the last box, and the sequences (with the last ``refreshed``)."""
        box = self.box
        q_last = mixed(self.alpha, self.p, self.current).on(box)
        noise = grid_noise(box, q_last, LAW_NOISE)
        self.out["refreshed"].append(_ratio(box, q_last - self.p_grid, self.p_grid, noise))
        laws = [
            law.resampled(box) if isinstance(law, GridLaw) else GridLaw(box, _on(law, box))
            for law in self.laws
        ]
        return laws, self.out


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

    Returns ``(laws, sequences, box)``; ``laws[0]`` is ``p_hat_0`` on the finer grid. A
    generation the automatic grid does not resolve refines both runs (1.3x) from that
    generation on; every law is returned on the last box.
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
                f"{', '.join(c.__name__ for c in GRID_LEARNERS)}"
            )
    rtol = (1e-10 if data.dim == 1 else 1e-8) if rtol is None else rtol
    laws_for_box = [data, ou_transition(data, diffusion.t0), ou_transition(data, diffusion.T)]
    laws_for_box += [Gaussian(np.zeros(data.dim), np.eye(data.dim)), p_hat_0]
    widest = max(float(getattr(x, "h", 0.0)) for x in learners)
    # a KDE of samples has features as narrow as its bandwidth: resolve them from the start
    narrow = [float(x.h) for x in learners if isinstance(x, FiniteSampleKDE)]
    if narrow:
        laws_for_box.append(Gaussian(np.zeros(data.dim), min(narrow) ** 2 * np.eye(data.dim)))
    coarse = box_for(laws_for_box, margin=margin + 4.0 * widest)
    limit = RECURSION_POINTS[data.dim - 1]
    if points is not None:
        coarse = Box(coarse.lower, coarse.upper, [2 * (int(points) // 2)] * data.dim)
    elif max(coarse.n) > limit:
        raise OracleDomainError(
            f"the grid recursion would need about {max(coarse.n)} points per axis (more than "
            f"{limit}: minutes per generation) to resolve the laws"
            + (f" and a KDE bandwidth of {min(narrow):.3g}" if narrow else "")
            + ": use a larger bandwidth, Diffusion(init='exact') where the laws stay mixtures, "
            "or pass grid_points= to run it anyway"
        )
    chains = [
        _Chain(data, alpha, diffusion, b, r, p_hat_0)
        for b, r in ((coarse, rtol), (coarse.refined(1.3), rtol / 10.0))
    ]
    tails, checks = TailModel.start(data, alpha, diffusion, p_hat_0), []
    for learner in learners:
        # common random numbers: each chain, and each retry on a finer grid, draws the
        # generation's samples from a generator of the same seed
        seed = int(rng.integers(2**63))
        while True:
            try:
                steps = [c.advance(learner, rtol, np.random.default_rng(seed)) for c in chains]
                break
            except _Unresolved as exc:
                if points is not None:
                    raise
                if max(coarse.refined(1.3).n) > limit:
                    raise OracleDomainError(
                        f"{exc}. The automatic grid stops at {limit} points per axis "
                        "(beyond, minutes per generation)"
                    ) from None
                coarse = coarse.refined(1.3)
                chains[0].refine(coarse)
                chains[1].refine(coarse.refined(1.3))
        for c, step in zip(chains, steps, strict=True):
            c.commit(step)
        learned = steps[1]["learned"]
        tails, check = tails.step(learner, learned.closed if learned.grid is None else None)
        checks.append(check)
    checks.append({"refreshed": tails.refreshed()})
    runs = [c.finish() for c in chains]
    fine = chains[1].box
    why = f"grid recursion on {fine.n} points (error: difference from {chains[0].box.n})"

    def estimate(name: str, k: int, a: tuple[float, ...], b: tuple[float, ...]) -> Estimate:
        tail = checks[k].get(name)  # the box cannot see a divergence beyond it: the tail model
        if tail is not None and not tail.finite:
            return infinite_estimate(tail, a[0], diffusion.init)
        phi = np.zeros(0) if tail is None or len(a) < 4 else tail.tail_precision
        phi = phi[np.isfinite(phi)]  # slow tails: the decay the tail model knows bounds them
        slow = unseen_tail(fine, a[2], a[3], float(np.min(phi))) if phi.size else 0.0
        return refined_estimate(a[0], b[0], 0.1 * rtol, why, extra=max(a[1], slow))

    seqs = {
        name: tuple(
            estimate(name, k, a, b)
            for k, (a, b) in enumerate(zip(runs[1][1][name], runs[0][1][name], strict=True))
        )
        for name in runs[1][1]
    }
    return tuple(runs[1][0]), seqs, fine
