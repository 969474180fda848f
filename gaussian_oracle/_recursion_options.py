"""Options of :func:`gaussian_oracle.run_recursion`: what to compute, the learner schedule
(private)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

import numpy as np

from ._errors import OracleDomainError
from ._laws import Gaussian, Law
from ._learners import LEARNERS, Learner
from ._standard_init import gaussian_training_laws
from ._validation import check_scalar

__all__ = [
    "MONTE_CARLO_COMPUTE",
    "RECURSION_COMPUTE",
    "auto_compute",
    "learner_schedule",
    "todo_of",
]

#: what run_recursion can compute per generation besides the laws and D_i (``compute=``)
RECURSION_COMPUTE = ("I", "I_ideal", "J", "eps_star2", "eta")


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise OracleDomainError(f"{name}={value!r} must be True or False")
    return bool(value)


#: left out by ``compute="auto"`` where they would need Monte Carlo (module docstring)
MONTE_CARLO_COMPUTE = ("I", "I_ideal", "eps_star2", "eta")


def auto_compute(
    data: Law, alpha: float, learners: list[Any], p_hat_0: Law | None
) -> frozenset[str]:
    """What ``compute="auto"`` computes: everything in dimension 1-2 or when every law of the
    run is Gaussian by construction (closed forms or cubature); else everything but
    :data:`MONTE_CARLO_COMPUTE` (importance sampling and Monte Carlo regressions in d >= 3,
    minutes per generation), and ``J`` only against Gaussian data (closed form)."""
    everything = frozenset(RECURSION_COMPUTE)
    if data.dim <= 2:
        return everything
    if gaussian_training_laws(data, alpha, p_hat_0) and all(
        x.gaussian_output(True) for x in learners
    ):
        return everything
    todo = everything - set(MONTE_CARLO_COMPUTE)
    return todo if isinstance(data, Gaussian) else todo - {"J"}


def todo_of(compute: Any, intra: Any, observables: Any, auto: frozenset[str]) -> frozenset[str]:
    """What to compute, from ``compute`` or the deprecated ``intra`` / ``observables``."""
    if compute is not None and (intra is not None or observables is not None):
        raise OracleDomainError("give compute=... or the deprecated intra / observables, not both")
    if intra is not None or observables is not None:
        import warnings

        warnings.warn(
            "run_recursion(intra=..., observables=...) is deprecated: use compute=... "
            f"(a subset of {RECURSION_COMPUTE})",
            DeprecationWarning,
            stacklevel=3,
        )
        todo = set(RECURSION_COMPUTE)
        if intra is not None and not _flag("intra", intra):
            todo -= {"I", "I_ideal", "J"}
        if observables is not None and not _flag("observables", observables):
            todo -= {"eps_star2", "eta"}
        return frozenset(todo)
    if compute is None or (isinstance(compute, str) and compute == "auto"):
        return auto
    if isinstance(compute, str) and compute == "all":
        return frozenset(RECURSION_COMPUTE)
    if isinstance(compute, str) or not isinstance(compute, Collection):
        raise OracleDomainError(
            f"compute={compute!r} must be 'auto', 'all' or a collection of "
            f"{', '.join(RECURSION_COMPUTE)}"
        )
    bad = sorted(str(x) for x in compute if x not in RECURSION_COMPUTE)
    if bad:
        raise OracleDomainError(
            f"compute={compute!r}: {', '.join(bad)} not among {', '.join(RECURSION_COMPUTE)}"
        )
    return frozenset(compute)


def learner_schedule(learner: Any, generations: int) -> list[Any]:
    """One learner per generation: a single learner repeated, or a sequence checked in full."""
    names = ", ".join(LEARNERS)
    if isinstance(learner, Learner):
        return [learner] * generations
    if isinstance(learner, list | tuple):
        if len(learner) != generations:
            raise OracleDomainError(
                f"learner is a sequence of {len(learner)} learners; with generations="
                f"{generations} it must have exactly {generations} (one per generation)"
            )
        for i, x in enumerate(learner):
            if not isinstance(x, Learner):
                raise OracleDomainError(f"learner[{i}]={x!r} must be one of {names}")
        return list(learner)
    raise OracleDomainError(f"learner={learner!r} must be one of {names}, or a sequence of them")


def _values(name: str, value: Any, generations: int) -> np.ndarray | None:
    """``generations`` numbers from a sequence or an object with ``values(n)`` (a schedule);
    None for a single number."""
    raw = value.values(generations) if hasattr(value, "values") else value
    arr = np.asarray(raw, dtype=object)
    if arr.ndim == 0:
        return None
    if arr.ndim != 1 or arr.size != generations:
        raise OracleDomainError(
            f"{name} has {arr.size} values (shape {arr.shape}); a schedule needs one per "
            f"generation, {generations}"
        )
    return arr


def generation_schedules(
    alpha: Any, t0: Any, diffusion: Any, generations: int
) -> tuple[np.ndarray, list[Any]]:
    """``alpha_i`` and the diffusion (its ``t0^{(i)}``) of each generation ``i = 0 .. G-1``:
    a number is every generation's; a sequence or a schedule object gives one per generation
    (THEORY.md §8: annealed truncation). ``t0=None`` keeps ``diffusion.t0``."""
    raw_a = _values("alpha", alpha, generations)
    if raw_a is None:
        alphas = np.full(generations, check_scalar("alpha", alpha, low=0.0, high=1.0))
    else:
        alphas = np.array(
            [check_scalar(f"alpha[{i}]", a, low=0.0, high=1.0) for i, a in enumerate(raw_a)]
        )
    if t0 is None:
        return alphas, [diffusion] * generations
    raw_t = _values("t0", t0, generations)
    times = [t0] * generations if raw_t is None else list(raw_t)
    out = []
    for i, t in enumerate(times):
        name = "t0" if raw_t is None else f"t0[{i}]"
        value = check_scalar(name, t, low=0.0, low_open=True)
        if not value < diffusion.T:
            raise OracleDomainError(f"{name}={value!r} must be below the horizon T={diffusion.T}")
        out.append(diffusion if value == diffusion.t0 else replace(diffusion, t0=value))
    return alphas, out


def uses_grid(data: Law, alphas: Any, learners: list[Any], diffusion: Any, p_hat_0: Any) -> bool:
    """Whether the standard init sends the recursion to the grid (d <= 2, grid learners) when
    some learned law is not Gaussian; a specific error where nothing exact applies."""
    from ._grid_recursion import GRID_LEARNERS
    from ._standard_init import standard_init_supported

    if diffusion.init != "standard":
        return False
    pairs = zip(alphas, learners, strict=True)
    why = next(
        (w for w in (standard_init_supported(data, a, x, p_hat_0) for a, x in pairs) if w), None
    )
    if why is None:
        return False
    if data.dim <= 2 and all(isinstance(x, GRID_LEARNERS) for x in learners):
        return True
    raise OracleDomainError(
        f"init='standard' is supported only when every learned law is Gaussian ({why}): "
        "the N(0, I) start turns a mixture's endpoint into a law that is not a Gaussian "
        "mixture, so the recursion would stop being exact. Use Diffusion(init='exact'), "
        "or simulate_reverse for one generation by Monte Carlo"
    )
