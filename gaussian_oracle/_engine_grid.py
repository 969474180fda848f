"""The grid engine: any error field, any Gaussian-mixture law, d = 1 or 2 (THEORY.md §6b).

:class:`GridOracle` solves the Fokker–Planck equations of the ideal and learned reverse
processes and the tangent equation (:mod:`._grid_solver`) on a periodic grid chosen from the
laws (:func:`box_for`: mass outside ``< 1e-14``, 2.4 points per standard deviation of the
narrowest marginal). ``eta`` is the endpoint Fisher information ``int u^2 / rho_0`` over
``eps_star2`` (not a regression, not finite differences).

Achieved error. Every value is computed twice, on the chosen grid at ``rtol`` and on a grid
``refine`` times finer at ``rtol / 10``; the finer value is returned with ``abs_error`` the
difference (spectral convergence makes it an over-estimate of the finer value's error; tests
compare it with the exact linear engine), plus, for chi2, the integrand's weight where the ideal
density falls below round-off (a learned law with heavier tails than the ideal one is resolved
only to that level). Values carry method "grid" and kind "estimate".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._errors import OracleDomainError
from ._estimate import Estimate
from ._gaussian import Gaussian
from ._grid import MAX_POINTS, Box, box_for, refinements_needed
from ._grid_law import GridLaw, _edge_mass
from ._grid_quadrature import TAIL_FACTOR, refined_estimate
from ._grid_results import GridSolution, _chi2, _fisher, _kl
from ._grid_solver import (
    IMPLICIT_FROM_GENERATION,
    GridRun,
    MixtureMarginals,
    integrate_generation,
    resolution_tail,
    solution_tail,
)
from ._law_tools import as_mixture, check_law
from ._operations import ou_transition
from ._progress import PassMeter, check_progress
from ._score_errors import ScoreDifference, check_error
from ._solution import GenerationSolution
from ._validation import check_scalar

__all__ = ["GridEngine", "GridOracle", "GridSolution"]

#: relative edge weight of the learned density or tangent that means "the box is too small"
#: (or 100 rtol, above the aliasing plateau a resolved solve leaves there)
EDGE_TOL = 1e-11


class _EdgeError(OracleDomainError):
    """The box was too small (the automatic box grows and retries)."""


class GridOracle:
    """One generation on a grid: data ``q`` (Gaussian or mixture, d = 1 or 2), any error field.

    Parameters
    ----------
    data : Gaussian or GaussianMixture
        The training law ``q``.
    diffusion : Diffusion
        Either init.
    error : callable ``(y, s) -> (n, d)``
        The score error (learned minus true score), e.g. :class:`Tanh`, :class:`RotatedScore`,
        an :class:`AffineError` or a :class:`ScoreDifference`.
    box : Box, optional
        The coarser grid (default :func:`box_for` of the laws the process visits).
    rtol : float, optional
        Time-stepping tolerance of the coarser solve (default 1e-10 in 1-D, 1e-8 in 2-D); the
        grid is refined until the fields are resolved to ``rtol / 10``.
    refine : float, > 1
        Resolution of the finer solve relative to the coarser one.
    margin : float
        Extra width on each side of the automatic box.

    Examples
    --------
    >>> from gaussian_oracle import Tanh
    >>> sol = GridOracle(Gaussian(0.0, 0.5), Diffusion(init="exact"), Tanh(0.2)).solve(1.0)
    >>> round(sol.eta.value, 6), sol.eta.method, bool(sol.eta.abs_error < 1e-9)
    (0.294251, 'grid', True)
    """

    def __init__(
        self,
        data: Any,
        diffusion: Diffusion,
        error: Any,
        *,
        box: Box | None = None,
        rtol: float | None = None,
        refine: float = 1.3,
        margin: float = 1.0,
    ) -> None:
        data = check_law("data", data)
        if data.dim not in (1, 2):
            raise OracleDomainError(f"data has dimension {data.dim}; the grid engine needs 1 or 2")
        if not isinstance(diffusion, Diffusion):
            raise OracleDomainError(f"diffusion={diffusion!r} must be a Diffusion")
        self.data, self.diffusion, self.error = data, diffusion, check_error("error", error)
        self.refine = check_scalar("refine", refine, low=1.0, low_open=True)
        default = 1e-10 if data.dim == 1 else 1e-8  # the targets: 1e-10, 1e-8
        self.rtol = check_scalar("rtol", default if rtol is None else rtol, low=1e-14, high=1e-3)
        self.margin = check_scalar("margin", margin, low=0.0)
        laws = [data, ou_transition(data, diffusion.t0), ou_transition(data, diffusion.T)]
        if diffusion.init == "standard":
            laws.append(Gaussian(np.zeros(data.dim), np.eye(data.dim)))
        if isinstance(error, ScoreDifference):
            laws += [error.q_tilde, ou_transition(error.q_tilde, diffusion.t0)]
        if box is not None and (not isinstance(box, Box) or box.dim != data.dim):
            raise OracleDomainError(f"box={box!r} must be a Box of dimension {data.dim}")
        self._laws, self._auto = laws, box is None
        self._seen: list[tuple[int, float]] = []  # (points, solution tail) of this solve
        self._tangents: dict[tuple[Any, ...], GridRun] = {}  # the scale-free part, per grid
        if box is None:
            box = self._resolved(box_for(laws, margin=self.margin))
        else:
            self._resolved(box, grow=False)
        self._set(box)

    def _set(self, box: Box) -> None:
        self.boxes: tuple[Box, Box] = (box, box.refined(self.refine))

    def _grow(self) -> None:
        """The automatic box widened by the current margin, at the same spacing."""
        old = self.boxes[0]
        wide = box_for(self._laws, margin=self.margin)
        n = [
            2 * int(np.ceil((hi - lo) / h / 2))
            for lo, hi, h in zip(wide.lower, wide.upper, old.spacing, strict=True)
        ]
        self._set(Box(wide.lower, wide.upper, n))

    def _tail(self, box: Box) -> float:
        times = np.linspace(self.diffusion.t0, self.diffusion.T, 5)
        return resolution_tail(box, MixtureMarginals(self.data), self.error, times)

    def _resolved(self, box: Box, *, grow: bool = True) -> Box:
        """``box`` refined by 1.3 until every field is resolved to ``rtol / 10`` (spectral tail),
        else an error that says how far it got."""
        cap = MAX_POINTS[box.dim - 1]
        while True:
            tail = self._tail(box)
            if tail <= 0.1 * self.rtol:
                return box
            finer = box.refined(1.3)
            if max(finer.n) > cap or not grow:
                raise OracleDomainError(
                    f"the grid cannot resolve this instance: with {box.n} points the spectral "
                    f"tail of the error field times the density is {tail:.2g} (needed "
                    f"<= {0.1 * self.rtol:.2g}; automatic grids go to {cap} points per axis in "
                    f"{box.dim}-D). "
                    "Pass a smoother error field, a larger rtol=, or box= with more points"
                )
            box = finer

    def _unresolved(self, run: GridRun) -> bool:
        """Whether the solution is unresolved on the coarser grid (:func:`solution_tail` above
        ``rtol / 10`` in 1-D, ``rtol`` in 2-D): automatic grids refine (True: solve again); a
        given box raises. In 2-D ``rtol / 10`` over-asks: the Gaussian-affine benchmark's
        tail is 1.2e-9 on 76 x 76 points, whose result is right to 5e-14, and refining to
        128 x 128 tripled the time; in 1-D, ``rtol`` let eta of a tanh error be off by 2e-3."""
        limit = self._solution_limit()
        tail = solution_tail(run, self.rtol)
        self._seen.append((max(run.box.n), tail))
        if tail <= limit:
            return False
        finer = self.boxes[0].refined(1.3)
        for _ in range(refinements_needed(self._seen, limit) - 1):  # the tails' decay predicts
            if max(finer.refined(1.3).n) > MAX_POINTS[finer.dim - 1]:  # more than one step
                break
            finer = finer.refined(1.3)
        if not self._auto or max(finer.n) > MAX_POINTS[finer.dim - 1]:
            raise OracleDomainError(
                f"the grid cannot resolve the solution: with {run.box.n} points the spectral "
                f"tail of the tangent / learned density is {tail:.2g} (needed <= "
                f"{limit:.2g}). Pass a larger rtol= or box= with more points"
            )
        self._set(finer)
        return True

    def _solution_limit(self) -> float:
        return 0.1 * self.rtol if self.data.dim == 1 else self.rtol

    def _run(
        self, box: Box, scale: float, rtol: float, learned: bool, meter: PassMeter | None = None
    ) -> GridRun:
        start = None
        if self.diffusion.init == "standard":
            start = np.exp(Gaussian(np.zeros(box.dim), np.eye(box.dim)).logpdf(box.points))
            start = start.reshape(box.shape)
        # the tangent u (and e_star) do not depend on the scale: solved once per grid, and
        # later scales integrate the learned density alone (one block instead of two)
        key = (tuple(box.n), tuple(box.lower), tuple(box.upper), rtol)
        known = self._tangents.get(key)
        opts: dict[str, Any] = {"scale": scale, "rtol": rtol, "start": start, "learned": learned}
        opts["implicit_from"] = IMPLICIT_FROM_GENERATION
        marginals = MixtureMarginals(self.data)
        if meter is not None:
            meter.start(f"{'x'.join(map(str, box.n))} points")
            opts["on_time"] = meter.at
        run = integrate_generation(
            marginals, self.error, self.diffusion, box, **opts, tangent=not known
        )
        if known is not None:
            run = replace(run, u=known.u, e_star=known.e_star)
        self._tangents.setdefault(key, run)
        scales = (("learned density", run.rho0 + run.delta, 1.0), ("tangent", run.u, None))
        for name, f, size in scales:
            big = float(box.integrate(np.abs(f)))
            # the tangent's natural size is |e| rho_0 tau ~ sqrt(eps_star2 at unit scale)
            ref = max(big, size if size is not None else float(np.sqrt(run.e_star)))
            edge = _edge_mass(box, np.abs(f))
            if edge > max(EDGE_TOL, 100.0 * rtol) * ref:
                raise _EdgeError(
                    f"the {name} reaches the edge of the box {box.lower.tolist()}..."
                    f"{box.upper.tolist()} (weight {edge / ref:.2g} there): pass a larger "
                    "margin= or box="
                )
        return run

    def solve(
        self, scale: float = 1.0, *, learned: bool = True, progress: bool | None = None
    ) -> GenerationSolution:
        """Every quantity at error scale ``scale`` (``learned=False``: only ``eps_star2`` and
        ``eta``, without the learned density). ``progress``: a bar over the integrations
        (``None``: when stderr is a terminal)."""
        scale = check_scalar("scale", scale, low=0.0)
        grown, self._seen = 0, []
        meter = PassMeter("grid solve", self.diffusion.horizon, 2, check_progress(progress))
        try:
            while True:
                try:
                    coarse = self._run(self.boxes[0], scale, self.rtol, learned, meter)
                    if self._unresolved(coarse):
                        continue
                    fine = self._run(self.boxes[1], scale, self.rtol / 10.0, learned, meter)
                    meter.finish()
                    break
                except _EdgeError:
                    if not self._auto or grown == 3:
                        raise
                    grown += 1
                    self.margin += 2.0  # the learned law drifted out: widen, keep the spacing
                    self._grow()
        finally:
            meter.close()
        why = f"grid solve on {fine.box.n} points (error: difference from {coarse.box.n})"

        def est(f: Any, factor: float = 1.0, extra: float = 0.0) -> Estimate:
            a, b = f(fine) * factor, f(coarse) * factor
            return refined_estimate(a, b, 0.1 * self.rtol, why, extra)

        e_star = est(lambda r: r.e_star)
        fisher = est(lambda r: _fisher(r)[0], extra=TAIL_FACTOR * _fisher(fine)[1])
        zero = e_star.value <= 0.0
        eta = Estimate(
            0.0 if zero else min(fisher.value / e_star.value, 1.0),
            0.0
            if zero
            else (fisher.abs_error + fisher.value * e_star.abs_error / e_star.value) / e_star.value,
            "grid",
            "no score error" if zero else why,
        )
        s2 = scale * scale
        out: dict[str, Any] = {"eps_star2": est(lambda r: r.e_star, s2), "eta": eta}
        chi2_training = kl_training = None
        if learned:
            out["eps_hat2"] = est(lambda r: r.e_hat, s2)
            out["path_kl"] = est(lambda r: r.e_hat, 0.5 * s2)
            out["chi2"] = est(lambda r: _chi2(r)[0], extra=TAIL_FACTOR * _chi2(fine)[1])
            out["kl"] = est(_kl)
            learned_law = GridLaw(fine.box, fine.rho0 + fine.delta)
            ideal = (
                ou_transition(self.data, self.diffusion.t0)
                if self.diffusion.init == "exact"
                else GridLaw(fine.box, fine.rho0)
            )
            out["learned_endpoint"], out["ideal_endpoint"] = learned_law, ideal
            chi2_training = learned_law.chi2(as_mixture(self.data))
            kl_training = learned_law.kl(as_mixture(self.data))
        native = GridSolution(
            fine.box, fisher, chi2_training, kl_training, coarse.n_rhs + fine.n_rhs
        )
        return GenerationSolution("grid", native=native, **out)


class GridEngine:
    """The grid engine behind :func:`solve_generation`: dimension 1–2, any error field."""

    name = "grid"
    exact = False
    weak_order: float | None = None

    def supports(
        self, data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0
    ) -> str | None:
        if data.dim not in (1, 2):
            return f"dimension {data.dim} (the grid engine needs 1 or 2)"
        return None

    def solve(
        self,
        data: Any,
        error: Any,
        diffusion: Diffusion,
        *,
        scale: float = 1.0,
        compute: frozenset[str] = frozenset(),
        settings: Any = None,
        **_: Any,
    ) -> GenerationSolution:
        learned = bool(compute & {"eps_hat2", "endpoints", "divergences"}) or not compute
        progress = settings.progress if settings is not None else False
        return GridOracle(data, diffusion, error).solve(scale, learned=learned, progress=progress)
