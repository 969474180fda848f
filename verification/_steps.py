"""The per-generation statements checked at every step of a recursion, under both readings.

Prop. 3.3 and Thm. 3.4 bound the learned endpoint against the **ideal endpoint** (the law at
which the ideal reverse process for ``q_i`` ends: ``P_{t0} q_i`` under exact init); the paper's
recursion writes ``I_i = chi2(p_hat_{i+1} || q_i)``, against the **training law**. The two differ
by the early-stopping error itself (THEORY.md §1, §6 "Which endpoint"), so each statement is
checked against both: the ideal reading is the one proved (expected to hold), the training
reading is reported (under early stopping it fails where the score error is small: a finding
about the paper). The lower recursion ``D_{i+1} + (1 - alpha)^2 D_i >= alpha I_i / 2`` is the
other way round: exact for the training reading, reported for the ideal one.

Decisions use intervals. ``eta_i`` enters through ``[eta_lo, eta_hi]``: an exact value is both
ends; an estimate is widened by ``N_SE`` standard errors and ``|bias|``; a lower bound (quadratic
regression on a mixture) gives ``eta_lo`` only, with ``eta_hi = 1``. So a lower bound is used
only in the safe direction: a step is "holds" when the bound holds for every eta in the
interval, "fails" when it fails for every one, and undecided otherwise (reported, not counted).
Energies and divergences are widened by their errors in the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import bounds as B

from ._checks import Constants, Outcome, check
from ._comparators import EXACT_RTOL, N_SE, lower_margin, upper_margin
from ._instances import RecursionEvaluation


def interval(d: Any) -> tuple[float, float]:
    """``[low, high]`` of a labelled value: its errors widened (``N_SE`` s.e. and ``|bias|``)."""
    if d is None:
        return float("nan"), float("nan")
    v = float(d.value)
    if not np.isfinite(v):
        return v, v
    if d.kind == "exact":
        slack = EXACT_RTOL * abs(v) + float(d.abs_error)
    elif d.method == "quadrature":  # a cubature error estimate, not a standard error
        slack = EXACT_RTOL * abs(v) + 2.0 * float(d.abs_error)
    else:
        slack = N_SE * float(d.abs_error) + abs(float(d.bias))
    low = max(v - slack, 0.0)
    high = v + slack
    if d.kind == "lower-bound":
        high = np.inf
    return low, high


def eta_interval(d: Any) -> tuple[float, float]:
    """Interval for eta in [0, 1]; a lower bound leaves the upper end at 1 (safe direction)."""
    low, high = interval(d)
    return float(np.clip(low, 0.0, 1.0)), float(np.clip(high, 0.0, 1.0))


def _rhs_range(
    f: Callable[[float, float], float],
    e: tuple[float, float],
    h: tuple[float, float],
    vertex: Callable[[float], float] | None,
) -> tuple[float, float]:
    """Range of ``f(eps2, eta)`` over the box: corners, and the vertex in eps2 if inside."""
    pts = [(ee, hh) for ee in e for hh in h]
    if vertex is not None:
        for hh in h:
            v = vertex(hh)
            if e[0] < v < e[1]:
                pts.append((v, hh))
    vals = [f(ee, hh) for ee, hh in pts]
    return min(vals), max(vals)


def _step_status(lhs: tuple[float, float], rhs: tuple[float, float], upper: bool) -> str:
    """``lhs <= rhs`` (upper) or ``lhs >= rhs`` (lower) decided on intervals."""
    if upper:
        if lhs[1] <= rhs[0]:
            return "holds"
        return "fails" if lhs[0] > rhs[1] else "undecided"
    if rhs[1] <= 0.0:
        return "vacuous"
    if lhs[0] >= rhs[1]:
        return "holds"
    return "fails" if lhs[1] < rhs[0] else "undecided"


def run_steps(ev: RecursionEvaluation, reading: str, statement: str, k: Any) -> Outcome:
    """Evaluate a per-generation statement at every step; the worst decided step (by its
    absolute slack) and counts. The margin reported is the worst step's relative one."""
    traj = ev.trajectory
    divs = traj.I_ideal if reading == "ideal" else traj.I
    rows: list[tuple[int, str, float, float, float]] = []  # step, status, lhs, rhs, margin
    outside = undecided = 0
    need = 0.0
    for i, (chi, e_d, h_d) in enumerate(zip(divs, traj.eps_star2, traj.eta, strict=True)):
        ideal = traj.I_ideal[i]
        if chi is None:
            outside += 1
            continue
        e, h, c = interval(e_d), eta_interval(h_d), interval(chi)
        # A3 puts the Girsanov density in L^2, so it certifies a finite chi2 against the ideal
        # endpoint (not against q_i): an infinite I_ideal means A3 fails on this step
        a3_fails = not np.isfinite((ideal if ideal is not None else chi).value)
        if e[1] > 1.0 or (statement == "thm-3.4" and a3_fails):
            outside += 1  # perturbative hypothesis, or A3
            continue
        if statement == "prop-3.3":
            bound = _rhs_range(
                lambda ee, hh: float(B.chi2_lower(ee, hh, C=k.C, outside="vacuous")),
                e,
                h,
                None if k.C == 0 else (lambda hh: hh / (8.0 * k.C)),
            )
            status = _step_status(c, bound, upper=False)
            point = float(
                B.chi2_lower(e_d.value, float(np.clip(h_d.value, 0, 1)), C=k.C, outside="vacuous")
            )
            margin = float(chi.value) - point
        else:
            bound = _rhs_range(lambda ee, hh: float(B.chi2_upper(ee, c=k.c)), e, h, None)
            status = _step_status(c, bound, upper=True)
            point = float(B.chi2_upper(e_d.value, c=k.c))
            margin = point - float(chi.value)
            e_val = float(e_d.value)
            if e_val > 0.0 and np.isfinite(chi.value):
                need = max(need, (float(chi.value) - 4.0 * e_val) / (e_val * e_val))
        if status == "undecided":
            undecided += 1
            continue
        rows.append((i, status, float(chi.value), point, margin))
    decided = [r for r in rows if r[1] != "vacuous"]
    name = "the ideal endpoint" if reading == "ideal" else "the training law q_i"
    counts = {
        "steps": float(len(divs)),
        "decided": float(len(decided)),
        "vacuous": float(len(rows) - len(decided)),
        "undecided": float(undecided),
        "outside": float(outside),
    }
    note = (
        f"{statement} at each of {len(divs)} steps against {name}: {len(decided)} decided, "
        f"{len(rows) - len(decided)} vacuous, {undecided} undecided (eta or errors too wide), "
        f"{outside} outside the hypotheses"
    )
    relative = lower_margin if statement == "prop-3.3" else upper_margin
    if not rows:
        nan = float("nan")
        why = (
            "no step could be decided (outside the perturbative regime, A3, or eta known "
            "too loosely)"
        )
        return Outcome("outside", nan, nan, nan, 0.0, (why,), note=note, measured=counts)
    if not decided:
        i, _, lhs, rhs, _ = rows[0]
        return Outcome("vacuous", lhs, rhs, relative(lhs, rhs), 0.0, note=note, measured=counts)
    fails = [r for r in decided if r[1] == "fails"]
    worst = min(fails or decided, key=lambda r: r[4])
    i, status, lhs, rhs, margin = worst
    ratios = [
        (r[3] / r[2] if statement == "prop-3.3" else r[2] / r[3])
        for r in decided
        if r[2] > 0 and r[3] > 0 and np.isfinite(r[2])
    ]
    tight = float(max(ratios, default=0.0))
    note += f"; worst at step {i}" + (f" ({len(fails)} fail)" if fails else "")
    required = {"c": max(need, 0.0)} if statement == "thm-3.4" else {}
    counts["fails"], counts["worst_step"] = float(len(fails)), float(i)
    return Outcome(
        "fails" if fails else "holds",
        lhs,
        rhs,
        relative(lhs, rhs),
        tight,
        (),
        required,
        note,
        counts,
    )


