"""Frozen, validated Gaussian and Gaussian-mixture laws.

Both classes factorise every covariance once (Cholesky) at construction and reuse the factors
for densities, scores, sampling and divergences. Arrays held by a law are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from ._errors import OracleDomainError, OracleShapeError
from ._factors import _check_ages, _component_terms, _Factors, _points, _readonly, log_sum_exp
from ._gaussian import Gaussian
from ._validation import (
    WEIGHT_SUM_ATOL,
    FloatArray,
    _show,
    as_float_array,
    check_covariances,
    check_positive_int,
    check_rng,
)

__all__ = ["Gaussian", "GaussianMixture", "Law"]


@dataclass(frozen=True, slots=True, eq=False, init=False)
class GaussianMixture:
    r"""A finite Gaussian mixture :math:`\sum_k w_k N(m_k, S_k)` whose components carry an age.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Non-negative weights summing to 1 within ``1e-9`` (then renormalised exactly).
    means : array_like, shape (K, d), or (K,) when ``d = 1``
        Component means.
    covs : array_like, shape (K, d, d); (d, d) shared by all components; or (K,) when ``d = 1``
        Symmetric positive-definite component covariances (same round-off rules as
        :class:`Gaussian`).
    ages : array_like of int, shape (K,), optional
        Non-negative labels, by convention the number of generations since the component was
        fresh data. Defaults to zeros. Operations keep them; :func:`mix` concatenates them.

    Raises
    ------
    OracleShapeError, OracleDomainError, NotPositiveDefiniteError
        On inconsistent shapes, non-finite entries, negative or non-normalised weights, or a
        covariance that is not symmetric positive definite (the message names the component).

    Examples
    --------
    >>> mix2 = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [[[1.0]], [[1.0]]])
    >>> mix2.dim, mix2.n_components
    (1, 2)
    >>> float(mix2.cov[0, 0])   # law of total variance: 1 + 1
    2.0
    """

    weights: FloatArray
    means: FloatArray
    covs: FloatArray
    ages: NDArray[np.int64]
    _factors: _Factors = field(repr=False)
    _log_weights: FloatArray = field(repr=False)

    def __init__(
        self, weights: ArrayLike, means: ArrayLike, covs: ArrayLike, ages: ArrayLike | None = None
    ) -> None:
        w = as_float_array("weights", weights)
        if w.ndim != 1 or w.shape[0] == 0:
            raise OracleShapeError(f"weights={_show(w)} must be a non-empty vector of shape (K,)")
        k = w.shape[0]
        if np.any(w < 0):
            raise OracleDomainError(f"weights={_show(w)} must be >= 0")
        total = float(np.sum(w))
        if abs(total - 1.0) > WEIGHT_SUM_ATOL:
            raise OracleDomainError(
                f"weights={_show(w)} must sum to 1 (within {WEIGHT_SUM_ATOL:g}); "
                f"they sum to {total!r}"
            )
        w = w / total
        means = as_float_array("means", means)
        if means.ndim == 1:
            means = means[:, None]
        if means.ndim != 2 or means.shape[0] != k:
            raise OracleShapeError(
                f"means has shape {means.shape}; with {k} weights it must be ({k}, d)"
            )
        d = means.shape[1]
        covs = as_float_array("covs", covs)
        if d == 1 and covs.shape == (k,):
            covs = covs.reshape(k, 1, 1)
        elif covs.shape == (d, d):
            covs = np.broadcast_to(covs, (k, d, d)).copy()
        if covs.shape != (k, d, d):
            raise OracleShapeError(
                f"covs has shape {covs.shape}; with {k} components in dimension {d} it must be "
                f"({k}, {d}, {d}) or ({d}, {d})"
            )
        covs = check_covariances("covs", covs)
        ages_arr = np.zeros(k, dtype=np.int64) if ages is None else _check_ages(ages, k)
        ages_arr.setflags(write=False)
        with np.errstate(divide="ignore"):
            logw = np.log(w)
        object.__setattr__(self, "weights", _readonly(w))
        object.__setattr__(self, "means", _readonly(means))
        object.__setattr__(self, "covs", _readonly(covs))
        object.__setattr__(self, "ages", ages_arr)
        object.__setattr__(self, "_factors", _Factors.of(covs))
        object.__setattr__(self, "_log_weights", _readonly(logw))

    @property
    def dim(self) -> int:
        """Dimension ``d``."""
        return int(self.means.shape[1])

    @property
    def n_components(self) -> int:
        """Number of components ``K`` (zero-weight components included)."""
        return int(self.weights.shape[0])

    @property
    def mean(self) -> FloatArray:
        """Mean of the whole law, ``sum_k w_k m_k``."""
        return self.weights @ self.means

    @property
    def cov(self) -> FloatArray:
        """Covariance of the whole law (law of total variance)."""
        centred = self.means - self.mean
        between = np.einsum("k,ki,kj->ij", self.weights, centred, centred)
        within = np.einsum("k,kij->ij", self.weights, self.covs)
        out = within + between
        return 0.5 * (out + out.T)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GaussianMixture):
            return NotImplemented
        return all(
            np.array_equal(a, b)
            for a, b in (
                (self.weights, other.weights),
                (self.means, other.means),
                (self.covs, other.covs),
                (self.ages, other.ages),
            )
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"GaussianMixture(n_components={self.n_components}, dim={self.dim}, "
            f"weights={_show(self.weights)}, ages={_show(self.ages)})"
        )

    def component(self, k: int) -> Gaussian:
        """Component ``k`` as a :class:`Gaussian`."""
        if not 0 <= k < self.n_components:
            raise OracleDomainError(f"k={k!r} must lie in [0, {self.n_components - 1}]")
        return Gaussian(self.means[k], self.covs[k])

    def component_logpdf(self, x: Any) -> FloatArray:
        """Log-densities of every component, shape ``(K, ...)`` for points of shape ``(..., d)``."""
        pts, batch = _points(x, self.dim)
        logn, _ = _component_terms(self.means, self._factors, pts, with_whitened=False)
        return logn.reshape((self.n_components, *batch))

    def responsibilities(self, x: Any) -> FloatArray:
        """Posterior component probabilities, shape ``(K, ...)``, computed in log space."""
        pts, batch = _points(x, self.dim)
        logn, _ = _component_terms(self.means, self._factors, pts, with_whitened=False)
        joint = self._log_weights[:, None] + logn
        post = np.exp(joint - logsumexp(joint, axis=0, keepdims=True))
        return post.reshape((self.n_components, *batch))

    def logpdf(self, x: Any) -> FloatArray:
        """Log-density (log-sum-exp over components) at points of shape ``(..., d)``."""
        pts, batch = _points(x, self.dim)
        logn, _ = _component_terms(self.means, self._factors, pts, with_whitened=False)
        return log_sum_exp(self._log_weights[:, None] + logn, axis=0).reshape(batch)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``n`` independent draws, shape ``(n, d)``, from the caller's generator ``rng``."""
        n = check_positive_int("n", n)
        rng = check_rng("rng", rng)
        labels = rng.choice(self.n_components, size=n, p=self.weights)
        z = rng.standard_normal((n, self.dim))
        out = np.empty((n, self.dim))
        for k in np.unique(labels):
            sel = labels == k
            out[sel] = self.means[k] + z[sel] @ self._factors.chol[k].T
        return out

    def with_ages(self, ages: Any) -> GaussianMixture:
        """The same law with new component ages."""
        k = self.n_components
        return self._subset(np.arange(k), self.weights, _check_ages(ages, k))

    def _subset(
        self, idx: NDArray[np.intp], weights: FloatArray, ages: NDArray[np.int64]
    ) -> GaussianMixture:
        """Components ``idx`` of this law with new weights and ages, reusing the validated
        covariances and their factors (no re-validation, no re-factorisation)."""
        f = self._factors
        factors = _Factors(
            _readonly(f.chol[idx]), _readonly(f.chol_inv[idx]), _readonly(f.logdet[idx])
        )
        return _assemble(weights, self.means[idx], self.covs[idx], ages, factors)

    def aged(self, by: int = 1) -> GaussianMixture:
        """The same law with every age increased by ``by`` (one generation by default)."""
        by = check_positive_int("by", by, minimum=0)
        return self.with_ages(self.ages + by)

    def merged(self) -> GaussianMixture:
        """Merge components with identical age, mean and covariance (weights add up).

        Components produced from the same origin by the same operations are bitwise equal, so
        exact equality is the right test; components of zero weight are dropped. The order of
        first appearance is kept.
        """
        keys: dict[tuple[int, bytes, bytes], int] = {}
        weights: list[float] = []
        index: list[int] = []
        for k in range(self.n_components):
            if self.weights[k] == 0.0:
                continue
            key = (int(self.ages[k]), self.means[k].tobytes(), self.covs[k].tobytes())
            if key in keys:
                weights[keys[key]] += float(self.weights[k])
            else:
                keys[key] = len(weights)
                weights.append(float(self.weights[k]))
                index.append(k)
        idx = np.asarray(index, dtype=np.intp)
        return self._subset(idx, np.asarray(weights), self.ages[idx])


