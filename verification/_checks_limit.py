"""Early stopping alone (THEORY.md §8, derived in this project, consistent with the abstract of
[KTV26b]) on the oracle's recursions:

* ``limit-law-modes``: the exact-score recursion's Hermite modes approach the limit law's, each
  at the rate ``(1 - alpha) lambda_n`` (an identity);
* ``limit-law-tv``: TV to the limit law contracts by at least ``1 - alpha`` per generation
  (dimension 1, where TV is computed from exact CDFs);
* ``annealed-modes``: under an annealed truncation schedule the modes follow the scalar
  recursion of :func:`bounds.mode_errors` (an identity), and ``D_i`` is reported against the
  rate that recursion predicts;
* ``w2-ball``: with any learner, ``W2(p_hat_i, p_inf) <= kappa^i W2(p_hat_0, p_inf) + delta (1 -
  kappa^i) / (1 - kappa)``, ``delta`` the largest W2 distance between a learned generation and
  the ideal map's output (dimension 1: W2 by quadrature of the monotone map, Bures for
  Gaussians, and on the grid for the grid engine's laws).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import bounds as B
from gaussian_oracle import (
    ExactScore,
    GridLaw,
    hermite_coefficients,
    limit_law,
    mix,
    ou_transition,
    tv,
    wasserstein2,
)
from gaussian_oracle._grid_law import _density_on as _on_box

from ._checks import Constants, Outcome, check
from ._comparators import EXACT_RTOL, N_SE, identity_margin, ratio, upper_margin
from ._instances import RecursionEvaluation

OURS_8 = "THEORY.md §8 (derived in this project; consistent with [KTV26b])"
#: the limit law is truncated at TV 1e-12 and the laws are merged mixtures: 1e-9 of the
#: coefficients' size leaves three orders of magnitude
MODE_TOL = 1e-9
#: a mode counts as excited by the data when |c_n(p)| is at least this fraction of the scale
#: (smaller ones would amplify round-off in the measured gain c_n(p_inf) / c_n(p))
_EXCITED = 1e-3
#: most multi-indices compared per trajectory (order 6 in 1-D/2-D, lower in higher d)
_MAX_MODES = 300


def _max_order(d: int) -> int:
    order = 6
    while order > 1 and math.comb(order + d, d) > _MAX_MODES:
        order -= 1
    return order


def _exact_score_run(ev: RecursionEvaluation) -> bool:
    traj, inst = ev.trajectory, ev.instance
    return (
        all(isinstance(x, ExactScore) for x in inst.learners)
        and traj.diffusion.init == "exact"
        and 0.0 < traj.alpha
    )


def _outside(why: str) -> Outcome:
    """A run outside a check's hypotheses (named): nothing compared."""
    return Outcome("outside", 0.0, 0.0, float("nan"), 0.0, (why,))


def _modes(law: Any, order: int) -> np.ndarray:
    return np.asarray(hermite_coefficients(law, order).values)


