"""The multi-generation recursion with fresh-data mixing (THEORY.md §2), exact under exact init.

``q_i = alpha p + (1 - alpha) p_hat_i`` and, with ``Diffusion(init="exact")``,
``p_hat_{i+1} = P_{t0}(learner(q_i))`` exactly. Components carry their age (generations since
they were fresh data) and components of the same provenance are merged, so a trajectory of
``G`` generations holds ``O(G)`` components, not ``O(2^G)``.

Computed per generation: ``D_i = chi2(p_hat_i || p)``, ``I_i = chi2(p_hat_{i+1} || q_i)``,
the check of Lemma F.1 (``chi2(q_i || p)`` computed directly against ``(1 - alpha)^2 D_i``),
the score energy ``eps_star2_i`` and the observability ``eta_i`` of the step ``q_i -> p_hat_{i+1}``
(routes in ``gaussian_oracle._generation``: closed form / exact linear engine when both laws
are Gaussian, cubature in dimension 1–2, Monte Carlo otherwise; ``eta`` by Monte Carlo
regression for mixtures). Every value keeps its method and error (``inf`` by the tail rule).

Standard initialisation (``Diffusion(init="standard")``, the paper's N(0, I) start). The reverse
SDE with the exact score of a learned law ``q~`` has the forward conditional law of ``X_{t0}``
given ``X_T`` as its transition kernel, whatever its start. For a Gaussian ``q~`` that kernel is
Gaussian and the endpoint from ``N(0, I)`` is the closed form of
:func:`standard_init_endpoint`; for a mixture ``q~`` the endpoint is ``q~_{t0}`` times a
density ratio that is not a Gaussian mixture, so the laws would stop being exact.
``run_recursion`` therefore accepts the standard init exactly when every learned law is
Gaussian: the learner ``FiniteSampleRefit`` (any data), or ``ExactScore``, ``PopulationKDE``
and ``AffinePushforward`` with Gaussian data and ``alpha = 1`` (or ``alpha = 0`` from a
Gaussian ``p_hat_0``); anything else is refused before any work is done. The laws and ``D_i``
are then exact; ``eps_star2_i`` and ``eta_i`` are exact when ``q_i`` is Gaussian (linear
engine from ``N(0, I)``) and otherwise come from the Monte Carlo engine started at
``N(0, I)`` (Euler–Maruyama: the standard error does not include the discretisation bias).

File format (:meth:`Trajectory.save`): one NumPy ``.npz`` archive holding the arrays of every
law (``weights``, ``means``, ``covs``, ``ages`` concatenated over generations, with
``offsets``), the divergence arrays, and a JSON string ``meta`` with the scalar settings; it is
written to a temporary file and renamed, so an interruption never leaves a partial file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._closed_forms import WhitenedComponents
from ._diffusion import Diffusion
from ._divergence import Divergence, chi2, closed_form_chi2
from ._errors import DomainError
from ._generation import generation_energy_and_eta
from ._laws import Gaussian, GaussianMixture, Law, as_mixture, check_law, single_gaussian
from ._learners import (
    AffinePushforward,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    PopulationKDE,
)
from ._operations import mix, ou_transition
from ._tails import chi2_tail_check
from ._validation import FloatArray, check_positive_int, check_rng, check_scalar

__all__ = ["Trajectory", "run_recursion", "standard_init_endpoint"]

_LEARNERS = (ExactScore, PopulationKDE, AffinePushforward, FiniteSampleRefit, FiniteSampleKDE)
_FORMAT = "diffusion-collapse/trajectory/1"


def _div_arrays(divs: list[Divergence]) -> dict[str, Any]:
    return {
        "value": np.array([d.value for d in divs]),
        "abs_error": np.array([d.abs_error for d in divs]),
        "method": np.array([d.method for d in divs]),
        "reason": np.array([d.reason for d in divs]),
    }


def _div_list(arrays: dict[str, Any]) -> list[Divergence]:
    return [
        Divergence(float(v), float(e), str(m), str(r))
        for v, e, m, r in zip(
            arrays["value"], arrays["abs_error"], arrays["method"], arrays["reason"], strict=True
        )
    ]


@dataclass(frozen=True, slots=True)
class Trajectory:
    """A run of the recursion: laws and divergences per generation.

    Attributes
    ----------
    alpha : float
    diffusion : Diffusion
    learner : str
        ``repr`` of the learner used.
    laws : tuple of GaussianMixture
        ``p_hat_0 .. p_hat_G`` (components with ages, merged).
    D : tuple of Divergence
        ``D_i = chi2(p_hat_i || p)`` for ``i = 0 .. G``.
    I : tuple of Divergence
        ``I_i = chi2(p_hat_{i+1} || q_i)`` for ``i = 0 .. G-1``.
    refreshed : tuple of Divergence
        ``chi2(q_i || p)`` computed directly, for the check of Lemma F.1.
    eps_star2 : tuple of Divergence
        Score energy of the step ``q_i -> p_hat_{i+1}``, ``i = 0 .. G-1`` (value, error, method).
    eta : tuple of Divergence
        Observability of that step (exact for Gaussian laws; Monte Carlo regression otherwise).
    """

    alpha: float
    diffusion: Diffusion
    learner: str
    laws: tuple[GaussianMixture, ...]
    D: tuple[Divergence, ...]
    I: tuple[Divergence, ...]  # noqa: E741 - the paper's name
    refreshed: tuple[Divergence, ...]
    eps_star2: tuple[Divergence, ...]
    eta: tuple[Divergence, ...]

    @property
    def generations(self) -> int:
        return len(self.laws) - 1

    @property
    def D_values(self) -> FloatArray:
        """``D_i`` as an array (``inf`` where infinite)."""
        return np.array([d.value for d in self.D])

    @property
    def first_infinite(self) -> int | None:
        """First generation ``i`` with ``D_i = +inf`` (decided by the tail rule), or None.

        A ``D_i`` that is finite but beyond the float64 range is also stored as ``inf`` (its
        ``log(1 + D_i)`` is in ``D[i].reason``); it does not count here: see
        :attr:`first_overflow`.
        """
        for i, d in enumerate(self.D):
            if d.value == np.inf and d.method == "tail-rule":
                return i
        return None

    @property
    def first_overflow(self) -> int | None:
        """First generation ``i`` whose finite ``D_i`` exceeds the float64 range, or None."""
        for i, d in enumerate(self.D):
            if d.value == np.inf and d.method != "tail-rule":
                return i
        return None

    def lemma_f1_residuals(self) -> FloatArray:
        """``chi2(q_i || p) - (1 - alpha)^2 D_i`` per generation (0 up to round-off; nan where
        both sides are infinite)."""
        d = self.D_values
        rhs = np.where(
            d == np.inf,
            np.where(self.alpha < 1.0, np.inf, 0.0),
            (1.0 - self.alpha) ** 2 * np.where(np.isfinite(d), d, 0.0),
        )
        lhs = np.array([r.value for r in self.refreshed])
        with np.errstate(invalid="ignore"):
            return np.where((lhs == np.inf) & (rhs == np.inf), np.nan, lhs - rhs)

    def _records(self) -> list[tuple[str, tuple[Divergence, ...]]]:
        return [
            ("D", self.D),
            ("I", self.I),
            ("refreshed", self.refreshed),
            ("eps_star2", self.eps_star2),
            ("eta", self.eta),
        ]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the trajectory to ``path`` (``.npz``) atomically; returns the path."""
        target = Path(path)
        sizes = [law.n_components for law in self.laws]
        arrays: dict[str, Any] = {
            "offsets": np.concatenate([[0], np.cumsum(sizes)]),
            "weights": np.concatenate([law.weights for law in self.laws]),
            "means": np.concatenate([law.means for law in self.laws]),
            "covs": np.concatenate([law.covs for law in self.laws]),
            "ages": np.concatenate([law.ages for law in self.laws]),
        }
        for name, divs in self._records():
            for key, val in _div_arrays(list(divs)).items():
                arrays[f"{name}_{key}"] = val
        meta = {
            "format": _FORMAT,
            "alpha": self.alpha,
            "learner": self.learner,
            "T": self.diffusion.T,
            "t0": self.diffusion.t0,
            "init": self.diffusion.init,
        }
        arrays["meta"] = np.array(json.dumps(meta))
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", suffix=".npz.part")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)
            mask = os.umask(0)  # mkstemp makes the file private: give it open()'s permissions
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Trajectory:
        """Read a trajectory written by :meth:`save` (exact round trip)."""
        with np.load(Path(path), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != _FORMAT:
                raise DomainError(
                    f"path={str(path)!r} is not a trajectory file (format {meta.get('format')!r})"
                )
            off = z["offsets"]
            laws = tuple(
                GaussianMixture(z["weights"][a:b], z["means"][a:b], z["covs"][a:b], z["ages"][a:b])
                for a, b in pairwise(off)
            )
            divs = {
                name: tuple(
                    _div_list(
                        {k: z[f"{name}_{k}"] for k in ("value", "abs_error", "method", "reason")}
                    )
                )
                for name in ("D", "I", "refreshed", "eps_star2", "eta")
            }
        return cls(
            float(meta["alpha"]),
            Diffusion(meta["T"], meta["t0"], meta["init"]),
            str(meta["learner"]),
            laws,
            divs["D"],
            divs["I"],
            divs["refreshed"],
            divs["eps_star2"],
            divs["eta"],
        )


def standard_init_endpoint(law: Gaussian, diffusion: Diffusion) -> Gaussian:
    r"""Endpoint of the reverse SDE with the exact score of ``law``, started from ``N(0, I)``.

    The reverse process's transition kernel from forward time ``T`` to ``t0`` is the forward
    conditional law of :math:`X_{t_0}` given :math:`X_T`. With :math:`P_{t_0}\,\mathrm{law} =
    N(m, S)`, :math:`a = e^{-(T - t_0)/2}` and :math:`C = a^2 S + (1 - a^2) I` (the covariance
    of :math:`X_T`; it commutes with :math:`S`), starting from :math:`Y_T \sim N(0, I)` gives

    .. math::
        N\big((1 - a^2)\,C^{-1} m,\; S - a^2 S C^{-1} S + a^2 S C^{-2} S\big),

    computed in the eigenbasis of :math:`S` (eigenvalue :math:`\lambda` maps to
    :math:`\lambda - a^4 \lambda^2 (\lambda - 1) / c^2`, :math:`c = a^2\lambda + 1 - a^2`).
    Derived in this project (THEORY.md §1: the initial mismatch carried to the end); the tests
    check it against the moment ODEs of :class:`LinearGaussianOracle` with zero error.

    Examples
    --------
    >>> g = standard_init_endpoint(Gaussian(0.0, 1.0), Diffusion(T=4.0, t0=0.02))
    >>> float(g.mean[0]), float(g.cov[0, 0])        # N(0, 1) is invariant: nothing to correct
    (0.0, 1.0)
    """
    law = check_law("law", law)
    if not isinstance(law, Gaussian):
        raise DomainError(f"law={law!r} must be a Gaussian (a mixture has no closed form here)")
    if not isinstance(diffusion, Diffusion):
        raise DomainError(f"diffusion={diffusion!r} must be a Diffusion")
    end = ou_transition(law, diffusion.t0)
    a2 = float(np.exp(-diffusion.horizon))
    lam, vec = np.linalg.eigh(end.cov)
    c = a2 * lam + (-np.expm1(-diffusion.horizon))
    mean_gain = (1.0 - a2) / c
    new_lam = lam - a2 * a2 * lam * lam * (lam - 1.0) / (c * c)
    mean = vec @ (mean_gain * (vec.T @ end.mean))
    return Gaussian(mean, (vec * new_lam) @ vec.T)


def _standard_init_supported(
    data: Law, alpha: float, learner: Any, p_hat_0: Law | None
) -> str | None:
    """None when every learned law of the run is Gaussian (standard init exact), else why not."""
    if isinstance(learner, FiniteSampleRefit):
        return None
    if isinstance(learner, ExactScore | PopulationKDE | AffinePushforward):
        gaussian_start = p_hat_0 is None or single_gaussian(p_hat_0) is not None
        if isinstance(data, Gaussian) and (alpha == 1.0 or (alpha == 0.0 and gaussian_start)):
            return None
        return (
            f"with {type(learner).__name__} the training laws q_i are Gaussian mixtures with "
            "several components unless the data is Gaussian and alpha is 1 (or 0 from a "
            "Gaussian p_hat_0)"
        )
    return f"{type(learner).__name__} learns a mixture from samples"


class _PairCache:
    """Pairwise terms ``int N_a N_b / N_0`` against Gaussian data, cached by component.

    Components of a given provenance recur bitwise unchanged from one generation to the next
    (the same operations on the same inputs), only their weights change; so each generation
    adds O(K) new pairs instead of recomputing O(K^2). The terms are stored normalised,
    ``B_ab = exp(T_ab - (T_aa + T_bb) / 2)`` with ``T_ab = log int N_a N_b / N_0``; Cauchy–Schwarz
    in ``L^2(1/N_0)`` gives ``0 < B_ab <= 1``. With ``u_a = log w_a + T_aa / 2`` and
    ``v = exp(u - max u)``, ``1 + chi2 = exp(2 max u) v^T B v`` where ``v^T B v >= 1`` (the
    diagonal term of the largest ``u``): one matrix–vector product, no overflow, no
    underflow. Infinite components (by the same tail rule as :func:`chi2`) send the law to
    :func:`chi2` for the reason.
    """

    def __init__(self, data: Gaussian) -> None:
        self.data = data
        self.keys: dict[tuple[bytes, bytes], int] = {}
        self.comps: WhitenedComponents | None = None
        self.finite = np.zeros(0, dtype=bool)
        self.diag = np.zeros(0)  # T_aa (nan where infinite)
        self.kernel = np.zeros((0, 0))  # B, allocated with spare capacity; 0 where infinite

    def _grow(self, size: int) -> None:
        cap = self.kernel.shape[0]
        if size <= cap:
            return
        new_cap = max(size, 2 * cap, 16)
        kernel = np.zeros((new_cap, new_cap))
        kernel[:cap, :cap] = self.kernel
        self.kernel = kernel
        self.diag = np.concatenate([self.diag, np.full(new_cap - cap, np.nan)])
        self.finite = np.concatenate([self.finite, np.zeros(new_cap - cap, dtype=bool)])

    def _register(self, law: GaussianMixture) -> NDArray[np.intp]:
        idx, new = [], []
        for k in range(law.n_components):
            key = (law.means[k].tobytes(), law.covs[k].tobytes())
            if key not in self.keys:
                self.keys[key] = len(self.keys)
                new.append(k)
            idx.append(self.keys[key])
        if new:
            sel = np.asarray(new)
            old = 0 if self.comps is None else self.comps.mu.shape[0]
            size = old + len(new)
            self._grow(size)
            fresh = WhitenedComponents.of(law.means[sel], law.covs[sel], self.data)
            self.comps = fresh if self.comps is None else _concat(self.comps, fresh)
            # the same finiteness rule (and tolerance) as chi2 itself: one call for all the new
            # components (the usual case: all finite), one per component only otherwise
            batch = law._subset(sel, np.full(len(new), 1.0 / len(new)), law.ages[sel])
            if chi2_tail_check(batch, self.data).finite:
                self.finite[old:size] = True
            else:
                self.finite[old:size] = [
                    chi2_tail_check(Gaussian(law.means[k], law.covs[k]), self.data).finite
                    for k in new
                ]
            rows = old + np.flatnonzero(self.finite[old:size])
            live = np.flatnonzero(self.finite[:size])
            if len(rows):
                block = self.comps.take(rows).log_terms(self.comps.take(live))
                self.diag[rows] = block[np.arange(len(rows)), np.searchsorted(live, rows)]
                norm = block - 0.5 * (self.diag[rows][:, None] + self.diag[live][None, :])
                normed = np.exp(np.minimum(norm, 0.0))  # <= 1 by Cauchy-Schwarz (round-off)
                self.kernel[np.ix_(rows, live)] = normed
                self.kernel[np.ix_(live, rows)] = normed.T
        return np.asarray(idx, dtype=np.intp)

    def chi2(self, law: GaussianMixture, rng: np.random.Generator, n_samples: int) -> Divergence:
        live = law.weights > 0
        if single_gaussian(law) is not None:  # the Gaussian eigen-form keeps tiny values exact
            return chi2(law, self.data, rng=rng, n_samples=n_samples)
        idx = self._register(law)[live]
        if not np.all(self.finite[idx]):
            return chi2(law, self.data, rng=rng, n_samples=n_samples)  # inf, with its reason
        u = np.log(law.weights[live]) + 0.5 * self.diag[idx]
        top = float(np.max(u))
        size = len(self.keys)
        v = np.zeros(size)
        np.add.at(v, idx, np.exp(u - top))
        return closed_form_chi2(2.0 * top + float(np.log(v @ (self.kernel[:size, :size] @ v))))


def _concat(a: WhitenedComponents, b: WhitenedComponents) -> WhitenedComponents:
    return WhitenedComponents(
        *(
            np.concatenate([x, y])
            for x, y in zip(
                (a.mu, a.prec, a.pm, a.quad, a.logdet),
                (b.mu, b.prec, b.pm, b.quad, b.logdet),
                strict=True,
            )
        )
    )


def _learner_schedule(learner: Any, generations: int) -> list[Any]:
    """One learner per generation: a single learner repeated, or a sequence checked in full."""
    names = ", ".join(c.__name__ for c in _LEARNERS)
    if isinstance(learner, _LEARNERS):
        return [learner] * generations
    if isinstance(learner, list | tuple):
        if len(learner) != generations:
            raise DomainError(
                f"learner is a sequence of {len(learner)} learners; with generations="
                f"{generations} it must have exactly {generations} (one per generation)"
            )
        for i, x in enumerate(learner):
            if not isinstance(x, _LEARNERS):
                raise DomainError(f"learner[{i}]={x!r} must be one of {names}")
        return list(learner)
    raise DomainError(f"learner={learner!r} must be one of {names}, or a sequence of them")


def run_recursion(
    data: Law,
    *,
    alpha: float,
    learner: Any,
    diffusion: Diffusion,
    generations: int,
    p_hat_0: Law | None = None,
    rng: np.random.Generator | None = None,
    n_samples: int = 200_000,
    intra: bool = True,
    observables: bool = True,
    eta_paths: int = 4000,
    eta_steps: int = 200,
) -> Trajectory:
    """Run ``generations`` steps of the fresh-data recursion (THEORY.md §2).

    Parameters
    ----------
    data : Gaussian or GaussianMixture
        The data law ``p`` (fresh data; components of age 0).
    alpha : float in [0, 1]
        Fresh-data fraction.
    learner : ExactScore, PopulationKDE, AffinePushforward, FiniteSampleRefit or FiniteSampleKDE
        The same learner at every generation, or a sequence of ``generations`` learners
        (generation ``i`` is learned by ``learner[i]``), e.g. a decaying error schedule.
    diffusion : Diffusion
        ``init="exact"``: any learner; ``init="standard"``: only when every learned law is
        Gaussian (module docstring). The laws are exact in both cases.
    generations : int, >= 1
    p_hat_0 : law, optional
        Generation 0; defaults to the data itself.
    rng : numpy.random.Generator, optional
        For the finite-sample learners and any Monte Carlo divergence; defaults to
        ``default_rng(0)``.
    n_samples : int
        Monte Carlo sample size for divergences and energies estimated by sampling.
    intra : bool
        Compute ``I_i`` (against the mixture ``q_i``: quadrature or importance sampling, the
        costly part in high dimension). When False the tuple ``I`` is empty.
    observables : bool
        Compute ``eps_star2_i`` and ``eta_i`` (the costly part for mixtures: cubature over
        time and space, and a Monte Carlo regression per generation). When False those two
        tuples are empty; everything else is unchanged.
    eta_paths, eta_steps : int
        Paths and Euler–Maruyama steps of the Monte Carlo regression that estimates ``eta_i``
        when the laws are mixtures (exact Gaussian steps do not use them).

    Returns
    -------
    Trajectory

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> traj = run_recursion(Gaussian(0.0, 1.0), alpha=1.0, learner=ExactScore(),
    ...                      diffusion=Diffusion(init="exact"), generations=3)
    >>> [round(d.value, 15) for d in traj.D]    # N(0, 1) is invariant: no error at all
    [0.0, 0.0, 0.0, 0.0]
    """
    data = check_law("data", data)
    alpha = check_scalar("alpha", alpha, low=0.0, high=1.0)
    generations = check_positive_int("generations", generations)
    learners = _learner_schedule(learner, generations)
    if not isinstance(diffusion, Diffusion):
        raise DomainError(f"diffusion={diffusion!r} must be a Diffusion")
    if diffusion.init == "standard":
        why = next(
            (w for w in (_standard_init_supported(data, alpha, x, p_hat_0) for x in learners) if w),
            None,
        )
        if why is not None:
            raise DomainError(
                f"init='standard' is supported only when every learned law is Gaussian ({why}): "
                "the N(0, I) start turns a mixture's endpoint into a law that is not a Gaussian "
                "mixture, so the recursion would stop being exact. Use Diffusion(init='exact'), "
                "or simulate_reverse for one generation by Monte Carlo"
            )
    gen = np.random.default_rng(0) if rng is None else check_rng("rng", rng)
    p = as_mixture(data)
    current = p if p_hat_0 is None else as_mixture(check_law("p_hat_0", p_hat_0))
    if current.dim != p.dim:
        raise DomainError(f"p_hat_0 has dimension {current.dim}; data has dimension {p.dim}")
    laws = [current]
    single = data if isinstance(data, Gaussian) else None
    cache = _PairCache(single) if single is not None else None

    def against_data(law: GaussianMixture) -> Divergence:
        if cache is not None:
            return cache.chi2(law, gen, n_samples)
        return chi2(law, data, rng=gen, n_samples=n_samples)

    d_list = [against_data(current)]
    i_list: list[Divergence] = []
    refreshed: list[Divergence] = []
    energies: list[Divergence] = []
    etas: list[Divergence] = []
    for step in range(generations):
        q = mix(alpha, p, current).merged()  # p_hat_0 = p: one component, not two
        refreshed.append(against_data(q))
        learned = learners[step].learn(q, gen)
        if observables:
            energy, eta = generation_energy_and_eta(
                q,
                as_mixture(learned),
                diffusion,
                gen,
                n_samples=n_samples,
                eta_paths=eta_paths,
                eta_steps=eta_steps,
            )
            energies.append(energy)
            etas.append(eta)
        if diffusion.init == "exact":
            current = ou_transition(learned, diffusion.t0).aged(1).merged()
        else:
            g = single_gaussian(learned)
            if g is None:  # pragma: no cover - excluded by _standard_init_supported
                raise AssertionError("standard init reached a mixture learned law")
            age = int(np.max(learned.ages)) + 1
            current = as_mixture(standard_init_endpoint(g, diffusion), age=age)
        laws.append(current)
        if intra:
            i_list.append(chi2(current, q, rng=gen, n_samples=n_samples))
        d_list.append(against_data(current))
    refreshed.append(against_data(mix(alpha, p, current)))
    return Trajectory(
        alpha,
        diffusion,
        repr(learner) if isinstance(learner, _LEARNERS) else repr(list(learners)),
        tuple(laws),
        tuple(d_list),
        tuple(i_list),
        tuple(refreshed),
        tuple(energies),
        tuple(etas),
    )
