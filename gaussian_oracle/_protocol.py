"""The paper's synthetic experiment run literally, with each idealisation switched on or off.

Each generation ``i`` of one run (THEORY.md §1–2; the paper's settings are the defaults):

1. the training set: ``round(alpha N)`` fresh draws of the data and ``N - round(alpha N)``
   of the ``N`` points of generation ``i``, drawn without replacement (generation 0: ``N``
   draws of ``p_hat_0``, the data by default);
2. the learned law: the Gaussian KDE of the training set with bandwidth ``h``, whose exact score
   the sampler uses (``learner="samples"``), or the population KDE ``q_i * N(0, h^2 I)`` of the
   exact training law (``"population"``);
3. generation ``i + 1``: ``N`` draws of the reverse SDE with that score from ``N(0, I)``
   (``init="standard"``) or from ``q~_T`` (``"exact"``), by Euler–Maruyama with ``n_steps`` steps
   (``sampler="em"``) or exactly (``"exact"``: :mod:`gaussian_oracle._protocol_samplers`).

``learner="samples", init="standard", sampler="em"`` is the paper's pipeline. With every
idealisation on (population KDE, exact init, exact sampling) the generated laws are the
oracle's :func:`run_recursion` laws with :class:`PopulationKDE` exactly, and the samples are
exact draws of them. The population KDE needs the exact training law, which only exact init and
exact sampling keep in closed form; it is refused otherwise.

A property used by the tests and the gap decomposition (derived in this project): with exact
init and exact sampling, every generated point of the finite-sample pipeline has exactly the
oracle's law as its marginal (by induction: a training point's marginal is ``alpha p + (1 -
alpha) p_hat_i``; a generated point is a uniformly chosen training point plus independent
``N(0, h^2 I)`` noise, pushed by ``P_t0``). So finite samples leave the expectations of linear
statistics (mean, second moment) unchanged; they act on the spread within a run (the run's
points share ancestors) and on every nonlinear statistic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._errors import OracleDomainError
from ._law_tools import as_mixture, check_law
from ._laws import GaussianMixture, Law
from ._learners import PopulationKDE
from ._operations import convolve, mix
from ._progress import bar, check_progress
from ._protocol_estimators import paper_estimators, reference_law
from ._protocol_kernel import BACKENDS, IsoMixture, get_backend
from ._protocol_run import ProtocolRun
from ._protocol_samplers import SAMPLERS, generate
from ._protocol_stats import EXACT_STATS, STATS, law_stats, moments_gaussian, sample_stats
from ._recursion import _stream, run_recursion
from ._regression import check_paths, n_quadratic
from ._validation import check_positive_int, check_rng, check_scalar

__all__ = ["ProtocolRun", "paper_data", "simulate_protocol"]

#: the learners of ``simulate_protocol(learner=...)``
PROTOCOL_LEARNERS = ("samples", "population")
_INITS = ("standard", "exact")
#: points kept per kept generation (the figures draw 2,000; the paper's N would be 8 MB each)
KEEP_POINTS = 5000
#: stream purposes (one SeedSequence child per run, generation and purpose)
_TRAIN, _GENERATE, _ESTIMATE = 0, 1, 2


def paper_data(
    sigma: float = 0.6, spread: float = 4.0, dim: int = 10, weights: Any = None
) -> GaussianMixture:
    """The paper's data: 5 components ``N(m_k, sigma^2 I)`` in ``dim`` dimensions, one mean at
    the origin and four at ``(+-spread, +-spread, 0, ..., 0)`` (the means of the public
    reproduction; the paper does not state them).

    Examples
    --------
    >>> paper_data().means[1:, :3].tolist()
    [[4.0, 4.0, 0.0], [4.0, -4.0, 0.0], [-4.0, 4.0, 0.0], [-4.0, -4.0, 0.0]]
    """
    dim = check_positive_int("dim", dim, minimum=2)
    sigma = check_scalar("sigma", sigma, low=0.0, low_open=True)
    spread = check_scalar("spread", spread)
    means = np.zeros((5, dim))
    means[1:, :2] = spread * np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])
    w = np.full(5, 0.2) if weights is None else weights
    return GaussianMixture(w, means, sigma**2 * np.eye(dim))


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise OracleDomainError(f"{name}={value!r} must be one of {', '.join(choices)}")
    return str(value)


def simulate_protocol(
    data: Law,
    *,
    alpha: float,
    n_samples: int = 100_000,
    bandwidth: float = 0.6,
    n_steps: int = 500,
    T: float = 4.0,
    t0: float = 0.02,
    generations: int = 20,
    init: str = "standard",
    sampler: str = "em",
    learner: str = "samples",
    runs: int = 1,
    rng: np.random.Generator | None = None,
    backend: str = "numpy",
    device: Any = None,
    precision: str = "float32",
    estimators: bool = False,
    estimator_paths: int = 512,
    keep: Any = (0, 5, 10, 20),
    p_hat_0: Law | None = None,
    progress: bool | None = None,
) -> ProtocolRun:
    """Run the paper's recursive KDE pipeline literally, ``runs`` times (module docstring).

    Parameters
    ----------
    data : GaussianMixture with isotropic components (e.g. :func:`paper_data`)
    alpha : float in [0, 1]
        Fresh-data fraction (the training set holds ``round(alpha N)`` fresh points).
    n_samples, bandwidth, n_steps, T, t0, generations
        ``N``, the KDE bandwidth ``h``, Euler–Maruyama steps, horizon, early stopping and the
        number of generations (the paper: 100,000, 0.6, 500, 4, 0.02, 20).
    init : {"standard", "exact"}
    sampler : {"em", "exact"}
    learner : {"samples", "population"}
        The idealisations (module docstring); ``"population"`` needs exact init and sampling.
    runs : int
        Independent runs (common random numbers: run ``r`` uses the same streams whatever the
        idealisations, so differences between configurations are paired).
    rng : numpy.random.Generator, optional
        Source of the one entropy all streams derive from; defaults to ``default_rng(0)``.
    backend : {"numpy", "torch", "cupy"}; device : optional
        Array backend of the KDE scores and the paths (torch / CuPy: the ``[gpu]`` extra).
    precision : {"float32", "float64"}
        Arithmetic of the hot loop (statistics are float64 on the host).
    estimators : bool
        Also the paper's ``eps_star2`` and ``eta`` per generation (``estimator_paths`` paths
        each; :mod:`gaussian_oracle._protocol_estimators`) and the oracle's ``eps_star2``.
    keep : sequence of int
        Generations whose points (run 0, the first :data:`KEEP_POINTS`) are kept for figures
        (those beyond ``generations`` are ignored).
    p_hat_0 : law, optional
        Generation 0 (default: the data).
    progress : bool, optional
        A bar over runs and generations (default: when stderr is a terminal).

    Returns
    -------
    ProtocolRun

    Examples
    --------
    >>> run = simulate_protocol(paper_data(dim=2), alpha=0.5, n_samples=400, n_steps=20,
    ...                         generations=3, runs=2, rng=np.random.default_rng(1))
    >>> run.stats["second_moment"].shape, run.oracle["second_moment"].shape
    ((2, 4), (4,))
    """
    data = check_law("data", data)
    alpha = check_scalar("alpha", alpha, low=0.0, high=1.0)
    n = check_positive_int("n_samples", n_samples, minimum=2)
    h = check_scalar("bandwidth", bandwidth, low=0.0, low_open=True)
    n_steps = check_positive_int("n_steps", n_steps)
    diffusion = Diffusion(T=T, t0=t0, init="exact")  # validates T and t0
    g_max = check_positive_int("generations", generations)
    init = _check_choice("init", init, _INITS)
    sampler = _check_choice("sampler", sampler, SAMPLERS)
    learner = _check_choice("learner", learner, PROTOCOL_LEARNERS)
    _check_choice("backend", backend, BACKENDS)
    runs = check_positive_int("runs", runs)
    rng = np.random.default_rng(0) if rng is None else check_rng("rng", rng)
    progress = check_progress(progress)
    if learner == "population" and (init, sampler) != ("exact", "exact"):
        raise OracleDomainError(
            f"learner='population' with init={init!r}, sampler={sampler!r}: the population KDE "
            "needs the exact training law, which only init='exact' with sampler='exact' keeps "
            "in closed form (the generated law otherwise leaves the mixture family)"
        )
    d = data.dim
    if n < d + 2:
        raise OracleDomainError(
            f"n_samples={n} must be at least d + 2 = {d + 2} (the covariance of a generation "
            "is estimated from its points)"
        )
    get_backend(backend, device, precision, np.random.default_rng(0))  # fails before any work
    if estimators:
        check_paths(
            check_positive_int("estimator_paths", estimator_paths),
            n_quadratic(d),
            f"{n_quadratic(d)} quadratic features (d={d})",
        )
    p0 = as_mixture(data if p_hat_0 is None else check_law("p_hat_0", p_hat_0))
    if p0.dim != d:
        raise OracleDomainError(f"p_hat_0 has dimension {p0.dim} but data has dimension {d}")
    # the oracle's eps_star2 is Monte Carlo in d >= 3; in d <= 2 it is an adaptive cubature
    # over many-component mixtures, minutes per generation, too slow for a companion value
    oracle_energy = bool(estimators) and d >= 3
    n_fresh = round(alpha * n)
    alpha_eff = n_fresh / n
    entropy = int(rng.integers(0, 2**63 - 1))
    keep_set = sorted({int(g) for g in keep if 0 <= int(g) <= g_max})
    settings = {
        "alpha": alpha, "alpha_eff": alpha_eff, "n_samples": n, "bandwidth": h,
        "n_steps": n_steps, "T": diffusion.T, "t0": diffusion.t0, "generations": g_max,
        "init": init, "sampler": sampler, "learner": learner, "runs": runs,
        "backend": backend, "precision": precision, "estimators": bool(estimators),
        "estimator_paths": int(estimator_paths), "keep": keep_set, "entropy": entropy,
    }  # fmt: skip
    traj = run_recursion(
        data,
        alpha=alpha_eff,
        learner=PopulationKDE(h),
        diffusion=diffusion,
        generations=g_max,
        p_hat_0=p0,
        compute=("eps_star2",) if oracle_energy else (),
        n_samples=20_000,
        rng=_stream(entropy, 1 << 20),
        progress=False,
    )
    reference = moments_gaussian(data)
    exact = [law_stats(law, reference) for law in traj.laws]
    oracle = {k: np.array([e[k] for e in exact]) for k in EXACT_STATS}
    if oracle_energy:
        oracle["eps_star2"] = np.array([e.value for e in traj.eps_star2])
        oracle["eps_star2_se"] = np.array([e.abs_error for e in traj.eps_star2])
    mix_data = as_mixture(data)
    per_run: list[list[dict[str, Any]]] = []
    est = np.zeros((4, runs, g_max))
    samples: dict[int, np.ndarray] = {}
    meter = bar(runs * g_max, f"protocol alpha={alpha:g}", progress, "generation")
    with meter:
        for r in range(runs):

            def backend_for(g: int, purpose: int, r: int = r) -> Any:
                return get_backend(backend, device, precision, _stream(entropy, r, g, purpose))

            bk = backend_for(0, _GENERATE)
            p_data = IsoMixture.from_law(data, bk)
            p_start = IsoMixture.from_law(p0, bk)
            x = p_start.sample(n)
            host = bk.to_numpy(x)
            rows = [sample_stats(host, mix_data, reference)]
            if r == 0 and 0 in keep_set:
                samples[0] = host[:KEEP_POINTS]
            previous = None
            for i in range(g_max):
                bk_t = backend_for(i + 1, _TRAIN)
                fresh = IsoMixture.from_law(data, bk_t).sample(n_fresh)
                pick = bk_t.host.choice(n, size=n - n_fresh, replace=False)
                old = bk_t.xp.take(x, bk_t.xp.asarray(pick, device=bk_t.device), axis=0)
                train = bk_t.xp.concat([fresh, old], axis=0)
                bk_g = backend_for(i + 1, _GENERATE)
                if learner == "population":
                    law = convolve(mix(alpha_eff, data, traj.laws[i]), h)
                    learned = IsoMixture.from_law(law, bk_g)
                else:
                    learned = IsoMixture.kde(train, h, bk_g)
                if estimators:
                    bk_e = backend_for(i + 1, _ESTIMATE)
                    ref = reference_law(p_data, alpha_eff, previous, p_start, diffusion.t0)
                    est[:, r, i] = paper_estimators(
                        _on(learned, bk_e), _on(ref, bk_e), n_paths=estimator_paths,
                        init=init, T=diffusion.T, t0=diffusion.t0,
                    )  # fmt: skip
                x = generate(
                    learned, n, init=init, sampler=sampler, T=diffusion.T, t0=diffusion.t0,
                    n_steps=n_steps, progress=False,
                )  # fmt: skip
                previous = learned
                host = bk.to_numpy(x)
                rows.append(sample_stats(host, mix_data, reference))
                if r == 0 and i + 1 in keep_set:
                    samples[i + 1] = host[:KEEP_POINTS]
                meter.update()
            per_run.append(rows)
    stats = {k: np.array([[row[k] for row in rows] for rows in per_run]) for k in STATS}
    names = ("eps_star2", "eps_star2_se", "eta", "eta_se")
    estimates = {k: est[j] for j, k in enumerate(names)} if estimators else {}
    return ProtocolRun(settings, mix_data, stats, oracle, estimates, samples)


def _on(m: IsoMixture, bk: Any) -> IsoMixture:
    """The same mixture drawing from another backend stream (arrays shared)."""
    return IsoMixture(bk, m.logw, m.centres, m.variances)
