"""The accumulated recursion checks: Prop. 4.1 (i), (ii) and Thm. 4.2 (both readings)."""

from __future__ import annotations

import numpy as np

import bounds as B

from ._checks import Constants, Outcome, check, lower
from ._checks_recursion import _observables, _run_hypotheses
from ._comparators import growth_margin, ratio, upper_margin
from ._instances import RecursionEvaluation

K = "[KTV26]"
#: the literal display fails when the constant it needs grows by this factor over the run
GROWTH = 10.0


@check(
    "prop-4.1-i",
    reference=f"Prop. 4.1 (i) {K}",
    statement="sum eps_i^2 = inf  =>  sum D_i = inf",
    kind="recursion",
    comparator="lower",
)
def _prop_4_1_i(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    a = traj.alpha
    e, eta_lo = _observables(traj)
    d = traj.D_values
    n = len(e)
    hyp = _run_hypotheses(traj, eta_lo, a, d)
    lhs = float(np.sum(d))
    # the finite-horizon form that implies (i): summing the lower recursion in its clean form
    # gives (1 + (1-alpha)^2) sum_{i<=N} D_i >= (alpha / 16) sum_{i<N} eta_i eps_i^2
    rhs = float(a * np.sum(eta_lo * e) / (16.0 * (1.0 + (1.0 - a) ** 2)))
    note = (
        f"horizon N = {n}: checks sum_(i<=N) D_i >= alpha sum eta_i eps_i^2 / (16 (1 + "
        "(1-alpha)^2)), the partial-sum inequality behind (i); a finite run cannot show a "
        "series diverging, only this inequality at every horizon"
    )
    return lower(lhs, rhs, hyp, note=note)


@check(
    "prop-4.1-ii",
    reference=f"Prop. 4.1 (ii) {K}",
    statement="limsup D_i >= alpha eta_min eps_min^2 / (16 (1 + (1 - alpha)^2))",
    kind="recursion",
    comparator="lower",
)
def _prop_4_1_ii(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    a = traj.alpha
    e, eta_lo = _observables(traj)
    d = traj.D_values
    half = len(e) // 2
    eps_min = float(np.min(e[half:]))
    eta_min = float(np.min(eta_lo[half:]))
    floor = float(B.persistence_floor(a, eta_min, eps_min))
    lhs = float(np.max(d[half + 1 :]))
    hyp = _run_hypotheses(traj, eta_lo, a, d)
    if eps_min <= 0.0:
        hyp += ("eps_star_i^2 >= eps_min^2 > 0 eventually",)
    return lower(
        lhs,
        floor,
        hyp,
        note=(
            f"limsup read as max D_i over the last {len(d) - half - 1} of {len(d) - 1} "
            f"generations; eps_min2 = {eps_min:.3g}, eta_min = {eta_min:.3g} (4 s.e. below "
            "the Monte Carlo estimate) over the same stretch"
        ),
    )


def _accumulated(
    ev: RecursionEvaluation, k: Constants
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(D_(N+1), S_N, eps_N^2, C_bias required with c2)`` over the horizons before the first
    infinite D (A3 fails from there on: nothing finite to compare)."""
    traj = ev.trajectory
    e, _ = _observables(traj)
    d = traj.D_values
    finite = np.isfinite(d)
    n = 0 if not finite[0] else int(np.argmin(finite[1:])) if not finite.all() else len(e)
    e = e[:n]
    s = np.asarray(B.discounted_sum(e, traj.alpha, D_i0=d[0])) if n else np.zeros(0)
    need = float(np.max(np.maximum(d[1 : n + 1] - k.c2 * s, 0.0))) if n else 0.0
    return d[1 : n + 1], s, e, need


def _no_finite_horizon(hyp: tuple[str, ...]) -> Outcome:
    nan = float("nan")
    return Outcome(
        "outside",
        nan,
        nan,
        nan,
        0.0,
        hyp,
        note="D_1 is already infinite: no finite horizon to compare",
    )


def _summable(e: np.ndarray) -> bool:
    """Whether the run's energies look summable: the last third at most a tenth of the first."""
    third = max(1, len(e) // 3)
    return float(np.mean(e[-third:])) <= 0.1 * float(np.mean(e[:third]))


@check(
    "thm-4.2-additive",
    reference=f"Thm. 4.2 {K}, additive reading (appendix)",
    statement="D_(N+1) <= c2 S_N + C_bias",
    kind="recursion",
    comparator="upper",
)
def _thm_4_2_additive(ev: RecursionEvaluation, k: Constants) -> Outcome:
    d_next, s, _, need = _accumulated(ev, k)
    _, eta_lo = _observables(ev.trajectory)
    hyp = _run_hypotheses(ev.trajectory, eta_lo, ev.trajectory.alpha, ev.trajectory.D_values)
    if not len(d_next):
        return _no_finite_horizon(hyp)
    bound = k.c2 * s + need
    j = int(np.argmin(bound - d_next))
    return Outcome(
        "outside" if hyp else "holds",
        float(d_next[j]),
        float(bound[j]),
        upper_margin(float(d_next[j]), float(bound[j])),
        ratio(float(d_next[-1]), float(bound[-1])),
        hyp,
        required={"C_bias": need},
        note=(
            f"D_(N+1) <= c2 S_N + C_bias with c2 = {k.c2:g} holds at every horizon with the "
            f"reported C_bias; on a finite run the additive reading can fail only through an "
            "infinite D (A3)"
        ),
    )


@check(
    "thm-4.2-literal",
    reference=f"Thm. 4.2 {K}, display as written",
    statement="D_(N+1) + C_bias <= c2 S_N for a fixed c2",
    kind="recursion",
    comparator="growth",
    expected="fails",
)
def _thm_4_2_literal(ev: RecursionEvaluation, k: Constants) -> Outcome:
    d_next, _, e_fin, need = _accumulated(ev, k)
    e, eta_lo = _observables(ev.trajectory)
    hyp = _run_hypotheses(ev.trajectory, eta_lo, ev.trajectory.alpha, ev.trajectory.D_values)
    if not len(d_next):
        return _no_finite_horizon(hyp)
    c_bias = max(need, 1e-12)
    c2 = np.asarray(
        B.literal_constant(
            d_next, e_fin, ev.trajectory.alpha, C_bias=c_bias, D_i0=ev.trajectory.D_values[0]
        )
    )
    third = max(1, len(c2) // 3)
    early, late = float(np.max(c2[:third])), float(c2[-1])
    if not _summable(e):
        hyp += ("sum eps_star_i^2 < inf (summable schedule)",)
    grows = late >= GROWTH * early
    status = "outside" if hyp else ("fails" if grows else "holds")
    return Outcome(
        status,
        late,
        early,
        growth_margin(early, late, GROWTH),
        ratio(early, late),
        hyp,
        required={"c2_first_third": early, "c2_final": late, "C_bias": c_bias},
        note=(
            f"required c2 = (D_(N+1) + C_bias) / S_N grows from {early:.3g} to {late:.3g} over "
            f"{len(c2)} generations while S_N -> 0: the display cannot hold as written"
        ),
    )
