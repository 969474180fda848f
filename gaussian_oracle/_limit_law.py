"""The limit law of the exact-score recursion under early stopping (THEORY.md §8).

Derived in this project (THEORY.md §8), consistent with the abstract of [KTV26b]
(arXiv:2606.13796), not that paper's theorem: with the exact score, exact init and early
stopping ``t0``, ``p_hat_{i+1} = P_{t0}(alpha p + (1 - alpha) p_hat_i)`` has the unique fixed
point

    p_inf = sum_{k >= 1} alpha (1 - alpha)^{k-1} P_{k t0} p,

an infinite mixture of ever more smoothed copies of the data. :func:`limit_law` returns it
truncated after ``K`` ages, where the weight left out, ``(1 - alpha)^K``, is below ``tol``
(it bounds the total-variation distance between the renormalised truncation and ``p_inf``), and
``chi2(p_inf || p)`` of the **untruncated** law: the age-``k`` components tend to ``N(0, I)``,
so finiteness is decided for the whole family including that limit (a truncation alone would
report a finite value for a divergent series), and the omitted ages are bounded by
Cauchy–Schwarz in ``L^2(1/p)``: with ``f_k = P_{k t0} p - p``, ``|int f_j f_k / p| <=
sup_k chi2(P_{k t0} p || p)`` (that sup taken on a grid of the age continuum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ._divergence import Divergence, chi2, kl
from ._errors import OracleDomainError
from ._grid_law import GridLaw
from ._law_tools import as_mixture, check_law
from ._laws import Gaussian, GaussianMixture
from ._limit_boundary import boundary_chi2, boundary_diverges
from ._tails import chi2_tail_check
from ._validation import check_scalar

__all__ = ["LimitLaw", "limit_law"]

#: most ages a truncation may keep (alpha 1e-3 at tol 1e-12 needs 27,618)
MAX_AGES = 100_000
#: points of the age continuum c = e^{-k t0} in [0, c_1] on which sup_k chi2(P_{k t0} p || p)
#: is taken for the omitted ages' bound (it varies smoothly in c; the bound takes the maximum)
_TAIL_POINTS = 33


@dataclass(frozen=True, slots=True)
class LimitLaw:
    """The fixed point ``p_inf`` of the exact-score recursion (module docstring).

    Attributes
    ----------
    law : GaussianMixture or GridLaw
        Ages ``1 .. K`` (``ages`` records each component's), weights ``alpha (1 - alpha)^{k-1}``
        renormalised over the ages kept; a :class:`GridLaw` on the data's box for grid data.
    alpha, t0 : float
    ages : int
        ``K``.
    truncation_tv : float
        ``(1 - alpha)^K``, an upper bound on ``TV(law, p_inf)``.
    chi2 : Divergence
        ``chi2(p_inf || data)`` of the untruncated law, with the omitted ages in ``abs_error``.
    data : law
        The data ``p`` (for :meth:`kl`).
    """

    law: Any  # GaussianMixture, or GridLaw for grid data
    alpha: float
    t0: float
    ages: int
    truncation_tv: float
    chi2: Divergence
    data: Any = None

    @property
    def truncation_w2(self) -> float:
        """An upper bound on ``W2(law, p_inf)``: with ``eps = (1 - alpha)^K``, ``p_inf = (1 -
        eps) law + eps rho`` (``rho`` the omitted ages), so coupling ``law``'s surplus ``eps``
        with ``rho`` gives ``W2^2 <= 2 eps (E_rho |x|^2 + E_law |x|^2)``; the OU semigroup
        gives ``E_{P_s p} |x|^2 = e^{-s} E_p |x|^2 + (1 - e^{-s}) d`` for any law, and the
        omitted ages have ``s >= (K + 1) t0``, so ``E_rho |x|^2`` is at most the larger of that
        value at ``s = (K + 1) t0`` and ``d``."""

        def moment(law: Any) -> float:
            m = np.asarray(law.mean)
            return float(m @ m + np.trace(law.cov))

        d, c = float(self.law.dim), math.exp(-(self.ages + 1) * self.t0)
        tail = max(c * moment(self.data) + (1.0 - c) * d, d)
        return float(np.sqrt(2.0 * self.truncation_tv * (tail + moment(self.law))))

    def kl(self, *, n_samples: int = 200_000, rng: np.random.Generator | None = None) -> Divergence:
        """``KL(p_inf || p)`` of the untruncated law (always finite): ``KL(law || p)`` (closed
        form, cubature in 1-D/2-D, Monte Carlo above, as :func:`gaussian_oracle.kl`), with the
        truncation in ``abs_error``: for ``p_inf = (1 - eps) law + eps rho``, convexity and the
        mixing-entropy bound give ``|KL(p_inf) - KL(law)| <= eps (KL(law) + KL(rho)) + H(eps)``
        (``H`` the binary entropy), and ``KL(rho) <= sup_k KL(P_{k t0} p || p)``, taken on the
        grid of the age continuum that :attr:`chi2` uses.

        Examples
        --------
        >>> lim = limit_law(Gaussian(0.0, 0.8), alpha=0.5, t0=0.1)
        >>> k = lim.kl()
        >>> k.method, bool(0 < k.value < lim.chi2.value), bool(k.abs_error < 1e-9)
        ('quadrature', True, True)
        """
        base = _divergence("kl", self.law, self.data, (n_samples, rng))
        eps = self.truncation_tv
        if eps == 0.0:
            return base
        sup = _age_sup("kl", self.data, self.t0, base.method, (n_samples, rng))
        entropy = -eps * math.log(eps) - (1.0 - eps) * math.log1p(-eps)
        omitted = eps * (base.value + sup) + entropy
        return Divergence(
            base.value,
            float(base.abs_error + omitted),
            base.method,
            f"p_inf truncated after {self.ages} ages (weight left out {eps:.2g}); the omitted "
            f"ages move KL by at most {omitted:.2g} (convexity, mixing entropy)",
            base.n_samples,
            base.bias,
            "estimate",
        )


def _ages_needed(alpha: float, tol: float) -> int:
    if alpha == 1.0:
        return 1
    k = math.ceil(math.log(tol) / math.log1p(-alpha))
    if k > MAX_AGES:
        raise OracleDomainError(
            f"alpha={alpha!r} with tol={tol!r} needs {k} ages (at most {MAX_AGES}): pass a "
            "larger tol"
        )
    return max(k, 1)


def _aged(base: GaussianMixture, c: np.ndarray, weights: np.ndarray) -> GaussianMixture:
    """Components ``P_s`` of ``base`` for every ``c = e^{-s}``, weighted ``weights x base``."""
    d = base.dim
    root = np.sqrt(c)[:, None, None]
    means = (root * base.means[None]).reshape(-1, d)
    covs = c[:, None, None, None] * base.covs[None] + (1.0 - c)[:, None, None, None] * np.eye(d)
    w = (weights[:, None] * base.weights[None]).ravel()
    ages = np.repeat(np.arange(1, len(c) + 1), base.n_components)
    return GaussianMixture(w / np.sum(w), means, covs.reshape(-1, d, d), ages)


def limit_law(
    data: Any,
    *,
    alpha: float,
    t0: float,
    tol: float = 1e-12,
    n_samples: int = 200_000,
    rng: np.random.Generator | None = None,
) -> LimitLaw:
    """The limit law ``p_inf`` of the exact-score recursion and ``chi2(p_inf || data)``.

    Derived in this project (THEORY.md §8), consistent with the abstract of [KTV26b].

    Parameters
    ----------
    data : Gaussian, GaussianMixture or GridLaw
        The data law ``p``; for a grid law (1-D/2-D) the limit law is a grid law on the same
        box and its divergences are grid quadratures (:mod:`gaussian_oracle._limit_grid`).
    alpha : float, in (0, 1]
        Fresh-data fraction.
    t0 : float, > 0
        Early-stopping time.
    tol : float, in (0, 0.5]
        Weight the truncation may leave out (its TV error).
    n_samples, rng
        Importance sampling of chi2 where no exact route exists (mixture data in d >= 3; the
        value is then labelled as an estimate with its standard error), as in :func:`chi2`.

    Returns
    -------
    LimitLaw

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> lim = limit_law(Gaussian(0.0, 0.8), alpha=0.5, t0=0.1)
    >>> lim.ages, lim.truncation_tv <= 1e-12, lim.law.n_components
    (40, True, 40)
    >>> round(lim.chi2.value, 12), lim.chi2.method, bool(lim.chi2.abs_error < 1e-13)
    (0.000946245851, 'closed-form', True)
    >>> limit_law(Gaussian(0.0, 0.4), alpha=0.5, t0=0.1).chi2.value   # variance < 1/2
    inf
    """
    if not isinstance(data, GridLaw):
        data = check_law("data", data)
    alpha = check_scalar("alpha", alpha, low=0.0, high=1.0, low_open=True)
    t0 = check_scalar("t0", t0, low=0.0, low_open=True)
    tol = check_scalar("tol", tol, low=0.0, high=0.5, low_open=True)
    if isinstance(data, GridLaw):
        from ._limit_grid import grid_limit_law

        return cast(LimitLaw, grid_limit_law(data, alpha, t0, tol))
    weights, c, left = limit_ages(alpha, t0, tol)
    law = _aged(as_mixture(data), c, weights)
    div = _chi2_of_limit(law, data, c, left, (t0, alpha), (n_samples, rng))
    return LimitLaw(law, alpha, t0, len(c), left, div, data)


def limit_ages(alpha: float, t0: float, tol: float) -> tuple[np.ndarray, np.ndarray, float]:
    """``(weights, c, left)`` of the ages kept (validated arguments): weights ``alpha (1 -
    alpha)^{k-1}``, ``c = e^{-k t0}``, and the weight left out."""
    k = _ages_needed(alpha, tol)
    ages = np.arange(1, k + 1, dtype=np.float64)
    weights = alpha * np.exp((ages - 1.0) * math.log1p(-alpha)) if alpha < 1.0 else np.ones(1)
    left = 0.0 if alpha == 1.0 else math.exp(k * math.log1p(-alpha))
    return weights, np.exp(-ages * t0), left


def _divergence(kind: str, law: Any, data: Any, sampling: tuple[int, Any]) -> Divergence:
    """``chi2`` or ``kl`` of ``law`` against ``data`` (grid quadrature for grid laws)."""
    if isinstance(law, GridLaw):
        return law.chi2(data) if kind == "chi2" else law.kl(data)
    n, rng = sampling
    return (chi2 if kind == "chi2" else kl)(law, data, n_samples=n, rng=rng)


def _age_sup(kind: str, data: Any, t0: float, method: str, sampling: tuple[int, Any]) -> float:
    """``sup_k D(P_{k t0} p || p)`` taken on a grid of the age continuum ``c = e^{-k t0}`` in
    ``[0, c_1]`` (``c = 0`` is the limit N(0, I)), which holds every age: 33 points after an
    exact or quadrature value, 2 after a sampled one (its error dwarfs the grid's)."""
    points = _TAIL_POINTS if method in ("closed-form", "quadrature", "grid") else 2
    grid = np.linspace(0.0, math.exp(-t0), points)
    ages: list[Any]
    if isinstance(data, GridLaw):
        from ._limit_grid import grid_aged

        ages = [grid_aged(data, float(x)) for x in grid]
    else:
        base = as_mixture(data)
        ages = [_aged(base, np.array([x]), np.ones(1)) for x in grid]
    return max(_divergence(kind, a, data, sampling).value for a in ages)


def with_omitted_ages(
    truncated: Divergence, data: Any, t0: float, left: float, ages: int, sampling: Any
) -> Divergence:
    """chi2 of the untruncated law from the truncation's: ``W^2 chi2(law)`` plus at most ``(1 -
    W^2) sup_k chi2(P_{k t0} p || p)`` for the omitted ages (``W = 1 - left``; the Gram-matrix
    bound of the module docstring)."""
    if truncated.value == np.inf or left == 0.0:
        return truncated
    kept = (1.0 - left) ** 2
    omitted = (1.0 - kept) * _age_sup("chi2", data, t0, truncated.method, sampling)
    return Divergence(
        kept * truncated.value,
        float(kept * truncated.abs_error + omitted),
        truncated.method,
        f"p_inf truncated after {ages} ages (weight left out {left:.2g}); the omitted ages "
        f"contribute at most {omitted:.2g} (Cauchy-Schwarz, the sup over ages on a grid)"
        + (f"; {truncated.reason}" if truncated.reason else ""),
        truncated.n_samples,
        truncated.bias,
        "estimate",
    )


def _chi2_of_limit(
    law: GaussianMixture,
    data: Any,
    c: np.ndarray,
    left: float,
    params: tuple[float, float],
    sampling: tuple[int, Any],
) -> Divergence:
    """``chi2(p_inf || p) = sum_jk w_j w_k G_jk`` over all ages, ``G_jk = int (P_j p - p)
    (P_k p - p) / p`` a Gram matrix in ``L^2(1/p)``: the kept ages give ``W^2 chi2(law)``
    (``W = 1 - left``), the others at most ``(1 - W^2) sup_k chi2(P_{k t0} p || p)``."""
    (t0, alpha), (n, rng) = params, sampling
    d = data.dim
    limit = Gaussian(np.zeros(d), np.eye(d))  # where the old ages go
    at_limit = chi2(limit, data)
    if at_limit.value == np.inf and at_limit.method == "tail-rule":
        edge = _boundary(data, t0, alpha, len(c)) if isinstance(data, Gaussian) else None
        if isinstance(edge, Divergence):  # the convergent boundary case, summed
            return edge
        if edge is None and not chi2_tail_check(limit, data).exact:
            # mixture data on the boundary: the tail rule itself reports +inf conservatively
            why = (
                "the components of age k tend to N(0, I) as k -> inf, whose tails are exactly "
                "as heavy as the data's in some direction (THEORY.md §8's boundary, for mixture "
                f"data not summed here; {at_limit.reason})"
            )
        else:
            why = edge or (
                "the components of age k tend to N(0, I) as k -> inf, and N(0, I) has heavier "
                f"tails than the data ({at_limit.reason})"
            )
        return Divergence(
            float("inf"),
            0.0,
            "tail-rule",
            f"{why}: chi2(p_inf || p) = +inf, although every truncation of p_inf may have a "
            "finite chi2 (THEORY.md §8)",
        )
    truncated = chi2(law, data, n_samples=n, rng=rng)
    return with_omitted_ages(truncated, data, t0, left, len(c), sampling)


def _boundary(data: Gaussian, t0: float, alpha: float, ages: int) -> str | Divergence | None:
    """THEORY.md §8's boundary case for Gaussian data (eigenvalues of ``S`` exactly 1/2, none
    below): the reason chi2 is infinite (a mean offset along them, or a divergent series), or
    the summed value of the convergent series (:mod:`._limit_boundary`, which also corrects
    §8's convergence condition). None off the boundary (an eigenvalue below 1/2: heavier
    tails)."""
    lam, vec = np.linalg.eigh(data.cov)
    edge = lam == 0.5
    if np.any(lam < 0.5) or not np.any(edge):
        return None
    r = int(np.sum(edge))
    if np.any(vec[:, edge].T @ data.mean != 0.0):
        return (
            f"the data's covariance has {r} eigenvalue(s) exactly 1/2 and its mean is offset "
            "along them: the age-k terms grow like exp(c e^(k t0)) against the weights "
            "alpha (1 - alpha)^(k-1)"
        )
    diverges, ratio = boundary_diverges(alpha, t0, r)
    if diverges:
        return (
            f"the data's covariance has {r} eigenvalue(s) exactly 1/2: the diagonal terms "
            f"w_k^2 int P_k^2 / p of the series grow like ((1 - alpha)^2 e^(r t0 / 2))^k and "
            f"(1 - alpha)^2 e^(r t0 / 2) = {ratio:.6g} >= 1, so the series diverges"
        )
    return boundary_chi2(data, alpha, t0, ages)
