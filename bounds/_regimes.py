"""Regimes of drift across generations (THEORY.md §5), with their quantitative content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._recursion import fixed_point, memory_length, persistence_floor
from ._schedules import ArraySchedule, as_schedule
from ._validation import check_interval

__all__ = ["REGIMES", "Regime", "classify_regime"]

#: Regime names, in the order they are tested.
REGIMES = ("no-forgetting", "vacuous", "undetermined", "summable", "error-floor", "non-summable")


@dataclass(frozen=True, slots=True)
class Regime:
    """The regime of an error schedule at a fresh-data fraction, and what the theory says.

    Attributes
    ----------
    name : str
        One of :data:`REGIMES`.
    statement : str
        The statement that governs the regime ("Thm. 4.2 (additive)", "Prop. 4.1 (ii)", ...).
    summary : str
        One sentence for a report or a figure legend.
    memory : float
        :math:`1/(2\\alpha)` generations (``inf`` at alpha = 0).
    floor : float
        :math:`\\liminf` of the energies (the schedule's floor).
    persistence_floor : float
        Prop. 4.1 (ii) lower bound on :math:`\\limsup D_i` (0 unless "error-floor").
    fixed_point : float
        :math:`\\varepsilon_{\\min}^2/(\\alpha(2-\\alpha))`: where the discounted sum of a constant
        floor settles (``inf`` at alpha = 0 with a positive floor).
    total : float
        Sum of the energies (``inf`` if not summable).
    """

    name: str
    statement: str
    summary: str
    memory: float
    floor: float
    persistence_floor: float
    fixed_point: float
    total: float


def classify_regime(schedule: Any, alpha: float, *, eta_min: float = 1.0) -> Regime:
    """Classify an error schedule at fresh-data fraction ``alpha`` (THEORY.md §5).

    The tests, in order: ``alpha = 0`` is "no-forgetting" (pure self-consumption, nothing is
    discounted); ``eta_min = 0`` is "vacuous" (errors may be invisible at the endpoint, the
    lower bounds say nothing); a finite array without a ``tail`` is "undetermined" (a finite
    horizon cannot decide summability: see :class:`ArraySchedule`); a summable schedule is
    "summable" (Thm. 4.2 additive: drift
    bounded, decaying up to ``C_bias``); a positive floor is "error-floor" (Prop. 4.1 (ii):
    ``limsup D_i`` at least :func:`persistence_floor`); otherwise "non-summable"
    (Prop. 4.1 (i): ``sum D_i = inf``, though ``D_i -> 0`` remains possible).

    Large errors (``eps_star2 > 1``) are outside every lower bound (open problem); this
    classification does not look at magnitudes.

    Parameters
    ----------
    schedule : Schedule or array_like
        A schedule object or explicit energies (an :class:`ArraySchedule`).
    alpha : float in [0, 1]
    eta_min : float in [0, 1]
        Uniform lower bound on the observability coefficient.

    Returns
    -------
    Regime

    Examples
    --------
    >>> from bounds import ConstantSchedule
    >>> r = classify_regime(ConstantSchedule(0.01), 0.1, eta_min=0.5)
    >>> r.name, round(r.fixed_point, 6), r.memory
    ('error-floor', 0.052632, 5.0)
    """
    s = as_schedule(schedule)
    a = float(check_interval("alpha", alpha, 0.0, 1.0))
    h = float(check_interval("eta_min", eta_min, 0.0, 1.0))
    mem = float(memory_length(a))
    fp = float(fixed_point(s.floor, a))
    common = {"memory": mem, "floor": s.floor, "fixed_point": fp, "total": s.total}
    continued = isinstance(s, ArraySchedule)
    if a == 0.0:
        return Regime(
            "no-forgetting",
            "Lemma F.1 with alpha = 0",
            "alpha = 0: no fresh data, every error is remembered undiscounted",
            persistence_floor=0.0,
            **common,
        )
    if h == 0.0:
        return Regime(
            "vacuous",
            "Def. 3.2 (eta = 0)",
            "eta = 0: errors can be invisible at the endpoint; lower bounds are vacuous",
            persistence_floor=0.0,
            **common,
        )
    if s.summable is None:
        return Regime(
            "undetermined",
            "none (a finite horizon decides no summability)",
            "a finite array of energies: say how it continues (ArraySchedule(..., tail=...))",
            persistence_floor=0.0,
            **common,
        )
    via = f" (continued as {getattr(s, 'tail', None)!r})" if continued else ""
    if s.summable:
        return Regime(
            "summable",
            "Thm. 4.2 (additive reading)",
            f"summable errors{via}: drift bounded and decaying up to C_bias",
            persistence_floor=0.0,
            **common,
        )
    if s.floor > 0.0:
        pf = float(persistence_floor(a, h, s.floor))
        return Regime(
            "error-floor",
            "Prop. 4.1 (ii)",
            f"error floor: limsup D_i >= {pf:.3g}",
            persistence_floor=pf,
            **common,
        )
    return Regime(
        "non-summable",
        "Prop. 4.1 (i)",
        "non-summable errors: sum D_i = inf (D_i -> 0 still possible)",
        persistence_floor=0.0,
        **common,
    )