def lower_recursion_ideal(ev: RecursionEvaluation) -> Outcome:
    """``D_{i+1} + (1 - alpha)^2 D_i >= alpha I_ideal_i / 2`` at every step (reported)."""
    traj = ev.trajectory
    d = traj.D_values
    a = traj.alpha
    rows = []
    for i, chi in enumerate(traj.I_ideal):
        if chi is None or not np.isfinite(d[i]) or not np.isfinite(d[i + 1]):
            continue
        lhs = d[i + 1] + (1 - a) ** 2 * d[i]
        lo, hi = interval(chi)
        rhs = a * float(chi.value) / 2.0
        if lhs >= a * hi / 2.0 * (1 - EXACT_RTOL):
            status = "holds"
        else:
            status = "fails" if lhs < a * lo / 2.0 else "undecided"
        rows.append((i, status, lhs, rhs, lhs - rhs))
    if not rows:
        nan = float("nan")
        why = "A3: D_i infinite, or no ideal endpoint in closed form"
        return Outcome("outside", nan, nan, nan, 0.0, (why,))
    fails = [r for r in rows if r[1] == "fails"]
    worst = min(fails or rows, key=lambda r: r[4])
    live = [r[3] / r[2] for r in rows if r[2] > 0]
    return Outcome(
        "fails" if fails else "holds",
        worst[2],
        worst[3],
        lower_margin(worst[2], worst[3]),
        float(min(max(live, default=0.0), 1.0)),
        note=(
            f"D_(i+1) + (1-alpha)^2 D_i >= alpha I_ideal_i / 2 at {len(rows)} steps; "
            f"{len(fails)} fail; worst at step {worst[0]}"
        ),
    )


@dataclass(frozen=True)
class _Steps:
    """The body of a steps check: one statement under one reading (picklable)."""

    statement: str
    reading: str

    def __call__(self, ev: RecursionEvaluation, k: Constants) -> Outcome:
        return run_steps(ev, self.reading, self.statement, k)


K = "[KTV26]"
for _cid, _ref, _statement, _text, _expected, _reading, _comparator in (
    (
        "prop-3.3-steps",
        f"Prop. 3.3 {K}, every step",
        "prop-3.3",
        "I_ideal_i >= eta_i eps_i^2 / 4 - C eps_i^4 (against the ideal endpoint)",
        "holds",
        "ideal",
        "lower",
    ),
    (
        "prop-3.3-steps-vs-q",
        f"Prop. 3.3 {K}, every step, vs q_i",
        "prop-3.3",
        "I_i >= eta_i eps_i^2 / 4 - C eps_i^4 (against the training law q_i)",
        "reported",
        "training",
        "lower",
    ),
    (
        "thm-3.4-steps",
        f"Thm. 3.4 {K}, every step",
        "thm-3.4",
        "I_ideal_i <= 4 eps_i^2 + c eps_i^4 (against the ideal endpoint)",
        "holds",
        "ideal",
        "upper",
    ),
    (
        "thm-3.4-steps-vs-q",
        f"Thm. 3.4 {K}, every step, vs q_i",
        "thm-3.4",
        "I_i <= 4 eps_i^2 + c eps_i^4 (against the training law q_i)",
        "reported",
        "training",
        "upper",
    ),
):
    check(
        _cid,
        reference=_ref,
        statement=_text,
        kind="recursion",
        comparator=_comparator,
        expected=_expected,
        reading=_reading,
    )(_Steps(_statement, _reading))
