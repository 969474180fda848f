"""The multi-generation recursion with fresh-data mixing (THEORY.md §2), exact laws.

``q_i = alpha p + (1 - alpha) p_hat_i`` and, with ``Diffusion(init="exact")``,
``p_hat_{i+1} = P_{t0}(learner(q_i))`` exactly. Components carry their age (generations since
they were fresh data) and components of the same provenance are merged, so a trajectory of
``G`` generations holds ``O(G)`` components, not ``O(2^G)``.

Computed per generation (every value keeps its method, error and kind; ``inf`` by the tail
rule, "overflow" beyond float64):

* ``D_i = chi2(p_hat_i || p)``, and ``chi2(q_i || p)`` directly for the check of Lemma F.1;
* the intra-generation divergence under both readings (THEORY.md §1, §6 "Which endpoint"):
  ``I_i = chi2(p_hat_{i+1} || q_i)`` against the training law (the paper's definition) and
  ``I_ideal_i = chi2(p_hat_{i+1} || ideal endpoint)`` against the law the ideal reverse process
  for ``q_i`` ends at (``P_{t0} q_i`` under exact init), which is what Prop. 3.3 and Thm. 3.4
  bound; under early stopping the two differ by the early-stopping error itself;
* ``J_i = int (p_hat_{i+1} - q_i)^2 / p`` for the square-root recursion (THEORY.md §7);
* the score energy ``eps_star2_i`` and the observability ``eta_i`` of the step
  ``q_i -> p_hat_{i+1}`` (by :func:`solve_generation`, the most exact engine: linear when
  both laws are Gaussian, cubature in dimension 1–2, Monte Carlo otherwise; ``eta`` by
  regression for mixtures, labelled "estimate" or "lower-bound").

Random streams. Every random quantity has its own stream, derived with
:class:`numpy.random.SeedSequence` from one entropy drawn from ``rng`` (stored in
``Trajectory.settings["seed"]``): the learner's samples, each divergence estimate, the energy
and the eta paths of every generation. Estimator settings (``n_samples``, ``eta_paths``, ...)
therefore never change the learned laws, and one estimator never shifts another's draws.

Standard initialisation (``Diffusion(init="standard")``, the paper's N(0, I) start). The reverse
SDE with the exact score of a learned law ``q~`` has the forward conditional law of ``X_{t0}``
given ``X_T`` as its transition kernel, whatever its start. For a Gaussian ``q~`` that kernel is
Gaussian and the endpoint from ``N(0, I)`` is the closed form of
:func:`standard_init_endpoint`; for a mixture ``q~`` the endpoint is ``q~_{t0}`` times a
density ratio that is not a Gaussian mixture, so the laws would stop being exact.
``run_recursion`` therefore keeps closed-form laws under the standard init exactly when every
learned law is Gaussian: the learner ``FiniteSampleRefit`` (any data), or ``ExactScore``,
``PopulationKDE`` and ``AffinePushforward`` with Gaussian data and ``alpha = 1`` (or
``alpha = 0`` from a Gaussian ``p_hat_0``). Otherwise, in dimension 1–2 with ``ExactScore`` or
``PopulationKDE``, it runs the grid recursion (:mod:`._grid_recursion`: laws as
:class:`GridLaw`, every value by quadrature with its error, method "grid"); anything else is
refused before any work is done. The laws and ``D_i``
are then exact; ``eps_star2_i`` and ``eta_i`` are exact when ``q_i`` is Gaussian (linear
engine from ``N(0, I)``) and otherwise come from the Monte Carlo engine started at
``N(0, I)`` (with the Richardson estimate of the discretisation bias).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

import numpy as np

from ._age_table import AgeTable, age_table_applies, age_table_run
from ._contrast import contrast
from ._diffusion import Diffusion
from ._divergence import Divergence, chi2
from ._engines import Streams, solve_generation
from ._errors import OracleDomainError
from ._grid_trajectory import grid_trajectory
from ._law_tools import as_mixture, check_law, single_gaussian
from ._laws import Gaussian, GaussianMixture, Law
from ._learners import ExactScore  # noqa: F401 - the doctest uses it
from ._operations import mix, ou_transition
from ._paircache import PairCache
from ._progress import bar, check_progress
from ._recursion_options import (
    RECURSION_COMPUTE,
    auto_compute,
    generation_schedules,
    learner_schedule,
    todo_of,
    uses_grid,
)
from ._score_errors import ScoreDifference
from ._standard_init import standard_init_endpoint
from ._trajectory import Trajectory
from ._validation import check_positive_int, check_rng

__all__ = ["RECURSION_COMPUTE", "run_recursion"]

#: purposes of the random streams of one generation (SeedSequence spawn keys)
_LEARN, _D, _REFRESHED, _ENERGY, _ETA, _I, _I_IDEAL, _J = range(8)


def _stream(entropy: int, *key: int) -> np.random.Generator:
    """The stream named by ``key`` (here ``generation, purpose``; the literal protocol adds the
    run): a child of one SeedSequence."""
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=key))


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
    compute: Collection[str] | str | None = None,
    intra: bool | None = None,
    observables: bool | None = None,
    eta_paths: int = 4000,
    eta_steps: int = 200,
    engine: str = "auto",
    grid_points: int | None = None,
    grid_rtol: float | None = None,
    progress: bool | None = None,
    t0: Any = None,
) -> Trajectory:
    """Run ``generations`` steps of the fresh-data recursion (THEORY.md §2).

    Parameters
    ----------
    data : Gaussian or GaussianMixture
        The data law ``p`` (fresh data; components of age 0).
    alpha : float in [0, 1], or a sequence (or schedule object) of ``generations`` of them
        Fresh-data fraction, ``q_i = alpha_i p + (1 - alpha_i) p_hat_i``.
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
        Source of the one entropy from which every stream of the run is derived (module
        docstring); defaults to ``default_rng(0)``.
    n_samples : int
        Monte Carlo sample size for divergences and energies estimated by sampling.
    compute : "auto" (or None), "all" or collection of str
        What to compute per generation besides the laws, ``D_i`` and ``chi2(q_i || p)``, among
        :data:`RECURSION_COMPUTE`: ``"I"``, ``"I_ideal"``, ``"J"`` (against mixtures:
        quadrature or importance sampling, the costly part in high dimension) and
        ``"eps_star2"``, ``"eta"`` (for mixtures: cubature over time and space, and a Monte
        Carlo regression per generation). ``"auto"`` (default, :func:`auto_compute`): all of
        them in dimension 1-2 and when every law is Gaussian; in d >= 3 with mixtures, only
        what has a closed form (``J`` against Gaussian data): the Monte Carlo ones cost minutes
        per generation there (the paper's geometry: ~25 min for 20 generations) and are
        opt-in, by name or ``"all"``. ``settings["compute"]`` records what was computed. A
        tuple not computed is empty; everything else is unchanged (each has its own random
        stream).
    intra, observables : bool, optional
        Deprecated spellings: ``intra=False`` leaves out ``I``, ``I_ideal``, ``J``;
        ``observables=False`` leaves out ``eps_star2``, ``eta``.
    eta_paths, eta_steps : int
        Paths and Euler–Maruyama steps (>= 4: the coupled coarse grids estimate the bias) of
        the Monte Carlo regression behind ``eta_i`` when the laws are mixtures (exact
        Gaussian steps do not use them).
    engine : {"auto", "grid"}
        "grid": the grid recursion (d = 1, 2; ExactScore, PopulationKDE) for any init, every
        value by quadrature on the grid with its error (method "grid"). "auto" uses it where
        the standard init makes the laws leave the Gaussian mixtures (module docstring).
    grid_points, grid_rtol : optional
        Points per axis of the coarser grid of the grid recursion (default from the laws) and
        its time tolerance (default 1e-10 in 1-D, 1e-8 in 2-D); the finer run uses 1.3 times
        the points and a tenth of the tolerance.
    progress : bool, optional
        A bar over the generations on stderr, naming what is computed (with its time per
        generation and the time left): ``None`` (default) when stderr is a terminal.
    t0 : float, sequence or schedule object, optional
        The early-stopping time of each generation (annealed truncation, THEORY.md §8):
        generation ``i`` uses ``diffusion`` with ``t0^{(i)}``; default ``diffusion.t0``. With
        a schedule of ``alpha`` or ``t0`` the per-generation values are recorded in
        ``settings["alpha_schedule"]`` / ``settings["t0_schedule"]`` and ``traj.alpha`` /
        ``traj.diffusion`` are those of generation 0 (the grid recursion takes constants only).

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
    generations = check_positive_int("generations", generations)
    learners = learner_schedule(learner, generations)
    if not isinstance(diffusion, Diffusion):
        raise OracleDomainError(f"diffusion={diffusion!r} must be a Diffusion")
    alphas, diffusions = generation_schedules(alpha, t0, diffusion, generations)
    alpha, diffusion = float(alphas[0]), diffusions[0]
    varying = bool(np.any(alphas != alpha)) or len({x.t0 for x in diffusions}) > 1
    n_samples = check_positive_int("n_samples", n_samples, minimum=2)
    if p_hat_0 is not None:
        check_law("p_hat_0", p_hat_0)  # before anything reads it
    auto = frozenset.intersection(
        *(auto_compute(data, a, learners, p_hat_0) for a in sorted(set(alphas)))
    )
    todo = todo_of(compute, intra, observables, auto)
    progress = check_progress(progress)
    eta_paths = check_positive_int("eta_paths", eta_paths, minimum=2)
    eta_steps = check_positive_int("eta_steps", eta_steps, minimum=4)
    if engine not in ("auto", "grid"):
        raise OracleDomainError(f"engine={engine!r} must be 'auto' or 'grid'")
    grid = engine == "grid" or uses_grid(data, alphas, learners, diffusion, p_hat_0)
    gen = np.random.default_rng(0) if rng is None else check_rng("rng", rng)
    if grid and varying:
        raise OracleDomainError(
            "schedules of alpha or t0 are not supported by the grid recursion (d <= 2 under "
            "the standard init, or engine='grid'): pass constants, or use init='exact'"
        )
    if grid:
        grid_args = (alpha, learners, diffusion, p_hat_0, gen, todo, n_samples)
        return grid_trajectory(data, *grid_args, (grid_points, grid_rtol))
    entropy = int(gen.integers(2**63))
    what = ", ".join(c for c in RECURSION_COMPUTE if c in todo)
    meter = bar(generations, f"recursion (laws, D{', ' + what if what else ''})", progress, "gen")
    settings = {
        "seed": entropy,
        "n_samples": n_samples,
        "eta_paths": eta_paths,
        "eta_steps": eta_steps,
        "compute": [c for c in RECURSION_COMPUTE if c in todo],
    }
    if varying:
        settings["alpha_schedule"] = [float(a) for a in alphas]
        settings["t0_schedule"] = [x.t0 for x in diffusions]
    if not varying and age_table_applies(data, alpha, learners, diffusion, p_hat_0, todo):
        purposes = {"learn": _LEARN, "D": _D, "refreshed": _REFRESHED}
        table = AgeTable(cast(Gaussian, data), learners[0], diffusion, generations)
        tab = age_table_run(
            table,
            alpha,
            generations,
            todo,
            lambda g, what: _stream(entropy, g, purposes[what]),
            n_samples,
            meter,
        )
        configs = tuple(x.config() for x in learners)
        return Trajectory(
            alpha,
            diffusion,
            configs,
            data,
            tuple(tab["laws"]),
            tuple(tab["D"]),
            (),
            (),
            tuple(tab["J"]),
            tuple(tab["refreshed"]),
            (),
            (),
            settings=settings,
        )
    p = as_mixture(data)
    current = p if p_hat_0 is None else as_mixture(check_law("p_hat_0", p_hat_0))
    if current.dim != p.dim:
        raise OracleDomainError(f"p_hat_0 has dimension {current.dim}; data has dimension {p.dim}")
    laws = [current]
    cache = PairCache(data) if isinstance(data, Gaussian) else None

    def against_data(law: GaussianMixture, g: int, purpose: int = _D) -> Divergence:
        rng_g = _stream(entropy, g, purpose)
        if cache is not None:
            return cache.chi2(law, rng_g, n_samples)
        return chi2(law, data, rng=rng_g, n_samples=n_samples)

    d_list = [against_data(current, 0)]
    i_list: list[Divergence] = []
    ideal_list: list[Divergence | None] = []
    j_list: list[Divergence] = []
    refreshed: list[Divergence] = []
    energies: list[Divergence] = []
    etas: list[Divergence] = []
    for step in range(generations):
        diffusion = diffusions[step]
        q = mix(float(alphas[step]), p, current).merged()  # p_hat_0 = p: one component
        refreshed.append(against_data(q, step, _REFRESHED))
        learned = learners[step].learn(q, _stream(entropy, step, _LEARN))
        observed = todo & {"eps_star2", "eta"}
        if observed:
            sol = solve_generation(
                q,
                ScoreDifference(q, learned),
                diffusion,
                compute=observed,
                rng=Streams(_stream(entropy, step, _ENERGY), _stream(entropy, step, _ETA)),
                n_samples=n_samples,
                eta_paths=eta_paths,
                eta_steps=eta_steps,
                progress=False,  # the recursion's bar counts generations
            )
            for name, out, value in (
                ("eps_star2", energies, sol.eps_star2),
                ("eta", etas, sol.eta),
            ):
                if name not in observed:
                    continue
                if value is None:  # pragma: no cover - every engine computes what it is asked
                    raise OracleDomainError(f"engine {sol.engine!r} did not compute {name}")
                out.append(value)
        if diffusion.init == "exact":
            current = ou_transition(learned, diffusion.t0).aged(1).merged()
            ideal: Law | None = ou_transition(q, diffusion.t0)
        else:
            g = single_gaussian(learned)
            if g is None:  # pragma: no cover - excluded by _standard_init_supported
                raise OracleDomainError("init='standard' reached a mixture learned law")
            age = int(np.max(learned.ages)) + 1
            current = as_mixture(standard_init_endpoint(g, diffusion), age=age)
            gq = single_gaussian(q)
            ideal = None if gq is None else standard_init_endpoint(gq, diffusion)
        laws.append(current)
        rng_i, rng_ideal, rng_j = (_stream(entropy, step, k) for k in (_I, _I_IDEAL, _J))
        if "I" in todo:
            i_list.append(chi2(current, q, rng=rng_i, n_samples=n_samples))
        if "I_ideal" in todo:
            ideal_list.append(
                None if ideal is None else chi2(current, ideal, rng=rng_ideal, n_samples=n_samples)
            )
        if "J" in todo:
            j_list.append(
                cache.contrast(current, q)
                if cache is not None
                else contrast(current, q, data, rng=rng_j, n_samples=n_samples)
            )
        d_list.append(against_data(current, step + 1))
        meter.update()
    meter.close()
    last = float(alphas[-1])  # q_G: the last generation's alpha
    refreshed.append(against_data(mix(last, p, current), generations, _REFRESHED))
    return Trajectory(
        alpha,
        diffusions[0],
        tuple(x.config() for x in learners),
        data,
        tuple(laws),
        tuple(d_list),
        tuple(i_list),
        tuple(ideal_list),
        tuple(j_list),
        tuple(refreshed),
        tuple(energies),
        tuple(etas),
        settings=settings,
    )
