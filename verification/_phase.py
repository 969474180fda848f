"""Regime phase diagrams: the theory's regimes and bounds with the oracle's exact ``D`` beside.

Each diagram is a grid over the fresh-data fraction ``alpha`` and one parameter of the error
schedule (THEORY.md §5):

========== ============================================ ===========================
kind       schedule                                     second axis
========== ============================================ ===========================
floor      ``eps_i^2 = eps^2``                          error floor ``eps^2`` (log)
geometric  ``eps_i^2 = eps_0^2 r^i``                    decay rate ``r`` in [0, 1]
power-law  ``eps_i^2 = eps_0^2 (i + 1)^{-p}``           exponent ``p``
horizon    any schedule (default ``eps_i^2 = 0.01``)     generation ``N``
========== ============================================ ===========================

At every grid point the theory gives the regime (:func:`bounds.classify_regime`), the
discounted sum ``S_N`` of Thm 4.2 and its additive upper bound ``c2 S_N + C_bias``, the
Prop 4.1 (ii) floor and the memory ``1/(2 alpha)``. The oracle gives the exact ``D_N`` of a
recursion with the same schedule: data ``N(0, 1)`` (invariant under early stopping, so without
score error ``D_i = 0`` and ``C_bias = 0`` is the oracle's own constant), exact init, and the
learner ``x -> x + b_i`` whose score energy on a Gaussian training law is exactly ``eps_i^2``:
``b_i^2 (e^{-t0} - e^{-T}) = eps_i^2``. On the mixture ``q_i`` the realised energy is somewhat
lower (the shift moves a spread mixture less than a Gaussian: e.g. 0.95 of nominal after ten
generations at ``alpha = 0.3, eps^2 = 0.01``, 0.5 at ``alpha = 0.1, eps^2 = 0.1``), so where the
oracle's ``D_N`` exceeds the theory's contour the conclusion holds a fortiori.
``bias="aligned"`` repeats the shift in one direction (a systematic error: shifts of old
synthetic components add up coherently); ``"alternating"`` flips its sign each generation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, overload

import numpy as np

from bounds import (
    ConstantSchedule,
    GeometricSchedule,
    PowerLawSchedule,
    Schedule,
    classify_regime,
    discounted_sum,
    persistence_floor,
)
from gaussian_oracle import Diffusion

from ._errors import VerificationError, integer, number
from ._phase_data import _COLUMNS, _PARAM, D_RESOLUTION, KINDS, PhaseDiagram
from ._phase_limit import LimitPhaseDiagram, limit_phase_diagram
from ._shift_recursion import _shifts, shift_recursion_D

__all__ = ["KINDS", "PhaseDiagram", "phase_diagram"]


def _check_grid(name: str, values: Any, low: float, high: float) -> np.ndarray:
    try:
        raw = np.asarray(values)
    except ValueError as exc:  # ragged
        raise VerificationError(f"{name}={values!r} must be a vector of real numbers") from exc
    if raw.dtype.kind not in "iuf":
        raise VerificationError(f"{name}={values!r} must be a vector of real numbers")
    arr = raw.astype(float)
    if arr.ndim != 1 or arr.size < 2:
        raise VerificationError(
            f"{name} must be a vector of at least 2 values (got shape {arr.shape})"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < low) or np.any(arr > high):
        raise VerificationError(
            f"{name} must lie in [{low:g}, {high:g}] (got {arr.min()}..{arr.max()})"
        )
    if np.any(np.diff(arr) <= 0):
        raise VerificationError(f"{name} must be strictly increasing")
    return arr


def _integer(name: str, value: Any, minimum: int) -> int:
    return integer(name, value, minimum)


def _positive(name: str, value: Any) -> float:
    x = number(name, value)
    if x <= 0.0:
        raise VerificationError(f"{name}={value!r} must be a finite number > 0")
    return x


def _schedule_text(schedule: Schedule) -> str:
    if isinstance(schedule, ConstantSchedule):
        return f"$\\varepsilon_i^2$ = {schedule.value:g}"
    if isinstance(schedule, GeometricSchedule):
        return f"$\\varepsilon_i^2$ = {schedule.eps0_2:g} $\\cdot$ {schedule.r:g}$^i$"
    if isinstance(schedule, PowerLawSchedule):
        return f"$\\varepsilon_i^2$ = {schedule.c:g} $(i+1)^{{-{schedule.p:g}}}$"
    return "$\\varepsilon_i^2$ given"


def _schedule_at(kind: str, value: float, eps0_2: float, schedule: Schedule) -> Schedule:
    if kind == "floor":
        return ConstantSchedule(value)
    if kind == "geometric":
        return GeometricSchedule(eps0_2, value)
    if kind == "power-law":
        return PowerLawSchedule(eps0_2, value)
    return schedule


def _oracle_columns(
    kind: str,
    a: np.ndarray,
    p: np.ndarray,
    energies: list[np.ndarray],
    diffusion: Diffusion,
    bias: str,
    oracle: bool,
    progress: Callable[[int, int, str], None] | None,
) -> tuple[list[float], list[float]]:
    """``D_N`` and the last shift for every grid point (row-major: second axis, then alpha)."""
    size = a.size * p.size
    if not oracle:
        return [math.nan] * size, [math.nan] * size
    d_col: list[float] = []
    b_col: list[float] = []
    if kind == "horizon":  # one run per alpha gives every N
        b = _shifts(energies[-1], diffusion, bias)
        d_all = shift_recursion_D(b, a, diffusion.t0, every=True)
        for n in p.astype(int):
            d_col += d_all[:, n - 1].tolist()
            b_col += [float(b[n - 1])] * a.size
        if progress is not None:
            progress(size, size, "horizon")
        return d_col, b_col
    for row, (value, e) in enumerate(zip(p, energies, strict=True), start=1):
        b = _shifts(e, diffusion, bias)
        d_col += shift_recursion_D(b, a, diffusion.t0).tolist()
        b_col += [float(b[-1])] * a.size
        if progress is not None:
            progress(row * a.size, size, f"{_PARAM[kind]}={value:.3g}")
    return d_col, b_col


@overload
def phase_diagram(kind: Literal["limit"], **kwargs: Any) -> LimitPhaseDiagram: ...


@overload
def phase_diagram(kind: str = "geometric", **kwargs: Any) -> PhaseDiagram: ...


def phase_diagram(kind: str = "geometric", **kwargs: Any) -> Any:
    """Regime phase diagram over ``alpha`` and one schedule parameter (:func:`regime_diagram`),
    or for ``kind="limit"`` the limit law of early stopping over ``alpha x t0``
    (:func:`verification._phase_limit.limit_phase_diagram`: ``data``, ``alphas``, ``values``
    as the ``t0`` axis, ``points``, ``progress``).

    Examples
    --------
    >>> phase_diagram("limit", alphas=[0.2, 0.9], values=[0.1, 1.0]).summary()["infinite"]
    1
    """
    if kind == "limit":
        extra = sorted(set(kwargs) - {"data", "alphas", "values", "points", "progress"})
        if extra:
            raise VerificationError(f"kind='limit' takes no {extra[0]!r} (its axes: alpha, t0)")
        if "values" in kwargs:
            kwargs["t0s"] = kwargs.pop("values")
        return limit_phase_diagram(**kwargs)
    if "data" in kwargs:
        raise VerificationError(f"data applies to kind='limit', not {kind!r}")
    return regime_diagram(kind, **kwargs)


def regime_diagram(
    kind: str = "geometric",
    *,
    alphas: Any = None,
    values: Any = None,
    points: int = 17,
    horizon: int = 30,
    eps0_2: float = 0.1,
    schedule: Schedule | None = None,
    c2: float = 4.0,
    C_bias: float = 0.0,
    eta_min: float = 1.0,
    oracle: bool = True,
    bias: str = "aligned",
    diffusion: Diffusion | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> PhaseDiagram:
    """Regime phase diagram over ``alpha`` and one schedule parameter, with the oracle's ``D``.

    Parameters
    ----------
    kind : {"floor", "geometric", "power-law", "horizon"}
        The second axis (module docstring).
    alphas : array_like of float in [0, 1], optional
        Default: ``points`` values from 0 to 1.
    values : array_like of float, optional
        The second axis. Defaults (``points`` values): floor ``eps^2`` log-spaced from 1e-4
        to 10; geometric ``r`` from 0 to 1; power-law ``p`` from 0.25 to 3; horizon
        ``N = 1 .. horizon`` (every generation).
    points : int >= 2
        Size of the default grids.
    horizon : int >= 1
        ``N``: the generation at which ``D_N`` and ``S_N`` are compared (the largest ``N`` for
        the horizon diagram).
    eps0_2 : float > 0
        ``eps_0^2`` of the geometric and power-law schedules.
    schedule : bounds schedule, optional
        The schedule of the horizon diagram (default ``ConstantSchedule(0.01)``).
    c2, C_bias : float
        Constants of the additive Thm 4.2 bound (not given by the paper). ``C_bias = 0`` is the
        oracle's own value: its data law is invariant under early stopping.
    eta_min : float in [0, 1]
        Observability bound used for the regimes and the floor (1 for the oracle's mean
        shifts; 0 makes every regime "vacuous").
    oracle : bool
        Compute the oracle's exact ``D_N`` (:func:`shift_recursion_D`, vectorised over alpha:
        a 17 x 17 grid of 30 generations in milliseconds).
    bias : {"aligned", "alternating"}
        Direction of the oracle's shifts across generations.
    diffusion : Diffusion, optional
        Horizon and early stopping of the oracle (``init="exact"``); default
        ``Diffusion(T=4, t0=0.02, init="exact")``.
    progress : callable ``(done, total, label)``, optional
        Called after each row of the grid (the oracle column is vectorised over alpha).

    Returns
    -------
    PhaseDiagram
        ``.data`` (tidy columns) and ``.figure`` (a matplotlib Figure).

    Examples
    --------
    >>> pd = phase_diagram("geometric", alphas=[0.2, 1.0], values=[0.5, 1.0], horizon=5)
    >>> [str(r) for r in pd.data["regime"]]
    ['summable', 'summable', 'error-floor', 'error-floor']
    >>> s = pd.summary()       # aligned shifts at alpha = 0.2 exceed c2 S_N (C_bias = 0)
    >>> s["claimed"], s["exceeded"], s["alpha"], round(s["C_bias_needed"], 3)
    (2, 1, 0.2, 0.125)
    """
    if kind not in KINDS[:-1]:
        raise VerificationError(f"kind={kind!r} must be one of {', '.join(KINDS)}")
    if bias not in ("aligned", "alternating"):
        raise VerificationError(f"bias={bias!r} must be 'aligned' or 'alternating'")
    horizon = _integer("horizon", horizon, 1)
    points = _integer("points", points, 2)
    eps0_2 = _positive("eps0_2", eps0_2)
    c2, C_bias = number("c2", c2, low=0.0), number("C_bias", C_bias, low=0.0)
    eta_min = number("eta_min", eta_min, low=0.0, high=1.0)
    diff = diffusion if diffusion is not None else Diffusion(T=4.0, t0=0.02, init="exact")
    if not isinstance(diff, Diffusion) or diff.init != "exact":
        raise VerificationError(
            "diffusion must be a Diffusion with init='exact' (the oracle's recursion)"
        )
    if schedule is not None and kind != "horizon":
        raise VerificationError("schedule applies to kind='horizon' only")
    sched: Schedule = schedule if schedule is not None else ConstantSchedule(0.01)
    a = _check_grid("alphas", np.linspace(0.0, 1.0, points) if alphas is None else alphas, 0.0, 1.0)
    default = {
        "floor": np.logspace(-4, 1, points),
        "geometric": np.linspace(0.0, 1.0, points),
        "power-law": np.linspace(0.25, 3.0, points),
        "horizon": np.arange(1, horizon + 1, dtype=float),
    }[kind]
    limits = {
        "floor": (0.0, np.inf),
        "geometric": (0.0, 1.0),
        "power-law": (1e-12, np.inf),
        "horizon": (1.0, float(horizon)),
    }[kind]
    p = _check_grid("values", default if values is None else values, *limits)
    if kind == "floor" and np.any(p <= 0.0):
        raise VerificationError("values of the floor diagram must be > 0 (eps^2 is on a log axis)")
    if kind == "horizon" and np.any(p != np.round(p)):
        raise VerificationError("values of the horizon diagram must be whole generations")

    cols: dict[str, list[Any]] = {k: [] for k in _COLUMNS}
    energies: list[np.ndarray] = []  # per row of the grid (one value of the second axis)
    for value in p:
        s = _schedule_at(kind, float(value), eps0_2, sched)
        n = int(value) if kind == "horizon" else horizon
        e = s.values(n)
        energies.append(e)
        summed = np.asarray(discounted_sum(e, a))[:, -1]
        for alpha, s_n in zip(a, summed, strict=True):
            reg = classify_regime(s, float(alpha), eta_min=float(eta_min))
            floor = persistence_floor(float(alpha), float(eta_min), reg.floor)
            cols["alpha"].append(float(alpha))
            cols["param"].append(float(value))
            cols["N"].append(n)
            cols["regime"].append(reg.name)
            cols["perturbative"].append(bool(np.max(e) <= 1.0))
            cols["memory"].append(reg.memory)
            cols["S"].append(float(s_n))
            cols["upper"].append(float(c2) * float(s_n) + float(C_bias))
            cols["floor"].append(float(floor) if reg.name == "error-floor" else 0.0)
    d_col, b_col = _oracle_columns(kind, a, p, energies, diff, bias, oracle, progress)
    cols["D"], cols["bias"] = d_col, b_col
    upper, d_arr = np.array(cols["upper"]), np.array(d_col)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(upper > 0.0, d_arr / upper, np.where(d_arr > 0.0, np.inf, 0.0))
    # below the oracle's resolution both sides are round-off: no ratio
    cols["ratio"] = list(np.where((d_arr < D_RESOLUTION) & (upper < D_RESOLUTION), np.nan, ratio))
    data = {
        k: np.array(v, dtype=object if k == "regime" else (bool if k == "perturbative" else float))
        for k, v in cols.items()
    }
    meta = {
        "kind": kind,
        "param": _PARAM[kind],
        "horizon": int(p[-1]) if kind == "horizon" else horizon,
        "c2": float(c2),
        "C_bias": float(C_bias),
        "eta_min": float(eta_min),
        "eps0_2": eps0_2,
        "schedule": _schedule_text(sched) if kind == "horizon" else None,
        "bias": bias,
        "T": diff.T,
        "t0": diff.t0,
        "oracle": bool(oracle),
    }
    return PhaseDiagram(kind, data, meta)
