"""Tails of the grid recursion's laws beyond its box: which divergences are infinite (§6b).

A grid law ends at its box, so a quadrature on the box cannot see a chi-square divergence whose
integrand grows beyond it. A KDE learner widens the generated law by ``h^2`` every generation;
once the oldest lineage has twice ``p``'s variance, ``chi2(p_hat_i || p) = +inf`` while the box
gives a finite number (measured: mixture at +-1 with variances 0.5, ``PopulationKDE(0.6)``,
alpha = 1/2, T = 2: ``D_2`` = 4591 +- 12054 on the grid, ``+inf`` in closed form).

The recursion therefore carries a closed-form **tail model** next to the grid laws: Gaussian
components whose tails are those of ``p_hat_i`` (weights do not matter: the finiteness rule of
:func:`chi2_tail_check` depends only on which components are present). Each generation maps it
as the recursion maps the laws:

* the training law's tails: ``p``'s components and the model's (the heavier decide);
* the learned law's: its closed part where it has no grid part (the sampled learners: exact);
  else the learner applied to the training law's tail model (law maps: ExactScore,
  PopulationKDE, AffinePushforward act on each component);
* the endpoint's: exact init, the learned law's ``t0`` marginal (then every law is a mixture and
  the model is exact); standard init, each component's Gaussian endpoint from ``N(0, I)``
  (:func:`standard_init_endpoint`). Why (our derivation, not in the paper): the reverse kernel is
  the forward conditional law, so for any learned law ``q~`` the endpoint from ``N(0, I)`` is
  ``p_hat(y) = q~_t0(y) E[N(0, I)(X_T) / q~_T(X_T) | X_t0 = y]``, with ``X_T | X_t0 = y``
  Gaussian; where ``q~`` has Gaussian tails of covariance ``S`` the expectation is a Gaussian
  factor in ``y``, and ``p_hat``'s tails are those of the Gaussian ``N(m, S)``'s endpoint. The
  test suite checks this on a solved law (the curvature of its far tail).

The model decides finiteness only. A finite ratio's integrand is seen where the grid law is
above its round-off (~1e-15 of its peak); beyond, it is bounded by the unseen-tail rule of the
recursion, not extrapolated (measured: ``PopulationKDE(0.6)`` on variances 0.5, ``D_1`` off by
3.5e-5 with 8e-5 stated; a box 1.5 times wider, 470 points, changed neither).

Components whose covariance another one's dominates (Loewner order) are dropped, and one is kept
per covariance: the rule's verdict depends on the heaviest precisions only, so the model stays
as small as ``p``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._errors import FinitenessUndecidedError
from ._estimate import Estimate
from ._gaussian import Gaussian
from ._law_tools import as_mixture, components
from ._laws import GaussianMixture
from ._operations import ou_transition
from ._standard_init import standard_init_endpoint
from ._tails import TailCheck, chi2_tail_check

__all__ = ["TailModel", "infinite_estimate"]

#: two covariances closer than this (relative to their size) count as equal when pruning
_SAME = 1e-12


def _uniform(means: list[Any], covs: list[Any]) -> GaussianMixture:
    """Equal weights on one component per covariance that no other one dominates (Loewner
    order). The rule's verdict depends on the precisions only: where means would matter (a tail
    exponent of zero) it reports infinity either way. A sampled KDE's hundreds of components
    are then one, and the 2-D scan of the rule stays exact (it enumerates pairs)."""
    m, c = np.asarray(means, dtype=float), np.asarray(covs, dtype=float)
    scale = float(np.max(np.abs(c)))
    key = np.round(c.reshape(len(c), -1) / (_SAME * scale)) if scale > 0 else c.reshape(len(c), -1)
    rep = np.sort(np.unique(key, axis=0, return_index=True)[1])
    # another covariance >= this one (and not equal): its tails are heavier everywhere
    pick = [
        j
        for j in rep
        if not any(
            float(np.min(np.linalg.eigvalsh(c[k] - c[j]))) >= -_SAME * scale for k in rep if k != j
        )
    ]
    n = len(pick)
    return GaussianMixture(np.full(n, 1.0 / n), m[pick], c[pick])


def _check(a: GaussianMixture, b: GaussianMixture) -> TailCheck | None:
    """The rule's verdict, None where it cannot decide (then the grid's value stands)."""
    try:
        return chi2_tail_check(a, b)
    except FinitenessUndecidedError:
        return None


def _parts(*laws: Any) -> tuple[list[Any], list[Any]]:
    means: list[Any] = []
    covs: list[Any] = []
    for law in laws:
        w, m, c, _ = components(law)
        for k in np.flatnonzero(w > 0):
            means.append(m[k])
            covs.append(c[k])
    return means, covs


def _union(*laws: Any) -> GaussianMixture:
    return _uniform(*_parts(*laws))


@dataclass(frozen=True, slots=True)
class TailModel:
    """Gaussian components carrying the tails of the current generated law ``p_hat_i``."""

    p: GaussianMixture
    alpha: float
    diffusion: Diffusion
    hat: GaussianMixture

    @classmethod
    def start(cls, p: Any, alpha: float, diffusion: Diffusion, p_hat_0: Any) -> TailModel:
        return cls(as_mixture(p), float(alpha), diffusion, _union(p_hat_0))

    def _training(self) -> GaussianMixture:
        """The tails of ``q_i = alpha p + (1 - alpha) p_hat_i``."""
        if self.alpha >= 1.0 or self.alpha <= 0.0:
            return self.p if self.alpha >= 1.0 else self.hat
        return _union(self.p, self.hat)

    def _endpoint(self, law: GaussianMixture) -> GaussianMixture:
        if self.diffusion.init != "standard":
            return _union(ou_transition(law, self.diffusion.t0))
        means, covs = _parts(law)
        ends = [
            standard_init_endpoint(Gaussian(m, c), self.diffusion)
            for m, c in zip(means, covs, strict=True)
        ]
        return _uniform([g.mean for g in ends], [g.cov for g in ends])

    def step(
        self, learner: Any, learned: Any = None
    ) -> tuple[TailModel, dict[str, TailCheck | None]]:
        """The model of ``p_hat_{i+1}`` and the tail checks of the generation's ratios (keys as
        in the recursion: D, I, I_ideal, J, refreshed; None where undecided).

        ``learned``: the learned law where it is in closed form (a sampled learner's KDE or
        refit); None for a law map, which then acts on the training law's tail model."""
        q = self._training()
        if learned is not None:
            tilde = as_mixture(learned)
        else:  # a law map acts on the components (the generator is not used)
            tilde = as_mixture(learner.learn(q, np.random.default_rng(0)))
        hat = self._endpoint(tilde)
        checks = {
            "D": _check(hat, self.p),
            "I": _check(hat, q),
            "I_ideal": _check(hat, self._endpoint(q)),
            "J": _check(_union(hat, q), self.p),
            "refreshed": _check(q, self.p),
        }
        return TailModel(self.p, self.alpha, self.diffusion, hat), checks

    def refreshed(self) -> TailCheck | None:
        """The tail check of ``chi2(q_i || p)`` for the current model (the last generation)."""
        q = self._training()
        return _check(q, self.p)


def infinite_estimate(check: TailCheck, grid_value: float, init: str) -> Estimate:
    """``+inf`` by the tail model, saying what the box alone gave."""
    how = (
        "every law a mixture (exact init)"
        if init != "standard"
        else "standard init: each component's Gaussian endpoint from N(0, I)"
    )
    return Estimate(
        float("inf"),
        0.0,
        "tail-rule",
        f"{check.reason} (tail model of the grid recursion, {how}; the quadrature on the box "
        f"alone gives {grid_value:.6g}, the integrand grows beyond it)",
    )
