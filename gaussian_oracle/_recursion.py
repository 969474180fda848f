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

Not supported yet: the standard initialisation (only ``init="exact"`` has exact laws).

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
from scipy.special import logsumexp

from ._closed_forms import WhitenedComponents
from ._diffusion import Diffusion
from ._divergence import Divergence, chi2
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

__all__ = ["Trajectory", "run_recursion"]

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
        """First generation ``i`` with ``D_i = inf``, or None."""
        for i, d in enumerate(self.D):
            if not d.finite:
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


class _PairCache:
    """Pairwise terms ``log int N_a N_b / N_0`` against Gaussian data, cached by component.

    Components of a given provenance recur bitwise unchanged from one generation to the next
    (the same operations on the same inputs), only their weights change; so each generation
    adds O(K) new pairs instead of recomputing O(K^2). ``chi2(law || data)`` then costs one
    log-sum-exp, with the same closed form as :func:`chi2` (used whenever a component makes the
    divergence infinite, to get the reason).
    """

    def __init__(self, data: Gaussian) -> None:
        self.data = data
        self.keys: dict[tuple[bytes, bytes], int] = {}
        self.comps: WhitenedComponents | None = None
        self.finite: list[bool] = []
        self.table = np.empty((0, 0))

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
            fresh = WhitenedComponents.of(law.means[sel], law.covs[sel], self.data)
            # the same finiteness rule (and tolerance) as chi2 itself
            ok = [
                chi2_tail_check(Gaussian(law.means[k], law.covs[k]), self.data).finite for k in new
            ]
            self.finite.extend(ok)
            good = np.flatnonzero(ok)
            old = self.table.shape[0]
            size = old + len(new)
            table = np.full((size, size), np.nan)
            table[:old, :old] = self.table
            all_comps = fresh if self.comps is None else _concat(self.comps, fresh)
            live = np.flatnonzero(self.finite)
            rows = old + good
            if len(good):
                block = all_comps.take(rows).log_terms(all_comps.take(live))
                table[np.ix_(rows, live)] = block
                table[np.ix_(live, rows)] = block.T
            self.table, self.comps = table, all_comps
        return np.asarray(idx, dtype=np.intp)

    def chi2(self, law: GaussianMixture, rng: np.random.Generator, n_samples: int) -> Divergence:
        live = law.weights > 0
        if single_gaussian(law) is not None:  # the Gaussian eigen-form keeps tiny values exact
            return chi2(law, self.data, rng=rng, n_samples=n_samples)
        idx = self._register(law)
        if not all(self.finite[i] for i in idx[live]):
            return chi2(law, self.data, rng=rng, n_samples=n_samples)  # inf, with its reason
        i = idx[live]
        logw = np.log(law.weights[live])
        log1 = float(logsumexp(logw[:, None] + logw[None, :] + self.table[np.ix_(i, i)]))
        if log1 > np.log(np.finfo(float).max):
            return chi2(law, self.data, rng=rng, n_samples=n_samples)  # overflow, with reason
        return Divergence(max(float(np.expm1(log1)), 0.0), 0.0, "closed-form")


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
    diffusion : Diffusion
        Must have ``init="exact"`` (the laws are then exact).
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
    if not isinstance(learner, _LEARNERS):
        raise DomainError(
            f"learner={learner!r} must be one of {', '.join(c.__name__ for c in _LEARNERS)}"
        )
    if not isinstance(diffusion, Diffusion):
        raise DomainError(f"diffusion={diffusion!r} must be a Diffusion")
    if diffusion.init != "exact":
        raise DomainError(
            f"init={diffusion.init!r} is not supported by run_recursion yet: the laws of the "
            "recursion are exact only with Diffusion(init='exact')"
        )
    generations = check_positive_int("generations", generations)
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
    for _ in range(generations):
        q = mix(alpha, p, current).merged()  # p_hat_0 = p: one component, not two
        refreshed.append(against_data(q))
        learned = learner.learn(q, gen)
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
        current = ou_transition(learned, diffusion.t0).aged(1).merged()
        laws.append(current)
        if intra:
            i_list.append(chi2(current, q, rng=gen, n_samples=n_samples))
        d_list.append(against_data(current))
    refreshed.append(against_data(mix(alpha, p, current)))
    return Trajectory(
        alpha,
        diffusion,
        repr(learner),
        tuple(laws),
        tuple(d_list),
        tuple(i_list),
        tuple(refreshed),
        tuple(energies),
        tuple(etas),
    )
