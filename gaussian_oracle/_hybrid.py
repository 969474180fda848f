"""Training laws of the grid recursion: a closed-form mixture plus a grid density (§6b).

Under the standard init the generated laws are no longer Gaussian mixtures; on a grid they are
:class:`GridLaw`. The training law ``q_i = alpha p + (1 - alpha) p_hat_i`` is then a
:class:`HybridLaw`: ``p`` stays in closed form (its tails exact), ``p_hat_i`` on the grid.
:class:`HybridMarginals` gives its forward marginals and their score on the grid (the grid
part's ``P_s`` by trigonometric interpolation and a Fourier multiplier, exact for the
band-limited grid function); :func:`learn_hybrid` applies a learner to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import OracleDomainError
from ._grid import Box
from ._grid_law import GridLaw, _edge_mass
from ._grid_sampling import affine_image, sample_grid
from ._grid_solver import CachedMarginals, MixtureMarginals
from ._law_tools import as_mixture
from ._laws import GaussianMixture
from ._learners import (
    AffinePushforward,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    PopulationKDE,
)
from ._validation import FloatArray

__all__ = ["HybridLaw", "HybridMarginals", "learn_hybrid", "sample_hybrid"]

#: grid density (relative to its peak) below which the grid part is taken as zero in the score:
#: FFT round-off leaves ~1e-16 of the peak, which must not steer the drift in the far tails
GRID_FLOOR = 1e-14


@dataclass(frozen=True, slots=True, eq=False)
class HybridLaw:
    """``a closed + (1 - a) grid``: a closed-form mixture and a grid density (either may be
    absent: ``a = 1`` or ``a = 0``)."""

    a: float
    closed: GaussianMixture | None
    grid: GridLaw | None

    @property
    def dim(self) -> int:
        return self.closed.dim if self.closed is not None else self.grid.dim  # type: ignore[union-attr]

    def on(self, box: Box) -> FloatArray:
        """The density at the grid points of ``box`` (the grid part's own box)."""
        out = np.zeros(box.shape)
        if self.closed is not None and self.a > 0.0:
            out += self.a * np.exp(self.closed.logpdf(box.points)).reshape(box.shape)
        if self.grid is not None and self.a < 1.0:
            out += (1.0 - self.a) * self.grid.values
        return out

    def as_grid(self, box: Box) -> GridLaw:
        return GridLaw(box, self.on(box))


def mixed(alpha: float, p: GaussianMixture, current: Any) -> HybridLaw:
    """``alpha p + (1 - alpha) current`` (current: a mixture or a GridLaw)."""
    if isinstance(current, GridLaw):
        return HybridLaw(alpha, p, current)
    from ._operations import mix

    return HybridLaw(1.0, mix(alpha, p, as_mixture(current)).merged(), None)


class HybridMarginals(CachedMarginals):
    """Density and ideal drift ``y / 2 + grad log q_s`` of a :class:`HybridLaw` on its box."""

    def __init__(self, law: HybridLaw) -> None:
        super().__init__()
        self.law = law
        self.closed = MixtureMarginals(law.closed) if law.closed is not None else None

    def _compute(self, box: Box, s: float) -> tuple[FloatArray, FloatArray]:
        law, d = self.law, box.dim
        dens = np.zeros(box.shape)
        flux = np.zeros((d, *box.shape))  # grad of the density
        if self.closed is not None and law.a > 0.0:
            c_dens, c_drift = self.closed.density(box, s), self.closed.drift(box, s)
            pts = np.moveaxis(box.points, -1, 0).reshape((d, *box.shape))
            dens += law.a * c_dens
            flux += law.a * c_dens * (c_drift - 0.5 * pts)
        if law.grid is not None and law.a < 1.0:
            g = law.grid.ou_transition(s).values if s > 0.0 else law.grid.values
            keep = g > GRID_FLOOR * float(np.max(g))
            dens += (1.0 - law.a) * np.where(keep, g, 0.0)
            flux += (1.0 - law.a) * np.where(keep, box.gradient(g), 0.0)
        pts = np.moveaxis(box.points, -1, 0).reshape((d, *box.shape))
        tiny = np.finfo(float).tiny
        with np.errstate(invalid="ignore", divide="ignore"):
            sc = np.where(dens > tiny, flux / np.where(dens > tiny, dens, 1.0), 0.0)
        return dens, 0.5 * pts + sc


def sample_hybrid(q: HybridLaw, n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` draws of ``q``: each from the closed part with probability ``a``, else from the
    grid part (exactly, :func:`sample_grid`); the uniforms come from ``rng`` in a fixed order,
    so two grids of the same law with equal generators give draws that differ by the grids'
    discretisation only."""
    pick = rng.random(n) < q.a
    out = np.empty((n, q.dim))
    if q.closed is not None and np.any(pick):
        out[pick] = q.closed.sample(int(np.sum(pick)), rng)
    if q.grid is not None and not np.all(pick):
        rest = int(np.sum(~pick))
        out[~pick] = sample_grid(q.grid.box, q.grid.values, rng.random((rest, q.dim)))
    return out


def learn_hybrid(learner: Any, q: HybridLaw, box: Box, rng: np.random.Generator) -> HybridLaw:
    """The learned law of ``learner`` trained on ``q`` (grid parts on ``box``)."""
    if q.grid is None:
        return HybridLaw(1.0, as_mixture(learner.learn(q.closed, rng)), None)
    if isinstance(learner, ExactScore):
        return q
    if isinstance(learner, (FiniteSampleKDE, FiniteSampleRefit)):
        return HybridLaw(1.0, learner.from_samples(sample_hybrid(q, learner.n, rng)), None)
    if isinstance(learner, AffinePushforward):
        from ._operations import push_forward

        image = affine_image(box, q.grid.values, learner.A, learner.b)
        if _edge_mass(box, image) > 1e-10:
            raise OracleDomainError(
                f"learner={learner!r} moves the grid law to the edge of the box "
                f"{box.lower.tolist()}..{box.upper.tolist()}: pass a larger margin="
            )
        closed = push_forward(q.closed, learner.A, learner.b) if q.closed is not None else None
        return HybridLaw(q.a, closed, GridLaw(box, np.maximum(image, 0.0)))
    if isinstance(learner, PopulationKDE):
        from ._operations import convolve

        k2 = sum(box._wave(j, True) ** 2 for j in range(box.dim))
        smooth = box._ifft(np.exp(-0.5 * learner.h**2 * k2) * box._fft(q.grid.values))
        closed = convolve(q.closed, learner.h) if q.closed is not None else None
        return HybridLaw(q.a, closed, GridLaw(box, np.maximum(smooth, 0.0)))
    raise OracleDomainError(f"learner={learner!r} is not supported by the grid recursion")