@check(
    "limit-law-modes",
    reference=OURS_8,
    statement="c_n(p_hat_i) - c_n(p_inf) = ((1 - alpha) lambda_n)^i (c_n(p_hat_0) - c_n(p_inf))",
    kind="recursion",
    comparator="identity",
)
def _limit_modes(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    if not _exact_score_run(ev) or "alpha_schedule" in traj.settings:
        return _outside("the exact score at every generation, exact init, 0 < alpha, no schedules")
    lim = limit_law(traj.data, alpha=traj.alpha, t0=traj.diffusion.t0)
    order = _max_order(traj.data.dim)
    target = hermite_coefficients(lim.law, order)
    degree = target.degree()
    rate = np.asarray(B.mode_contraction(degree, traj.alpha, traj.diffusion.t0))
    start = hermite_coefficients(traj.laws[0], order).values - target.values
    scale = max(1.0, float(np.max(np.abs(target.values))))
    worst = 0.0
    coefs = [_modes(law, order) for law in traj.laws]
    for i, c in enumerate(coefs):
        worst = max(worst, float(np.max(np.abs(c - target.values - rate**i * start))) / scale)
    # the gain g_n from the trajectory alone: its last two generations give the fixed point
    # c_n(p_inf) = (c_n(p_hat_G) - r c_n(p_hat_(G-1))) / (1 - r) of the mode recursion
    data_c = _modes(traj.data, order)
    excited = np.abs(data_c) >= _EXCITED * scale
    fixed = (coefs[-1] - rate * coefs[-2]) / (1.0 - rate)
    gain = np.asarray(B.hermite_gain(degree, traj.alpha, traj.diffusion.t0))
    gain_dev = float(np.max(np.abs(fixed[excited] / data_c[excited] - gain[excited])))
    worst = max(worst, gain_dev * _EXCITED)  # in coefficient units: at least |c_n(p)| >= this
    d_inf, d_last = lim.chi2.value, float(traj.D_values[-1])
    return Outcome(
        "holds" if worst <= MODE_TOL else "fails",
        worst,
        MODE_TOL,
        identity_margin(worst, MODE_TOL),
        1.0,
        note=(
            f"every multi-index to order {order} over {len(traj.laws)} generations, against "
            f"the limit law truncated at TV {lim.truncation_tv:.1g}; the gains g_n of the "
            f"{int(np.sum(excited))} modes the data excites, measured on the trajectory, within "
            f"{gain_dev:.1e} of hermite_gain; D_last = {d_last:.6g}, chi2(p_inf || p) = "
            f"{d_inf:.6g}"
        ),
        measured={
            "D_last": d_last,
            "D_inf": d_inf,
            "order": float(order),
            "gain_deviation": gain_dev,
            "excited_modes": float(np.sum(excited)),
        },
    )


#: limit laws of the TV and W2 checks: truncated at TV 1e-14, so that the truncation's W2 bound
#: sqrt(2 eps M) stays near 1e-7 (it is added to the compared side)
_LIMIT_TOL = 1e-14
#: TV below this is not compared: the limit law's truncation (1e-14) and round-off dominate
_TV_FLOOR = 1e-11


@check(
    "limit-law-tv",
    reference=OURS_8,
    statement="TV(p_hat_(i+1), p_inf) <= (1 - alpha) TV(p_hat_i, p_inf)",
    kind="recursion",
    comparator="upper",
)
def _limit_tv(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    if not _exact_score_run(ev) or "alpha_schedule" in traj.settings or traj.data.dim != 1:
        return _outside("the exact score, exact init, 0 < alpha, no schedules, dimension 1")
    a = traj.alpha
    factor = float(B.tv_contraction(1, a))  # (1 - alpha) per generation
    lim = limit_law(traj.data, alpha=a, t0=traj.diffusion.t0, tol=_LIMIT_TOL)
    dist = [tv(law, lim.law) for law in traj.laws]
    vals = np.array([d.value for d in dist])
    # each side is within its quadrature error and the truncation's TV of the untruncated one
    err = np.array([d.abs_error for d in dist]) + lim.truncation_tv
    live = np.flatnonzero(vals[:-1] > _TV_FLOOR)
    if live.size == 0:
        return Outcome("vacuous", 0.0, 0.0, float("nan"), 0.0, note="TV(p_hat_0, p_inf) ~ 0")
    lhs = vals[live + 1]
    rhs = factor * vals[live] + N_SE * (err[live + 1] + factor * err[live])
    margins = np.array([upper_margin(x, y) for x, y in zip(lhs, rhs, strict=True)])
    j = int(np.argmin(margins))
    steps = vals[live + 1] / vals[live]
    rate = float(np.exp(np.mean(np.log(steps))))
    return Outcome(
        "holds" if margins[j] >= -EXACT_RTOL else "fails",
        float(lhs[j]),
        float(rhs[j]),
        float(margins[j]),
        ratio(float(np.max(steps)), factor),
        note=(
            f"TV(p_hat_i, p_inf) from {vals[0]:.3g} to {vals[-1]:.3g} over {len(vals) - 1} "
            f"generations; observed rate {rate:.6g} per generation (geometric mean), bound "
            f"1 - alpha = {factor:.6g}"
        ),
        measured={"tv_rate": rate, "tv_bound_rate": factor, "tv_0": float(vals[0])},
    )


@check(
    "annealed-modes",
    reference=OURS_8,
    statement="c_n(p_hat_(k+1)) = lambda_n^(k) (alpha c_n(p) + (1 - alpha) c_n(p_hat_k))",
    kind="recursion",
    comparator="identity",
)
def _annealed_modes(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    sched = traj.settings.get("t0_schedule")
    alphas = traj.settings.get("alpha_schedule")
    if not _exact_score_run(ev) or sched is None or len(set(alphas or ())) > 1:
        return _outside("the exact score, exact init, 0 < alpha, a t0 schedule, a constant alpha")
    order = _max_order(traj.data.dim)
    data = hermite_coefficients(traj.data, order)
    degree, c = data.degree(), data.values
    start = _modes(traj.laws[0], order) - c
    predicted = np.asarray(
        B.mode_errors(degree, traj.alpha, list(sched), data_coef=c, initial_error=start)
    )
    scale = max(1.0, float(np.max(np.abs(c))))
    measured = np.array([_modes(law, order) - c for law in traj.laws])
    worst = float(np.max(np.abs(measured - predicted))) / scale
    d = np.asarray(traj.D_values)
    # D_i is quadratic in the mode errors: its late ratio is predicted by the squared ratio of
    # the mode errors' norm (an observation: D is chi2 against p, not against N(0, I))
    norms = np.sqrt(np.sum(predicted**2, axis=1))
    d_rate = float(d[-1] / d[-2]) if d[-2] > 0 else float("nan")
    pred_rate = float((norms[-1] / norms[-2]) ** 2) if norms[-2] > 0 else float("nan")
    return Outcome(
        "holds" if worst <= MODE_TOL else "fails",
        worst,
        MODE_TOL,
        identity_margin(worst, MODE_TOL),
        1.0,
        note=(
            f"every multi-index to order {order} over {len(traj.laws)} generations, t0 from "
            f"{sched[0]:.3g} to {sched[-1]:.3g}; D from {d[1]:.3g} to {d[-1]:.3g}, last ratio "
            f"{d_rate:.4g} against {pred_rate:.4g} from the modes"
        ),
        measured={"D_last": float(d[-1]), "D_ratio": d_rate, "D_ratio_modes": pred_rate},
    )


def _ideal_output(traj: Any, law: Any) -> Any:
    """``Phi(law) = P_t0(alpha p + (1 - alpha) law)``, the exact-score generation."""
    a, data, t0 = traj.alpha, traj.data, traj.diffusion.t0
    if isinstance(law, GridLaw):  # the grid engine's laws: the same map on the box
        fresh = data if isinstance(data, GridLaw) else GridLaw(law.box, _on_box(data, law.box))
        mixed = a * np.asarray(fresh.values) + (1 - a) * np.asarray(law.values)
        return GridLaw(law.box, mixed).ou_transition(t0)
    return ou_transition(mix(a, data, law) if a < 1 else data, t0)


@check(
    "w2-ball",
    reference=OURS_8,
    statement="W2(p_hat_i, p_inf) <= kappa^i W2_0 + delta (1 - kappa^i) / (1 - kappa)",
    kind="recursion",
    comparator="upper",
)
def _w2_ball(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    a, t0 = traj.alpha, traj.diffusion.t0
    if traj.diffusion.init != "exact" or not 0.0 < a or "alpha_schedule" in traj.settings:
        return _outside("exact init, 0 < alpha, no schedules")
    if traj.data.dim != 1:
        return _outside("dimension 1 (W2 to the limit law, a mixture, by quadrature)")
    lim = limit_law(traj.data, alpha=a, t0=t0, tol=_LIMIT_TOL)
    to_limit = [wasserstein2(law, lim.law) for law in traj.laws]
    w = np.array([x.value for x in to_limit])
    w_err = np.array([x.abs_error for x in to_limit]) + lim.truncation_w2
    if all(isinstance(x, ExactScore) for x in ev.instance.learners):
        deltas = np.zeros(1)  # each generation is the ideal map's output itself
    else:
        steps = [
            wasserstein2(nxt, _ideal_output(traj, law))
            for law, nxt in zip(traj.laws[:-1], traj.laws[1:], strict=True)
        ]
        deltas = np.array([x.value + N_SE * x.abs_error for x in steps])
    delta = float(np.max(deltas))
    gens = np.arange(len(w))
    bound = np.asarray(B.w2_ball(gens, a, t0, delta, initial=w[0] + N_SE * w_err[0]))
    lhs = w - N_SE * w_err  # each W2 within its quadrature error and the truncation's W2
    margins = np.array([upper_margin(x, y) for x, y in zip(lhs[1:], bound[1:], strict=True)])
    j = int(np.argmin(margins))
    kappa = float(B.w2_contraction(a, t0))
    return Outcome(
        "holds" if margins[j] >= -EXACT_RTOL else "fails",
        float(w[j + 1]),
        float(bound[j + 1]),
        float(margins[j]),
        ratio(float(np.max(w[1:] / bound[1:])), 1.0),
        note=(
            f"kappa = {kappa:.6g}, delta = {delta:.4g} (largest W2 of a learned generation from "
            f"the ideal map's output), W2(p_hat_i, p_inf) from {w[0]:.4g} to {w[-1]:.4g}; "
            f"ball radius delta / (1 - kappa) = {delta / (1 - kappa):.4g}"
        ),
        measured={"delta": delta, "kappa": kappa, "W2_last": float(w[-1])},
    )
