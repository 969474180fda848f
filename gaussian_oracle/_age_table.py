"""The recursion as a table of components indexed by age (private; behind run_recursion).

With Gaussian data ``p``, exact init and one learner that maps each component of its
training law on its own (:class:`ExactScore`, :class:`PopulationKDE`,
:class:`AffinePushforward`), one generation maps a component ``C`` to ``F(C) = P_t0(learn(C))``
whatever the rest of the law. So the component that entered with the fresh data ``k``
generations ago is ``C_k = F^k(p)`` in every generation: ``p_hat_n`` has the components
``C_1 .. C_n`` with weights ``alpha (1 - alpha)^{a-1}`` (age ``a < n``) and ``(1 - alpha)^{n-1}``
(age ``n``), and ``q_n = alpha p + (1 - alpha) p_hat_n`` has ``C_0 .. C_n``.

Each component is computed, factorised and paired with the others (the pair cache) once,
when it first appears: one new component per generation instead of re-merging, re-validating
and re-factorising every live one. The laws of the trajectory are views into one age-ordered
table (``p_hat_n`` is rows ``1 .. n``), so memory is linear in the number of generations, not
quadratic. THEORY.md §2; tested against the general recursion (a learner given as a schedule
takes that path).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._divergence import Divergence
from ._factors import _Factors
from ._law_tools import as_mixture
from ._laws import Gaussian, GaussianMixture, _assemble
from ._learners import AffinePushforward, ExactScore, PopulationKDE
from ._operations import ou_transition
from ._paircache import PairCache

__all__ = ["AgeTable", "age_table_applies", "age_table_run", "age_weights"]

#: learners that map each component of their training law on its own, deterministically
COMPONENTWISE = (ExactScore, PopulationKDE, AffinePushforward)


def age_table_applies(
    data: Any, alpha: float, learners: list[Any], diffusion: Diffusion, p_hat_0: Any, todo: Any
) -> bool:
    """Whether :class:`AgeTable` runs this recursion (module docstring); the Monte Carlo and
    cubature quantities other than ``J`` take the general path."""
    return (
        isinstance(data, Gaussian)
        and 0.0 < alpha < 1.0
        and p_hat_0 is None
        and diffusion.init == "exact"
        and isinstance(learners[0], COMPONENTWISE)
        and all(x is learners[0] for x in learners)
        and set(todo) <= {"J"}
    )


class AgeTable:
    """Components ``C_0 = p, C_1, ...`` in age order, with their factors and pair terms."""

    def __init__(self, data: Gaussian, learner: Any, diffusion: Diffusion, generations: int):
        d, cap = data.dim, generations + 1
        self.learner, self.t0 = learner, diffusion.t0
        self.means = np.empty((cap, d))
        self.covs = np.empty((cap, d, d))
        self.chol = np.empty((cap, d, d))
        self.chol_inv = np.empty((cap, d, d))
        self.logdet = np.empty(cap)
        self.ages = np.arange(cap, dtype=np.int64)
        self.ages.setflags(write=False)
        self.n = 0
        self.cache = PairCache(data)
        first = as_mixture(data)
        self._append(first.means, first.covs, first._factors)

    def _append(self, means: Any, covs: Any, factors: _Factors) -> None:
        k = self.n
        self.means[k], self.covs[k] = means[0], covs[0]
        self.chol[k], self.chol_inv[k], self.logdet[k] = (
            factors.chol[0],
            factors.chol_inv[0],
            factors.logdet[0],
        )
        self.n += 1
        self.cache.add(self.means[k : k + 1], self.covs[k : k + 1], self.ages[k : k + 1])

    def grow(self, rng: np.random.Generator) -> None:
        """Append ``C_n = F(C_{n-1})``: learn the oldest component alone, then ``P_t0``."""
        k = self.n - 1
        oldest = _assemble(
            np.ones(1),
            self.means[k : k + 1],
            self.covs[k : k + 1],
            self.ages[k : k + 1],
            _Factors(self.chol[k : k + 1], self.chol_inv[k : k + 1], self.logdet[k : k + 1]),
        )
        new = ou_transition(self.learner.learn(oldest, rng), self.t0)
        if not isinstance(new, GaussianMixture) or new.n_components != 1:  # pragma: no cover
            raise AssertionError("a componentwise learner returned another number of components")
        self._append(new.means, new.covs, new._factors)

    def law(self, first: int, weights: Any) -> GaussianMixture:
        """The mixture of ``C_first .. C_{first + len(weights) - 1}``: views, no copy."""
        rows = slice(first, first + len(weights))
        factors = _Factors(self.chol[rows], self.chol_inv[rows], self.logdet[rows])
        return _assemble(
            np.asarray(weights), self.means[rows], self.covs[rows], self.ages[rows], factors
        )

    def chi2(self, first: int, weights: Any, rng: np.random.Generator, n: int) -> Divergence:
        """chi2 against the data of :meth:`law` ``(first, weights)`` from the pair cache."""
        w = np.asarray(weights, dtype=np.float64)
        w = w / float(np.sum(w))
        live = np.flatnonzero(w > 0)
        law = self.law(first, weights)
        if live.size == 1:  # one Gaussian: its eigen-form (the general path does the same)
            return self.cache.chi2(law, rng, n)
        return self.cache.chi2_at(first + live, w[live], law, rng, n)

    def contrast(self, a: tuple[int, Any], b: tuple[int, Any]) -> Divergence:
        """``J = int (a - b)^2 / p`` of two table laws given as ``(first, weights)``."""
        c = np.zeros(self.n)
        for (first, weights), sign in ((a, 1.0), (b, -1.0)):
            w = np.asarray(weights, dtype=np.float64)
            c[first : first + len(w)] += sign * w / float(np.sum(w))
        nz = np.flatnonzero(c != 0.0)
        return self.cache.contrast_at(c[nz], nz.astype(np.intp))


def age_weights(alpha: float, n: int) -> np.ndarray:
    """Weights of ``C_0 .. C_n`` in ``q_n`` (also those of ``C_1 .. C_{n+1}`` in
    ``p_hat_{n+1}``): ``alpha (1 - alpha)^a`` for ``a < n``, ``(1 - alpha)^n`` for ``a = n``."""
    w = alpha * (1.0 - alpha) ** np.arange(n + 1, dtype=np.float64)
    w[n] = (1.0 - alpha) ** n
    return w


def age_table_run(
    table: AgeTable, alpha: float, generations: int, todo: Any, stream: Any, n: int, meter: Any
) -> dict[str, Any]:
    """Laws, ``D_i``, ``chi2(q_i || p)`` and (if asked) ``J_i`` of the recursion on the table;
    ``stream(generation, purpose)``, purpose "learn", "D" or "refreshed", gives the random
    stream the general path would use."""

    laws = [table.law(0, [1.0])]
    d_list = [table.chi2(0, [1.0], stream(0, "D"), n)]
    refreshed: list[Divergence] = []
    j_list: list[Divergence] = []
    for step in range(generations):
        w = age_weights(alpha, step)  # q_step over C_0 .. C_step
        refreshed.append(table.chi2(0, w, stream(step, "refreshed"), n))
        table.grow(stream(step, "learn"))
        laws.append(table.law(1, w))
        if "J" in todo:
            j_list.append(table.contrast((1, w), (0, w)))
        d_list.append(table.chi2(1, w, stream(step + 1, "D"), n))
        meter.update()
    meter.close()
    w = age_weights(alpha, generations)
    refreshed.append(table.chi2(0, w, stream(generations, "refreshed"), n))
    return {"laws": laws, "D": d_list, "J": j_list, "refreshed": refreshed}