Law = Gaussian | GaussianMixture


def _assemble(
    weights: FloatArray,
    means: FloatArray,
    covs: FloatArray,
    ages: NDArray[np.int64],
    factors: _Factors | None = None,
) -> GaussianMixture:
    """Trusted constructor for operations whose outputs are valid by construction (subsets and
    concatenations of validated laws, ``e^{-t} S + c I``, ``S + h^2 I``): skips the input
    checks and, when ``factors`` is given, the factorisation. Not for user input."""
    out = object.__new__(GaussianMixture)
    w = np.asarray(weights, dtype=np.float64)
    w = w / float(np.sum(w))
    ages = np.array(ages, dtype=np.int64)
    ages.setflags(write=False)
    with np.errstate(divide="ignore"):
        logw = np.log(w)
    covs = _readonly(covs)
    object.__setattr__(out, "weights", _readonly(w))
    object.__setattr__(out, "means", _readonly(means))
    object.__setattr__(out, "covs", covs)
    object.__setattr__(out, "ages", ages)
    object.__setattr__(out, "_factors", _Factors.of(covs) if factors is None else factors)
    object.__setattr__(out, "_log_weights", _readonly(logw))
    return out


def with_saved_weights(law: GaussianMixture, weights: FloatArray) -> GaussianMixture:
    """``law`` (validated, its weights renormalised) with ``weights`` restored bit for bit:
    renormalising weights that already sum to one within round-off moves their last bits, so
    a saved law would not reload equal. Not for user input (the constructor checked it)."""
    w = np.array(weights, dtype=np.float64)
    object.__setattr__(law, "weights", _readonly(w))
    with np.errstate(divide="ignore"):
        object.__setattr__(law, "_log_weights", _readonly(np.log(w)))
    return law
