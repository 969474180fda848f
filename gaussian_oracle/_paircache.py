"""Pairwise terms ``int N_a N_b / N_0`` against Gaussian data, cached by component (private).

Behind ``D_i``, ``chi2(q_i || p)`` and ``J_i`` of :func:`run_recursion` when the data is
Gaussian: each generation adds O(K) new pairs instead of recomputing O(K^2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._closed_forms import DIRECT_LIMIT
from ._contrast import signed_form
from ._divergence import Divergence, chi2, closed_form_chi2, overflow_beyond_log
from ._law_tools import single_gaussian
from ._laws import Gaussian, GaussianMixture, _assemble
from ._tails import chi2_tail_check
from ._validation import FloatArray
from ._whitened import WhitenedComponents, shared_basis

__all__ = ["PairCache"]


class PairCache:
    """Pairwise terms ``int N_a N_b / N_0`` against Gaussian data, cached by component.

    Components of a given provenance recur bitwise unchanged from one generation to the next
    (the same operations on the same inputs), only their weights change; so each generation
    adds O(K) new pairs instead of recomputing O(K^2). The terms are stored normalised,
    ``B_ab = exp(T_ab - (T_aa + T_bb) / 2)`` with ``T_ab = log int N_a N_b / N_0``; Cauchy–Schwarz
    in ``L^2(1/N_0)`` gives ``0 < B_ab <= 1``. With ``u_a = log w_a + T_aa / 2`` and
    ``v = exp(u - max u)``, ``1 + chi2 = exp(2 max u) v^T B v`` where ``v^T B v >= 1`` (the
    diagonal term of the largest ``u``): one matrix–vector product, no overflow, no
    underflow. Where every ``T_aa`` is below ``DIRECT_LIMIT`` the value is instead the direct
    ``w^T G w`` with ``G_ab = expm1(T_ab)`` (also cached), which keeps its relative accuracy
    for tiny values (``expm1`` of a log of ``1 + chi2`` has only absolute accuracy). Infinite
    components (by the same tail rule as :func:`chi2`) send the law to :func:`chi2` for the
    reason.
    """

    def __init__(self, data: Gaussian) -> None:
        self.data = data
        self.keys: dict[tuple[bytes, bytes], int] = {}
        self.size = 0  # components held
        self._fields: dict[str, np.ndarray] = {}  # WhitenedComponents' arrays, with capacity
        self.finite = np.zeros(0, dtype=bool)
        self.diag = np.zeros(0)  # T_aa (nan where infinite)
        self.kernel = np.zeros((0, 0))  # B, allocated with spare capacity; 0 where infinite
        self.excess = np.zeros((0, 0))  # G = expm1(T), likewise; 0 where infinite or overflowed
        # the basis of the commuting fast path (_whitened): chosen from the first component
        # that is not a multiple of N_0's covariance; the identity until then
        self.basis: FloatArray = np.eye(data.dim)
        self.basis_fixed = False

    def _grow(self, size: int) -> None:
        cap = self.kernel.shape[0]
        if size <= cap:
            return
        new_cap = max(size, 2 * cap, 16)
        for name in ("kernel", "excess"):
            grown = np.zeros((new_cap, new_cap))
            grown[:cap, :cap] = getattr(self, name)[:cap, :cap]
            setattr(self, name, grown)
        self.diag = np.concatenate([self.diag, np.full(new_cap - cap, np.nan)])
        self.finite = np.concatenate([self.finite, np.zeros(new_cap - cap, dtype=bool)])
        for name, arr in self._fields.items():
            grown = np.empty((new_cap, *arr.shape[1:]), dtype=arr.dtype)
            grown[:cap] = arr[:cap]
            self._fields[name] = grown

    def _comps(self, idx: slice | NDArray[np.intp]) -> WhitenedComponents:
        """The held components ``idx`` (a slice: views, no copy)."""
        return WhitenedComponents(*(self._fields[n][idx] for n in WhitenedComponents.__slots__))

    def add(self, means: FloatArray, covs: FloatArray, ages: NDArray[np.int64]) -> NDArray[np.intp]:
        """Hold new components (not checked for repeats): their pairs with every held one are
        computed now, and their indices returned."""
        old, k = self.size, means.shape[0]
        size = old + k
        self._grow(size)
        fresh = WhitenedComponents.of(means, covs, self.data, basis=None)
        if not self.basis_fixed:
            basis, self.basis_fixed = shared_basis(fresh.e)
            if self.basis_fixed and old:  # the held ones are all scalar: diagonal in any basis
                held = self._comps(slice(0, old)).rebased(basis)
                for n in ("basis_mu", "basis_e", "basis_dw", "in_basis"):
                    self._fields[n][:old] = getattr(held, n)
            self.basis = basis
        fresh = fresh.rebased(self.basis)
        for n in WhitenedComponents.__slots__:
            arr = getattr(fresh, n)
            if n not in self._fields:
                self._fields[n] = np.empty((self.kernel.shape[0], *arr.shape[1:]), arr.dtype)
            self._fields[n][old:size] = arr
        self.size = size
        # the same finiteness rule (and tolerance) as chi2 itself: one call for all the new
        # components (the usual case: all finite), one per component only otherwise
        batch = _assemble(np.full(k, 1.0 / k), means, covs, ages)
        if chi2_tail_check(batch, self.data).finite:
            self.finite[old:size] = True
        else:
            self.finite[old:size] = [
                chi2_tail_check(Gaussian(means[j], covs[j]), self.data).finite for j in range(k)
            ]
        rows = old + np.flatnonzero(self.finite[old:size])
        live = np.flatnonzero(self.finite[:size])
        if len(rows):
            every = len(live) == size
            block = self._comps(rows).log_terms(self._comps(slice(0, size) if every else live))
            self.diag[rows] = self._comps(rows).log_terms_diagonal()  # no inf - inf
            with np.errstate(invalid="ignore"):  # inf - inf: an overflowed diagonal, below
                norm = block - 0.5 * (self.diag[rows][:, None] + self.diag[live][None, :])
            # <= 1 by Cauchy-Schwarz (round-off); NaN only beside an overflowed diagonal
            # term, which makes every sum it enters +inf through u: 0 is safe there
            normed = np.nan_to_num(np.exp(np.minimum(norm, 0.0)), nan=0.0)
            self.kernel[np.ix_(rows, live)] = normed
            self.kernel[np.ix_(live, rows)] = normed.T
            self.kernel[rows, rows] = 1.0  # B_aa = 1 by definition (also when T_aa = inf)
            with np.errstate(over="ignore", invalid="ignore"):
                g = np.nan_to_num(np.expm1(block), nan=0.0, posinf=0.0)
            self.excess[np.ix_(rows, live)] = g
            self.excess[np.ix_(live, rows)] = g.T
            with np.errstate(over="ignore"):
                self.excess[rows, rows] = np.nan_to_num(np.expm1(self.diag[rows]), posinf=0.0)
        return np.arange(old, size, dtype=np.intp)

    def _register(self, law: GaussianMixture) -> NDArray[np.intp]:
        idx: list[int] = []
        new: list[int] = []
        for k in range(law.n_components):
            key = (law.means[k].tobytes(), law.covs[k].tobytes())
            if key not in self.keys:
                self.keys[key] = self.size + len(new)
                new.append(k)
            idx.append(self.keys[key])
        if new:
            sel = np.asarray(new)
            self.add(law.means[sel], law.covs[sel], law.ages[sel])
        return np.asarray(idx, dtype=np.intp)

    def chi2(self, law: GaussianMixture, rng: np.random.Generator, n_samples: int) -> Divergence:
        if single_gaussian(law) is not None:  # the Gaussian eigen-form keeps tiny values exact
            return chi2(law, self.data, rng=rng, n_samples=n_samples)
        live = law.weights > 0
        return self.chi2_at(self._register(law)[live], law.weights[live], law, rng, n_samples)

    def chi2_at(
        self,
        idx: NDArray[np.intp],
        weights: FloatArray,
        law: GaussianMixture,
        rng: np.random.Generator,
        n_samples: int,
    ) -> Divergence:
        """chi2 of the law whose held components ``idx`` (distinct) have ``weights`` > 0
        (``law`` itself for the reason of an infinite value)."""
        if not np.all(self.finite[idx]):
            return chi2(law, self.data, rng=rng, n_samples=n_samples)  # inf, with its reason
        if not np.all(np.isfinite(self.diag[idx])):  # a component's own term beyond float64
            return overflow_beyond_log(
                "a component is too far out in units of the data's covariance"
            )
        size = self.size
        if np.max(self.diag[idx]) <= DIRECT_LIMIT:  # T_ab <= (T_aa + T_bb) / 2: no overflow
            w = np.zeros(size)
            np.add.at(w, idx, weights)
            direct = max(float(w @ (self.excess[:size, :size] @ w)), 0.0)
            return closed_form_chi2(float(np.log1p(direct)), direct)
        u = np.log(weights) + 0.5 * self.diag[idx]
        top = float(np.max(u))
        v = np.zeros(size)
        np.add.at(v, idx, np.exp(u - top))
        return closed_form_chi2(2.0 * top + float(np.log(v @ (self.kernel[:size, :size] @ v))))

    def contrast(self, a: GaussianMixture, b: GaussianMixture) -> Divergence:
        """``J = int (a - b)^2 / N_0`` (THEORY.md §7) from the cached kernel.

        The signed weights of the components of ``a - b`` (identical components cancel
        exactly) and the cached kernel go to :func:`gaussian_oracle._contrast.signed_form`.
        """
        return self.contrast_at(*self._net(a, b))

    def contrast_at(self, weights: FloatArray, idx: NDArray[np.intp]) -> Divergence:
        """``J`` from the signed net weights of held components ``idx`` (zeros dropped)."""
        if not len(weights):
            return Divergence(0.0, 0.0, "closed-form", "the two laws are the same")
        if np.all(self.finite[idx]) and not np.all(np.isfinite(self.diag[idx])):
            return overflow_beyond_log(
                "a component is too far out in units of the data's covariance"
            )
        if not np.all(self.finite[idx]):
            k = int(np.argmin(self.finite[idx]))
            return Divergence(
                float("inf"),
                0.0,
                "tail-rule",
                f"a component of the difference (net weight {weights[k]:.3g}) has chi2 = +inf "
                "against the data (heavier tails), so J = +inf",
            )
        return signed_form(weights, self.diag[idx], self.kernel[np.ix_(idx, idx)])

    def _net(
        self, a: GaussianMixture, b: GaussianMixture
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Signed net weights of ``a - b`` over cache indices (zeros dropped)."""
        ia = self._register(a)
        ib = self._register(b)
        c = np.zeros(self.size)
        np.add.at(c, ia, a.weights)
        np.add.at(c, ib, -b.weights)
        nz = np.flatnonzero(c != 0.0)
        return c[nz], nz.astype(np.intp)
