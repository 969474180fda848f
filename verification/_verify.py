"""The main job: every check over the curated and drawn instances of a profile.

:func:`draw_instances` lists a profile's instances (NumPy draws from the declared families of
:mod:`verification._families`: same seed, same instances everywhere); :func:`verify` turns
them into tasks (:mod:`verification._runner`), adds the default phase diagram and returns a
:class:`verification._report.Report`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from gaussian_oracle._progress import reporter

from ._checks import CheckResult, Constants
from ._curated import curated_instances
from ._errors import VerificationError, integer
from ._families import draw_distinct, generation_family, recursion_family
from ._field_instances import field_instances, grid_recursions
from ._instances import Instance, RecursionInstance
from ._limit_study import annealing_study
from ._phase import phase_diagram
from ._report import Report
from ._runner import Task, run_tasks

__all__ = ["PROFILES", "draw_instances", "verify"]

#: instances per profile: drawn one-generation instances, recursion length, drawn recursions,
#: paths and steps of the Monte Carlo regression behind eta_i, grid one-generation instances
#: (:func:`field_instances`, 10-25 s each), and the budget of the small constant atlas (oracle
#: evaluations per statement and for the A3 search on the Gaussian-affine family; 0: none)
PROFILES: dict[str, dict[str, int]] = {
    "quick": {
        "phase_points": 13,
        "generation": 40,
        "generations": 12,
        "recursion": 2,
        "grid": 2,
        "eta_paths": 600,
        "eta_steps": 50,
        "atlas": 0,
    },
    "thorough": {
        "phase_points": 17,
        "generation": 400,
        "generations": 30,
        "recursion": 12,
        "grid": 4,
        "eta_paths": 3000,
        "eta_steps": 100,
        "atlas": 200,
    },
}


def _relabel(instances: list[Instance]) -> list[Instance]:
    """Make labels unique (drawn instances share a prefix)."""
    seen: dict[str, int] = {}
    out: list[Instance] = []
    for inst in instances:
        n = seen.get(inst.label, 0)
        seen[inst.label] = n + 1
        unique = n or inst.label.startswith("drawn")
        out.append(replace(inst, label=f"{inst.label}-{n}") if unique else inst)
    return out


def _stream(seed: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(purpose,)))


def draw_instances(profile: str = "quick", seed: int = 0) -> list[Instance]:
    """The instances of a profile: the curated ones, the drawn ones (pairwise distinct,
    none equal to a curated one), then the grid ones (:func:`field_instances`, beyond the
    Gaussian-affine case, and the standard-init mixture recursion); labels unique. Same seed,
    same instances, everywhere: the draws use NumPy generators seeded from ``seed`` (no
    Hypothesis).

    Examples
    --------
    >>> a, b = draw_instances("quick", seed=3), draw_instances("quick", seed=3)
    >>> [i.describe() == j.describe() for i, j in zip(a, b)] == [True] * len(a)
    True
    """
    if not isinstance(profile, str) or profile not in PROFILES:
        raise VerificationError(f"profile={profile!r} must be one of {', '.join(PROFILES)}")
    seed = integer("seed", seed, 0)
    sizes = PROFILES[profile]
    curated = [
        replace(i, eta_paths=sizes["eta_paths"], eta_steps=sizes["eta_steps"], seed=seed)
        if isinstance(i, RecursionInstance)
        else i
        for i in curated_instances(sizes["generations"])
    ]
    drawn = draw_distinct(generation_family(), sizes["generation"], _stream(seed, 0))
    drawn_rec = draw_distinct(
        recursion_family(8, sizes["eta_paths"], sizes["eta_steps"]),
        sizes["recursion"],
        _stream(seed, 1),
    )
    grid = [*field_instances(sizes["grid"]), *grid_recursions(sizes["generations"], sizes["grid"])]
    return _relabel([*curated, *drawn, *drawn_rec, *grid])


def verify(
    profile: str = "quick",
    *,
    seed: int = 0,
    constants: Constants | None = None,
    progress: bool | Callable[[int, int, str], None] | None = None,
    executor: Any = "auto",
) -> Report:
    """Run every check over the instances of ``profile``; same seed, same report.

    Parameters
    ----------
    profile : {"quick", "thorough"}
        Sizes in :data:`PROFILES` (quick: 40 drawn one-generation instances and 2 drawn
        recursions besides the curated ones, and a 13 x 13 phase diagram).
    seed : int
        Seed of the drawn instances and of the Monte Carlo parts.
    constants : Constants, optional
    progress : bool or callable ``(done, total, label)``, optional
        A tqdm bar on stderr over the instances and the phase diagram's rows: ``None``
        (default) when stderr is a terminal, ``True`` always, ``False`` never; or a callable
        called after each of them.
    executor : "auto", None or concurrent.futures.Executor
        Where the instances' tasks run (:mod:`verification._executors`): "auto" (default) a
        local process pool over the available cores, None here in order, or any executor
        (a Dask cluster's ``Client(ADDRESS).get_executor()``). The report is bit-identical
        whichever (every task has its own seed and one BLAS thread).
    """
    if not isinstance(profile, str) or profile not in PROFILES:
        raise VerificationError(f"profile={profile!r} must be one of {', '.join(PROFILES)}")
    seed = integer("seed", seed, 0)
    if constants is not None and not isinstance(constants, Constants):
        raise VerificationError(f"constants={constants!r} must be a Constants")
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise VerificationError(
            f"progress={progress!r} must be None, True, False or a callable (done, total, label)"
        )
    report_progress, close_progress = reporter(progress, f"verify {profile}", "tasks")
    try:
        return _verify(profile, seed, constants, report_progress, executor)
    finally:
        close_progress()


def _verify(
    profile: str,
    seed: int,
    constants: Constants | None,
    progress: Callable[[int, int, str], None] | None,
    executor: Any,
) -> Report:
    sizes = PROFILES[profile]
    k = constants or Constants()
    start = time.perf_counter()
    instances = draw_instances(profile, seed)
    curated_labels = {i.label for i in curated_instances(sizes["generations"])}
    total = len(instances) + sizes["phase_points"] ** 2  # instances, then phase-diagram runs
    tasks = [Task(i, k, curves=i.label in curated_labels) for i in instances]
    done = run_tasks(
        tasks, executor=executor, progress=progress and (lambda n, _, lab: progress(n, total, lab))
    )
    results: list[CheckResult] = [r for t in done for r in t.results]
    described = {t.label: t.info for t in done}
    curves = {t.label: t.curves for t in done if t.curves is not None}
    grid = np.linspace(0.0, 1.0, sizes["phase_points"])
    phase = phase_diagram(
        "geometric",
        alphas=grid,
        values=grid,
        c2=k.c2,
        progress=None
        if progress is None
        else lambda done, _, label: progress(len(instances) + done, total, f"phase {label}"),
    )
    annealing = annealing_study()  # 1-D, ~1 s: the same small study in every profile
    atlas = _small_atlas(sizes["atlas"], seed)
    return Report(
        profile,
        seed,
        k,
        tuple(results),
        described,
        time.perf_counter() - start,
        curves,
        phase,
        annealing,
        atlas,
    )


def _small_atlas(budget: int, seed: int) -> tuple[Any, ...] | None:
    """The thorough profile's atlas: C of Prop 3.3, c of Thm 3.4 and the A3 search on the
    Gaussian-affine family, ``budget`` evaluations each (about 15 s at 200)."""
    if not budget:
        return None
    from ._atlas import ATLAS_CONSTANTS, ATLAS_FAMILIES, atlas
    from ._atlas_a3 import a3_search

    family = ATLAS_FAMILIES["gaussian-affine"]()
    results = tuple(atlas(st, family, budget=budget, seed=seed) for st in ATLAS_CONSTANTS)
    return (*results, a3_search(family, budget=budget, seed=seed))
