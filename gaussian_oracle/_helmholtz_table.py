"""The gradient part of a score error, tabulated in time for the grid engine (THEORY.md §6b).

:class:`GradientPart` solves a weighted Poisson equation at every time it is asked: inside an
ODE solve (:class:`GridOracle`, hundreds of steps) that is many minutes. The gradient part is a
smooth function of time, so :class:`GradientTable` solves it once per grid at Chebyshev–Lobatto
nodes and interpolates (barycentric formula). The variable is ``a = e^{-s/2}``, not ``s``: the
forward marginals are polynomial in ``a`` (mean ``a m``, covariance ``a^2 (S - I) + I``), so the
nearest singularity is farther from the interval (for a component of variance 0.25 on
``[0.02, 4]``: Bernstein ellipse parameter 2.35 in ``a``, 1.74 in ``s``).

The nodes double (9, 17, 33, 65, 129) until the interpolant on the coarser set predicts the new
nodes to ``rtol`` of the error's largest value there (the error's, not its part's: the part of
an invisible error is round-off); that prediction error (an over-estimate
of the finer table's) is the table's stated accuracy, in :attr:`GradientTable.accuracy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._errors import OracleDomainError
from ._grid import grid_of
from ._grid_solver import field_on
from ._helmholtz import GradientPart, _unweight
from ._law_tools import check_law
from ._operations import ou_transition
from ._validation import FloatArray, check_scalar

__all__ = ["GradientTable"]

#: first and largest number of Chebyshev intervals per table
FIRST_DEGREE, MAX_DEGREE = 8, 128
#: calls on one grid answered by direct solves before it is tabulated (the grid engine probes
#: each candidate grid at three times and integrates on the last one: hundreds of calls)
LAZY = 6


def _lobatto(degree: int) -> tuple[FloatArray, FloatArray]:
    """Chebyshev–Lobatto points on [-1, 1] and their barycentric weights."""
    j = np.arange(degree + 1)
    w = np.where(j % 2 == 0, 1.0, -1.0)
    w[0] *= 0.5
    w[-1] *= 0.5
    return np.cos(np.pi * j / degree).astype(np.float64), w


def _interpolate(x: FloatArray, w: FloatArray, values: FloatArray, at: float) -> FloatArray:
    gap = at - x
    hit = np.flatnonzero(gap == 0.0)
    if hit.size:
        return values[int(hit[0])]
    c = w / gap
    return np.tensordot(c, values, axes=1) / float(np.sum(c))


@dataclass
class _Table:
    x: FloatArray
    w: FloatArray
    values: FloatArray  # sqrt(q_s) grad phi at the nodes: (degree + 1, d, *shape)
    accuracy: float


@dataclass(eq=False)
class GradientTable:
    """:class:`GradientPart` of ``error`` against ``q_s = P_s law``, tabulated over ``s`` in
    ``[diffusion.t0, diffusion.T]`` on each grid it is evaluated on (module docstring), so that
    :class:`GridOracle` can run on it. Scattered points and times outside the interval are
    solved directly (:class:`GradientPart`). In 1-D it is ``error`` itself.

    Parameters
    ----------
    error, law : the error field and the law whose forward marginals weight the split
    diffusion : Diffusion
        Its ``[t0, T]`` is the interval of the table.
    rtol : float
        Accuracy of the interpolation in time, relative to the error's largest value on the grid.
    tol : float
        Tolerance of each Poisson solve.

    Examples
    --------
    >>> from gaussian_oracle import Diffusion, Gaussian, RotatedScore
    >>> law = Gaussian([0.0, 0.0], [[1.0, 0.3], [0.3, 0.6]])
    >>> table = GradientTable(RotatedScore(law, 0.5), law, Diffusion(T=1.0, t0=0.1))
    >>> xs = np.linspace(-3.0, 3.0, 24)
    >>> pts = np.stack(np.meshgrid(xs, xs, indexing="ij"), axis=-1).reshape(-1, 2)
    >>> bool(np.abs(table(pts, 0.37)).max() < 1e-8)   # invisible: no gradient part
    True
    """

    error: Any
    law: Any
    diffusion: Diffusion
    rtol: float = 1e-10
    tol: float = 1e-12
    accuracy: dict[tuple[int, ...], tuple[int, float]] = field(default_factory=dict)
    _tables: dict[Any, _Table] = field(default_factory=dict, repr=False)
    _calls: dict[Any, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.law = check_law("law", self.law)
        if not isinstance(self.diffusion, Diffusion):
            raise OracleDomainError(f"diffusion={self.diffusion!r} must be a Diffusion")
        self.rtol = check_scalar("rtol", self.rtol, low=0.0, low_open=True)
        self._part = GradientPart(self.error, self.law, self.tol)
        self._ends = (self.diffusion.t0, self.diffusion.T)

    def __call__(self, y: Any, s: float) -> FloatArray:
        pts = np.asarray(y, dtype=np.float64)
        if self.law.dim == 1:
            return np.asarray(self.error(pts, s), dtype=np.float64)
        t0, T = self.diffusion.t0, self.diffusion.T
        grid = grid_of(pts) if t0 <= float(s) <= T else None
        if grid is None:
            return self._part(pts, s)
        sub, h = grid
        key = (tuple(sub.lower), tuple(sub.upper), sub.n)
        if key not in self._tables and self._calls.setdefault(key, 0) < LAZY:
            self._calls[key] += 1  # a grid asked a few times only (the engine's resolution
            return self._part(pts, s)  # probes of a grid it then refines): solved directly
        if key not in self._tables:
            self._tables[key] = self._build(sub, h)
            self.accuracy[sub.n] = (len(self._tables[key].x), self._tables[key].accuracy)
        tab = self._tables[key]
        weighted = _interpolate(tab.x, tab.w, tab.values, self._unit(float(s)))
        out = _unweight(weighted, self._root(sub, float(s)))
        return np.moveaxis(out.reshape((sub.dim, -1)), 0, -1)

    def _unit(self, s: float) -> float:
        """``s`` as a point of [-1, 1] in the variable ``a = e^{-s/2}``."""
        lo, hi = np.exp(-0.5 * self.diffusion.T), np.exp(-0.5 * self.diffusion.t0)
        return float(np.clip((2.0 * np.exp(-0.5 * s) - (lo + hi)) / (hi - lo), -1.0, 1.0))

    def _time(self, x: FloatArray) -> FloatArray:
        lo, hi = np.exp(-0.5 * self.diffusion.T), np.exp(-0.5 * self.diffusion.t0)
        a = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x
        return np.clip(-2.0 * np.log(a), self.diffusion.t0, self.diffusion.T)

    def _solve_at(self, sub: Any, h: FloatArray, x: FloatArray) -> FloatArray:
        order = np.argsort(self._time(x))  # in time order: each solve warm-starts the next
        out = np.empty((len(x), sub.dim, *sub.shape))
        for k in order:
            s = float(self._time(x[k : k + 1])[0])
            # one extended grid for all times: its discretisation then varies smoothly in time
            out[k] = self._part.weighted_on_grid(sub, h, s, self._ends)[0]
        return out

    def _build(self, sub: Any, h: FloatArray) -> _Table:
        """Tabulate ``sqrt(q_s) grad phi``: smooth in time, where ``grad phi`` itself is cut
        where ``sqrt(q_s)`` is below :data:`ROOT_FLOOR` of its peak, a cut that moves with s."""
        degree = FIRST_DEGREE
        x, w = _lobatto(degree)
        values = self._solve_at(sub, h, x)
        # relative to the weighted error's size: an invisible error's gradient part is round-off
        size = max(
            max(
                float(np.max(np.abs(self._root(sub, float(t)) * field_on(self.error, sub, t))))
                for t in self._time(x)
            ),
            1e-300,
        )
        while True:
            fine_x, fine_w = _lobatto(2 * degree)
            new = fine_x[1::2]  # the old nodes are the even ones
            fresh = self._solve_at(sub, h, new)
            guess = np.stack([_interpolate(x, w, values, float(a)) for a in new])
            change = float(np.max(np.abs(guess - fresh))) / size
            merged = np.empty((2 * degree + 1, *values.shape[1:]))
            merged[0::2], merged[1::2] = values, fresh
            x, w, values, degree = fine_x, fine_w, merged, 2 * degree
            if change <= self.rtol:
                return _Table(x, w, values, change)
            if degree >= MAX_DEGREE:
                raise OracleDomainError(
                    f"the gradient part does not settle in time on {sub.n} points: "
                    f"{degree // 2 + 1} Chebyshev nodes predict {degree + 1} to {change:.2g} "
                    f"(needed rtol={self.rtol!r}); pass a larger rtol="
                )

    def _root(self, sub: Any, s: float) -> FloatArray:
        marg = ou_transition(self.law, s)
        return np.exp(0.5 * marg.logpdf(sub.points)).reshape(sub.shape)
