"""Early stopping alone (THEORY.md §8, derived in this project, consistent with the abstract of
[KTV26b]): the exact-score recursion's Hermite modes approach the limit law's, each at the rate
``(1 - alpha) lambda_n``."""

from __future__ import annotations

import math

import numpy as np

import bounds as B
from gaussian_oracle import ExactScore, hermite_coefficients, limit_law

from ._checks import Constants, Outcome, check
from ._comparators import identity_margin
from ._instances import RecursionEvaluation

OURS_8 = "THEORY.md §8 (derived in this project; consistent with [KTV26b])"
#: the limit law is truncated at TV 1e-12 and the laws are merged mixtures: 1e-9 of the
#: coefficients' size leaves three orders of magnitude
MODE_TOL = 1e-9
#: most multi-indices compared per trajectory (order 6 in 1-D/2-D, lower in higher d)
_MAX_MODES = 300


def _max_order(d: int) -> int:
    order = 6
    while order > 1 and math.comb(order + d, d) > _MAX_MODES:
        order -= 1
    return order


@check(
    "limit-law-modes",
    reference=OURS_8,
    statement="c_n(p_hat_i) - c_n(p_inf) = ((1 - alpha) lambda_n)^i (c_n(p_hat_0) - c_n(p_inf))",
    kind="recursion",
    comparator="identity",
)
def _limit_modes(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj, inst = ev.trajectory, ev.instance
    applies = (
        all(isinstance(x, ExactScore) for x in inst.learners)
        and traj.diffusion.init == "exact"
        and 0.0 < traj.alpha
        and "alpha_schedule" not in traj.settings
    )
    if not applies:
        return Outcome(
            "outside",
            0.0,
            MODE_TOL,
            1.0,
            0.0,
            ("the exact score at every generation, exact init, 0 < alpha, no schedules",),
        )
    lim = limit_law(traj.data, alpha=traj.alpha, t0=traj.diffusion.t0)
    order = _max_order(traj.data.dim)
    target = hermite_coefficients(lim.law, order)
    degree = target.degree()
    rate = np.asarray(B.mode_contraction(degree, traj.alpha, traj.diffusion.t0))
    start = hermite_coefficients(traj.laws[0], order).values - target.values
    scale = max(1.0, float(np.max(np.abs(target.values))))
    worst = 0.0
    for i, law in enumerate(traj.laws):
        measured = hermite_coefficients(law, order).values - target.values
        worst = max(worst, float(np.max(np.abs(measured - rate**i * start))) / scale)
    d_inf, d_last = lim.chi2.value, float(traj.D_values[-1])
    return Outcome(
        "holds" if worst <= MODE_TOL else "fails",
        worst,
        MODE_TOL,
        identity_margin(worst, MODE_TOL),
        1.0,
        note=(
            f"every multi-index to order {order} over {len(traj.laws)} generations, against "
            f"the limit law truncated at TV {lim.truncation_tv:.1g}; D_last = {d_last:.6g}, "
            f"chi2(p_inf || p) = {d_inf:.6g}"
        ),
        measured={"D_last": d_last, "D_inf": d_inf, "order": float(order)},
    )
