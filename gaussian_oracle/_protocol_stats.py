"""Per-generation statistics of the literal protocol's sample sets, and their exact twins.

For a set of ``n`` points (rows of ``x``) of one generation of one run:

- ``mean`` (d), ``cov`` (d x d, about the set's own mean, divided by ``n - 1``) and
  ``second_moment`` ``mean |x|^2``;
- ``mode_mass`` and ``mode_spread`` per data component: each point is assigned to the data
  component of largest posterior responsibility; the mass is the fraction of points assigned,
  the spread ``mean |x - m_k|^2 / d`` over them (0 where a mode holds no point: its mass says
  so);
- ``w2_fit``: the Bures distance between the Gaussian fit ``N(mean, cov)`` and the Gaussian with
  the data's exact mean and covariance.

The oracle's laws give the same quantities exactly (``mean``, ``cov``, ``second_moment``,
``w2_fit``: closed forms of a mixture's moments); the mode statistics have no closed form
(the assignment is a nonlinear partition) and are not given for the oracle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._closed_forms import w2_gaussian
from ._law_tools import as_mixture
from ._laws import Gaussian, GaussianMixture

__all__ = ["STATS", "law_stats", "moments_gaussian", "sample_stats"]

#: the per-generation statistics of a run (and the shape of one value: ``d`` the dimension,
#: ``K`` the number of data components)
STATS = {
    "mean": "d",
    "cov": "d x d",
    "second_moment": "",
    "mode_mass": "K",
    "mode_spread": "K",
    "w2_fit": "",
}
#: the statistics with an exact value on the oracle's laws
EXACT_STATS = ("mean", "cov", "second_moment", "w2_fit")


def moments_gaussian(law: Any) -> Gaussian:
    """The Gaussian with ``law``'s exact mean and covariance (law of total covariance)."""
    mix = as_mixture(law)
    return Gaussian(mix.mean, mix.cov)


def _assign(data: GaussianMixture, x: np.ndarray) -> np.ndarray:
    """Index of the data component of largest posterior responsibility, per row of ``x``."""
    return np.asarray(np.argmax(data.responsibilities(x), axis=0))


def sample_stats(x: np.ndarray, data: GaussianMixture, reference: Gaussian) -> dict[str, Any]:
    """The statistics of the module docstring for the rows of ``x`` (float64, host)."""
    n, d = x.shape
    mean = x.mean(axis=0)
    c = x - mean
    cov = c.T @ c / (n - 1)
    label = _assign(data, x)
    k = data.n_components
    count = np.bincount(label, minlength=k)
    sq = np.sum((x - data.means[label]) ** 2, axis=1)
    spread = np.bincount(label, weights=sq, minlength=k) / (d * np.maximum(count, 1))
    return {
        "mean": mean,
        "cov": cov,
        "second_moment": float(np.mean(np.sum(x * x, axis=1))),
        "mode_mass": count / n,
        "mode_spread": spread,
        "w2_fit": w2_gaussian(Gaussian(mean, 0.5 * (cov + cov.T)), reference),
    }


def law_stats(law: Any, reference: Gaussian) -> dict[str, Any]:
    """The exact statistics (:data:`EXACT_STATS`) of a law."""
    g = moments_gaussian(law)
    return {
        "mean": g.mean,
        "cov": g.cov,
        "second_moment": float(g.mean @ g.mean + np.trace(g.cov)),
        "w2_fit": w2_gaussian(g, reference),
    }
